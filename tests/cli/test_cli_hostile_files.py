"""Image files as cameras and scanners write them (issue 23): multi-page and 32-bit TIFFs, CMYK, odd EXIF.

Nothing silently dropped: every page read and written, unsigned values kept,
Pillow's warnings never on stderr. Through ``python -m convpool``.
"""

import numpy as np
import pytest
from _hostile import convpool, error_lines
from numpy.testing import assert_array_equal

Image = pytest.importorskip("PIL.Image")


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


def test_filtering_a_multi_page_tiff_filters_every_page(tmp_path):
    stack = np.random.default_rng(4).integers(0, 256, (2, 5, 7), dtype=np.uint8)
    pages = [Image.fromarray(page) for page in stack]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    shift = "0,0,0;0,0,1;0,0,0"  # each pixel takes its right neighbour's value (zero past the edge)
    proc = convpool("filter", "scan.tif", "-k", shift, "--pad-mode", "constant", "-o", "out.tif", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with Image.open(tmp_path / "out.tif") as out:
        got = []
        for index in range(out.n_frames):
            out.seek(index)
            got.append(np.array(out))
    expected = np.zeros_like(stack)
    expected[:, :, :-1] = stack[:, :, 1:]
    assert_array_equal(np.stack(got), expected)


def test_pages_of_different_sizes_are_one_error_line(tmp_path):
    pages = [Image.fromarray(np.zeros(shape, np.uint8)) for shape in ((6, 4), (6, 4), (5, 4))]
    pages[0].save(tmp_path / "odd.tif", save_all=True, append_images=pages[1:])
    proc = convpool("pool", "odd.tif", "--size", "2", "-o", "odd.npy", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "convpool pool: odd.tif: cannot read it: page 3 is 5x4 grayscale uint8 but page 1 6x4 grayscale uint8: "
        "the pages of one file must form one batch of equal images"
    ]


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
