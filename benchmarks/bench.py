"""Side-by-side benchmark of convpool against its peers; see docs/performance.md.

Usage::

    python benchmarks/bench.py            # full-size workloads (make bench)
    python benchmarks/bench.py --quick    # 8x smaller batches (make bench-quick)
    python benchmarks/bench.py --only S0 L2

For each workload every candidate first runs once and must agree with
convpool (else the run stops), then all candidates are timed interleaved,
``--repeats`` rounds, and the median is kept (slow naive loops run once). In
each round a library is called twice in a row and the second call is timed:
the first absorbs the spinning OpenMP/BLAS threads of the library before it.

Floors (gray rows) are this machine's limits, measured in the same run: the
copy floor reads the input and writes the output once at the bandwidth of
``np.copyto`` into a preallocated array; L1's is NumPy's sgemm of the layer's
flops (its GFLOP/s is printed). The exercise's workloads must take at most
``workloads.FLOOR_TARGET`` times their copy floor.
Peak memory is measured in a separate call under ``tracemalloc`` (it sees
NumPy's allocations, not PyTorch's or OpenCV's) and reported beyond the
result's own size. Writes ``benchmarks/results/bench.json`` and ``bench.png``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import HAVE_TORCH, all_workloads  # noqa: E402

RESULTS = HERE / "results"
MIB = 1024 * 1024


def set_threads(n: int) -> None:
    """Every library on the same footing: ``n`` threads."""
    os.environ.setdefault("CONVPOOL_NUM_THREADS", str(n))
    if HAVE_TORCH:
        import torch

        torch.set_num_threads(n)
    try:
        import cv2

        cv2.setNumThreads(n)
    except ImportError:
        pass


def _result_bytes(result) -> int:
    return int(getattr(result, "nbytes", 0) or 0)


def peak_extra(run, prepared) -> float | None:
    """Peak traced allocation beyond the result, MiB (None if nothing was traced: not NumPy's memory)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = run(prepared)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    extra = (peak - _result_bytes(result)) / MIB
    if isinstance(result, np.ndarray) and peak < 0.5 * result.nbytes:
        return None  # result not allocated by NumPy (a torch tensor view): tracemalloc is blind here
    return max(extra, 0.0)


def check(workload, reference, cand, result) -> None:
    got = np.asarray(cand.to_common(result), dtype=np.float64)
    if got.shape != reference.shape or not np.allclose(got, reference, rtol=workload.rtol, atol=workload.atol):
        diff = np.abs(got - reference).max() if got.shape == reference.shape else f"shape {got.shape}"
        raise SystemExit(f"{workload.name}: {cand.name} disagrees with convpool ({diff})")


def run_workload(workload, repeats: int, skip_slow: bool = False) -> dict:
    if skip_slow:  # the naive loops and einsum idioms that run once take most of a full run's time
        workload.candidates = [c for c in workload.candidates if not c.once]
    prepared = {c.name: c.prepare() for c in workload.candidates}
    times: dict[str, list[float]] = {c.name: [] for c in workload.candidates}
    reference = None
    for cand in workload.candidates:  # agreement first; this call is also the warm-up
        start = time.perf_counter()
        result = cand.run(prepared[cand.name])
        elapsed = time.perf_counter() - start
        if cand.once:
            times[cand.name].append(elapsed)
        if cand.floor:
            continue
        if reference is None:
            reference = np.asarray(cand.to_common(result), dtype=np.float64)
        else:
            check(workload, reference, cand, result)
        del result
    for _ in range(repeats):
        for cand in workload.candidates:
            if cand.once:
                continue
            gc.collect()
            cand.run(prepared[cand.name])  # the first call after another library's absorbs its threads
            start = time.perf_counter()
            cand.run(prepared[cand.name])
            times[cand.name].append((time.perf_counter() - start) * cand.scale)
    rows = []
    for cand in workload.candidates:
        memory = None if cand.once else peak_extra(cand.run, prepared[cand.name])
        rows.append(
            {
                "candidate": cand.name,
                "median_s": statistics.median(times[cand.name]),
                "runs": len(times[cand.name]),
                "peak_extra_mib": memory,
                "floor": cand.floor,
            }
        )
    peers = [r for r in rows if r["candidate"] != "convpool" and not r["floor"]]
    fastest = min(peers, key=lambda r: r["median_s"]) if peers else None
    for r in rows:
        r["ratio"] = r["median_s"] / fastest["median_s"] if fastest else None
    mine = rows[0]
    floors = [r for r in rows if r["floor"]]
    floor_ratio = mine["median_s"] / floors[0]["median_s"] if floors else None
    return {
        "floor_ratio": floor_ratio,  # convpool over the machine's limit (copy or sgemm)
        "floor_kind": floors[0]["candidate"] if floors else None,
        "floor_target": workload.floor_target,  # None: the limit is shown, not a target
        "gflops": workload.flops / floors[0]["median_s"] / 1e9 if floors and workload.flops else None,
        "workload": workload.name,
        "label": workload.label,
        "target": workload.target,
        "fastest_peer": fastest["candidate"] if fastest else None,
        "ratio": mine["ratio"],
        "meets_target": mine["ratio"] is not None and mine["ratio"] <= workload.target,
        "rows": rows,
    }


def print_report(report: dict) -> None:
    print(f"\n{report['workload']}: {report['label']}  (target <= {report['target']:.1f}x fastest peer)")
    print(f"  {'candidate':<26}{'median':>11}{'ratio':>9}{'peak extra':>13}")
    for r in report["rows"]:
        mem = "n/a" if r["peak_extra_mib"] is None else f"{r['peak_extra_mib']:.1f} MiB"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        note = " (1 run)" if r["runs"] == 1 else (" (floor)" if r["floor"] else "")
        print(f"  {r['candidate']:<26}{r['median_s'] * 1e3:>9.1f}ms{ratio:>9}{mem:>13}{note}")
    verdict = "meets" if report["meets_target"] else "MISSES"
    print(f"  -> convpool {report['ratio']:.2f}x fastest peer ({report['fastest_peer']}): {verdict} target")
    if report["gflops"] is not None:
        print(f"  -> NumPy's sgemm: {report['gflops']:.0f} GFLOP/s on this layer's flops")
    if report["floor_ratio"] is not None:
        target = report["floor_target"]
        verdict = "(no target)"
        if target is not None:
            verdict = ("meets" if report["floor_ratio"] <= target else "MISSES") + f" target (<= {target:.0f}x)"
        print(f"  -> convpool {report['floor_ratio']:.2f}x the {report['floor_kind']}: {verdict}")


def chart(reports: list[dict], path: Path) -> None:
    """Left: convpool's ratio to the fastest peer per workload, with its target. Right: every median."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sum(len(r["rows"]) for r in reports)
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 0.16 * rows + 1.5), width_ratios=(1, 2))
    names = [r["workload"] for r in reports]
    ratios = [r["ratio"] for r in reports]
    colors = ["tab:green" if r["meets_target"] else "tab:red" for r in reports]
    left.barh(range(len(names)), ratios, color=colors)
    left.scatter([r["target"] for r in reports], range(len(names)), marker="|", s=200, color="black", label="target")
    left.axvline(1.0, color="gray", lw=0.8)
    left.set_yticks(range(len(names)), names, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("convpool time / fastest peer's (green: meets target)")
    left.legend(fontsize=8)
    labels, values, bar_colors = [], [], []
    for report in reports:
        for r in report["rows"]:
            labels.append(f"{report['workload']} {r['candidate']}")
            values.append(r["median_s"])
            bar_colors.append("tab:red" if r["candidate"] == "convpool" else ("tab:gray" if r["floor"] else "tab:blue"))
    right.barh(range(len(values)), values, color=bar_colors)
    right.set_yticks(range(len(values)), labels, fontsize=6)
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_xlabel("median time (s, log scale); red: convpool, gray: copy floor")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8x smaller batches")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per candidate (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    parser.add_argument("--only", nargs="*", help="workload name prefixes to run")
    parser.add_argument("--skip-slow", action="store_true", help="leave out the peers that run once (naive loops)")
    parser.add_argument("--output", default=str(RESULTS / "bench.json"))
    args = parser.parse_args(argv)
    set_threads(args.threads)
    reports = []
    for workload in all_workloads(args.quick):
        if args.only and not any(workload.name.startswith(p) for p in args.only):
            continue
        report = run_workload(workload, args.repeats, args.skip_slow)
        print_report(report)
        reports.append(report)
        gc.collect()
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"quick": args.quick, "threads": args.threads, "repeats": args.repeats, "numpy": np.__version__}
    meta["skip_slow"] = args.skip_slow
    meta.update(machine=platform.machine(), cpus=os.cpu_count(), python=platform.python_version())
    out.write_text(json.dumps({"meta": meta, "workloads": reports}, indent=1))
    chart(reports, out.with_suffix(".png"))
    print(f"\nwrote {out} and {out.with_suffix('.png')}")
    missed = [r["workload"] for r in reports if not r["meets_target"]]
    missed += [
        f"{r['workload']} ({r['floor_kind']})"
        for r in reports
        if r["floor_target"] is not None and r["floor_ratio"] > r["floor_target"]
    ]
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
