"""The Learn pages' figures show convpool's numbers: read back from the figures' text, checked against oracles."""

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from numpy.testing import assert_array_equal

pytest.importorskip("matplotlib")
from convpool.plot import learn as plot_learn  # noqa: E402  (after the skip: needs matplotlib)


def _shown(board, name) -> dict:
    """``{(row, col): number}`` that grid ``name`` of ``board`` shows."""
    return {cell: float(text.get_text()) for cell, text in board.texts[name].items()}


def _as_array(board, name, rows, cols, top=0, left=0) -> np.ndarray:
    shown = _shown(board, name)
    return np.array([[shown[(r - top, c - left)] for c in range(cols)] for r in range(rows)])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize(
    ("shape", "kshape", "cell", "padding", "stride"),
    [((5, 5), (3, 3), (1, 2), "valid", 1), ((5, 6), (4, 4), (0, 0), "same", 1), ((7, 7), (3, 2), (1, 2), "full", 2)],
)
def test_conv_step_shows_the_window_its_products_and_convolves_output(shape, kshape, cell, padding, stride):
    rng = np.random.default_rng(5)
    x, k = rng.integers(-4, 10, size=shape), rng.integers(-2, 3, size=kshape)
    board = plot_learn.conv_step(x, k, cell, padding=padding, stride=stride)
    expected = conv_ref(x[None, :, :, None], k[:, :, None, None], padding, stride)[0, :, :, 0]
    assert_array_equal(_as_array(board, "output", *expected.shape), expected)
    # the products add up to the framed output cell, and are window * kernel read off the padded input
    products = _as_array(board, "products", *k.shape)
    assert products.sum() == expected[cell]
    (top, bottom), (left, right) = _ref_padding(padding, shape, kshape, stride)
    xp = np.pad(x, ((top, bottom), (left, right)))
    assert_array_equal(_as_array(board, "input", *xp.shape, top, left), xp)
    r0, c0 = cell[0] * stride, cell[1] * stride
    assert_array_equal(products, xp[r0 : r0 + k.shape[0], c0 : c0 + k.shape[1]] * k)


def _ref_padding(padding, shape, kshape, stride):
    from _reference import ref_pads

    return tuple(ref_pads(padding, shape[a], kshape[a], stride, 1) for a in (0, 1))


def test_conv_step_hatches_padding_only_where_padding_is():
    board = plot_learn.conv_step(np.ones((5, 5)), np.ones((4, 4)), padding="same")
    # 'same' with a 4x4 kernel: 1 row on top and 2 at the bottom (TensorFlow's side for the odd cell)
    hatched = {cell for cell, text in board.texts["input"].items() if text.get_color() != "black"}
    rows = {r for r, _ in hatched}
    assert rows == {-1, 0, 1, 2, 3, 4, 5, 6} and {r for r, c in hatched if 0 <= c < 5} == {-1, 5, 6}


@pytest.mark.parametrize(("mode", "padding"), [("max", "valid"), ("avg", "valid"), ("max", "same"), ("min", "same")])
def test_pool_windows_shows_pool_output_and_circles_real_winners(mode, padding):
    x = -np.arange(1, 21).reshape(4, 5) if padding == "same" else np.random.default_rng(2).integers(0, 9, (4, 6))
    board = plot_learn.pool_windows(x, 2, 2, mode, padding=padding)
    expected = pool_ref(x[None, :, :, None], 2, 2, mode, padding)[0, :, :, 0]
    assert_array_equal(_as_array(board, "output", *expected.shape), expected)
    if mode in ("max", "min"):
        assert len(board.winners) == expected.size
        for (i, j), (r, c) in board.winners.items():
            # a real input cell (never padding), inside window (i, j), holding the output's value
            assert 0 <= r < x.shape[0] and 0 <= c < x.shape[1]
            assert x[r, c] == expected[i, j]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "unread"),
    [(7, 3, 1, []), (7, 3, 2, []), (7, 3, 3, [6]), (8, 3, 2, [7]), (10, 2, 3, [2, 5, 8, 9])],
)
def test_stride_strips_cross_out_exactly_the_cells_no_window_reads(size, kernel, stride, unread):
    board = plot_learn.stride_strips(size, kernel, (stride,))
    assert board.unread[stride] == unread
    assert_array_equal(_as_array(board, f"stride {stride}", 1, size)[0], np.arange(size))


@pytest.mark.parametrize(("shape", "k", "stride", "padding"), [((6, 6), 3, 1, "valid"), ((6, 7), 3, 2, "same")])
def test_use_counts_match_a_loop_over_windows(shape, k, stride, padding):
    (top, _), (left, _) = _ref_padding(padding, shape, (k, k), stride)
    counts = np.zeros(shape)
    oh, ow = conv_ref(np.zeros((1, *shape, 1)), np.zeros((k, k, 1, 1)), padding, stride).shape[1:3]
    for i in range(oh):
        for j in range(ow):
            for a in range(k):
                for b in range(k):
                    r, c = i * stride + a - top, j * stride + b - left
                    if 0 <= r < shape[0] and 0 <= c < shape[1]:
                        counts[r, c] += 1
    assert_array_equal(plot_learn.use_counts(shape, k, stride, padding), counts)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_padded_by_convpool_is_np_pad(mode):
    x = np.arange(12.0).reshape(3, 4)
    pad = ((2, 1), (1, 2))
    assert_array_equal(plot_learn.padded_by_convpool(x, pad, mode), np.pad(x, pad, mode=mode))


def test_channel_sum_partial_maps_add_up_to_the_shown_output():
    rng = np.random.default_rng(11)
    x, k = rng.integers(0, 5, (4, 5, 3)), rng.integers(-1, 2, (2, 2, 3))
    board = plot_learn.channel_sum(x, k)
    total = _as_array(board, "sum", 3, 4)
    assert_array_equal(total, conv_ref(x[None], k[:, :, :, None], "valid")[0, :, :, 0])
    partials = [_as_array(board, f"partial {c}", 3, 4) for c in range(3)]
    assert_array_equal(sum(partials), total)
    for c in range(3):
        assert_array_equal(
            partials[c], conv_ref(x[None, :, :, c : c + 1], k[:, :, c : c + 1, None], "valid")[0, ..., 0]
        )
        assert_array_equal(_as_array(board, f"channel {c}", 4, 5), x[:, :, c])


def test_image_row_one_scale_per_row_and_true_relative_sizes():
    a, b = np.zeros((28, 28)), np.linspace(-5, 5, 13 * 13).reshape(13, 13)
    fig = plot_learn.image_row([a, b], ["a", "b"])
    axes = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.images[0].get_clim() for ax in axes] == [(-5.0, 5.0)] * 2
    assert_array_equal(axes[1].images[0].get_array(), b)
    widths = [ax.get_position().width for ax in axes]
    assert widths[1] / widths[0] == pytest.approx(13 / 28)
    assert len(fig.axes) == 3  # the two images and one colour bar
    fig_out = plot_learn.image_row([a + 100, b], ["input", "output"], scale="outputs")
    clims = [ax.images[0].get_clim() for ax in fig_out.axes if ax.images and ax.get_title()]
    assert clims == [(100.0, 101.0), (-5.0, 5.0)]  # the input alone (a flat image gets a unit range)
    signed = plot_learn.image_row([np.array([[-2.0, 6.0]]), np.array([[0.0, 1.0]])], ["a", "b"])
    assert {ax.images[0].get_clim() for ax in signed.axes if ax.images} == {(-6.0, 6.0)}  # zero in the middle


def test_demo_figure_true_sizes_one_scale_per_row_and_convpools_results():
    from convpool import demo
    from convpool.plot import demo as plot_demo

    runs = demo.run_tasks()
    fig = plot_demo.figure(runs)
    pictures = [ax for ax in fig.axes if ax.images]
    per_pixel = {
        round(ax.get_position().width * fig.get_figwidth() / ax.images[0].get_array().shape[1], 6) for ax in pictures
    }
    assert per_pixel == {plot_demo.INCH_PER_PIXEL}  # every picture, input or output, at the same inches per pixel
    for run in runs:
        n = run.example_index()
        row = [ax for ax in pictures if ax.get_title().startswith(run.name)]
        assert len(row) == 1 and f"(image {n})" in row[0].get_title()
        outputs = [ax for ax in pictures if ax.get_title().startswith(run.call)]
        assert len(outputs) == len(run.panels())
        for ax, expected in zip(outputs, run.panels(), strict=True):
            if expected.ndim == 2:
                assert_array_equal(ax.images[0].get_array(), expected)
                assert f"values {expected.min():.4g} to {expected.max():.4g}" in ax.get_title()
        assert len({ax.images[0].get_clim() for ax in outputs}) == 1  # one colour scale per row
    # the task 3 result (13x13, stride 2) is drawn half as wide as its 28x28 input
    widths = {ax.get_title().split("\n")[0]: ax.get_position().width for ax in pictures}
    assert widths["valid (no padding), stride (2, 2)"] / widths["3-convolve_grayscale"] == pytest.approx(13 / 28)


def test_explain_frames_say_stride_show_indices_and_hold_the_last_frame(tmp_path):
    import convpool
    from convpool import plot

    pil_image = pytest.importorskip("PIL.Image")
    x, k = np.arange(35).reshape(5, 7) % 4, np.ones((3, 2))
    geometry = convpool.conv_geometry(x.shape, k.shape, (2, 3), "same", (1, 2))
    result = conv_ref(x[None, :, :, None], k[:, :, None, None], "same", (2, 3), (1, 2))[0, :, :, 0]
    scene = plot.ExplainScene(x, k, geometry, result)
    try:
        texts = [t.get_text() for t in scene.ax.texts]
        assert f"output {result.shape[0]}x{result.shape[1]}, stride 2x3, dilation 1x2" in texts
        grey = [t for t in scene.ax.texts if t.get_fontsize() == 6 and t.get_color() == "#777777"]
        # one index per input row and column, per output row and column
        assert sorted(int(t.get_text()) for t in grey) == sorted([*range(5), *range(7), *range(3), *range(3)])
        count = plot.explain_gif(scene, tmp_path / "a.gif", fps=4)
    finally:
        scene.close()
    with pil_image.open(tmp_path / "a.gif") as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert count == 9 and durations == [250] * 8 + [1000]


def test_alt_texts_say_what_a_figure_shows_and_draw_nothing():
    # sphinx-gallery writes a figure's suptitle as the image's alt text: the figures give one in words,
    # with convpool's numbers, and it is invisible (the picture is the same with it or without it)
    x = np.arange(25).reshape(5, 5) % 7
    k = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    out = conv_ref(x[None, :, :, None].astype(float), k[:, :, None, None].astype(float), "same", 2)[0, :, :, 0]
    board = plot_learn.conv_step(x, k, (1, 2), padding="same", stride=2)
    fig = board.finish()
    alt = fig._suptitle.get_text()
    assert f"sum {plot_learn._num(out[1, 2])} " in alt and "top 1, bottom 1, left 1, right 1" in alt
    assert "3x3 output" in alt and not fig._suptitle.get_visible()
    fig.canvas.draw()
    with_alt = np.asarray(fig.canvas.buffer_rgba()).copy()
    fig._suptitle.remove()
    fig.canvas.draw()
    assert np.array_equal(with_alt, np.asarray(fig.canvas.buffer_rgba()))
    row = plot_learn.image_row([np.zeros((4, 4)), np.ones((2, 2))], ["a", "b"], alt="two squares")
    assert row._suptitle.get_text() == "two squares" and not row._suptitle.get_visible()


def test_image_row_limits_fix_the_colour_scale():
    # sum-to-1 kernels are drawn on the 0..255 scale whatever their own range (page 2's sharpen)
    fig = plot_learn.image_row([np.full((3, 3), 40.0), np.full((3, 3), 90.0)], ["a", "b"], limits=(0, 255))
    norms = {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in fig.axes if ax.images}
    assert norms == {(0.0, 255.0)}
