"""
8. What are max and average pooling?
====================================

**Pooling** also slides a window over the input, but it has no weights: it
keeps the **largest** number of each window (max pooling) or their
**average** (average pooling). It usually moves by its own size (2x2
windows, stride 2), so the windows do not overlap and the output is half as
large in each direction. Each channel is pooled on its own.

Below, each window has its own colour; the output cell it gives has the same
colour, and for max pooling the **winning** cell is circled.
"""

import numpy as np

import convpool

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps

from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

x = np.array(
    [
        [1, 3, 2, 0, 4, 1],
        [5, 2, 1, 6, 0, 2],
        [0, 1, 7, 2, 3, 3],
        [4, 2, 1, 0, 8, 1],
    ]
)
# sphinx_gallery_start_ignore
plot_learn.pool_windows(x, 2, 2, "max").finish()
# sphinx_gallery_end_ignore

# %%
# Average pooling: the mean of the four cells.

# sphinx_gallery_start_ignore
plot_learn.pool_windows(x, 2, 2, "avg").finish()
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# Max pooling of the same 4x6 input, 2x2 windows, stride 2: click an output
# cell to see its window and the numbers that compete. Switch to *avg*, to
# 3x3 windows, to stride 1 (the windows overlap), or to the exercise's 28x28
# digit.

# sphinx_gallery_start_ignore
_steps.steps(x, mode="max", pool=2, stride=2)
# sphinx_gallery_end_ignore

# %%
# A one-pixel shift
# -----------------
#
# Move the bright pixel one cell to the right, inside its 2x2 window: the max
# pooling output does not change at all, but the convolution's output moves.
# This small tolerance to shifts is one reason networks pool (a network's
# convolution, bias, ReLU and pooling, one after the other, are on
# :ref:`Kernels are learned <sphx_glr_auto_learn_plot_11_kernels_are_learned.py>`).
a = np.zeros((4, 4))
a[1, 0] = 9
b = np.roll(a, 1, axis=1)
k = np.array([[1, 2], [3, 4]])
# sphinx_gallery_start_ignore
board = plot_learn.Board()
# sphinx_gallery_end_ignore
for name, img in (("pixel at column 0", a), ("pixel at column 1", b)):
    pooled = convpool.pool(img[None, :, :, None], 2, 2, "max")[0, :, :, 0]
    conv = convpool.convolve(img[None, :, :, None], k[:, :, None, None], padding="valid")[0, :, :, 0]
    # sphinx_gallery_start_ignore
    board.cursor = 0.0
    y = 0 if name.endswith("0") else 6
    board.grid(name, img, y=y, title=name)
    board.word("max 2x2/2 ->", y + 2, size=10)
    board.grid(f"{name} pooled", pooled, y=y + 1, title="pooled")
    board.word("  conv 2x2 ->", y + 2, size=10)
    board.grid(f"{name} conv", conv, y=y + 0.5, title="convolved")
board.finish(
    alt="A bright pixel moved one column inside its 2x2 window: the max-pooled output stays, the convolution's moves"
)
# sphinx_gallery_end_ignore

# %%
# Padding never wins
# ------------------
#
# With padding, convpool lets only real cells compete: a padded cell never
# wins a max, even when every input number is negative (a zero of padding
# would otherwise win). For averages, padded cells are not counted unless you
# ask (``count_include_pad=True``, as PyTorch's default).
neg = -np.arange(1, 10).reshape(3, 3)
# sphinx_gallery_start_ignore
plot_learn.pool_windows(neg, 2, 2, "max", padding="same").finish()
# sphinx_gallery_end_ignore
avg = convpool.pool(neg[None, :, :, None], 2, 2, "avg", padding="same")[0, :, :, 0]
avg_pad = convpool.pool(neg[None, :, :, None], 2, 2, "avg", padding="same", count_include_pad=True)[0, :, :, 0]
print("average over real cells only:\n", avg)
print("padding counted as zeros (count_include_pad=True):\n", avg_pad)
