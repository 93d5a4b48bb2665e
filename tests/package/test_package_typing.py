"""Types as a user sees them: ``mypy --strict`` on a user's scripts against convpool installed from its wheel.

``typing_scripts/user_ok.py`` calls the public API and pins what mypy infers (``assert_type``);
``typing_scripts/user_bad.py`` holds mistakes, each marked ``# E: code``, that mypy must report. mypy
comes from this environment (``[test]`` pins it); with ``--python-executable`` it reads the packages
of a fresh venv, where ``pip install`` put NumPy and the wheel, and nothing else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "typing_scripts"


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory) -> Path:
    """A fresh venv with NumPy alone: the python a user's type checker reads packages from."""
    env_dir = tmp_path_factory.mktemp("typing") / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _pip(python, "numpy")
    return python


def _pip(python: Path, *what: str) -> None:
    """``pip install`` into the venv, blind to this environment's paths (an egg-info on PYTHONPATH would
    make pip think convpool is installed already)."""
    argv = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *what]
    subprocess.run(argv, check=True, capture_output=True, env=_clean_env())


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}


def _mypy(python: Path | str, script: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``mypy --strict`` on ``script`` as a user runs it: no project configuration, the packages of ``python``."""
    pytest.importorskip("mypy", reason="mypy is in the [test] extra")
    config = cwd / "mypy.ini"
    config.write_text("[mypy]\n")  # the user's own (empty) configuration, not convpool's pyproject.toml
    argv = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(config), "--python-executable", str(python)]
    argv += ["--cache-dir", str(cwd / ".mypy_cache"), "--no-error-summary", "--hide-error-context", str(script)]
    return subprocess.run(argv, cwd=cwd, env=_clean_env(), capture_output=True, text=True)


def _errors(proc: subprocess.CompletedProcess) -> set[tuple[int, str]]:
    """``(line, code)`` of every error mypy printed."""
    return {(int(n), code) for n, code in re.findall(r":(\d+): error: .*\[([\w-]+)\]$", proc.stdout, re.M)}


def _marked(script: Path) -> set[tuple[int, str]]:
    """``(line, code)`` of every line marked ``# E: code``."""
    lines = script.read_text().splitlines()
    return {(n, m.group(1)) for n, line in enumerate(lines, 1) if (m := re.search(r"# E: ([\w-]+)$", line))}


def test_a_users_strict_script_type_checks_against_the_installed_wheel(dists, user_venv, tmp_path):
    script = SCRIPTS / "user_ok.py"
    # before the install mypy cannot find convpool at all: what it reads below is the wheel, not this checkout
    missing = _mypy(user_venv, script, tmp_path)
    assert missing.returncode == 1 and "import-not-found" in missing.stdout, missing.stdout[-2000:]
    _pip(user_venv, "--no-deps", str(dists[1]))
    # a package without py.typed would be reported as untyped ("missing library stubs or py.typed marker")
    checked = _mypy(user_venv, script, tmp_path)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
    # and the script runs: what the types say is what the calls return (its asserts)
    ran = subprocess.run([str(user_venv), str(script)], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr[-3000:]


def test_mypy_reports_each_mistake_of_a_users_script(dists, user_venv, tmp_path):
    _pip(user_venv, "--no-deps", str(dists[1]))
    script = SCRIPTS / "user_bad.py"
    expected = _marked(script)
    assert len(expected) >= 8
    proc = _mypy(user_venv, script, tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert _errors(proc) == expected, proc.stdout[-4000:]


def test_arrays_of_other_libraries_come_back_as_their_own_type(tmp_path):
    """PyTorch and array_api_strict, as their own type stubs describe them (this environment's convpool)."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_strict")
    script = tmp_path / "user_xp.py"
    script.write_text(
        "import array_api_strict as xs\nimport numpy as np\nimport torch\n"
        "from array_api_strict._array_object import Array  # the class (xs.Array is a variable to mypy)\n"
        "from typing_extensions import assert_type\n"
        "import convpool\n\n"
        "t = torch.ones((1, 5, 5, 1))\n"
        "assert_type(convpool.convolve(t, np.ones((3, 3, 1, 1))), torch.Tensor)\n"
        "assert_type(convpool.pool(t, 2, 2, 'avg'), torch.Tensor)\n"
        "assert_type(convpool.convolve_backward(t, t, np.ones((1, 1, 1, 1)))[1], torch.Tensor | None)\n"
        "a = xs.ones((1, 5, 5, 1))\n"
        "assert_type(convpool.convolve_grayscale_same(a[..., 0], np.ones((3, 3))), Array)\n"
    )
    proc = _mypy(sys.executable, script, tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_convention_padding_overload_names_every_convention_that_always_answers():
    """The ``Literal`` of :func:`convpool.conventions.convention_padding`'s first overload: every key but PyTorch's."""
    from typing import get_args

    from convpool import conventions

    answering = set(get_args(conventions._Answering))
    assert answering | {"torch"} == {c.key for c in conventions.CONVENTIONS}
    for key in answering:  # each answers at a stride above 1 and an even kernel, where PyTorch's does not
        assert conventions.convention_padding(key, 7, 4, 2) is not None, key
    assert conventions.convention_padding("torch", 7, 4, 2) is None
