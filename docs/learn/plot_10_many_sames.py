"""
The many "same"s
================

Your output is 30x30 and your friend's is 28x28, or both are 28x28 but one
pixel apart? "Same" padding is not one rule. Each library (and many public
solutions of this exercise) decides on its own how much padding to add and
on which side the odd cell goes. This page lists them, computed by
``convpool.conventions``, with the **explicit** convpool padding that gives
each one's result, so you can reproduce any of them::

    convpool.convolve(x, k, padding=((top, bottom), (left, right)), stride=s)

**Which "same" does the exercise want?** Its task 1 prints ``(50000, 28,
28)`` for 28x28 images and a 3x3 kernel: the output as large as the input.
That is convpool's ``'same'`` (TensorFlow's ``'SAME'``): ``ceil(n / s)``
outputs, the odd padding cell at the bottom/right. Two formulas found in
public solutions are not it, and ``convpool check`` names them as mistakes
(last column of the first table): ``k // 2`` on both sides agrees for odd
kernels but gives one output too many for even ones
(``[same-half-kernel]``), and ``((h - 1) * s + k - h) // 2 + 1`` pads 2 on
each side for a 3x3 kernel, so 28 + 2 + 2 - 3 + 1 = **30x30**
(``[same-plus-one]``).
"""

import numpy as np

import convpool
from convpool import conventions

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import html

import _steps

from convpool.checker.mistakes import SAME_FORMULAS
from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

# sphinx_gallery_start_ignore
# (hidden on the page: a plain HTML table of rows that convpool.conventions computed)


class Table:
    """Rows of cells shown as an HTML table on the page (the numbers come from convpool.conventions)."""

    def __init__(self, header, rows, marked=()):
        self.header, self.rows, self.marked = header, rows, set(marked)

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.header)
        body = []
        for r, row in enumerate(self.rows):
            cells = []
            for c, value in enumerate(row):
                style = ' style="background:#ffe1c4"' if (r, c) in self.marked else ""
                cells.append(f"<td{style}>{html.escape('-' if value is None else str(value))}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def check_id(key):
    """The ``convpool check`` diagnosis whose padding formula is this convention's, on a grid of sizes; or None."""
    grid = [(n, k, s) for n in range(1, 13) for k in range(1, 7) for s in range(1, 4)]
    for name, (_, formula) in SAME_FORMULAS.items():
        if all(conventions.convention_padding(key, n, k, s) == (formula(n, k, s),) * 2 for n, k, s in grid):
            return f"[{name}]"
    return None


# sphinx_gallery_end_ignore


# %%
# One row of 6 pixels and a kernel of 4, padded as each convention says
# (hatched cells are padding); the output length is written on the right. The
# first three agree on the size but not on where the extra cell goes; the
# last two give one output too many.

# sphinx_gallery_start_ignore
board = plot_learn.Board(cell=0.36)
row = np.arange(1, 7)[None, :]
for n, key in enumerate(["tf", "scipy", "d2l", "half", "exercise"]):
    before, after = conventions.convention_padding(key, 6, 4)
    padded = plot_learn.padded_by_convpool(row, ((0, 0), (before, after)))
    out = convpool.conv_output_shape((1, 6), (1, 4), padding=((0, 0), (before, after)))[1]
    name = conventions.CONVENTIONS[[c.key for c in conventions.CONVENTIONS].index(key)].name
    board.grid(key, padded, pad=((0, 0), (before, after)), x=3 - before, y=2.2 * n, title=name)
    mistake = check_id(key)
    note = f"pad ({before}, {after}) -> {out} outputs" + (f"   convpool check: {mistake}" if mistake else "")
    board.note(note, 12, 2.2 * n + 0.5, va="center")
board.finish(alt="A row of 6 cells padded for a kernel of 4 by five conventions, and how many outputs each gives")
# sphinx_gallery_end_ignore

# %%
# The rules
# ---------
#
# ``n`` input size, ``k`` kernel size, ``s`` stride, along one axis.

# sphinx_gallery_start_ignore
Table(
    ["convention", "padding per side", "convpool check calls it"],
    [(c.name, c.rule, check_id(c.key) or "") for c in conventions.CONVENTIONS],
)
# sphinx_gallery_end_ignore

# %%
# A 28x28 input
# -------------
#
# The exercise's MNIST-sized images. Cells that differ from TensorFlow's
# ``'SAME'`` (convpool's ``'same'``) are shaded. With a 3x3 kernel the
# formula ``((h - 1) * s + k - h) // 2 + 1`` pads 2 on each side and gives
# **30x30**; with a 4x4 kernel SciPy and d2l put the extra cell on top, the
# others at the bottom.
rows, marked = [], []
table = conventions.same_table(sizes=(28,), kernels=(3, 4), strides=(1, 2))
reference = {(r["n"], r["k"], r["s"]): r for r in table if r["key"] == "tf"}
for r in table:
    ref = reference[(r["n"], r["k"], r["s"])]
    pads = None if r["before"] is None else f"({r['before']}, {r['after']})"
    out = None if r["out"] is None else f"{r['out']}x{r['out']}"
    rows.append((f"{r['k']}x{r['k']}", r["s"], r["name"], pads, out, r["call"]))
    if r["out"] is not None and (r["before"], r["after"]) != (ref["before"], ref["after"]):
        marked += [(len(rows) - 1, 3), (len(rows) - 1, 4)] if r["out"] != ref["out"] else [(len(rows) - 1, 3)]
# sphinx_gallery_start_ignore
Table(["kernel", "stride", "convention", "(before, after)", "output", "the same with convpool"], rows, marked)
# sphinx_gallery_end_ignore

# %%
# Every call in the last column is run here, so a wrong entry would break
# this page's build:
x = np.zeros((1, 28, 28, 1))
for r in table:
    if r["call"] is not None:
        kernel = np.zeros((r["k"], r["k"], 1, 1))
        pads = ((r["before"], r["after"]), (r["before"], r["after"]))
        got = convpool.convolve(x, kernel, padding=pads, stride=r["s"]).shape[1:3]
        assert got == (r["out"], r["out"]), (r, got)
print("checked", sum(r["call"] is not None for r in table), "calls")

# %%
# Output sizes over a grid
# ------------------------
#
# Output size (one axis) for small inputs, every kernel from 2 to 5 and
# strides 1 and 2; shaded where it is not ``ceil(n / s)``, the size "same"
# promises.
grid = conventions.same_table(sizes=(5, 6, 7), kernels=(2, 3, 4, 5), strides=(1, 2))
keys = [c.key for c in conventions.CONVENTIONS]
rows, marked = [], []
for n in (5, 6, 7):
    for k in (2, 3, 4, 5):
        for s in (1, 2):
            outs = {r["key"]: r["out"] for r in grid if (r["n"], r["k"], r["s"]) == (n, k, s)}
            rows.append((n, k, s, *(outs[key] for key in keys)))
            marked += [(len(rows) - 1, 3 + i) for i, key in enumerate(keys) if outs[key] not in (None, -(-n // s))]
# sphinx_gallery_start_ignore
Table(["n", "k", "s", *keys], rows, marked)
# sphinx_gallery_end_ignore

# %%
# SciPy, checked (SciPy disagrees with itself)
# --------------------------------------------
#
# With a 4x4 kernel, SciPy's ``signal.correlate(..., mode='same')`` (and
# ``ndimage.correlate``) is convpool with padding ``((2, 1), (2, 1))``: the
# extra cell on top. But ``signal.correlate2d(..., mode='same')`` is
# ``((1, 2), (1, 2))``, which is convpool's ``'same'``. Run here:
from scipy import signal  # noqa: E402  (only this section needs SciPy)

rng = np.random.default_rng(0)
image, k4 = rng.normal(size=(9, 9)), rng.normal(size=(4, 4))


def convpool_with(padding):
    """The 9x9 image convolved with the 4x4 kernel by convpool."""
    return convpool.convolve(image[None, :, :, None], k4[:, :, None, None], padding=padding)[0, :, :, 0]


for key, theirs in (
    ("scipy", signal.correlate(image, k4, mode="same")),
    ("scipy2d", signal.correlate2d(image, k4, mode="same")),
):
    pads = conventions.convention_padding(key, 9, 4)
    print(f"{key:8s} == convpool padding={(pads, pads)}:", np.allclose(theirs, convpool_with((pads, pads))))
    print(f"{key:8s} == convpool 'same':", np.allclose(theirs, convpool_with("same")))

# %%
# Step through it yourself
# ------------------------
#
# A 6x6 input and a 4x4 kernel with SciPy's padding, the extra cell on top
# and left: ``((2, 1), (2, 1))``. Switch to ``same`` (convpool's, the extra cell
# at the bottom and right) and see the output move by one cell.
x6, k4 = np.arange(36).reshape(6, 6) % 7, np.ones((4, 4), dtype=int)
scipy_pads = conventions.convention_padding("scipy", 6, 4)  # (2, 1)
# sphinx_gallery_start_ignore
_steps.steps(x6, k4, padding=(scipy_pads, scipy_pads))
# sphinx_gallery_end_ignore
