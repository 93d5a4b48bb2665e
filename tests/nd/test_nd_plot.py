"""The figures of signals and volumes show the numbers they were given (read back from the figure)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import convpool

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.plot


def test_signal_rows_draw_the_values_at_their_positions(rng):
    from convpool.plot import signals

    x = rng.standard_normal((1, 40, 1))
    strided = convpool.convolve(x, np.ones((5, 1, 1)), "same", stride=4)
    fig = signals.signal_rows(
        [{"signal": x[0, :, 0]}, {"stride 4": (np.arange(0, 40, 4) + 2, strided[0, :, 0])}], ["a", "b"]
    )
    first, second = fig.axes
    assert_array_equal(first.lines[0].get_ydata(), x[0, :, 0])
    assert_array_equal(first.lines[0].get_xdata(), np.arange(40))
    assert_array_equal(second.lines[0].get_ydata(), strided[0, :, 0])
    assert_array_equal(second.lines[0].get_xdata(), np.arange(0, 40, 4) + 2)


def test_volume_rows_show_the_middle_slice_of_each_axis(rng):
    from convpool.plot import signals

    volume = rng.standard_normal((5, 6, 7))
    pooled = convpool.pool(volume[None, ..., None], (2, 2, 2), 2)[0, ..., 0]
    fig = signals.volume_row([volume, pooled], ["in", "out"])
    drawn = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    for got, expected in zip(
        drawn, [volume[2], volume[:, 3], volume[:, :, 3], pooled[1], pooled[:, 1], pooled[:, :, 1]], strict=True
    ):
        assert_array_equal(got, expected)
