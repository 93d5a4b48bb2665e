"""Plans: built from shapes and dtypes, cached, the same for every door; the small-work path; the import graph.

The oracles are the eager NumPy call (messages, results) and the naive loop
reference (``_reference.py``).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _reference import conv_ref, pool_ref

import convpool
from convpool import convolve, convolve_backward, pool, pool_backward
from convpool._api import dispatch
from convpool._plan import plans

ROOT = Path(__file__).resolve().parents[2]
SIX = ("correlate", "pool", "correlate_backward", "pool_backward", "transpose", "transpose_backward")


def test_a_plan_is_frozen_hashable_and_picklable():
    plan = plans.conv_plan((2, 9, 8, 3), np.dtype("float32"), (3, 3, 3, 4), np.dtype("int64"), "same", 2, 1,
                           "reflect", 0, 1)  # fmt: skip
    assert plan.out == (2, 5, 4, 4) and plan.dtype == np.float32 and plan.pad_mode == "reflect"
    assert [(g.before, g.after) for g in plan.geometry] == [(1, 1), (0, 1)]  # 9 and 8 cells, stride 2
    assert pickle.loads(pickle.dumps(plan)) == plan and hash(plan) == hash(pickle.loads(pickle.dumps(plan)))
    with pytest.raises(AttributeError):
        plan.groups = 2  # type: ignore[misc]


def test_a_repeated_call_finds_its_plan_and_types_are_part_of_the_key():
    shapes = ((1, 6, 6, 1), np.dtype("float64"), (3, 3, 1, 1), np.dtype("float64"))
    first = plans.conv_plan(*shapes, "same", (1, 1), 1, "constant", 0, 1)
    assert plans.conv_plan(*shapes, "same", (1, 1), 1, "constant", 0, 1) is first  # from the cache
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got True"):
        plans.conv_plan(*shapes, "same", (True, 1), 1, "constant", 0, 1)  # True == 1, but not a stride
    with pytest.raises(TypeError, match="stride must be an int"):
        plans.conv_plan(*shapes, "same", (1.0, 1), 1, "constant", 0, 1)  # 1.0 == 1, but not a stride
    before = len(plans.conv_plan.cache)
    with pytest.raises(ValueError):
        plans.conv_plan(*shapes, "same", (0, 1), 1, "constant", 0, 1)
    with pytest.raises(ValueError):  # errors are not cached: checked again
        plans.conv_plan(*shapes, "same", (0, 1), 1, "constant", 0, 1)
    assert len(plans.conv_plan.cache) == before


def test_the_cache_is_bounded(monkeypatch):
    from convpool._plan import _cache

    monkeypatch.setattr(_cache, "MOST", 3)
    for n in range(2, 12):
        plans.pool_plan((1, n, n, 1), np.dtype("float64"), 2, 2, "max", "valid", False)
    assert len(plans.pool_plan.cache) <= 3


def test_a_user_object_is_planned_afresh_not_cached():
    class Two(int):  # an int subclass: valid, but not a plain int, so never a cache key
        pass

    before = len(plans.pool_plan.cache)
    plan = plans.pool_plan((1, 4, 4, 1), np.dtype("float64"), Two(2), 2, "max", "valid", False)
    assert plan.out == (1, 2, 2, 1) and len(plans.pool_plan.cache) == before


def test_every_backend_has_the_same_six_operations_and_door():
    pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    from convpool._backends import dask, numpy, xp

    for backend in (numpy, dask, xp):
        for name in (*SIX, "prepare", "meta", "add_axis", "broadcast", "LAZY"):
            assert hasattr(backend, name), (backend.__name__, name)


def test_the_backend_is_chosen_by_type_only():
    da = pytest.importorskip("dask.array")
    strict = pytest.importorskip("array_api_strict")
    assert dispatch.backend_for(np.zeros(2)).__name__ == "convpool._backends.numpy"
    assert dispatch.backend_for([1.0, 2.0]).__name__ == "convpool._backends.numpy"
    assert dispatch.backend_for(np.zeros(2), da.zeros(2)).__name__ == "convpool._backends.dask"
    assert dispatch.backend_for(strict.asarray([1.0])).__name__ == "convpool._backends.xp"


# --- the two defects of the name-keyed adapters (issue 20) ------------------------------------------------


def test_dask_messages_name_the_real_kernel_shape():
    """The Dask door once rewrote the kernel's leading 0 into the batch size: (40, 3, 1, 1)."""
    da = pytest.importorskip("dask.array")
    images, empty = np.zeros((40, 8, 8, 1)), np.zeros((0, 3, 1, 1))
    with pytest.raises(ValueError) as eager:
        convolve(images, empty)
    with pytest.raises(ValueError) as lazy:
        convolve(da.from_array(images, chunks=(10, 8, 8, 1)), empty)
    assert str(lazy.value) == str(eager.value)
    assert "got shape (0, 3, 1, 1)" in str(lazy.value) and "(40, 3, 1, 1)" not in str(lazy.value)


def test_kernels_apply_on_a_second_device_gives_the_host_result():
    """``kernels.apply`` on array_api_strict's second device once failed: "kernels must be a 4-D array"."""
    strict = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 6, 3))
    device = strict.Device("device1")
    got = convpool.kernels.apply(strict.asarray(x, device=device), convpool.kernels.sobel_x(), "same")
    assert got.device == device
    want = np.stack([conv_ref(x[..., c : c + 1], convpool.kernels.sobel_x()[:, :, None, None])[..., 0]
                     for c in range(3)], axis=-1)  # fmt: skip
    np.testing.assert_allclose(np.asarray(strict.asarray(got, device=strict.Device("CPU_DEVICE"))), want, atol=1e-12)


# --- the small-work path -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize(("padding", "stride", "dilation"), [("same", 1, 1), ("valid", 2, 1), ("full", (1, 2), 2)])
def test_small_path_equals_the_engine_and_the_reference(pad_mode, padding, stride, dilation, rng, monkeypatch):
    x, k = rng.standard_normal((3, 7, 6, 2)), rng.standard_normal((3, 2, 2, 4))
    plan = plans.conv_plan(x.shape, x.dtype, k.shape, k.dtype, padding, stride, dilation, pad_mode, 0, 1)
    assert plan.small
    options = {"dilation": dilation, "pad_mode": pad_mode}
    got = convolve(x, k, padding, stride, **options)
    np.testing.assert_allclose(got, conv_ref(x, k, padding, stride, **options), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, convolve(x, k, padding, stride, method="direct", **options), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(got.shape)
    gx, gk = convolve_backward(g, x, k, padding, stride, **options)
    # the engine's gradients as the oracle here (test_grad.py checks them against PyTorch and finite differences)
    monkeypatch.setattr(plans, "SMALL_BYTES", -1)
    plans.conv_plan.cache.clear()
    try:
        ex, ek = convolve_backward(g, x, k, padding, stride, **options)
    finally:
        plans.conv_plan.cache.clear()
    np.testing.assert_allclose(gx, ex, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gk, ek, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["max", "min", "avg", "sum"])
def test_small_pool_path_on_ties_nan_and_padding(mode, rng, monkeypatch):
    x = rng.integers(0, 3, (2, 7, 7, 2)).astype(np.float64)  # many ties
    cases = (("valid", False, False), ("same", True, False), (1, False, True))
    for padding, include, ceil in cases:
        options = {"padding": padding, "count_include_pad": include, "ceil_mode": ceil}
        got = pool(x, 3, 2, mode, **options)
        want = pool_ref(x, 3, 2, mode, padding=padding, count_include_pad=include, ceil_mode=ceil)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    x[0, 3, 3, 0] = np.nan  # the reference skips NaN (its padding marker): the engine is the oracle here
    small = [pool(x, 3, 2, mode, padding=p, count_include_pad=i, ceil_mode=c) for p, i, c in cases]
    monkeypatch.setattr(plans, "SMALL_BYTES", -1)
    plans.pool_plan.cache.clear()
    try:
        engine = [pool(x, 3, 2, mode, padding=p, count_include_pad=i, ceil_mode=c) for p, i, c in cases]
    finally:
        plans.pool_plan.cache.clear()
    for a, b in zip(small, engine, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)  # NaN in the same places (a NaN wins a max)
        assert np.isnan(a).any()
    torch = pytest.importorskip("torch")
    if mode in ("max", "avg"):
        t = torch.tensor(np.nan_to_num(x).transpose(0, 3, 1, 2), requires_grad=True)
        out = torch.nn.functional.max_pool2d(t, 2, 2) if mode == "max" else torch.nn.functional.avg_pool2d(t, 2, 2)
        g = rng.standard_normal(tuple(out.shape))
        out.backward(torch.tensor(g))
        got = pool_backward(g.transpose(0, 2, 3, 1), np.nan_to_num(x), 2, 2, mode)
        np.testing.assert_allclose(got, t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)


# --- the import graph ------------------------------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "convpool"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_import_checker_finds_a_lazy_cycle_and_a_layer_breach(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_imports
    finally:
        sys.path.pop(0)
    root = _tree(tmp_path, {
        "__init__.py": "from ._api import conv\n",
        "_api/__init__.py": "",
        "_api/conv.py": "from .._plan import plans\n",
        "_plan/__init__.py": "",
        "_plan/plans.py": "def f():\n    from .._api import conv  # lazy, and upwards\n",
        "cli/__init__.py": "from . import io\n",
        "cli/io.py": "def g():\n    from . import __init__\n    import convpool.cli\n",
    })  # fmt: skip
    found = check_imports.problems(root)
    assert "import cycle: convpool._api.conv <-> convpool._plan.plans" in found
    assert any(line.startswith("layer: convpool._plan.plans (layer 1) imports convpool._api.conv") for line in found)
    assert "import cycle: convpool.cli <-> convpool.cli.io" in found
    clean = _tree(tmp_path / "clean", {"__init__.py": "from ._api import conv\n", "_api/__init__.py": "",
                                       "_api/conv.py": "import numpy\n"})  # fmt: skip
    assert check_imports.problems(clean) == []


def test_convpool_itself_has_no_cycle_and_keeps_its_layers():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_imports.py"), str(ROOT / "src" / "convpool")],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout
