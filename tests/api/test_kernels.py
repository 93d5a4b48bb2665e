"""The kernel bank: hand-written matrices, SciPy's filters as oracles, and the kernel-string parser."""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from _reference import conv_ref
from numpy.testing import assert_allclose, assert_array_equal

from convpool import kernels


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(4)


HAND_WRITTEN = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt_y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "scharr_x": [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]],
    "scharr_y": [[-3, -10, -3], [0, 0, 0], [3, 10, 3]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "spec_edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
}


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_fixed_kernels_match_hand_written(name):
    assert_array_equal(kernels.get(name), np.array(HAND_WRITTEN[name], dtype=float))


def test_parameterised_kernels():
    assert_array_equal(kernels.laplacian(8), [[1, 1, 1], [1, -8, 1], [1, 1, 1]])
    assert_array_equal(kernels.box(2), np.full((2, 2), 0.25))
    assert_array_equal(kernels.identity(4), np.eye(1, 16, 5).reshape(4, 4))  # the 1 at (1, 1)
    # the spec's 4-main.py sharpen: 5 in the middle, -1 on the cross, for each of 3 channels
    sharpen3 = kernels.spec_sharpen()
    assert sharpen3.shape == (3, 3, 3)
    for c in range(3):
        assert_array_equal(sharpen3[:, :, c], HAND_WRITTEN["sharpen"])
    assert kernels.spec_kernels().shape == (3, 3, 3, 3)


def test_gaussian_matches_scipy_window():
    windows = pytest.importorskip("scipy.signal.windows")
    for size, sigma in [(3, 0.8), (5, 1.0), (7, 2.0), (6, 1.5)]:
        line = windows.gaussian(size, sigma)
        expected = np.outer(line, line) / np.outer(line, line).sum()
        assert_allclose(kernels.gaussian(size, sigma), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "scipy_filter", "axis"),
    [("sobel_x", "sobel", 1), ("sobel_y", "sobel", 0), ("prewitt_x", "prewitt", 1), ("prewitt_y", "prewitt", 0)],
)
def test_gradients_match_scipy_ndimage(name, scipy_filter, axis, rng):
    ndimage = pytest.importorskip("scipy.ndimage")
    image = rng.normal(size=(9, 11))
    expected = getattr(ndimage, scipy_filter)(image, axis=axis, mode="constant")
    ours = kernels.apply(image[None, :, :, None], kernels.get(name))[0, :, :, 0]
    assert_allclose(ours, expected, atol=1e-12)


def test_gradient_sign_on_a_ramp():
    ramp = np.tile(np.arange(6.0), (6, 1))[None, :, :, None]  # brighter to the right
    inner = kernels.apply(ramp, kernels.sobel_x(), padding="valid")
    assert_array_equal(inner, np.full((1, 4, 4, 1), 8.0))  # (1 + 2 + 1) * (x+1 - (x-1))
    assert_array_equal(kernels.apply(ramp, kernels.sobel_y(), padding="valid"), 0)


def test_apply_filters_each_channel_like_the_reference(rng):
    images = rng.integers(0, 256, size=(2, 7, 8, 3)).astype(np.uint8)
    kernel = kernels.gaussian(3, 1.0)
    out = kernels.apply(images, kernel, padding="same", stride=2, dilation=(1, 2), pad_mode="reflect")
    for c in range(3):
        expected = conv_ref(images[..., c : c + 1], kernel[:, :, None, None], "same", 2, (1, 2), "reflect")
        assert_allclose(out[..., c : c + 1], expected, atol=1e-9)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_identity_with_same_padding_gives_back_the_image(size, rng):
    images = rng.normal(size=(2, 6, 5, 3))
    assert_array_equal(kernels.apply(images, kernels.identity(size)), images)


def test_blurs_keep_brightness():
    for kernel in (kernels.box(4), kernels.gaussian(7, 2.0), kernels.sharpen(), kernels.emboss(), kernels.identity()):
        assert kernel.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("name", kernels.names())
def test_every_kernel_is_documented_and_parses(name):
    doc = inspect.getdoc(kernels.BANK[name])
    assert doc and len(doc.splitlines()[0]) > 20
    assert_array_equal(kernels.parse(name), kernels.get(name))
    assert_array_equal(kernels.parse(name.replace("_", "-").upper()), kernels.get(name))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("gaussian:size=3,sigma=1", kernels.gaussian(3, 1)),
        ("gaussian: size=3 , sigma=0.5", kernels.gaussian(3, 0.5)),
        ("laplacian:neighbours=8", kernels.laplacian(8)),
        ("mean:size=2", np.full((2, 2), 0.25)),
        ("edge", np.array(HAND_WRITTEN["spec_edge"], dtype=float)),
        ("1,0,-1;1,0,-1;1,0,-1", np.array(HAND_WRITTEN["spec_edge"], dtype=float)),
        ("0.5, -1.5e0", np.array([[0.5, -1.5]])),
        ("1;2;", np.array([[1.0], [2.0]])),
    ],
)
def test_parse_forms(spec, expected):
    assert_array_equal(kernels.parse(spec), expected)


def test_parse_npy_file(tmp_path):
    bank = np.arange(24.0).reshape(2, 2, 3, 2)
    np.save(tmp_path / "bank.npy", bank)
    assert_array_equal(kernels.parse(str(tmp_path / "bank.npy")), bank)
    np.save(tmp_path / "bad.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"2-D \(kh, kw\).*got float64 shape \(3,\)"):
        kernels.parse(str(tmp_path / "bad.npy"))
    (tmp_path / "corrupt.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="not a readable .npy"):
        kernels.parse(str(tmp_path / "corrupt.npy"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus", r"unknown kernel 'bogus'; the bank has: identity, box"),
        ("gaussian:size", r"NAME=VALUE .* got 'size'"),
        ("gaussian:size=big", r"parameter 'size' must be a number, got 'big'"),
        ("gaussian:radius=2", r"kernel 'gaussian' takes size, sigma, ndim; got radius"),
        ("sobel_x:size=5", r"takes no parameters; got size"),
        ("gaussian:sigma=-1", r"sigma must be a positive finite number"),
        ("box:size=0", r"size must be an int from 1 to 1025"),
        ("laplacian:neighbours=6", r"neighbours must be 4 or 8"),
        ("1,2;3", r"same number of entries, got row lengths \[1, 2\]"),
        ("1,x", r"every matrix entry must be a number, got 'x'"),
        ("1,inf", r"finite"),
        ("  ", r"bank name .* inline matrix"),
        ("missing.npy", r"kernel file 'missing.npy' does not exist"),
    ],
)
def test_parse_errors_say_what_is_accepted(spec, message):
    with pytest.raises(ValueError, match=message):
        kernels.parse(spec)


def test_bank_returns_fresh_arrays():
    a = kernels.sobel_x()
    a[0, 0] = 99
    assert kernels.sobel_x()[0, 0] == -1
    edge = kernels.spec_edge()
    edge[0, 0] = 99
    assert kernels.spec_edge()[0, 0] == 1


@pytest.mark.parametrize(("main", "name"), [(0, "spec_edge"), (4, "spec_sharpen"), (5, "spec_kernels")])
def test_spec_kernels_are_the_ones_in_the_spec_main_files(main, name):
    text = (Path(__file__).parents[1] / "spec_mains" / f"{main}-main.py").read_text()
    literal = re.search(r"kernels? = (np\.array\(.*?\))\n", text, re.S).group(1)
    np.testing.assert_array_equal(getattr(kernels, name)(), eval(literal, {"np": np}))


def test_gaussian_limits_are_finite():
    # sigma -> 0: all weight on the middle tap(s); sigma -> inf: a box
    assert_array_equal(kernels.gaussian(5, 1e-300), kernels.identity(5))
    assert_array_equal(kernels.gaussian(4, 1e-300)[1:3, 1:3], np.full((2, 2), 0.25))
    assert_allclose(kernels.gaussian(3, 1e300), kernels.box(3))
    with pytest.raises(ValueError, match="sigma must be a positive finite number"):
        kernels.gaussian(3, np.inf)


def test_bank_sizes_are_capped():
    with pytest.raises(ValueError, match=r"size must be an int from 1 to 1025, got 100000"):
        kernels.parse("box:size=100000")


@pytest.mark.parametrize("spec", [None, 5, ["sobel_x"]])
def test_parse_rejects_non_strings_with_type_error(spec):
    with pytest.raises(TypeError, match="spec must be a string"):
        kernels.parse(spec)
