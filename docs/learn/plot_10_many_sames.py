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
"""

import html

import numpy as np

import convpool
from convpool import conventions
from convpool.plot import learn as plot_learn

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


# sphinx_gallery_end_ignore


# %%
# One row of 6 pixels and a kernel of 4, padded as each convention says
# (hatched cells are padding); the output length is written on the right. The
# first three agree on the size but not on where the extra cell goes; the
# last two give one output too many.
board = plot_learn.Board(cell=0.36)
row = np.arange(1, 7)[None, :]
for n, key in enumerate(["tf", "scipy", "d2l", "half", "exercise"]):
    before, after = conventions.convention_padding(key, 6, 4)
    padded = plot_learn.padded_by_convpool(row, ((0, 0), (before, after)))
    out = convpool.conv_output_shape((1, 6), (1, 4), padding=((0, 0), (before, after)))[1]
    name = conventions.CONVENTIONS[[c.key for c in conventions.CONVENTIONS].index(key)].name
    board.grid(key, padded, pad=((0, 0), (before, after)), x=3 - before, y=2.2 * n, title=name)
    board.note(f"pad ({before}, {after}) -> {out} outputs", 12, 2.2 * n + 0.5, va="center")
board.finish()

# %%
# The rules
# ---------
#
# ``n`` input size, ``k`` kernel size, ``s`` stride, along one axis.
Table(["convention", "padding per side"], [(c.name, c.rule) for c in conventions.CONVENTIONS])

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
Table(["kernel", "stride", "convention", "(before, after)", "output", "the same with convpool"], rows, marked)

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
Table(["n", "k", "s", *keys], rows, marked)

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
