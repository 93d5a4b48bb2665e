"""What the adapter must know about each public function: its batch arguments and its geometry."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._plan import checks as check


class Spec(NamedTuple):
    """How a public function's arrays are laid out.

    ``routed``: the arguments that carry the batch (dask arrays or NumPy
    arrays turned into dask arrays chunked like the images), the images last.
    ``keep_channels``: each channel is computed on its own (pooling), so a
    channel axis split into chunks stays split; otherwise it is rechunked to
    one chunk, since every output reads all channels. ``backward``: a
    gradient, computed per batch block on whole images. ``whole``: a forward
    pass on whole images per batch block, without spatial bands (the
    transposed convolution, whose output cells each gather a varying number
    of input cells).
    """

    routed: tuple[str, ...]
    keep_channels: bool
    backward: bool
    whole: bool = False


SPECS = {
    "convolve": Spec(("images",), False, False),
    "convolve_channels": Spec(("images",), False, False),
    "convolve_grayscale": Spec(("images",), False, False),
    "pool": Spec(("images",), True, False),
    "apply": Spec(("images",), True, False),  # convpool.kernels.apply: one 2-D kernel on each channel
    "convolve_backward": Spec(("grad_output", "images"), False, True),
    "pool_backward": Spec(("grad_output", "images"), True, True),
    "convolve_transpose": Spec(("images",), False, False, whole=True),
    "convolve_transpose_backward": Spec(("grad_output", "images"), False, True),
}


def geometry(name: str, arguments: dict, images: np.ndarray):
    """``(geometry, pad_mode)`` of a call already validated on the stand-in ``images``.

    Pooling pads with cells that never win and are not counted: for this
    adapter that is ``'constant'`` padding, added per chunk.
    """
    options = {**arguments, **arguments.get("options", {})}
    if name.startswith("pool"):
        pooled = check.pool_arguments(
            images,
            options["kernel_shape"],
            options["stride"],
            options["mode"],
            options["padding"],
            options["count_include_pad"],
            None,
            options.get("dilation", 1),
            options.get("ceil_mode", False),
        )
        return pooled.geometry, "constant"
    kernels = np.asarray(options["kernels"] if "kernels" in options else options["kernel"])
    if name == "convolve_grayscale":
        images, kernels = images[..., None], kernels[:, :, None, None]
    elif name == "apply":
        images, kernels = images[..., :1], kernels[:, :, None, None]
    elif name == "convolve_channels":
        kernels = kernels[..., None]
    conv = check.conv_arguments(
        images,
        kernels,
        options["padding"],
        options["stride"],
        options.get("dilation", (1, 1)),
        options.get("pad_mode", "constant"),
        options.get("pad_value", 0),
        options.get("groups", 1),
    )
    return conv.geometry, conv.pad_mode
