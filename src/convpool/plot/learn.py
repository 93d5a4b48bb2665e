"""Teaching figures: number grids at true size, hatched padding, windows, winners (matplotlib, optional).

Every figure here is drawn from numbers convpool computed (:func:`convpool.convolve`,
:func:`convpool.pool`, :func:`convpool.conv_geometry`), never from arithmetic of
its own, so a test can read the numbers back from the figure's text and compare
them with convpool's output. The pages of the documentation's *Learn* section
call these functions.

The grids are drawn on a :class:`convpool.plot.board.Board` (one unit per
cell, true relative sizes, hatched padding); photos and maps by
:func:`image_row` (true relative sizes, one colour scale and colour bar).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

import convpool

from .._plan._shapes import AxisGeometry
from .._typing import Padding, Size
from ._mpl import _describe, _num, _pyplot
from .board import WINDOW_COLOURS, Board

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Board",
    "channel_sum",
    "conv_step",
    "image_row",
    "padded_by_convpool",
    "pool_windows",
    "stride_strips",
    "use_counts",
]


def _geometry(
    shape: Size, kernel_shape: Size, stride: Size, padding: Padding, dilation: Size = 1
) -> tuple[AxisGeometry, ...]:
    return convpool.conv_geometry(shape, kernel_shape, stride, padding, dilation)


def padded_by_convpool(x: np.ndarray, pad: Padding, pad_mode: str = "constant") -> np.ndarray:
    """``x`` (2-D) as convpool's convolution sees it after padding: a 1x1 kernel of weight 1 over it.

    ``pad = ((top, bottom), (left, right))``. The identity 1x1 convolution
    returns every padded cell unchanged, so the fill shown is convpool's own.

    Examples
    --------
    >>> from convpool.plot.learn import padded_by_convpool
    >>> padded_by_convpool([[1, 2, 3, 4]], ((0, 0), (2, 2)), "reflect")
    array([[3., 2., 1., 2., 3., 4., 3., 2.]])
    """
    x = np.asarray(x, dtype=np.float64)
    return convpool.convolve(x[None, :, :, None], np.ones((1, 1, 1, 1)), padding=pad, pad_mode=pad_mode)[0, :, :, 0]


def use_counts(
    shape: tuple[int, int],
    kernel_shape: int | tuple[int, int],
    stride: Size = 1,
    padding: Padding = "valid",
    dilation: Size = 1,
) -> np.ndarray:
    """How many windows read each input cell, shape ``shape``.

    The gradient of ``sum(convolve(x, ones))`` with respect to ``x``
    (:func:`convpool.convolve_backward`): each window adds 1 to every cell it reads.

    Examples
    --------
    >>> from convpool.plot.learn import use_counts
    >>> use_counts((1, 7), (1, 3), stride=3)  # the last cell is never read
    array([[1., 1., 1., 1., 1., 1., 0.]])
    """
    kh, kw = np.broadcast_to(kernel_shape, 2)
    x = np.zeros((1, *shape, 1))
    k = np.ones((kh, kw, 1, 1))
    oh, ow = convpool.conv_output_shape(shape, (kh, kw), stride, padding, dilation)
    grad, _ = convpool.convolve_backward(np.ones((1, oh, ow, 1)), x, k, padding, stride, dilation=dilation)
    assert grad is not None  # wrt='both' computes it
    return grad[0, :, :, 0]


def conv_step(
    x: np.ndarray,
    kernel: np.ndarray,
    cell: tuple[int, int] = (0, 0),
    *,
    padding: Padding = "valid",
    stride: Size = 1,
    board: Board | None = None,
    y: float = 0.0,
) -> Board:
    """One output cell of a convolution: window on the input, times the kernel, products, their sum.

    Parameters
    ----------
    x : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)
    cell : (i, j), the output cell explained
    padding, stride : as in :func:`convpool.convolve`

    Returns
    -------
    Board
        Grids ``input`` (padded, the window framed), ``kernel``, ``products``
        (window times kernel, cell by cell) and ``output`` (convpool's result,
        the cell framed).
    """
    x, k = np.asarray(x, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    gh, gw = _geometry(x.shape, k.shape, stride, padding)
    out = convpool.convolve(x[None, :, :, None], k[:, :, None, None], padding=padding, stride=stride)[0, :, :, 0]
    xp = padded_by_convpool(x, ((gh.before, gh.after), (gw.before, gw.after)))
    i, j = cell
    r0, c0 = i * gh.stride, j * gw.stride  # window's top-left in padded coordinates
    window = xp[r0 : r0 + k.shape[0], c0 : c0 + k.shape[1]]
    board = board or Board()
    mid = y + xp.shape[0] / 2
    pads = ((gh.before, gh.after), (gw.before, gw.after))
    padded = gh.padded > gh.size or gw.padded > gw.size
    title = f"input {gh.size}x{gw.size}" + (", zero padding hatched" if padded else "")
    board.grid("input", xp, pad=pads, y=y, title=title)
    board.outline("input", r0 - gh.before, c0 - gw.before, *k.shape)
    board.word("x", mid)
    board.grid("kernel", k, y=mid - k.shape[0] / 2, title="kernel")
    board.word("=", mid)
    board.grid("products", window * k, y=mid - k.shape[0] / 2, title="products")
    board.word("sum ->", mid, size=12)
    board.grid("output", out, y=mid - out.shape[0] / 2, title=f"output {gh.out}x{gw.out}")
    board.outline("output", i, j)
    board.alt = (
        f"Output cell ({i}, {j}) of a {k.shape[0]}x{k.shape[1]} kernel over a {gh.size}x{gw.size} input "
        f"(padding {_pads_words(pads)}, stride {gh.stride}): the window framed on the input, times the kernel, "
        f"the products, and their sum {_num(out[i, j])} framed in the {gh.out}x{gw.out} output"
    )
    return board


def _pads_words(pads: tuple[tuple[int, int], tuple[int, int]]) -> str:
    (t, b), (left, r) = pads
    return "none" if t == b == left == r == 0 else f"top {t}, bottom {b}, left {left}, right {r}"


def channel_sum(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    padding: Padding = "valid",
    stride: Size = 1,
    dilation: Size = 1,
    names: Sequence[str] = ("red", "green", "blue"),
) -> Board:
    """A multi-channel convolution as per-channel partial maps and their sum.

    Row ``c``: channel ``c`` of the input, the kernel's slice ``c``, and the
    partial map (convpool's convolution of that channel with that slice); the
    last grid is convpool's convolution of all channels at once, which is the
    sum of the partial maps.

    Parameters
    ----------
    x : array_like, shape (h, w, c)
    kernel : array_like, shape (kh, kw, c)
    padding, stride, dilation : as in :func:`convpool.convolve`

    Returns
    -------
    Board
        Grids ``channel c``, ``slice c``, ``partial c`` for each channel, and ``sum``.
    """
    x, k = np.asarray(x, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    board = Board(cell=0.36)
    h = x.shape[0]
    for c in range(x.shape[2]):
        name = names[c] if c < len(names) else f"channel {c}"
        y = c * (h + 1.6)
        partial = convpool.convolve(
            x[None, :, :, c : c + 1], k[:, :, c : c + 1, None], padding, stride, dilation=dilation
        )[0, :, :, 0]
        board.cursor = 0.0
        board.grid(f"channel {c}", x[:, :, c], y=y, title=f"{name} plane")
        board.word("*", y + h / 2)
        board.grid(f"slice {c}", k[:, :, c], y=y + (h - k.shape[0]) / 2, title=f"kernel[:, :, {c}]")
        board.word("=", y + h / 2)
        board.grid(f"partial {c}", partial, y=y + (h - partial.shape[0]) / 2, title=f"partial map {c}")
    total = convpool.convolve(x[None], k[:, :, :, None], padding, stride, dilation=dilation)[0, :, :, 0]
    middle = (x.shape[2] * (h + 1.6) - 1.6) / 2
    board.word("add up ->", middle, size=12)
    board.grid("sum", total, y=middle - total.shape[0] / 2, title="output (one map)")
    board.alt = (
        f"A {x.shape[0]}x{x.shape[1]} input with {x.shape[2]} channels: each channel convolved with its own "
        f"{k.shape[0]}x{k.shape[1]} kernel slice gives a partial map, and the {x.shape[2]} partial maps add up to "
        f"the one {total.shape[0]}x{total.shape[1]} output map"
    )
    return board


def pool_windows(
    x: np.ndarray,
    size: Size = 2,
    stride: Size = 2,
    mode: str = "max",
    *,
    padding: Padding = "valid",
    board: Board | None = None,
) -> Board:
    """Pooling with every window framed in its own colour and, for max/min, the winning cell circled.

    Returns
    -------
    Board
        Grids ``input`` and ``output`` (convpool's :func:`convpool.pool`), and
        ``winners``: ``(row, col)`` of the circled input cell per output cell.
    """
    from matplotlib.patches import Circle

    x = np.asarray(x, dtype=np.float64)
    gh, gw = _geometry(x.shape, size, stride, padding)
    out = convpool.pool(x[None, :, :, None], (gh.kernel, gw.kernel), stride, mode, padding=padding)[0, :, :, 0]
    board = board or Board()
    fill = np.full((gh.padded, gw.padded), np.nan)
    fill[gh.before : gh.before + gh.size, gw.before : gw.before + gw.size] = x
    pads = ((gh.before, gh.after), (gw.before, gw.after))
    board.grid("input", np.nan_to_num(fill), pad=pads, title=f"input {gh.size}x{gw.size}")
    mid = gh.padded / 2
    board.word(f"{mode} {gh.kernel}x{gw.kernel}, stride {gh.stride} ->", mid, size=10)
    board.grid("output", out, y=mid - gh.out / 2, title=f"output {gh.out}x{gw.out}")
    board.winners = {}
    for n, (i, j) in enumerate(np.ndindex(gh.out, gw.out)):
        colour = WINDOW_COLOURS[n % len(WINDOW_COLOURS)]
        r0, c0 = i * gh.stride - gh.before, j * gw.stride - gw.before
        board.outline("input", r0, c0, gh.kernel, gw.kernel, colour=colour, inset=0.06 * (n % 3))
        board.outline("output", i, j, colour=colour, fill=True, width=1.5)
        if mode in ("max", "min"):
            window = fill[r0 + gh.before : r0 + gh.before + gh.kernel, c0 + gw.before : c0 + gw.before + gw.kernel]
            # the winner is the cell holding the output's value (padding, NaN here, never wins)
            a, b = np.argwhere(window == out[i, j])[0]
            board.winners[(i, j)] = (int(r0 + a), int(c0 + b))
            x0, y0 = board.origins["input"]
            centre = (x0 + c0 + b + gw.before + 0.5, y0 + r0 + a + gh.before + 0.5)
            board.ax.add_patch(Circle(centre, 0.4, fill=False, edgecolor=colour, linewidth=2.2, zorder=4))
    board.alt = (
        f"{mode} pooling of a {gh.size}x{gw.size} input with {gh.kernel}x{gw.kernel} windows, stride {gh.stride}"
        f" (padding {_pads_words(pads)}): each window framed in its own colour, and the output cell it gives, "
        f"{gh.out}x{gw.out} in all" + (", the winning cell of each window circled" if mode in ("max", "min") else "")
    )
    return board


def stride_strips(size: int, kernel: int, strides: Sequence[int] = (1, 2, 3), *, padding: Padding = "valid") -> Board:
    """One input row per stride with every window drawn as a bar below it; cells no window reads crossed.

    Returns
    -------
    Board
        Grids ``stride s`` (the input cells, numbered), and ``unread``: stride ->
        list of input cells no window reads.
    """
    board = Board(cell=0.42)
    y = 0.0
    for s in strides:
        g, _ = _geometry((size, size), kernel, s, padding)
        counts = use_counts((1, size), (1, kernel), s, ((0, 0), (g.before, g.after)))[0]
        row = np.concatenate([np.full(g.before, np.nan), np.arange(size), np.full(g.after, np.nan)])
        board.grid(f"stride {s}", np.nan_to_num(row, nan=0)[None, :], pad=((0, 0), (g.before, g.after)), x=0, y=y)
        board.unread[s] = [int(c) for c in np.flatnonzero(counts == 0)]
        for c in board.unread[s]:
            board.ax.plot([c + g.before + 0.1, c + g.before + 0.9], [y + 0.1, y + 0.9], color="#d62728", lw=2)
            board.ax.plot([c + g.before + 0.1, c + g.before + 0.9], [y + 0.9, y + 0.1], color="#d62728", lw=2)
        for n in range(g.out):
            start = n * s  # padded coordinates of the window's first cell
            bar_y = y + 1.3 + 0.35 * (n % 3)
            board.ax.plot([start + 0.1, start + kernel - 0.1], [bar_y, bar_y], lw=4, color=WINDOW_COLOURS[n % 6])
        text = f"stride {s}: out = ({size} + {g.before + g.after} - {kernel}) // {s} + 1 = {g.out}"
        if board.unread[s]:
            text += f";  never read: {', '.join(map(str, board.unread[s]))}"
        board.note(text, g.padded + 0.6, y + 0.5, va="center")
        board._grow(0, g.padded, y, y + 2.5)
        y += 3.2
    board.alt = f"A row of {size} cells under a window of {kernel} at strides " + ", ".join(
        f"{s} ({len(board.unread[s])} cells never read)" for s in strides
    )
    return board


def image_row(
    images: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    cmap: str = "gray",
    scale: str = "row",
    label: str = "value",
    height: float = 2.2,
    alt: str | None = None,
    limits: tuple[float, float] | None = None,
) -> Figure:
    """Images side by side at their true relative size, with one colour scale and one colour bar.

    Parameters
    ----------
    images : sequence of ndarray, shape (h, w) (or (h, w, 3) uint8, drawn as colour photos)
    titles : sequence of str
    scale : {'row', 'outputs', 'each'}
        ``'row'``: one colour scale (the row's min to max, or symmetric about
        zero when the values have both signs) and one colour bar;
        ``'outputs'``: the first image (the input) on its own scale, the others
        sharing one, with its colour bar; ``'each'``: every image its own
        (titles should then say its range).
    height : float, inches of the tallest image (the others are centred on its middle)
    alt : str, optional, what the row shows in words (the image's alt text; the titles are added to it)
    limits : (float, float), optional
        The shared colour scale's ends (e.g. ``(0, 255)`` for pixel values), instead of the row's min and max.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes' images carry the arrays drawn (``ax.images[0].get_array()``).
    """
    from matplotlib.colors import Normalize

    plt = _pyplot()
    shared = images[1:] if scale == "outputs" else images
    gray = [im for im in shared if not (im.ndim == 3 and im.dtype == np.uint8)]
    lo = min((float(np.min(im)) for im in gray), default=0.0)
    hi = max((float(np.max(im)) for im in gray), default=1.0)
    # signed values: zero sits in the middle of the scale (mid grey, or white in a diverging map)
    top = max(abs(lo), abs(hi))
    norm = Normalize(-top, top) if lo < 0 < hi else Normalize(lo, hi if hi > lo else lo + 1)
    if limits is not None:
        norm = Normalize(*limits)
    per_pixel = height / max(im.shape[0] for im in images)
    widths = [im.shape[1] * per_pixel for im in images]
    gap, bar = 0.35, (0.9 if scale != "each" and gray else 0.0)
    fig = plt.figure(figsize=(sum(widths) + gap * (len(images) + 1) + bar, height + 0.75))
    fw, fh = fig.get_size_inches()
    x = gap
    for n, (im, title, w) in enumerate(zip(images, titles, widths, strict=True)):
        h = im.shape[0] * per_pixel
        ax = fig.add_axes((x / fw, (0.15 + (height - h) / 2) / fh, w / fw, h / fh))
        alone = scale == "each" or (scale == "outputs" and n == 0)
        own = Normalize(float(im.min()), max(float(im.max()), float(im.min()) + 1)) if alone else None
        ax.imshow(im, cmap=cmap, norm=norm if own is None else own, interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        x += w + gap
    if bar:
        cax = fig.add_axes(((x - 0.1) / fw, 0.15 / fh, 0.15 / fw, height / fh))
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax).set_label(label, fontsize=8)
    _describe(fig, alt or f"{len(images)} images side by side at their true relative size")
    return fig
