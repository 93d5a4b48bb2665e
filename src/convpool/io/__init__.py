"""File input and output: image files and NumPy batches (:mod:`.images`), atomic writes (:mod:`.files`).

Pillow is needed only when an image file is read or written (the ``image``
extra); importing this package imports nothing but NumPy.

>>> from convpool.io import kind
>>> kind("photo.PNG"), kind("stack.npz")
('image', 'npz')
"""

from __future__ import annotations

from .files import atomic_write, remove_stale_temps
from .images import (
    ARRAY_SUFFIXES,
    IMAGE_SUFFIXES,
    RESCALE_MODES,
    STORABLE,
    Picture,
    check_npy_size,
    count_pages,
    kind,
    pixel_scale,
    read_batch,
    read_image,
    read_pages,
    read_picture,
    to_pixels,
    write_array,
    write_image,
    write_pages,
)

__all__ = [
    "ARRAY_SUFFIXES",
    "IMAGE_SUFFIXES",
    "RESCALE_MODES",
    "STORABLE",
    "Picture",
    "atomic_write",
    "check_npy_size",
    "count_pages",
    "kind",
    "pixel_scale",
    "read_batch",
    "read_image",
    "read_pages",
    "read_picture",
    "remove_stale_temps",
    "to_pixels",
    "write_array",
    "write_image",
    "write_pages",
]
