"""The release as built: one sdist and one wheel per test session, shared by the package tests."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What a working copy holds besides its sources (.gitignore): venvs, build output, caches.
_NOT_SOURCE = (".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")

# a user's scripts that test_package_typing.py type-checks (one with deliberate type errors): data, not tests
collect_ignore = ["typing_scripts"]


@pytest.fixture(scope="session")
def dists(tmp_path_factory) -> tuple[Path, Path]:
    """The sdist and the wheel (built from that sdist, as ``python -m build`` does)."""
    pytest.importorskip("build", reason="the build package is in the [test] extra")
    out = tmp_path_factory.mktemp("dist")
    # from a clean copy, as from a fresh clone: a leftover *.egg-info/SOURCES.txt would add files
    # to the sdist that MANIFEST.in does not name (and hide a file that it fails to name)
    source = tmp_path_factory.mktemp("source") / "convpool"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return sdist, wheel
