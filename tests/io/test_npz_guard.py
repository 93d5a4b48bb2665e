"""Reading ``.npz`` members: bombs, lying headers and lying zip directories are refused before they cost memory.

Each archive is written here, byte by byte where a real tool would not write
it; a sound archive must read back exactly what ``np.savez`` wrote.
"""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from convpool.io import arrays


def npy_bytes(shape, descr="<f8", data: bytes | None = None) -> bytes:
    """A .npy file: a header claiming ``shape`` of ``descr``, then ``data`` (default: the right number of zeros)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
    if data is None:
        data = bytes(int(np.prod(shape)) * np.dtype(descr).itemsize)
    return header.getvalue() + data


def write_member(path, name: str, content: bytes, compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr(name, content)


def set_directory_size(path, size: int) -> None:
    """Rewrite the one member's uncompressed size in the zip directory (the local header too) to ``size``."""
    raw = bytearray(path.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, size)  # central directory: uncompressed size
    struct.pack_into("<I", raw, 22, size)  # the local file header (offset 0): uncompressed size
    path.write_bytes(bytes(raw))


def test_sound_archives_read_back_exactly(tmp_path):
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    b = np.asfortranarray(np.arange(30, dtype=">i4").reshape(5, 6))  # Fortran order, big-endian
    np.savez_compressed(tmp_path / "c.npz", a=a, b=b)
    np.savez(tmp_path / "s.npz", a=a, b=b)
    for name in ("c.npz", "s.npz"):
        got = arrays.read_arrays(tmp_path / name)
        assert_array_equal(got["a"], a[..., None])
        assert_array_equal(got["b"], b[None, ..., None])
        assert got["b"].dtype == b.dtype


def test_a_compressed_member_expanding_too_far_is_refused_from_the_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(arrays, "NPZ_BOMB_BYTES", 2**20)  # 1 MiB instead of 256 MiB: a small bomb suffices
    np.savez_compressed(tmp_path / "bomb.npz", zeros=np.zeros((512, 512)))  # 2 MiB of zeros, a few KiB compressed
    with pytest.raises(ValueError) as caught:
        arrays.read_arrays(tmp_path / "bomb.npz")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'bomb.npz'}: array 'zeros' expands from ")
    assert " KiB to 2.0 MiB when decompressed (" in message
    assert message.endswith("save it uncompressed (np.savez) or as .npy")
    # both conditions are needed: the same zeros stored uncompressed, and noise that barely compresses, are read
    noise = np.random.default_rng(0).random((512, 512))
    np.savez(tmp_path / "stored.npz", zeros=np.zeros((512, 512)))
    np.savez_compressed(tmp_path / "noise.npz", noise=noise)
    assert_array_equal(arrays.read_arrays(tmp_path / "stored.npz")["zeros"], np.zeros((1, 512, 512, 1)))
    assert_array_equal(arrays.read_arrays(tmp_path / "noise.npz")["noise"], noise[None, :, :, None])
    monkeypatch.setattr(arrays, "NPZ_BOMB_BYTES", 2**22)  # 2 MiB is below this size limit: read
    assert_array_equal(arrays.read_arrays(tmp_path / "bomb.npz")["zeros"], np.zeros((1, 512, 512, 1)))


def test_a_header_claiming_more_than_the_member_holds_is_refused(tmp_path):
    write_member(tmp_path / "lie.npz", "x.npy", npy_bytes((10, 10), data=bytes(64)))  # 800 bytes claimed, 64 held
    with pytest.raises(
        ValueError,
        match=r"array 'x': its header claims 800 bytes of data, but the zip directory "
        r"leaves 64 bytes after the header",
    ):
        arrays.read_arrays(tmp_path / "lie.npz")


def test_data_longer_than_the_header_is_refused(tmp_path):
    write_member(tmp_path / "long.npz", "x.npy", npy_bytes((10, 10), data=bytes(8000)))
    with pytest.raises(ValueError, match=r"array 'x': holds more data than the 800 bytes its header claims"):
        arrays.read_arrays(tmp_path / "long.npz")


def test_a_directory_understating_the_size_is_not_trusted(tmp_path):
    # 8000 bytes of data behind a header claiming 800; the directory is rewritten to agree with the header,
    # so header and directory match: reading stops at the directory's size and the CRC gives the lie away
    content = npy_bytes((10, 10), data=bytes(8000))
    header_size = len(content) - 8000
    for compression in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        path = tmp_path / f"dir{compression}.npz"
        write_member(path, "x.npy", content, compression)
        set_directory_size(path, header_size + 800)
        with pytest.raises(ValueError, match=r"the \.npz file is damaged: Bad CRC-32 for file 'x\.npy'"):
            arrays.read_arrays(path)


def test_short_data_is_refused(tmp_path):
    # the directory claims more than the stream holds: the data ends early, whatever the header says
    content = npy_bytes((10, 10))
    path = tmp_path / "short.npz"
    write_member(path, "x.npy", content[:-100])
    set_directory_size(path, len(content))
    with pytest.raises(ValueError, match=r"array 'x': the data ends after 700 of the 800 bytes its header claims"):
        arrays.read_arrays(path)


def test_other_members_and_object_arrays_are_refused(tmp_path):
    write_member(tmp_path / "txt.npz", "notes.txt", b"hello")
    with pytest.raises(ValueError, match=r"member 'notes\.txt' is not a \.npy array"):
        arrays.read_arrays(tmp_path / "txt.npz")
    write_member(tmp_path / "obj.npz", "o.npy", npy_bytes((2,), descr="|O", data=bytes(16)))
    with pytest.raises(ValueError, match=r"array 'o': holds object values, not real numbers"):
        arrays.read_arrays(tmp_path / "obj.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        arrays.read_arrays(tmp_path / "junk.npz")
