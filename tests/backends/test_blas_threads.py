"""``threads=`` holds BLAS too (issue 24): the GEMM path's products run on at most the threads asked for.

BLAS keeps a thread pool of its own, which ``threads=`` used to leave at every
core. The count BLAS reports is read from inside the call (threadpoolctl), and
the CPU time of a large GEMM call is compared with its wall time.
"""

import threading
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose

import convpool
from convpool._backends.numpy import gemm, threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads() -> int:
    return max(info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas")


@pytest.fixture
def seen(monkeypatch):
    """BLAS's thread count at each im2col of the GEMM path, i.e. inside the call, just before its product."""
    counts: list[int] = []
    original = gemm.im2col

    def spy(*args):
        counts.append(blas_threads())
        return original(*args)

    monkeypatch.setattr(gemm, "im2col", spy)
    return counts


def gemm_call(**options) -> np.ndarray:
    rng = np.random.default_rng(0)
    # gathered windows over the small path's 4 MiB: the blocked GEMM engine
    images, kernels = rng.normal(size=(8, 32, 32, 16)), rng.normal(size=(3, 3, 16, 8))
    return convpool.convolve(images, kernels, method="gemm", **options)


@pytest.fixture
def many_blas_threads():
    if not any(info["user_api"] == "blas" for info in threadpoolctl.threadpool_info()):
        pytest.skip("NumPy's BLAS is not one threadpoolctl controls")
    with threadpoolctl.threadpool_limits(limits=3, user_api="blas"):  # as on a machine with 3 cores or more
        if blas_threads() < 3:
            pytest.skip("this BLAS cannot run 3 threads")
        yield


def test_threads_one_holds_blas_to_one_thread_inside_the_call(seen, many_blas_threads, monkeypatch):
    monkeypatch.delenv(threads.THREADS_ENV, raising=False)
    expected = gemm_call(threads=None)
    assert seen and set(seen) == {3}  # the default leaves BLAS as it is
    seen.clear()
    assert_allclose(gemm_call(threads=1), expected, rtol=1e-12, atol=1e-12)
    assert seen and set(seen) == {1}
    seen.clear()
    gemm_call(threads=2)
    assert set(seen) == {2}
    assert blas_threads() == 3  # given back after the call
    seen.clear()
    monkeypatch.setenv(threads.THREADS_ENV, "1")  # the default's own cap holds BLAS too
    gemm_call()
    assert set(seen) == {1}


def test_calls_from_other_threads_leave_blas_alone_and_nested_limits_unwind(seen, many_blas_threads):
    """Only the main thread sets BLAS's count (OpenBLAS ignores a count set elsewhere: it could not be undone)."""
    worker = threading.Thread(target=lambda: gemm_call(threads=1))
    worker.start()
    worker.join()
    assert set(seen) == {3} and blas_threads() == 3
    seen.clear()
    with threads.blas_limited(2):
        gemm_call(threads=1)  # nested: its own lower limit, then the outer one's again
        assert set(seen) == {1} and blas_threads() == 2
        seen.clear()
        gemm_call(threads=3)  # no higher than the outer limit
        assert set(seen) == {2} and blas_threads() == 2
    assert blas_threads() == 3


def _cpu_per_wall(call, runs: int = 3) -> list[float]:
    """CPU time / wall time of ``call()``, ``runs`` times, after OpenBLAS's idle threads have stopped spinning.

    OpenBLAS's threads spin for a while after a threaded product (an earlier call's or test's): their CPU
    time is not this call's.
    """
    time.sleep(0.5)
    ratios = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        ratios.append((time.process_time() - cpu) / (time.perf_counter() - wall))
    return ratios


def test_threads_one_keeps_a_big_gemm_call_on_one_core():
    """CPU time / wall time of a call whose products BLAS threads: about 1 with ``threads=1``.

    Only a machine with a core to spare shows the difference: where the default call does not reach
    1.5 either (a busy or one-core machine), the test says so and skips.
    """
    rng = np.random.default_rng(1)
    images, kernels = rng.normal(size=(8, 64, 64, 64)), rng.normal(size=(3, 3, 64, 64))
    one = convpool.convolve(images, kernels, method="gemm", threads=1)  # warm up
    threaded = max(_cpu_per_wall(lambda: convpool.convolve(images, kernels, method="gemm")))
    single = min(_cpu_per_wall(lambda: convpool.convolve(images, kernels, method="gemm", threads=1)))
    assert_allclose(convpool.convolve(images, kernels, method="gemm"), one, rtol=1e-12, atol=1e-12)
    if threaded < 1.5:
        pytest.skip(f"the default call used {threaded:.2f} cores: this machine cannot show a difference now")
    assert single < 1.3, (single, threaded)
