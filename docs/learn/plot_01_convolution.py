"""
1. What is a convolution?
=========================

A convolution slides a small grid of numbers, the **kernel** (or filter), over
an image. At every position it multiplies each kernel number by the pixel
under it and adds the products up: that sum is **one** number of the output.
Then the kernel moves one step and does it again.

Every number in the pictures below was computed by convpool; the pictures are
drawn by ``convpool.plot.learn`` when this page is built.
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

x = np.array(
    [
        [3, 1, 0, 2, 4],
        [1, 5, 2, 0, 1],
        [0, 2, 6, 1, 0],
        [2, 0, 1, 3, 2],
        [4, 1, 0, 2, 5],
    ]
)
k = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])

# %%
# The first output number: the kernel sits on the top-left 3x3 corner of the
# input (blue frame). Multiply cell by cell, then add the nine products.

# sphinx_gallery_start_ignore
plot_learn.conv_step(x, k, (0, 0)).finish()
# sphinx_gallery_end_ignore

# %%
# The kernel moves one column to the right for the next output number, and
# so on, row by row. Here is the output cell in row 1, column 2. The 5x5
# input gives a 3x3 output, because a 3x3 window fits in only 3 positions
# across (and 3 down).

# sphinx_gallery_start_ignore
plot_learn.conv_step(x, k, (1, 2)).finish()
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# Press *play* to watch the window slide, or click any output cell: the
# window lights up on the input (each tap with its kernel weight in the
# corner) and the line above the grids writes out the products and their sum
# with the real numbers. Switch to the exercise's 28x28 digit, another kernel,
# padding, stride or dilation; the padding on each side and the output size
# come from ``convpool.conv_geometry``, and a browser test checks every number
# shown against ``convpool.convolve``. The `explorer <../explorer.html>`_ does
# the same for any size, padding and stride, with the other libraries'
# "same" beside it.

# sphinx_gallery_start_ignore
_steps.steps(x, k)
# sphinx_gallery_end_ignore

# %%
# The command line draws the same steps as an animated GIF, one frame per
# output cell (here ``'same'`` padding and stride 2)::
#
#     convpool explain --input 5x5 --kernel 3x3 --padding same --stride 2 -o conv.gif
#
# .. image:: /images/explain.gif
#    :alt: Animation: a 3x3 window stepping over a 5x5 input with one cell of zero padding, stride 2,
#          each frame writing out the nine products and their sum in the 3x3 output
#
# Where do the kernel's numbers come from? Here they were typed in; in a
# neural network they are learned from examples: see
# :ref:`Kernels are learned <sphx_glr_auto_learn_plot_11_kernels_are_learned.py>`.

# %%
# In one formula (``x`` the input, ``k`` the kernel, ``i, j`` the output cell)::
#
#     out[i, j] = sum over a, b of  x[i + a, j + b] * k[a, b]
#
# convpool computes it for a whole batch at once: ``convolve`` takes images
# ``(m, h, w, c)`` and kernels ``(kh, kw, c, nc)``.
out = convpool.convolve(x[None, :, :, None], k[:, :, None, None], padding="valid")
print(out.shape)
print(out[0, :, :, 0])

# %%
# Cross-correlation or convolution?
# ---------------------------------
#
# What deep-learning libraries (and convpool) call "convolution" is, strictly,
# a **cross-correlation**: the kernel is used as it is. The mathematicians'
# convolution first flips the kernel upside down and left to right. For a
# symmetric kernel (a blur) the two are the same; for an asymmetric one they
# are not. A kernel that is all zeros except a 1 in its bottom-right corner
# makes it visible: cross-correlation moves the photo *up and left*, the
# flipped kernel moves it *down and right*. (The dark bands are the zero
# padding coming into view.)
photo = data.photo("camera")[60:156, 80:176].astype(np.float64)
shift = np.zeros((17, 17))
shift[-1, -1] = 1.0
batch = photo[None, :, :, None]
correlated = convpool.convolve(batch, shift[:, :, None, None], padding="same")[0, :, :, 0]
flipped = convpool.convolve(batch, shift[::-1, ::-1, None, None], padding="same")[0, :, :, 0]
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, correlated, flipped],
    ["photo 96x96", "cross-correlation (convpool)", "convolution (kernel flipped)"],
    label="pixel value",
    alt="A photo, its cross-correlation with a shift kernel (moved up and left) and its convolution "
    "(moved down and right)",
)
# sphinx_gallery_end_ignore
