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
from convpool.plot import learn as plot_learn

x = np.array(
    [
        [1, 3, 2, 0, 4, 1],
        [5, 2, 1, 6, 0, 2],
        [0, 1, 7, 2, 3, 3],
        [4, 2, 1, 0, 8, 1],
    ]
)
plot_learn.pool_windows(x, 2, 2, "max").finish()

# %%
# Average pooling: the mean of the four cells.
plot_learn.pool_windows(x, 2, 2, "avg").finish()

# %%
# A one-pixel shift
# -----------------
#
# Move the bright pixel one cell to the right, inside its 2x2 window: the max
# pooling output does not change at all, but the convolution's output moves.
# This small tolerance to shifts is one reason networks pool.
a = np.zeros((4, 4))
a[1, 0] = 9
b = np.roll(a, 1, axis=1)
k = np.array([[1, 2], [3, 4]])
board = plot_learn.Board()
for name, img in (("pixel at column 0", a), ("pixel at column 1", b)):
    pooled = convpool.pool(img[None, :, :, None], 2, 2, "max")[0, :, :, 0]
    conv = convpool.convolve(img[None, :, :, None], k[:, :, None, None], padding="valid")[0, :, :, 0]
    board.cursor = 0.0
    y = 0 if name.endswith("0") else 6
    board.grid(name, img, y=y, title=name)
    board.word("max 2x2/2 ->", y + 2, size=10)
    board.grid(f"{name} pooled", pooled, y=y + 1, title="pooled")
    board.word("  conv 2x2 ->", y + 2, size=10)
    board.grid(f"{name} conv", conv, y=y + 0.5, title="convolved")
board.finish()

# %%
# Padding never wins
# ------------------
#
# With padding, convpool lets only real cells compete: a padded cell never
# wins a max, even when every input number is negative (a zero of padding
# would otherwise win). For averages, padded cells are not counted unless you
# ask (``count_include_pad=True``, as PyTorch's default).
neg = -np.arange(1, 10).reshape(3, 3)
plot_learn.pool_windows(neg, 2, 2, "max", padding="same").finish()
avg = convpool.pool(neg[None, :, :, None], 2, 2, "avg", padding="same")[0, :, :, 0]
avg_pad = convpool.pool(neg[None, :, :, None], 2, 2, "avg", padding="same", count_include_pad=True)[0, :, :, 0]
print("average over real cells only:\n", avg)
print("padding counted as zeros (count_include_pad=True):\n", avg_pad)
