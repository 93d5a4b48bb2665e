/* Learn figures: readable on a phone, and full size on a click.
 *
 * On a narrow screen a figure is never shrunk below 0.6 of its size: it sits in a box that scrolls
 * sideways instead (the page itself stays as wide as the screen). A click on a figure shows it at its
 * full size (the 2x image where there is one); a second click closes it.
 */
const CP_MIN_SCALE = 0.6;
const CP_FIGURES = "img.sphx-glr-single-img, img.sphx-glr-multi-img";

function cpFit(img) {
  if (!img.naturalWidth) return;
  if (!img.parentElement.classList.contains("cp-figure")) {
    const box = document.createElement("div");
    box.className = "cp-figure";
    img.replaceWith(box);
    box.appendChild(img);
  }
  // the figure's own width, or 0.6 of it where the column is narrower than that
  img.style.minWidth = `${Math.ceil(CP_MIN_SCALE * img.naturalWidth)}px`;
}

function cpFitAll() {
  document.querySelectorAll(CP_FIGURES).forEach((img) => {
    if (img.complete) cpFit(img);
    else img.addEventListener("load", () => cpFit(img), { once: true });
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", cpFitAll);
else cpFitAll();

document.addEventListener("click", (event) => {
  const img = event.target;
  const open = document.querySelector(".cp-zoom");
  if (open) { open.remove(); return; }
  if (!(img instanceof HTMLImageElement) || !img.matches(CP_FIGURES)) return;
  const layer = document.createElement("div");
  layer.className = "cp-zoom";
  const big = document.createElement("img");
  big.src = img.currentSrc || img.src;
  big.alt = img.alt;
  big.style.width = `${img.naturalWidth}px`;  // the figure's own size, whichever file the browser chose
  layer.appendChild(big);
  document.body.appendChild(layer);
});
