"""
12. Implement the exercise
==========================

The exercise convpool grew from asks for seven functions, each in its own
file, with NumPy only: ``np.pad`` for the padding, every image of the batch
``(m, h, w)`` handled **at once** (no loop over ``m``), and Python loops
only over the output's rows and columns (and, in task 5, over the kernels).
This page writes task 1 that way, says which "same" the exercise's printed
shapes ask for, and shows what ``convpool check`` reports on a classic
mistake. The table lists the seven tasks as ``convpool.exercise`` holds
them.
"""

import numpy as np

import convpool
import convpool.conventions
from convpool import data, exercise

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the table's HTML, a temporary folder, the widget)
import html
import io
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import _steps

from convpool.cli import main as convpool_cli


class Table:
    """Rows shown as an HTML table on the page."""

    def __init__(self, header, rows):
        self.header, self.rows = header, rows

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in self.rows)
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


Table(
    ["file", "function", "the spec's example call", "Python loops allowed"],
    [(t.filename, t.function, t.call, t.max_loops) for t in exercise.TASKS],
)
# sphinx_gallery_end_ignore

# %%
# Task 1, the exercise's way
# --------------------------
#
# Pad all the images at once with ``np.pad`` (nothing on the batch axis), then
# loop over the output's rows and columns only: each step takes the same
# window out of **every** image, ``(m, kh, kw)``, multiplies it by the kernel
# (broadcast over ``m``) and sums over the window's two axes, giving ``m``
# numbers at once.


def convolve_grayscale_same(images, kernel):
    """'same' convolution of images (m, h, w) with a kernel (kh, kw): the output is (m, h, w)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2  # an odd extra row/column goes to the bottom/right
    padded = np.pad(images, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    out = np.zeros((m, h, w))
    for i in range(h):
        for j in range(w):
            out[:, i, j] = np.sum(padded[:, i : i + kh, j : j + kw] * kernel, axis=(1, 2))
    return out


images = data.grayscale_batch(64).astype(np.float64)  # (64, 28, 28), MNIST-like
mine = convolve_grayscale_same(images, exercise.EDGE)
print(images.shape, "->", mine.shape)
print("equals convpool:", np.allclose(mine, convpool.convolve_grayscale_same(images, exercise.EDGE)))

# %%
# Which "same"?
# -------------
#
# The exercise's main file for task 1 prints ``(50000, 28, 28)`` twice: the
# output is as large as the input. So its "same" is convpool's (and
# TensorFlow's): ``kh - 1`` rows of padding in all, the odd one at the
# bottom. A formula found in many public solutions pads
# ``((h - 1) * s + kh - h) // 2 + 1`` on each side instead: 2 for a 3x3
# kernel on 28 rows, and the output grows to **30x30**, because every cell of
# padding on top of the ``kh - 1`` needed adds one output row:
plus_one, _ = convpool.conventions.convention_padding("exercise", 28, 3)  # the formula, per side
print("padding per side:", plus_one, "-> output", convpool.conv_output_shape((28, 28), (3, 3), padding=plus_one))
print("convpool 'same': ", convpool.conv_padding((28, 28), (3, 3), padding="same"), "->", mine.shape[1:])

# %%
# What ``convpool check`` says
# ----------------------------
#
# ``convpool check FOLDER`` runs your files on a battery of cases against
# convpool, and names the mistake when one fails. Here the function above
# with the ``+ 1`` formula, saved as ``1-convolve_grayscale_same.py``::
#
#     convpool check my_solutions/ --task 1 --no-timing
#
# Its report (the checker also reads the rules from the source: the shebang,
# the docstrings, the imports and the loops):
wrong = '''#!/usr/bin/env python3
"""Task 1 with the +1 padding formula."""
import numpy as np


def convolve_grayscale_same(images, kernel):
    """Same convolution of images (m, h, w) with a kernel (kh, kw)."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    ph = ((h - 1) + kh - h) // 2 + 1
    pw = ((w - 1) + kw - w) // 2 + 1
    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))
    oh, ow = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.sum(padded[:, i:i + kh, j:j + kw] * kernel, axis=(1, 2))
    return out
'''

# sphinx_gallery_start_ignore
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "1-convolve_grayscale_same.py"
    path.write_text(wrong, encoding="utf-8")
    path.chmod(0o755)
    report = io.StringIO()
    with redirect_stdout(report):
        status = convpool_cli(["check", folder, "--task", "1", "--no-timing"])
print(report.getvalue().replace(folder, "my_solutions"))
print("exit status", status)
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# Task 1's kernel on the exercise's 28x28 digit (pick it from the *input*
# list), with convpool's ``'same'``: the output stays 28x28. Switch to
# explicit padding 2 on every side and the output becomes 30x30.
edge = exercise.EDGE

# sphinx_gallery_start_ignore
_steps.steps(images[0, 6:14, 6:14].astype(int), edge, padding="same")
# sphinx_gallery_end_ignore
