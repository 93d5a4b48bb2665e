"""
9. How do you pool an image?
============================

On a photo, pooling shrinks each channel on its own: a ``(128, 128, 3)``
colour photo gives ``(64, 64, 3)`` with 2x2 windows and stride 2. Below, at
true relative sizes: max pooling keeps bright details (the whiskers), average
pooling blurs them. Windows of 3x3 with stride 2 overlap by one pixel and
give ``(128 - 3) // 2 + 1 = 63``.
"""

import numpy as np

import convpool
from convpool import data
from convpool.plot import learn as plot_learn

photo = data.photo("chelsea")[40:168, 60:188]
results, titles = [], []
for size, mode in ((2, "max"), (2, "avg"), (3, "max")):
    out = convpool.pool(photo[None], size, 2, mode)[0]
    results.append(np.clip(np.rint(out), 0, 255).astype(np.uint8))
    titles.append(f"{mode} {size}x{size}, stride 2\n{out.shape}")
plot_learn.image_row([photo, *results], ["photo (128, 128, 3)", *titles])

# %%
# Up close: the whiskers on the left (a 32x32 crop and the 16x16 crops of
# the 2x2 results, true relative sizes). Max pooling keeps each thin bright
# whisker at full brightness; average pooling mixes it with the darker fur
# around it, so it fades.
crops = [photo[92:124, 0:32], results[0][46:62, 0:16], results[1][46:62, 0:16]]
plot_learn.image_row(crops, ["photo, 32x32 crop", "max 2x2: 16x16", "avg 2x2: 16x16"], height=2.6)

# %%
# Per channel: the red plane of the photo and of the 2x2 max-pooled result,
# one colour scale.
plot_learn.image_row(
    [photo[:, :, 0].astype(float), results[0][:, :, 0].astype(float)],
    ["red plane 128x128", "its max pool 64x64"],
    cmap="Reds_r",
    label="red intensity",
)

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
