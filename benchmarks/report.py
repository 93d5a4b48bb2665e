"""Print ``benchmarks/results/bench.json`` as a Markdown table (for docs/performance.md).

Usage: ``python benchmarks/report.py [path/to/bench.json ...]``; with several runs, each run's
table and then every target's ratio in each run side by side.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "results" / "bench.json"


def markdown(data: dict) -> str:
    lines = [
        "| workload | convpool | fastest peer | ratio | target | convpool peak extra | every candidate (median ms) |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for w in data["workloads"]:
        rows = {r["candidate"]: r for r in w["rows"]}
        mine = rows["convpool"]
        fastest = rows[w["fastest_peer"]]
        memory = "n/a" if mine["peak_extra_mib"] is None else f"{mine['peak_extra_mib']:.1f} MiB"
        others = ", ".join(f"{name} {r['median_s'] * 1e3:.0f}" for name, r in rows.items() if name != "convpool")
        verdict = "ok" if w["meets_target"] else "**missed**"
        lines.append(
            f"| {w['workload']} | {mine['median_s'] * 1e3:.1f} ms | {w['fastest_peer']} "
            f"{fastest['median_s'] * 1e3:.1f} ms | {w['ratio']:.2f}x | {w['target']:.1f}x {verdict} "
            f"| {memory} | {others} |"
        )
    lines += [
        "",
        "| workload | limit | limit's time | convpool / limit | target |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for w in data["workloads"]:
        if w.get("floor_ratio") is None:
            continue
        floor = next(r for r in w["rows"] if r["floor"])
        kind = w.get("floor_kind", "copy floor")
        if w.get("gflops"):
            kind += f" ({w['gflops']:.0f} GFLOP/s)"
        target = w.get("floor_target")
        verdict = (
            "shown" if target is None else f"{target:.1f}x " + ("ok" if w["floor_ratio"] <= target else "**missed**")
        )
        lines.append(
            f"| {w['workload']} | {kind} | {floor['median_s'] * 1e3:.1f} ms | {w['floor_ratio']:.2f}x | {verdict} |"
        )
    return "\n".join(lines)


def _verdict(ratios: list[float], target: float) -> str:
    met = sum(r <= target for r in ratios)
    return "met" if met == len(ratios) else ("**missed**" if met == 0 else f"met in {met} of {len(ratios)}")


def side_by_side(runs: list[dict]) -> str:
    """Each workload's ratio to the fastest peer, and to its floor, in every run, with the verdict."""
    names = [f"run {i + 1}" for i in range(len(runs))]
    lines = ["| target | " + " | ".join(names) + " | verdict |", "| --- |" + " ---: |" * len(runs) + " --- |"]
    for w in runs[0]["workloads"]:
        same = [next(x for x in run["workloads"] if x["workload"] == w["workload"]) for run in runs]
        ratios = [x["ratio"] for x in same]
        cells = " | ".join(f"{r:.2f}" for r in ratios)
        lines.append(f"| {w['workload']} <= {w['target']:.1f}x peer | {cells} | {_verdict(ratios, w['target'])} |")
        if w.get("floor_ratio") is not None:
            floors = [x["floor_ratio"] for x in same]
            cells = " | ".join(f"{r:.2f}" for r in floors)
            target = w.get("floor_target")
            goal = f"<= {target:.1f}x" if target is not None else "(shown)"
            verdict = _verdict(floors, target) if target is not None else "no target"
            lines.append(f"| {w['workload']} {goal} {w['floor_kind']} | {cells} | {verdict} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or [DEFAULT]
    runs = [json.loads(path.read_text()) for path in paths]
    for path, run in zip(paths, runs, strict=True):
        print(f"{path}:\n\n{markdown(run)}\n")
    if len(runs) > 1:
        print(side_by_side(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
