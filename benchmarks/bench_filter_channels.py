"""How `convpool filter` applies one 2-D kernel to every channel: two ways, timed side by side.

- ``apply``: channels moved into the batch, ``(m, h, w, c) -> (m * c, h, w, 1)``, one
  ``convolve`` with a ``(kh, kw, 1, 1)`` kernel (what :func:`convpool.kernels.apply` does);
- ``diagonal``: one ``convolve`` with a ``(kh, kw, c, c)`` bank that holds the kernel on the
  channel diagonal and zeros elsewhere (the obvious way with the 4-D API: ``c`` times the work).

Run: ``.venv/bin/python benchmarks/bench_filter_channels.py``. Prints the ratio
diagonal / apply (higher means ``apply`` is faster); both results are checked equal.
"""

from __future__ import annotations

import timeit

import numpy as np

import convpool
from convpool import kernels


def diagonal(images: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    c = images.shape[3]
    bank = np.zeros((*kernel.shape, c, c))
    for channel in range(c):
        bank[:, :, channel, channel] = kernel
    return convpool.convolve(images, bank)


def main() -> None:
    rng = np.random.default_rng(0)
    for m, size, ksize in [(16, 128, 3), (16, 128, 7), (4, 256, 15)]:
        images = rng.random((m, size, size, 3), dtype=np.float32).astype(np.float64)
        kernel = kernels.gaussian(ksize, ksize / 4)
        np.testing.assert_allclose(kernels.apply(images, kernel), diagonal(images, kernel), atol=1e-9)
        t_apply = min(timeit.repeat(lambda: kernels.apply(images, kernel), number=1, repeat=5))  # noqa: B023
        t_diag = min(timeit.repeat(lambda: diagonal(images, kernel), number=1, repeat=5))  # noqa: B023
        print(f"m={m} {size}x{size}x3 kernel {ksize}x{ksize}: diagonal / apply = {t_diag / t_apply:.2f}")


if __name__ == "__main__":
    main()
