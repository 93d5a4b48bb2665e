"""``convpool filter``/``pool`` on Zarr stores and .npy stacks, end to end through ``python -m convpool``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import convpool
from convpool import kernels
from convpool.cli import main
from convpool.io.files import TEMP_MARKER

pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")

SRC = Path(__file__).resolve().parents[2] / "src"


def _convpool(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "convpool", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def stack(tmp_path):
    """A (6, 50, 40) float32 Zarr array chunked in both space and batch."""
    x = np.random.default_rng(21).random((6, 50, 40)).astype(np.float32)
    store = zarr.open_array(tmp_path / "big.zarr", mode="w", shape=x.shape, chunks=(4, 20, 15), dtype=x.dtype)
    store[:] = x
    return x


def test_filter_a_zarr_stack_to_zarr(tmp_path, stack):
    done = _convpool(
        "filter", "big.zarr", "-k", "gaussian:size=7,sigma=2", "--pad-mode", "reflect", "-o", "out.zarr", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    got = zarr.open_array(tmp_path / "out.zarr", mode="r")[:]
    kernel = kernels.parse("gaussian:size=7,sigma=2")
    want = convpool.convolve_grayscale(stack, kernel, "same", pad_mode="reflect")
    assert got.shape == want.shape == (6, 50, 40)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.zarr", "out.zarr"]  # no temporary left


def test_pool_a_memory_mapped_npy_on_two_worker_processes(tmp_path):
    x = (np.random.default_rng(22).random((5, 31, 20, 3)) * 255).astype(np.uint8)
    np.save(tmp_path / "rgb.npy", x)
    done = _convpool(
        "pool",
        "rgb.npy",
        "--size",
        "3",
        "--stride",
        "2",
        "--mode",
        "max",
        "-o",
        "p.zarr",
        "--workers",
        "2",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    got = zarr.open_array(tmp_path / "p.zarr", mode="r")[:]
    np.testing.assert_array_equal(got, convpool.pool(x, 3, 2, "max"))
    assert got.dtype == np.uint8


def test_existing_outputs_and_inputs_are_never_overwritten(tmp_path, stack, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # in-process from here on: the subprocess runs above cover the entry point
    (tmp_path / "out.zarr").mkdir()
    (tmp_path / "out.zarr" / "mine.txt").write_text("keep me")
    assert main(["pool", "big.zarr", "--size", "2", "-o", "out.zarr"]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "out.zarr" / "mine.txt").read_text() == "keep me"
    assert main(["pool", "big.zarr", "--size", "2", "-o", "big.zarr", "--force"]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "big.zarr", mode="r")[:], stack)
    assert main(["pool", "big.zarr", "--size", "2", "--workers", "0", "-o", "o.zarr"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert main(["pool", "big.zarr", "--size", "2", "-o", "out.zarr", "--force", "-q"]) == 0
    np.testing.assert_array_equal(
        zarr.open_array(tmp_path / "out.zarr", mode="r")[:], convpool.pool(stack[..., None], 2, 2)[..., 0]
    )


def test_an_output_holding_or_inside_an_input_is_refused(tmp_path, stack, monkeypatch, capsys):
    # a Zarr output is a folder: --force replacing one that holds an input would delete that input
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.zarr").mkdir()
    np.save(tmp_path / "data.zarr" / "in.npy", stack)
    assert main(["pool", "data.zarr/in.npy", "--size", "2", "-o", "data.zarr", "--force", "-q"]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "data.zarr" / "in.npy"), stack)
    assert main(["pool", "big.zarr", "--size", "2", "-o", "big.zarr/inside.zarr", "-q"]) == 2  # into an input
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert not (tmp_path / "big.zarr" / "inside.zarr").exists()


def test_a_store_left_by_a_killed_run_is_removed_by_the_next(tmp_path, stack, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pid = 2**22 + 1  # above Linux's largest PID: no process runs with it
    stale = tmp_path / f".out.zarr.convpool-{pid}-zarr.tmp"
    (stale / "0").mkdir(parents=True)
    (stale / "0" / "chunk").write_bytes(b"half a result")
    (stale / TEMP_MARKER).write_text("")  # as convpool marks the stores it writes
    running = tmp_path / f".out.zarr.convpool-{os.getpid()}-old.tmp"  # a live writer's: kept
    running.mkdir()
    users = tmp_path / f".out.zarr.convpool-{pid}-mine.tmp"  # the pattern, but no marker: not convpool's
    users.mkdir()
    assert main(["pool", "big.zarr", "--size", "2", "-o", "out.zarr", "-q"]) == 0
    assert not stale.exists() and running.is_dir() and users.is_dir()
    np.testing.assert_array_equal(
        zarr.open_array("out.zarr", mode="r")[:], convpool.pool(stack[..., None], 2, 2)[..., 0]
    )


def test_a_forced_run_that_fails_to_publish_keeps_the_old_output(tmp_path, stack, monkeypatch, capsys):
    from convpool.cli import _bigfile

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.zarr").mkdir()
    (tmp_path / "out.zarr" / "mine.txt").write_text("keep me")
    real = os.replace

    def replace(src, dst):  # moving the old output aside works; putting the new one in place fails
        if ".convpool-" in str(src) and str(src).endswith("zarr.tmp"):
            raise OSError("disk gone")
        real(src, dst)

    monkeypatch.setattr(_bigfile.os, "replace", replace)
    assert main(["pool", "big.zarr", "--size", "2", "-o", "out.zarr", "--force", "-q"]) == 1
    assert "disk gone" in capsys.readouterr().err
    assert (tmp_path / "out.zarr" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.zarr", "out.zarr"]


def test_an_unreachable_scheduler_is_one_line_not_a_traceback(tmp_path, stack, monkeypatch, capsys):
    pytest.importorskip("distributed")
    import dask

    monkeypatch.chdir(tmp_path)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["pool", "big.zarr", "--size", "2", "-o", "o.zarr", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler tcp://127.0.0.1:1:" in err and "Traceback" not in err
    assert not (tmp_path / "o.zarr").exists()


def test_a_run_that_fails_midway_leaves_no_output(tmp_path, stack, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    chunks = [p for p in (tmp_path / "big.zarr").rglob("*") if p.is_file() and not p.name.startswith((".z", "zarr"))]
    chunks[len(chunks) // 2].write_bytes(b"not a compressed chunk")  # the store opens; one chunk fails mid-run
    np.save(tmp_path / "fine.npy", stack[:2])
    assert main(["filter", "big.zarr", "fine.npy", "-k", "box:size=3", "-o", "outs/", "-q"]) == 1
    err = capsys.readouterr().err
    assert "big.zarr: " in err and "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "outs").iterdir()) == ["fine.zarr"]  # the other input went on
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.zarr", "fine.npy", "outs"]


@pytest.mark.parametrize(("flag", "dtype"), [([], np.float64), (["--dtype", "float32"], np.float32)])
def test_big_inputs_honour_dtype(tmp_path, flag, dtype):
    """``--dtype`` reaches the chunked path too; ``auto`` keeps the library's rule (float64 for integers)."""
    x = np.random.default_rng(23).integers(0, 255, (3, 12, 10), dtype=np.uint8)
    np.save(tmp_path / "gray.npy", x)
    assert main(["filter", str(tmp_path / "gray.npy"), "-k", "box", "-o", str(tmp_path / "o.zarr"), "-q", *flag]) == 0
    got = zarr.open_array(tmp_path / "o.zarr", mode="r")[:]
    want = convpool.convolve_grayscale(x, kernels.parse("box"), "same", pad_mode="reflect", dtype=dtype)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
