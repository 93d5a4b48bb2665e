"""The command line on hostile and unlucky input (issue 23): no wrong result exits 0 silently.

Each test runs the real entry point (``python -m convpool``, a subprocess) on
files it writes itself, and checks the exit status, the one line on stderr and
what is (or is not) on disk afterwards, against hand-computed expectations.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

Image = pytest.importorskip("PIL.Image")


def convpool(*args, cwd):
    """Run the console script in ``cwd``; no traceback may reach stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr  # NumPy's or Pillow's warnings are not messages
    return proc


def error_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


# --- NaN and inf: never a black picture with exit 0 ----------------------------------------------


@pytest.fixture
def nan_tiff(tmp_path):
    values = np.linspace(0, 255, 400, dtype=np.float32).reshape(20, 20)
    values[5, 5] = np.nan
    Image.fromarray(values, mode="F").save(tmp_path / "nan.tif")
    return tmp_path / "nan.tif"


def test_a_nan_pixel_is_one_error_line_for_an_image_output(tmp_path, nan_tiff):
    proc = convpool("filter", nan_tiff.name, "-k", "box:size=3", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: nan.tif: ") and "NaN" in line
    assert not (tmp_path / "out.png").exists()


def test_a_nan_pixel_in_an_array_output_is_kept_with_a_note(tmp_path, nan_tiff):
    proc = convpool("filter", nan_tiff.name, "-k", "box:size=3", "-o", "out.npy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = np.load(tmp_path / "out.npy")
    # a 3x3 box with zero padding: exactly the 3x3 neighbourhood of (5, 5) is NaN
    expected = np.zeros(out.shape[1:3], bool)
    expected[4:7, 4:7] = True
    assert_array_equal(np.isnan(out[0, :, :, 0]), expected)
    (line,) = error_lines(proc)
    assert line == "convpool filter: note: out.npy: 9 of 400 values are NaN or infinite"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_npy_kernel_with_nan_or_inf_is_a_usage_error(tmp_path, bad):
    kernel = np.full((3, 3), 1 / 9)
    kernel[1, 2] = bad
    np.save(tmp_path / "k.npy", kernel)
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: error: -k k.npy: ") and "NaN or infinite" in line
    assert list(tmp_path.iterdir()) == [tmp_path / "k.npy"]


def test_a_kernel_that_overflows_is_an_error_not_a_black_picture(tmp_path):
    kernel = np.full((3, 3), 1 / 9)
    kernel[0, 0] = 1e308  # finite, but 1e308 * 255 is not
    np.save(tmp_path / "k.npy", kernel)
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "out.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: sample:camera: ") and "infinite" in line
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_pad_value_must_be_finite(tmp_path, value):
    proc = convpool("filter", "sample:camera", "-k", "box:size=3", f"--pad-value={value}", "-o", "o.npy", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert "--pad-value" in line and "finite" in line
    assert not (tmp_path / "o.npy").exists()


# --- Zarr stores: the dtype kept, absent chunks named, a symlinked output replaced cleanly -----------


@pytest.fixture
def zarr_stack(tmp_path):
    """A (4, 8, 6) float32 Zarr array, one chunk per image, every chunk written."""
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("dask.array")
    x = np.arange(4 * 8 * 6, dtype=np.float32).reshape(4, 8, 6) + 1
    store = zarr.open_array(tmp_path / "in.zarr", mode="w", shape=x.shape, chunks=(1, 8, 6), dtype=x.dtype)
    store[:] = x
    return x


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

    chunk = tmp_path / "in.zarr" / "c" / "2"
    assert chunk.is_dir()
    shutil.rmtree(chunk)  # image 2's chunk is lost
    proc = convpool("pool", "in.zarr", "--size", "2", "--mode", "max", "-o", "out.zarr", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (line,) = error_lines(proc)
    assert line == "convpool pool: note: in.zarr: 1 of 4 chunks are absent; read as the fill value 0.0"
    out = _read_zarr(tmp_path / "out.zarr")
    assert_array_equal(out[2], 0)
    assert_array_equal(out[1], zarr_stack[1].reshape(4, 2, 3, 2).max(axis=(1, 3)))


def test_metadata_claiming_more_images_than_stored_gets_a_note(tmp_path, zarr_stack):
    import json

    meta_path = tmp_path / "in.zarr" / "zarr.json"
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


DEAD_PID = 2**22 + 1  # above Linux's largest PID: no process runs with it


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


# --- clusters: interrupted runs leave nothing, wrong services are one line, not a hang ----------------


def test_ctrl_c_during_a_two_worker_run_leaves_nothing_behind(tmp_path):
    """A real SIGINT to a real ``--workers 2`` run, once its hidden store exists."""
    import os
    import signal
    import time

    zarr = pytest.importorskip("zarr")
    pytest.importorskip("distributed")
    x = np.random.default_rng(9).random((48, 256, 256), dtype=np.float32)
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


# --- odd inputs and sizes: one line each, the rest of the batch goes on -----------------------------


def _png(path, image):
    Image.fromarray(np.asarray(image, np.uint8)).save(path)


def test_a_fifo_among_the_inputs_fails_alone_and_does_not_block(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.png")
    _png(tmp_path / "a.png", np.arange(64).reshape(8, 8))
    proc = convpool("pool", "pipe.png", "a.png", "--size", "2", "-o", "outs/", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool pool: pipe.png: not a regular file")
    assert_array_equal(
        np.array(Image.open(tmp_path / "outs" / "a.png")), [[9, 11, 13, 15]] * 4 + np.arange(4)[:, None] * 16
    )


@pytest.mark.parametrize("option", ["--stride", "--size", "--padding"])
def test_a_size_past_any_image_is_a_usage_error(tmp_path, option):
    _png(tmp_path / "a.png", np.zeros((8, 8)))
    extra = [] if option == "--size" else ["--size", "2"]
    proc = convpool("pool", "a.png", *extra, option, str(2**63), "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert f"argument {option}" in line and "2147483647" in line
    assert not (tmp_path / "o.png").exists()


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path):
    _png(tmp_path / "two\nlines.png", np.zeros((8, 8)))
    (tmp_path / "out\nput.png").write_bytes(b"someone else's")
    proc = convpool("pool", "two\nlines.png", "--size", "2", "-o", "out\nput.png", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "convpool pool: out\\nput.png exists; pass --force to overwrite it (input two\\nlines.png skipped)"
    ]


def test_demo_kernels_and_explain_into_an_impossible_folder_are_one_line(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    for argv in (
        ["demo", "-o", "file/demo.png"],
        ["kernels", "--gallery", "file/g.png"],
        ["explain", "-o", "file/x.gif"],
    ):
        proc = convpool(*argv, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        (line,) = error_lines(proc)
        assert line == f"convpool {argv[0]}: error: cannot write {argv[-1]}: Not a directory"


def _bomb_png(path, width=30000, height=30000):
    """A PNG whose header claims 900 megapixels: Pillow refuses it as a decompression bomb."""
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_explain_on_a_decompression_bomb_is_one_line(tmp_path):
    _bomb_png(tmp_path / "bomb.png")
    proc = convpool("explain", "--input", "bomb.png", "-o", "x.gif", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool explain: error: ") and "decompression bomb" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.png"]


FULL_DISK = """
import errno, os, sys
import numpy.lib.format as fmt
from PIL import Image

def short_write(fp, *args, **kwargs):  # what NumPy's tofile says when the disk fills up mid-file
    fp.write(b"x" * 100)
    raise OSError("1080000 requested and 130032 written")

def no_space(self, fp, *args, **kwargs):
    open(fp, "wb").write(b"x" * 100)
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

fmt.write_array, Image.Image.save = short_write, no_space
from convpool.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("output", ["full.npy", "full.png"])
def test_a_full_disk_is_one_line_naming_the_output_and_leaves_nothing(tmp_path, output):
    _png(tmp_path / "a.png", np.zeros((8, 8)))
    (tmp_path / "b.png").write_bytes((tmp_path / "a.png").read_bytes())
    argv = ["pool", "a.png", "b.png", "--size", "2", "--format", output[-3:], "-o", "outs/"]
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc)
    assert len(lines) == 2  # one per input: the second input was still tried
    for line, name in zip(lines, "ab", strict=True):
        assert line.startswith(f"convpool pool: {name}.png: cannot write outs/{name}.{output[-3:]}: ")
        assert "requested and" not in line
    assert not (tmp_path / "outs").exists()  # no partial file, no hidden temporary, no empty folder


# --- files as scanners write them: nothing silently dropped ----------------------------------------


def test_every_page_of_a_multi_page_tiff_is_processed_with_a_note(tmp_path):
    # a 16-bit scanner stack: three pages of 6x4, each a different level
    pages = [Image.fromarray(np.full((6, 4), 1000 * (i + 1) + np.arange(4), np.uint16)) for i in range(3)]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    proc = convpool("pool", "scan.tif", "--size", "2", "--mode", "max", "-o", "scan.npy", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert error_lines(proc) == ["convpool pool: note: scan.tif: its 3 pages are read as a batch of 3 images"]
    out = np.load(tmp_path / "scan.npy")
    expected = np.array([[[1001, 1003]] * 3, [[2001, 2003]] * 3, [[3001, 3003]] * 3])[..., None]
    assert_array_equal(out, expected)


def test_a_multi_page_tiff_to_one_image_file_is_an_error_not_page_one(tmp_path):
    pages = [Image.fromarray(np.full((6, 4), 10 * i, np.uint8)) for i in range(3)]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    proc = convpool("pool", "scan.tif", "--size", "2", "-o", "first.png", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc)[-1] == (
        "convpool pool: scan.tif: the result holds 3 images; an image file takes one (a .tif one page each), "
        "write .npy, .npz or .tif instead"
    )
    assert not (tmp_path / "first.png").exists()


def test_a_multi_page_16_bit_tiff_to_tiff_keeps_every_page_and_16_bits(tmp_path):
    rng = np.random.default_rng(3)
    stack = rng.integers(0, 65536, (3, 6, 8), dtype=np.uint16)
    pages = [Image.fromarray(page) for page in stack]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    proc = convpool("pool", "scan.tif", "--size", "2", "--mode", "max", "-o", "small.tif", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with Image.open(tmp_path / "small.tif") as out:
        assert out.n_frames == 3
        got = []
        for index in range(3):
            out.seek(index)
            got.append(np.array(out))
    assert_array_equal(np.stack(got), stack.reshape(3, 3, 2, 4, 2).max(axis=(2, 4)))
    assert got[0].dtype == np.uint16


def _uint32_tiff(path, values):
    """A one-strip uncompressed TIFF of unsigned 32-bit samples (SampleFormat 1), as scientific cameras write."""
    import struct

    values = np.ascontiguousarray(values, dtype="<u4")
    h, w = values.shape
    data_at = 8 + 2 + 12 * 10 + 4
    tags = [(256, 4, w), (257, 4, h), (258, 3, 32), (259, 3, 1), (262, 3, 1), (273, 4, data_at), (277, 3, 1)]
    tags += [(278, 4, h), (279, 4, values.nbytes), (339, 3, 1)]
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        ifd += struct.pack("<HHI", tag, kind, 1) + struct.pack(
            "<HH" if kind == 3 else "<I", *((value, 0) if kind == 3 else (value,))
        )
    path.write_bytes(b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + values.tobytes())


def test_uint32_tiff_values_at_and_above_2_31_stay_positive(tmp_path):
    values = np.array([[0, 1, 2**31, 2**32 - 1], [7, 2**31 - 1, 2**31 + 5, 3]], dtype=np.uint32)
    _uint32_tiff(tmp_path / "u32.tif", values)
    proc = convpool("pool", "u32.tif", "--size", "1x2", "--mode", "max", "-o", "u.npy", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert_array_equal(np.load(tmp_path / "u.npy")[0, :, :, 0], [[1, 2**32 - 1], [2**31 - 1, 2**31 + 5]])


def _lying_npy(shape) -> bytes:
    """A .npy header claiming ``shape`` float64, followed by a few bytes only."""
    import io

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return header.getvalue() + bytes(64)


def test_an_npz_claiming_terabytes_is_refused_before_reading_naming_file_and_size(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as npz:
        npz.writestr("fine.npy", _lying_npy((2, 4, 4)))
        npz.writestr("huge.npy", _lying_npy((2**20, 2**20)))  # 8 TiB once read
    (tmp_path / "huge.npy").write_bytes(_lying_npy((2**40,)))
    _png(tmp_path / "ok.png", np.zeros((4, 4)))
    proc = convpool("pool", "bomb.npz", "huge.npy", "ok.png", "--size", "2", "-o", "outs/", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    npz_line, npy_line = error_lines(proc)
    assert npz_line.startswith(
        "convpool pool: bomb.npz: cannot read it: array 'huge' is 8.0 TiB once read (1048576x1048576 float64), "
        "more than the "
    )
    assert npy_line.startswith(
        "convpool pool: huge.npy: cannot read it: the array is 8.0 TiB once read (1099511627776 float64), "
        "more than the "
    )
    assert npz_line.endswith(" free") and npy_line.endswith(" free")
    assert sorted(p.name for p in (tmp_path / "outs").iterdir()) == ["ok.png"]


def test_a_large_image_warning_of_pillow_never_reaches_stderr(tmp_path):
    _bomb_png(tmp_path / "large.png", 10000, 10000)  # 100 megapixels: Pillow warns, then the empty data fails
    proc = convpool("pool", "large.png", "--size", "2", "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool pool: large.png: cannot read it: ")


def test_a_failing_chunk_on_two_workers_is_one_line(tmp_path, zarr_stack):
    pytest.importorskip("distributed")
    chunk = next(p for p in (tmp_path / "in.zarr" / "c").rglob("*") if p.is_file())
    chunk.write_bytes(b"not a compressed chunk")
    proc = convpool("pool", "in.zarr", "--size", "2", "-o", "out.zarr", "--workers", "2", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = error_lines(proc)  # no "Compute Failed" block from the workers' logs
    assert line.startswith("convpool pool: in.zarr: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.zarr"]


def test_messages_name_the_output_not_the_hidden_store(tmp_path):
    from convpool.cli import _stores

    dst = tmp_path / "out.zarr"
    exc = PermissionError(13, "Permission denied", str(tmp_path / ".out.zarr.convpool-4242-zarr.tmp" / "c" / "0"))
    assert _stores.reason(exc, dst) == f"[Errno 13] Permission denied: '{dst / 'c' / '0'}'"


def test_pages_of_different_sizes_are_one_error_line(tmp_path):
    pages = [Image.fromarray(np.zeros(shape, np.uint8)) for shape in ((6, 4), (6, 4), (5, 4))]
    pages[0].save(tmp_path / "odd.tif", save_all=True, append_images=pages[1:])
    proc = convpool("pool", "odd.tif", "--size", "2", "-o", "odd.npy", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "convpool pool: odd.tif: cannot read it: page 3 is 5x4 grayscale uint8 but page 1 6x4 grayscale uint8: "
        "the pages of one file must form one batch of equal images"
    ]


def test_a_photo_with_corrupt_exif_is_read_without_a_warning(tmp_path):
    import io

    colour = np.full((8, 8, 3), (200, 50, 20), np.uint8)
    data = io.BytesIO()
    Image.fromarray(colour).save(data, "PNG", exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x01" * 30)
    (tmp_path / "exif.png").write_bytes(data.getvalue())
    proc = convpool("pool", "exif.png", "--size", "2", "-o", "o.npy", "-q", cwd=tmp_path)
    assert proc.returncode == 0 and error_lines(proc) == []  # Pillow's "Corrupt EXIF data" warning is not a message
    assert_array_equal(np.load(tmp_path / "o.npy")[0], colour[:4, :4])


def test_a_cmyk_jpeg_is_read_as_its_rgb_colours(tmp_path):
    colour = np.full((16, 16, 3), (200, 50, 20), np.uint8)
    Image.fromarray(colour).convert("CMYK").save(tmp_path / "print.jpg", quality=95)
    proc = convpool("pool", "print.jpg", "--size", "4", "--mode", "avg", "-o", "o.npy", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(np.load(tmp_path / "o.npy")[0], np.full((4, 4, 3), (200, 50, 20)), atol=3)


def test_a_npy_kernel_claiming_terabytes_is_refused_before_loading(tmp_path):
    (tmp_path / "k.npy").write_bytes(_lying_npy((2**20, 2**20)))
    proc = convpool("filter", "sample:camera", "-k", "k.npy", "-o", "o.png", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = error_lines(proc)
    assert line.startswith("convpool filter: error: -k k.npy: k.npy: the array is 8.0 TiB once read")


def test_a_users_file_named_like_a_temporary_file_is_never_deleted(tmp_path):
    _png(tmp_path / "a.png", np.zeros((4, 4)))
    users = tmp_path / f".out.png.convpool-{DEAD_PID}-abcdefgh.tmp"
    users.write_text("mine")
    proc = convpool("pool", "a.png", "--size", "2", "-o", "out.png", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert users.read_text() == "mine"


def test_filtering_a_multi_page_tiff_filters_every_page(tmp_path):
    stack = np.random.default_rng(4).integers(0, 256, (2, 5, 7), dtype=np.uint8)
    pages = [Image.fromarray(page) for page in stack]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    shift = "0,0,0;0,0,1;0,0,0"  # each pixel takes its right neighbour's value (zero past the edge)
    proc = convpool("filter", "scan.tif", "-k", shift, "-o", "out.tif", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with Image.open(tmp_path / "out.tif") as out:
        got = []
        for index in range(out.n_frames):
            out.seek(index)
            got.append(np.array(out))
    expected = np.zeros_like(stack)
    expected[:, :, :-1] = stack[:, :, 1:]
    assert_array_equal(np.stack(got), expected)
