"""
2. What is a kernel (filter)?
=============================

A kernel is a small grid of weights. What it does to an image depends only
on those numbers: below are some classic ones from convpool's kernel bank
(``convpool.kernels``), drawn with their weights (red positive, blue
negative), and what each does to the same photo.

Two rules of thumb: if the weights **add up to 1**, flat areas keep their
brightness (blur, sharpen); if they **add up to 0**, flat areas become 0 and
only changes (edges) remain. These kernels were designed by hand; a neural
network learns its own from examples (see
:ref:`Kernels are learned <sphx_glr_auto_learn_plot_11_kernels_are_learned.py>`).
"""

import numpy as np

import convpool
from convpool import data, kernels

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps
import matplotlib.pyplot as plt

from convpool import plot
from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

names = ["box", "gaussian", "sharpen", "sobel_x", "sobel_y", "laplacian"]
bank = {name: kernels.get(name) for name in names}
# sphinx_gallery_start_ignore
fig, axes = plt.subplots(1, len(names), figsize=(2.0 * len(names), 2.6))
for ax, (name, k) in zip(axes, bank.items(), strict=True):
    plot.kernel_heatmap(k, ax, title=f"{name} {k.shape[0]}x{k.shape[1]}\nweights sum to {k.sum():.3g}")
fig.suptitle("The six kernels as heat maps with their weights written in", visible=False)
fig.tight_layout()
# sphinx_gallery_end_ignore

# %%
# The same photo through each kernel (padding ``'same'``, so every result is
# as large as the photo).
photo = data.photo("camera")[40:168, 60:188].astype(np.float64)
results = {
    name: convpool.convolve(photo[None, :, :, None], k[:, :, None, None])[0, :, :, 0] for name, k in bank.items()
}

# %%
# The kernels whose weights add up to 1 give pixel values again: they are
# drawn on the photo's own 0 to 255 scale (values past it clipped, as an image
# file would), so a flat area keeps its grey, the blurs soften, and sharpen
# makes the edges crisper and the contrast stronger.
smooth = ["box", "gaussian", "sharpen"]
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, *(np.clip(results[n], 0, 255) for n in smooth)],
    ["photo", *(f"{n} (sum 1)" for n in smooth)],
    limits=(0, 255),
    label="pixel value",
    alt="The photo and its box blur, gaussian blur and sharpened version, all on the 0 to 255 scale",
)
# sphinx_gallery_end_ignore

# %%
# The kernels whose weights add up to 0 give **changes**, negative and
# positive: flat areas are 0 (mid grey), bright and dark lines mark the
# edges. One symmetric scale for the three, written on the colour bar.
edges = ["sobel_x", "sobel_y", "laplacian"]
for n in edges:
    print(f"{n:9s} values from {results[n].min():7.1f} to {results[n].max():7.1f}")
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [results[n] for n in edges],
    [f"{n} (sum 0)" for n in edges],
    label="response (0: no change)",
    alt="The photo's response to sobel_x (vertical edges), sobel_y (horizontal edges) and laplacian, zero mid grey",
)
# sphinx_gallery_end_ignore

# %%
# The response to a step edge
# ---------------------------
#
# One row of pixels that jumps from 0 to 10, and what three 1x3 kernels make
# of it (padding ``'valid'``: 8 inputs give 6 outputs). The blur (weights sum
# to 1) keeps the levels 0 and 10 and softens the jump; the edge detector
# (weights sum to 0) is 0 on both flat parts and large only at the jump.
step = np.array([[0, 0, 0, 0, 10, 10, 10, 10]], dtype=np.float64)
row_kernels = {"blur [1/3, 1/3, 1/3]": [[1 / 3] * 3], "edge [-1, 0, 1]": [[-1, 0, 1]], "edge [1, 0, -1]": [[1, 0, -1]]}
responses = {
    label: convpool.convolve(step[None, :, :, None], np.array(k)[:, :, None, None], padding="valid")[0, :, :, 0]
    for label, k in row_kernels.items()
}
# sphinx_gallery_start_ignore
board = plot_learn.Board()
board.grid("step", step, x=0, y=0, title="input: a step")
for n, (label, response) in enumerate(responses.items()):
    total = np.sum(row_kernels[label])
    board.grid(label, response, x=1, y=2.2 * (n + 1), title=f"{label}, weights sum to {total:.3g}")
board.finish(alt="A step from 0 to 10 and its response to a 1x3 blur and to two 1x3 edge kernels")
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# The step and the edge kernel ``[-1, 0, 1]``: press *play*, or click an
# output cell to see its window, products and sum. Pick another kernel from
# the bank (sharpen, laplacian, gaussian...) or another input (the
# exercise's 28x28 digit, a 32x32 piece of a photo) and watch the numbers.
edge = np.array([[-1, 0, 1]])
# sphinx_gallery_start_ignore
_steps.steps(step.astype(int), edge)
# sphinx_gallery_end_ignore
