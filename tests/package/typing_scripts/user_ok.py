"""A user's script: convpool's public API as a `mypy --strict` user calls it (tests/package/test_package_typing.py).

Type-checked against the installed wheel, then run: ``assert_type`` pins what the type checker
infers, the ``assert`` lines what the call returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

import convpool
from convpool import kernels
from convpool.conventions import convention_padding

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:

    def assert_type(value, _type):
        return value


Floats = npt.NDArray[np.floating[Any]]

images = np.arange(2 * 8 * 8 * 3, dtype=np.float32).reshape(2, 8, 8, 3)
bank = np.ones((3, 3, 3, 4))

out = convpool.convolve(images, bank, "same", 2, dilation=(1, 1), pad_mode="reflect", dtype=np.float64)
assert_type(out, Floats)
assert out.shape == (2, 4, 4, 4) and out.dtype == np.float64

pooled = convpool.pool(images, (2, 2), np.int64(2), "max", padding="valid")
assert_type(pooled, npt.NDArray[Any])
assert pooled.dtype == np.float32

nested = convpool.convolve_grayscale_valid([[[1.0, 2.0], [3.0, 4.0]]], [[1.0]])  # nested lists are array-like
assert_type(nested, Floats)
assert nested.tolist() == [[[1.0, 2.0], [3.0, 4.0]]]

gray = convpool.convolve_grayscale(images[..., 0], np.ones((3, 3)), padding=[1, 1], stride=1)
assert_type(gray, Floats)
channels = convpool.convolve_channels(images, np.ones((3, 3, 3)), "valid")
assert_type(channels, Floats)
same = convpool.convolve_grayscale_same(images[..., 0], np.ones((3, 3)))
padded = convpool.convolve_grayscale_padding(images[..., 0], np.ones((3, 3)), (1, 1))
assert same.shape == padded.shape == (2, 8, 8)

grad_images, grad_kernels = convpool.convolve_backward(out, images, bank, "same", 2, wrt="both")
assert_type(grad_images, Floats | None)
assert grad_images is not None and grad_images.shape == images.shape
grad_pool = convpool.pool_backward(np.ones_like(pooled), images, 2, 2)
assert_type(grad_pool, Floats)

up = convpool.convolve_transpose(out, bank, "same", 2, output_shape=(8, 8))
assert_type(up, Floats)
assert up.shape == images.shape
up_images, up_kernels = convpool.convolve_transpose_backward(
    np.ones_like(up), out, bank, "same", 2, output_shape=(8, 8)
)
assert_type(up_kernels, Floats)

size: tuple[int, ...] = convpool.conv_output_shape((28, 28), 3, 2, "same")  # as many axes as given
assert size == (14, 14)
rows, cols = convpool.conv_geometry(28, (3, 3), padding=((1, 1), (1, 1)))
assert_type(rows, convpool.AxisGeometry)
pads: tuple[tuple[int, int], ...] = convpool.conv_padding((28, 28), 4)
transposed: tuple[int, ...] = convpool.conv_transpose_output_shape((14, 14), 3, 2, output_padding=1)

gaussian = kernels.get("gaussian", size=5)
blurred = kernels.apply(images, gaussian, "same", pad_mode="edge")
assert_type(blurred, Floats)
before_after: tuple[int, int] = convention_padding("tf", 28, 4)  # 'tf' always answers: no Optional

if TYPE_CHECKING:  # type-checked only: another library's array, as convpool's protocol sees one

    class Tensor:
        """What PyTorch, JAX, CuPy, Dask or array_api_strict arrays have: a shape, a dtype, indexing."""

        shape: tuple[int, ...]
        dtype: object

        def __getitem__(self, key: object) -> Tensor: ...

    tensor = Tensor()
    assert_type(convpool.convolve(tensor, bank), Tensor)  # the caller's own array type comes back
    assert_type(convpool.pool(tensor, 2, 2), Tensor)
    assert_type(convpool.convolve_grayscale_valid(tensor, np.ones((3, 3))), Tensor)
    assert_type(convpool.convolve_backward(tensor, tensor, bank), tuple[Tensor | None, Tensor | None])
    assert_type(convpool.pool_backward(tensor, tensor, 2, 2), Tensor)
    assert_type(convpool.convolve_transpose_backward(tensor, tensor, bank), tuple[Tensor, Tensor])
    assert_type(kernels.apply(tensor, gaussian), Tensor)
    plan: convpool.DaskPlan = convpool.dask_plan(convpool.pool, tensor, 2, 2)
