"""Signals and volumes: convpool against PyTorch (torch==2.13.0) and scipy.ndimage, and its memory on a big volume.

Usage::

    python benchmarks/bench_nd.py                  # every row and the memory case (make bench-nd)
    python benchmarks/bench_nd.py --repeats 3      # fewer rounds
    python benchmarks/bench_nd.py --no-memory      # skip the 1 GiB volume

The issue's targets (issue 26), printed beside each row and never asserted:

* a 3x3x3 convolution and a 5x5x5 Gaussian of a ``(1, 64, 256, 256, 1)``
  float32 volume, and its 2x2x2 max pooling: at most 1.0x the fastest of
  PyTorch's ``conv3d`` / ``max_pool3d`` and ``scipy.ndimage``;
* a 1-D convolution of ``(256, 16000, 1)`` signals with a 101-tap kernel: at
  most 1.0x PyTorch's ``conv1d``;
* at most 64 MiB beyond input and output for a 3x3x3 convolution of a
  ``(1, 256, 1024, 1024)`` float32 volume (tracemalloc, in a fresh process).

Candidates run interleaved (the order reversed every round) after one warm-up
call each; medians are shown, and ``ratio`` is convpool's median over the
fastest peer's. Every library runs with its own default threads (printed).
Each peer's result is checked against convpool's before timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

import convpool
from convpool import kernels
from convpool._backends.numpy import default_threads

MIB = 1024 * 1024
MEMORY_TARGET_MIB = 64


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError:
        return None
    return ndimage


def rows(rng):
    """``(name, target, {candidate: function})``: convpool first, then its peers."""
    torch, ndimage = _torch(), _ndimage()
    volume = rng.random((1, 64, 256, 256, 1), dtype=np.float32)
    box = rng.standard_normal((3, 3, 3, 1, 1)).astype(np.float32)
    gauss = kernels.gaussian(5, 1.0, ndim=3).astype(np.float32)
    signals = rng.standard_normal((256, 16000, 1)).astype(np.float32)
    taps = rng.standard_normal((101, 1, 1)).astype(np.float32)
    table = [
        ("conv 3x3x3 same (1,64,256,256,1)", "<= 1.0x fastest", {"convpool": lambda: convpool.convolve(volume, box)}),
        ("gaussian 5x5x5 same", "<= 1.0x fastest", {"convpool": lambda: kernels.apply(volume, gauss)}),
        ("max pool 2x2x2 / 2", "<= 1.0x fastest", {"convpool": lambda: convpool.pool(volume, (2, 2, 2), 2)}),
        (
            "conv1d 101 taps (256,16000,1) valid",
            "<= 1.0x conv1d",
            {"convpool": lambda: convpool.convolve(signals, taps, "valid")},
        ),
    ]
    if torch is not None:
        tv = torch.from_numpy(np.moveaxis(volume, -1, 1).copy())
        tk = torch.from_numpy(box.transpose(4, 3, 0, 1, 2).copy())
        tg = torch.from_numpy(gauss[None, None].copy())
        ts = torch.from_numpy(np.moveaxis(signals, -1, 1).copy())
        tt = torch.from_numpy(taps.transpose(2, 1, 0).copy())
        f = torch.nn.functional
        table[0][2]["torch conv3d"] = lambda: f.conv3d(tv, tk, padding=1)
        table[1][2]["torch conv3d"] = lambda: f.conv3d(tv, tg, padding=2)
        table[2][2]["torch max_pool3d"] = lambda: f.max_pool3d(tv, 2, 2)
        table[3][2]["torch conv1d"] = lambda: f.conv1d(ts, tt)
    if ndimage is not None:
        plain = volume[0, ..., 0]
        table[0][2]["scipy correlate"] = lambda: ndimage.correlate(plain, box[..., 0, 0], mode="constant")
        table[1][2]["scipy gaussian_filter"] = lambda: ndimage.gaussian_filter(
            plain, 1.0, truncate=2.0, mode="constant"
        )
        table[2][2]["scipy maximum_filter"] = lambda: ndimage.maximum_filter(plain, 2, origin=-1)[::2, ::2, ::2]
    return table


def as_numpy(value) -> np.ndarray:
    """A result in convpool's layout (channels last, batch first) for the check."""
    if not isinstance(value, np.ndarray):  # a torch tensor (m, c, *spatial)
        return np.moveaxis(value.numpy(), 1, -1)
    return value


def check(name: str, candidates: dict) -> None:
    ours = as_numpy(candidates["convpool"]())
    for peer, run in candidates.items():
        theirs = as_numpy(run())
        theirs = theirs.reshape(ours.shape) if theirs.size == ours.size else theirs
        if theirs.shape != ours.shape or not np.allclose(theirs, ours, rtol=1e-3, atol=1e-3):
            raise AssertionError(f"{name}: {peer} disagrees with convpool")


def timed(candidates: dict, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in candidates}
    order = list(candidates)
    for name in order:
        candidates[name]()  # warm-up
    for round_ in range(repeats):
        for name in order if round_ % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            candidates[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


MEMORY_CHILD = r"""
import json, tracemalloc
import numpy as np
import convpool
x = np.random.default_rng(0).random((1, 256, 1024, 1024, 1), dtype=np.float32)
k = np.random.default_rng(1).standard_normal((3, 3, 3, 1, 1)).astype(np.float32)
tracemalloc.start()
out = convpool.convolve(x, k)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"beyond": peak - out.nbytes, "input": x.nbytes, "output": out.nbytes}))
"""


def memory() -> str:
    done = subprocess.run([sys.executable, "-c", MEMORY_CHILD], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"error: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    r = json.loads(done.stdout.strip().splitlines()[-1])
    beyond = r["beyond"] / MIB
    met = "met" if beyond <= MEMORY_TARGET_MIB else "MISSED"
    return (
        f"3x3x3 same on (1,256,1024,1024,1) float32: {beyond:.1f} MiB beyond input "
        f"({r['input'] / MIB:.0f} MiB) and output ({r['output'] / MIB:.0f} MiB); target <= {MEMORY_TARGET_MIB}: {met}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per row (default 7)")
    parser.add_argument("--no-memory", action="store_true", help="skip the (1, 256, 1024, 1024) memory case")
    args = parser.parse_args(argv)
    torch = _torch()
    threads = default_threads()
    print(f"convpool threads: {threads}; torch threads: {torch.get_num_threads() if torch else '-'}")
    print(f"{'row':38} {'candidate':22} {'median ms':>10} {'ratio':>7}  target")
    for name, target, candidates in rows(np.random.default_rng(0)):
        check(name, candidates)
        medians = timed(candidates, args.repeats)
        peers = [t for peer, t in medians.items() if peer != "convpool"]
        fastest = min(peers) if peers else float("nan")
        for candidate, t in medians.items():
            ratio = f"{t / fastest:6.2f}x" if candidate == "convpool" else ""
            mark = target if candidate == "convpool" else ""
            if candidate == "convpool" and peers:
                mark += " met" if t <= fastest else " MISSED"
            print(f"{name:38} {candidate:22} {t * 1000:10.1f} {ratio:>7}  {mark}")
    if not args.no_memory:
        print("memory:", memory())
    return 0


if __name__ == "__main__":
    sys.exit(main())
