"""Shared test settings."""

import os

import numpy as np
import pytest
from hypothesis import settings

# The spec's main files are data for test_tasks.py, and checker_cases/ holds student files
# (some deliberately wrong: one hangs, one segfaults) for test_checker.py: data, not test modules.
collect_ignore = ["spec_mains", "checker/checker_cases"]

# CI machines are small and shared: no deadline, a moderate number of examples.
settings.register_profile("convpool", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "convpool"))

os.environ.setdefault("MPLBACKEND", "Agg")

#: What each test module needs beyond NumPy, as markers (``make test-fast`` deselects them all).
NEEDS = {
    "dask": ("test_dask", "test_distributed", "test_dask_cli"),
    "xp": ("test_xp", "test_conventions"),
    "cli": ("test_cli", "test_checker", "test_dask_cli", "test_imageio", "test_tasks", "test_readme", "test_package"),
    "plot": ("test_plot", "test_learn", "test_explain", "test_demo", "test_examples"),
    "browser": ("test_explorer_browser",),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.path.stem
        for marker, prefixes in NEEDS.items():
            if module.startswith(prefixes):
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


def _clear_plans() -> None:
    """The plan caches, and the NumPy backend's plans of parts (a signal's 2-D plan, a volume band's)."""
    from convpool._backends.numpy import ranks
    from convpool._plan import plans, transpose_checks

    for build in (plans.conv_plan, plans.pool_plan, transpose_checks.transpose_plan):
        build.cache.clear()
    ranks.clear_parts()


def _force_engine(monkeypatch) -> None:
    """Plans made from here on choose the blocked engine (a plan records its path, so the caches go too)."""
    from convpool._plan import plans

    _clear_plans()
    monkeypatch.setattr(plans, "SMALL_BYTES", -1)


@pytest.fixture
def engine_only(monkeypatch):
    """Calls in this test take the NumPy backend's blocked engine, never its small-work path.

    For tests of the engine's blocks, tiles and threads on inputs small enough
    for the small-work path. The plan caches are cleared before and after, since
    a plan records which path it takes.
    """
    _force_engine(monkeypatch)
    yield
    _clear_plans()


@pytest.fixture(params=["small-path", "engine"])
def both_paths(request, monkeypatch):
    """Run the test twice: as the plans choose (small inputs: the small-work path), and on the engine alone.

    Modules of oracle tests use it (``pytestmark = pytest.mark.usefixtures("both_paths")``), so that
    both ways of computing stay checked against the oracles on the same small cases.
    """
    if request.param == "engine":
        _force_engine(monkeypatch)
    yield request.param
    _clear_plans()


@pytest.fixture(params=["whole", "bands"])
def bands(request, monkeypatch):
    """Run the test twice: with the default band budget of volumes, and with bands (and batch blocks) of one
    leading output, so that the N-D band arithmetic is exercised (tests/nd)."""
    if request.param == "bands":
        from convpool._backends.numpy import ranks

        monkeypatch.setattr(ranks, "BAND_BYTES", 1)
    return request.param
