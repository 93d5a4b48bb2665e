"""Shape arithmetic: hand-computed sizes and paddings, and the public helpers."""

import pytest

from convpool import conv_geometry, conv_output_shape, conv_padding
from convpool._plan._shapes import (
    axis_geometry,
    full_padding,
    has_padding_only_window,
    output_size,
    same_padding,
    window_counts,
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((28, 3), 26),  # spec task 0
        ((28, 3, 2), 13),  # spec task 3: (28 - 3) // 2 + 1
        ((28, 3, 1, 1, 2, 2), 30),  # spec task 2, ph = 2
        ((28, 3, 1, 1, 4, 4), 34),  # spec task 2, pw = 4
        ((32, 2, 2), 16),  # spec task 6
        ((10, 3, 1, 3), 4),  # dilated extent 7: 10 - 7 + 1
        ((7, 2, 3, 1, 0, 1), 3),  # (7 + 1 - 2) // 3 + 1
        ((3, 3), 1),
        ((2, 3), 0),  # does not fit: callers raise
    ],
)
def test_output_size_by_hand(args, expected):
    assert output_size(*args) == expected


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "expected"),
    [
        (28, 3, 1, 1, (1, 1)),
        (28, 4, 1, 1, (1, 2)),  # even kernel: odd total 3, extra at the end
        (28, 3, 2, 1, (0, 1)),  # out 14: 13 * 2 + 3 - 28 = 1
        (5, 3, 2, 2, (2, 2)),  # extent 5, out 3: 2 * 2 + 5 - 5 = 4
        (7, 2, 3, 1, (0, 1)),  # out 3: 2 * 3 + 2 - 7 = 1
        (6, 1, 2, 1, (0, 0)),  # would be negative: clipped to 0
        (1, 5, 1, 1, (2, 2)),
    ],
)
def test_same_padding_by_hand(size, kernel, stride, dilation, expected):
    assert same_padding(size, kernel, stride, dilation) == expected


def test_same_gives_ceil_of_size_over_stride():
    for size in range(1, 30):
        for kernel in range(1, 8):
            for stride in range(1, 5):
                for dilation in (1, 2, 3):
                    before, after = same_padding(size, kernel, stride, dilation)
                    assert output_size(size, kernel, stride, dilation, before, after) == -(-size // stride)
                    assert 0 <= after - before <= 1


def test_full_padding_by_hand():
    assert full_padding(3) == (2, 2)
    assert full_padding(3, 2) == (4, 4)
    assert full_padding(1) == (0, 0)


def test_axis_geometry_resolves_every_form():
    assert axis_geometry("valid", 0, 9, 3).out == 7
    assert axis_geometry("full", 1, 9, 3).out == 11
    assert axis_geometry(((1, 2), (3, 4)), 1, 9, 3)[4:6] == (3, 4)


def test_axis_geometry_names_sizes_when_kernel_too_big():
    with pytest.raises(ValueError, match=r"kernel width 3 \(dilated by 2\) spans 5 cells.*4 \+ 0 \+ 0 = 4"):
        axis_geometry("valid", 1, 4, 3, 1, 2)


def test_window_counts_by_hand():
    g = axis_geometry(((1, 1), (1, 1)), 0, 5, 3, 2)
    # windows cover input cells [-1, 1], [1, 3], [3, 5]
    assert list(window_counts(g)) == [2, 3, 2]
    g = axis_geometry("valid", 0, 5, 2, 1, 2)
    assert list(window_counts(g)) == [2, 2, 2]


def test_padding_only_window_detection():
    assert has_padding_only_window(axis_geometry(((2, 0), (0, 0)), 0, 4, 2, 2))
    assert has_padding_only_window(axis_geometry(((0, 3), (0, 0)), 0, 4, 2, 2))
    assert not has_padding_only_window(axis_geometry("same", 0, 5, 2, 2))


def test_public_helpers():
    assert conv_output_shape((28, 28), (3, 3)) == (26, 26)
    assert conv_output_shape((28, 28), 3, stride=2, padding="same") == (14, 14)
    assert conv_output_shape((28, 28), (3, 3), padding=(2, 4)) == (30, 34)
    assert conv_output_shape((10, 12), (3, 3), padding="full", dilation=2) == (14, 16)
    assert conv_padding((28, 28), (4, 3)) == ((1, 2), (1, 1))
    assert conv_padding(28, 3, padding="valid") == ((0, 0), (0, 0))
    assert conv_padding((9, 9), 3, padding=((1, 2), (0, 3))) == ((1, 2), (0, 3))
    gh, gw = conv_geometry((5, 7), (3, 2), stride=(2, 1), padding="same")
    assert (gh.out, gw.out, gh.padded, gw.extent) == (3, 7, 7, 2)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_shape": (2, 2), "kernel_shape": 3}, ValueError, "more than the padded image"),
        ({"input_shape": (0, 5), "kernel_shape": 1}, ValueError, "input_shape must be >= 1"),
        ({"input_shape": (5, 5), "kernel_shape": 3, "padding": "bogus"}, ValueError, "'valid', 'same', 'full'"),
        ({"input_shape": (5, 5), "kernel_shape": 3, "stride": 0}, ValueError, "stride must be >= 1"),
        ({"input_shape": (5, 5), "kernel_shape": 2.5}, TypeError, "kernel_shape must be an int"),
    ],
)
def test_public_helpers_reject_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        conv_output_shape(**kwargs)
