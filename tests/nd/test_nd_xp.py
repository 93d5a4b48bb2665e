"""Signals and volumes through the array-API door: PyTorch (host views, its native conv1d/conv3d and
poolings, the array-API core) and ``array_api_strict`` (its CPU device and an off-host one) give the
NumPy backend's results, on the caller's library and device."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import convpool

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.xp

PATHS = [("torch", "auto"), ("torch", "native"), ("torch", "core"), ("strict", "auto"), ("strict-device1", "auto")]


def _library(name: str):
    """``(to_library, to_numpy)`` for a library name of :data:`PATHS`."""
    if name == "torch":
        return (lambda a: torch.from_numpy(np.ascontiguousarray(a).copy())), (lambda t: t.numpy())
    strict = pytest.importorskip("array_api_strict")
    device = strict.Device("device1" if name == "strict-device1" else "CPU_DEVICE")
    cpu = strict.Device("CPU_DEVICE")
    return (lambda a: strict.asarray(a, device=device)), (
        lambda t: np.asarray(strict.asarray(t, device=cpu, copy=True))
    )


def run(path: str, func, *args, **kwargs):
    from convpool._backends import xp as xp_backend

    if path == "auto":
        return func(*args, **kwargs)
    with xp_backend.forced(path):
        return func(*args, **kwargs)


@pytest.fixture(params=PATHS, ids=["-".join(p) for p in PATHS])
def door(request):
    name, path = request.param
    to_lib, to_np = _library(name)
    return to_lib, to_np, path


CONV_CASES = [
    ((2, 9, 2), (3,), {"padding": "same", "stride": 2}),
    ((2, 11, 2), (4,), {"padding": ((2, 1),), "dilation": 2, "pad_mode": "reflect"}),
    ((2, 5, 6, 4, 2), (3, 2, 3), {"padding": "same", "stride": (2, 1, 1)}),
    ((1, 5, 4, 6, 2), (2, 3, 2), {"padding": ((1, 0), (0, 2), (1, 1)), "dilation": (1, 1, 2), "pad_mode": "wrap"}),
    ((1, 4, 5, 4, 2), (3, 3, 3), {"padding": 1, "pad_mode": "constant", "pad_value": 1.5}),
]


@pytest.mark.parametrize(("shape", "taps", "options"), CONV_CASES)
def test_convolve_and_its_gradients(door, rng, shape, taps, options):
    to_lib, to_np, path = door
    x = rng.standard_normal(shape)
    k = rng.standard_normal((*taps, shape[-1], 3))
    expected = convpool.convolve(x, k, **options)
    got = run(path, convpool.convolve, to_lib(x), to_lib(k), **options)
    assert_allclose(to_np(got), expected, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(expected.shape)
    grads = run(path, convpool.convolve_backward, to_lib(g), to_lib(x), to_lib(k), **options)
    for part, want in zip(grads, convpool.convolve_backward(g, x, k, **options), strict=True):
        assert_allclose(to_np(part), want, rtol=1e-12, atol=1e-12)


def test_grouped_volumes(door, rng):
    to_lib, to_np, path = door
    x = rng.standard_normal((2, 4, 5, 3, 4))
    k = rng.standard_normal((2, 2, 2, 2, 6))
    got = run(path, convpool.convolve, to_lib(x), to_lib(k), "same", groups=2)
    assert_allclose(to_np(got), convpool.convolve(x, k, "same", groups=2), rtol=1e-12, atol=1e-12)


POOL_CASES = [
    ((2, 9, 2), (3,), 2, {"padding": 1, "ceil_mode": True}),
    ((2, 6, 5, 7, 2), (2, 2, 2), 2, {}),
    ((1, 7, 6, 5, 2), (3, 2, 2), (2, 2, 1), {"padding": (1, 0, 1), "ceil_mode": True, "count_include_pad": True}),
]


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
@pytest.mark.parametrize(("shape", "window", "stride", "options"), POOL_CASES)
def test_pool_and_its_gradient(door, rng, mode, shape, window, stride, options):
    to_lib, to_np, path = door
    x = rng.standard_normal(shape)
    expected = convpool.pool(x, window, stride, mode, **options)
    got = run(path, convpool.pool, to_lib(x), window, stride, mode, **options)
    assert_allclose(to_np(got), expected, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(expected.shape)
    grad = run(path, convpool.pool_backward, to_lib(g), to_lib(x), window, stride, mode, **options)
    assert_allclose(to_np(grad), convpool.pool_backward(g, x, window, stride, mode, **options), atol=1e-12)


def test_integer_volumes_keep_max_exact(door, rng):
    to_lib, to_np, path = door
    x = rng.integers(0, 100, (1, 4, 4, 4, 1)).astype(np.int32)
    got = run(path, convpool.pool, to_lib(x), (2, 2, 2), 2)
    assert_array_equal(to_np(got), convpool.pool(x, (2, 2, 2), 2))


def test_native_volumes_use_conv3d_with_tf32_off(rng, monkeypatch):
    """The native path calls PyTorch's own conv3d (here on the CPU, as it would on CUDA)."""
    from convpool._backends import xp as xp_backend

    calls = []
    original = torch.nn.functional.conv3d
    monkeypatch.setattr(torch.nn.functional, "conv3d", lambda *a, **k: calls.append(1) or original(*a, **k))
    x = rng.standard_normal((1, 4, 5, 6, 2)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 2, 2)).astype(np.float32)
    with xp_backend.forced("native"):
        got = convpool.convolve(torch.from_numpy(x), torch.from_numpy(k))
    assert calls
    assert_allclose(got.numpy(), convpool.convolve(x, k), rtol=2e-5, atol=2e-5)
