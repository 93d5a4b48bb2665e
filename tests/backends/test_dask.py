"""convpool's public functions on dask arrays: lazy, planned, and equal to the eager result."""

from __future__ import annotations

import re

import numpy as np
import pytest
from _reference import conv_ref, pool_ref
from hypothesis import given, settings
from hypothesis import strategies as st

import convpool
from convpool._backends import numpy as _engine

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

SHAPE = (5, 13, 11, 3)

# Chunkings of SHAPE: uneven, not multiples of any stride, smaller than every halo,
# one chunk, batch only, channels split (and all of it at once).
CHUNKINGS = {
    "uneven": (2, (6, 4, 3), (5, 6), 3),
    "off-stride": (5, 5, 4, 3),
    "below-halo": (5, (1, 2, 1, 3, 6), (2, 1, 1, 7), 3),
    "single": SHAPE,
    "batch-only": (2, 13, 11, 3),
    "channels-split": (5, (7, 6), 11, (1, 2)),
}

CONV_CASES = [
    # padding, stride, dilation
    ("same", 1, 1),
    ("valid", 2, 1),
    ("full", (2, 3), (2, 1)),
    (((4, 0), (1, 5)), 3, 2),
    ((2, 1), (1, 2), (1, 3)),
]

PAD_MODES = ["constant", "edge", "reflect", "symmetric", "wrap"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    return rng.standard_normal(SHAPE), rng.standard_normal((3, 4, 3, 2))


def _lazy(x, chunks):
    return da.from_array(x, chunks=chunks)


@pytest.mark.parametrize("chunks", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("pad_mode", PAD_MODES)
def test_convolve_matches_eager_on_every_chunking(data, chunks, pad_mode):
    x, k = data
    fill = 0.5 if pad_mode == "constant" else 0
    for padding, stride, dilation in CONV_CASES:
        options = dict(dilation=dilation, pad_mode=pad_mode, pad_value=fill)
        lazy = convpool.convolve(_lazy(x, chunks), k, padding, stride, **options)
        assert isinstance(lazy, da.Array)
        want = convpool.convolve(x, k, padding, stride, **options)
        np.testing.assert_allclose(lazy.compute(), want, rtol=1e-12, atol=1e-12)
        assert lazy.chunks == convpool.dask_plan(convpool.convolve, _lazy(x, chunks), k, padding, stride, **options)[1]


@pytest.mark.parametrize("chunks", ["uneven", "below-halo", "channels-split"])
def test_convolve_matches_the_definition(data, chunks):
    """Against the naive loop, not only the eager engine: a shared bug would not hide."""
    x, k = data
    got = convpool.convolve(_lazy(x, CHUNKINGS[chunks]), k, "same", 2, dilation=(1, 2), pad_mode="reflect")
    want = conv_ref(x, k, "same", 2, (1, 2), "reflect")
    np.testing.assert_allclose(got.compute(), want, atol=1e-10)


@pytest.mark.parametrize("chunks", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_pool_matches_eager_on_every_chunking(data, chunks, mode):
    x = np.round(data[0] * 4)  # ties: the max must still be the same cell values
    for padding, stride, window in [("valid", 2, 2), ("same", 1, 3), (((1, 0), (2, 1)), 3, (3, 4)), ("full", 2, 2)]:
        for include in (False, True):
            options = dict(padding=padding, count_include_pad=include)
            lazy = convpool.pool(_lazy(x, chunks), window, stride, mode, **options)
            want = convpool.pool(x, window, stride, mode, **options)
            if mode in ("max", "min"):
                np.testing.assert_array_equal(lazy.compute(), want)
            else:
                np.testing.assert_allclose(lazy.compute(), want, rtol=1e-13)
    got = convpool.pool(_lazy(x, chunks), 3, 2, mode).compute()
    np.testing.assert_allclose(got, pool_ref(x, 3, 2, mode), rtol=1e-13)


@pytest.mark.parametrize("chunks", ["uneven", "below-halo", "channels-split"])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_dilated_and_ceil_mode_pool_matches_eager_and_the_definition(data, chunks, mode):
    """Ceil mode's extra cells are band padding; a cut average with count_include_pad runs on whole images."""
    x = data[0]
    for window, stride, padding, dilation in [(3, 2, ((1, 0), (0, 1)), 2), ((2, 3), (3, 2), "valid", (1, 2))]:
        for include in (False, True):
            options = dict(padding=padding, count_include_pad=include, dilation=dilation, ceil_mode=True)
            lazy = convpool.pool(_lazy(x, CHUNKINGS[chunks]), window, stride, mode, **options)
            got = lazy.compute()
            np.testing.assert_allclose(got, convpool.pool(x, window, stride, mode, **options), rtol=1e-13)
            np.testing.assert_allclose(got, pool_ref(x, window, stride, mode, **options), rtol=1e-13)
    g = np.random.default_rng(6).standard_normal(got.shape)
    lazy = convpool.pool_backward(g, _lazy(x, CHUNKINGS[chunks]), window, stride, mode, **options)
    np.testing.assert_allclose(lazy.compute(), convpool.pool_backward(g, x, window, stride, mode, **options))


def test_pool_keeps_channel_chunks_and_convolution_joins_them(data):
    x, k = data
    lazy = _lazy(x, CHUNKINGS["channels-split"])
    assert convpool.pool(lazy, 2, 2).chunks == ((5,), (4, 2), (5,), (1, 2))
    assert convpool.convolve(lazy, k).chunks == ((5,), (7, 6), (11,), (2,))
    assert convpool.dask_plan(convpool.convolve, lazy, k).input_chunks == ((5,), (7, 6), (11,), (3,))


@settings(max_examples=15)
@given(
    rows=st.lists(st.integers(1, 6), min_size=1, max_size=5),
    cols=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 2)),
    pads=st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(0, 2), st.integers(0, 5)),
    pad_mode=st.sampled_from(PAD_MODES),
)
def test_grayscale_on_random_chunkings(rows, cols, kernel, stride, dilation, pads, pad_mode):
    h, w = sum(rows), sum(cols)
    x = np.arange(h * w, dtype=np.float64).reshape(1, h, w) % 7
    k = np.arange(1.0, 1 + kernel[0] * kernel[1]).reshape(kernel)
    padding = (pads[:2], pads[2:])
    options = dict(dilation=dilation, pad_mode=pad_mode)
    lazy = da.from_array(x, chunks=(1, tuple(rows), tuple(cols)))
    try:
        want = convpool.convolve_grayscale(x, k, padding, stride, **options)
    except ValueError as error:  # a window larger than the padded image, or reflect beyond its reach
        with pytest.raises(ValueError, match=re.escape(str(error))):
            convpool.convolve_grayscale(lazy, k, padding, stride, **options)
        return
    got = convpool.convolve_grayscale(lazy, k, padding, stride, **options).compute()
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_the_other_convolutions_and_the_fixed_padding_functions(data):
    x, k = data
    gray, chunks = x[..., 0], (2, (6, 7), 4)
    np.testing.assert_allclose(
        convpool.convolve_channels(_lazy(x, (2, 5, 4, 1)), k[..., 0], "full", 2, pad_mode="wrap").compute(),
        convpool.convolve_channels(x, k[..., 0], "full", 2, pad_mode="wrap"),
    )
    for name, extra in [("valid", ()), ("same", ()), ("padding", ((2, 3),))]:
        func = getattr(convpool, f"convolve_grayscale_{name}")
        lazy = func(_lazy(gray, chunks), k[:, :, 0, 0], *extra)
        np.testing.assert_allclose(lazy.compute(), func(gray, k[:, :, 0, 0], *extra))
        assert lazy.chunks == convpool.dask_plan(func, _lazy(gray, chunks), k[:, :, 0, 0], *extra).output_chunks


def test_plan_is_the_documented_rule():
    """Hand-computed: output j goes to the input chunk holding its window centre."""
    x = da.zeros((3, 10, 9, 1), chunks=(2, (4, 3, 3), (2, 7), 1))
    k = np.ones((3, 3, 1, 1))
    # 'same', stride 1: output chunks are the input chunks.
    assert convpool.dask_plan(convpool.convolve, x, k).output_chunks == ((2, 1), (4, 3, 3), (2, 7), (1,))
    # 'valid': centres 1..8 of rows -> chunk 0 holds 1,2,3 (3 outputs), chunk 1 4,5,6, chunk 2 7,8.
    plan = convpool.dask_plan(convpool.convolve, x, k, "valid")
    assert plan.output_chunks == ((2, 1), (3, 3, 2), (1, 6), (1,))
    assert plan.overlap
    # pooling 2x2 / 2: centres 0, 2, 4, 6, 8 -> (2, 2, 1); columns 0, 2, 4, 6 -> (1, 3).
    assert convpool.dask_plan(convpool.pool, x, 2, 2).output_chunks == ((2, 1), (2, 2, 1), (1, 3), (1,))
    # A chunk narrower than the stride gets no output chunk; batch-only chunks need no overlap.
    y = da.zeros((4, 8, 8, 1), chunks=(1, (3, 1, 4), 8, 1))
    assert convpool.dask_plan(convpool.pool, y, 4, 4).output_chunks == ((1, 1, 1, 1), (1, 1), (2,), (1,))
    flat = convpool.dask_plan(convpool.convolve, da.zeros((4, 8, 8, 1), chunks=(1, 8, 8, 1)), k, "valid")
    assert flat == (((1,) * 4, (8,), (8,), (1,)), ((1,) * 4, (6,), (6,), (1,)), False)


def test_batch_only_chunking_is_one_task_per_block(data):
    x, k = data
    lazy = convpool.convolve(_lazy(x, CHUNKINGS["batch-only"]), k)
    graph = dict(lazy.__dask_graph__())
    assert len([key for key in graph if key[0] == lazy.name]) == 3  # one per batch chunk, no overlap layer
    assert not any("overlap" in str(key[0]) or "rechunk" in str(key[0]) for key in graph)


def _failing(block):
    raise RuntimeError("a chunk was computed")


def test_errors_are_the_eager_ones_and_raised_before_any_compute(data):
    x, k = data
    boom = da.map_blocks(_failing, da.zeros(SHAPE, chunks=(2, 5, 5, 3)), dtype=float)
    cases = [
        lambda a: convpool.convolve(a, k[:, :, :2]),  # channel mismatch
        lambda a: convpool.convolve(a, k, stride=0),
        lambda a: convpool.convolve(a, k, padding="sometimes"),
        lambda a: convpool.convolve(a, k, pad_mode="reflect", pad_value=1),
        lambda a: convpool.convolve(a, np.ones((20, 3, 3, 1)), "valid"),
        lambda a: convpool.pool(a, 2, 2, "median"),
        lambda a: convpool.pool(a, 2, 2, padding=5),
        lambda a: convpool.convolve_grayscale(a, k[:, :, 0, 0]),  # 4-D images
        lambda a: convpool.convolve_backward(np.ones((5, 13, 11, 3)), a, k),
    ]
    for case in cases:
        with pytest.raises((ValueError, TypeError)) as eager:
            case(np.zeros(SHAPE))
        with pytest.raises(eager.type) as lazy:
            case(boom)
        assert str(lazy.value) == str(eager.value)  # shapes in messages are the real ones, not the stand-in's
    lazy = convpool.convolve(boom, k)  # a valid call builds its graph without computing
    with pytest.raises(RuntimeError, match="a chunk was computed"):
        lazy.compute()


def test_lazy_kernels_and_unknown_chunks_are_refused(data):
    x, k = data
    with pytest.raises(TypeError, match="kernels must be a NumPy array"):
        convpool.convolve(_lazy(x, 2), da.from_array(k))
    unknown = _lazy(x, 2)[_lazy(x, 2)[:, 0, 0, 0] > 0]
    with pytest.raises(ValueError, match="images has unknown chunk sizes"):
        convpool.convolve(unknown, k)
    with pytest.raises(TypeError, match="dask.array.Array"):
        convpool.dask_plan(convpool.convolve, x, k)


def test_engine_runs_one_thread_per_task_unless_told(data, monkeypatch, engine_only):
    """Inside a task ``threads=None`` means one thread; eagerly it means $CONVPOOL_NUM_THREADS."""
    x, k = data
    seen = []
    modules = [_engine.direct, _engine.pooling, _engine.backward, _engine.conv_grad]
    for module in modules:
        original = module.run_blocks
        monkeypatch.setattr(module, "run_blocks", lambda w, b, t, _o=original: (seen.append(t), _o(w, b, t))[1])
    monkeypatch.setenv(_engine.THREADS_ENV, "4")
    convpool.convolve(x, k, method="direct")
    convpool.pool(x, 2, 2)
    assert seen and set(seen) == {4}
    seen.clear()
    convpool.pool_backward(np.ones((5, 6, 5, 3)), x, 2, 2)  # its inner forward pool runs on one thread by design
    assert 4 in seen
    seen.clear()
    lazy = _lazy(x, (2, 7, 11, 3))
    jobs = [
        convpool.convolve(lazy, k, method="direct"),
        convpool.pool(lazy, 2, 2),
        convpool.pool_backward(da.ones((5, 6, 5, 3)), lazy, 2, 2),
        *convpool.convolve_backward(da.ones((5, 13, 11, 2)), lazy, k),
    ]
    seen.clear()  # building the graphs ran the eager checks on empty stand-ins
    dask.compute(*jobs, scheduler="threads")
    assert len(seen) >= 9 and set(seen) == {1}
    job = convpool.convolve(lazy, k, method="direct", threads=3)
    seen.clear()
    job.compute(scheduler="threads")
    assert seen and set(seen) == {3}


@pytest.mark.parametrize("chunks", ["uneven", "batch-only", "channels-split"])
def test_convolve_backward_is_lazy_and_reduced_across_blocks(data, chunks):
    x, k = data
    rng = np.random.default_rng(3)
    g = rng.standard_normal((5, 8, 3, 2))
    options = dict(padding=(2, 1), stride=(2, 3), dilation=(1, 2), pad_mode="symmetric")
    lazy_x = _lazy(x, CHUNKINGS[chunks])
    gi, gk = convpool.convolve_backward(_lazy(g, 2), lazy_x, k, **options)
    assert isinstance(gi, da.Array) and isinstance(gk, da.Array)
    assert gi.chunks == convpool.dask_plan(convpool.convolve_backward, g, lazy_x, k, **options).output_chunks
    # a tree: more than one partial-sum layer between the blocks and the result for many blocks
    want_gi, want_gk = convpool.convolve_backward(g, x, k, **options)
    got_gi, got_gk = dask.compute(gi, gk)
    np.testing.assert_allclose(got_gi, want_gi, atol=1e-12)
    np.testing.assert_allclose(got_gk, want_gk, rtol=1e-12)


def test_kernel_gradient_sums_many_blocks_as_a_tree():
    rng = np.random.default_rng(4)
    x, k = rng.standard_normal((40, 6, 6, 1)), rng.standard_normal((3, 3, 1, 1))
    g = rng.standard_normal((40, 6, 6, 1))
    _, gk = convpool.convolve_backward(g, da.from_array(x, chunks=(1, 6, 6, 1)), k)
    sums = {k: v for k, v in gk.__dask_graph__().get_all_dependencies().items() if "sum" in str(k)}
    # 40 blocks, 8 at a time: no sum adds more than 8 results, and there are partial sums of partial sums
    assert max(len(deps) for deps in sums.values()) <= 8
    assert len(sums) >= 6
    np.testing.assert_allclose(gk.compute(), convpool.convolve_backward(g, x, k)[1], rtol=1e-12)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_backward_is_lazy_and_exact(data, mode):
    x = np.round(data[0] * 3)
    g = np.random.default_rng(5).standard_normal((5, 7, 6, 3))
    options = dict(padding="same", count_include_pad=True)
    lazy = convpool.pool_backward(_lazy(g, (3, 4, 3, 1)), _lazy(x, CHUNKINGS["uneven"]), 3, 2, mode, **options)
    assert isinstance(lazy, da.Array) and lazy.chunks == ((2, 2, 1), (13,), (11,), (3,))
    np.testing.assert_allclose(lazy.compute(), convpool.pool_backward(g, x, 3, 2, mode, **options), rtol=1e-13)


def test_the_readme_example_runs(tmp_path, monkeypatch):
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(r"## Bigger than memory, or many machines\n.*?```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(block, namespace)
    assert namespace["pooled"].shape == (400, 64, 64, 1) and namespace["first"].shape == (8, 64, 64, 1)
    blurred = namespace["blurred"][:8].compute()
    np.testing.assert_array_equal(namespace["first"], convpool.pool(blurred[..., None], 2, 2))
    zarr = pytest.importorskip("zarr")
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "pooled.zarr", mode="r")[:8], namespace["first"])


@pytest.mark.parametrize(
    "index", [(0,), (0, 0), (0, 0, 0), (0, 0, 0, 0), (None,)], ids=["3-D", "2-D", "1-D", "0-D", "5-D"]
)
def test_wrong_dimension_messages_give_the_real_shape(index):
    # the stand-in drops the batch: its shape must never reach the message in place of the user's
    x = np.zeros(SHAPE)
    eager, lazy = x[index], da.from_array(x, chunks=(2, 5, 5, 3))[index]
    with pytest.raises(ValueError) as expected:
        convpool.pool(eager, 2, 2)
    with pytest.raises(ValueError) as got:
        convpool.pool(lazy, 2, 2)
    assert str(got.value) == str(expected.value)
    assert str(eager.shape) in str(got.value)


def test_an_output_block_nothing_can_hold_is_refused_when_the_graph_is_built():
    # a lazy plan skips the whole-output check; one task's block must not pass (the grayscale call's block is
    # convolve's, with its channel axis)
    images = da.zeros((2, 6, 6), chunks=(1, 3, 3))
    block = r"output block of shape \(1, 1000002, 1000002, 1\) float64"
    with pytest.raises(ValueError, match=r"padding=1000000, .* " + block):
        convpool.convolve_grayscale(images, np.ones((3, 3)), padding=10**6)
    with pytest.raises(ValueError, match=r"padding=1000000000, .* more than NumPy can address"):
        convpool.convolve_grayscale(images, np.ones((3, 3)), padding=10**9)
    assert convpool.convolve_grayscale(images, np.ones((3, 3)), padding=1000).chunks[1] == (1002, 1002)


def test_plan_of_a_fixed_padding_function_takes_only_its_arguments():
    x = da.zeros((4, 10, 10), chunks=(2, 5, 5))
    k = np.ones((3, 3))
    for extra in ({"stride": 2}, {"padding": "same"}):
        with pytest.raises(TypeError, match="unexpected keyword"):
            convpool.convolve_grayscale_valid(x, k, **extra)
        with pytest.raises(TypeError, match="unexpected keyword"):
            convpool.dask_plan(convpool.convolve_grayscale_valid, x, k, **extra)
    assert convpool.dask_plan(convpool.convolve_grayscale_valid, x, k).output_chunks == ((2, 2), (4, 4), (4, 4))
