"""End to end through the real console script (``python -m convpool``, a subprocess) on the sample photos.

Every result is checked against the naive reference loops (``_reference``),
hand-written numbers, or the public shape helpers; never against itself.
"""

import itertools
import math
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from _cli import run_cli
from _reference import conv_ref, pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import conv_output_shape, conv_padding, data

Image = pytest.importorskip("PIL.Image")

SOBEL_X = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def convpool(*args, cwd=None, env=None, check_rc=None):
    """Run the console script (:func:`_cli.run_cli`); no exit status asked unless ``check_rc``."""
    return run_cli(*args, check_rc=check_rc, env=env, cwd=cwd)


@pytest.fixture
def photos(tmp_path):
    """The embedded camera (gray) and chelsea (RGB) photos, cropped small, as PNG files in tmp_path."""
    camera = data.photo("camera")[40:88, 60:124]
    chelsea = data.photo("chelsea")[30:70, 50:110]
    Image.fromarray(camera).save(tmp_path / "camera.png")
    Image.fromarray(chelsea).save(tmp_path / "chelsea.png")
    return {"camera": camera, "chelsea": chelsea, "dir": tmp_path}


#: The command line's default border (convpool.cli.filter.PHOTO_PAD_MODE); the library's is "constant".
CLI = "reflect"


def per_channel_ref(image, kernel, **options):
    """conv_ref on each channel with the same 2-D kernel; image (h, w) or (h, w, c) -> (oh, ow, c)."""
    x = image[None, ..., None] if image.ndim == 2 else image[None]
    planes = [conv_ref(x[..., c : c + 1], kernel[:, :, None, None], **options)[0] for c in range(x.shape[3])]
    return np.concatenate(planes, axis=-1)


def clip_pixels(values):
    return np.clip(np.floor(values + 0.5), 0, 255).astype(np.uint8)


# --- filter ------------------------------------------------------------------------------------------


def test_filter_rgb_png_to_npy_matches_reference(photos):
    d = photos["dir"]
    convpool("filter", d / "chelsea.png", "-k", "sobel_x", "-o", d / "edges.npy", check_rc=0)
    out = np.load(d / "edges.npy")
    assert out.shape == (1, 40, 60, 3)
    assert_allclose(out[0], per_channel_ref(photos["chelsea"], SOBEL_X, padding="same", pad_mode=CLI), atol=1e-9)


def test_filter_png_to_png_clip_and_abs(photos):
    d = photos["dir"]
    convpool("filter", d / "camera.png", "-k", "box", "-o", d / "blur.png", check_rc=0)
    box = np.full((3, 3), 1 / 9)
    expected = clip_pixels(per_channel_ref(photos["camera"], box, padding="same", pad_mode=CLI)[..., 0])
    assert_array_equal(np.array(Image.open(d / "blur.png")), expected)  # auto = clip for a kernel summing to 1
    convpool("filter", d / "camera.png", "-k", "sobel-x", "-o", d / "edges.png", "--quiet", check_rc=0)
    ref = np.abs(per_channel_ref(photos["camera"], SOBEL_X, padding="same", pad_mode=CLI)[..., 0])
    assert_array_equal(np.array(Image.open(d / "edges.png")), clip_pixels(ref * 255 / ref.max()))  # auto = abs


def test_filter_inline_matrix_stride_padding_dilation(photos):
    d = photos["dir"]
    kernel = np.array([[1.0, 0, -1], [2, 0, -2]])
    args = ["--padding", "1,0x2,1", "--stride", "2x3", "--dilation", "2", "--pad-mode", "reflect"]
    convpool("filter", d / "chelsea.png", "-k", "1,0,-1;2,0,-2", *args, "-o", d / "x.npy", check_rc=0)
    out = np.load(d / "x.npy")[0]
    options = {"padding": ((1, 0), (2, 1)), "stride": (2, 3), "dilation": 2, "pad_mode": "reflect"}
    assert out.shape[:2] == conv_output_shape((40, 60), (2, 3), (2, 3), ((1, 0), (2, 1)), 2)
    assert_allclose(out, per_channel_ref(photos["chelsea"], kernel, **options), atol=1e-9)


def test_filter_sum_channels_is_convolve_channels(photos):
    d = photos["dir"]
    convpool("filter", d / "chelsea.png", "-k", "sharpen", "--sum-channels", "--padding", "valid", "-o", d / "s.npy")
    out = np.load(d / "s.npy")
    k3 = np.repeat(np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]])[:, :, None, None], 3, axis=2)
    assert out.shape == (1, 38, 58, 1)
    assert_allclose(out, conv_ref(photos["chelsea"][None], k3, padding="valid"), atol=1e-9)


def test_filter_npy_batch_with_npy_kernel_bank(tmp_path):
    rng = np.random.default_rng(7)
    batch = rng.integers(0, 256, size=(3, 9, 8, 3)).astype(np.uint8)
    bank = rng.normal(size=(2, 3, 3, 4))
    np.save(tmp_path / "batch.npy", batch)
    np.save(tmp_path / "bank.npy", bank)
    convpool("filter", tmp_path / "batch.npy", "-k", tmp_path / "bank.npy", "-o", tmp_path / "o.npy", check_rc=0)
    assert_allclose(np.load(tmp_path / "o.npy"), conv_ref(batch, bank, padding="same", pad_mode=CLI), atol=1e-9)


def test_filter_npz_keeps_each_array(tmp_path):
    a, b = np.arange(30.0).reshape(1, 5, 6), np.ones((2, 4, 4, 2))
    np.savez(tmp_path / "in.npz", a=a, b=b)
    convpool("filter", tmp_path / "in.npz", "-k", "laplacian", "-o", tmp_path / "out.npz", check_rc=0)
    lap = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])[:, :, None, None]
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == ["a", "b"]
        assert_allclose(out["a"], conv_ref(a[..., None], lap, pad_mode=CLI), atol=1e-9)
        expected_b = np.concatenate([conv_ref(b[..., c : c + 1], lap, pad_mode=CLI) for c in range(2)], axis=-1)
        assert_allclose(out["b"], expected_b, atol=1e-9)


def test_filter_several_inputs_into_a_folder(photos):
    d = photos["dir"]
    convpool(
        "filter", d / "camera.png", d / "chelsea.png", "-k", "gaussian:size=5,sigma=1.5", "-o", d / "out", check_rc=0
    )
    assert sorted(p.name for p in (d / "out").iterdir()) == ["camera.png", "chelsea.png"]
    assert Image.open(d / "out" / "camera.png").size == (64, 48)
    assert np.array(Image.open(d / "out" / "chelsea.png")).shape == (40, 60, 3)
    convpool("filter", d / "camera.png", "-k", "box", "--format", "npy", "-o", f"{d / 'raw'}/", check_rc=0)
    assert np.load(d / "raw" / "camera.npy").shape == (1, 48, 64, 1)


# --- pool --------------------------------------------------------------------------------------------


def test_pool_png_max_and_avg(photos):
    d = photos["dir"]
    convpool("pool", d / "chelsea.png", "--size", "2", "--mode", "max", "-o", d / "max.png", check_rc=0)
    expected = pool_ref(photos["chelsea"][None], 2, 2, "max")[0]
    assert_array_equal(np.array(Image.open(d / "max.png")), expected)
    convpool(
        "pool",
        d / "camera.png",
        "--size",
        "3",
        "--stride",
        "2",
        "--mode",
        "avg",
        "--padding",
        "same",
        "-o",
        d / "avg.npy",
    )
    ref = pool_ref(photos["camera"][None, ..., None], 3, 2, "avg", padding="same")
    assert_allclose(np.load(d / "avg.npy"), ref, atol=1e-9)


# --- kernels -----------------------------------------------------------------------------------------


def test_kernels_lists_every_name_with_its_matrix():
    from convpool import kernels

    listing = convpool("kernels", check_rc=0).stdout
    for name in kernels.names():
        assert re.search(rf"^{name}\(", listing, re.M), name
    block = listing.split("sobel_x()")[1].split("sobel_y()")[0]
    numbers = [float(v) for v in re.findall(r"-?\d+\.?", block.split("\n", 1)[1])]
    assert_array_equal(np.reshape(numbers, (3, 3)), SOBEL_X)


def test_kernels_shows_one_kernel_with_parameters():
    out = convpool("kernels", "gaussian:size=3,sigma=1", check_rc=0).stdout
    assert "shape (3, 3), sum 1" in out
    line = np.exp(-np.array([1.0, 0, 1]) / 2)
    assert f"{(np.outer(line, line) / np.outer(line, line).sum())[1, 1]:.4f}" in out


def test_gallery_png_is_written(tmp_path):
    proc = convpool("kernels", "--gallery", tmp_path / "g.png", "--photo", "camera", check_rc=0)
    assert "wrote" in proc.stdout
    with Image.open(tmp_path / "g.png") as im:
        assert im.format == "PNG" and im.size[0] > 500 and im.size[1] > 300


# --- shape -------------------------------------------------------------------------------------------

SHAPE_CASES = list(
    itertools.product(
        ["28x28", "7x10", "5"],
        ["3x3", "2x4", "1"],
        ["1", "2", "3x1"],
        ["valid", "same", "full", "1x2", "0,2x1,0"],
        ["1", "2"],
    )
)


def _pair(text):
    parts = [int(v) for v in text.split("x")]
    return parts[0], parts[-1]


def _padding(text):
    if text in ("valid", "same", "full"):
        return text
    return tuple(tuple(int(v) for v in (a.split(",") * 2)[:2]) for a in text.split("x"))


def _value(piece):
    """The number a piece of arithmetic such as ``max((14 - 1) * 2 + 1 - 28, 0)`` evaluates to (None if not one)."""
    piece = piece.strip()
    if not re.fullmatch(r"(?:max|ceil|[\d\s()+\-*/,])+", piece) or not re.search(r"\d", piece):
        return None
    return eval(piece, {"__builtins__": {}}, {"max": max, "ceil": math.ceil})


def _check_arithmetic(line):
    """Every ``expression = ... = value`` chain on a line must agree; returns how many steps were checked."""
    checked = 0
    for segment in re.split(r",\s+(?=[a-z])", line.split(":", 1)[-1]):
        values = [v for v in map(_value, segment.split("=")) if v is not None]
        assert len(set(values)) <= 1, (line, values)
        checked += max(len(values) - 1, 0)
    return checked


def test_shape_against_helpers_on_a_grid():
    picked = SHAPE_CASES[::7]  # a spread over the grid keeps the subprocess count small
    calls = [
        ["shape", "--input", i, "--kernel", k, "--stride", s, "--padding", p, "--dilation", d]
        for i, k, s, p, d in picked
    ]
    script = "; ".join(f"main({call!r})" for call in calls)
    # one interpreter for the grid; the console script itself is exercised just below
    proc = subprocess.run(
        [sys.executable, "-c", f"from convpool.cli import main; {script}"], capture_output=True, text=True, timeout=120
    )
    reports = proc.stdout.split("input ")[1:]
    expected_reports = 0
    for case in picked:
        size, kernel, stride, pad, dil = (
            _pair(case[0]),
            _pair(case[1]),
            _pair(case[2]),
            _padding(case[3]),
            _pair(case[4]),
        )
        try:
            out = conv_output_shape(size, kernel, stride, pad, dil)
        except ValueError:
            continue  # reported on stderr, checked in test_shape_errors
        report = reports[expected_reports]
        expected_reports += 1
        assert f"output {out[0]}x{out[1]}" in report
        (t, b), (left, r) = conv_padding(size, kernel, stride, pad, dil)
        assert f"padding top {t}, bottom {b}, left {left}, right {r}" in report
        assert sum(_check_arithmetic(line) for line in report.splitlines()) >= 4
    assert expected_reports == len(reports) > 10


def test_shape_console_script_example():
    out = convpool(
        "shape", "--input", "28x28", "--kernel", "3x3", "--stride", "2", "--padding", "same", check_rc=0
    ).stdout
    assert "output 14x14" in out
    assert "padding top 0, bottom 1, left 0, right 1" in out
    assert "out = (28 + 0 + 1 - (3 - 1) * 1 - 1) // 2 + 1 = 26 // 2 + 1 = 14" in out
    assert sum(_check_arithmetic(line) for line in out.splitlines()) >= 10


def test_shape_errors_are_one_line():
    proc = convpool("shape", "--input", "2x2", "--kernel", "3x3", check_rc=2)
    assert proc.stderr.count("\n") == 1 and "output height would be 0" in proc.stderr
    proc = convpool("shape", "--input", "28by28", "--kernel", "3", check_rc=2)
    assert "input must be N or HxW" in proc.stderr.splitlines()[-1]
    proc = convpool("shape", "--input", "5", "--kernel", "3", "--padding", "lots", check_rc=2)
    assert "padding must be valid, same, full, P, PHxPW" in proc.stderr.splitlines()[-1]


# --- explain -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--input", "5x5", "--kernel", "3x3", "--padding", "same", "--stride", "2"],
        ["--input", "4x6", "--kernel", "2x2", "--stride", "2", "--mode", "max"],
        ["--input", "7", "--kernel", "3", "--dilation", "2", "--padding", "1"],
    ],
)
def test_explain_gif_has_one_frame_per_output_cell(tmp_path, args):
    convpool("explain", *args, "-o", tmp_path / "a.gif", "--still", tmp_path / "s.png", check_rc=0)
    opts = dict(zip(args[::2], args[1::2], strict=True))
    pad = opts.get("--padding", "valid")
    oh, ow = conv_output_shape(
        _pair(opts["--input"]),
        _pair(opts["--kernel"]),
        _pair(opts.get("--stride", "1")),
        pad if pad in ("valid", "same", "full") else int(pad),
        _pair(opts.get("--dilation", "1")),
    )
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == oh * ow
    with Image.open(tmp_path / "s.png") as still:
        assert still.format == "PNG"


def test_explain_still_reports_the_reference_value(tmp_path):
    proc = convpool(
        "explain",
        "--input",
        "5x5",
        "--kernel",
        "3x3",
        "--padding",
        "same",
        "--stride",
        "2",
        "-o",
        tmp_path / "a.gif",
        "--still",
        tmp_path / "s.png",
        "--step",
        "4",
        check_rc=0,
    )
    formula = proc.stdout.split("step 4, ")[1].strip()
    lhs, expression, value = (p.strip() for p in formula.split("="))
    assert lhs == "out[1, 1]"
    assert eval(expression) == int(value)  # the printed arithmetic adds up


def test_explain_refuses_big_grids_and_bad_steps(tmp_path):
    proc = convpool("explain", "--input", "64x64", "--kernel", "3", "-o", tmp_path / "a.gif", check_rc=2)
    assert "too big" in proc.stderr
    proc = convpool("explain", "--input", "5", "--kernel", "3", "--step", "9", "-o", tmp_path / "a.gif", check_rc=2)
    assert "--step must be from 0 to 8" in proc.stderr


# --- reliability -------------------------------------------------------------------------------------


def test_existing_output_refused_unless_force(photos):
    d = photos["dir"]
    (d / "o.npy").write_bytes(b"precious")
    proc = convpool("filter", d / "camera.png", "-k", "box", "-o", d / "o.npy", check_rc=1)
    assert "o.npy exists; pass --force" in proc.stderr
    assert (d / "o.npy").read_bytes() == b"precious"
    convpool("filter", d / "camera.png", "-k", "box", "-o", d / "o.npy", "--force", check_rc=0)
    assert np.load(d / "o.npy").shape == (1, 48, 64, 1)


def test_input_is_never_overwritten_even_with_force(photos):
    d = photos["dir"]
    before = (d / "camera.png").read_bytes()
    proc = convpool("filter", d / "camera.png", "-k", "box", "-o", d / "camera.png", "--force", check_rc=2)
    assert "refusing to overwrite an input" in proc.stderr
    proc = convpool("filter", d / "camera.png", "-k", "box", "-o", d, "--force", check_rc=2)  # folder = input's own
    assert (d / "camera.png").read_bytes() == before


def test_bad_inputs_are_named_and_the_others_processed(photos):
    d = photos["dir"]
    (d / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (d / "junk.npy").write_bytes(b"junk")
    args = [d / "missing.png", d / "corrupt.png", d / "junk.npy", d / "chelsea.png"]
    proc = convpool("filter", *args, "-k", "box", "--format", "npy", "-o", d / "out", check_rc=1)
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 3
    for name, line in zip(["missing.png", "corrupt.png", "junk.npy"], errors, strict=True):
        assert name in line
    assert sorted(p.name for p in (d / "out").iterdir()) == ["chelsea.npy"]


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        ("bogus", "unknown kernel 'bogus'; the bank has:"),
        ("1,2;3", "same number of entries"),
        ("gaussian:size=x", "must be a number"),
    ],
)
def test_bad_kernel_is_one_line_usage_error(photos, kernel, message):
    d = photos["dir"]
    proc = convpool("filter", d / "camera.png", "-k", kernel, "-o", d / "o.png", check_rc=2)
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert not (d / "o.png").exists()


def test_help_has_examples_and_exit_codes():
    for command in ["filter", "pool", "kernels", "shape", "explain"]:
        out = convpool(command, "--help", check_rc=0).stdout
        assert f"convpool {command}" in out.split("examples:")[1], command
        assert "exit status:" in out and "130" in out


def _start_big_filter(tmp_path):
    batch = np.random.default_rng(0).random((160, 128, 128, 1), dtype=np.float32)  # result: 20 MiB float64
    np.save(tmp_path / "big.npy", batch)
    cmd = [
        sys.executable,
        "-m",
        "convpool",
        "filter",
        tmp_path / "big.npy",
        "-k",
        "box",
        "-q",
        "-o",
        tmp_path / "r.npy",
    ]
    return subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_temp(tmp_path, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if list(tmp_path.glob(".r.npy.convpool-*.tmp")):
            return True
        time.sleep(0.0005)
    return False


def test_killed_mid_write_leaves_no_partial_output(tmp_path):
    proc = _start_big_filter(tmp_path)
    caught = _wait_for_temp(tmp_path, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    if not caught:
        pytest.skip("the write finished before the test could catch it")
    assert not (tmp_path / "r.npy").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "big.npy"]
    assert all(re.fullmatch(r"\.r\.npy\.convpool-\d+-\w+\.tmp", n) for n in leftovers), leftovers
    # the next run removes the dead writer's temporary file and writes the whole result
    convpool("filter", tmp_path / "big.npy", "-k", "box", "-q", "-o", tmp_path / "r.npy", check_rc=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npy", "r.npy"]
    assert np.load(tmp_path / "r.npy").shape == (160, 128, 128, 1)


def test_sigterm_mid_write_cleans_up(tmp_path):
    proc = _start_big_filter(tmp_path)
    caught = _wait_for_temp(tmp_path, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate()
    if not caught:
        pytest.skip("the write finished before the test could catch it")
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npy"]


# --- demo stays the main job -------------------------------------------------------------------------


def test_demo_still_prints_the_seven_tasks(tmp_path):
    proc = convpool("demo", "-o", tmp_path / "demo.png", "--force", check_rc=0)
    assert proc.stdout.count("(") >= 14 and "6-pool" in proc.stdout
    assert (tmp_path / "demo.png").read_bytes()[:4] == b"\x89PNG"


def test_every_help_example_runs(tmp_path):
    """The examples in each command's --help work as shown, on the embedded sample photos."""
    ran = 0
    for command in ["filter", "pool", "kernels", "shape", "explain"]:
        text = convpool(command, "--help", check_rc=0).stdout
        examples = text.split("examples:\n")[1].split("\n\n")[0]
        for line in examples.splitlines():
            if line.strip().startswith("convpool "):
                proc = convpool(*shlex.split(line)[1:], cwd=tmp_path)
                assert proc.returncode == 0, (line, proc.stderr)
                ran += 1
    assert ran >= 12
    assert np.load(tmp_path / "coffee.npy").shape[0] == 1
    with Image.open(tmp_path / "chelsea-edges.png") as im:
        assert im.size == data.photo("chelsea").shape[1::-1]
    assert sorted(p.name for p in (tmp_path / "blurred").iterdir()) == ["camera.png", "chelsea.png"]


def test_sample_inputs_name_their_outputs_and_fail_cleanly(tmp_path):
    proc = convpool("filter", "sample:nope", "sample:camera", "-k", "identity", "-o", tmp_path / "o", check_rc=1)
    assert "sample:nope" in proc.stderr and "camera" in proc.stderr
    assert_array_equal(np.array(Image.open(tmp_path / "o" / "camera.png")), data.photo("camera"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "a.gif", "--fps", "0"], "--fps must be a number from 0.1 to 50"),
        (["-o", "a.gif", "--fps", "-1"], "--fps must be a number from 0.1 to 50"),
        (["-o", "a.gif", "--still", "a.gif"], "name the same file"),
        (["-o", "a.png"], "must end in .gif"),
        (["-o", "a.gif", "--still", "a.jpg"], "--still must end in .png"),
    ],
)
def test_explain_refuses_bad_outputs_before_writing(tmp_path, args, message):
    done = convpool("explain", "--input", "4x4", "--kernel", "2x2", *args, cwd=tmp_path, check_rc=2)
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_huge_padding_fails_that_input_in_one_line(photos):
    # (2 * 5e6)**2 float64 cells: refused by the size check before any allocation, naming the padding
    out = photos["dir"] / "out"
    done = convpool(
        "filter", photos["dir"] / "camera.png", "-k", "sobel_x", "--padding", "5000000", "-o", out / "c.png", check_rc=1
    )
    assert "camera.png: padding=((5000000, 5000000)" in done.stderr and "TiB" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (out / "c.png").exists()
