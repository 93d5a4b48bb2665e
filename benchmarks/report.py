"""Print ``benchmarks/results/bench.json`` as a Markdown table (for docs/performance.md).

Usage: ``python benchmarks/report.py [path/to/bench.json]``.
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


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT
    print(markdown(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
