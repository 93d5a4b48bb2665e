"""The release as a user gets it: the built wheel and sdist, their metadata, and missing extras.

The wheel and sdist are built once per session with ``python -m build`` (the
``dists`` fixture of ``conftest.py``; the ``build`` package is in ``[test]``; the
build backend comes from the package index, as for any user). Metadata is read from the built wheel, not from
``pyproject.toml``, so that what is checked is what ``pip`` sees.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

import convpool

ROOT = Path(__file__).resolve().parents[2]
VERSION = convpool.__version__
DIST_INFO = f"convpool-{VERSION}.dist-info"
#: Tracked files that the sdist leaves out on purpose: the CI script and git's own settings.
NOT_IN_SDIST = {".ci/run", ".gitignore"}
#: What the sdist's own test run covers: the files that used to be missing from it (the naive
#: reference, conftest files, checker cases, the spec's main files, tasks/) and a quick core.
SDIST_SUBSET = [
    "tests/api/test_shapes.py",
    "tests/api/test_conv.py::test_seven_functions_match_reference",
    "tests/checker/test_checker.py::test_correct_solutions_pass_everything",
    "tests/exercise/test_tasks.py::test_main_files_on_small_data",
]


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        return email.parser.Parser().parsestr(zf.read(f"{DIST_INFO}/METADATA").decode())


def _extra_requirements(meta) -> dict[str, list[str]]:
    """Each extra's requirement names (lower case), from the wheel's ``Requires-Dist`` lines."""
    extras: dict[str, list[str]] = {name: [] for name in meta.get_all("Provides-Extra")}
    for line in meta.get_all("Requires-Dist"):
        found = re.match(r"([A-Za-z0-9_.-]+).*extra == \"([^\"]+)\"", line)
        if found:
            extras[found.group(2)].append(found.group(1).lower())
    return extras


# --- the wheel --------------------------------------------------------------------------------------


def test_wheel_carries_licence_typing_marker_and_metadata(dists):
    _, wheel = dists
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        licence = zf.read(f"{DIST_INFO}/licenses/LICENSE").decode()
    assert "convpool/py.typed" in names  # PEP 561: users' type checkers read convpool's hints
    assert licence == (ROOT / "LICENSE").read_text() and licence.startswith("MIT License")
    assert f"{DIST_INFO}/licenses/src/convpool/data/LICENSES.md" in names  # the sample photos' licences
    assert "convpool/data/samples.npz" in names
    assert not any(name.startswith(("tests/", "docs/", "benchmarks/")) for name in names)
    meta = _metadata(wheel)
    assert meta["Name"] == "convpool" and meta["Version"] == VERSION
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Author"] and meta["Keywords"] and meta["Summary"]
    urls = dict(line.split(", ", 1) for line in meta.get_all("Project-URL"))
    assert {"Source", "Issues", "Changelog", "Documentation"} <= set(urls)
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().startswith("# convpool")  # the README is the package page
    assert [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r] == ["numpy>=1.23"]


def test_classifiers_are_real_and_name_the_tested_pythons(dists):
    meta = _metadata(dists[1])
    classifiers = meta.get_all("Classifier")
    trove = pytest.importorskip("trove_classifiers")
    assert set(classifiers) <= trove.classifiers, set(classifiers) - trove.classifiers
    assert "Typing :: Typed" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: the expression says it
    pythons = sorted(tuple(map(int, c.rsplit(":: ", 1)[1].split("."))) for c in classifiers if re.search(r"3\.\d+$", c))
    # the floor claimed is the oldest Python listed, and the one `make test-python-min` runs
    floor = "{}.{}".format(*pythons[0])
    assert meta["Requires-Python"] == f">={floor}"
    makefile = (ROOT / "Makefile").read_text()
    assert f"PYTHON_MIN := {floor}" in makefile
    # the oldest Pillow admitted is the one that suite runs with, in every extra that names Pillow
    pillow_min = re.search(r"^PILLOW_MIN := (\d+\.\d+)\.0$", makefile, re.M).group(1)
    pillows = {r.split(";")[0].lower() for r in meta.get_all("Requires-Dist") if r.lower().startswith("pillow")}
    assert pillows == {f"pillow>={pillow_min}"}, pillows


def test_version_has_one_home_and_the_citation_and_changelog_follow_it(dists):
    pyproject = (ROOT / "pyproject.toml").read_text()
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert 'dynamic = ["version"]' in project and not re.search(r"^version\s*=", project, re.M)
    assert _metadata(dists[1])["Version"] == VERSION
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r'^version: "([^"]+)"$', citation, re.M).group(1) == VERSION
    assert re.search(r"^cff-version: 1\.2\.0$", citation, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{VERSION}]" in changelog
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[0] == "Unreleased" and len(headings) == len(set(headings))
    sections = set(re.findall(r"^### (\w+)", changelog, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


# --- the README as a package page --------------------------------------------------------------------


def test_readme_opens_with_pip_install_and_its_images_show_off_the_repository():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```\w*\n(.*?)```", readme, re.S).group(1)
    assert first_block.strip() == "pip install convpool"
    source = re.search(r'^Source = "(https://github\.com/[^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    raw = source.group(1).replace("://github.com/", "://raw.githubusercontent.com/") + "/main/"
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'repository-code: "{source.group(1)}"' in citation
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme) + re.findall(r"<img [^>]*src=\"([^\"]+)\"", readme)
    assert len(images) >= 4
    for url in images:
        # absolute, so that a package index shows it; pointing at a file the repository has
        assert url.startswith(raw), url
        assert (ROOT / url[len(raw) :]).is_file(), url


# --- the sdist ----------------------------------------------------------------------------------------


def _sdist_members(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as tf:
        top = f"convpool-{VERSION}/"
        return {m.name[len(top) :] for m in tf.getmembers() if m.isfile()}


def test_sdist_holds_every_tracked_file(dists):
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: nothing to compare the sdist with")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    members = _sdist_members(dists[0])
    missing = set(tracked.split()) - NOT_IN_SDIST - members
    assert not missing, sorted(missing)
    assert {"LICENSE", "PKG-INFO", "CHANGELOG.md", "CITATION.cff", "src/convpool/py.typed"} <= members
    assert not any("__pycache__" in m or m.endswith(".pyc") for m in members)


def test_sdist_runs_its_own_tests(dists, tmp_path):
    with tarfile.open(dists[0]) as tf:
        tf.extractall(tmp_path, filter="data") if sys.version_info >= (3, 12) else tf.extractall(tmp_path)
    unpacked = tmp_path / f"convpool-{VERSION}"
    # convpool from the unpacked sdist, ahead of the editable install; the test tools of this environment
    env = {**os.environ, "PYTHONPATH": str(unpacked / "src")}
    where = subprocess.run(
        [sys.executable, "-c", "import convpool; print(convpool.__file__)"],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(unpacked)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SDIST_SUBSET],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"^(\d+) passed", proc.stdout.splitlines()[-1]), proc.stdout[-500:]
    assert int(re.search(r"(\d+) passed", proc.stdout).group(1)) >= 20


# --- a missing extra is one line naming it ---------------------------------------------------------

_FAKE_TORCH = """
import sys, types
import numpy as np
torch = types.ModuleType("torch")  # a torch tensor's type, without installing PyTorch
Tensor = type("Tensor", (), {"__module__": "torch"})
torch.Tensor = Tensor
sys.modules["torch"] = torch
import convpool
convpool.convolve(Tensor(), np.ones((3, 3, 1, 1)))
"""
_ZARR_OUTPUT = """
import numpy as np
from convpool.cli import main
np.save("in.npy", np.ones((2, 8, 8)))
raise SystemExit(main(["filter", "in.npy", "-k", "box:size=3", "-o", "out.zarr"]))
"""
#: extra -> (the module it brings, its distribution's name, a call that needs it)
EXTRAS = {
    "plot": (
        "matplotlib",
        "matplotlib",
        "import numpy as np, convpool.plot\nconvpool.plot.kernel_heatmap(np.ones((3, 3)))",
    ),
    "image": ("PIL", "pillow", "import convpool.io\nconvpool.io.read_image('in.png')"),
    "arrays": ("array_api_compat", "array-api-compat", _FAKE_TORCH),
    "dask": ("dask", "dask", _ZARR_OUTPUT),
}
#: Runs one call; an ImportError it lets out is printed as Python would, without the traceback.
_RUNNER = """
import sys
for name in sys.argv[2:]:
    sys.modules[name] = None  # as if not installed
try:
    exec(sys.argv[1])
except ImportError as exc:
    sys.exit(f"ImportError: {exc}")
"""


def _run_without(python: Path | str, extra: str, tmp_path: Path, block: bool) -> subprocess.CompletedProcess:
    module, _, code = EXTRAS[extra]
    argv = [str(python), "-c", _RUNNER, textwrap.dedent(code), *([module] if block else [])]
    return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})


def _assert_one_line_naming(proc: subprocess.CompletedProcess, extra: str, package: str | None = None) -> None:
    message = proc.stderr.strip()
    assert proc.returncode != 0 and "\n" not in message, message  # one line: no traceback
    assert f"pip install 'convpool[{extra}]'" in message, message
    package = package or EXTRAS[extra][1]
    assert package.lower() in message.lower(), message  # the missing package, by its pip name


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_a_blocked_optional_module_names_its_extra_in_one_line(extra, tmp_path):
    _assert_one_line_naming(_run_without(sys.executable, extra, tmp_path, block=True), extra)


def test_a_cluster_without_distributed_names_the_dask_extra(tmp_path):
    """dask installed but not distributed (a partial install): ``--workers`` still says which extra."""
    pytest.importorskip("dask.array")
    code = _ZARR_OUTPUT.replace('"out.zarr"]', '"out.zarr", "--workers", "1"]')
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, code, "distributed"], cwd=tmp_path, capture_output=True, text=True
    )
    _assert_one_line_naming(proc, "dask", "distributed")
    assert "--workers" in proc.stderr


def test_each_extra_named_holds_the_package_it_is_named_for(dists):
    requirements = _extra_requirements(_metadata(dists[1]))
    for extra, (_, package, _) in EXTRAS.items():
        assert package in requirements[extra], (extra, requirements[extra])
    # every optional(...) call in the package names an extra that brings that module
    pip_names = {"PIL": "pillow", "array_api_compat": "array-api-compat"}
    calls = re.findall(
        r"optional\(\s*\"([\w.]+)\",\s*extra=\"([\w-]+)\"",
        "".join(p.read_text() for p in ROOT.glob("src/**/*.py") if p.name != "_optional.py"),
    )
    assert len(calls) >= 6
    for module, extra in calls:
        top = module.split(".")[0]
        assert pip_names.get(top, top) in requirements[extra], (module, extra)


def test_missing_extras_in_a_venv_with_numpy_alone(dists, tmp_path):
    """A real install without extras: ``pip install convpool`` in a fresh venv, each extra's feature tried."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*install, "numpy"], check=True, capture_output=True)
    subprocess.run([*install, "--no-deps", str(dists[1])], check=True, capture_output=True)
    absent = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; print([m for m in %r if u.find_spec(m)])"
            % [module for module, _, _ in EXTRAS.values()],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert absent.stdout.strip() == "[]"  # the test is real: none of the extras' packages is there
    for extra in EXTRAS:
        _assert_one_line_naming(_run_without(python, extra, tmp_path, block=False), extra)
