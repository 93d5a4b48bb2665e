"""
5. What is stride?
==================

The **stride** is how far the window moves between two output cells. Stride
1 visits every position; stride 2 every other one, so the output is about
half as large; stride 3 every third one.

The output size along one axis is::

    out = (n + before + after - k) // s + 1

The ``//`` rounds **down**: a window that would hang over the edge is not
computed. Below, a row of 7 input cells and a window of 3, each bar one
window position. With stride 3 the last cell (crossed out) is **never read**:
``(7 - 3) / 3 + 1 = 2.33``, rounded down to 2 windows.
"""

import numpy as np

import convpool
from convpool import data

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps

from convpool.plot import learn as plot_learn

plot_learn.stride_strips(7, 3, (1, 2, 3)).finish()
# sphinx_gallery_end_ignore

# %%
# On a 28x28 image with a 3x3 kernel: ``(28 - 3) / 2 + 1 = 13.5``, so stride
# 2 gives **13** outputs, not 13.5 nor 14: the last input row and column are
# never read.
for s in (1, 2, 3):
    print(f"stride {s}:", convpool.conv_output_shape((28, 28), (3, 3), stride=s, padding="valid"))

# %%
# Stride 2 is every other stride-1 output
# ---------------------------------------
#
# The stride-2 output is exactly the stride-1 output with every other row and
# column kept (framed), so a stride is a cheaper way to compute a subsampled
# result. The images are drawn at their true relative size, on one colour
# scale.
x = np.arange(36).reshape(6, 6) % 5
k = np.array([[1, 0], [0, -1]])
full = convpool.convolve(x[None, :, :, None], k[:, :, None, None], padding="valid")[0, :, :, 0]
half = convpool.convolve(x[None, :, :, None], k[:, :, None, None], padding="valid", stride=2)[0, :, :, 0]
# sphinx_gallery_start_ignore
board = plot_learn.Board()
board.grid("stride 1", full, title="stride 1: 5x5")
for i in range(0, 5, 2):
    for j in range(0, 5, 2):
        board.outline("stride 1", i, j, colour="#d55e00")
board.grid("stride 2", half, y=1, title="stride 2: 3x3")
board.finish(
    alt="A 5x5 stride-1 output with every other row and column framed, and the 3x3 stride-2 output: the same numbers"
)
# sphinx_gallery_end_ignore

# %%
# On a photo: stride 1, 2 and 3 with the same edge kernel, true relative
# sizes, one colour scale.
image = data.grayscale_batch(1)[0].astype(np.float64)
edge = np.array([[1, 0, -1]] * 3, dtype=np.float64)[:, :, None, None]
maps = [convpool.convolve(image[None, :, :, None], edge, padding="valid", stride=s)[0, :, :, 0] for s in (1, 2, 3)]
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [image, *maps],
    ["input 28x28", *(f"stride {s}: {m.shape[0]}x{m.shape[1]}" for s, m in zip((1, 2, 3), maps, strict=True))],
    scale="outputs",
    label="output value",
    height=2.8,
    alt="A 28x28 digit and its edge maps at stride 1 (26x26), 2 (13x13) and 3 (9x9), true relative sizes",
)
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# The 6x6 input and 2x2 kernel above at stride 2: the window jumps two cells
# at a time. Try stride 3 on the exercise's 28x28 digit: which rows are never
# read?
stride = 2
# sphinx_gallery_start_ignore
_steps.steps(x, k, stride=stride)
# sphinx_gallery_end_ignore
