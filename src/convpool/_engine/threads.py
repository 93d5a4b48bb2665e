"""Running batch blocks on a thread pool.

NumPy releases the GIL inside ufunc loops, ``matmul`` and ``numpy.fft``, so
threads over independent batch blocks use several cores without copies.
Blocks are cut the same way whatever the thread count, so results do not
depend on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from .scratch import release

#: Environment variable that caps the default thread count.
THREADS_ENV = "CONVPOOL_NUM_THREADS"


def default_threads() -> int:
    """Threads used when ``threads=None``: ``$CONVPOOL_NUM_THREADS``, else the usable cores."""
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


def run_blocks(work: Callable[[slice], None], blocks: Sequence[slice], threads: int) -> None:
    """Call ``work(block)`` for every block, on up to ``threads`` threads.

    Each thread takes a contiguous run of blocks (fewer hand-offs, and each
    thread streams through its own part of the batch).
    """
    threads = min(threads, len(blocks))
    if threads <= 1:
        try:
            for block in blocks:
                work(block)
        finally:
            release()  # the main thread outlives the call: give its scratch back
        return

    def run(part: Sequence[slice]) -> None:
        for block in part:
            work(block)

    size = -(-len(blocks) // threads)
    parts = [blocks[i : i + size] for i in range(0, len(blocks), size)]
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        for future in [pool.submit(run, part) for part in parts]:
            future.result()
