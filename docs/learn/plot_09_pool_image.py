"""
9. How do you pool an image?
============================

On a photo, pooling shrinks each channel on its own: a ``(128, 128, 3)``
colour photo gives ``(64, 64, 3)`` with 2x2 windows and stride 2. Windows of
3x3 with stride 2 overlap by one pixel and give ``(128 - 3) // 2 + 1 = 63``.
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

photo = data.photo("chelsea")[40:168, 60:188]
results, titles = [], []
for size, mode in ((2, "max"), (2, "avg"), (3, "max")):
    out = convpool.pool(photo[None], size, 2, mode)[0]
    results.append(np.clip(np.rint(out), 0, 255).astype(np.uint8))
    titles.append(f"{mode} {size}x{size}, stride 2\n{out.shape}")
# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo, *results],
    ["photo (128, 128, 3)", *titles],
    height=2.6,
    alt="A photo of a cat, its 2x2 max and average pooling (64x64) and 3x3 max pooling (63x63), true relative sizes",
)
# sphinx_gallery_end_ignore

# %%
# Up close: max keeps the bright, average mixes
# ----------------------------------------------
#
# A 32x32 piece of the cheek where pale whiskers cross darker fur, pooled
# with 4x4 windows (stride 4): each output pixel stands for 16 photo pixels.
# Max pooling keeps the brightest of the 16, so a thin whisker that crosses a
# window lights the whole output pixel; average pooling mixes it with the 15
# darker ones, so the whiskers melt into the fur. The 8x8 results are drawn
# enlarged to the crop's size; the right-hand map is the difference, max
# minus average, per output pixel (mean of the three channels), and the
# printed numbers say by how much.
crop = photo[84:116, 16:48].astype(np.float64)
biggest = convpool.pool(crop[None], 4, 4, "max")[0]
mean = convpool.pool(crop[None], 4, 4, "avg")[0]
gap = (biggest - mean).mean(axis=2)
print(f"max - avg, on the 0..255 scale: {gap.mean():.1f} on average, {gap.max():.1f} at most")
print(f"(the whole 128x128 photo with 2x2 windows: {np.mean(results[0] - results[1].astype(float)):.1f} on average)")


# sphinx_gallery_start_ignore
# the 8x8 results drawn as large as the crop (each output pixel a 4x4 block), so they can be compared
def blocks(a):
    return np.repeat(np.repeat(a, 4, axis=0), 4, axis=1)


as_image = [np.clip(np.rint(a), 0, 255).astype(np.uint8) for a in (crop, blocks(biggest), blocks(mean))]
plot_learn.image_row(
    [*as_image, blocks(gap)],
    ["photo, 32x32 crop", "max 4x4: 8x8, enlarged", "avg 4x4: 8x8, enlarged", "max - avg"],
    height=2.6,
    cmap="magma",
    label="max - avg (of 255)",
    limits=(0, float(np.ceil(gap.max()))),
    alt="A 32x32 crop of the cat's whiskers, its 4x4 max and average pooling enlarged to the same size, and "
    "their difference: max keeps the whiskers bright, average melts them into the fur",
)
# sphinx_gallery_end_ignore

# %%
# Per channel: the red plane of the photo and of the 2x2 max-pooled result,
# one colour scale.

# sphinx_gallery_start_ignore
plot_learn.image_row(
    [photo[:, :, 0].astype(float), results[0][:, :, 0].astype(float)],
    ["red plane 128x128", "its max pool 64x64"],
    cmap="Reds_r",
    label="red intensity",
    height=2.6,
    alt="The photo's red plane and its 2x2 max pooling, on one colour scale",
)
# sphinx_gallery_end_ignore

# %%
# Average pooling is a convolution
# --------------------------------
#
# A 2x2 average is a convolution with the uniform kernel ``[[1/4, 1/4],
# [1/4, 1/4]]`` at stride 2, one channel at a time:
gray = photo.astype(np.float64).mean(axis=2)
pooled = convpool.pool(gray[None, :, :, None], 2, 2, "avg")[0, :, :, 0]
uniform = np.full((2, 2, 1, 1), 0.25)
convolved = convpool.convolve(gray[None, :, :, None], uniform, padding="valid", stride=2)[0, :, :, 0]
print("avg pool == convolution with a uniform kernel:", np.allclose(pooled, convolved))

# %%
# Step through it yourself
# ------------------------
#
# A 12x12 piece of the whisker crop's red plane, max pooling with 4x4
# windows, stride 4: click an output cell to see the 16 numbers that compete,
# then switch to *avg* and compare.
red = crop[:12, :12, 0].astype(int)
# sphinx_gallery_start_ignore
_steps.steps(red, mode="max", pool=4, stride=4)
# sphinx_gallery_end_ignore
