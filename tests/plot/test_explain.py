"""`convpool explain` on real pixels and named kernels: the numbers drawn in a frame, read back from
matplotlib's Text artists, against the photo itself and against convolve / the naive reference."""

import subprocess
import sys

import numpy as np
import pytest
from _reference import conv_ref, pool_ref

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


def test_max_pooling_frames_of_a_photo_patch_show_the_pooled_pixels():
    scene = _scene("--input", "sample:camera", "--patch", "60,70", "--size", "6", "--kernel", "2", "--stride", "2",
                   "--mode", "max")  # fmt: skip
    try:
        patch = data.photo("camera")[60:66, 70:76]
        assert np.array_equal(_grid(scene, (6, 6), 0.0), patch)
        scene.draw(scene.steps - 1)
        expected = pool_ref(patch[None, :, :, None].astype(float), (2, 2), (2, 2), "max", "valid")[0, :, :, 0]
        assert np.array_equal(_grid(scene, (3, 3), scene.out_left), expected)
        assert np.array_equal(expected, patch.reshape(3, 2, 3, 2).max(axis=(1, 3)))  # the oracle, by hand
    finally:
        scene.close()


@pytest.mark.parametrize(
    ("value", "text"), [(2.0, "2"), (-1.0, "-1"), (0.0585, ".059"), (-0.25, "-.25"), (0.00292, ".0029"), (1.5, "1.5")]
)
def test_weights_in_the_cells_are_short(value, text):
    assert plot._mpl._weight(value) == text


def _board_grid(board, name):
    texts = board.texts[name]
    rows, cols = max(r for r, _ in texts) + 1, max(c for _, c in texts) + 1
    return np.array([[float(texts[r, c].get_text()) for c in range(cols)] for r in range(rows)])


def _view(*argv):
    from convpool.plot.learn import channel_sum

    args = build_parser().parse_args(["explain", *argv, "-o", "unused.gif", "--channels-view", "v.png"])
    scene, _, (planes, kernel) = explain_cli.scene_for(args)
    scene.close()
    return planes, kernel, channel_sum(planes, kernel, padding=args.padding, stride=args.stride)


def test_channels_view_of_a_photo_patch_partial_maps_add_up_to_convolve():
    planes, kernel, board = _view("--input", "sample:chelsea", "--patch", "50,60", "--size", "5", "--kernel", "sobel_x")
    try:
        patch = data.photo("chelsea")[50:55, 60:65].astype(np.float64)
        partials = []
        for c in range(3):
            assert np.array_equal(_board_grid(board, f"channel {c}"), patch[:, :, c])
            assert np.array_equal(_board_grid(board, f"slice {c}"), SOBEL_X)
            partial = conv_ref(patch[None, :, :, c : c + 1], SOBEL_X[:, :, None, None], "valid")[0, :, :, 0]
            assert np.array_equal(_board_grid(board, f"partial {c}"), partial)
            partials.append(partial)
        total = convpool.convolve(patch[None], np.repeat(SOBEL_X[:, :, None, None], 3, axis=2), "valid")[0, :, :, 0]
        assert np.array_equal(_board_grid(board, "sum"), total)
        assert np.array_equal(total, sum(partials))
    finally:
        board.fig.clf()


def test_channels_view_of_random_digits_keeps_the_animations_plane_and_kernel_first():
    planes, kernel, board = _view("--input", "4x5", "--kernel", "2x2", "--channels", "4", "--stride", "2")
    try:
        scene = _scene("--input", "4x5", "--kernel", "2x2", "--stride", "2")
        assert np.array_equal(planes[:, :, 0], _grid(scene, (4, 5), 0.0))  # the GIF's digits are plane 0
        scene.close()
        assert planes.shape == (4, 5, 4) and kernel.shape == (2, 2, 4)
        expected = conv_ref(planes[None].astype(float), kernel[..., None].astype(float), "valid", 2)[0, :, :, 0]
        assert np.array_equal(_board_grid(board, "sum"), expected)
    finally:
        board.fig.clf()


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "convpool", "explain", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def test_cli_channels_view_writes_a_png(tmp_path):
    proc = _run("--input", "sample:chelsea", "--size", "4", "--kernel", "sobel_x", "-o", "a.gif",
                "--channels-view", "v.png", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "wrote v.png: 3 channels" in proc.stdout
    with Image.open(tmp_path / "v.png") as view:
        assert view.format == "PNG" and min(view.size) > 200


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
        (["--channels", "3"], "give --channels-view FILE.png"),
        (["--channels-view", "v.png", "--channels", "9"], "--channels must be from 2 to 6"),
        (["--channels-view", "v.png", "--mode", "max", "--kernel", "2"], "pools each"),
        (["--channels-view", "v.png", "--input", "sample:camera"], "is grayscale"),
        (["--channels-view", "v.png", "--input", "sample:coffee", "--channels", "2"], "brings its own channels"),
        (["--channels-view", "v.jpg"], "must end in .png"),
        (["--channels-view", "s.png"], "names the same file"),
    ],
)
def test_bad_options_say_one_line_and_write_nothing(tmp_path, args, message):
    proc = _run(*args, "-o", "a.gif", "--still", "s.png", cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def _labels(scene):
    scene.draw(0)
    return [t.get_text() for t in scene.ax.texts]


def test_the_animated_plane_of_a_channels_view_is_called_a_partial_map_not_the_output():
    # one plane's convolution is a partial map: the GIF must not call it "output" beside a view whose sum is
    args = build_parser().parse_args(
        ["explain", "--input", "sample:chelsea", "--size", "4", "--kernel", "sobel_x", "--channel", "1",
         "-o", "unused.gif", "--channels-view", "v.png"]
    )  # fmt: skip
    scene, _, _ = explain_cli.scene_for(args)
    try:
        labels = _labels(scene)
        assert any(t.startswith("partial map of channel 1 2x2, stride 1x1") for t in labels), labels
        assert not any(t.startswith("output") for t in labels)
        assert scene.formula(0).startswith("partial[0, 0] = ")
    finally:
        scene.close()
    alone = _scene("--input", "sample:chelsea", "--size", "4", "--kernel", "sobel_x")
    try:
        assert any(t.startswith("output 2x2") for t in _labels(alone)) and alone.formula(0).startswith("out[0, 0] = ")
    finally:
        alone.close()
