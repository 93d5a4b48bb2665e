"""`convpool explain` on real pixels and named kernels: the numbers drawn in a frame, read back from
matplotlib's Text artists, against the photo itself and against convolve / the naive reference."""

import subprocess
import sys

import numpy as np
import pytest
from _reference import conv_ref

import convpool
from convpool import data
from convpool.cli import build_parser
from convpool.cli import explain as explain_cli

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
from convpool import plot  # noqa: E402  (after the skips: needs matplotlib)

SOBEL_X = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])  # written out, not taken from the bank


def _scene(*argv):
    args = build_parser().parse_args(["explain", *argv, "-o", "unused.gif"])
    return explain_cli.scene_for(args)[0]


def _texts_at(scene, cells, left, *, visible_only=True):
    """The strings of the Text artists centred on grid cells ``(row, col)``, keyed by the cell."""
    found = {}
    for text in scene.ax.texts:
        if visible_only and not text.get_visible():
            continue
        x, y = text.get_position()
        row, col = y - scene.top - 0.5, x - left - 0.5
        cell = (round(row), round(col))
        if abs(row - cell[0]) < 1e-9 and abs(col - cell[1]) < 1e-9 and cell in cells:
            assert cell not in found, f"two texts on cell {cell}"
            found[cell] = text.get_text()
    return found


def _grid(scene, shape, left):
    cells = set(np.ndindex(*shape))
    texts = _texts_at(scene, cells, left)
    assert set(texts) == cells  # every cell has its number
    return np.array([[float(texts[i, j]) for j in range(shape[1])] for i in range(shape[0])])


def test_camera_patch_with_sobel_x_shows_the_photo_and_convolves_output():
    scene = _scene("--input", "sample:camera", "--patch", "100,120", "--kernel", "sobel_x")
    try:
        patch = data.photo("camera")[100:105, 120:125].astype(np.float64)
        assert np.array_equal(_grid(scene, (5, 5), 0.0), patch)  # the input cells are the photo's pixels
        scene.draw(scene.steps - 1)
        shown = _grid(scene, (3, 3), scene.out_left)
        expected = convpool.convolve(patch[None, :, :, None], SOBEL_X[:, :, None, None], "valid")[0, :, :, 0]
        assert np.array_equal(shown, expected)
        assert np.array_equal(shown, conv_ref(patch[None, :, :, None], SOBEL_X[:, :, None, None], "valid")[0, :, :, 0])
        assert "input sample:camera[100:105, 120:125]" in scene.caption_text(0)
        assert "kernel sobel_x" in scene.caption_text(0)
    finally:
        scene.close()


def test_gaussian_weights_are_rounded_in_the_cells_and_outputs_match_to_three_digits():
    scene = _scene(
        "--input", "sample:chelsea", "--channel", "1", "--patch", "30,40", "--size", "6x5",
        "--kernel", "gaussian:size=3,sigma=1", "--padding", "same", "--stride", "2",
    )  # fmt: skip
    try:
        patch = data.photo("chelsea")[30:36, 40:45, 1].astype(np.float64)
        assert np.array_equal(_grid(scene, (6, 5), 1.0), patch)  # 'same' with 3x3 pads one cell on each side
        x = np.arange(3) - 1.0
        g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / 2)
        g /= g.sum()
        scene.draw(scene.steps - 1)
        shown = _grid(scene, (3, 3), scene.out_left)
        expected = conv_ref(patch[None, :, :, None], g[:, :, None, None], "same", 2)[0, :, :, 0]
        np.testing.assert_allclose(shown, expected, rtol=5e-3)  # written to 3 significant digits
        scene.draw(0)
        corners = sorted(t.get_text() for t in scene.tap_texts)
        assert corners == sorted(["x.075"] * 4 + ["x.12"] * 4 + ["x.2"])
    finally:
        scene.close()


def test_inline_matrix_kernel_and_image_file_input(tmp_path):
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, size=(9, 12), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "p.png")
    scene = _scene("--input", str(tmp_path / "p.png"), "--patch", "2,3", "--size", "4", "--kernel", "1,-1;0,2")
    try:
        patch = pixels[2:6, 3:7].astype(np.float64)
        assert np.array_equal(_grid(scene, (4, 4), 0.0), patch)
        scene.draw(scene.steps - 1)
        kernel = np.array([[1.0, -1], [0, 2]])
        expected = conv_ref(patch[None, :, :, None], kernel[:, :, None, None], "valid")[0, :, :, 0]
        assert np.array_equal(_grid(scene, (3, 3), scene.out_left), expected)
    finally:
        scene.close()


@pytest.mark.parametrize(
    ("value", "text"), [(2.0, "2"), (-1.0, "-1"), (0.0585, ".059"), (-0.25, "-.25"), (0.00292, ".0029"), (1.5, "1.5")]
)
def test_weights_in_the_cells_are_short(value, text):
    assert plot._weight(value) == text


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "convpool", "explain", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def test_cli_arithmetic_of_a_photo_patch_adds_up_to_convolve(tmp_path):
    proc = _run(
        "--input", "sample:camera", "--patch", "60,70", "--kernel", "sobel_x", "--step", "4",
        "-o", "a.gif", "--still", "s.png", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lhs, expression, value = (p.strip() for p in proc.stdout.split("step 4, ")[1].split("="))
    patch = data.photo("camera")[60:65, 70:75].astype(np.float64)
    expected = convpool.convolve(patch[None, :, :, None], SOBEL_X[:, :, None, None], "valid")[0, 1, 1, 0]
    assert lhs == "out[1, 1]"
    assert eval(expression) == float(value) == expected  # the printed products are the real pixels'
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 9
    with Image.open(tmp_path / "s.png") as still:
        assert still.format == "PNG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kernel", "nope"], "--kernel nope: unknown kernel"),
        (["--kernel", "1,2;3"], "same number of entries"),
        (["--kernel", "gaussian:size=x"], "must be a number"),
        (["--kernel", "0x3"], "--kernel: kernel must be N or HxW"),
        (["--mode", "max", "--kernel", "sobel_x"], "give --kernel a size"),
        (["--input", "missing.png"], "--input missing.png: no such file"),
        (["--input", "sample:nope"], "--input sample:nope: name must be one of"),
        (["--input", "sample:camera", "--patch", "252,0"], "ROW must be at most 251"),
        (["--input", "sample:camera", "--patch", "1"], "--patch must be ROW,COL"),
        (["--input", "sample:camera", "--channel", "1"], "--channel must be from 0 to 0"),
        (["--input", "sample:camera", "--size", "50", "--patch", "0,0"], "too big"),
        (["--patch", "1,1"], "take a piece of an image"),
    ],
)
def test_bad_options_say_one_line_and_write_nothing(tmp_path, args, message):
    proc = _run(*args, "-o", "a.gif", "--still", "s.png", cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
