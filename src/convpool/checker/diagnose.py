"""Compare a student's results with convpool's and say what went wrong.

A case fails on a different shape, an integer result where convpool's is
floating, or different values. The first failing case is the one shown
(the battery runs smallest first). A mistake is named only when the
corresponding wrong computation (:mod:`.mistakes`) reproduces the student's
result on every case where it applies, and explains the first failure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exercise import Task
from . import explain, openpoints
from .cases import Case, call_text
from .findings import Diagnosis, Outcome, Run, Verdict
from .mistakes import SAME_RULE, Candidate
from .mistakes_more import candidates

#: Outcomes of a call that are failures in themselves, and their diagnosis ids.
_OUTCOME_IDS = {
    "timeout": "timeout",
    "crashed": "crashed",
    "memory": "out-of-memory",
    "raised": "raised",
    "not-array": "not-an-array",
    "not-numeric": "not-an-array",
    "tampered": "tampered",
    "too-big": "too-big",
}


def close(received: np.ndarray, expected: np.ndarray) -> bool:
    """Same shape and values to within float32 rounding of the largest magnitude."""
    if received.shape != expected.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    received = received.astype(np.float64)
    return bool(np.allclose(received, expected, rtol=1e-5, atol=1e-5 * scale))


def mismatch(expected: np.ndarray, outcome: Outcome) -> str:
    """Why a call's result is wrong ('' when it is right)."""
    if outcome.status != "ok":
        return outcome.status
    received = outcome.output
    if received is None:
        return "too big to compare"
    if received.shape != expected.shape:
        return "shape"
    if expected.dtype.kind == "f" and received.dtype.kind != "f":
        return "dtype"
    return "" if close(received, expected) else "values"


def _matches(
    task: Task, cases: list[Case], expecteds: list, outcomes: list[Outcome], candidate: Candidate, first: int
) -> bool:
    """Whether ``candidate`` reproduces every returned result and explains case ``first``."""
    for i, (case, exp, outcome) in enumerate(zip(cases, expecteds, outcomes, strict=False)):
        if outcome.status != "ok" or outcome.output is None:
            continue
        predicted = candidate.predict(task, case, exp, outcome.output)
        if predicted is None:
            if i == first:
                return False
            continue
        if not close(outcome.output, predicted):
            return False
        if i == first and not mismatch(exp, Outcome("ok", output=predicted)):
            return False  # right where the student is wrong: not this mistake
    return True


def recognise(
    task: Task, cases: list[Case], expecteds: list, outcomes: list[Outcome], first: int, rule: Any = None
) -> Diagnosis:
    """The first known mistake that reproduces the student's results, or 'unrecognised'.

    ``rule``: the reading of 'same' (an :class:`.openpoints.Choice`) the mistakes are computed under.
    """
    token = SAME_RULE.set(rule)
    try:
        found = [c for c in candidates(task) if _matches(task, cases, expecteds, outcomes, c, first)]
    finally:
        SAME_RULE.reset(token)
    if not found:
        return explain.diagnosis("unrecognised", task, cases[first], expecteds[first], outcomes[first])
    best = found[0]
    diagnosis = explain.diagnosis(best.id, task, cases[first], expecteds[first], outcomes[first], best.variant)
    diagnosis.also = [c.id for c in found[1:] if c.id != best.id]
    diagnosis.variant = best.variant
    return diagnosis


def _modified(task: Task, cases: list[Case], outcomes: list[Outcome]) -> Diagnosis | None:
    for case, outcome in zip(cases, outcomes, strict=False):
        if outcome.modified:
            return explain.modified(task, case, outcome.modified)
    return None


def _reasons(expecteds: list, outcomes: list[Outcome]) -> list[str]:
    """Per case: why it fails ('' when it passes); a result that is right but changed an input fails too."""
    reasons = [mismatch(exp, out) for exp, out in zip(expecteds, outcomes, strict=False)]
    return [r or ("modified" if out.modified else "") for r, out in zip(reasons, outcomes, strict=True)]


def _crash(task: Task, cases: list[Case], expecteds: list, outcomes: list[Outcome], first: int) -> Diagnosis | None:
    """A call that raised or died after the first failure: always reported, with its case, its exception and line."""
    for i, outcome in enumerate(outcomes):
        if i > first and outcome.status in _OUTCOME_IDS:
            found = explain.diagnosis(_OUTCOME_IDS[outcome.status], task, cases[i], expecteds[i], outcome)
            found.detail = f"on case {i + 1} ({cases[i].label}), {call_text(task, cases[i])}:\n{found.detail}"
            return found
    return None


def _under_other_reading(task: Task, cases: list[Case], outcomes: list[Outcome], found: tuple) -> tuple:
    """``found`` = ``(expecteds, notes, reasons, first, diagnosis)`` under convpool's reading, its diagnosis
    'unrecognised'; the same under the first other reading of 'same' that names the mistake, or ``found``."""
    for rule, judged, notes in openpoints.alternatives(task, cases, found[0], close):
        reasons = _reasons(judged, outcomes)
        first = next((i for i, r in enumerate(reasons) if r), None)
        if first is None or outcomes[first].status in _OUTCOME_IDS or reasons[first] == "modified":
            continue
        mistake = recognise(task, cases, judged, outcomes, first, rule)
        if mistake.id != "unrecognised":
            return judged, notes, reasons, first, mistake
    return found


def judge(task: Task, cases: list[Case], expecteds: list[np.ndarray], run: Run) -> Verdict:
    """The verdict on one task's run (the import already succeeded).

    Where the spec allows two answers (:mod:`.openpoints`) and the file follows
    one of them on every case, its results are judged against that one.
    """
    outcomes = run.outcomes
    expecteds, notes, rule = openpoints.choose(task, cases, expecteds, outcomes, close)
    reasons = _reasons(expecteds, outcomes)
    if len(outcomes) < len(cases) and all(not r for r in reasons):
        reasons.append("crashed")  # the child stopped without saying why
        outcomes = [*outcomes, Outcome("crashed", "the run stopped")]
    first = next((i for i, r in enumerate(reasons) if r), None)
    mistake = None
    if first is not None and outcomes[first].status not in _OUTCOME_IDS and reasons[first] != "modified":
        mistake = recognise(task, cases, expecteds, outcomes, first, rule)
        if mistake.id == "unrecognised" and rule is None:  # another mistake made under the other reading?
            found = (expecteds, notes, reasons, first, mistake)
            expecteds, notes, reasons, first, mistake = _under_other_reading(task, cases, outcomes, found)
    verdict = Verdict(len(cases), sum(1 for r in reasons if not r), notes=notes, expecteds=expecteds)
    if first is not None:
        verdict.failure, verdict.reason = first, reasons[first]
        outcome = outcomes[first]
        if outcome.status in _OUTCOME_IDS:
            key = _OUTCOME_IDS[outcome.status]
            verdict.diagnoses.append(explain.diagnosis(key, task, cases[first], expecteds[first], outcome))
        elif mistake is not None:
            verdict.diagnoses.append(mistake)
        crash = None if outcome.status in _OUTCOME_IDS else _crash(task, cases, expecteds, outcomes, first)
        if crash is not None:
            verdict.diagnoses.append(crash)
    modified = _modified(task, cases, outcomes)
    if modified is not None:
        verdict.diagnoses.append(modified)
    return verdict
