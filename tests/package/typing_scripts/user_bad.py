"""A user's script with mistakes that `mypy --strict` must report: each line marked ``# E: code`` is one.

tests/package/test_package_typing.py checks that mypy reports exactly these lines, with these codes.
"""

from __future__ import annotations

import numpy as np

import convpool
from convpool import kernels

images = np.ones((2, 8, 8, 3))
bank = np.ones((3, 3, 3, 4))

convpool.convolve(images, bank, stride="2")  # E: arg-type
convpool.convolve(images, bank, pad_mode=3)  # E: call-overload
convpool.pool(images, 2, return_indices="yes")  # E: call-overload
convpool.convolve(images)  # E: call-overload
name: str = convpool.convolve_grayscale_same(images[..., 0], np.ones((3, 3)))  # E: assignment
grad_images, _ = convpool.convolve_backward(images, images, bank)
grad_images.sum()  # E: union-attr
convpool.conv_output_shape((28, 28), 3, padding=None)  # E: arg-type
kernels.get(5)  # E: arg-type
