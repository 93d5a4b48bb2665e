"""
3. What is padding?
===================

A 3x3 window fits in a 5x5 input in only 3x3 positions, so every
convolution without padding **shrinks** the image, and the border pixels are
used by fewer windows than the centre ones. **Padding** adds cells around
the input before the window slides. In these pictures padding cells are
**hatched grey**, real input cells are white.
"""

import numpy as np

import convpool
from convpool import data

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps

from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

# %%
# How often is each input cell used?
# ----------------------------------
#
# Each number below says how many window positions read that input cell (3x3
# kernel on a 6x6 input). Without padding a corner is read once and a centre
# cell nine times; with one cell of padding on every side (``'same'``) the
# border cells are read more often. (The counts come from convpool's
# backward pass: the gradient of the output's sum with respect to the input.)

# sphinx_gallery_start_ignore
board = plot_learn.Board()
board.grid("valid", plot_learn.use_counts((6, 6), 3, padding="valid"), title="no padding ('valid')")
board.grid("same", plot_learn.use_counts((6, 6), 3, padding="same"), title="1 cell on each side ('same')")
board.finish(alt="How many 3x3 windows read each cell of a 6x6 input, without padding and with 'same' padding")
# sphinx_gallery_end_ignore

# %%
# The shrinking stack
# -------------------
#
# Without padding, every 3x3 convolution takes one pixel off each side:
# 28 -> 26 -> 24 -> 22. The images are drawn at their true relative size,
# on one colour scale.
image = data.grayscale_batch(1)[0].astype(np.float64)
blur = np.full((3, 3, 1, 1), 1 / 9)
stack = [image]
for _ in range(3):
    stack.append(convpool.convolve(stack[-1][None, :, :, None], blur, padding="valid")[0, :, :, 0])
# sphinx_gallery_start_ignore
plot_learn.image_row(
    stack,
    [f"{s.shape[0]}x{s.shape[1]}" for s in stack],
    label="pixel value",
    alt="A 28x28 digit blurred three times without padding: 26x26, 24x24, 22x22, at true relative size",
)
# sphinx_gallery_end_ignore

# %%
# What goes into the padding?
# ---------------------------
#
# Zeros are the usual choice (``pad_mode='constant'``), but convpool also
# copies the edge, mirrors the image or wraps it around, with NumPy's names
# (``np.pad``). For the row ``1 2 3 4`` and two cells of padding on the left:
# constant gives ``0 0``, edge ``1 1``, reflect ``3 2`` (the edge cell not
# repeated), symmetric ``2 1`` (edge repeated), wrap ``3 4``. The grids are
# computed by convpool itself (a 1x1 kernel of weight 1 returns its padded
# input unchanged).
x = np.arange(1, 17).reshape(4, 4)
# sphinx_gallery_start_ignore
board = plot_learn.Board(cell=0.36)
for n, mode in enumerate(["constant", "edge", "reflect", "symmetric", "wrap"]):
    padded = plot_learn.padded_by_convpool(x, ((2, 2), (2, 2)), mode)
    # three on the first row, two below: each grid stays large enough to read
    board.grid(mode, padded, pad=(2, 2), x=9.5 * (n % 3), y=10.5 * (n // 3), title=f"pad_mode='{mode}'")
board.finish(
    alt="The 4x4 grid 1 to 16 padded by two cells with each pad_mode: constant, edge, reflect, symmetric, wrap"
)
# sphinx_gallery_end_ignore

# %%
# At a photo's border the choice shows: a wide 15x15 blur with ``'same'``
# padding darkens the border with zeros, and keeps it natural with the
# others.
photo = data.photo("camera")[:96, 160:256].astype(np.float64)  # bright sky and a building
box = np.full((15, 15, 1, 1), 1 / 225)
modes = ["constant", "edge", "reflect", "symmetric", "wrap"]
blurred = [convpool.convolve(photo[None, :, :, None], box, pad_mode=m)[0, :, :, 0] for m in modes]
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, *blurred[:2]],
    ["photo", *modes[:2]],
    label="pixel value",
    limits=(0, 255),
    height=2.6,
    alt="A photo and its 15x15 blur with constant (zero) and edge padding",
)
plot_learn.image_row(
    blurred[2:],
    modes[2:],
    label="pixel value",
    limits=(0, 255),
    height=2.6,
    alt="The same blur with reflect, symmetric and wrap padding",
)
# sphinx_gallery_end_ignore

# %%
# Per side or total?
# ------------------
#
# convpool, PyTorch and TensorFlow count padding **per side**: ``padding=1``
# adds one row on top *and* one at the bottom. The d2l.ai book writes the
# **total** ``p`` (both sides together), so its ``p = 2`` is everyone else's
# ``padding=1``. Reading one as the other is a classic bug (see "The many
# 'same's"). convpool says exactly what it adds on each side:
print(convpool.conv_padding((28, 28), (3, 3), padding="same"))  # ((top, bottom), (left, right))
print(convpool.conv_output_shape((28, 28), (3, 3), padding=1))
print(convpool.conv_output_shape((28, 28), (3, 3), padding=2))  # total 2 read as per side 2

# %%
# Step through it yourself
# ------------------------
#
# A 3x3 kernel on the 5x5 input of page 1, with one cell of padding on each
# side (hatched, read as 0). Change the padding, per side too (*explicit*),
# and watch which windows reach into it.
x5 = np.array([[3, 1, 0, 2, 4], [1, 5, 2, 0, 1], [0, 2, 6, 1, 0], [2, 0, 1, 3, 2], [4, 1, 0, 2, 5]])
# sphinx_gallery_start_ignore
_steps.steps(x5, [[1, 0, -1], [1, 0, -1], [1, 0, -1]], padding="same")
# sphinx_gallery_end_ignore
