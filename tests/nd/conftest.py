"""Fixtures of the N-D tests: leading-axis bands of one output each, so that the band arithmetic is exercised."""

import pytest


@pytest.fixture(params=["whole", "bands"])
def bands(request, monkeypatch):
    """Run the test twice: with the default band budget, and with bands (and batch blocks) of one leading output."""
    if request.param == "bands":
        from convpool._backends.numpy import ranks

        monkeypatch.setattr(ranks, "BAND_BYTES", 1)
    return request.param
