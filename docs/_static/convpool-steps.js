/* convpool step-through widget: one convolution or pooling, output cell by output cell.
 *
 * Self-contained (no network, works from file://). Every <div class="cp-steps" data-config="...">
 * on a page becomes a widget. The geometry (padding on each side, output size) is never computed
 * here: it is looked up in CONVPOOL_GEOMETRY, which convpool.conv_geometry computed when the
 * documentation was built (docs/_steps.py). The window sums and maxima are computed here, and the
 * browser test (tests/test_learn_browser.py) compares every number shown with convpool's.
 *
 * config: {x: rows of numbers (h, w) or (h, w, c), k: (kh, kw) or (kh, kw, c) or null,
 *          mode: "conv" | "max" | "avg", padding: "valid" | "same" | "full" | [[t, b], [l, r]],
 *          stride, dilation, pool: window size for pooling, inputs: {name: array}, kernels: {name: array},
 *          modes: the operations offered (default all three), controls: false to hide the settings}
 */
(function () {
  "use strict";

  const fmt = (v) => {
    if (Number.isInteger(v)) return String(v);
    const t = Number(v.toPrecision(4));
    return Math.abs(t) < 1e-9 ? "0" : String(t);
  };
  const shape3 = (a) => {
    // (h, w) -> (h, w, 1); (h, w, c) as is
    const deep = Array.isArray(a[0][0]);
    return deep ? a : a.map((row) => row.map((v) => [v]));
  };

  // Per axis: [before, after, out] from the build-time table, or null outside it.
  function axis(n, k, s, d, word) {
    const table = window.CONVPOOL_GEOMETRY;
    return table ? table.axes[`${n},${k},${s},${d},${word}`] || null : null;
  }

  function geometry(h, w, kh, kw, s, d, padding) {
    const words = Array.isArray(padding)
      ? [`${padding[0][0]}-${padding[0][1]}`, `${padding[1][0]}-${padding[1][1]}`]
      : [padding, padding];
    const gh = axis(h, kh, s, d, words[0]), gw = axis(w, kw, s, d, words[1]);
    return gh && gw ? { h: gh, w: gw } : null;
  }

  // The taps of output cell (i, j): [row, col] in input coordinates (negative or past the end: padding).
  function taps(g, kh, kw, s, d, i, j) {
    const out = [];
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) out.push([i * s + a * d - g.h[0], j * s + b * d - g.w[0], a, b]);
    return out;
  }

  // One output cell: its value and the terms that make it (real values; padding reads 0 in a convolution
  // and takes no part in pooling, as in convpool.pool with count_include_pad=False).
  function cellValue(x, k, g, st, i, j) {
    const h = x.length, w = x[0].length, c = x[0][0].length;
    const kh = k ? k.length : st.pool, kw = k ? k[0].length : st.pool;
    const terms = [];
    for (const [r, q, a, b] of taps(g, kh, kw, st.stride, st.dilation, i, j)) {
      const real = r >= 0 && q >= 0 && r < h && q < w;
      for (let ch = 0; ch < (st.mode === "conv" ? c : 1); ch++) {
        const v = real ? x[r][q][ch] : 0;
        if (st.mode === "conv") terms.push({ v, w: k[a][b][ch], real, ch });
        else if (real) terms.push({ v, real, ch });
      }
    }
    let value;
    if (st.mode === "conv") value = terms.reduce((acc, t) => acc + t.v * t.w, 0);
    else if (st.mode === "max") value = Math.max(...terms.map((t) => t.v));
    else value = terms.reduce((acc, t) => acc + t.v, 0) / terms.length;
    return { value, terms };
  }

  function compute(x, k, st) {
    x = shape3(x);
    k = k ? shape3(k) : null;
    const kh = k ? k.length : st.pool, kw = k ? k[0].length : st.pool;
    const g = geometry(x.length, x[0].length, kh, kw, st.stride, st.dilation, st.padding);
    if (!g) return { error: "outside the precomputed table" };
    if (g.h[2] < 1 || g.w[2] < 1) return { error: "no window fits: convpool raises ValueError", g };
    const out = [];
    for (let i = 0; i < g.h[2]; i++) {
      const row = [];
      for (let j = 0; j < g.w[2]; j++) {
        const cell = cellValue(x, k, g, st, i, j);
        // as convpool.pool: a window over padding only has nothing to pool, and the call is refused
        if (!cell.terms.length) return { error: "padding too large: some window would cover only padding (convpool raises ValueError)" };
        row.push(cell.value);
      }
      out.push(row);
    }
    return { out, g, x, k, kh, kw };
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function formula(cell, st, i, j) {
    const t = cell.terms;
    let body;
    if (st.mode === "conv") {
      body = t.map((q) => `${fmt(q.v)}×${q.w < 0 ? `(${fmt(q.w)})` : fmt(q.w)}`).join(" + ");
    } else if (st.mode === "max") {
      body = `max(${t.map((q) => fmt(q.v)).join(", ")})`;
    } else {
      body = `(${t.map((q) => fmt(q.v)).join(" + ")}) / ${t.length}`;
    }
    return `out[${i}, ${j}] = ${body} = ${fmt(cell.value)}`;
  }

  class Steps {
    constructor(root, config) {
      this.root = root;
      this.config = config;
      this.inputs = config.inputs || { "this page's input": config.x };
      this.kernels = config.kernels || (config.k ? { "this page's kernel": config.k } : {});
      this.st = {
        mode: config.mode || "conv",
        padding: config.padding || "valid",
        stride: config.stride || 1,
        dilation: config.dilation || 1,
        pool: config.pool || 2,
        input: Object.keys(this.inputs)[0],
        kernel: Object.keys(this.kernels)[0],
      };
      this.step = 0;
      this.timer = null;
      this.build();
      this.update();
    }

    build() {
      const r = this.root;
      r.replaceChildren();
      this.controls = el("div", "cp-controls");
      if (this.config.controls !== false) this.buildControls();
      const bar = el("div", "cp-bar");
      this.buttons = {};
      for (const [name, label] of [["back", "◀ step"], ["play", "▶ play"], ["next", "step ▶"], ["all", "show all"]]) {
        const b = el("button", "cp-" + name, label);
        b.type = "button";
        b.addEventListener("click", () => this.press(name));
        bar.appendChild(b);
        this.buttons[name] = b;
      }
      this.where = el("span", "cp-where");
      bar.appendChild(this.where);
      this.message = el("p", "cp-error");
      this.grids = el("div", "cp-grids");
      this.formula = el("p", "cp-formula");
      this.note = el("p", "cp-note", "Click any output cell to see its window, its products and their sum.");
      r.append(this.controls, bar, this.message, this.formula, this.grids, this.note);
    }

    buildControls() {
      const add = (label, input) => {
        const l = el("label", "", label + " ");
        l.appendChild(input);
        this.controls.appendChild(l);
        input.addEventListener("change", () => this.changed());
        input.addEventListener("input", () => this.changed());
        return input;
      };
      const select = (options, value) => {
        const s = el("select");
        for (const o of options) {
          const opt = el("option", "", o);
          opt.value = o;
          s.appendChild(opt);
        }
        s.value = value;
        return s;
      };
      const number = (value, lo, hi) => {
        const n = el("input");
        n.type = "number";
        n.min = String(lo);
        n.max = String(hi);
        n.value = String(value);
        return n;
      };
      const st = this.st, L = window.CONVPOOL_GEOMETRY ? window.CONVPOOL_GEOMETRY.limits : {};
      this.ui = {};
      this.ui.input = add("input", select(Object.keys(this.inputs), st.input));
      // the top-left rows x cols of the chosen input (up to its own size, at most the table's)
      this.ui.rows = add("rows", number(1, 1, L.size || 32));
      this.ui.cols = add("cols", number(1, 1, L.size || 32));
      this.fitSize();
      this.ui.mode = add("operation", select(this.config.modes || ["conv", "max", "avg"], st.mode));
      this.ui.kernel = add("kernel", select(Object.keys(this.kernels), st.kernel));
      this.ui.pool = add("window", number(st.pool, 1, L.kernel || 7));
      const word = Array.isArray(st.padding) ? "explicit" : st.padding;
      this.ui.padding = add("padding", select(["valid", "same", "full", "explicit"], word));
      const pads = Array.isArray(st.padding) ? st.padding.flat() : [1, 1, 1, 1];
      this.ui.pads = ["top", "bottom", "left", "right"].map((side, n) => add(side, number(pads[n], 0, L.pad || 3)));
      this.ui.stride = add("stride", number(st.stride, 1, L.stride || 4));
      this.ui.dilation = add("dilation", number(st.dilation, 1, L.dilation || 3));
    }

    // rows and cols back to the whole of the chosen input (or as much of it as the table covers)
    fitSize() {
      const x = this.inputs[this.st.input], top = (window.CONVPOOL_GEOMETRY || { limits: {} }).limits.size || 32;
      this.ui.rows.value = String(Math.min(x.length, top));
      this.ui.cols.value = String(Math.min(x[0].length, top));
      this.ui.rows.max = this.ui.rows.value;
      this.ui.cols.max = this.ui.cols.value;
    }

    changed() {
      const u = this.ui, st = this.st;
      if (u.input.value !== st.input) {
        st.input = u.input.value;
        this.fitSize();
      }
      st.mode = u.mode.value;
      st.kernel = u.kernel.value;
      st.pool = parseInt(u.pool.value, 10);
      const p = u.pads.map((n) => parseInt(n.value, 10));
      st.padding = u.padding.value === "explicit" ? [[p[0], p[1]], [p[2], p[3]]] : u.padding.value;
      st.stride = parseInt(u.stride.value, 10);
      st.dilation = parseInt(u.dilation.value, 10);
      this.step = 0;
      this.stop();
      this.update();
    }

    showControls() {
      if (!this.ui) return;
      const conv = this.st.mode === "conv", explicit = Array.isArray(this.st.padding);
      this.ui.kernel.parentNode.style.display = conv ? "" : "none";
      this.ui.pool.parentNode.style.display = conv ? "none" : "";
      for (const n of this.ui.pads) n.parentNode.style.display = explicit ? "" : "none";
    }

    update() {
      this.showControls();
      const st = this.st;
      const k = st.mode === "conv" ? this.kernels[st.kernel] : null;
      let x = this.inputs[st.input];
      if (this.ui) {
        const rows = parseInt(this.ui.rows.value, 10), cols = parseInt(this.ui.cols.value, 10);
        if (!(rows >= 1 && cols >= 1 && rows <= x.length && cols <= x[0].length)) {
          return this.refuse(`rows and cols must be from 1 to the input's ${x.length} and ${x[0].length}`);
        }
        x = x.slice(0, rows).map((row) => row.slice(0, cols));
      }
      const res = compute(x, k, st);
      this.message.textContent = "";
      this.res = null;
      if (res.error) return this.refuse(res.error);
      this.res = res;
      this.cells = res.g.h[2] * res.g.w[2];
      this.step = Math.min(this.step, this.cells - 1);
      this.root.dataset.state = "ok";
      this.draw();
    }

    // a refused setting clears everything drawn before: nothing stale stays on screen
    refuse(message) {
      this.res = null;
      this.message.textContent = message;
      this.grids.replaceChildren();
      this.formula.textContent = "";
      this.where.textContent = "";
      this.root.dataset.state = "refused";
    }

    draw() {
      const { out, g, x, kh, kw } = this.res, st = this.st;
      const ow = g.w[2], i = Math.floor(this.step / ow), j = this.step % ow;
      const cell = cellValue(x, st.mode === "conv" ? this.res.k : null, g, st, i, j);
      const tapOf = new Map();
      for (const [r, q, a, b] of taps(g, kh, kw, st.stride, st.dilation, i, j)) tapOf.set(`${r},${q}`, [a, b]);
      this.grids.replaceChildren();
      const planes = st.mode === "conv" ? x[0][0].length : 1;
      for (let ch = 0; ch < planes; ch++) {
        const box = el("div", "cp-box");
        const label = planes > 1 ? `input channel ${ch}` : `input ${x.length}x${x[0].length}`;
        box.appendChild(el("div", "cp-label", `${label} (padding hatched)`));
        const grid = el("div", "cp-grid cp-input");
        grid.style.gridTemplateColumns = `repeat(${x[0].length + g.w[0] + g.w[1]}, var(--cp-cell))`;
        for (let r = -g.h[0]; r < x.length + g.h[1]; r++) {
          for (let q = -g.w[0]; q < x[0].length + g.w[1]; q++) {
            const real = r >= 0 && q >= 0 && r < x.length && q < x[0].length;
            const tap = tapOf.get(`${r},${q}`);
            const c = el("div", "cp-cell" + (real ? "" : " cp-pad") + (tap ? " cp-tap" : ""),
              real ? fmt(x[r][q][ch]) : st.mode === "conv" ? "0" : "");
            if (tap && st.mode === "conv") c.appendChild(el("span", "cp-w", "×" + fmt(this.res.k[tap[0]][tap[1]][ch])));
            grid.appendChild(c);
          }
        }
        const scroll = el("div", "cp-scroll");
        scroll.appendChild(grid);
        box.appendChild(scroll);
        this.grids.appendChild(box);
      }
      const box = el("div", "cp-box");
      box.appendChild(el("div", "cp-label", `output ${out.length}x${out[0].length} (${st.mode === "conv" ? "convolution" : st.mode + " pooling"})`));
      const grid = el("div", "cp-grid cp-output");
      grid.style.gridTemplateColumns = `repeat(${out[0].length}, var(--cp-cell))`;
      out.forEach((row, a) => row.forEach((v, b) => {
        const n = a * out[0].length + b;
        const c = el("div", "cp-cell" + (n === this.step ? " cp-now" : n > this.step ? " cp-later" : ""), fmt(v));
        c.dataset.i = a;
        c.dataset.j = b;
        c.addEventListener("click", () => { this.stop(); this.step = n; this.draw(); });
        grid.appendChild(c);
      }));
      const scroll = el("div", "cp-scroll");
      scroll.appendChild(grid);
      box.appendChild(scroll);
      this.grids.appendChild(box);
      this.formula.textContent = formula(cell, st, i, j);
      this.where.textContent = ` output cell (${i}, ${j}), ${this.step + 1} of ${this.cells}`;
    }

    press(name) {
      if (!this.res) return;
      if (name === "play") return this.timer ? this.stop() : this.play();
      this.stop();
      if (name === "back") this.step = (this.step - 1 + this.cells) % this.cells;
      if (name === "next") this.step = (this.step + 1) % this.cells;
      if (name === "all") this.step = this.cells - 1;
      this.draw();
    }

    play() {
      this.buttons.play.textContent = "❚❚ pause";
      this.timer = setInterval(() => {
        this.step = (this.step + 1) % this.cells;
        this.draw();
      }, 700);
    }

    stop() {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      if (this.buttons) this.buttons.play.textContent = "▶ play";
    }
  }

  function mountAll() {
    document.querySelectorAll("div.cp-steps").forEach((root) => {
      if (!root.cpSteps) root.cpSteps = new Steps(root, JSON.parse(root.dataset.config));
    });
  }

  window.ConvpoolSteps = { compute, mountAll, Steps, fmt };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
