"""
11. Kernels are learned
=======================

The kernels on the earlier pages (blur, sharpen, Sobel) were designed by
hand. In a convolutional network nobody writes them: they start as random
numbers and are **learned** from examples by gradient descent. Each step
asks "how would the error change if this weight grew a little?" (the
**gradient**, computed by the **backward pass**) and moves every weight a
little the other way.

convpool has the backward passes (``convpool.convolve_backward``,
``convpool.pool_backward``); everything on this page, the training
included, runs on them when the page is built.
"""

import numpy as np

import convpool
from convpool import data, kernels

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code, and the loading of examples/cnn_digits.py)
import importlib.util
from pathlib import Path

import _steps
import matplotlib.pyplot as plt

from convpool import plot

EXAMPLE = Path(convpool.__file__).resolve().parents[2] / "examples" / "cnn_digits.py"
spec = importlib.util.spec_from_file_location("cnn_digits", EXAMPLE)
cnn_digits = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cnn_digits)
# sphinx_gallery_end_ignore

# %%
# Recover a kernel from examples
# ------------------------------
#
# Take 16 digits, convolve them with ``sobel_x``, and forget the kernel: we
# only keep the input/output pairs. Start from a random 3x3 kernel and repeat:
# convolve, measure the mean squared error against the outputs, ask
# ``convolve_backward`` for the error's gradient with respect to the kernel,
# and take a small step against it.
images = data.grayscale_batch(16).astype(np.float64)
x = ((images - images.mean()) / images.std())[..., None]  # (16, 28, 28, 1), centred and scaled
secret = kernels.get("sobel_x")
y = convpool.convolve(x, secret[:, :, None, None], padding="valid")  # the examples' outputs

k = np.random.default_rng(0).normal(scale=0.5, size=(3, 3, 1, 1))  # a random start
rate, losses, snapshots = 0.1, [], {}
for step in range(301):
    error = convpool.convolve(x, k, padding="valid") - y
    losses.append(np.mean(error**2))
    if step in (0, 10, 30, 100, 300):
        snapshots[step] = k[:, :, 0, 0].copy()
    _, grad = convpool.convolve_backward(2 * error / error.size, x, k, "valid", wrt="kernels")
    k -= rate * grad
print(f"loss {losses[0]:.3g} -> {losses[-1]:.3g}; largest weight error {np.abs(k[:, :, 0, 0] - secret).max():.3f}")

# %%
# The loss falls by three orders of magnitude, and the kernel turns from
# noise into ``sobel_x`` (right): nobody told it the numbers, only examples
# of what the kernel does.

# sphinx_gallery_start_ignore
fig = plt.figure(figsize=(14, 3.4))
grid = fig.add_gridspec(1, 7, width_ratios=[1.8, 1, 1, 1, 1, 1, 1], wspace=0.3, left=0.06, right=0.99, bottom=0.17)
ax = fig.add_subplot(grid[0])
ax.semilogy(losses, color="#0072b2")
ax.set_xlabel("step", fontsize=9)
ax.set_ylabel("mean squared error", fontsize=9)
ax.set_title("the loss falls", fontsize=10)
ax.tick_params(labelsize=8)
for n, (step, snap) in enumerate(snapshots.items()):
    plot.kernel_heatmap(snap, fig.add_subplot(grid[n + 1]), title=f"step {step}")
plot.kernel_heatmap(secret, fig.add_subplot(grid[6]), title="sobel_x (the secret)")
fig.suptitle(
    "The loss curve of gradient descent, falling from about 4 to 0.001, and the kernel at steps 0, 10, 30, 100 "
    "and 300 turning from random numbers into sobel_x",
    visible=False,
)
# sphinx_gallery_end_ignore

# %%
# What a network learns by itself
# -------------------------------
#
# ``examples/cnn_digits.py`` trains a small LeNet-style network on scikit-learn's
# 8x8 digits, with convpool's forward and backward passes only: a 3x3
# convolution with 16 kernels, a bias, ReLU, 2x2 max pooling, a second
# convolution with 32 kernels, ReLU, pooling, and a dense layer. Six passes
# over the 1437 training images take a few seconds here:
x_train, x_test, y_train, y_test = cnn_digits.load_digits_split(0)
params = cnn_digits.init_params(np.random.default_rng(0), x_train.shape[1:])  # random kernels
settings = {"epochs": 6, "batch_size": 32, "lr": 0.05, "momentum": 0.9, "decay": 1e-4, "seed": 0, "quiet": True}
cnn_digits.train(params, x_train, y_train, **settings)  # mini-batch SGD on convpool's gradients
accuracy = np.mean(cnn_digits.predict(params, x_test) == y_test)
print(f"test accuracy after 6 epochs: {accuracy:.1%} ({len(x_test)} digits it never saw)")

# %%
# Its 16 first-layer kernels, learned from random numbers, beside the
# hand-made ones of page 2. Several look like edge detectors (one side
# positive, the opposite side negative, like Sobel) at various angles;
# others are harder to name. Nobody asked for edges: the network found that
# these patterns help it tell digits apart.

# sphinx_gallery_start_ignore
learned = params["k1"][:, :, 0, :]  # (3, 3, 16)
fig, axes = plt.subplots(2, 11, figsize=(15, 3.6))
for ax in axes.flat:
    ax.axis("off")
for n in range(16):  # eight learned kernels per row, a gap, then two hand-made ones
    ax = axes[n // 8, n % 8]
    ax.axis("on")
    plot.kernel_heatmap(learned[:, :, n], ax, title=f"learned {n}")
for ax, name in zip(axes[:, 9:].flat, ["sobel_x", "sobel_y", "laplacian", "sharpen"], strict=True):
    ax.axis("on")
    plot.kernel_heatmap(kernels.get(name), ax, title=f"{name} (by hand)")
fig.suptitle(
    "The 16 learned 3x3 first-layer kernels of the digits network as heat maps, beside sobel_x, sobel_y, "
    "laplacian and sharpen",
    visible=False,
)
fig.tight_layout()
# sphinx_gallery_end_ignore

# %%
# One digit through the network
# -----------------------------
#
# A test digit and what the first layers make of it, four of the channels per
# stage: the convolution with four learned kernels; plus each kernel's
# **bias**; **ReLU** (negative values set to 0); 2x2 max **pooling** (8x8 to
# 4x4); and the second layer's convolution of all 16 pooled maps. These maps
# are the network's **feature maps**: bright where the kernel's pattern is.
digit = x_test[:1]  # (1, 8, 8, 1)
conv1 = convpool.convolve(digit, params["k1"], "same")
biased = conv1 + params["b1"]
relu = np.maximum(biased, 0)
pooled = convpool.pool(relu, 2, 2, "max")
conv2 = convpool.convolve(pooled, params["k2"], "same") + params["b2"]
print("shapes:", digit.shape, "->", conv1.shape, "->", pooled.shape, "->", conv2.shape)

# sphinx_gallery_start_ignore
stages = [("conv", conv1), ("+ bias", biased), ("ReLU", relu), ("max pool", pooled), ("conv 2", conv2)]
fig, axes = plt.subplots(4, 6, figsize=(11, 7.6))
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].imshow(digit[0, :, :, 0], cmap="gray")
axes[0, 0].set_title(f"digit {y_test[0]} (8x8)", fontsize=9)
for ax in axes[1:, 0]:
    ax.axis("off")
for col, (name, maps) in enumerate(stages, start=1):
    top = float(np.abs(maps[0, :, :, :4]).max()) or 1.0
    for row in range(4):
        axes[row, col].imshow(maps[0, :, :, row], cmap="coolwarm", vmin=-top, vmax=top)
        axes[row, col].set_title(
            f"{name}, ch {row}" + (f" {maps.shape[1]}x{maps.shape[2]}" if row == 0 else ""), fontsize=9
        )
fig.suptitle(
    "A test digit and four channels after each stage: convolution, plus bias, ReLU, 2x2 max pooling, second "
    "convolution (blue negative, red positive, white zero)",
    visible=False,
)
fig.tight_layout()
# sphinx_gallery_end_ignore

# %%
# The weights of the first-layer kernels started as random numbers; 6 epochs
# of gradient descent turned them into the detectors above, and the test
# accuracy says they work. The same backward passes let you check any
# convolution's gradient by hand: see :doc:`../gradients`.

# %%
# Step through it yourself
# ------------------------
#
# The test digit and the first learned kernel (``'same'`` padding, as in the
# network): click an output cell to see its window, products and sum, the
# first map of the "conv" column above.
first = params["k1"][:, :, 0, 0]

# sphinx_gallery_start_ignore
_steps.steps(digit[0, :, :, 0], first, padding="same")
# sphinx_gallery_end_ignore
