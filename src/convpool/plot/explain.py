"""The window animation of ``convpool explain``: one convolution or pooling, step by step (matplotlib, optional)."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import numpy.typing as npt

from .._plan._shapes import AxisGeometry
from ._mpl import _num, _pyplot, _weight


class ExplainScene:
    """The drawing of one convolution or pooling, step by step.

    The padded input grid is on the left (padding cells grey and dashed,
    input cells white, each with its value), the output grid on the right.
    Step ``t`` (``0 <= t < oh * ow``, row by row) highlights the taps of
    output cell ``(t // ow, t % ow)``, shows the kernel weights on them, and
    fills in the output cells ``0..t``.

    Parameters
    ----------
    values : ndarray, shape (h, w), the input numbers
    kernel : ndarray, shape (kh, kw), the weights (conv) or None (pooling)
    geometry : (AxisGeometry, AxisGeometry), from :func:`convpool.conv_geometry`
    result : ndarray, shape (oh, ow), the output, computed by convpool
    mode : {'conv', 'max', 'avg', 'min', 'sum'}
    source : str, optional
        Where the input comes from (e.g. ``sample:camera[100:105, 120:125]``), written above the arithmetic.
    kernel_name : str, optional
        The kernel's name (e.g. ``sobel_x``), written above the arithmetic.
    output_name : str, optional
        What the right-hand grid is called (default ``output``); a multi-channel
        input's one plane gives a *partial* map, and says so.

    Kernel weights in the window's corners are rounded to 2 significant digits
    (``x.059``) to fit a cell; the arithmetic underneath uses 3.
    """

    cell = 0.42  # inches per grid cell

    def __init__(
        self,
        values: npt.ArrayLike,
        kernel: npt.ArrayLike | None,
        geometry: tuple[AxisGeometry, AxisGeometry],
        result: npt.ArrayLike,
        mode: str = "conv",
        *,
        source: str | None = None,
        kernel_name: str | None = None,
        output_name: str = "output",
    ) -> None:
        self.source = source or "input"
        self.output_name = output_name
        self.symbol = "out" if output_name == "output" else "partial"
        self.kernel_name = kernel_name
        self.values = np.asarray(values)
        self.kernel = None if kernel is None else np.asarray(kernel)
        self.gh, self.gw = geometry
        self.result = np.asarray(result)
        self.mode = mode
        self.steps = self.gh.out * self.gw.out
        self._build()

    # The padded grid has gh.padded rows; input cell (r, c) sits at padded (r + before, c + before).
    def _build(self) -> None:
        plt = _pyplot()
        from matplotlib.patches import Rectangle

        gh, gw = self.gh, self.gw
        hp, wp = gh.padded, gw.padded
        oh, ow = gh.out, gw.out
        gap = 1.5
        width = wp + gap + ow
        # the caption (one step's arithmetic) wraps to the figure width: leave room for its longest
        self.caption_chars = max(30, int(self.cell * width * 13))  # ~15 monospace chars per inch at 8 pt, less a margin
        lines = max(self.caption_text(step).count("\n") + 1 for step in range(self.steps))
        height = max(hp, oh) + 1.6 + 0.45 * lines
        # 0.6 cells on the left for the row indices
        self.fig = fig = plt.figure(figsize=(self.cell * (width + 0.6) + 0.2, self.cell * height + 0.2))
        ax = self.ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-0.7, width + 0.1)
        ax.set_ylim(height, -0.1)  # rows grow downwards, like an array
        ax.axis("off")
        top = 1.3  # room for the labels and the column indices
        self.top, self.out_left = top, wp + gap
        font = 9 if max(hp, wp) <= 12 else 7
        fill_text = "" if self.mode != "conv" else "0"
        for r in range(hp):
            for c in range(wp):
                real = gh.before <= r < gh.before + gh.size and gw.before <= c < gw.before + gw.size
                ax.add_patch(
                    Rectangle(
                        (c, top + r),
                        1,
                        1,
                        facecolor="white" if real else "#e4e4e4",
                        edgecolor="#444444" if real else "#9a9a9a",
                        linestyle="-" if real else "--",
                        linewidth=0.8,
                    )
                )
                text = _num(self.values[r - gh.before, c - gw.before]) if real else fill_text
                ax.text(
                    c + 0.5,
                    top + r + 0.5,
                    text,
                    ha="center",
                    va="center",
                    fontsize=font,
                    color="black" if real else "#8a8a8a",
                )
        for i in range(oh):
            for j in range(ow):
                ax.add_patch(
                    Rectangle((self.out_left + j, top + i), 1, 1, facecolor="#f4f8ff", edgecolor="#444444", lw=0.8)
                )
        self.out_texts = [
            ax.text(
                self.out_left + j + 0.5,
                top + i + 0.5,
                _num(self.result[i, j]),
                ha="center",
                va="center",
                fontsize=font,
                visible=False,
            )
            for i in range(oh)
            for j in range(ow)
        ]
        pad_note = (
            f"padding top {gh.before}, bottom {gh.after}, left {gw.before}, right {gw.after}"
            if gh.padded > gh.size or gw.padded > gw.size
            else "no padding"
        )
        ax.text(0, 0.45, f"input {gh.size}x{gw.size} ({pad_note})", fontsize=8, va="center")
        ax.text(self.out_left, 0.45, f"{self.output_name} {oh}x{ow}, {self._steps_note()}", fontsize=8, va="center")
        self._indices(top)
        taps = gh.kernel * gw.kernel
        self.tap_patches = [
            ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="#3b7dd8", alpha=0.35, edgecolor="#1d4f9a", lw=1.6))
            for _ in range(taps)
        ]
        self.tap_texts = [ax.text(0, 0, "", fontsize=6, color="#0b3d91", ha="right", va="bottom") for _ in range(taps)]
        self.out_patch = ax.add_patch(
            Rectangle((0, 0), 1, 1, facecolor="#3b7dd8", alpha=0.35, edgecolor="#1d4f9a", lw=1.6)
        )
        self.caption = ax.text(0, top + max(hp, oh) + 0.35, "", fontsize=8, va="top", family="monospace")

    def _steps_note(self) -> str:
        """``stride 2x1`` (and ``dilation ...`` when not 1): how far windows and taps move."""
        gh, gw = self.gh, self.gw
        note = f"stride {gh.stride}x{gw.stride}"
        if (gh.dilation, gw.dilation) != (1, 1):
            note += f", dilation {gh.dilation}x{gw.dilation}"
        return note

    def _indices(self, top: float) -> None:
        """Row and column indices of the input's real cells and of the output, in small grey type."""
        ax, gh, gw = self.ax, self.gh, self.gw
        style = {"fontsize": 6, "color": "#777777"}
        for r in range(gh.size):
            ax.text(-0.1, top + gh.before + r + 0.5, str(r), ha="right", va="center", **style)
        for c in range(gw.size):
            ax.text(gw.before + c + 0.5, top - 0.08, str(c), ha="center", va="bottom", **style)
        for i in range(gh.out):
            ax.text(self.out_left - 0.1, top + i + 0.5, str(i), ha="right", va="center", **style)
        for j in range(gw.out):
            ax.text(self.out_left + j + 0.5, top - 0.08, str(j), ha="center", va="bottom", **style)

    def taps(self, step: int) -> list[tuple[int, int]]:
        """Padded-grid cells ``(row, col)`` the window of ``step`` reads, in kernel order."""
        i, j = divmod(step, self.gw.out)
        return [
            (i * self.gh.stride + a * self.gh.dilation, j * self.gw.stride + b * self.gw.dilation)
            for a in range(self.gh.kernel)
            for b in range(self.gw.kernel)
        ]

    def formula(self, step: int) -> str:
        """The arithmetic of output cell ``step``: ``out[0, 1] = 1*2 + 0*3 + ... = 7`` (``partial[..]`` for a plane)."""
        i, j = divmod(step, self.gw.out)
        terms, weights = [], []
        for (r, c), (a, b) in zip(self.taps(step), np.ndindex(self.gh.kernel, self.gw.kernel), strict=True):
            real = 0 <= r - self.gh.before < self.gh.size and 0 <= c - self.gw.before < self.gw.size
            value = self.values[r - self.gh.before, c - self.gw.before] if real else None
            if self.mode == "conv":
                assert self.kernel is not None  # mode 'conv' comes with its weights
                weight = _num(self.kernel[a, b])
                terms.append(f"{_num(value if real else 0)}*{f'({weight})' if weight.startswith('-') else weight}")
            elif real:
                terms.append(_num(value))
            weights.append(real)
        shown = terms if len(terms) <= 9 else [*terms[:8], "..."]
        if self.mode == "conv":
            body = " + ".join(shown)
        else:
            body = f"{self.mode}({', '.join(shown)})"
        return f"{self.symbol}[{i}, {j}] = {body} = {_num(self.result[i, j])}"

    def caption_text(self, step: int) -> str:
        """:meth:`formula` wrapped to the figure width, after the kernel's name if it has one."""
        text = textwrap.fill(self.formula(step), self.caption_chars, break_long_words=False)
        names = [f"input {self.source}"] if self.source != "input" else []
        names += [] if self.kernel_name is None else [f"kernel {self.kernel_name}"]
        return "\n".join([*names, text])

    def draw(self, step: int) -> None:
        """Move the window and the fill to ``step``."""
        top = self.top
        for (r, c), patch, text, (a, b) in zip(
            self.taps(step), self.tap_patches, self.tap_texts, np.ndindex(self.gh.kernel, self.gw.kernel), strict=True
        ):
            patch.set_xy((c, top + r))
            text.set_position((c + 0.96, top + r + 0.97))
            text.set_text("" if self.kernel is None else f"x{_weight(self.kernel[a, b])}")
        for index, text in enumerate(self.out_texts):
            text.set_visible(index <= step)
        i, j = divmod(step, self.gw.out)
        self.out_patch.set_xy((self.out_left + j, top + i))
        self.caption.set_text(self.caption_text(step))

    def frame(self, step: int) -> np.ndarray:
        """Step ``step`` as an RGB image, shape ``(height, width, 3)`` uint8."""
        self.draw(step)
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()

    def close(self) -> None:
        """Release the figure."""
        _pyplot().close(self.fig)


def explain_gif(scene: ExplainScene, path: str | os.PathLike[str], *, fps: float = 2.0) -> int:
    """Write the animation of ``scene`` as a looping GIF, one frame per output cell; returns the count.

    Each frame shows for ``1 / fps`` seconds, the last (the whole output) four times as long.
    """
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("writing a GIF needs Pillow: pip install 'convpool[image]'") from exc
    frames = [Image.fromarray(scene.frame(step)) for step in range(scene.steps)]
    duration = int(round(1000 / fps))
    # the finished output stays up four times as long before the loop starts again
    durations = [duration] * (len(frames) - 1) + [4 * duration]
    # every frame differs (the window moves), so Pillow keeps them all; the format is named because
    # `path` may be a temporary name ending in .tmp
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return len(frames)


def explain_still(scene: ExplainScene, path: str | os.PathLike[str], step: int) -> None:
    """Write step ``step`` of ``scene`` as a PNG, numbers and arithmetic included."""
    scene.draw(step)
    scene.fig.savefig(path, format="png", dpi=100)
