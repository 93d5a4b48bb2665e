"""Tap arithmetic shared by the direct convolution and pooling loops.

A *tap* is one kernel offset ``a`` along one axis. Output ``i`` reads padded
cell ``i * stride + a * dilation``, i.e. input cell
``r = i * stride + a * dilation - before``. With a constant fill the padded
cells need not exist: each tap is applied to the outputs whose input cell is
real, and the others keep the fill's contribution (zero for a sum, nothing
for a max). That removes the padding copy from the hot loop.
"""

from __future__ import annotations

import numpy as np

from ..._plan._shapes import AxisGeometry


def tap_span(g: AxisGeometry, a: int) -> tuple[slice, slice] | None:
    """Outputs tap ``a`` reaches along one axis, and the input cells they read.

    Returns ``(out_slice, in_slice)`` of equal lengths, or ``None`` when every
    output of this tap falls on padding. Outputs ``i`` with
    ``0 <= i * stride + a * dilation - before < size`` are kept.
    """
    shift = a * g.dilation - g.before
    lo = max(0, -(shift // g.stride) if shift < 0 else 0)  # ceil(-shift / stride)
    hi = min(g.out, (g.size - 1 - shift) // g.stride + 1)
    if hi <= lo:
        return None
    first = lo * g.stride + shift
    return slice(lo, hi), slice(first, first + (hi - lo - 1) * g.stride + 1, g.stride)


def covers(g: AxisGeometry, span: tuple[slice, slice] | None) -> bool:
    """True if a tap's span reaches every output along its axis."""
    return span is not None and span[0].start == 0 and span[0].stop == g.out


def lead_tap(g: AxisGeometry, taps) -> int | None:
    """The first of ``taps`` (kernel offsets) that reaches every output of ``g``, or ``None``.

    The loops start from it (a copy, no zero fill). Tiles pass the whole
    axis's geometry here, not their band's: a band may have more such taps,
    and starting from another one would change the order of the sum.
    """
    return next((a for a in taps if covers(g, tap_span(g, a))), None)


def lead_span(g: AxisGeometry, a: int) -> tuple[slice, slice]:
    """:func:`tap_span` of a tap :func:`lead_tap` chose, which reaches every output: never ``None``."""
    span = tap_span(g, a)
    assert span is not None, (g, a)  # an engine invariant, not a user error
    return span


def unpadded(g: AxisGeometry) -> AxisGeometry:
    """The geometry of an axis that has already been padded explicitly."""
    return g._replace(size=g.padded, before=0, after=0)


def axpy(dst: np.ndarray, src: np.ndarray, weight, first: bool, scratch: np.ndarray) -> None:
    """``dst = weight * src`` (``first``) or ``dst += weight * src``, without temporaries.

    Weights of 1 and -1 cost one pass (copy/add/subtract), others two
    (multiply into ``scratch``, a buffer shaped like ``dst``, then add).
    """
    if first:
        if weight == 1:
            np.copyto(dst, src, casting="unsafe")
        elif weight == -1:
            # not np.negative: NumPy 2.4 writes wrong values through np.negative(out=) on some
            # strided views with a length-1 axis (tests/backends/test_methods.py pins the case)
            np.multiply(src, -1, out=dst, casting="unsafe")
        else:
            np.multiply(src, weight, out=dst, casting="unsafe")
    elif weight == 1:
        np.add(dst, src, out=dst, casting="unsafe")
    elif weight == -1:
        np.subtract(dst, src, out=dst, casting="unsafe")
    else:
        np.multiply(src, weight, out=scratch, casting="unsafe")
        np.add(dst, scratch, out=dst)
