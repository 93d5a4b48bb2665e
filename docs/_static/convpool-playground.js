/* convpool kernel playground: edit a 3x3 kernel (or pick one from convpool's bank) and watch a photo change.
 *
 * Self-contained (no network, works from file://). <div class="cp-playground" data-config="..."> holds the
 * photo (rows of 0..255), the bank's 3x3 kernels and the padding convpool.conv_padding gives for 'same'
 * (written when the documentation was built by docs/_steps.py). The filtering is computed here;
 * tests/test_learn_browser.py checks it against convpool.kernels.apply on sampled pixels.
 *
 * Shown: a kernel whose weights add up to 1 gives pixel values again, drawn on the 0..255 scale (clipped);
 * any other kernel gives changes, drawn with 0 as mid grey and the largest |value| as black or white.
 */
(function () {
  "use strict";
  const fmt = (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

  class Playground {
    constructor(root, config) {
      this.root = root;
      this.c = config;
      this.h = config.photo.length;
      this.w = config.photo[0].length;
      this.build();
      this.pick(Object.keys(config.kernels)[0]);
    }

    build() {
      const r = this.root, c = this.c;
      r.replaceChildren();
      const bar = document.createElement("div");
      bar.className = "cp-pg-bar";
      const label = document.createElement("label");
      label.textContent = "kernel ";
      this.select = document.createElement("select");
      for (const name of Object.keys(c.kernels)) this.select.add(new Option(name, name));
      this.select.addEventListener("change", () => this.pick(this.select.value));
      label.appendChild(this.select);
      bar.appendChild(label);
      this.sum = document.createElement("span");
      this.sum.className = "cp-pg-sum";
      bar.appendChild(this.sum);
      this.grid = document.createElement("div");
      this.grid.className = "cp-pg-kernel";
      this.cells = [];
      for (let n = 0; n < 9; n++) {
        const input = document.createElement("input");
        input.type = "number";
        input.step = "any";
        input.addEventListener("input", () => { this.select.value = ""; this.picked = null; this.update(); });
        this.cells.push(input);
        this.grid.appendChild(input);
      }
      const pics = document.createElement("div");
      pics.className = "cp-pg-pics";
      this.before = this.canvas("photo");
      this.after = this.canvas("filtered");
      pics.append(this.before.box, this.after.box);
      this.readout = document.createElement("p");
      this.readout.className = "cp-formula cp-pg-readout";
      this.readout.textContent = "Hover over (or tap) the filtered photo to see one pixel's arithmetic.";
      r.append(bar, this.grid, pics, this.readout);
      this.paint(this.before.canvas, (i, j) => c.photo[i][j]);
      for (const pic of [this.before, this.after]) {
        pic.canvas.addEventListener("mousemove", (e) => this.hover(e, pic.canvas));
        pic.canvas.addEventListener("click", (e) => this.hover(e, pic.canvas));
      }
    }

    canvas(title) {
      const box = document.createElement("div");
      const caption = document.createElement("div");
      caption.className = "cp-label";
      caption.textContent = title;
      const canvas = document.createElement("canvas");
      canvas.width = this.w;
      canvas.height = this.h;
      canvas.className = "cp-pg-canvas";
      box.append(caption, canvas);
      return { box, canvas, caption };
    }

    pick(name) {
      const k = this.c.kernels[name];
      this.select.value = name;
      this.picked = k;  // the bank's exact weights (the boxes show them rounded) until one is edited
      k.flat().forEach((v, n) => { this.cells[n].value = fmt(v); });
      this.update();
    }

    kernel() {
      if (this.select.value && this.picked) return this.picked;
      const k = this.cells.map((cell) => parseFloat(cell.value));
      return k.some((v) => !Number.isFinite(v)) ? null : [k.slice(0, 3), k.slice(3, 6), k.slice(6, 9)];
    }

    // out[i, j] = sum over a, b of padded[i + a, j + b] * k[a, b], zero padding as convpool's 'same' puts it
    value(k, i, j) {
      const [top, left] = this.c.before;
      let total = 0;
      const terms = [];
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const r = i + a - top, q = j + b - left;
          const v = r >= 0 && q >= 0 && r < this.h && q < this.w ? this.c.photo[r][q] : 0;
          total += v * k[a][b];
          terms.push(`${v}×${k[a][b] < 0 ? `(${fmt(k[a][b])})` : fmt(k[a][b])}`);
        }
      }
      return { total, terms };
    }

    update() {
      const k = this.kernel();
      if (!k) { this.sum.textContent = "  every weight must be a number"; return; }
      this.k = k;
      const s = k.flat().reduce((x, y) => x + y, 0);
      this.out = [];
      let top = 0;
      for (let i = 0; i < this.h; i++) {
        const row = [];
        for (let j = 0; j < this.w; j++) {
          const v = this.value(k, i, j).total;
          row.push(v);
          top = Math.max(top, Math.abs(v));
        }
        this.out.push(row);
      }
      this.pixelValues = Math.abs(s - 1) < 1e-9;
      this.sum.textContent = `  weights add up to ${fmt(s)}: ` + (this.pixelValues
        ? "pixel values, drawn on the 0..255 scale (clipped)"
        : `changes, drawn with 0 mid grey and ±${fmt(top)} white/black`);
      this.paint(this.after.canvas, (i, j) => this.pixelValues
        ? Math.min(255, Math.max(0, this.out[i][j])) : 127.5 + 127.5 * this.out[i][j] / (top || 1));
    }

    paint(canvas, grey) {
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(this.w, this.h);
      for (let i = 0; i < this.h; i++) {
        for (let j = 0; j < this.w; j++) {
          const g = Math.round(grey(i, j)), n = 4 * (i * this.w + j);
          img.data[n] = img.data[n + 1] = img.data[n + 2] = g;
          img.data[n + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
    }

    hover(event, canvas) {
      if (!this.out) return;
      const rect = canvas.getBoundingClientRect();
      const j = Math.floor((event.clientX - rect.left) / rect.width * this.w);
      const i = Math.floor((event.clientY - rect.top) / rect.height * this.h);
      if (i < 0 || j < 0 || i >= this.h || j >= this.w) return;
      const { total, terms } = this.value(this.k, i, j);
      this.readout.dataset.i = i;
      this.readout.dataset.j = j;
      this.readout.textContent = `out[${i}, ${j}] = ${terms.join(" + ")} = ${fmt(total)}`;
    }
  }

  function mountAll() {
    document.querySelectorAll("div.cp-playground").forEach((root) => {
      if (!root.cpPlayground) root.cpPlayground = new Playground(root, JSON.parse(root.dataset.config));
    });
  }

  window.ConvpoolPlayground = { Playground, mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
