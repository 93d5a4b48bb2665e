"""Messages for the two layout mistakes users make most: channels-first batches, and grayscale batches for pool."""

import numpy as np
import pytest

import convpool


def test_channels_first_batch_is_shown_the_transpose():
    images = np.ones((2, 3, 8, 8))  # PyTorch's (m, c, h, w)
    message = r"convpool is channels-last.*images\.transpose\(0, 2, 3, 1\), shape \(2, 8, 8, 3\)"
    with pytest.raises(ValueError, match=message):
        convpool.convolve(images, np.ones((3, 3, 3, 4)))
    with pytest.raises(ValueError, match=message):
        convpool.convolve_channels(images, np.ones((3, 3, 3)))
    assert convpool.convolve(images.transpose(0, 2, 3, 1), np.ones((3, 3, 3, 4))).shape == (2, 8, 8, 4)


def test_plain_channel_mismatch_has_no_transpose_hint():
    with pytest.raises(ValueError, match=r"but images have 2 channels \(shape \(1, 8, 8, 2\)\)$"):
        convpool.convolve(np.ones((1, 8, 8, 2)), np.ones((3, 3, 3, 4)))


def test_pool_on_a_grayscale_batch_says_to_add_a_channel_axis():
    with pytest.raises(ValueError, match=r"got 3-D shape \(2, 6, 6\); .*needs a channel axis: images\[\.\.\., None\]"):
        convpool.pool(np.ones((2, 6, 6)), 2, 2)
    assert convpool.pool(np.ones((2, 6, 6))[..., None], 2, 2).shape == (2, 3, 3, 1)
