"""The report: one block per task (PASS / FAIL, the failing case, the diagnosis, rules, timing), or JSON."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exercise import Task
from .cases import Case, call_text
from .diagnose import Verdict, close
from .explain import link
from .rules import Violation
from .timing import TIMING_SECONDS, Timing


@dataclass
class TaskReport:
    """Everything found about one task's file."""

    task: Task
    file: str
    verdict: Verdict
    violations: list[Violation] = field(default_factory=list)
    timing: Timing | None = None
    case: Case | None = None
    expected: np.ndarray | None = None
    received: np.ndarray | None = None
    #: the battery's failing case, when ``case`` is its shrunk form
    shrunk_from: Case | None = None
    #: checked as the reference (convpool's own tasks/, which may import convpool)
    reference: bool = False

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not self.violations


def _matrix(a: np.ndarray, indent: str) -> str:
    text = np.array2string(a, max_line_width=100, threshold=150, edgeitems=3, precision=4, suppress_small=True)
    return indent + text.replace("\n", "\n" + indent)


def _array(a: np.ndarray, indent: str) -> str:
    """A batch written out as 2-D slices: images 0 and 1, channels 0 to 2."""
    if a.ndim <= 2:
        return _matrix(a, indent)
    lines = []
    for n in range(min(len(a), 2)):
        for c in range(min(a.shape[3], 3) if a.ndim == 4 else 1):
            index = f"[{n}, :, :, {c}]" if a.ndim == 4 else f"[{n}]"
            lines += [f"{indent}{index}", _matrix(a[n, :, :, c] if a.ndim == 4 else a[n], indent + "  ")]
    hidden = len(a) > 2 or (a.ndim == 4 and a.shape[3] > 3)
    return "\n".join(lines + ([f"{indent}(the rest not shown)"] if hidden else []))


def _value(v: Any) -> str:
    return f"{v.shape} {v.dtype}" if isinstance(v, np.ndarray) else repr(v)


def _first_bad_image(r: TaskReport) -> int | None:
    """The first image whose result differs: images are computed independently, so it alone is a failing case."""
    exp, got = r.expected, r.received
    if exp is None or got is None or len(exp) < 2 or got.ndim != exp.ndim or len(got) != len(exp):
        return None
    if exp.shape != got.shape:
        return 0  # every image has the wrong size
    for n in range(len(exp)):
        if not close(got[n], exp[n]) or exp.dtype.kind != got.dtype.kind:
            return n
    return None


def _case_lines(r: TaskReport) -> list[str]:
    case, lines = r.case, []
    assert case is not None and r.verdict.failure is not None  # only a failing report has a case
    first = r.shrunk_from or case
    lines.append(f"  first failing case ({r.verdict.failure + 1} of {r.verdict.cases}): {first.label}")
    if r.shrunk_from is not None:
        lines.append(f"    shrunk to the smallest case that still fails: {case.label}")
    lines.append(f"    call: {call_text(r.task, case)}")
    n = _first_bad_image(r) if r.verdict.reason != "modified" else None
    pick = (lambda a: a) if n is None else (lambda a: a[n : n + 1])
    if n is not None:
        lines.append(f"    only image {n} is shown: it fails on its own (each image is computed independently)")
    names = ["images", "kernels" if r.task.kind == "bank" else "kernel"]
    for name, value in zip(names, case.args, strict=False):
        if isinstance(value, np.ndarray) and r.task.kind != "pool" or name == "images":
            shown = pick(value) if name == "images" else value
            lines += [f"    {name} {_value(value)}:", _array(shown, "      ")]
    for label, value in (("expected (convpool)", r.expected), ("received", r.received)):
        if value is not None:
            lines += [f"    {label} {_value(value)}:", _array(pick(value), "      ")]
    return lines


def _wrapped(label: str, text: str) -> list[str]:
    """One clause per line (split at '; '), so that no formula is cut in two."""
    clauses = text.split("; ")
    return [f"    {label}: {clauses[0]}"] + [f"      {c}" for c in clauses[1:]]


def _diagnosis_lines(r: TaskReport) -> list[str]:
    lines = []
    for d in r.verdict.diagnoses:
        lines.append(f"  diagnosis [{d.id}]: {d.title}")
        if "\n" in d.detail:  # a traceback keeps its lines
            lines += ["    what:"] + ["      " + line for line in d.detail.splitlines()]
        elif d.detail:
            lines += _wrapped("what", d.detail)
        lines += _wrapped("fix", d.fix)
        if d.also:
            lines.append(f"    (equally consistent with: {', '.join(d.also)})")
        lines.append(f"    more: {link(d.id)}")
    return lines


def _note_lines(r: TaskReport) -> list[str]:
    """Open points of the spec the file decided one way: not failures, named so that a teacher sees the choice."""
    lines = []
    for n in r.verdict.notes:
        lines.append(f"  note [{n.id}]: {n.title}")
        lines += _wrapped("what", n.detail) + [f"    learn: {n.fix.removeprefix('see ')}"]
    return lines


def _seconds(t: Timing, seconds: float) -> str:
    return f"{seconds:.3f} s" if t.batch == t.spec_batch else f"{seconds:.3f} s -> {t.scaled(seconds):.1f} s"


def _timing_lines(t: Timing | None) -> list[str]:
    if t is None:
        return []
    head = f"  speed (the spec's workload, {t.batch} of its {t.spec_batch} images timed, extrapolated linearly):"
    if t.batch == t.spec_batch:
        head = f"  speed (the spec's workload, all {t.batch} images timed):"
    cp = f"convpool {_seconds(t, t.convpool)}"
    if t.student is None:
        what = f"over {TIMING_SECONDS:.0f} s" if t.timed_out else "not measured (the call failed)"
        return [head, f"    yours {what}; {cp}"]
    return [head, f"    yours {_seconds(t, t.student)}; {cp}; yours takes {t.ratio:.1f}x convpool's time"]


#: Characters a terminal acts on (escape sequences, carriage returns, bells, bidirectional overrides): never printed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    r"""``text`` without the characters a terminal would act on (newlines and tabs stay).

    >>> clean("\x1b[32mPASS\x1b[0m\r")
    '[32mPASS[0m'
    """
    return _CONTROL.sub("", text)


def task_text(r: TaskReport) -> str:
    """One task's block."""
    head = f"{r.file}  {r.task.function}  {'PASS' if r.ok else 'FAIL'}"
    lines = [head]
    v = r.verdict
    if v.failure is None and not v.diagnoses:
        agree = "convpool (or the open point's other answer)" if v.notes else "convpool"
        lines.append(f"  correctness: all {v.cases} cases agree with {agree}")
    else:
        lines.append(f"  correctness: {v.passed} of {v.cases} cases pass (convpool's result, inputs left as they were)")
        if r.case is not None:
            lines += _case_lines(r)
        lines += _diagnosis_lines(r)
    lines += _note_lines(r)
    if r.violations:
        lines.append(f"  rules: {len(r.violations)} broken")
        lines += [f"    {x.file}:{x.line}: [{x.rule}] {x.message}" for x in r.violations]
    else:
        lines.append(f"  rules: ok (at most {r.task.max_loops} loops, numpy only, shebang, executable, docstrings)")
    return "\n".join(lines + _timing_lines(r.timing))


def text(path: str, reports: list[TaskReport], missing: list[str]) -> str:
    """The whole report."""
    blocks = [f"convpool check {path}: {len(reports)} file(s) checked against convpool"]
    if any(r.reference for r in reports):
        blocks[0] += "\n(checked as the reference: convpool's own solutions, which may import convpool)"
    blocks += [task_text(r) for r in reports]
    if missing:
        blocks.append("not found (not checked): " + ", ".join(missing))
    failed = sum(not r.ok for r in reports)
    blocks.append(f"summary: {len(reports) - failed} passed, {failed} failed")
    return clean("\n\n".join(blocks))  # what a student's file wrote (its errors, its names) reaches no terminal


def _jsonable(a: Any) -> Any:
    return None if a is None else {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.tolist()}


def task_json(r: TaskReport) -> dict:
    """One task as plain JSON types."""
    v = r.verdict
    out = {"task": r.task.number, "file": r.file, "function": r.task.function, "status": "pass" if r.ok else "fail"}
    out["cases"], out["cases_passed"] = v.cases, v.passed
    out["diagnoses"] = [
        {"id": d.id, "title": d.title, "detail": d.detail, "fix": d.fix, "also": d.also, "link": link(d.id)}
        for d in v.diagnoses
    ]
    out["notes"] = [{"id": n.id, "title": n.title, "detail": n.detail, "learn": n.fix} for n in v.notes]
    if r.case is not None:
        assert v.failure is not None  # a failing case comes with its number
        out["failing_case"] = {
            "number": v.failure + 1,
            "label": r.case.label,
            "shrunk_from": None if r.shrunk_from is None else r.shrunk_from.label,
            "call": call_text(r.task, r.case),
            "reason": v.reason,
            "expected": _jsonable(r.expected) if r.expected is not None and r.expected.size <= 4096 else None,
            "received": _jsonable(r.received) if r.received is not None and r.received.size <= 4096 else None,
        }
    out["rules"] = [{"file": x.file, "line": x.line, "rule": x.rule, "message": x.message} for x in r.violations]
    if r.timing is not None:
        t = r.timing
        out["timing"] = {
            "batch": t.batch,
            "spec_batch": t.spec_batch,
            "seconds": t.student,
            "convpool_seconds": t.convpool,
        }
    return out


def as_json(path: str, reports: list[TaskReport], missing: list[str]) -> str:
    """The whole report as JSON."""
    doc = {"path": path, "passed": all(r.ok for r in reports), "tasks": [task_json(r) for r in reports]}
    doc["reference"] = any(r.reference for r in reports)
    doc["not_found"] = missing
    return json.dumps(doc, indent=2)
