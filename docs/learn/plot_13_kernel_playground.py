"""
13. Kernel playground
=====================

Type your own 3x3 kernel, or pick one from convpool's bank
(``convpool.kernels``), and watch the photo change as you type. Hover over
(or tap) the filtered photo to see one pixel's arithmetic: the nine pixels
under the kernel, times its weights, added up.

How the result is drawn depends on the weights' sum, the rule of thumb of
page 2: a kernel whose weights **add up to 1** (identity, box, gaussian,
sharpen) gives pixel values again, drawn on the photo's own 0 to 255 scale
(values past it clipped), so sharpen looks sharp; any other kernel (Sobel,
laplacian, outline) gives **changes**, drawn with 0 as mid grey. Try
``identity`` and change its centre from 1 to 2, or ``box`` and make one
weight negative.

The page computes the filtering itself, with zero padding as convpool's
``'same'`` puts it; a browser test checks the numbers on sampled pixels
against ``convpool.kernels.apply``.
"""

import numpy as np

from convpool import data, kernels

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the playground's HTML)
import _steps

# sphinx_gallery_end_ignore

photo = data.photo("camera")[40:168, 60:188]  # (128, 128) uint8, the photo of page 2

# sphinx_gallery_start_ignore
_steps.playground(photo)
# sphinx_gallery_end_ignore

# %%
# The same with convpool, for any kernel, on a whole batch of photos
# (``(m, h, w, c)``, every channel filtered alike):
filtered = kernels.apply(photo[None, :, :, None].astype(np.float64), kernels.get("sharpen"))
print(filtered.shape, f"values from {filtered.min():.0f} to {filtered.max():.0f}")

# %%
# Step through it yourself
# ------------------------
#
# An 8x8 piece of the photo and ``sharpen``: click an output cell to see the
# window, the products and their sum.
piece = photo[60:68, 60:68].astype(int)

# sphinx_gallery_start_ignore
_steps.steps(piece, kernels.get("sharpen"), padding="same")
# sphinx_gallery_end_ignore
