"""The built Learn pages in headless Chromium: readable figures, no overflow, widgets showing convpool's numbers.

Needs the site (``make docs``; ``CONVPOOL_SITE`` may name another build), selenium
and Debian's ``chromium`` + ``chromium-driver``; skips, saying which is missing,
otherwise. ``make test-browser`` builds the site first. Set
``CONVPOOL_SCREENSHOTS=dir`` to keep a screenshot of every page at 1280 and 390 px.
"""

import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest

import convpool

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[docs]')")

from test_explorer_browser import _chrome, _executables  # noqa: E402

SITE = Path(os.environ.get("CONVPOOL_SITE") or Path(__file__).resolve().parents[2] / "build" / "docs" / "html")
#: No Learn figure may be shown below this fraction of its own size in a 1280-px window.
MIN_SCALE = 0.6
SHOTS = os.environ.get("CONVPOOL_SCREENSHOTS")


def _pages():
    pages = sorted((SITE / "auto_learn").glob("plot_*.html"))
    if not pages:
        pytest.skip(f"no Learn pages under {SITE}: run make docs first")
    return pages


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _executables()
    _pages()
    driver = _chrome(tmp_path_factory)
    try:
        yield driver
    finally:
        driver.quit()


def _viewport(driver, width, height):
    """The page's layout width exactly ``width`` CSS pixels (as a phone's), whatever the window's frame."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _open(driver, path):
    driver.get(path.as_uri())  # file://: the pages must work without a server
    driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })))
          .then(() => done());"""
    )


def _shot(driver, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.execute_script("return window.innerWidth")
        _viewport(driver, width, min(height, 12000))
        driver.save_screenshot(str(Path(SHOTS) / f"{name}-{width}.png"))


FIGURES = """
return [...document.querySelectorAll("article img")].map(i => ({
  src: i.getAttribute("src"), alt: i.alt, shown: i.getBoundingClientRect().width, natural: i.naturalWidth}));
"""


@pytest.mark.parametrize("screen", [1280, 390])
def test_every_learn_figure_is_shown_at_least_at_0_6_of_its_size_with_a_real_alt_text(browser, screen):
    # at 390 px a wide figure scrolls sideways in its own box (the page's width is checked below)
    small, seen = [], 0
    for page in _pages():
        _viewport(browser, screen, 900)
        _open(browser, page)
        for fig in browser.execute_script(FIGURES):
            assert fig["natural"] > 0, (page.name, fig["src"])  # the image loaded
            seen += 1
            scale = fig["shown"] / fig["natural"]
            if scale < MIN_SCALE:
                small.append((page.name, fig["src"], round(scale, 2)))
            # sphinx-gallery's fallback alt is the file's name ("plot 01 convolution"): a reader learns nothing
            assert fig["alt"] and not fig["alt"].startswith("plot "), (page.name, fig["src"], fig["alt"])
        if screen == 1280:
            _shot(browser, page.stem)
    assert seen >= 25
    assert small == [], f"figures shown below {MIN_SCALE} of their size at {screen} px: {small}"


# The page's width, and the elements whose right edge passes the screen's without a box of the page's own
# content that scrolls sideways around them (a code block, a wide table, a widget's grid): the theme's outer
# containers clip what passes them, so the page's scrollWidth alone would miss it.
STICKING_OUT = """
const top = document.querySelector("article") || document.body, out = [];
for (const e of top.querySelectorAll("*")) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= innerWidth + 1) continue;
  let p = e.parentElement, scrolls = false;
  for (; p && p !== top.parentElement; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if ((o === "auto" || o === "scroll") && p.getBoundingClientRect().right <= innerWidth + 1) {
      scrolls = true;
      break;
    }
  }
  if (!scrolls) out.push(`${e.tagName.toLowerCase()}.${e.className} right=${Math.round(r.right)}`);
}
return [document.documentElement.scrollWidth, out.slice(0, 5)];
"""


@pytest.mark.parametrize("screen", [390, 1280])
def test_no_learn_page_nor_the_explorer_is_wider_than_the_screen(browser, screen):
    wide = []
    for page in [*_pages(), SITE / "explorer.html"]:
        _viewport(browser, screen, 844)
        _open(browser, page)
        width, sticking_out = browser.execute_script(STICKING_OUT)
        if width > screen or sticking_out:
            wide.append((page.name, width, sticking_out))
        if screen == 390:
            _shot(browser, page.stem)
    assert wide == [], f"pages wider than {screen} px (scrollWidth): {wide}"


def test_learn_pages_show_no_download_banner_and_no_plotting_scaffolding(browser):
    _viewport(browser, 1280, 900)
    for page in _pages():
        _open(browser, page)
        shown = browser.execute_script(
            """const vis = s => [...document.querySelectorAll(s)].filter(e => e.offsetParent !== null).length;
            return [vis(".sphx-glr-download-link-note"), vis(".sphx-glr-footer"),
                    [...document.querySelectorAll("article pre")].map(p => p.innerText).join("\\n")];"""
        )
        assert shown[:2] == [0, 0], page.name
        for word in ("Board(", "board.", "plot_learn", "subprocess", "PYTHONPATH", "_steps", ".finish("):
            assert word not in shown[2], (page.name, word)
        # the navigation bar is one row: its links all sit at the height of the first
        tops = browser.execute_script(
            "return [...document.querySelectorAll('.bd-header .navbar-nav > li')].filter(e => e.offsetParent)"
            ".map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert tops and max(tops) - min(tops) < 10, (page.name, tops)  # a second row would sit ~40 px lower
        # and the search box sits on that row too: the header is one row high (80 px; two rows measure about 105 px)
        header = browser.execute_script("return document.querySelector('.bd-header').getBoundingClientRect().height")
        assert header < 95, (page.name, header)


def test_a_click_shows_a_figure_at_its_full_size_and_a_second_click_closes_it(browser):
    _viewport(browser, 390, 844)
    _open(browser, _pages()[0])
    shown = browser.execute_script(
        """const img = document.querySelector("article img.sphx-glr-single-img");
        const small = img.getBoundingClientRect().width;
        img.click();
        const big = document.querySelector(".cp-zoom img");
        const result = [small, img.naturalWidth, big.getBoundingClientRect().width];
        document.querySelector(".cp-zoom").click();
        return [...result, document.querySelectorAll(".cp-zoom").length];"""
    )
    small, natural, zoomed, left = shown
    assert small < natural and zoomed == pytest.approx(natural, abs=1) and left == 0


# --- the step-through widgets: every number shown is convpool's ------------------------------------------------

SET = """
const [index, settings] = arguments;  // (a dict would reach the page with its keys sorted)
const root = document.querySelectorAll("div.cp-steps")[index];
const controls = root.querySelectorAll(".cp-controls select, .cp-controls input");
const byLabel = {};
for (const c of controls) byLabel[c.parentNode.firstChild.textContent.trim()] = c;
for (const [label, value] of settings) {  // [label, value] pairs, in order: the input first
  const c = byLabel[label];
  c.value = String(value);
  c.dispatchEvent(new Event("change"));
}
const out = [...root.querySelectorAll(".cp-output")].map(g => {
  const cols = g.style.gridTemplateColumns.match(/repeat\\((\\d+)/)[1];
  return [Number(cols), [...g.children].map(c => c.textContent)];
});
return {state: root.dataset.state, error: root.querySelector(".cp-error").textContent, out: out[0] || null,
        config: root.dataset.config};
"""

CLICK = """
const [index, i, j] = arguments;
const root = document.querySelectorAll("div.cp-steps")[index];
root.querySelector(`.cp-output .cp-cell[data-i="${i}"][data-j="${j}"]`).click();
return [root.querySelector(".cp-formula").textContent, root.querySelectorAll(".cp-input .cp-tap").length];
"""


def _convpool(x, k, settings):
    """convpool's result for a widget's setting (2-D), or None where convpool refuses it."""
    pads = settings["padding"]
    if pads == "explicit":
        pads = ((settings["top"], settings["bottom"]), (settings["left"], settings["right"]))
    x = np.asarray(x, dtype=np.float64)
    x = x[None] if x.ndim == 3 else x[None, :, :, None]
    try:
        if settings["operation"] == "conv":
            k = np.asarray(k, dtype=np.float64)
            k = k[..., None] if k.ndim == 3 else k[:, :, None, None]
            return convpool.convolve(x, k, pads, settings["stride"], dilation=settings["dilation"])[0, :, :, 0]
        size = settings["window"]
        out = convpool.pool(
            x, size, settings["stride"], settings["operation"], padding=pads, dilation=settings["dilation"]
        )
        return out[0, :, :, 0]
    except ValueError:
        return None


def _settings(rng, config, n):
    """``n`` random settings of a widget's controls, its own first."""
    inputs, kernels = list(config["inputs"]), list(config["kernels"])
    modes = config["modes"]
    words = ["valid", "same", "full", "explicit"]
    for _ in range(n):
        name = inputs[rng.integers(len(inputs))]
        h, w = np.shape(config["inputs"][name])[:2]
        whole = rng.random() < 0.4
        yield {
            "input": name,
            # a top-left piece of it (set after the input: choosing an input resets them to its size)
            "rows": int(h if whole else rng.integers(1, h + 1)),
            "cols": int(w if whole else rng.integers(1, w + 1)),
            "operation": modes[rng.integers(len(modes))],
            "kernel": kernels[rng.integers(len(kernels))] if kernels else None,
            "window": int(rng.integers(1, 5)),
            "padding": words[rng.integers(len(words))],
            "top": int(rng.integers(0, 4)),
            "bottom": int(rng.integers(0, 4)),
            "left": int(rng.integers(0, 4)),
            "right": int(rng.integers(0, 4)),
            "stride": int(rng.integers(1, 4)),
            "dilation": int(rng.integers(1, 3)) if rng.random() < 0.3 else 1,
        }


def _same_numbers(shown, expected, case):
    cols, texts = shown
    got = np.array([float(t) for t in texts]).reshape(-1, cols)
    assert got.shape == expected.shape, repr(case)
    # the page writes 4 significant digits
    np.testing.assert_allclose(got, expected, rtol=6e-4, atol=1e-9, err_msg=str(case))


def test_every_widget_shows_convpools_numbers_over_a_grid_of_settings(browser):
    rng = np.random.default_rng(21)
    _viewport(browser, 1280, 900)
    checked = refused = widgets = 0
    for page in _pages():
        _open(browser, page)
        count = browser.execute_script("return document.querySelectorAll('div.cp-steps').length")
        assert count >= 1, f"{page.name} has no step-through widget"
        for index in range(count):
            widgets += 1
            config = json.loads(browser.execute_script(SET, index, [])["config"])
            for settings in _settings(rng, config, 14):
                controls = {key: value for key, value in settings.items() if value is not None}
                if settings["operation"] == "conv":
                    controls.pop("window")
                shown = browser.execute_script(SET, index, list(controls.items()))
                x = np.asarray(config["inputs"][settings["input"]])[: settings["rows"], : settings["cols"]]
                k = config["kernels"].get(settings["kernel"]) if settings["kernel"] else None
                expected = _convpool(x, k, settings)
                case = (page.name, index, settings)
                if expected is None:
                    assert shown["state"] == "refused" and "ValueError" in shown["error"], case
                    assert shown["out"] is None, case  # nothing stale stays on screen
                    refused += 1
                    continue
                assert shown["state"] == "ok" and shown["error"] == "", case
                _same_numbers(shown["out"], expected, case)
                _check_one_cell(browser, index, expected, settings, case)
                checked += 1
    assert widgets >= 10 and checked >= 80 and refused >= 3, (widgets, checked, refused)


def _check_one_cell(browser, index, expected, settings, case):
    """Click the last output cell: the formula ends in its value, and as many taps are lit as the window has."""
    i, j = expected.shape[0] - 1, expected.shape[1] - 1
    text, lit = browser.execute_script(CLICK, index, i, j)
    assert text.startswith(f"out[{i}, {j}] = "), case
    np.testing.assert_allclose(float(text.rsplit("= ", 1)[1]), expected[i, j], rtol=6e-4, atol=1e-9, err_msg=str(case))
    assert lit >= 1, case


def test_widget_arithmetic_on_the_first_page_by_hand(browser):
    # page 1's own input and kernel: out[0, 0] = 3 + 1 + 0 - 0 - 2 - 6 = -4, written out term by term
    _viewport(browser, 1280, 900)
    _open(browser, _pages()[0])
    browser.execute_script(SET, 0, [["padding", "valid"], ["stride", 1], ["dilation", 1], ["operation", "conv"]])
    text, lit = browser.execute_script(CLICK, 0, 0, 0)
    assert text == "out[0, 0] = 3×1 + 1×0 + 0×(-1) + 1×1 + 5×0 + 2×(-1) + 0×1 + 2×0 + 6×(-1) = -4"
    assert lit == 9
    # play moves the highlighted output cell on by itself; pause stops it
    moved = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const root = document.querySelector("div.cp-steps");
        const now = () => root.querySelector(".cp-output .cp-now").dataset.j;
        const before = now();
        root.querySelector(".cp-play").click();
        setTimeout(() => { root.querySelector(".cp-play").click(); done([before, now()]); }, 1600);"""
    )
    assert moved[0] != moved[1]


@pytest.mark.parametrize("h, k, s", list(itertools.product((28,), (3,), (1, 2))))
def test_the_exercises_28x28_digit_goes_through_the_widget(browser, h, k, s):
    _viewport(browser, 1280, 900)
    _open(browser, _pages()[0])
    config = json.loads(browser.execute_script(SET, 0, [])["config"])
    name = next(n for n in config["inputs"] if "28x28" in n)
    settings = {"input": name, "operation": "conv", "kernel": "sobel_x", "padding": "same", "stride": s}
    shown = browser.execute_script(SET, 0, [*settings.items(), ("dilation", 1)])
    expected = _convpool(config["inputs"][name], config["kernels"]["sobel_x"], {**settings, "dilation": 1})
    assert expected.shape == (-(-h // s),) * 2
    _same_numbers(shown["out"], expected, settings)


# --- the kernel playground: its filtered photo is convpool.kernels.apply's -------------------------------------

PLAY = """
const [name, weights, pixels] = arguments;
const root = document.querySelector("div.cp-playground"), pg = root.cpPlayground;
if (name) { pg.select.value = name; pg.select.dispatchEvent(new Event("change")); }
for (const [n, v] of (weights || []).entries()) {
  pg.cells[n].value = String(v);
  pg.cells[n].dispatchEvent(new Event("input"));
}
const canvas = pg.after.canvas, rect = canvas.getBoundingClientRect(), ctx = canvas.getContext("2d");
return pixels.map(([i, j]) => {
  const x = rect.left + (j + 0.5) * rect.width / canvas.width, y = rect.top + (i + 0.5) * rect.height / canvas.height;
  canvas.dispatchEvent(new MouseEvent("mousemove", {clientX: x, clientY: y, bubbles: true}));
  const text = root.querySelector(".cp-pg-readout").textContent;
  return [text, ctx.getImageData(j, i, 1, 1).data[0]];
});
"""


def test_the_playground_filters_the_photo_as_convpool_kernels_apply(browser):
    page = next((p for p in _pages() if "playground" in p.name), None)
    assert page is not None, "no kernel playground page"
    _viewport(browser, 1280, 900)
    _open(browser, page)
    config = json.loads(browser.execute_script("return document.querySelector('div.cp-playground').dataset.config"))
    photo = np.asarray(config["photo"], dtype=np.float64)
    h, w = photo.shape
    rng = np.random.default_rng(13)
    # corners and edges (where the padding is read) and random pixels inside
    pixels = [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (0, 5), (7, w - 1)]
    pixels += [tuple(int(v) for v in rng.integers(0, (h, w))) for _ in range(14)]
    custom = [0.5, -1, 0, 2, 1.25, -0.5, 0, 0, -1]
    cases = [(name, None) for name in ("sharpen", "sobel_x", "box", "identity")] + [(None, custom)]
    for name, weights in cases:
        kernel = np.asarray(config["kernels"][name] if name else custom, dtype=np.float64).reshape(3, 3)
        expected = convpool.kernels.apply(photo[None, :, :, None], kernel)[0, :, :, 0]
        shown = browser.execute_script(PLAY, name, weights, pixels)
        for (i, j), (text, grey) in zip(pixels, shown, strict=True):
            assert text.startswith(f"out[{i}, {j}] = "), (name, text)
            value = float(text.rsplit("= ", 1)[1])
            assert value == pytest.approx(expected[i, j], rel=6e-4, abs=1e-9), (name, i, j, text)
            if abs(kernel.sum() - 1) < 1e-9:  # pixel values: drawn on the 0..255 scale, clipped
                assert abs(grey - np.clip(expected[i, j], 0, 255)) <= 1, (name, i, j, grey)
            else:  # changes: 0 is mid grey, the largest |value| black or white
                top = np.abs(expected).max()
                assert abs(grey - (127.5 + 127.5 * expected[i, j] / top)) <= 1, (name, i, j, grey)
