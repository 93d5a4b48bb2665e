"""Peak memory of one big image beyond its input and output, each case in a fresh process.

Usage::

    python benchmarks/bench_memory.py                 # the targets, method 'auto' (make bench-memory)
    python benchmarks/bench_memory.py --methods auto direct gemm fft
    python benchmarks/bench_memory.py --only gray

Each case runs in its own ``python -c`` subprocess (a fresh allocator and
fresh thread scratch), which builds the input, then calls convpool once
under :mod:`tracemalloc`. NumPy reports every array allocation to
tracemalloc, so ``traced peak - input - output`` is the working memory the
call allocated (its scratch buffers, padded copies, tiles and transforms).
The peak RSS growth over the call (``VmHWM`` after, reset through
``/proc/self/clear_refs`` just before the call, minus ``VmRSS`` before) is
shown too, minus the output (Linux only): it also counts BLAS and FFT workspaces that
tracemalloc does not see, and allocator slack. The target is
:data:`TARGET_MIB` beyond input and output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TARGET_MIB = 64

#: name -> (images shape, dtype, call); kernels are float32 so the output is float32.
CASES = {
    "gray f32 (1,4000,6000) 3x3 same": ((1, 4000, 6000), "float32", "conv", 3),
    "gray f32 (1,4000,6000) 15x15 same": ((1, 4000, 6000), "float32", "conv", 15),
    "rgb u8 (1,8000,8000,3) 3x3 same": ((1, 8000, 8000, 3), "uint8", "conv", 3),
    "rgb u8 (1,8000,8000,3) 15x15 same": ((1, 8000, 8000, 3), "uint8", "conv", 15),
    "gray f32 (1,4000,6000) max 3x3/2": ((1, 4000, 6000), "float32", "pool", 3),
    "rgb u8 (1,8000,8000,3) max 3x3/2": ((1, 8000, 8000, 3), "uint8", "pool", 3),
}

# Run in the child: builds the input, measures one call, prints a JSON line.
CHILD = r"""
import json, sys, time, tracemalloc
import numpy as np
import convpool
shape, dtype, kind, k, method = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
x = (rng.random(shape, dtype=np.float32) * 255).astype(dtype)
if len(shape) == 3:
    x = x[..., None]
def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))
if kind == "conv":
    g = np.exp(-0.5 * ((np.arange(k) - k // 2) / (k / 4)) ** 2)
    kern = (np.outer(g, g) + 0.01 * rng.random((k, k))).astype(np.float32)  # not rank 1
    kern = np.repeat(kern[:, :, None], x.shape[3], axis=2)
    call = lambda: convpool.convolve_channels(x, kern, "same", method=method)
else:
    call = lambda: convpool.pool(x, 3, 2, "max")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak RSS (VmHWM) to the current RSS
before = status("VmRSS:")
tracemalloc.start()
start = time.perf_counter()
out = call()
seconds = time.perf_counter() - start
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
maxrss = status("VmHWM:")
print(json.dumps({"traced": peak - out.nbytes, "rss": maxrss - before - out.nbytes,
                  "input": x.nbytes, "output": out.nbytes, "seconds": seconds}))
"""


def run_case(shape, dtype, kind, k, method) -> dict:
    """One case in a fresh interpreter; returns bytes measured (see the module docstring)."""
    arg = json.dumps([list(shape), dtype, kind, k, method])
    done = subprocess.run([sys.executable, "-c", CHILD, arg], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"rc {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="*", default=["auto"], help="convolution methods (default: auto)")
    parser.add_argument("--only", nargs="*", help="case name substrings to run")
    args = parser.parse_args(argv)
    mib = 1024 * 1024
    print(f"target: at most {TARGET_MIB} MiB beyond input and output (tracemalloc: NumPy's allocations)")
    print(f"{'case':38} {'method':7} {'input':>7} {'output':>7} {'traced':>8} {'RSS':>8} {'time s':>7}  ok")
    failed = 0
    for name, (shape, dtype, kind, k) in CASES.items():
        if args.only and not any(s in name for s in args.only):
            continue
        for method in args.methods if kind == "conv" else ["-"]:
            r = run_case(shape, dtype, kind, k, method if kind == "conv" else "auto")
            if "error" in r:
                print(f"{name:38} {method:7} error: {r['error']}")
                failed += 1
                continue
            ok = r["traced"] <= TARGET_MIB * mib
            failed += not ok
            print(
                f"{name:38} {method:7} {r['input'] / mib:7.0f} {r['output'] / mib:7.0f} "
                f"{r['traced'] / mib:8.1f} {r['rss'] / mib:8.1f} {r['seconds']:7.2f}  {'yes' if ok else 'NO'}"
            )
    print("MiB; traced and RSS are beyond input and output; time: the one call, under tracemalloc")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
