"""Teaching figures: number grids at true size, hatched padding, windows, winners (matplotlib, optional).

Every figure here is drawn from numbers convpool computed (:func:`convpool.convolve`,
:func:`convpool.pool`, :func:`convpool.conv_geometry`), never from arithmetic of
its own, so a test can read the numbers back from the figure's text and compare
them with convpool's output. The pages of the documentation's *Learn* section
call these functions.

A :class:`Board` lays several grids side by side on one set of axes, one unit
per cell, so a 5x5 input and its 3x3 output are drawn at their true relative
size; padding cells are hatched (not told apart by colour alone).
"""

from __future__ import annotations

import numpy as np

import convpool

from .plot import _num, _pyplot

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

#: Distinct window colours (colour-blind friendly), cycled.
WINDOW_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


class Board:
    """Grids of numbers side by side, one unit per cell, drawn on one set of axes.

    Parameters
    ----------
    cell : float
        Inches per grid cell in the finished figure.

    Attributes
    ----------
    texts : dict name -> dict (row, col) -> matplotlib.text.Text
        The number shown in every cell of every grid, by input coordinates
        (padding cells have rows/columns below 0 or past the input's size), so
        tests can read back what the figure shows.
    origins : dict name -> (x, y)
        Where the top-left cell of each grid's *padded* array lies.
    """

    def __init__(self, cell: float = 0.4) -> None:
        plt = _pyplot()
        self.fig, self.ax = plt.subplots()
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.cell = cell
        self.cursor = 0.0
        self.texts: dict[str, dict[tuple[int, int], object]] = {}
        self.origins: dict[str, tuple[float, float]] = {}
        self.pads: dict[str, tuple[int, int]] = {}
        self._extent = [0.0, 0.0, 0.0, 0.0]  # x min, x max, y min, y max (y grows downwards)

    def _grow(self, x0: float, x1: float, y0: float, y1: float) -> None:
        e = self._extent
        self._extent = [min(e[0], x0), max(e[1], x1), min(e[2], y0), max(e[3], y1)]

    def grid(self, name, values, *, pad=(0, 0), x=None, y=0.0, title=None, norm=None, cmap=None, shade=None):
        """Draw ``values`` (2-D, the padded array when ``pad`` is given) with a number in every cell.

        ``pad = ((top, bottom), (left, right))`` (or ``(top, left)`` for the same
        on both sides) says how many rows/columns of ``values`` are padding;
        ``shade`` (a bool array, True for real cells) overrides it. Padding
        cells are hatched grey.
        ``norm``/``cmap`` colour the real cells by value. Returns the ``(x, y)``
        of the top-left corner; the next grid goes to its right.
        """
        from matplotlib.patches import Rectangle

        v = np.asarray(values, dtype=np.float64)
        rows, cols = v.shape
        (top, bottom), (left, right) = pad if np.ndim(pad) == 2 else ((pad[0], pad[0]), (pad[1], pad[1]))
        real = shade if shade is not None else np.zeros(v.shape, bool)
        if shade is None:
            real[top : rows - bottom, left : cols - right] = True
        x0 = self.cursor if x is None else x
        cmap = _pyplot().get_cmap(cmap) if cmap is not None else None
        self.texts[name], self.origins[name], self.pads[name] = {}, (x0, y), (top, left)
        font = 9 if max(rows, cols) <= 10 else 7
        for (r, c), value in np.ndenumerate(v):
            is_real = bool(real[r, c])
            face = "#ececec" if not is_real else ("white" if cmap is None else cmap(norm(value)))
            patch = self.ax.add_patch(
                Rectangle(
                    (x0 + c, y + r),
                    1,
                    1,
                    facecolor=face,
                    edgecolor="#555555" if is_real else "#999999",
                    hatch=None if is_real else "//",
                    linestyle="-" if is_real else "--",
                    linewidth=0.7,
                )
            )
            if not is_real and hasattr(patch, "set_hatch_linewidth"):  # matplotlib >= 3.10: thin, light hatching
                patch.set_hatch_linewidth(0.4)
                patch.set_hatchcolor("#b8b8b8")
            dark = cmap is not None and is_real and _luminance(face) < 0.5
            self.texts[name][(r - top, c - left)] = self.ax.text(
                x0 + c + 0.5,
                y + r + 0.5,
                _num(value),
                ha="center",
                va="center",
                fontsize=font,
                color="white" if dark else ("black" if is_real else "#666666"),
                gid=f"{name}[{r - top},{c - left}]",
            )
        lines = title.splitlines() if title else []
        if title:
            self.ax.text(x0, y - 0.25, title, fontsize=9, va="bottom", ha="left")
        # a title is about 0.075 inch per character at 9 pt: the next grid starts after it
        wide = max((0.075 * len(line) / self.cell for line in lines), default=0.0)
        self._grow(x0, x0 + max(cols, wide), y - 0.25 - 0.2 / self.cell * len(lines), y + rows)
        self.cursor = x0 + max(cols, wide) + 1.2
        return x0, y

    def word(self, text: str, y: float, *, size: int = 16) -> None:
        """A symbol or short word (``*``, ``=``, ``sum``) in the gap before the next grid."""
        self.ax.text(self.cursor, y, text, fontsize=size, ha="left", va="center")
        self.cursor += 0.9 + 0.18 * len(text) * size / 12

    def note(self, text: str, x: float, y: float, **kw) -> None:
        """Free text at ``(x, y)`` in cell units (rows grow downwards)."""
        self.ax.text(x, y, text, fontsize=kw.pop("fontsize", 9), va=kw.pop("va", "top"), **kw)
        # about 0.075 inch per character at 9 pt: the axes must reach past the text's end
        chars = len(max(text.splitlines() or [""], key=len))
        self._grow(x, x + 0.075 * chars / self.cell, y, y + 0.5 * (text.count("\n") + 1))

    def outline(self, name, row, col, rows=1, cols=1, *, colour="#0072b2", width=2.5, inset=0.0, fill=False):
        """A frame around cells ``[row, row + rows) x [col, col + cols)`` of grid ``name`` (input coordinates)."""
        from matplotlib.patches import Rectangle

        x0, y0 = self.origins[name]
        top, left = self.pads[name]
        return self.ax.add_patch(
            Rectangle(
                (x0 + col + left + inset, y0 + row + top + inset),
                cols - 2 * inset,
                rows - 2 * inset,
                fill=fill,
                facecolor=colour if fill else "none",
                alpha=0.25 if fill else 1.0,
                edgecolor=colour,
                linewidth=width,
                zorder=3,
            )
        )

    def colorbar(self, norm, cmap, label: str) -> None:
        """One colour bar for every grid coloured with ``norm`` and ``cmap``."""
        from matplotlib.cm import ScalarMappable

        bar = self.fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=self.ax, shrink=0.8, pad=0.02)
        bar.set_label(label, fontsize=8)

    def finish(self, path=None):
        """Fit the axes to what was drawn, size the figure at ``cell`` inches per unit; save ``path`` if given."""
        x0, x1, y0, y1 = self._extent
        self.ax.set_xlim(x0 - 0.3, x1 + 0.3)
        self.ax.set_ylim(y1 + 0.3, y0 - 0.3)
        extra = 1.2 if len(self.fig.axes) > 1 else 0.0  # a colour bar
        self.fig.set_size_inches(self.cell * (x1 - x0 + 0.6) + extra, self.cell * (y1 - y0 + 0.6))
        self.fig.subplots_adjust(left=0.01, right=0.99 if not extra else 0.9, top=0.99, bottom=0.01)
        if path is not None:
            self.fig.savefig(path, format="png", dpi=100)
        return self.fig


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b


def _geometry(shape, kernel_shape, stride, padding, dilation=1):
    return convpool.conv_geometry(shape, kernel_shape, stride, padding, dilation)


def padded_by_convpool(x, pad, pad_mode: str = "constant") -> np.ndarray:
    """``x`` (2-D) as convpool's convolution sees it after padding: a 1x1 kernel of weight 1 over it.

    ``pad = ((top, bottom), (left, right))``. The identity 1x1 convolution
    returns every padded cell unchanged, so the fill shown is convpool's own.
    """
    x = np.asarray(x, dtype=np.float64)
    return convpool.convolve(x[None, :, :, None], np.ones((1, 1, 1, 1)), padding=pad, pad_mode=pad_mode)[0, :, :, 0]


def use_counts(shape, kernel_shape, stride=1, padding="valid", dilation=1) -> np.ndarray:
    """How many windows read each input cell, shape ``shape``.

    The gradient of ``sum(convolve(x, ones))`` with respect to ``x``
    (:func:`convpool.convolve_backward`): each window adds 1 to every cell it reads.
    """
    kh, kw = np.broadcast_to(kernel_shape, 2)
    x = np.zeros((1, *shape, 1))
    k = np.ones((kh, kw, 1, 1))
    oh, ow = convpool.conv_output_shape(shape, (kh, kw), stride, padding, dilation)
    grad, _ = convpool.convolve_backward(np.ones((1, oh, ow, 1)), x, k, padding, stride, dilation=dilation)
    return grad[0, :, :, 0]


def conv_step(x, kernel, cell=(0, 0), *, padding="valid", stride=1, board=None, y=0.0):
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
    return board


def channel_sum(x, kernel, *, padding="valid", names=("red", "green", "blue")):
    """A multi-channel convolution as per-channel partial maps and their sum.

    Row ``c``: channel ``c`` of the input, the kernel's slice ``c``, and the
    partial map (convpool's convolution of that channel with that slice); the
    last grid is convpool's convolution of all channels at once, which is the
    sum of the partial maps.

    Parameters
    ----------
    x : array_like, shape (h, w, c)
    kernel : array_like, shape (kh, kw, c)

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
        partial = convpool.convolve(x[None, :, :, c : c + 1], k[:, :, c : c + 1, None], padding=padding)[0, :, :, 0]
        board.cursor = 0.0
        board.grid(f"channel {c}", x[:, :, c], y=y, title=f"{name} plane")
        board.word("*", y + h / 2)
        board.grid(f"slice {c}", k[:, :, c], y=y + (h - k.shape[0]) / 2, title=f"kernel[:, :, {c}]")
        board.word("=", y + h / 2)
        board.grid(f"partial {c}", partial, y=y + (h - partial.shape[0]) / 2, title=f"partial map {c}")
    total = convpool.convolve(x[None], k[:, :, :, None], padding=padding)[0, :, :, 0]
    middle = (x.shape[2] * (h + 1.6) - 1.6) / 2
    board.word("add up ->", middle, size=12)
    board.grid("sum", total, y=middle - total.shape[0] / 2, title="output (one map)")
    return board


def pool_windows(x, size=2, stride=2, mode: str = "max", *, padding="valid", board=None):
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
    return board


def stride_strips(size: int, kernel: int, strides=(1, 2, 3), *, padding="valid"):
    """One input row per stride with every window drawn as a bar below it; cells no window reads crossed.

    Returns
    -------
    Board
        Grids ``stride s`` (the input cells, numbered), and ``unread``: stride ->
        list of input cells no window reads.
    """
    board = Board(cell=0.42)
    board.unread = {}
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
    return board


def image_row(images, titles, *, cmap="gray", scale: str = "row", label: str = "value", height: float = 2.2):
    """Images side by side at their true relative size, with one colour scale and one colour bar.

    Parameters
    ----------
    images : sequence of ndarray, shape (h, w) (or (h, w, 3) uint8, drawn as colour photos)
    titles : sequence of str
    scale : {'row', 'outputs', 'each'}
        ``'row'``: one colour scale (the row's min to max) and one colour bar;
        ``'outputs'``: the first image (the input) on its own scale, the others
        sharing one, with its colour bar; ``'each'``: every image its own
        (titles should then say its range).
    height : float, inches of the tallest image

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
    norm = Normalize(lo, hi if hi > lo else lo + 1)
    per_pixel = height / max(im.shape[0] for im in images)
    widths = [im.shape[1] * per_pixel for im in images]
    gap, bar = 0.35, (0.9 if scale != "each" and gray else 0.0)
    fig = plt.figure(figsize=(sum(widths) + gap * (len(images) + 1) + bar, height + 0.75))
    fw, fh = fig.get_size_inches()
    x = gap
    for n, (im, title, w) in enumerate(zip(images, titles, widths, strict=True)):
        h = im.shape[0] * per_pixel
        ax = fig.add_axes((x / fw, (0.15 + height - h) / fh, w / fw, h / fh))
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
    return fig
