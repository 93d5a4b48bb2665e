"""
6. What are channels?
=====================

A colour image is three images on top of each other: the **red, green and
blue planes**. Its shape is ``(h, w, 3)``: 3 **channels**. A kernel for it
has a slice per channel, shape ``(kh, kw, 3)``: each slice slides over its
own plane, giving a **partial map**, and the three partial maps are **added
up** into **one** output map.
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

photo = data.rgb_batch(1)[0]
planes = [photo[:, :, c].astype(np.float64) for c in range(3)]
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, *planes],
    ["photo (32, 32, 3)", "red plane", "green plane", "blue plane"],
    label="intensity",
    height=2.8,
    alt="A 32x32 colour photo and its red, green and blue planes",
)
# sphinx_gallery_end_ignore

# %%
# Channel by channel, with numbers: a 4x4 RGB input and a 2x2x3 kernel.
# Each row convolves one plane with its kernel slice; the output is the sum of
# the three partial maps (check any cell: the three partial numbers add up to
# the output number).
rng = np.random.default_rng(7)
x = rng.integers(0, 5, size=(4, 4, 3))
k = rng.integers(-1, 2, size=(2, 2, 3))
# sphinx_gallery_start_ignore
plot_learn.channel_sum(x, k).finish()
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# The same 4x4x3 input and 2x2x3 kernel: one window covers the same cells
# of all three planes, and the sum runs over all of its 2 * 2 * 3 = 12
# products.

# sphinx_gallery_start_ignore
_steps.steps(x, k, channels=True)
# sphinx_gallery_end_ignore

# %%
# Several kernels, several maps
# -----------------------------
#
# A convolution layer has ``nc`` such kernels, stacked into one array of shape
# ``(kh, kw, c, nc)``; each gives its own map, so the output has ``nc``
# channels: ``(h', w', nc)``. Its number of parameters is
# ``kh * kw * c * nc`` weights plus ``nc`` biases (one per kernel), for
# example 3x3 kernels from 3 to 16 channels (all of them learned in training:
# see :ref:`Kernels are learned <sphx_glr_auto_learn_plot_11_kernels_are_learned.py>`):
kh, kw, c, nc = 3, 3, 3, 16
print(f"{kh}*{kw}*{c}*{nc} + {nc} =", kh * kw * c * nc + nc, "parameters")

# %%
# Three kernels over the photo: a vertical-edge, a horizontal-edge and a
# green-minus-red kernel, each ``(3, 3, 3)``, give three maps (padding
# ``'valid'``; one colour scale, one colour bar, zero white).
edges_x = np.stack([convpool.kernels.get("sobel_x")] * 3, axis=2) / 3
edges_y = np.stack([convpool.kernels.get("sobel_y")] * 3, axis=2) / 3
green_red = np.zeros((3, 3, 3))
green_red[:, :] = [-1 / 3, 1 / 3, 0]  # every tap: green minus red
bank = np.stack([edges_x, edges_y, green_red], axis=3)  # (3, 3, 3, 3)
maps = convpool.convolve(photo[None].astype(np.float64), bank, padding="valid")[0]
print("kernels", bank.shape, "-> output", maps.shape)
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, *(maps[:, :, o] for o in range(3))],
    ["photo", "kernel 0: vertical edges", "kernel 1: horizontal edges", "kernel 2: green - red"],
    scale="outputs",
    cmap="coolwarm",
    label="output value",
    height=2.6,
    alt="A colour photo and the three maps of three 3x3x3 kernels: vertical edges, horizontal edges, green minus red",
)
# sphinx_gallery_end_ignore

# %%
# Channels last or channels first?
# --------------------------------
#
# convpool, TensorFlow and Keras put the channels **last**: images
# ``(m, h, w, c)``. PyTorch puts them **first**: ``(m, c, h, w)``, with
# kernels ``(nc, c, kh, kw)``. The numbers are the same; only the axis order
# differs, and ``np.moveaxis`` converts:
batch_first = np.moveaxis(data.rgb_batch(2), 3, 1)
print("channels first:", batch_first.shape, "-> channels last:", np.moveaxis(batch_first, 1, 3).shape)
