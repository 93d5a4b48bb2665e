"""Native kernels (PyTorch, JAX) where they provably compute convpool's semantics.

What makes a library kernel match convpool exactly:

* **Padding** is explicit and per side: non-zero constants and the other
  ``pad_mode`` words are built by the core's :func:`~._core.pad` (an exact
  ``numpy.pad``), and only zero padding is left to the kernel.
* **Dtypes**: the arrays are cast to convpool's result dtype first (float32
  stays float32; integer sums run in float64), so the kernel only ever sees
  float32 or float64. float16 results and integer max/min pooling go to the
  core (no reduced-precision accumulation).
* **Precision**: TF32 (PyTorch on CUDA) and JAX's default reduced-precision
  convolutions are switched off for the call (:func:`_full_precision`,
  ``Precision.HIGHEST``) and restored after.
* **Pooling**: padded cells hold ``-inf`` (``+inf`` for a min), so they never
  win; sums and averages are sums of zero-padded windows divided by
  :func:`convpool._plan._shapes.average_divisor`, so ``count_include_pad`` means the
  same as in convpool.

PyTorch's layout is NCHW over channels-last memory: ``images.permute(0, 3, 1, 2)``
of an (m, h, w, c) array is exactly PyTorch's ``channels_last`` format, so
no copy is made and the result permutes back to (m, oh, ow, c).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..._plan._shapes import average_divisor
from . import _core


def supports_convolve(where, dtype: np.dtype) -> bool:
    """Whether a native convolution computes this call: PyTorch or JAX, float32/float64 results."""
    return where.library in ("torch", "jax") and dtype in (np.float32, np.float64)


def supports_pool(where, mode: str, dtype: np.dtype) -> bool:
    """Whether a native pooling computes this call: float32/float64 results (max/min keep the images' dtype)."""
    return where.library in ("torch", "jax") and dtype in (np.float32, np.float64) and mode != "lp"


@contextlib.contextmanager
def _full_precision():
    """PyTorch without TF32 or reduced-precision float32 matmuls for the call; the settings restored after."""
    import torch

    saved = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.get_float32_matmul_precision(),
    )
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[:2]
        torch.set_float32_matmul_precision(saved[2])


def _zero_only(where, x, geometry, mode: str, fill):
    """``x`` padded by the core unless the padding is zeros (left to the kernel); and the kernel's padding."""
    pads = tuple((g.before, g.after) for g in geometry)
    if mode == "constant" and fill == 0:
        return x, pads
    return _core.pad(where, x, geometry, mode, fill), ((0, 0), (0, 0))


def convolve(where, images, kernels, geometry, mode: str, fill, dtype: np.dtype):
    """images (m, h, w, c), kernels (kh, kw, c, nc) -> (m, oh, ow, nc), by the library's convolution."""
    lib = getattr(where.xp, dtype.name)
    x = where.xp.astype(images, lib, copy=False)
    k = where.xp.astype(kernels, lib, copy=False)
    x, pads = _zero_only(where, x, geometry, mode, fill)
    strides = tuple(g.stride for g in geometry)
    dilations = tuple(g.dilation for g in geometry)
    if where.library == "jax":
        from jax import lax

        return lax.conv_general_dilated(
            x,
            k,
            window_strides=strides,
            padding=pads,
            rhs_dilation=dilations,
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
            precision=lax.Precision.HIGHEST,
        )
    import torch.nn.functional as F  # noqa: N812

    x = x.permute(0, 3, 1, 2)  # channels_last memory
    weights = k.permute(3, 2, 0, 1)  # (nc, c, kh, kw)
    (top, bottom), (left, right) = pads
    with _full_precision():
        if top == bottom and left == right:
            out = F.conv2d(x, weights, stride=strides, padding=(top, left), dilation=dilations)
        else:
            out = F.conv2d(F.pad(x, (left, right, top, bottom)), weights, stride=strides, dilation=dilations)
    return out.permute(0, 2, 3, 1).contiguous()


def pool(where, images, geometry, mode: str, include: bool, dtype: np.dtype):
    """images (m, h, w, c) -> (m, oh, ow, c): max/min with never-winning padding, sums divided by convpool's divisor."""
    lib = getattr(where.xp, dtype.name)
    x = where.xp.astype(images, lib, copy=False)
    pads = tuple((g.before, g.after) for g in geometry)
    window = tuple(g.kernel for g in geometry)
    strides = tuple(g.stride for g in geometry)
    fill = {"max": -np.inf, "min": np.inf}.get(mode, 0.0)
    if where.library == "jax":
        out = _jax_pool(x, pads, window, strides, mode, fill, dtype)
    else:
        out = _torch_pool(x, pads, window, strides, mode, fill)
    if mode == "avg":
        out = out / _core.constant(where, average_divisor(geometry, include), lib)
    return out


def _jax_pool(x, pads, window, strides, mode: str, fill, dtype):
    from jax import lax

    reducer = {"max": lax.max, "min": lax.min}.get(mode, lax.add)
    return lax.reduce_window(
        x,
        np.array(fill, dtype=dtype),
        reducer,
        (1, *window, 1),
        (1, *strides, 1),
        ((0, 0), *pads, (0, 0)),
    )


def _torch_pool(x, pads, window, strides, mode: str, fill):
    import torch.nn.functional as F  # noqa: N812

    (top, bottom), (left, right) = pads
    x = x.permute(0, 3, 1, 2)
    if mode == "min":  # exact: negation only flips the sign bit
        x = -x
        fill = -fill
    if top + bottom + left + right:
        x = F.pad(x, (left, right, top, bottom), value=fill)
    if mode in ("max", "min"):
        out = F.max_pool2d(x, window, strides)
        out = -out if mode == "min" else out
    else:  # a sum: every window's mean times its full size, no divisor of PyTorch's own
        out = F.avg_pool2d(x, window, strides, divisor_override=1)
    return out.permute(0, 2, 3, 1).contiguous()
