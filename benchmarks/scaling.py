"""Scaling sweep: time against batch size, image size and kernel size, convpool beside PyTorch.

Usage: ``python benchmarks/scaling.py [--quick]``. Prints each series with its
log-log slope (1.0 means cost linear in that size) and writes
``benchmarks/results/scaling.json`` and ``scaling.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

import convpool

RESULTS = Path(__file__).resolve().parent / "results"


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def series(points, make, repeats: int, torch_mod) -> dict:
    """Time convpool and torch (interleaved) at each point; ``make(p)`` gives images and kernel."""
    rows = []
    conv2d = torch_mod.nn.functional.conv2d if torch_mod is not None else None
    for p in points:
        x, k = make(p)
        mine = median_time(lambda x=x, k=k: convpool.convolve_grayscale_same(x, k), repeats)
        row = {"x": p, "convpool": mine}
        if torch_mod is not None:
            xt, kt = torch_mod.from_numpy(x)[:, None], torch_mod.from_numpy(k)[None, None]
            pad = (k.shape[0] // 2, k.shape[1] // 2)
            row["torch"] = median_time(lambda a=(xt, kt, pad): conv2d(a[0], a[1], padding=a[2]), repeats)
        rows.append(row)
    return rows


def slope(rows, key: str, xs) -> float:
    return float(np.polyfit(np.log(xs), np.log([r[key] for r in rows]), 1)[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("CONVPOOL_NUM_THREADS", str(args.threads))
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    q = 4 if args.quick else 1
    repeats = 3 if args.quick else 5
    spec = np.array([[1, 0, -1]] * 3, np.float32)
    sweeps = {
        "batch (28x28 images, 3x3)": (
            [1000 // q, 4000 // q, 16000 // q, 64000 // q],
            lambda n: (rng.random((n, 28, 28), dtype=np.float32), spec),
            lambda n: n,
        ),
        "image side (64 images, 3x3)": (
            [32, 64, 128, 256, 512] if not args.quick else [32, 64, 128, 256],
            lambda s: (rng.random((64 // q, s, s), dtype=np.float32), spec),
            lambda s: s * s,
        ),
        "kernel side (16 x 256x256, random)": (
            [3, 5, 9, 15, 25],
            lambda k: (rng.random((16 // q, 256, 256), dtype=np.float32), rng.random((k, k), dtype=np.float32)),
            lambda k: k * k,
        ),
    }
    report = {}
    for name, (points, make, size) in sweeps.items():
        rows = series(points, make, repeats, torch)
        xs = [size(p) for p in points]
        fit = {key: slope(rows, key, xs) for key in rows[0] if key != "x"}
        report[name] = {"rows": rows, "sizes": xs, "loglog_slope": fit}
        print(f"\n{name}: log-log slope " + ", ".join(f"{k} {v:.2f}" for k, v in fit.items()))
        for r in rows:
            print("  " + f"{r['x']:>6}  " + "  ".join(f"{k} {r[k] * 1e3:9.2f}ms" for k in r if k != "x"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scaling.json").write_text(json.dumps(report, indent=1))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(report), figsize=(5 * len(report), 4))
    for ax, (name, data) in zip(axes, report.items(), strict=True):
        for key in data["loglog_slope"]:
            ax.loglog(
                data["sizes"],
                [r[key] for r in data["rows"]],
                "o-",
                label=f"{key} (slope {data['loglog_slope'][key]:.2f})",
            )
        sizes = np.array(data["sizes"], float)
        first = data["rows"][0]["convpool"]
        ax.loglog(sizes, first * sizes / sizes[0], "k:", lw=0.8, label="linear (slope 1)")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("size (batch, pixels or kernel taps)")
        ax.set_ylabel("median time (s)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "scaling.png", dpi=110)
    print(f"\nwrote {RESULTS / 'scaling.json'} and {RESULTS / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
