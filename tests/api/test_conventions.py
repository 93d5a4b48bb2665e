"""The many 'same's: each convention's padding against the library itself, or hand-written values.

Also the explorer's table against conv_output_shape, and the docs' offline check.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from _reference import conv_ref
from numpy.testing import assert_allclose

import convpool
from convpool import conventions

ROOT = Path(__file__).resolve().parents[2]


# (n, k, s) -> (before, after) written out by hand from each rule's definition
HAND = {
    "tf": {
        (28, 3, 1): (1, 1),
        (28, 4, 1): (1, 2),
        (28, 3, 2): (0, 1),
        (5, 2, 2): (0, 1),
        (6, 5, 3): (1, 1),
        (7, 4, 3): (1, 2),
    },
    "scipy": {(28, 3, 1): (1, 1), (28, 4, 1): (2, 1), (7, 2, 1): (1, 0), (7, 5, 2): (2, 2)},
    "scipy2d": {(28, 3, 1): (1, 1), (28, 4, 1): (1, 2), (7, 2, 1): (0, 1), (7, 6, 2): (2, 3)},
    "d2l": {(28, 4, 1): (2, 1), (28, 3, 2): (1, 1)},
    "d2l_per_side": {(28, 3, 1): (2, 2), (28, 4, 2): (3, 3)},
    "half": {(28, 3, 1): (1, 1), (28, 4, 1): (2, 2), (9, 2, 2): (1, 1)},
    # ((h - 1) * s + k - h) // 2 + 1: (27 + 3 - 28) // 2 + 1 = 2; (54 + 3 - 28) // 2 + 1 = 15
    "exercise": {(28, 3, 1): (2, 2), (28, 3, 2): (15, 15), (28, 4, 1): (2, 2)},
    "torch": {(28, 3, 1): (1, 1), (28, 4, 1): (1, 2), (28, 3, 2): None},
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_padding_matches_hand_written_values(key):
    for (n, k, s), expected in HAND[key].items():
        assert conventions.convention_padding(key, n, k, s) == expected, (key, n, k, s)


def test_the_exercise_formula_gives_30x30_for_28x28_and_3x3():
    rows = {r["key"]: r for r in conventions.same_table((28,), (3,), (1,))}
    assert (rows["exercise"]["out"], rows["tf"]["out"], rows["half"]["out"]) == (30, 28, 28)
    assert rows["exercise"]["call"] == "convolve(x, k, padding=((2, 2), (2, 2)), stride=1)"
    assert rows["torch"]["out"] == 28
    assert conventions.same_table((28,), (3,), (2,))[1]["out"] is None  # torch refuses stride 2


def test_every_table_row_is_what_convolve_gives_with_that_padding():
    for row in conventions.same_table((5, 6, 28), (2, 3, 4, 5), (1, 2, 3)):
        if row["out"] is None:
            continue
        pads = (row["before"], row["after"])
        shape = convpool.conv_output_shape(row["n"], row["k"], row["s"], (pads, pads))
        assert shape == (row["out"], row["out"]), row


@pytest.mark.parametrize(("n", "k", "s"), [(9, 4, 1), (9, 3, 1), (8, 5, 1), (10, 4, 2), (11, 2, 3)])
def test_scipy_rows_are_scipy(n, k, s):
    signal = pytest.importorskip("scipy.signal")
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(n * k)
    x, w = rng.normal(size=(n, n)), rng.normal(size=(k, k))

    def ours(key):
        pads = conventions.convention_padding(key, n, k, s)
        return conv_ref(x[None, :, :, None], w[:, :, None, None], (pads, pads), s)[0, :, :, 0]

    assert_allclose(ours("scipy"), signal.correlate(x, w, mode="same")[::s, ::s], atol=1e-12)
    assert_allclose(ours("scipy"), ndimage.correlate(x, w, mode="constant")[::s, ::s], atol=1e-12)
    assert_allclose(ours("scipy2d"), signal.correlate2d(x, w, mode="same")[::s, ::s], atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize(("n", "k"), [(9, 4), (9, 3), (8, 2), (7, 5)])
def test_torch_row_is_torch(n, k):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n + k)
    x, w = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    theirs = torch.nn.functional.conv2d(torch.tensor(x)[None, None], torch.tensor(w)[None, None], padding="same")
    pads = conventions.convention_padding("torch", n, k, 1)
    ours = conv_ref(x[None, :, :, None], w[:, :, None, None], (pads, pads), 1)[0, :, :, 0]
    assert_allclose(ours, theirs[0, 0].numpy(), atol=1e-12)
    with pytest.raises(RuntimeError):  # what the None in the stride-2 row stands for
        torch.nn.functional.conv2d(torch.tensor(x)[None, None], torch.tensor(w)[None, None], padding="same", stride=2)


@pytest.mark.parametrize(("n", "k", "s"), [(9, 4, 1), (10, 3, 2), (11, 4, 3), (5, 2, 2)])
def test_tf_row_is_jax_same(n, k, s):
    pytest.importorskip("jax")
    from jax import lax

    pads = lax.padtype_to_pads((n, n), (k, k), (s, s), "SAME")
    assert [tuple(p) for p in pads] == [conventions.convention_padding("tf", n, k, s)] * 2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="key must be one of"):
        conventions.convention_padding("keras", 5, 3)
    with pytest.raises(ValueError, match="kernel"):
        conventions.convention_padding("tf", 5, 0)
    with pytest.raises(TypeError, match="stride"):
        conventions.convention_padding("tf", 5, 3, 1.5)


def test_explorer_table_agrees_with_conv_output_shape():
    table = conventions.explorer_table(max_size=6, max_kernel=4, max_stride=3, max_dilation=2, max_pad=2)
    checked = errors = 0
    for key, (before, after, out, extent, padded, starts, unread) in table["axes"].items():
        n, k, s, d, word = key.split(",")
        n, k, s, d = int(n), int(k), int(s), int(d)
        padding = word if word in ("valid", "same", "full") else tuple(map(int, word.split("-")))
        spec = padding if isinstance(padding, str) else (padding, padding)
        try:
            expected = convpool.conv_output_shape((n, n), (k, k), s, spec, d)[0]
        except ValueError:
            assert out < 1, key
            errors += 1
            continue
        assert out == expected and padded == n + before + after and extent == (k - 1) * d + 1, key
        if not isinstance(padding, str):
            assert (before, after) == padding
        # windows start every s cells from -before; a cell is unread if no tap lands on it
        assert starts == [i * s - before for i in range(out)]
        read = {st + a * d for st in starts for a in range(k)}
        assert unread == [c for c in range(n) if c not in read], key
        checked += 1
    assert checked > 1000 and errors > 10
    assert table["conventions"]["5,2,2"][0] == [0, 1, 3]


def _offline_checker():
    spec = importlib.util.spec_from_file_location("check_docs_offline", ROOT / "tools" / "check_docs_offline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_docs_offline"] = module
    spec.loader.exec_module(module)
    return module


def test_offline_check_flags_cdn_loads_not_links(tmp_path):
    checker = _offline_checker()
    (tmp_path / "ok.html").write_text('<a href="https://example.org">a link</a><script src="_static/x.js"></script>')
    assert checker.offenders(tmp_path) == []
    (tmp_path / "bad.html").write_text('<link rel="stylesheet" href="https://cdn.example.org/x.css">')
    (tmp_path / "bad.css").write_text("@font-face { src: url(//fonts.example.org/f.woff2); }")
    found = checker.offenders(tmp_path)
    assert len(found) == 2 and found[0].startswith("bad.css") and found[1].startswith("bad.html")
    assert checker.main([str(tmp_path)]) == 1
