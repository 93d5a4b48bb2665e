"""Embedded sample data: spec-shaped batches with real image content."""

import numpy as np
import pytest

from convpool import data


def test_batches_have_the_spec_shapes():
    gray, rgb = data.grayscale_batch(), data.rgb_batch()
    assert gray.shape == (64, 28, 28) and gray.dtype == np.uint8
    assert rgb.shape == (64, 32, 32, 3) and rgb.dtype == np.uint8
    assert data.grayscale_batch(5).shape == (5, 28, 28)
    assert data.rgb_batch(0).shape == (0, 32, 32, 3)


def test_batches_hold_real_varied_images():
    for batch in (data.grayscale_batch(), data.rgb_batch()):
        per_image_std = batch.reshape(len(batch), -1).std(axis=1)
        assert (per_image_std > 2).mean() > 0.9  # not blank crops
        assert len({img.tobytes() for img in batch}) == len(batch)  # all different
        # natural images: neighbouring pixels correlate strongly, unlike noise
        flat = batch.astype(float)
        left, right = flat[:, :, :-1].ravel(), flat[:, :, 1:].ravel()
        assert np.corrcoef(left, right)[0, 1] > 0.8


def test_photos_and_licences():
    assert data.photo("camera").shape == (256, 256)
    assert data.photo("astronaut").shape == (256, 256, 3)
    for name in data.PHOTOS:
        assert name in data.LICENSES
    assert "CC0" in data.LICENSES


def test_loaders_return_copies():
    a = data.grayscale_batch(2)
    a[...] = 0
    assert data.grayscale_batch(2).any()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: data.photo("lena"), "name must be one of"),
        (lambda: data.rgb_batch(65), "m must be an int from 0 to 64"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
