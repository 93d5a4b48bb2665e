"""
2. What is a kernel (filter)?
=============================

A kernel is a small grid of weights. What it does to an image depends only
on those numbers: below are some classic ones from convpool's kernel bank
(``convpool.kernels``), drawn with their weights (red positive, blue
negative), and what each does to the same photo.

Two rules of thumb: if the weights **add up to 1**, flat areas keep their
brightness (blur, sharpen); if they **add up to 0**, flat areas become 0 and
only changes (edges) remain.
"""

import matplotlib.pyplot as plt
import numpy as np

import convpool
from convpool import data, kernels, plot
from convpool.plot import learn as plot_learn

names = ["box", "gaussian", "sharpen", "sobel_x", "sobel_y", "laplacian"]
bank = {name: kernels.get(name) for name in names}
fig, axes = plt.subplots(1, len(names), figsize=(2.0 * len(names), 2.6))
for ax, (name, k) in zip(axes, bank.items(), strict=True):
    plot.kernel_heatmap(k, ax, title=f"{name} {k.shape[0]}x{k.shape[1]}\nweights sum to {k.sum():.3g}")
fig.tight_layout()

# %%
# The same photo through each kernel (padding ``'same'``, so every result is
# as large as the photo). Edge kernels give negative and positive values, so
# each result has its own colour scale, written in its title.
photo = data.photo("camera")[40:168, 60:188].astype(np.float64)
results = [convpool.convolve(photo[None, :, :, None], k[:, :, None, None])[0, :, :, 0] for k in bank.values()]
plot_learn.image_row(
    [photo, *results],
    ["photo", *(f"{n}\n{r.min():.0f} to {r.max():.0f}" for n, r in zip(names, results, strict=True))],
    scale="each",
    height=1.6,
)

# %%
# The response to a step edge
# ---------------------------
#
# One row of pixels that jumps from 0 to 10, and what three 1x3 kernels make
# of it (padding ``'valid'``: 8 inputs give 6 outputs). The blur (weights sum
# to 1) keeps the levels 0 and 10 and softens the jump; the edge detector
# (weights sum to 0) is 0 on both flat parts and large only at the jump.
step = np.array([[0, 0, 0, 0, 10, 10, 10, 10]], dtype=np.float64)
board = plot_learn.Board()
board.grid("step", step, x=0, y=0, title="input: a step")
row_kernels = {"blur [1/3, 1/3, 1/3]": [[1 / 3] * 3], "edge [-1, 0, 1]": [[-1, 0, 1]], "edge [1, 0, -1]": [[1, 0, -1]]}
for n, (label, k) in enumerate(row_kernels.items()):
    k = np.array(k)
    response = convpool.convolve(step[None, :, :, None], k[:, :, None, None], padding="valid")[0, :, :, 0]
    board.grid(label, response, x=1, y=2.2 * (n + 1), title=f"{label}, weights sum to {k.sum():.3g}")
board.finish()
