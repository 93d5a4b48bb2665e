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
no copy is made and the result permutes back to (m, oh, ow, c); likewise
``conv1d`` and ``conv3d`` (and their poolings) for signals and volumes.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..._plan._shapes import average_divisor
from . import _core

#: Spatial axes PyTorch's functional convolutions and poolings exist for (``conv1d`` to ``conv3d``).
TORCH_RANKS = (1, 2, 3)


def _has_rank(where, rank: int) -> bool:
    return where.library == "jax" or rank in TORCH_RANKS


def supports_convolve(where, dtype: np.dtype, rank: int = 2) -> bool:
    """Whether a native convolution computes this call: PyTorch (1 to 3 axes) or JAX, float32/float64 results."""
    return where.library in ("torch", "jax") and dtype in (np.float32, np.float64) and _has_rank(where, rank)


def supports_pool(where, mode: str, dtype: np.dtype, rank: int = 2) -> bool:
    """Whether a native pooling computes this call: float32/float64 results (max/min keep the images' dtype)."""
    floating = dtype in (np.float32, np.float64)
    return where.library in ("torch", "jax") and floating and _has_rank(where, rank) and mode != "lp"


def _channels_first(rank: int) -> tuple[int, ...]:
    """(m, *spatial, c) -> (m, c, *spatial): PyTorch's layout, a view of channels-last memory."""
    return (0, rank + 1, *range(1, rank + 1))


def _channels_last(rank: int) -> tuple[int, ...]:
    return (0, *range(2, rank + 2), 1)


def _torch_pads(pads) -> list[int]:
    """``F.pad``'s order: the last axis first, ``(before, after)`` each."""
    return [side for pair in reversed(pads) for side in pair]


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
    return _core.pad(where, x, geometry, mode, fill), ((0, 0),) * len(geometry)


def convolve(where, images, kernels, geometry, mode: str, fill, dtype: np.dtype):
    """images (m, *spatial, c), kernels (*k, c, nc) -> (m, *out, nc), by the library's convolution."""
    lib = getattr(where.xp, dtype.name)
    x = where.xp.astype(images, lib, copy=False)
    k = where.xp.astype(kernels, lib, copy=False)
    x, pads = _zero_only(where, x, geometry, mode, fill)
    strides = tuple(g.stride for g in geometry)
    dilations = tuple(g.dilation for g in geometry)
    rank = len(geometry)
    if where.library == "jax":
        from jax import lax

        spatial = "DHW"[3 - rank :] if rank <= 3 else "".join(chr(ord("0") + a) for a in range(rank))
        return lax.conv_general_dilated(
            x,
            k,
            window_strides=strides,
            padding=pads,
            rhs_dilation=dilations,
            dimension_numbers=(f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"),
            precision=lax.Precision.HIGHEST,
        )
    import torch.nn.functional as F  # noqa: N812

    conv = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
    x = x.permute(*_channels_first(rank))  # channels_last memory
    weights = k.permute(rank + 1, rank, *range(rank))  # (nc, c, *k)
    with _full_precision():
        if all(before == after for before, after in pads):
            out = conv(x, weights, stride=strides, padding=tuple(p[0] for p in pads), dilation=dilations)
        else:
            out = conv(F.pad(x, _torch_pads(pads)), weights, stride=strides, dilation=dilations)
    return out.permute(*_channels_last(rank)).contiguous()


def pool(where, images, geometry, mode: str, include: bool, dtype: np.dtype):
    """images (m, *spatial, c) -> (m, *out, c): max/min with never-winning padding, sums divided by the divisor."""
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

    rank = len(window)
    x = x.permute(*_channels_first(rank))
    if mode == "min":  # exact: negation only flips the sign bit
        x = -x
        fill = -fill
    if any(side for pair in pads for side in pair):
        x = F.pad(x, _torch_pads(pads), value=fill)
    if mode in ("max", "min"):
        out = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[rank - 1](x, window, strides)
        out = -out if mode == "min" else out
    elif rank == 1:  # avg_pool1d has no divisor_override: a sum over rows of one cell
        out = F.avg_pool2d(x[:, :, None], (1, *window), (1, *strides), divisor_override=1)[:, :, 0]
    else:  # a sum: every window's mean times its full size, no divisor of PyTorch's own
        out = (F.avg_pool2d, F.avg_pool3d)[rank - 2](x, window, strides, divisor_override=1)
    return out.permute(*_channels_last(rank)).contiguous()
