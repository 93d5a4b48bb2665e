"""Figures: the explain animation's windows and arithmetic against the naive reference, frame counts, heat maps."""

import re

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from numpy.testing import assert_array_equal

import convpool

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
from convpool import plot  # noqa: E402  (after the skips: needs matplotlib)


def _scene(size, kernel_shape, stride, padding, dilation, mode):
    rng = np.random.default_rng(3)
    values = rng.integers(0, 10, size=size)
    geometry = convpool.conv_geometry(size, kernel_shape, stride, padding, dilation)
    if mode == "conv":
        kernel = rng.integers(-1, 3, size=kernel_shape)
        result = conv_ref(values[None, :, :, None], kernel[:, :, None, None], padding, stride, dilation)[0, :, :, 0]
    else:
        kernel = None
        result = pool_ref(values[None, :, :, None], kernel_shape, stride, mode, padding)[0, :, :, 0]
    return plot.ExplainScene(values, kernel, geometry, result, mode), values, kernel


CASES = [
    ((5, 5), (3, 3), (2, 2), "same", (1, 1), "conv"),
    ((6, 5), (2, 3), (1, 2), "valid", (1, 1), "conv"),
    ((7, 7), (3, 3), (1, 1), ((1, 0), (2, 1)), (2, 2), "conv"),
    ((5, 6), (2, 2), (2, 2), "same", (1, 1), "max"),
    ((4, 4), (3, 3), (1, 1), "same", (1, 1), "avg"),
]


@pytest.mark.parametrize("case", CASES)
def test_formula_of_every_step_adds_up_to_the_reference(case):
    scene, values, kernel = _scene(*case)
    try:
        gh, gw = scene.gh, scene.gw
        assert scene.steps == gh.out * gw.out
        for step in range(scene.steps):
            i, j = divmod(step, gw.out)
            lhs, expression, value = (p.strip() for p in scene.formula(step).split("="))
            assert lhs == f"out[{i}, {j}]"
            assert float(value) == pytest.approx(scene.result[i, j], rel=1e-2)  # shown to 3 digits
            if scene.mode == "conv":
                terms = [tuple(float(v.strip("()")) for v in t.split("*")) for t in expression.split(" + ")]
                assert sum(a * b for a, b in terms) == pytest.approx(scene.result[i, j])
                assert [b for _, b in terms] == kernel.ravel().tolist()
            else:
                numbers = [float(v) for v in re.findall(r"-?\d+", expression)]
                reduce = {"max": max, "avg": lambda v: sum(v) / len(v)}[scene.mode]
                assert reduce(numbers) == pytest.approx(scene.result[i, j])
    finally:
        scene.close()


def test_taps_follow_stride_and_dilation():
    scene, _, _ = _scene((7, 7), (2, 2), (2, 1), ((1, 0), (2, 1)), (2, 3), "conv")
    try:
        # width: (7 + 2 + 1 - (2 - 1) * 3 - 1) // 1 + 1 = 7 outputs, so step 8 is output (1, 1):
        # padded rows 1*2 + {0, 2}, columns 1*1 + {0, 3}
        assert scene.gw.out == 7
        assert scene.taps(8) == [(2, 1), (2, 4), (4, 1), (4, 4)]
    finally:
        scene.close()


@pytest.mark.parametrize("case", CASES[:2] + CASES[3:4])
def test_gif_has_one_frame_per_output_cell_and_every_frame_differs(tmp_path, case):
    scene, _, _ = _scene(*case)
    try:
        count = plot.explain_gif(scene, tmp_path / "a.gif")
    finally:
        scene.close()
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == count == scene.gh.out * scene.gw.out
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.array(gif.convert("RGB")))
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:], strict=False))


def test_kernel_heatmap_writes_its_numbers(tmp_path):
    kernel = np.array([[1.0, -2.5], [0.125, 3.0]])
    ax = plot.kernel_heatmap(kernel, path=tmp_path / "k.png", title="k")
    assert [t.get_text() for t in ax.texts] == ["1", "-2.5", "0.12", "3"]
    assert (tmp_path / "k.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"2-D \(kh, kw\)"):
        plot.kernel_heatmap(np.ones((2, 2, 3)))


def test_before_after_draws_both_rows(tmp_path):
    before = np.zeros((3, 8, 8), np.uint8)
    after = np.full((3, 6, 6, 1), 255.0)
    plot.before_after(before, after, tmp_path / "ba.png", titles=("in", "out"))
    with Image.open(tmp_path / "ba.png") as im:
        width, height = im.size
    assert width > height  # three columns, two rows
    assert_array_equal(before, 0)  # inputs untouched
