"""
4. "Same", "valid" and "full" padding
=====================================

Three words name the three usual amounts of padding:

* ``'valid'``: none; only windows that lie wholly inside the input. The
  output is smaller: ``n - k + 1``.
* ``'same'``: just enough for the output to be as large as the input (at
  stride 1): ``k - 1`` cells in total.
* ``'full'``: ``k - 1`` on **each** side, so every window that touches the
  input at all counts. The output is larger: ``n + k - 1``.

Below, the same 5x5 input and 3x3 kernel, the three results drawn at their
true size on **one colour scale** (the colour bar), so equal colours mean
equal values.
"""

import numpy as np

import convpool

# sphinx_gallery_start_ignore
# isort: split
# (hidden on the page: the drawing code; every figure shows numbers convpool computed)
import _steps
from matplotlib.colors import Normalize

from convpool.plot import learn as plot_learn

# sphinx_gallery_end_ignore

x = np.array([[3, 1, 0, 2, 4], [1, 5, 2, 0, 1], [0, 2, 6, 1, 0], [2, 0, 1, 3, 2], [4, 1, 0, 2, 5]])
k = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
results = {
    word: convpool.convolve(x[None, :, :, None], k[:, :, None, None], padding=word)[0, :, :, 0]
    for word in ("valid", "same", "full")
}
# sphinx_gallery_start_ignore
top = max(abs(r).max() for r in results.values())
norm = Normalize(-top, top)  # one scale for all three, zero white
board = plot_learn.Board()
for word, r in results.items():
    pads = convpool.conv_padding(x.shape, k.shape, padding=word)
    board.grid(
        word, r, norm=norm, cmap="coolwarm", title=f"'{word}': {r.shape[0]}x{r.shape[1]}\npad {pads[0]} per side"
    )
board.colorbar(norm, "coolwarm", "output value")
board.finish(alt="The 3x3 'valid', 5x5 'same' and 7x7 'full' outputs of one 5x5 input, on one colour scale")
# sphinx_gallery_end_ignore

# %%
# The input of ``'valid'``, with one window (blue) and the output cell it
# gives: no padding, every window lies inside.

# sphinx_gallery_start_ignore
plot_learn.conv_step(x, k, (0, 0), padding="valid").finish()
# sphinx_gallery_end_ignore

# %%
# The padded input of ``'full'``: the window at output cell (1, 1) still
# hangs one row and one column into the padding (hatched, zeros).

# sphinx_gallery_start_ignore
plot_learn.conv_step(x, k, (1, 1), padding="full").finish()
# sphinx_gallery_end_ignore

# %%
# Even kernels: which side gets the extra cell?
# ---------------------------------------------
#
# A 4x4 kernel needs ``k - 1 = 3`` cells of padding for ``'same'``, which do
# not split evenly. convpool puts the extra cell at the **bottom/right**, as
# TensorFlow, Keras, JAX and PyTorch do; SciPy puts it at the top/left. The
# output is the same size either way, but shifted by one pixel.
print("convpool 'same', 4x4 kernel on 5x5:", convpool.conv_padding((5, 5), (4, 4), padding="same"))
k4 = np.ones((4, 4), dtype=int)
# sphinx_gallery_start_ignore
plot_learn.conv_step(x, k4, (0, 0), padding="same").finish()
# sphinx_gallery_end_ignore

# %%
# Step through it yourself
# ------------------------
#
# The same 5x5 input and kernel with ``'full'`` padding; switch between
# ``valid``, ``same`` and ``full`` and watch the output grow.
padding = "full"
# sphinx_gallery_start_ignore
_steps.steps(x, k, padding=padding)
# sphinx_gallery_end_ignore
