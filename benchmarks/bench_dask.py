"""convpool on Dask: overhead against eager convpool, dask-image, a bigger-than-memory stack, graph sizes.

Run ``make bench-dask`` or ``python benchmarks/bench_dask.py [--stack-gib 1] [--big-gib 2]
[--worker-mib 256] [--big-chunk 16] [--repeat 3] [--skip PART ...]``. Every comparison runs side by side in one
process, alternating, and the table shows medians, their ratio and the
ratio of the fastest runs (the least disturbed on a shared machine).

1. Overhead: a float32 stack ``(n, 128, 128)`` of ``--stack-gib`` GiB, 3x3
   ``'same'``: eager ``convolve_grayscale`` (the engine's own threads) against
   the same call on a dask array of 64 MiB batch chunks on Dask's threaded
   scheduler, stored into a preallocated NumPy array (no concatenation copy).
2. Against ``dask_image.ndfilters.correlate`` (SciPy per chunk): one
   2048x2048 float32 image in 512x512 chunks, 3x3 and 15x15, ``mode='constant'``.
3. Bigger than memory: a Zarr stack of ``--big-gib`` GiB on a LocalCluster
   of two worker processes with ``--worker-mib`` each (the stack is
   ``big / (2 * worker)`` times their memory), 5x5 Gaussian, written to
   Zarr; the worker PIDs before and after (no restart) and eager results on
   sampled images.
4. Graph size and build time of a 3x3 ``convolve_grayscale`` on 10^5 and
   10^6 MNIST-sized images (28x28), in chunks of 1000 and of 100 images.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np

import convpool

MIB = 2**20


def timed(thunks: dict, repeat: int) -> dict:
    """Seconds per run of each thunk, alternating so that machine noise hits all alike."""
    times = {name: [] for name in thunks}
    for _ in range(repeat):
        for name, thunk in thunks.items():
            start = time.perf_counter()
            thunk()
            times[name].append(time.perf_counter() - start)
    return times


def row(label: str, base: list, other: list, note: str = "") -> str:
    mb, mo = statistics.median(base), statistics.median(other)
    return f"| {label} | {mb:.3f} | {mo:.3f} | {mo / mb:.2f} | {min(other) / min(base):.2f} | {note} |"


def overhead(gib: float, repeat: int) -> list[str]:
    n = int(gib * 2**30) // (128 * 128 * 4)
    x = np.random.default_rng(0).random((n, 128, 128), dtype=np.float32)
    k = np.ones((3, 3), np.float32) / 9
    per_chunk = (64 * MIB) // (128 * 128 * 4)
    lazy = convpool.convolve_grayscale(da.from_array(x, chunks=(per_chunk, 128, 128)), k)
    out = np.empty_like(x)
    times = timed(
        {
            "eager": lambda: convpool.convolve_grayscale(x, k),
            "dask": lambda: da.store(lazy, out, lock=False, scheduler="threads"),
        },
        repeat,
    )
    np.testing.assert_allclose(out[:8], convpool.convolve_grayscale(x[:8], k), rtol=1e-6)
    label = f"{n}x128x128 float32 ({gib:g} GiB), 3x3 same, chunks of {per_chunk} images"
    return [row(label, times["eager"], times["dask"], f"eager convpool vs Dask, {lazy.npartitions} tasks")]


def against_dask_image(repeat: int) -> list[str]:
    from dask_image import ndfilters

    image = np.random.default_rng(1).random((2048, 2048), dtype=np.float32)
    lazy = da.from_array(image, chunks=512)
    rows = []
    for size in (3, 15):
        k = np.random.default_rng(size).random((size, size)).astype(np.float32)
        ours = convpool.convolve_grayscale(lazy[None], k, "same")[0]
        theirs = ndfilters.correlate(lazy, k, mode="constant", cval=0.0)
        np.testing.assert_allclose(ours[:600, :600].compute(), theirs[:600, :600].compute(), rtol=1e-4, atol=1e-3)
        times = timed(
            {
                "dask-image": lambda t=theirs: t.compute(scheduler="threads"),
                "convpool": lambda o=ours: o.compute(scheduler="threads"),
            },
            repeat,
        )
        label = f"2048x2048 float32, chunks 512x512, {size}x{size} constant"
        rows.append(
            row(label, times["dask-image"], times["convpool"], "dask-image vs convpool (ratio < 1: convpool faster)")
        )
    return rows


def bigger_than_memory(gib: float, worker_mib: int, per_chunk: int) -> list[str]:
    import distributed
    import zarr

    folder = Path(tempfile.mkdtemp(prefix="convpool-bench-dask-"))
    try:
        n = int(gib * 2**30) // (512 * 512 * 4)
        # smooth, deterministic content, generated chunk by chunk: the stack is never in memory here either
        source = da.map_blocks(
            lambda b, block_info=None: _pattern(block_info[None]["array-location"][0][0], b.shape),
            da.empty((n, 512, 512), chunks=(per_chunk, 512, 512), dtype=np.float32),
            dtype=np.float32,
        )
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=f"{worker_mib}MiB", dashboard_address=None
        )
        with cluster, distributed.Client(cluster) as client:
            start = time.perf_counter()
            da.to_zarr(source, str(folder / "in.zarr"))
            written = time.perf_counter() - start
            pids = client.run(os.getpid)
            k = convpool.kernels.parse("gaussian:size=5,sigma=1.5")
            stack = da.from_zarr(str(folder / "in.zarr"))
            start = time.perf_counter()
            da.to_zarr(convpool.convolve_grayscale(stack, k), str(folder / "out.zarr"))
            took = time.perf_counter() - start
            same = client.run(os.getpid) == pids
        out = zarr.open_array(str(folder / "out.zarr"), mode="r")
        inp = zarr.open_array(str(folder / "in.zarr"), mode="r")
        picks = np.random.default_rng(2).choice(n, 4, replace=False)
        error = max(float(np.abs(out[i] - convpool.convolve_grayscale(inp[i : i + 1], k)[0]).max()) for i in picks)
        note = f"workers kept their PIDs: {same}; max error on 4 sampled images {error:.1e}"
        note += f"; input written in {written:.1f} s"
        times = gib * 1024 / (2 * worker_mib)
        label = f"{n}x512x512 float32 Zarr ({gib:g} GiB, chunks of {per_chunk} images) on 2 workers x {worker_mib} MiB"
        label += f" ({times:.0f}x their memory)"
        return [f"| {label} | | {took:.1f} | | | {note} |"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _pattern(first: int, shape) -> np.ndarray:
    n = np.arange(first, first + shape[0], dtype=np.float32)[:, None, None]
    i = np.arange(shape[1], dtype=np.float32)[None, :, None]
    j = np.arange(shape[2], dtype=np.float32)[None, None, :]
    return np.sin(0.01 * (i + 3 * n)) * np.cos(0.02 * j)


def graph_sizes() -> list[str]:
    rows = []
    k = np.ones((3, 3))
    for n in (10**5, 10**6):
        for per in (1000, 100):
            images = da.zeros((n, 28, 28), chunks=(per, 28, 28), dtype=np.float32)
            start = time.perf_counter()
            lazy = convpool.convolve_grayscale(images, k)
            built = time.perf_counter() - start
            start = time.perf_counter()
            tasks = len(dict(lazy.__dask_graph__()))
            counted = time.perf_counter() - start
            rows.append(
                f"| {n:.0e} images, chunks of {per} | | {built * 1e3:.1f} ms | | | "
                f"{tasks} tasks ({lazy.npartitions} output blocks), materialised in {counted:.2f} s |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-gib", type=float, default=1.0)
    parser.add_argument("--big-gib", type=float, default=2.0)
    parser.add_argument("--worker-mib", type=int, default=256)
    parser.add_argument("--big-chunk", type=int, default=16, help="images per chunk of the Zarr stack")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["overhead", "dask-image", "big", "graph"])
    args = parser.parse_args()
    dask.config.set(scheduler="threads")
    print(f"# convpool {convpool.__version__}, dask {dask.__version__}, {os.cpu_count()} cores")
    print("| case | peer s (median) | convpool on Dask s (median) | ratio of medians | ratio of fastest | notes |")
    print("|---|---|---|---|---|---|")
    parts = {
        "overhead": lambda: overhead(args.stack_gib, args.repeat),
        "dask-image": lambda: against_dask_image(args.repeat),
        "big": lambda: bigger_than_memory(args.big_gib, args.worker_mib, args.big_chunk),
        "graph": graph_sizes,
    }
    for name, part in parts.items():
        if name not in args.skip:
            for line in part():
                print(line, flush=True)


if __name__ == "__main__":
    main()
