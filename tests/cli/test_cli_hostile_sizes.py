"""Sizes on the command line (issue 23): decompression bombs and images too small for the window.

Through ``python -m convpool`` on files each test writes. The bomb runs in a
child whose address space is capped (``RLIMIT_AS``), so a missing guard fails
the test with a ``MemoryError`` instead of taking a GiB of the machine.
"""

import io
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from _hostile import convpool, error_lines, png

resource = pytest.importorskip("resource")  # POSIX only: RLIMIT_AS
Image = pytest.importorskip("PIL.Image")

#: The child's address space: plenty for convpool on small files (it runs in 300 MiB), far below the bomb.
ADDRESS_SPACE = 600 * 2**20


def write_zeros_npz(path, nbytes: int) -> None:
    """What ``np.savez_compressed(path, bomb=np.zeros(nbytes, np.uint8).reshape(-1, 1024))`` writes, streamed:
    the GiB of zeros is never held in memory here either."""
    header = io.BytesIO()
    shape = (nbytes // 1024, 1024)
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as npz, npz.open("bomb.npy", "w", force_zip64=True) as f:
        f.write(header.getvalue())
        chunk = bytes(2**24)
        for _ in range(nbytes // len(chunk)):
            f.write(chunk)


def capped_convpool(*args, cwd):
    """``python -m convpool`` with its address space capped at :data:`ADDRESS_SPACE`, one BLAS thread."""

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    # one BLAS thread and few malloc arenas: on a many-core machine each would reserve address space
    threads = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
    env = {**os.environ, **threads}
    return subprocess.run(
        [sys.executable, "-m", "convpool", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        preexec_fn=cap,
        timeout=120,
    )


def test_an_npz_bomb_is_one_line_and_the_other_inputs_go_on(tmp_path):
    write_zeros_npz(tmp_path / "bomb.npz", 2**30)  # 1 GiB of zeros in about 1 MiB
    assert (tmp_path / "bomb.npz").stat().st_size < 2**21
    np.savez_compressed(tmp_path / "fine.npz", a=np.arange(16.0).reshape(4, 4))
    proc = capped_convpool("pool", "bomb.npz", "fine.npz", "--size", "2", "-o", "outs/", "-q", cwd=tmp_path)
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert line.startswith("convpool pool: bomb.npz: cannot read it: array 'bomb' expands from 10")
    assert " KiB to 1.0 GiB when decompressed (10" in line  # about 1029x
    assert line.endswith(
        "x; convpool refuses compressed members over 256.0 MiB that expand over 100x): "
        "save it uncompressed (np.savez) or as .npy"
    )
    assert sorted(p.name for p in (tmp_path / "outs").iterdir()) == ["fine.npz"]
    with np.load(tmp_path / "outs" / "fine.npz") as out:
        np.testing.assert_array_equal(out["a"][0, :, :, 0], [[5, 7], [13, 15]])  # the 2x2 maxima


def test_the_cap_itself_lets_a_normal_run_through(tmp_path):
    # the test above means something only if the capped child can run convpool at all
    np.savez_compressed(tmp_path / "fine.npz", a=np.ones((64, 64)))
    proc = capped_convpool("pool", "fine.npz", "--size", "2", "-o", "out.npz", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--input", "one.png"],
            "--input one.png is 1x1, too small for a 3x3 kernel with no padding (--padding valid), which needs at "
            "least 3x3: use a larger image or --padding same",
        ),
        (
            ["--input", "wide.png", "--kernel", "2x2", "--mode", "max"],
            "--input wide.png is 1x6, too small for a 2x2 max pool window with no padding (--padding valid), "
            "which needs at least 2x2: use a larger image or --padding same",
        ),
        (
            ["--input", "wide.png", "--kernel", "1"],
            "--size 5x5 does not fit in wide.png (1x6): give --size of at most 1x6",
        ),
        (["--input", "empty.npy"], "--input empty.npy: holds no image (shape (1, 0, 4, 1))"),
        (
            ["--input", "1x1"],
            "--input 1x1 is too small for a 3x3 kernel with no padding (--padding valid): it needs at least 3x3 "
            "(or --padding same)",
        ),
        (
            ["--input", "4x4", "--dilation", "2"],
            "--input 4x4 is too small for a 3x3 kernel dilated by 2x2 with no padding (--padding valid): it needs "
            "at least 5x5 (or --padding same)",
        ),
        (
            ["--input", "sample:camera", "--size", "2", "--padding", "0,0x1,1"],
            "--size 2x2 is too small for a 3x3 kernel with padding 0,0x1,1: it needs at least 3x1 (or --padding same)",
        ),
    ],
)
def test_explain_on_an_image_too_small_says_what_size_it_needs(tmp_path, args, message):
    png(tmp_path / "one.png", [[7]])
    png(tmp_path / "wide.png", [[1, 2, 3, 4, 5, 6]])
    np.save(tmp_path / "empty.npy", np.zeros((1, 0, 4, 1)))
    before = sorted(tmp_path.iterdir())
    proc = convpool("explain", *args, "-o", "x.gif", "--still", "x.png", cwd=tmp_path)
    assert proc.returncode == 2  # a usage error (convpool._exits.EXIT_USAGE)
    assert error_lines(proc) == [f"convpool explain: error: {message}"]
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("args", "frames"),
    [
        (["--input", "one.png", "--size", "1", "--kernel", "1"], 1),  # the smallest that fits: one output cell
        (["--input", "one.png", "--size", "1", "--padding", "same"], 1),
        (["--input", "3x3", "--kernel", "5", "--padding", "1"], 1),  # 5 - 1 - 1 = 3: just fits
        (["--input", "5x5", "--dilation", "2"], 1),
    ],
)
def test_explain_on_the_smallest_input_that_fits_draws_it(tmp_path, args, frames):
    png(tmp_path / "one.png", [[7]])
    proc = convpool("explain", *args, "-o", "x.gif", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Image.open(tmp_path / "x.gif").n_frames == frames
