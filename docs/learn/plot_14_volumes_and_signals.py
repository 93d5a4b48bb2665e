"""
14. Volumes and signals
=======================

Everything on the previous pages works with one spatial axis (signals: audio,
sensor traces) or three (volumes: a microscope's z-stack, a CT scan), through
the same functions. The number of spatial axes comes from the kernels,
``d = kernels.ndim - 2``, and for pooling from the window, ``d = len(kernel_shape)``::

    signals (m, l, c)        kernels (k, c, nc)          -> (m, ol, nc)
    images  (m, h, w, c)     kernels (kh, kw, c, nc)     -> (m, oh, ow, nc)
    volumes (m, d, h, w, c)  kernels (kd, kh, kw, c, nc) -> (m, od, oh, ow, nc)

``stride``, ``dilation`` and ``padding`` take one value for every axis or one
per axis; the output size is the same formula on each axis.
"""

import numpy as np

import convpool
from convpool import kernels

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps

from convpool.plot import signals as plot_signals

# sphinx_gallery_end_ignore

# %%
# A microscopy-style volume
# -------------------------
# A synthetic z-stack of 24 slices of 64 x 64 pixels: a few round cells,
# blurred and noisy. A 3-D Gaussian smooths across slices too, which a 2-D
# filter slice by slice cannot; 2 x 2 x 2 max pooling then halves every axis
# (``'same'`` pads so that each axis keeps ``ceil(n / stride)`` cells).

rng = np.random.default_rng(7)
z, y, x = np.mgrid[:24, :64, :64]
stack = np.zeros((24, 64, 64))
for cz, cy, cx, r in [(8, 20, 18, 6), (14, 40, 44, 8), (18, 16, 48, 5), (6, 48, 14, 5)]:
    stack += np.exp(-(((z - cz) * 2.0) ** 2 + (y - cy) ** 2 + (x - cx) ** 2) / (2 * r**2))
stack += 0.25 * rng.standard_normal(stack.shape)

volume = stack[None, ..., None]  # (m, d, h, w, c) = (1, 24, 64, 64, 1)
smooth = kernels.apply(volume, kernels.gaussian(5, 1.0, ndim=3), pad_mode="symmetric")
pooled = convpool.pool(smooth, (2, 2, 2), 2)
print("volume", volume.shape, "-> smoothed", smooth.shape, "-> pooled", pooled.shape)
print("pooled shape by formula:", convpool.conv_output_shape(stack.shape, (2, 2, 2), stride=2))

# sphinx_gallery_start_ignore
plot_signals.volume_row(
    [stack, smooth[0, ..., 0]],
    ["noisy stack", "3-D gaussian 5x5x5"],
    height=2.0,
    alt="The middle slice of a noisy z-stack in each of its three planes, and the same after a 3-D Gaussian",
)
plot_signals.volume_row(
    [pooled[0, ..., 0]],
    ["max pooled 2x2x2"],
    height=1.0,  # half the pixels of the row above, drawn at the same inches per pixel
    alt="The smoothed stack after 2x2x2 max pooling: every axis halved",
)
# sphinx_gallery_end_ignore

# %%
# The edges of the cells along z come from a Sobel kernel along axis 0 of the
# volume, ``kernels.sobel(0, ndim=3)``: positive where the next slices are brighter.

edges = kernels.apply(smooth, kernels.sobel(0, ndim=3), pad_mode="edge")
print("sobel along z:", edges.shape, f"range {edges.min():.2f} .. {edges.max():.2f}")

# %%
# A signal
# --------
# Two tones and noise, 400 samples. A 31-tap moving average (``box`` with
# ``ndim=1``) keeps the slow tone; ``stride=4`` keeps every fourth output, and a
# max pooling of 8 samples finds the envelope. Padding ``'same'`` keeps the
# samples aligned with their inputs.

t = np.arange(400)
signal = np.sin(2 * np.pi * t / 100) + 0.5 * np.sin(2 * np.pi * t / 9) + 0.2 * rng.standard_normal(400)
signals = signal[None, :, None]  # (m, l, c) = (1, 400, 1)
average = convpool.convolve(signals, kernels.box(31, ndim=1)[:, None, None], "same")
strided = convpool.convolve(signals, kernels.box(31, ndim=1)[:, None, None], "same", stride=4)
envelope = convpool.pool(signals, (8,), 8, padding="same")
print(signals.shape, "->", average.shape, strided.shape, envelope.shape)
# output i of the strided average reads samples 4 i - 13 .. 4 i + 17: its window is centred on 4 i + 2
print("padding of the strided average:", convpool.conv_padding((400,), (31,), stride=4))

# sphinx_gallery_start_ignore
plot_signals.signal_rows(
    [
        {"signal": signal, "31-tap average, same": average[0, :, 0]},
        {"stride 4 (every 4th output)": (np.arange(0, 400, 4) + 2, strided[0, :, 0])},  # window centres
        {"signal": signal, "max of 8, stride 8": (np.arange(0, 400, 8) + 3.5, envelope[0, :, 0])},
    ],
    ["a 1-D convolution: (1, 400, 1) -> (1, 400, 1)", "stride 4: (1, 100, 1)", "max pooling (8,): (1, 50, 1)"],
    alt="A noisy two-tone signal, its moving average, the strided average and its max-pooled envelope",
)
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# A volume's convolution is a sum of 2-D convolutions of its slices, one per
# depth tap of the kernel. Here is one of them: a 12x12 piece of the middle
# slice (scaled to whole numbers) under the middle plane of a 3x3x3 box.
piece = np.round(10 * stack[12, 34:46, 38:50]).astype(int)
middle = kernels.box(3, ndim=3)[1]
# sphinx_gallery_start_ignore
_steps.steps(piece, middle, padding="same")
# sphinx_gallery_end_ignore

# %%
# Gradients (``convolve_backward``, ``pool_backward``), the transposed
# convolution, Dask arrays chunked along any axis and PyTorch tensors take the
# same signals and volumes; see the guide *Volumes and signals*.
