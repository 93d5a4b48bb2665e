"""One image where a batch is expected (issue 24): the message says how to make a batch of one."""

import numpy as np
import pytest
from _reference import conv_ref
from numpy.testing import assert_allclose

import convpool

HINT = r"; for one image use images\[None\] \(a batch of 1\)$"


def test_a_single_grayscale_image_gets_the_batch_hint_and_the_hint_works():
    image, kernel = np.arange(30.0).reshape(5, 6), np.arange(9.0).reshape(3, 3)
    for call in (convpool.convolve_grayscale, convpool.convolve_grayscale_valid):
        with pytest.raises(
            ValueError, match=r"images must be a 3-D array of shape \(m, h, w\), got 2-D shape \(5, 6\)"
        ):
            call(image, kernel)
        with pytest.raises(ValueError, match=HINT):
            call(image, kernel)
    result = convpool.convolve_grayscale(image[None], kernel)
    assert_allclose(result[..., None], conv_ref(image[None, ..., None], kernel[..., None, None]), atol=1e-12)


def test_a_single_colour_image_gets_the_hint_and_other_slips_keep_theirs():
    with pytest.raises(ValueError, match=r"got 3-D shape \(5, 6, 3\): kernels have 2 spatial axes, images 1" + HINT):
        convpool.convolve(np.ones((5, 6, 3)), np.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"got 2-D shape \(5, 6\)$"):  # two axes short: no batch of one helps
        convpool.convolve(np.ones((5, 6)), np.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"images\[\.\.\., None\] \(c = 1\)$"):  # pool's own hint stays
        convpool.pool(np.ones((5, 6, 3)), 2, 2)
