"""Command-line conventions (issue 24): ``-`` for standard input and output, ``--verbose``.

Expected pixels come from the naive reference loops (``_reference``) and
Pillow's own decoding of the bytes that came through the pipe.
"""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import data

Image = pytest.importorskip("PIL.Image")

BOX = np.full((3, 3, 1, 1), 1 / 9)


def convpool(*args, stdin=None, input=None, stdout=subprocess.PIPE, env=None):
    """The console script, bytes in and out (stdin/stdout may be a file descriptor)."""
    proc = subprocess.run(
        [sys.executable, "-m", "convpool", *map(str, args)],
        input=input,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=300,
        env=env,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


def box_pixels(image: np.ndarray) -> np.ndarray:
    """A 3x3 box blur with the command line's reflect border, as 8-bit pixels."""
    x = image[None, ..., None].astype(float)
    return np.clip(np.floor(conv_ref(x, BOX, pad_mode="reflect")[0, ..., 0] + 0.5), 0, 255)


def test_a_pipe_of_two_commands(tmp_path):
    camera = data.photo("camera")
    blurred = convpool("filter", "sample:camera", "-k", "box", "-o", "-", "--format", "png")
    assert blurred.returncode == 0, blurred.stderr
    assert blurred.stdout.startswith(b"\x89PNG") and b"wrote standard output" in blurred.stderr
    assert_array_equal(np.array(Image.open(io.BytesIO(blurred.stdout))), box_pixels(camera))
    pooled = convpool("pool", "-", "--size", "2", "-o", "-", input=blurred.stdout)  # the input's own type: PNG
    assert pooled.returncode == 0, pooled.stderr
    expected = pool_ref(box_pixels(camera)[None, ..., None], (2, 2), (2, 2), "max")[0, ..., 0]
    assert_array_equal(np.array(Image.open(io.BytesIO(pooled.stdout))), expected)


def test_npy_bytes_in_and_a_file_out(tmp_path):
    batch = np.random.default_rng(3).normal(size=(2, 7, 6, 1))
    buffer = io.BytesIO()
    np.save(buffer, batch)
    proc = convpool("filter", "-", "-k", "box", "-o", tmp_path / "out.npy", input=buffer.getvalue())
    assert proc.returncode == 0, proc.stderr
    assert_allclose(np.load(tmp_path / "out.npy"), conv_ref(batch, BOX, pad_mode="reflect"), atol=1e-12)
    assert proc.stdout.decode().strip() == f"wrote {tmp_path / 'out.npy'}"


def test_binary_output_to_a_terminal_is_refused_and_nothing_reaches_it():
    master, slave = os.openpty()
    try:
        proc = convpool("filter", "sample:camera", "-k", "box", "-o", "-", stdout=slave)
        os.set_blocking(master, False)
        try:
            written = os.read(master, 1 << 16)
        except BlockingIOError:
            written = b""
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 2
    assert b"-o - would write image bytes to a terminal" in proc.stderr
    assert written == b""


def test_a_terminal_as_input_is_refused_before_waiting_on_it(tmp_path):
    master, slave = os.openpty()
    try:
        proc = convpool("filter", "-", "-k", "box", "-o", tmp_path / "out.png", stdin=slave)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 2 and b"standard input, which is a terminal" in proc.stderr
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", b"standard input: not an image or array convpool reads"),
        (b"hello, world", b"standard input: not an image or array convpool reads"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), b"standard input: cannot read it"),  # a PNG's signature, then junk
    ],
)
def test_bad_input_bytes_fail_in_one_line_with_nothing_on_stdout_or_left_behind(tmp_path, payload, message):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = convpool("filter", "-", "-k", "box", "-o", "-", input=payload, env=env)
    assert proc.returncode == 1
    assert proc.stderr.count(b"\n") == 1 and message in proc.stderr, proc.stderr
    assert b"convpool-stdio" not in proc.stderr  # the temporary file is named as what it stands for
    assert proc.stdout == b""
    assert list(scratch.iterdir()) == []  # the temporary folder is gone


def test_standard_output_takes_one_input_and_stdin_is_read_once(tmp_path):
    proc = convpool("filter", "sample:camera", "sample:coffee", "-k", "box", "-o", "-")
    assert proc.returncode == 2 and b"-o - (standard output) takes one input, got 2" in proc.stderr
    proc = convpool("filter", "-", "-", "-k", "box", "-o", tmp_path, input=b"")
    assert proc.returncode == 2 and b"can be an input once" in proc.stderr


def test_verbose_says_the_settings_and_each_input(tmp_path):
    proc = convpool("filter", "sample:chelsea", "-k", "gaussian:size=5,sigma=1", "-o", tmp_path / "c.png", "-v")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == (
        "convpool filter: kernel gaussian:size=5,sigma=1: 5x5, taps summing to 1, applied to each channel; "
        "padding same, pad mode reflect, stride 1x1, dilation 1x1"
    )
    assert lines[1].startswith(f"convpool filter: sample:chelsea: 1 image 170x256x3 uint8 -> {tmp_path / 'c.png'} in ")
    quiet = convpool("pool", "sample:chelsea", "--size", "2", "-o", tmp_path / "p.png", "-v", "-q")
    assert quiet.returncode == 2 and b"contradict" in quiet.stderr and not (tmp_path / "p.png").exists()


def test_a_big_single_image_shows_its_progress_band_by_band(tmp_path, monkeypatch, capsys):
    """One step per band computed (twice as many for --rescale minmax); none with -q."""
    pytest.importorskip("tqdm")
    import convpool
    from convpool.cli import _bands, _common, main

    monkeypatch.setattr(_common, "PROGRESS_DELAY", 0)  # every bar shows, however quick the run
    monkeypatch.setattr(_bands, "BAND_BYTES", 4000)
    Image.fromarray(data.photo("camera")[:100, :80]).save(tmp_path / "c.png")
    rows, _ = convpool.conv_geometry((100, 80), (3, 3), 1, "same")
    bands = len(_bands.plan(rows, 80 * 4))  # float32 work: 4 bytes a value
    assert bands > 2
    for extra, steps in (([], bands), (["--rescale", "minmax"], 2 * bands)):
        assert (
            main(["filter", str(tmp_path / "c.png"), "-k", "box", "-o", str(tmp_path / "o.png"), "--force", *extra])
            == 0
        )
        err = capsys.readouterr().err
        assert "c.png: 100%" in err and f" {steps}/{steps} [" in err and "band" in err, err
    assert main(["filter", str(tmp_path / "c.png"), "-k", "box", "-o", str(tmp_path / "o.png"), "--force", "-q"]) == 0
    assert capsys.readouterr().err == ""
