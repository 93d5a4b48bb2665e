"""The documentation's explorer page in a real headless Chromium: the sizes it shows are conv_output_shape's.

Needs selenium (the ``docs`` extra) and Debian's ``chromium`` + ``chromium-driver``
(``make browser`` installs them when it can); skips, saying which is missing, otherwise.
Set ``CONVPOOL_SCREENSHOT=path.png`` to keep the screenshot.
"""

import itertools
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import convpool

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[docs]')")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

DOCS = Path(__file__).resolve().parents[2] / "docs"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1200",
]


def _executables():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make browser installs them)")
    return chromium, driver


def _chrome(tmp_path_factory):
    """Headless Chromium with a profile of its own (the skip without Chromium comes first)."""
    chromium, driver_path = _executables()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('profile')}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver_path), options=options)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    _executables()
    sys.path.insert(0, str(DOCS))
    try:
        import _explorer
    finally:
        sys.path.remove(str(DOCS))
    html = _explorer.build(tmp_path_factory.mktemp("site"))
    driver = _chrome(tmp_path_factory)
    try:
        driver.get(html.as_uri())  # file://: the page must work without a server
        yield driver
    finally:
        driver.quit()


SET_AND_READ = """
for (const [id, v] of Object.entries(arguments[0])) {
  const el = document.getElementById(id);
  el.value = String(v);
  el.dispatchEvent(new Event("input"));
  el.dispatchEvent(new Event("change"));
}
const text = (id) => document.getElementById(id).innerText.trim();
return [text("output"), text("pad-split"), text("error"), document.querySelectorAll("#output-grid .cell").length];
"""


def _set(driver, **values):
    """Set the page's controls with the events a user's edit fires; returns what the page then shows."""
    return driver.execute_script(SET_AND_READ, values)


def _shown(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def _expected(h, w, kh, kw, padding, stride, dilation):
    """What convpool says: ``'oh x ow'`` and the padding sentence, or ``'none'`` where it raises."""
    try:
        oh, ow = convpool.conv_output_shape((h, w), (kh, kw), stride, padding, dilation)
    except ValueError:
        return "none", None
    (t, b), (left, r) = convpool.conv_padding((h, w), (kh, kw), stride, padding, dilation)
    return f"{oh} x {ow}", f"padding: top {t}, bottom {b}, left {left}, right {r}"


def test_output_sizes_and_padding_over_a_grid_of_cases(page):
    rng = np.random.default_rng(0)
    words = ["valid", "same", "full", "explicit"]
    cases = list(itertools.product(range(1, 13), range(1, 7), words))
    checked = refused = 0
    for index in rng.choice(len(cases), size=240, replace=False):
        n, k, word = cases[index]
        h, w = n, int(rng.integers(1, 13))
        kh, kw = k, int(rng.integers(1, 7))
        stride, dilation = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        pads = [int(p) for p in rng.integers(0, 4, size=4)]
        controls = {"h": h, "w": w, "kh": kh, "kw": kw, "stride": stride, "dilation": dilation, "padding": word}
        controls.update(top=pads[0], bottom=pads[1], left=pads[2], right=pads[3])
        output, split_shown, error, cells = _set(page, **controls)
        padding = word if word != "explicit" else ((pads[0], pads[1]), (pads[2], pads[3]))
        size, split = _expected(h, w, kh, kw, padding, stride, dilation)
        case = (h, w, kh, kw, padding, stride, dilation)
        assert output == size, case
        if split is None:
            assert "no window fits" in error, case
            refused += 1
        else:
            assert split_shown == split and error == "", case
            oh, ow = (int(v) for v in size.split(" x "))
            assert cells == oh * ow, case
            checked += 1
    assert checked > 150 and refused > 5


def test_real_typing_and_the_other_conventions(page):
    # through the controls themselves: type the numbers, pick the padding from the list
    for element_id, text in (("h", "28"), ("w", "28"), ("kh", "3"), ("kw", "3"), ("stride", "1"), ("dilation", "1")):
        box = page.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)
    Select(page.find_element(By.ID, "padding")).select_by_value("same")
    # the exercise's own case: 28x28 with a 3x3 kernel and 'same' padding stays 28x28
    assert _shown(page, "output") == "28 x 28" and _shown(page, "error") == ""
    # 33 is past the table (sizes up to 32): the page says so rather than guessing, and shows nothing stale
    box = page.find_element(By.ID, "h")
    box.clear()
    box.send_keys("33")
    assert _shown(page, "output") == "?" and "outside the precomputed table" in _shown(page, "error")
    assert _shown(page, "call") == _shown(page, "arith") == _shown(page, "pad-split") == ""
    assert page.find_elements(By.CSS_SELECTOR, "#input-grid .cell, #output-grid .cell, #conventions td") == []
    for element_id in ("h", "w"):
        box = page.find_element(By.ID, element_id)
        box.clear()
        box.send_keys("9")
    Select(page.find_element(By.ID, "padding")).select_by_value("explicit")
    assert page.find_element(By.ID, "top").is_displayed()
    for element_id, text in (("top", "0"), ("bottom", "2"), ("left", "3"), ("right", "1")):
        box = page.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)
    oh, ow = convpool.conv_output_shape(9, 3, 1, ((0, 2), (3, 1)))
    assert _shown(page, "output") == f"{oh} x {ow}"
    assert _shown(page, "pad-split") == "padding: top 0, bottom 2, left 3, right 1"
    Select(page.find_element(By.ID, "padding")).select_by_value("same")
    rows = [tr.text for tr in page.find_elements(By.CSS_SELECTOR, "#conventions tbody tr")]
    assert len(rows) == len(convpool.conventions.CONVENTIONS)
    exercise = convpool.conventions.convention_padding("exercise", 9, 3, 1)
    out = convpool.conv_output_shape(9, 3, 1, (exercise, exercise))
    assert rows[-1].endswith(f"{exercise} {exercise} {out[0]} x {out[1]}")


def test_nothing_loaded_from_the_network_and_a_screenshot(page, tmp_path):
    pil_image = pytest.importorskip("PIL.Image")
    _set(page, h=7, w=9, kh=4, kw=3, stride=2, dilation=1, padding="same", wi=1, wj=2)
    resources = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [r for r in resources if not r.startswith(("file:", "data:"))] == []
    path = Path(os.environ.get("CONVPOOL_SCREENSHOT") or tmp_path / "explorer.png")
    assert page.save_screenshot(str(path))
    with pil_image.open(path) as shot:
        pixels = np.asarray(shot.convert("L"), dtype=float)
    assert pixels.shape[1] >= 1000 and pixels.std() > 10  # a drawn page, not a blank one
    # the window taps are drawn: 4x3 of them, inside the grid of the padded input
    assert len(page.find_elements(By.CSS_SELECTOR, "#input-grid .cell.tap")) == 12


READ_VALUES = """
const texts = (sel) => [...document.querySelectorAll(sel)].map(c => c.textContent);
return [texts("#input-grid .cell.in"), texts("#output-grid .cell"), document.getElementById("arith").textContent,
        document.getElementById("error").textContent];
"""


def _values_expected(values, settings):
    """convpool's output for the explorer's setting, or None where convpool refuses it."""
    h, w, kh, kw = (settings[key] for key in ("h", "w", "kh", "kw"))
    x = np.asarray(values[settings["values"]], dtype=np.float64)[:h, :w][None, :, :, None]
    word = settings["padding"]
    pads = (
        ((settings["top"], settings["bottom"]), (settings["left"], settings["right"])) if word == "explicit" else word
    )
    try:
        if settings["op"] == "conv":
            k = np.ones((kh, kw))
            if settings["weights"] == "edge" and kw > 1:  # +1 in the left column, -1 in the right one
                k[:, 1:-1], k[:, -1] = 0, -1
            out = convpool.convolve(x, k[:, :, None, None], pads, settings["stride"], dilation=settings["dilation"])
        else:
            out = convpool.pool(x, kh, settings["stride"], settings["op"], padding=pads, dilation=settings["dilation"])
    except ValueError:
        return None, x[0, :, :, 0]
    return out[0, :, :, 0], x[0, :, :, 0]


def test_the_values_shown_are_convpools_over_a_grid_of_settings_up_to_32x32(page):
    values = page.execute_script("return VALUES")
    rng = np.random.default_rng(1)
    checked = refused = 0
    for _ in range(90):
        op = ["conv", "max", "avg"][rng.integers(3)]
        kh = int(rng.integers(1, 6))
        settings = {
            "h": int(rng.integers(1, 33)), "w": int(rng.integers(1, 33)), "kh": kh,
            "kw": kh if op != "conv" else int(rng.integers(1, 6)), "op": op,
            "values": ["digits", "digit", "photo"][rng.integers(3)], "weights": ["ones", "edge"][rng.integers(2)],
            "padding": ["valid", "same", "full", "explicit"][rng.integers(4)],
            "top": int(rng.integers(0, 4)), "bottom": int(rng.integers(0, 4)),
            "left": int(rng.integers(0, 4)), "right": int(rng.integers(0, 4)),
            "stride": int(rng.integers(1, 4)), "dilation": int(rng.integers(1, 3)), "wi": 0, "wj": 0,
        }  # fmt: skip
        _set(page, **settings)
        inputs, outputs, arith, error = page.execute_script(READ_VALUES)
        expected, x = _values_expected(values, settings)
        case = settings
        if expected is None:
            assert error and outputs == [] and arith == "", case  # refused, and nothing stale shown
            refused += 1
            continue
        assert [float(t) for t in inputs] == x.ravel().tolist(), case  # the input's values, row by row
        got = np.array([float(t) for t in outputs]).reshape(expected.shape)
        np.testing.assert_allclose(got, expected, rtol=6e-4, err_msg=str(case))
        assert arith.startswith("out[0, 0] = ") and float(arith.rsplit("= ", 1)[1]) == pytest.approx(
            expected[0, 0], rel=6e-4
        ), case
        checked += 1
    assert checked > 50 and refused > 3, (checked, refused)


def test_the_explorer_fits_a_390_px_phone(page):
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        _set(page, h=28, w=28, kh=3, kw=3, stride=1, dilation=1, padding="same", op="conv", values="digit")
        assert page.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
