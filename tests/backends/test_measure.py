"""``method='measure'``: it times every method once per plan key, remembers the fastest, and stays exact."""

from __future__ import annotations

import numpy as np
import pytest
from _reference import conv_ref

from convpool import convolve
from convpool._backends.numpy import choose


@pytest.fixture
def counted(monkeypatch):
    """Every method's runs counted, and an empty memory of measured choices."""
    calls = {name: 0 for name in choose._RUN}
    monkeypatch.setattr(choose, "_MEASURED", type(choose._MEASURED)())

    def wrap(name, run):
        def counting(*args, **kwargs):
            calls[name] += 1
            return run(*args, **kwargs)

        return counting

    monkeypatch.setattr(choose, "_RUN", {name: wrap(name, run) for name, run in choose._RUN.items()})
    return calls


def _big_enough(rng, shape=(8, 64, 64, 3), kernel=(5, 5, 3, 4)):
    # above the small-work path's size, so that the blocked engine (and its methods) runs
    return rng.normal(size=shape), rng.normal(size=kernel)


def test_measure_matches_the_definition():
    rng = np.random.default_rng(5)
    x, k = _big_enough(rng)
    for padding, stride in (("same", 1), ("valid", 2), ((1, 3), (2, 1))):
        got = convolve(x, k, padding, stride, method="measure")
        np.testing.assert_allclose(got, conv_ref(x, k, padding, stride), rtol=1e-9, atol=1e-9)
        again = convolve(x, k, padding, stride, method="measure")  # the remembered method
        np.testing.assert_allclose(again, got, rtol=1e-9, atol=1e-9)


def test_measure_times_each_method_once_per_plan(counted):
    rng = np.random.default_rng(6)
    x, k = _big_enough(rng)
    convolve(x, k, "same", method="measure")
    assert counted == {"direct": 1, "gemm": 1, "fft": 1}
    (key, chosen), *rest = choose.measured_methods().items()
    assert not rest and chosen in choose._RUN and key[0] == x.shape
    for _ in range(2):  # other values, same plan: the remembered method alone runs
        convolve(rng.normal(size=x.shape), rng.normal(size=k.shape), "same", method="measure")
    expected = {name: 1 for name in counted}
    expected[chosen] += 2
    assert counted == expected
    convolve(x, k, "valid", method="measure")  # another plan is measured anew
    assert sum(counted.values()) == 3 + 2 + 3 and len(choose.measured_methods()) == 2


def test_measure_memory_is_bounded(counted, monkeypatch):
    monkeypatch.setattr(choose, "MEASURED_KEYS", 2)
    rng = np.random.default_rng(7)
    k = rng.normal(size=(5, 5, 3, 4))
    for m in (8, 9, 10):
        convolve(rng.normal(size=(m, 64, 64, 3)), k, "same", method="measure")
    assert [key[0][0] for key in choose.measured_methods()] == [9, 10]  # the oldest went first


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_measure_keeps_non_finite_values_local(counted, bad):
    # the FFT would spread one NaN over a whole block: neither measured nor run on such inputs
    rng = np.random.default_rng(8)
    x, k = _big_enough(rng, (4, 64, 64, 1), (11, 11, 1, 1))
    x[0, 5, 5, 0] = bad
    for _ in range(2):
        out = convolve(x, k, "same", method="measure")
        expected = conv_ref(x, k, "same")
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)
        assert np.isfinite(out).sum() == np.isfinite(expected).sum() > out.size // 2
    assert counted["fft"] == 0


def test_measure_named_in_the_message_of_a_bad_method():
    with pytest.raises(ValueError, match="'measure'"):
        convolve(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), method="fastest")
