"""Shape arithmetic: the one place where padding and output sizes are computed.

Every size in convpool comes from :func:`output_size`; every padding word is
turned into per-side pairs by :func:`resolve_padding`. Nothing here validates
types: callers pass checked integers (see ``checks``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

if TYPE_CHECKING:
    from .._typing import PadMode

#: The padding words accepted everywhere, in the order error messages list them.
PADDING_WORDS = ("valid", "same", "full")


class AxisGeometry(NamedTuple):
    """How one spatial axis is cut into windows.

    ``size`` input cells, a window of ``kernel`` taps ``dilation`` apart moved
    by ``stride``, ``before``/``after`` cells of padding, giving ``out`` outputs.
    ``overhang``: the last ``overhang`` cells of ``after`` are not padding that
    was asked for but the cells pooling's ``ceil_mode`` lets the last window
    reach past it (see :func:`axis_geometry`); they are padding in every other
    respect, except that an average with ``count_include_pad`` does not count them.
    """

    size: int
    kernel: int
    stride: int
    dilation: int
    before: int
    after: int
    out: int
    overhang: int = 0

    @property
    def extent(self) -> int:
        """Cells one window spans: ``(kernel - 1) * dilation + 1``."""
        return window_extent(self.kernel, self.dilation)

    @property
    def padded(self) -> int:
        """Length of the padded axis: ``before + size + after``."""
        return self.before + self.size + self.after


def window_extent(kernel: int, dilation: int = 1) -> int:
    """Cells spanned by a dilated window: ``(kernel - 1) * dilation + 1``."""
    return (kernel - 1) * dilation + 1


def smallest_size(kernel: int, dilation: int = 1, before: int = 0, after: int = 0) -> int:
    """The fewest input cells along an axis for which one window fits: ``extent - before - after``, at least 1.

    (:func:`output_size` is at least 1 exactly from this size on, whatever the stride.)

    >>> smallest_size(3), smallest_size(3, dilation=2), smallest_size(5, before=1, after=1), smallest_size(2, 1, 2, 2)
    (3, 5, 3, 1)
    """
    return max(window_extent(kernel, dilation) - before - after, 1)


def output_size(
    size: int, kernel: int, stride: int = 1, dilation: int = 1, before: int = 0, after: int = 0, ceil: bool = False
) -> int:
    """Number of window positions along one axis.

    ``out = (size + before + after - (kernel - 1) * dilation - 1) // stride + 1``

    With ``ceil`` (pooling's ``ceil_mode``, as PyTorch defines it) the division
    rounds up instead, ``out = ceil((size + before + after - (kernel - 1) *
    dilation - 1) / stride) + 1``, minus one if ``(out - 1) * stride >= size +
    before``: the last window must start inside the image or its top/left
    padding. The result is below 1 when the dilated window is larger than the
    padded axis; callers turn that into an error (see :func:`axis_geometry`).
    """
    span = size + before + after - (kernel - 1) * dilation - 1
    if not ceil:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= size + before else out


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Per-side padding for ``'same'``: the output has ``ceil(size / stride)`` cells.

    ``P = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)``,
    ``before = P // 2``, ``after = P - before`` (the odd cell goes after, i.e.
    bottom/right, as in TensorFlow, Keras and JAX).
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + window_extent(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def full_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """Per-side padding for ``'full'``: ``(kernel - 1) * dilation`` on each side."""
    pad = window_extent(kernel, dilation) - 1
    return pad, pad


def axis_padding(padding, axis: int, size: int, kernel: int, stride: int, dilation: int):
    """Resolve a checked padding spec (word or per-side pairs) for one axis."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return same_padding(size, kernel, stride, dilation)
    if padding == "full":
        return full_padding(kernel, dilation)
    return padding[axis]


#: Names of the spatial axes in messages, by the number of spatial axes (others: "axis 0", "axis 1", ...).
AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_name(axis: int, rank: int = 2) -> str:
    """The word for spatial axis ``axis`` of ``rank`` in messages: ``height``, ``width``, ``depth``, ``length``."""
    names = AXIS_NAMES.get(rank)
    return names[axis] if names else f"axis {axis}"


def axis_geometry(
    padding,
    axis: int,
    size: int,
    kernel: int,
    stride: int = 1,
    dilation: int = 1,
    what: str = "kernel",
    ceil: bool = False,
    rank: int = 2,
) -> AxisGeometry:
    """Padding and output size along one axis; ``ValueError`` if no window fits.

    ``padding`` is a word of :data:`PADDING_WORDS` or checked per-side pairs
    ``((before, after), ...)``, one per spatial axis; ``axis`` indexes them, of
    ``rank`` spatial axes (which names the axis in messages: 0 is height for 2-D).
    With ``ceil`` (see :func:`output_size`) the last window may reach past the
    padded axis; ``after`` grows by those ``overhang`` cells,
    ``max((out - 1) * stride + extent - (before + size + after), 0)``.
    """
    before, after = axis_padding(padding, axis, size, kernel, stride, dilation)
    out = output_size(size, kernel, stride, dilation, before, after, ceil)
    if out < 1:
        name = axis_name(axis, rank)
        extent = window_extent(kernel, dilation)
        dil = f" (dilated by {dilation})" if dilation != 1 else ""
        raise ValueError(
            f"{what} {name} {kernel}{dil} spans {extent} cells, more than the padded image "
            f"{name} {size} + {before} + {after} = {size + before + after}; "
            f"output {name} would be {out}"
        )
    overhang = max((out - 1) * stride + window_extent(kernel, dilation) - (before + size + after), 0)
    return AxisGeometry(size, kernel, stride, dilation, before, after + overhang, out, overhang)


def geometry_nd(padding, sizes, kernel, stride, dilation, what: str = "kernel", ceil: bool = False):
    """:func:`axis_geometry` for every spatial axis (``len(sizes)`` of them); returns a tuple of ``AxisGeometry``."""
    rank = len(sizes)
    return tuple(
        axis_geometry(padding, axis, sizes[axis], kernel[axis], stride[axis], dilation[axis], what, ceil, rank)
        for axis in range(rank)
    )


#: The former name, from when every call had two spatial axes.
geometry_2d = geometry_nd


def unit_axis(size: int) -> AxisGeometry:
    """An axis every window covers one cell of, unpadded: ``size`` outputs (how a 1-D call becomes a 2-D one)."""
    return AxisGeometry(size, 1, 1, 1, 0, 0, size)


def transpose_output_size(
    out: int, kernel: int, stride: int = 1, dilation: int = 1, before: int = 0, after: int = 0, extra: int = 0
) -> int:
    """Size ``h`` a transposed convolution gives back from ``out`` cells along one axis.

    ``h = (out - 1) * stride + (kernel - 1) * dilation + 1 - before - after + extra``

    With ``extra == 0`` this is the smallest input size whose convolution has
    ``out`` cells (the inverse of :func:`output_size`, which floors); the
    ``extra`` cells (``output_padding``) pick one of the larger sizes that
    floor to the same ``out``. The formula of PyTorch's ``conv_transpose2d``.
    """
    return (out - 1) * stride + window_extent(kernel, dilation) - before - after + extra


def transpose_sizes(padding, axis: int, out: int, kernel: int, stride: int, dilation: int) -> tuple[range, int]:
    """The sizes a transposed convolution may return along one axis, and the default one.

    Numeric, ``'valid'`` and ``'full'`` padding: ``h0 = transpose_output_size(out,
    ...)`` plus ``output_padding`` in ``[0, max(stride, dilation))``, as in
    PyTorch (from ``stride`` on, the forward convolution of such an ``h`` has
    more than ``out`` cells, and the transpose is that of its first ``out``);
    default ``h0``. ``'same'``: the ``stride`` sizes with ``ceil(h / stride) ==
    out``, ``[(out - 1) * stride + 1, out * stride]``; default ``out * stride``
    (Keras, TensorFlow). Returns ``(range of sizes, default size)``; the
    range may start below 1 (the caller's error).
    """
    if padding == "same":
        first = (out - 1) * stride + 1
        return range(first, first + stride), out * stride
    before, after = axis_padding(padding, axis, 0, kernel, stride, dilation)  # no word here depends on the size
    first = transpose_output_size(out, kernel, stride, dilation, before, after)
    return range(first, first + max(stride, dilation)), first


def transpose_axis(padding, axis: int, out: int, kernel: int, stride: int, dilation: int, size: int):
    """``(size, geometry)`` of one axis of a transposed convolution that returns ``size`` cells.

    ``geometry`` is the forward convolution whose input gradient the
    transposed convolution is, cut to the cells its windows reach: ``before``
    as ``padding`` resolves for ``size`` cells, then ``reach = (out - 1) *
    stride + extent - before`` cells (at most ``size``; any further ones get
    nothing and are zero), and ``after = reach - size'``, so that the forward
    geometry has exactly ``out`` outputs. A window lying wholly in the top
    padding leaves ``geometry.size == 0``.
    """
    before, _ = axis_padding(padding, axis, size, kernel, stride, dilation)
    reach = (out - 1) * stride + window_extent(kernel, dilation) - before
    cells = max(min(size, reach), 0)
    return size, AxisGeometry(cells, kernel, stride, dilation, before, reach - cells, out)


def window_counts(g: AxisGeometry, include_pad: bool = False) -> np.ndarray:
    """Real (non-padding) cells in each window along one axis, shape ``(out,)``.

    Window ``i`` covers padded cells ``[i * stride, i * stride + extent)``, i.e.
    input cells ``[start, start + extent)`` with ``start = i * stride - before``;
    the count is that range clipped to ``[0, size)``, counting every
    ``dilation``-th cell. With ``include_pad`` the range is clipped to the
    padding asked for instead, ``[-before, size + after - overhang)``.
    """
    starts = np.arange(g.out) * g.stride - g.before
    taps = starts[:, None] + np.arange(g.kernel) * g.dilation
    low, high = (-g.before, g.size + g.after - g.overhang) if include_pad else (0, g.size)
    return ((taps >= low) & (taps < high)).sum(axis=1)


def average_divisor(geometry, count_include_pad: bool) -> np.ndarray:
    """Cells each average pools over, shape ``(*out, 1)``, for the forward and backward passes.

    Without ``count_include_pad`` only the input cells a window covers, the
    product over axes of ``window_counts(g)``: ``window_counts(gh)[i] *
    window_counts(gw)[j]`` in 2-D. With it, the product of the kernel's taps
    for every window, except that a ``ceil_mode`` window reaching past the
    padding counts only its taps inside the padded image (PyTorch's
    ``avg_pool2d``): the product of ``window_counts(g, True)``.
    """
    outs = tuple(g.out for g in geometry)
    if count_include_pad and not any(g.overhang for g in geometry):
        return np.full((*outs, 1), math.prod(g.kernel for g in geometry))
    divisor = np.ones((), dtype=np.int64)
    for g in geometry:  # the outer product of the per-axis counts
        divisor = np.multiply.outer(divisor, window_counts(g, count_include_pad))
    return divisor[..., None]


def has_padding_only_window(g: AxisGeometry) -> bool:
    """True if some window along this axis covers padding and no input cell.

    Tap by tap, so that a dilated window whose taps step over the image is caught too, in work and memory
    bounded by the image, not by the padding (``padding=10**12`` is answered at once, allocating nothing).
    A window starting inside the image reads it with its first tap; one starting past its end reads only
    padding; one starting in the ``before`` padding, at ``-b``, first reads an input cell at its tap
    ``ceil(b / dilation)``, which exists when the window reaches the image and lies inside the image
    when ``(-b) mod dilation < size``: always when ``dilation <= size``.
    """
    if (g.out - 1) * g.stride - g.before >= g.size or g.before >= g.extent:
        return True  # the last window starts past the image, or the first ends before it
    if g.dilation <= g.size:
        return False
    # the windows starting in the padding, their first taps at or after cell 0, up to one period of the residues
    period = g.dilation // math.gcd(g.stride, g.dilation)
    count = min(-(-g.before // g.stride), g.out, period)
    for lo in range(0, count, 1 << 20):
        starts = np.arange(lo, min(count, lo + (1 << 20)), dtype=np.int64)  # every argument is < 2**62
        if ((starts * g.stride - g.before) % g.dilation >= g.size).any():
            return True
    return False


def band(g: AxisGeometry, lo: int, hi: int) -> tuple[slice, AxisGeometry]:
    """The input cells outputs ``[lo, hi)`` of one axis read, and their own geometry.

    Output ``i`` reads padded cells ``[i * stride, i * stride + extent)``, so the
    band reads padded ``[lo * stride, (hi - 1) * stride + extent)``: input cells
    ``[start, stop)`` clipped to ``[0, size)`` (the halo), plus ``before`` /
    ``after`` cells of padding where the band reaches past the image. The band's
    geometry has ``out = hi - lo`` and the same kernel, stride and dilation;
    computing it on ``input[start:stop]`` gives outputs ``[lo, hi)`` of the
    whole axis. This is the arithmetic of the engine's spatial tiles and of
    Dask chunk plans. A band that lies wholly in padding reads no input
    (``start == stop``, ``size == 0``).
    """
    first = lo * g.stride - g.before
    last = (hi - 1) * g.stride + g.extent - g.before
    start, stop = min(max(first, 0), g.size), max(min(last, g.size), 0)
    stop = max(stop, start)
    before, after = max(-first, 0), max(last - g.size, 0)
    if stop == start:  # all padding: the band's own padded length is still ``last - first``
        before, after = last - first, 0
    return slice(start, stop), AxisGeometry(stop - start, g.kernel, g.stride, g.dilation, before, after, hi - lo)


def source_cells(g: AxisGeometry, pad_mode: str) -> np.ndarray:
    """The input cell each padded cell copies, shape ``(before + size + after,)``, for a pad mode other than constant.

    ``np.pad(np.arange(size), (before, after), mode)``: NumPy's own rule for
    ``edge``, ``reflect``, ``symmetric`` and ``wrap``, exact for every width.
    Padding reads through it, and its adjoint (the gradient fold) adds back along it.
    """
    return np.pad(np.arange(g.size), (g.before, g.after), mode=cast("PadMode", pad_mode))


def bands(g: AxisGeometry, most: int) -> list[tuple[int, int]]:
    """Output ranges ``[lo, hi)`` of at most ``most`` outputs each, covering ``[0, out)``."""
    most = max(1, most)
    return [(lo, min(lo + most, g.out)) for lo in range(0, g.out, most)]


# --- other libraries' "same" (convpool.conventions): per-side padding only; sizes come from output_size --


def split_padding(total: int, extra: str = "after") -> tuple[int, int]:
    """Split ``total`` padding cells over two sides; an odd cell goes ``extra`` ('after' or 'before')."""
    small, large = total // 2, total - total // 2
    return (small, large) if extra == "after" else (large, small)


def scipy_same_padding(kernel: int) -> tuple[int, int]:
    """SciPy ``signal.correlate`` / ``ndimage.correlate``, ``'same'``: ``k - 1`` cells, the odd one before.

    (``signal.correlate2d(mode='same')`` puts it after instead: ``split_padding(k - 1)``.)
    """
    return split_padding(kernel - 1, "before")


def d2l_padding(kernel: int) -> tuple[int, int]:
    """d2l.ai's total ``p = k - 1``: ``ceil(p / 2)`` on top, ``floor(p / 2)`` at the bottom."""
    return split_padding(kernel - 1, "before")


def half_kernel_padding(kernel: int) -> tuple[int, int]:
    """A common exercise formula: ``k // 2`` on both sides (one cell too many for even ``k``)."""
    return kernel // 2, kernel // 2


def exercise_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """A common exercise formula: ``((h - 1) * s + k - h) // 2 + 1`` on both sides (28, 3, 1 -> 2)."""
    pad = ((size - 1) * stride + kernel - size) // 2 + 1
    return pad, pad


# --- adaptive pooling: windows derived from the output size -------------------------------------------


def adaptive_windows(size: int, out: int) -> tuple[tuple[int, int], ...]:
    """The ``out`` windows ``[start, stop)`` of adaptive pooling along one axis of ``size`` cells.

    ``start = floor(i * size / out)``, ``stop = ceil((i + 1) * size / out)`` (PyTorch's
    ``adaptive_avg_pool2d``): they cover the axis in order, each holds at least one cell,
    neighbours may overlap when ``out`` does not divide ``size``, and when it does they are
    plain windows of ``size // out`` cells side by side.
    """
    return tuple((i * size // out, -(-(i + 1) * size // out)) for i in range(out))
