"""Shared test settings."""

import os

import numpy as np
import pytest
from hypothesis import settings

# The spec's main files are data for test_tasks.py, and checker_cases/ holds student files
# (some deliberately wrong: one hangs, one segfaults) for test_checker.py: data, not test modules.
collect_ignore = ["spec_mains", "checker_cases"]

# CI machines are small and shared: no deadline, a moderate number of examples.
settings.register_profile("convpool", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "convpool"))

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)
