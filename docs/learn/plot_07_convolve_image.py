"""
7. How do you convolve an image?
================================

All the pieces together on a real photo: padding, stride, channels, several
kernels. Each title gives the output size, which ``convpool.conv_output_shape``
computes without doing the convolution::

    out = (n + before + after - k) // s + 1     (per axis)
"""

import numpy as np

import convpool
from convpool import data, kernels

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps

from convpool.cli import main as convpool_cli
from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

photo = data.photo("chelsea")[40:168, 60:188]  # (128, 128, 3) uint8
gray = photo.astype(np.float64).mean(axis=2)
sobel = kernels.get("sobel_x")
cases = [("valid", 1), ("same", 1), ("valid", 2), ("same", 3)]
maps, titles = [], []
for padding, stride in cases:
    out = convpool.convolve(gray[None, :, :, None], sobel[:, :, None, None], padding=padding, stride=stride)
    shape = convpool.conv_output_shape(gray.shape, sobel.shape, stride=stride, padding=padding)
    assert out.shape[1:3] == shape
    maps.append(out[0, :, :, 0])
    titles.append(f"'{padding}', stride {stride}\n{shape[0]}x{shape[1]}")
# sphinx_gallery_start_ignore
top = max(float(np.abs(m).max()) for m in maps)  # one colour scale for the four maps, zero mid grey
plot_learn.image_row(
    [gray, *maps[:2]],
    ["gray photo 128x128", *titles[:2]],
    scale="outputs",
    label="sobel_x response",
    limits=(-top, top),
    height=2.6,
    alt="A gray photo and its sobel_x maps with 'valid' (126x126) and 'same' (128x128) padding",
)
plot_learn.image_row(  # the strided maps on the same colour scale as the row above
    maps[2:],
    titles[2:],
    label="sobel_x response",
    limits=(-top, top),
    height=2.6 * maps[2].shape[0] / gray.shape[0],  # the first row's inches per pixel: sizes compare across rows
    alt="Its sobel_x maps at stride 2 (63x63) and stride 3 with 'same' padding (43x43), at the same scale as the photo",
)
# sphinx_gallery_end_ignore

# %%
# The command line shows the same arithmetic with the numbers filled in, here
# for the last case (``'same'``, stride 3)::
#
#     convpool shape --input 128x128 --kernel 3x3 --padding same --stride 3

# sphinx_gallery_start_ignore
convpool_cli(["shape", "--input", "128x128", "--kernel", "3x3", "--padding", "same", "--stride", "3"])
# sphinx_gallery_end_ignore

# %%
# Multi-channel and multi-kernel: the colour photo ``(128, 128, 3)`` with two
# ``(3, 3, 3)`` kernels at once, ``(3, 3, 3, 2)``, gives ``(126, 126, 2)``.
bank = np.stack([np.stack([sobel] * 3, axis=2), np.stack([sobel.T] * 3, axis=2)], axis=3)
both = convpool.convolve(photo[None], bank, padding="valid")[0]
print(photo.shape, "*", bank.shape, "->", both.shape)
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, both[:, :, 0], both[:, :, 1]],
    ["photo (128, 128, 3)", "map 0 (126, 126)", "map 1 (126, 126)"],
    scale="outputs",
    label="response",
    height=2.6,
    alt="A colour photo and the two maps of a (3, 3, 3, 2) kernel bank: vertical and horizontal edges",
)
# sphinx_gallery_end_ignore

# %%
# The loop over output cells
# --------------------------
#
# The definition, written as a loop: one output cell at a time, the window
# times the kernel, summed. It gives convpool's numbers exactly (slowly).
small = gray[:20, :20]
ref = np.zeros((18, 18))
for i in range(18):
    for j in range(18):
        ref[i, j] = np.sum(small[i : i + 3, j : j + 3] * sobel)
fast = convpool.convolve(small[None, :, :, None], sobel[:, :, None, None], padding="valid")[0, :, :, 0]
print("loop == convpool:", np.allclose(ref, fast))

# %%
# im2col: one matrix product
# --------------------------
#
# Libraries compute it faster by copying every window into one row of a
# matrix (*im2col*): 18*18 windows of 9 numbers give a ``(324, 9)`` matrix,
# times the kernel as a ``(9,)`` vector, then reshaped to 18x18.
windows = np.lib.stride_tricks.sliding_window_view(small, (3, 3))  # (18, 18, 3, 3)
columns = windows.reshape(-1, 9)
print("im2col matrix", columns.shape)
print("im2col == convpool:", np.allclose((columns @ sobel.ravel()).reshape(18, 18), fast))

# %%
# Step through it yourself
# ------------------------
#
# A 12x12 piece of the gray photo (rounded to whole numbers) and ``sobel_x``,
# ``'same'`` padding, stride 3, the last case above on a small scale.
piece = np.rint(gray[40:52, 40:52]).astype(int)
# sphinx_gallery_start_ignore
_steps.steps(piece, sobel, padding="same", stride=3)
# sphinx_gallery_end_ignore
