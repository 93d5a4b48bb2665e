"""Fixtures of the N-D tests: leading-axis bands of one output each, so that the band arithmetic is exercised;
the plans of parts (a signal's 2-D plan, a band's) forgotten around every test, as the plan caches are, so that
``both_paths`` reaches the engine through them too."""

import pytest


@pytest.fixture(autouse=True)
def fresh_parts():
    from convpool._backends.numpy import ranks

    ranks.clear_parts()
    yield
    ranks.clear_parts()


@pytest.fixture(params=["whole", "bands"])
def bands(request, monkeypatch):
    """Run the test twice: with the default band budget, and with bands (and batch blocks) of one leading output."""
    if request.param == "bands":
        from convpool._backends.numpy import ranks

        monkeypatch.setattr(ranks, "BAND_BYTES", 1)
    return request.param
