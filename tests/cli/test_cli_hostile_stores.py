"""Zarr stores and Dask clusters on hostile and unlucky input (issue 23), through ``python -m convpool``.

The dtype kept, absent chunks named, symlinked and moved-aside outputs handled
without deleting anything of the user's, interrupted two-worker runs leaving
nothing, other services at the scheduler address one line instead of a hang.
"""

import subprocess
import sys

import numpy as np
import pytest
from _hostile import DEAD_PID, convpool, error_lines
from numpy.testing import assert_array_equal

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def zarr_stack(tmp_path):
    """A (4, 8, 6) float32 Zarr array, one chunk per image, every chunk written."""
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("dask.array")
    x = np.arange(4 * 8 * 6, dtype=np.float32).reshape(4, 8, 6) + 1
    store = zarr.open_array(tmp_path / "in.zarr", mode="w", shape=x.shape, chunks=(1, 8, 6), dtype=x.dtype)
    store[:] = x
    return x


def _chunk_of_image(store, i: int):
    """Image ``i``'s chunk: the folder ``c/i`` in Zarr format 3, the file ``i.0.0`` in format 2 (Python 3.10's zarr)."""
    v3 = store / "c" / str(i)
    return v3 if v3.exists() else store / f"{i}.0.0"


def _metadata_file(store):
    """The array's metadata: ``zarr.json`` (format 3) or ``.zarray`` (format 2)."""
    return store / "zarr.json" if (store / "zarr.json").exists() else store / ".zarray"


def _read_zarr(path):
    import zarr

    return zarr.open_array(path, mode="r")[:]


def test_a_float32_stack_stays_float32_in_a_zarr_output(tmp_path):
    pytest.importorskip("zarr")
    x = np.random.default_rng(5).random((3, 9, 7)).astype(np.float32)
    np.save(tmp_path / "f32.npy", x)
    assert convpool("filter", "f32.npy", "-k", "box:size=3", "-o", "a.npy", "-q", cwd=tmp_path).returncode == 0
    proc = convpool("filter", "f32.npy", "-k", "box:size=3", "-o", "a.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    in_memory, chunked = np.load(tmp_path / "a.npy"), _read_zarr(tmp_path / "a.zarr")
    assert in_memory.dtype == chunked.dtype == np.float32
    np.testing.assert_allclose(chunked, in_memory[..., 0], rtol=1e-6)


def test_absent_zarr_chunks_are_named_in_a_note(tmp_path, zarr_stack):
    import shutil

    chunk = _chunk_of_image(tmp_path / "in.zarr", 2)
    assert chunk.exists()
    shutil.rmtree(chunk) if chunk.is_dir() else chunk.unlink()  # image 2's chunk is lost
    proc = convpool("pool", "in.zarr", "--size", "2", "--mode", "max", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (line,) = error_lines(proc)
    assert line == "convpool pool: note: in.zarr: 1 of 4 chunks are absent; read as the fill value 0.0"
    out = _read_zarr(tmp_path / "out.zarr")
    assert_array_equal(out[2], 0)
    assert_array_equal(out[1], zarr_stack[1].reshape(4, 2, 3, 2).max(axis=(1, 3)))


def test_metadata_claiming_more_images_than_stored_gets_a_note(tmp_path, zarr_stack):
    import json

    meta_path = _metadata_file(tmp_path / "in.zarr")
    meta = json.loads(meta_path.read_text())
    meta["shape"] = [10, 8, 6]  # six images that were never written
    meta_path.write_text(json.dumps(meta))
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert error_lines(proc) == ["convpool pool: note: in.zarr: 6 of 10 chunks are absent; read as the fill value 0.0"]


def test_force_onto_a_symlinked_zarr_output_replaces_the_link_only(tmp_path, zarr_stack):
    (tmp_path / "elsewhere.zarr").mkdir()
    (tmp_path / "elsewhere.zarr" / "keep.txt").write_text("not convpool's")
    (tmp_path / "out.zarr").symlink_to("elsewhere.zarr")
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "--force", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert error_lines(proc) == []
    assert not (tmp_path / "out.zarr").is_symlink()
    assert_array_equal(_read_zarr(tmp_path / "out.zarr"), zarr_stack.reshape(4, 4, 2, 3, 2).max(axis=(2, 4)))
    assert (tmp_path / "elsewhere.zarr" / "keep.txt").read_text() == "not convpool's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.zarr", "in.zarr", "out.zarr"]


def test_an_old_result_a_killed_force_run_moved_aside_is_put_back(tmp_path, zarr_stack):
    aside = tmp_path / f".out.zarr.convpool-{DEAD_PID}-old.tmp"  # killed between the two renames
    aside.mkdir()
    (aside / "result.txt").write_text("the previous result")
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 1  # the old result is back, and without --force it is not replaced
    assert error_lines(proc) == [
        f"convpool pool: note: in.zarr: put back out.zarr, which an interrupted --force run had moved aside to "
        f"{aside.name}",
        "convpool pool: in.zarr: out.zarr exists; pass --force to overwrite it",
    ]
    assert (tmp_path / "out.zarr" / "result.txt").read_text() == "the previous result"
    assert not aside.exists()


def test_a_users_folder_named_like_a_temporary_store_is_never_deleted(tmp_path, zarr_stack):
    users = tmp_path / f".out.zarr.convpool-{DEAD_PID}-zarr.tmp"
    users.mkdir()
    (users / "precious.txt").write_text("mine")
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (users / "precious.txt").read_text() == "mine"


def test_messages_name_the_output_not_the_hidden_store(tmp_path):
    from convpool.cli import _stores

    dst = tmp_path / "out.zarr"
    exc = PermissionError(13, "Permission denied", str(tmp_path / ".out.zarr.convpool-4242-zarr.tmp" / "c" / "0"))
    assert _stores.reason(exc, dst) == f"[Errno 13] Permission denied: '{dst / 'c' / '0'}'"


def test_ctrl_c_during_a_two_worker_run_leaves_nothing_behind(tmp_path):
    """A real SIGINT to a real ``--workers 2`` run, once its hidden store exists."""
    import os
    import signal
    import time

    zarr = pytest.importorskip("zarr")
    pytest.importorskip("distributed")
    # work for several seconds even on a fast machine: a run that finishes first cannot be interrupted
    x = np.random.default_rng(9).random((192, 256, 256), dtype=np.float32)
    zarr.open_array(tmp_path / "stack.zarr", mode="w", shape=x.shape, chunks=(2, 256, 256), dtype=x.dtype)[:] = x
    argv = ["filter", "stack.zarr", "-k", "gaussian:size=15,sigma=4", "-o", "out.zarr", "--workers", "2", "-q"]
    run = subprocess.Popen([sys.executable, "-m", "convpool", *argv], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.zarr") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are writing chunks now
    if run.poll() is not None:
        pytest.skip("the run ended before it could be interrupted")
    os.kill(run.pid, signal.SIGINT)
    err = run.communicate(timeout=60)[1]
    if run.returncode == 0 and (tmp_path / "out.zarr").exists():
        pytest.skip("the run finished between the last look and the signal (a loaded machine)")
    assert run.returncode == 130
    assert err.splitlines() == ["convpool filter: interrupted; no partial output left"]
    time.sleep(1.0)  # anything a straggling worker might still write would show by now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.zarr"]


@pytest.fixture
def web_server():
    """An HTTP server on 127.0.0.1: a service that answers, but is not a Dask scheduler."""
    import http.server
    import threading

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("service", ["web_server", "silent_port"])
def test_a_scheduler_address_of_another_service_is_one_line_and_exit_2(tmp_path, zarr_stack, service, request):
    import os
    import time

    pytest.importorskip("distributed")
    address = request.getfixturevalue(service)
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
    argv = ["pool", "in.zarr", "--size", "2", "-o", "out.zarr", "--scheduler", address]
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - start < 30
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert line.startswith(f"convpool pool: error: --scheduler {address}: ")
    assert "memory" not in line
    assert not (tmp_path / "out.zarr").exists()


def test_a_failing_chunk_on_two_workers_is_one_line(tmp_path, zarr_stack):
    pytest.importorskip("distributed")
    chunk = _chunk_of_image(tmp_path / "in.zarr", 0)
    chunk = next(p for p in chunk.rglob("*") if p.is_file()) if chunk.is_dir() else chunk
    chunk.write_bytes(b"not a compressed chunk")
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "--workers", "2", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)  # no "Compute Failed" block from the workers' logs
    assert line.startswith("convpool pool: in.zarr: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.zarr"]


def test_nan_in_a_zarr_stack_is_kept_and_counted_in_a_note(tmp_path):
    zarr = pytest.importorskip("zarr")
    x = np.ones((2, 6, 6), np.float32)
    x[1, 2, 3] = np.nan
    zarr.open_array(tmp_path / "nan.zarr", mode="w", shape=x.shape, chunks=(1, 6, 6), dtype=x.dtype)[:] = x
    proc = convpool("filter", "nan.zarr", "-k", "box:size=3", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert error_lines(proc) == ["convpool filter: note: nan.zarr: 9 of 72 values are NaN or infinite"]
    out = _read_zarr(tmp_path / "out.zarr")
    assert np.isnan(out[1, 1:4, 2:5]).all() and np.isfinite(out[0]).all()
