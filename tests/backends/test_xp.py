"""Arrays of other libraries: the same results, library and device as NumPy's engine gives for NumPy.

The ``xp`` fixture runs each test over NumPy, ``array_api_strict`` (on its CPU
device and on its second, pretend device ``device1``, which takes the
off-host path as a GPU would), PyTorch CPU and JAX CPU, each skipped where
the library is missing. The ``path`` fixture forces each of convpool's three
ways to compute (``auto`` is what a user gets: the NumPy engine on zero-copy
views for host memory). The oracle is the NumPy engine on the same values
(itself tested against ``_reference.py`` and PyTorch elsewhere): exact for
max/min and integers, to rounding otherwise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import convpool
from convpool._api import conv as _api_conv
from convpool._api import grad as _api_grad
from convpool._api import pool as _api_pool
from convpool._api import transpose as _api_transpose
from convpool._backends import xp as _xp

pytest.importorskip("array_api_compat")


@dataclass
class Lib:
    name: str
    module: object
    device: object = None

    def asarray(self, value):
        value = np.ascontiguousarray(value)
        if self.name == "numpy":
            return value
        if self.name == "torch":
            return self.module.from_numpy(value.copy())
        if self.name == "jax":
            return self.module.numpy.asarray(value)
        return self.module.asarray(value, device=self.device)

    def numpy(self, value):
        if self.name == "torch":
            return value.numpy()
        if self.name == "array_api_strict":
            return np.asarray(self.module.asarray(value, device=self.module.Device("CPU_DEVICE"), copy=True))
        return np.asarray(value)

    def check_home(self, out, like) -> None:
        """``out`` is an array of this library on ``like``'s device."""
        import array_api_compat

        if self.name == "numpy":
            assert isinstance(out, np.ndarray)
            return
        assert array_api_compat.array_namespace(out) is array_api_compat.array_namespace(like)
        assert array_api_compat.device(out) == array_api_compat.device(like)


def _lib(name: str) -> Lib:
    if name == "numpy":
        return Lib("numpy", np)
    if name.startswith("strict"):
        strict = pytest.importorskip("array_api_strict")
        device = strict.Device("device1" if name == "strict-device1" else "CPU_DEVICE")
        return Lib("array_api_strict", strict, device)
    return Lib(name, pytest.importorskip(name))


# (library, path) pairs. 'auto' is what users get: the NumPy engine on zero-copy
# views for host memory; on array_api_strict's second device it is the off-host
# path (the core: strict has no native kernels, so 'native' would repeat 'core').
# JAX compiles every case of these grids: its core and native paths are tested
# compiled, under jit, on a smaller grid (test_jax_*).
PAIRS = [
    ("numpy", "core"),
    ("array_api_strict", "auto"),
    ("array_api_strict", "core"),
    ("strict-device1", "auto"),
    ("torch", "auto"),
    ("torch", "core"),
    ("torch", "native"),
    ("jax", "auto"),
]


@pytest.fixture(params=PAIRS, ids=["-".join(p) for p in PAIRS])
def xp_path(request) -> tuple[Lib, str]:
    name, path = request.param
    return _lib(name), path


@pytest.fixture(params=["array_api_strict", "strict-device1", "torch", "jax"])
def xp(request) -> Lib:
    return _lib(request.param)


def apply(func, path: str, *args, **kwargs):
    """``func(*args, **kwargs)`` through ``path``; NumPy arrays reach the core by calling the adapter directly."""
    if path == "auto":
        return func(*args, **kwargs)
    with _xp.forced(path), pytest.MonkeyPatch.context() as patch:
        if all(isinstance(a, np.ndarray) for a in args[:2]):
            for module in (_api_conv, _api_grad, _api_pool, _api_transpose, convpool._filtering):
                patch.setattr(module, "backend_for", lambda *batches: _xp)  # NumPy arrays into this backend
        return func(*args, **kwargs)


def assert_same(xp: Lib, out, expected, like, exact: bool) -> None:
    """Same library, device, dtype and values (bitwise when ``exact``) as the NumPy engine's ``expected``."""
    xp.check_home(out, like)
    got = xp.numpy(out)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    if exact:
        assert_array_equal(got, expected)
    else:
        tol = 2e-5 if expected.dtype == np.float32 else 1e-12
        assert_allclose(got, expected, rtol=tol, atol=tol * max(1.0, float(np.abs(expected).max(initial=0))))


# A compact grid: every padding form, stride, dilation and pad mode at least once, mixed.
CONV_CASES = [
    {"padding": "valid"},
    {"padding": "same", "stride": 2},
    {"padding": "full", "dilation": (2, 1), "pad_mode": "reflect"},
    {"padding": ((0, 2), (1, 0)), "stride": (1, 2), "pad_mode": "edge"},
    {"padding": (2, 1), "dilation": 2, "pad_mode": "symmetric"},
    {"padding": "same", "stride": (2, 3), "pad_mode": "wrap"},
    {"padding": 1, "pad_mode": "constant", "pad_value": 1.5},
]


def _images(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(0, 200, shape).astype(dtype)


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_convolve_matches_engine(xp_path, case, rng):
    xp, path = xp_path
    dtypes = [(np.float32, np.float32), (np.float64, np.float32)]
    if xp.name != "jax":  # JAX without x64 refuses integer sums (test_jax_without_x64_refuses_integer_sums)
        dtypes.append((np.uint8, np.int64))
    for images_dtype, kernels_dtype in dtypes:
        x = _images(rng, (2, 7, 8, 3), images_dtype)
        k = _images(rng, (3, 2, 3, 4), kernels_dtype) - (0 if kernels_dtype == np.float32 else 100)
        if xp.name == "jax" and images_dtype == np.float64:
            x = x.astype(np.float32)
        expected = convpool.convolve(x, k, **case)
        images, kernels = xp.asarray(x), xp.asarray(k)
        out = apply(convpool.convolve, path, images, kernels, **case)
        assert_same(xp, out, expected, images, exact=expected.dtype == np.float64 and x.dtype.kind == "u")
        assert_array_equal(xp.numpy(images), x)  # inputs never modified


def test_channel_grayscale_and_fixed_padding_forms(xp_path, rng):
    xp, path = xp_path
    x = rng.standard_normal((3, 9, 8, 2)).astype(np.float32)
    k = rng.standard_normal((3, 4, 2)).astype(np.float32)
    images, kernel = xp.asarray(x), xp.asarray(k)
    out = apply(convpool.convolve_channels, path, images, kernel, padding="same", stride=(2, 1), dilation=(1, 2))
    assert_same(xp, out, convpool.convolve_channels(x, k, "same", (2, 1), dilation=(1, 2)), images, exact=False)
    gray, k2 = xp.asarray(x[..., 0]), xp.asarray(k[..., 0])
    cases = [
        (convpool.convolve_grayscale, {"padding": ((1, 0), (2, 3)), "stride": 2, "pad_mode": "symmetric"}),
        (convpool.convolve_grayscale_valid, {}),
        (convpool.convolve_grayscale_same, {}),
        (convpool.convolve_grayscale_padding, {"padding": (2, 4)}),
    ]
    for func, kwargs in cases:
        if xp.name == "numpy" and not hasattr(func, "__wrapped__"):
            continue  # undecorated: they call convolve_grayscale, which the adapter sees for other libraries
        out = apply(func, path, gray, k2, **kwargs)
        assert_same(xp, out, func(x[..., 0], k[..., 0], **kwargs), gray, exact=False)


POOL_CASES = [
    ((2, 2), (2, 2), "valid", False),
    (3, 2, "same", False),
    ((3, 2), (1, 2), ((1, 1), (0, 1)), False),
    ((3, 3), 2, 1, True),
]


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_pool_matches_engine(xp_path, mode, rng):
    xp, path = xp_path
    dtypes = [np.float32, np.int32, np.uint8]
    if xp.name == "jax" and mode in ("avg", "sum"):
        dtypes = [np.float32]  # integer sums need float64 (JAX without x64 refuses them)
    for window, stride, padding, include in POOL_CASES:
        for dtype in dtypes:
            # few distinct values: many ties, and windows whose only real cells hold the extreme value
            x = rng.integers(-3 if dtype != np.uint8 else 0, 4, (2, 7, 6, 3)).astype(dtype)
            if dtype == np.float32:
                x[0, 0, 0, 0] = np.nan
                x[1, 1, :, 1] = -np.inf
            expected = convpool.pool(x, window, stride, mode, padding=padding, count_include_pad=include)
            images = xp.asarray(x)
            out = apply(convpool.pool, path, images, window, stride, mode, padding=padding, count_include_pad=include)
            exact = mode in ("max", "min") or (mode == "sum" and dtype != np.float32)
            assert_same(xp, out, expected, images, exact=exact)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_dilated_and_ceil_mode_pool_and_backward_match_engine(xp_path, mode, rng):
    """Dilation takes the core (the native kernels have none); ceil mode is more padding in the geometry."""
    xp, path = xp_path
    x = rng.standard_normal((2, 9, 8, 2)).astype(np.float32)
    for window, stride, padding, dilation in [(3, 2, ((1, 0), (0, 1)), 2), (2, 2, "valid", 1), ((2, 3), 3, 1, (2, 1))]:
        kwargs = dict(padding=padding, count_include_pad=True, dilation=dilation, ceil_mode=True)
        expected = convpool.pool(x, window, stride, mode, **kwargs)
        images = xp.asarray(x)
        assert_same(xp, apply(convpool.pool, path, images, window, stride, mode, **kwargs), expected, images, False)
        g = rng.standard_normal(expected.shape).astype(np.float32)
        want = convpool.pool_backward(g, x, window, stride, mode, **kwargs)
        out = apply(convpool.pool_backward, path, xp.asarray(g), images, window, stride, mode, **kwargs)
        assert_same(xp, out, want, images, exact=False)


def test_bool_max_and_min_pooling(xp_path, rng):
    xp, path = xp_path
    x = rng.random((2, 5, 5, 2)) > 0.7
    images = xp.asarray(x)
    for mode in ("max", "min"):
        out = apply(convpool.pool, path, images, 2, 1, mode, padding="same")
        assert_same(xp, out, convpool.pool(x, 2, 1, mode, padding="same"), images, exact=True)


def test_results_never_share_memory_with_inputs(xp_path, rng):
    xp, path = xp_path
    if xp.name == "jax":
        pytest.skip("JAX arrays are immutable")
    x = rng.standard_normal((2, 4, 4, 2)).astype(np.float32)
    images = xp.asarray(x)

    def memory(a):
        return a.numpy() if xp.name == "torch" else np.from_dlpack(a)

    for out in (
        apply(convpool.pool, path, images, 1, 1, "max"),  # one tap: the core's result is a slice of the input
        apply(convpool.pool, path, images, 1, 1, "sum"),
        apply(convpool.convolve, path, images, np.ones((1, 1, 2, 2), np.float32), padding="valid"),
    ):
        assert not np.shares_memory(memory(out), memory(images))


BACKWARD_CASES = [
    {"padding": "valid"},
    {"padding": "same", "stride": 2, "pad_mode": "reflect"},
    {"padding": ((2, 0), (1, 2)), "stride": (1, 2), "dilation": (2, 1), "pad_mode": "edge"},
    {"padding": "full", "pad_mode": "wrap"},
    {"padding": (1, 3), "stride": 3, "pad_mode": "symmetric"},
    {"padding": 1, "pad_value": 2.0},
]


@pytest.mark.parametrize("case", BACKWARD_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_convolve_backward_matches_engine(xp_path, case, rng):
    xp, path = xp_path
    x = rng.standard_normal((2, 6, 7, 2)).astype(np.float32)
    k = rng.standard_normal((3, 2, 2, 3)).astype(np.float32)
    g = rng.standard_normal(convpool.convolve(x, k, **case).shape).astype(np.float32)
    expected = convpool.convolve_backward(g, x, k, **case)
    images = xp.asarray(x)
    grads = apply(convpool.convolve_backward, path, xp.asarray(g), images, xp.asarray(k), **case)
    assert isinstance(grads, tuple) and len(grads) == 2
    for got, want in zip(grads, expected, strict=True):
        assert_same(xp, got, want, images, exact=False)


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_pool_backward_matches_engine(xp_path, mode, rng):
    xp, path = xp_path
    for window, stride, padding, include in POOL_CASES:
        x = rng.integers(-2, 3, (2, 7, 6, 2)).astype(np.float32)  # ties: the first winner takes the gradient
        x[1, :3, :, 0] = -np.inf if mode == "max" else np.inf  # windows whose real cells tie with the padding
        g = rng.standard_normal(convpool.pool(x, window, stride, mode, padding=padding).shape).astype(np.float32)
        kwargs = {"padding": padding, "count_include_pad": include}
        expected = convpool.pool_backward(g, x, window, stride, mode, **kwargs)
        images = xp.asarray(x)
        out = apply(convpool.pool_backward, path, xp.asarray(g), images, window, stride, mode, **kwargs)
        assert_same(xp, out, expected, images, exact=False)  # overlapping windows add in another order


jax = None


def _jax():
    return pytest.importorskip("jax")


@pytest.mark.parametrize("case", CONV_CASES[1:5], ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_jax_under_jit_convolve_and_backward(case, rng):
    """Tracers take the native convolution and the core's functional backward pass."""
    jax = _jax()
    x = rng.standard_normal((2, 8, 7, 3)).astype(np.float32)
    k = rng.standard_normal((3, 2, 3, 2)).astype(np.float32)
    conv = jax.jit(lambda a, b: convpool.convolve(a, b, **case))
    out = conv(jax.numpy.asarray(x), k)  # a NumPy kernel becomes a constant of the traced program
    assert isinstance(out, jax.Array)
    assert_allclose(np.asarray(out), convpool.convolve(x, k, **case), rtol=2e-5, atol=2e-5)
    g = rng.standard_normal(out.shape).astype(np.float32)
    back = jax.jit(lambda g, a, b: convpool.convolve_backward(g, a, b, **case))
    for got, want in zip(back(g, x, k), convpool.convolve_backward(g, x, k, **case), strict=True):
        assert_allclose(np.asarray(got), want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_jax_under_jit_pool_and_backward(mode, rng):
    jax = _jax()
    x = rng.integers(-2, 3, (2, 7, 6, 2)).astype(np.float32)  # ties
    x[1, :3, :, 0] = -np.inf if mode == "max" else np.inf
    for window, stride, padding, include in POOL_CASES[1:3]:
        _check_jit_pool(jax, x, window, stride, mode, {"padding": padding, "count_include_pad": include}, rng)


def _check_jit_pool(jax, x, window, stride, mode, kwargs, rng) -> None:
    want = convpool.pool(x, window, stride, mode, **kwargs)
    got = jax.jit(lambda a: convpool.pool(a, window, stride, mode, **kwargs))(x)
    tol = 0 if mode in ("max", "min") else 1e-6
    assert_allclose(np.asarray(got), want, rtol=tol, atol=tol)
    g = rng.standard_normal(want.shape).astype(np.float32)
    back = jax.jit(lambda g, a: convpool.pool_backward(g, a, window, stride, mode, **kwargs))
    assert_allclose(np.asarray(back(g, x)), convpool.pool_backward(g, x, window, stride, mode, **kwargs), 1e-6, 1e-6)


@pytest.mark.parametrize("path", ["core", "native"])
def test_jax_arrays_off_host_paths(path, rng):
    """Concrete JAX arrays forced off the host path: the call is compiled once and reused."""
    jax = _jax()
    x = jax.numpy.asarray(rng.standard_normal((2, 6, 6, 2)).astype(np.float32))
    k = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    case = {"padding": ((2, 0), (1, 1)), "stride": (1, 2), "pad_mode": "symmetric"}
    with _xp.forced(path):
        first = convpool.convolve(x, k, **case)
        again = convpool.convolve(x * 2, k, **case)
    assert first.devices() == x.devices()
    assert_allclose(np.asarray(first), convpool.convolve(np.asarray(x), k, **case), rtol=2e-5, atol=2e-5)
    assert_allclose(np.asarray(again), 2 * np.asarray(first), rtol=2e-5, atol=2e-5)


def test_jax_without_x64_refuses_integer_sums():
    jax = _jax()
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    images = jax.numpy.ones((1, 4, 4, 1), dtype=jax.numpy.int32)
    with pytest.raises(TypeError, match="needs dtype float64.*jax_enable_x64"):
        convpool.convolve(images, np.ones((2, 2, 1, 1), dtype=np.int32))
    with pytest.raises(TypeError, match="needs dtype float64"):
        convpool.pool(images, 2, 2, "sum")
    assert convpool.pool(images, 2, 2, "max").dtype == jax.numpy.int32  # max keeps the dtype: allowed


def test_jax_with_x64_sums_integers_in_float64(rng):
    jax = _jax()
    x = rng.integers(0, 256, (2, 5, 5, 1)).astype(np.int32)
    k = rng.integers(-3, 4, (2, 2, 1, 1)).astype(np.int32)
    with jax.enable_x64(True):
        out = convpool.convolve(jax.numpy.asarray(x), jax.numpy.asarray(k), padding="valid")
        traced = jax.jit(lambda a: convpool.convolve(a, k, padding="valid"))(jax.numpy.asarray(x))
    assert out.dtype == np.float64 and traced.dtype == np.float64
    assert_array_equal(np.asarray(out), convpool.convolve(x, k, padding="valid"))
    assert_array_equal(np.asarray(traced), convpool.convolve(x, k, padding="valid"))


# Each bad call as a function of (images, kernels) in the library under test: the message must be NumPy's.
BAD_CONV_CALLS = [
    ("3-D images", lambda x, k: convpool.convolve(x[..., 0], k)),
    ("channels", lambda x, k: convpool.convolve(x, k[:, :, :1, :])),
    ("stride", lambda x, k: convpool.convolve(x, k, stride=0)),
    ("padding word", lambda x, k: convpool.convolve(x, k, padding="half")),
    ("kernel too big", lambda x, k: convpool.convolve(x, k, padding="valid", dilation=5)),
    ("pad mode", lambda x, k: convpool.convolve(x, k, pad_mode="mirror")),
    ("method", lambda x, k: convpool.convolve(x, k, method="winograd")),
    ("pool mode", lambda x, k: convpool.pool(x, 2, 2, "mean")),
    ("pool padding", lambda x, k: convpool.pool(x, 2, 1, padding=3)),
    ("grayscale kernel", lambda x, k: convpool.convolve_grayscale(x[..., 0], k)),
    ("grad shape", lambda x, k: convpool.convolve_backward(x[:, 1:, ...], x, k)),
    ("grad batch", lambda x, k: convpool.pool_backward(x[:1, ...], x, 1, 1)),
]


@pytest.mark.parametrize("path", ["host", "core"])
@pytest.mark.parametrize(("what", "bad"), BAD_CONV_CALLS, ids=[c[0] for c in BAD_CONV_CALLS])
def test_validation_errors_are_numpys(xp, path, what, bad, rng):
    """The host path checks the NumPy views themselves, the others empty-batch stand-ins: same messages."""
    x = rng.standard_normal((3, 6, 6, 2)).astype(np.float32)
    k = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
    with pytest.raises((TypeError, ValueError)) as expected:
        bad(x, k)
    with _xp.forced(path), pytest.raises(expected.type) as got:
        bad(xp.asarray(x), xp.asarray(k))
    assert str(got.value) == str(expected.value)


def test_mixed_libraries_and_devices(rng):
    torch = pytest.importorskip("torch")
    strict = pytest.importorskip("array_api_strict")
    x = rng.standard_normal((2, 5, 5, 1)).astype(np.float32)
    k = np.ones((2, 2, 1, 1), dtype=np.float32)
    # NumPy and list kernels join the images' library (documented rule); the result dtype is NumPy's
    for kernels, dtype in ((k, torch.float32), (k.tolist(), torch.float64)):  # a list is float64, as in NumPy
        out = convpool.convolve(torch.from_numpy(x), kernels, padding="valid")
        assert isinstance(out, torch.Tensor) and out.dtype == dtype
        assert_allclose(out.numpy(), convpool.convolve(x, k, padding="valid"), rtol=1e-6)
    device1 = strict.Device("device1")
    on_device1 = strict.asarray(x, device=device1)
    out = convpool.convolve(on_device1, k, padding="valid")  # explicit rule: NumPy kernels go to device1
    assert out.device == device1
    with pytest.raises(ValueError, match="kernels is on device .*CPU_DEVICE.* but images is on device .*device1"):
        convpool.convolve(on_device1, strict.asarray(k))
    with pytest.raises(TypeError, match="kernels is a array_api_strict array but images is a torch array"):
        convpool.convolve(torch.from_numpy(x), strict.asarray(k))
    with pytest.raises(TypeError, match=r"requires_grad=True.*images\.detach\(\)"):
        convpool.convolve(torch.from_numpy(x).requires_grad_(), k)
    with pytest.raises(TypeError, match="grad_output is a torch tensor with requires_grad"):
        convpool.pool_backward(torch.ones(2, 2, 2, 1, requires_grad=True), torch.from_numpy(x), 2, 2)
    with pytest.raises(TypeError, match="images must hold real numbers .* got dtype torch.bfloat16"):
        convpool.convolve(torch.from_numpy(x).to(torch.bfloat16), k)
    if "no_float64" in str(strict.__array_namespace_info__().devices()):  # a pretend device without float64
        no_float64 = strict.asarray(x.astype(np.int32), device=strict.Device("no_float64"))
        with pytest.raises(TypeError, match="needs dtype float64"):
            convpool.convolve(no_float64, k.astype(int))


def test_native_switches_reduced_precision_off_and_restores_it(rng):
    torch = pytest.importorskip("torch")
    saved = (torch.backends.cudnn.allow_tf32, torch.get_float32_matmul_precision())
    seen = []
    real_conv2d = torch.nn.functional.conv2d

    def spy(*args, **kwargs):
        seen.append((torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32))
        seen.append(torch.get_float32_matmul_precision())
        return real_conv2d(*args, **kwargs)

    torch.backends.cudnn.allow_tf32 = True
    torch.set_float32_matmul_precision("medium")
    try:
        x = torch.from_numpy(rng.standard_normal((1, 5, 5, 2)).astype(np.float32))
        with _xp.forced("native"), pytest.MonkeyPatch.context() as patch:
            patch.setattr(torch.nn.functional, "conv2d", spy)
            convpool.convolve(x, np.ones((3, 3, 2, 1), np.float32))
        assert seen == [(False, False), "highest"]
        assert torch.backends.cudnn.allow_tf32 is True
        assert torch.get_float32_matmul_precision() == "medium"
    finally:
        torch.backends.cudnn.allow_tf32 = saved[0]
        torch.set_float32_matmul_precision(saved[1])


def test_cpu_tensors_take_torch_conv2d_only_for_wide_float32_convolutions(rng):
    """The CPU rule (docs/arrays.md): PyTorch's conv2d from c * nc >= 16 weights per tap in float32, else the engine."""
    torch = pytest.importorskip("torch")
    calls = []
    real_conv2d = torch.nn.functional.conv2d

    def spy(*args, **kwargs):
        calls.append(args[0].dtype)
        return real_conv2d(*args, **kwargs)

    cases = [((8, 2), np.float32, True), ((3, 4), np.float32, False), ((8, 2), np.float64, False)]
    for (c, nc), dtype, native in cases:
        x = rng.standard_normal((2, 6, 6, c)).astype(dtype)
        k = rng.standard_normal((3, 3, c, nc)).astype(np.float32)
        calls.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(torch.nn.functional, "conv2d", spy)
            out = convpool.convolve(torch.from_numpy(x), torch.from_numpy(k), padding=((1, 0), (2, 1)), stride=2)
        assert calls == ([torch.float32] if native else [])
        expected = convpool.convolve(x, k, padding=((1, 0), (2, 1)), stride=2)
        assert out.dtype == getattr(torch, expected.dtype.name)
        assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_readme_example_runs_and_its_comments_are_true():
    torch = pytest.importorskip("torch")
    jax = _jax()
    readme = Path(__file__).resolve().parents[2] / "README.md"
    block = re.search(r"## PyTorch, JAX and other array libraries\n.*?```python\n(.*?)```", readme.read_text(), re.S)
    namespace: dict = {}
    exec(block.group(1), namespace)
    assert isinstance(namespace["out"], torch.Tensor) and namespace["out"].shape == (16, 32, 32, 8)
    assert namespace["out"].dtype == torch.float32
    assert isinstance(namespace["edges"], jax.Array) and namespace["edges"].shape == (16, 15, 15, 8)
    assert isinstance(namespace["pooled"], jax.Array) and namespace["pooled"].shape == (16, 16, 16, 3)
    assert_allclose(np.asarray(namespace["edges"]), 27.0)


def test_import_loads_no_array_library_until_given_one():
    code = (
        "import sys, numpy as np, convpool\n"
        "convpool.convolve(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)))\n"
        "names = ('torch', 'jax', 'array_api_compat', 'array_api_strict', 'convpool._backends.xp')\n"
        "print([m for m in names if m in sys.modules])\n"
        "import array_api_strict as s\n"
        "out = convpool.convolve(s.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)))\n"
        "print(type(out).__module__, [m for m in ('torch', 'jax') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "array_api_strict._array_object []"]
