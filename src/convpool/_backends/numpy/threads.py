"""Running batch blocks on a thread pool, and holding BLAS to the call's ``threads=``.

NumPy releases the GIL inside ufunc loops, ``matmul`` and ``numpy.fft``, so
threads over independent batch blocks use several cores without copies.
Blocks are cut the same way whatever the thread count, so results do not
depend on it.

The matrix products (the GEMM paths, the gradients) run in NumPy's BLAS,
whose own thread pool ignores ours: :func:`blas_limited` caps it to the
call's thread count through ``threadpoolctl`` when that is installed (the
``threads`` extra). BLAS's thread count belongs to the process, and only
the main thread changes it: NumPy's bundled OpenBLAS (0.3.31, measured)
ignores a count set from another thread, so a limit set there could not be
undone. Calls from other threads (a Dask task, a thread pool of the user's)
run under whatever count BLAS has, a main-thread call's limit included.
Without ``threadpoolctl`` BLAS keeps its own count
(``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS``, set before Python starts,
still cap it).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .scratch import release

# Per-thread state, one object for both uses: ``depth`` of nested :func:`_quiet` calls, and
# ``count``, the default set by :func:`default_threads_set` (Dask tasks run convpool on one
# thread each: Dask already keeps every core busy).
_local = threading.local()

#: Environment variable that caps the default thread count.
THREADS_ENV = "CONVPOOL_NUM_THREADS"

#: Blocks each extra thread must have to itself before it is started (small jobs run serially).
BLOCKS_PER_THREAD = 4


@contextlib.contextmanager
def default_threads_set(count: int) -> Iterator[None]:
    """Make ``threads=None`` mean ``count`` threads in the calling thread, for the ``with`` block."""
    previous = getattr(_local, "count", None)
    _local.count = count
    try:
        yield
    finally:
        _local.count = previous


def default_threads() -> int:
    """Threads used when ``threads=None``: ``$CONVPOOL_NUM_THREADS``, else the usable cores.

    Inside :func:`default_threads_set` (a Dask task), the count it set.
    """
    override = getattr(_local, "count", None)
    if override is not None:
        return override
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            count = int(value)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}") from None
        if count < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")
        return count
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_threads(threads: int | None) -> int:
    """A checked ``threads`` (``None`` means :func:`default_threads`)."""
    return default_threads() if threads is None else threads


def _asked_threads(threads: int | None) -> int | None:
    """The thread count a call asked for: ``threads``, else an override of the default; ``None``: no limit."""
    if threads is not None:
        return threads
    if getattr(_local, "count", None) is not None or os.environ.get(THREADS_ENV, "").strip():
        return default_threads()
    return None  # every usable core: BLAS's own default


@functools.cache
def _blas():
    """threadpoolctl's controller of the BLAS libraries NumPy loaded, or ``None`` without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().select(user_api="blas")


@contextlib.contextmanager
def blas_limited(threads: int | None) -> Iterator[None]:
    """BLAS on at most ``threads`` threads inside the ``with`` block (``None``: see :func:`_asked_threads`).

    Does nothing when BLAS already runs on no more threads, without
    ``threadpoolctl``, or outside the main thread (see the module's notes).
    BLAS's count before the block comes back after it, also when nested.
    """
    count = _asked_threads(threads)
    if count is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    blas = _blas()
    if blas is None or all(lib.num_threads <= count for lib in blas.lib_controllers):
        yield
        return
    with blas.limit(limits=count):
        yield


def limits_blas(op: Callable) -> Callable:
    """``op(plan, *arrays)`` with BLAS held to ``plan.threads`` (:func:`blas_limited`): one of the backend's ops."""

    @functools.wraps(op)
    def run(plan, *args, **kwargs):
        threads = getattr(plan, "threads", None)
        if _asked_threads(threads) is None:  # nothing to hold: skip the context (a few us of a tiny call)
            return op(plan, *args, **kwargs)
        with blas_limited(threads):
            return op(plan, *args, **kwargs)

    return run


def _quiet(run: Callable[[], object]) -> None:
    """``run()`` with NumPy's floating-point warnings off, keeping this thread's scratch to the end.

    A NaN or inf in the data gives the NaN or inf the definition gives, as a
    value: the engine's multiplies, sums and transforms do not also warn
    (errstate is per thread, so every worker sets it). Nested calls (tiles
    running a method's own block loop) leave the scratch to the outermost one.
    """
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        with np.errstate(all="ignore"):
            run()
    finally:
        _local.depth = depth
        if depth == 0:
            release()  # the thread may outlive the call: give its scratch back


def run_blocks(work: Callable, blocks: Sequence, threads: int) -> None:
    """Call ``work(block)`` for every block (a batch slice or a tile), on up to ``threads`` threads.

    The calling thread works too. Threads take the next unclaimed block from a
    shared counter, so on a busy machine a thread that gets less CPU simply
    does fewer blocks instead of holding everyone up.
    """
    # A thread costs a few hundred microseconds to start: worth it only with a few blocks to share.
    threads = min(threads, 1 + len(blocks) // BLOCKS_PER_THREAD)
    if threads <= 1:
        _quiet(lambda: [work(block) for block in blocks])
        return
    claim = itertools.count()  # next() on a count is atomic under the GIL

    def drain() -> None:
        _quiet(lambda: _drain(work, blocks, claim))

    pool = ThreadPoolExecutor(max_workers=threads - 1)
    helpers = [pool.submit(drain) for _ in range(threads - 1)]
    try:
        drain()
    finally:
        # A helper the OS has not scheduled yet has nothing left to do: cancel it
        # rather than wait for its time slice (milliseconds on a busy machine).
        for future in helpers:
            future.cancel()
        pool.shutdown(wait=False)
        for future in helpers:
            if not future.cancelled():
                future.result()


def _drain(work: Callable, blocks: Sequence, claim) -> None:
    """Work on the next unclaimed block until none is left."""
    for index in iter(lambda: next(claim), None):
        if index >= len(blocks):
            return
        work(blocks[index])
