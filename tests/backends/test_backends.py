"""Every public array function through every installed backend gives the NumPy result.

The ``backend`` fixture turns NumPy inputs into each backend's arrays (NumPy
itself, Dask chunked in batch and space, ``array_api_strict`` on its CPU and
its second device, PyTorch CPU tensors); the oracle is the NumPy call, which
the other test modules check against the loop reference, SciPy and PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import convpool

pytestmark = pytest.mark.xp


@dataclass
class Backend:
    name: str
    wrap: object  # NumPy array -> this backend's array
    unwrap: object  # this backend's array -> NumPy array

    def back(self, result):
        if isinstance(result, tuple):
            return tuple(None if part is None else self.back(part) for part in result)
        return self.unwrap(result)


def _dask() -> Backend:
    da = pytest.importorskip("dask.array")
    return Backend("dask", lambda a: da.from_array(a, chunks=(2, 5, 4) + a.shape[3:]), lambda r: r.compute())


def _strict(device_name: str) -> Backend:
    strict = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    device = strict.Device(device_name)
    cpu = strict.Device("CPU_DEVICE")

    def unwrap(result):
        assert result.device == device, (result.device, device)
        return np.asarray(strict.asarray(result, device=cpu))

    return Backend(f"strict-{device_name}", lambda a: strict.asarray(a, device=device), unwrap)


def _torch() -> Backend:
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")

    def unwrap(result):
        assert isinstance(result, torch.Tensor)
        return result.numpy()

    return Backend("torch", torch.from_numpy, unwrap)


MAKERS = {
    "numpy": lambda: Backend("numpy", lambda a: a, lambda r: r),
    "dask": _dask,
    "strict-cpu": lambda: _strict("CPU_DEVICE"),
    "strict-device1": lambda: _strict("device1"),
    "torch": _torch,
}


@pytest.fixture(params=list(MAKERS))
def backend(request) -> Backend:
    return MAKERS[request.param]()


RNG = np.random.default_rng(2026)
X = RNG.standard_normal((4, 9, 8, 3))
GRAY = X[..., 0].copy()
K = RNG.standard_normal((3, 2, 3, 4))
K1 = RNG.standard_normal((3, 3))
KC = RNG.standard_normal((3, 3, 3))
DEPTHWISE = RNG.standard_normal((3, 3, 1, 6))

#: (name, function, batch arguments (wrapped), other arguments, keyword arguments); off the host the transposed
#: convolution is refused (tests/api/test_transpose.py), so it runs on the host backends only.
CALLS = [
    ("convolve", convpool.convolve, (X,), (K, "same", 2), {"pad_mode": "reflect"}),
    ("convolve groups", convpool.convolve, (X,), (DEPTHWISE, "valid"), {"groups": 3}),
    ("convolve_channels", convpool.convolve_channels, (X,), (KC, "full"), {"dilation": (2, 1)}),
    ("convolve_grayscale", convpool.convolve_grayscale, (GRAY,), (K1, (1, 2), (1, 2)), {}),
    ("convolve_grayscale_valid", convpool.convolve_grayscale_valid, (GRAY,), (K1,), {}),
    ("convolve_grayscale_same", convpool.convolve_grayscale_same, (GRAY,), (K1[:2],), {}),
    ("convolve_grayscale_padding", convpool.convolve_grayscale_padding, (GRAY,), (K1, (2, 4)), {}),
    ("pool max", convpool.pool, (X,), (3, 2, "max"), {"padding": "same"}),
    ("pool avg ceil", convpool.pool, (X,), (2, 2, "avg"), {"ceil_mode": True, "count_include_pad": True, "padding": 1}),
    ("kernels.apply", convpool.kernels.apply, (X,), (K1,), {"pad_mode": "edge"}),
]


@pytest.mark.parametrize(("name", "func", "batches", "args", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_forward_calls(backend, name, func, batches, args, kwargs):
    want = func(*batches, *args, **kwargs)
    got = backend.back(func(*(backend.wrap(b) for b in batches), *args, **kwargs))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_backward_calls(backend):
    out = convpool.convolve(X, K, "same", 2)
    g = RNG.standard_normal(out.shape)
    for wrt in ("both", "images", "kernels"):
        want = convpool.convolve_backward(g, X, K, "same", 2, wrt=wrt)
        got = backend.back(convpool.convolve_backward(backend.wrap(g), backend.wrap(X), K, "same", 2, wrt=wrt))
        for a, b in zip(got, want, strict=True):
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    pooled = convpool.pool(X, 2, 2, "max", padding="same")
    g = RNG.standard_normal(pooled.shape)
    want = convpool.pool_backward(g, X, 2, 2, "max", padding="same")
    got = backend.back(convpool.pool_backward(backend.wrap(g), backend.wrap(X), 2, 2, "max", padding="same"))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_transposed_convolution_on_the_host_backends(backend):
    if backend.name == "strict-device1":
        pytest.skip("off the host the transposed convolution is refused (tests/api/test_transpose.py)")
    y = convpool.convolve(X, K, "same", 2)
    want = convpool.convolve_transpose(y, K, "same", 2, output_shape=(9, 8))
    got = backend.back(convpool.convolve_transpose(backend.wrap(y), K, "same", 2, output_shape=(9, 8)))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    g = RNG.standard_normal(want.shape)
    want_pair = convpool.convolve_transpose_backward(g, y, K, "same", 2, output_shape=(9, 8))
    got_pair = backend.back(
        convpool.convolve_transpose_backward(backend.wrap(g), backend.wrap(y), K, "same", 2, output_shape=(9, 8))
    )
    for a, b in zip(got_pair, want_pair, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda b: convpool.convolve(b.wrap(X), K[:, :, :2]), "kernels has 2 channels"),
        (lambda b: convpool.pool(b.wrap(X), 2, 0), "stride must be >= 1"),
        (lambda b: convpool.convolve_grayscale(b.wrap(X), K1), r"images must be a 3-D array"),
        (lambda b: convpool.convolve_backward(b.wrap(X[:, :4]), b.wrap(X), K), "grad_output must have"),
    ],
)
def test_errors_are_the_numpy_ones_on_every_backend(backend, call, pattern):
    numpy = MAKERS["numpy"]()
    with pytest.raises((TypeError, ValueError), match=pattern) as eager:
        call(numpy)
    with pytest.raises(eager.type) as other:
        call(backend)
    assert str(other.value) == str(eager.value)


def test_dask_keeps_channel_chunks_where_each_output_reads_one_channel():
    """Depthwise kernels and ``kernels.apply``: each channel chunk is its own task, with its own kernels."""
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(X, chunks=(2, 5, 4, (1, 2)))
    kernels = RNG.standard_normal((3, 3, 1, 3))  # one kernel per channel
    got = convpool.convolve(lazy, kernels, "same", groups=3)
    assert got.chunks[3] == (1, 2)  # the channel chunks are kept, not joined
    np.testing.assert_allclose(got.compute(), convpool.convolve(X, kernels, "same", groups=3), rtol=1e-12, atol=1e-12)
    applied = convpool.kernels.apply(lazy, K1, pad_mode="wrap")
    assert applied.chunks[3] == (1, 2)
    np.testing.assert_allclose(applied.compute(), convpool.kernels.apply(X, K1, pad_mode="wrap"), rtol=1e-12)
