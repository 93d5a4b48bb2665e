/* Click a Learn figure to see it at its full size (the 2x image where there is one); click again to close. */
document.addEventListener("click", (event) => {
  const img = event.target;
  const open = document.querySelector(".cp-zoom");
  if (open) { open.remove(); return; }
  if (!(img instanceof HTMLImageElement) || !img.matches("img.sphx-glr-single-img, img.sphx-glr-multi-img")) return;
  const layer = document.createElement("div");
  layer.className = "cp-zoom";
  const big = document.createElement("img");
  big.src = img.currentSrc || img.src;
  big.alt = img.alt;
  big.style.width = `${img.naturalWidth}px`;  // the figure's own size, whichever file the browser chose
  layer.appendChild(big);
  document.body.appendChild(layer);
});
