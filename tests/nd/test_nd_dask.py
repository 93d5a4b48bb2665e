"""Signals and volumes as dask arrays: chunks along any spatial axis give the eager result.

Uneven chunks, chunks smaller than the halo, every pad mode, strides, pooling with ceil_mode, the
backward passes and the transposed convolution; ``dask_plan`` reports the chunks in ``d`` dimensions.
"""

from __future__ import annotations

import numpy as np
import pytest

import convpool

da = pytest.importorskip("dask.array")

pytestmark = pytest.mark.dask

CHUNKINGS = [
    (1, 2, 3, 5, 2),  # uneven along every axis
    (2, 1, 1, 8, 1),  # one cell: smaller than every halo
    (2, 6, 7, 8, 2),  # one chunk
    (1, (1, 4, 1), (3, 1, 3), (2, 6), 1),
]


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize(
    ("padding", "stride", "dilation", "pad_mode"),
    [
        ("same", 1, 1, "constant"),
        ("valid", (2, 1, 3), (1, 2, 1), "constant"),
        ("full", 2, 1, "reflect"),
        (2, 1, 2, "wrap"),
    ],
)
def test_volumes_in_chunks_equal_the_eager_result(rng, chunks, padding, stride, dilation, pad_mode):
    x = rng.standard_normal((2, 6, 7, 8, 2))
    k = rng.standard_normal((3, 2, 3, 2, 3))
    options = dict(dilation=dilation, pad_mode=pad_mode)
    eager = convpool.convolve(x, k, padding, stride, **options)
    lazy = convpool.convolve(da.from_array(x, chunks=chunks), k, padding, stride, **options)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooled_volumes_in_chunks_equal_the_eager_result(rng, chunks, mode):
    x = rng.standard_normal((2, 6, 7, 8, 2))
    options = dict(padding=(1, 0, 1), ceil_mode=True, count_include_pad=True)
    eager = convpool.pool(x, (3, 2, 2), (2, 2, 3), mode, **options)
    lazy = convpool.pool(da.from_array(x, chunks=chunks), (3, 2, 2), (2, 2, 3), mode, **options)
    np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12, atol=1e-12)


def test_depthwise_volumes_keep_their_channel_chunks(rng):
    x = rng.standard_normal((1, 5, 6, 7, 4))
    k = rng.standard_normal((3, 3, 3, 1, 4))
    lazy = convpool.convolve(da.from_array(x, chunks=(1, 2, 3, 7, 1)), k, groups=4)
    assert lazy.chunks[-1] == (1, 1, 1, 1)
    np.testing.assert_allclose(lazy.compute(), convpool.convolve(x, k, groups=4), rtol=1e-12, atol=1e-12)


def test_signals_in_chunks(rng):
    x = rng.standard_normal((3, 50, 2))
    k = rng.standard_normal((7, 2, 2))
    lazy = da.from_array(x, chunks=(2, (3, 20, 27), 1))
    np.testing.assert_allclose(
        convpool.convolve(lazy, k, "same", 2, pad_mode="symmetric").compute(),
        convpool.convolve(x, k, "same", 2, pad_mode="symmetric"),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_array_equal(convpool.pool(lazy, (3,), 2).compute(), convpool.pool(x, (3,), 2))


def test_backward_passes_and_the_transpose_of_volumes(rng):
    x = rng.standard_normal((3, 4, 5, 6, 2))
    k = rng.standard_normal((2, 3, 2, 2, 3))
    lazy = da.from_array(x, chunks=(2, 2, 3, 6, 1))
    g = rng.standard_normal(convpool.convolve(x, k, "valid").shape)
    for got, expected in zip(
        convpool.convolve_backward(da.from_array(g, chunks=(2, 1, 1, 1, 3)), lazy, k, "valid"),
        convpool.convolve_backward(g, x, k, "valid"),
        strict=True,
    ):
        np.testing.assert_allclose(got.compute(), expected, rtol=1e-12, atol=1e-12)
    gp = rng.standard_normal((3, 2, 2, 3, 2))
    np.testing.assert_allclose(
        convpool.pool_backward(gp, lazy, (2, 2, 2), 2).compute(), convpool.pool_backward(gp, x, (2, 2, 2), 2)
    )
    kt = rng.standard_normal((2, 2, 2, 3, 2))
    np.testing.assert_allclose(
        convpool.convolve_transpose(lazy, kt, "valid", 2).compute(),
        convpool.convolve_transpose(x, kt, "valid", 2),
        rtol=1e-12,
        atol=1e-12,
    )


def test_dask_plan_in_three_dimensions():
    x = da.zeros((2, 8, 10, 12, 1), chunks=(1, 4, 5, 6, 1))
    plan = convpool.dask_plan(convpool.convolve, x, np.ones((3, 3, 3, 1, 2)))
    assert plan.output_chunks == ((1, 1), (4, 4), (5, 5), (6, 6), (2,))
    assert plan.overlap
    pooled = convpool.dask_plan(convpool.pool, x, (2, 2, 2), 2)
    assert pooled.output_chunks == ((1, 1), (2, 2), (3, 2), (3, 3), (1,))
