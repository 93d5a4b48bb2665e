"""Open points of the spec: where its text and printed shapes allow two answers, both pass, with a note.

The spec's 'same' fixes the output size (``ceil(h / sh)``) but not two things:

* which side gets the odd padding row or column of an even kernel (task 1's
  printed shapes only use a 3x3 kernel);
* with a stride above 1 (tasks 3-5), the total padding: what the last window
  needs (``P = max((ceil(h / sh) - 1) * sh + kh - h, 0)``, TensorFlow's, convpool's)
  or the stride-1 amount (``P = kh - 1``) before taking every ``sh``-th window.

A file that follows one consistent choice on *every* 'same' case of the
battery (where it returns floats: an integer result has a mistake of its own)
is judged against that choice's results; the report names the choice
in a note. The paddings come from :mod:`convpool.conventions`
(TensorFlow's is convpool's own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..exercise import Task
from .cases import Case
from .findings import Diagnosis
from .mistakes import _conv, general

#: The Learn page that lays out every 'same' convention side by side.
LEARN = 'docs/learn/plot_10_many_sames.py (Learn: The many "same"s)'


@dataclass(frozen=True)
class Choice:
    """One reading of 'same': the total padding (``tf`` or ``stride-one``) and the side of the odd cell."""

    total: str
    side: str

    def pads(self, n: int, k: int, s: int) -> tuple[int, int]:
        from convpool.conventions import convention_padding

        if self.total == "tf":
            before, after = convention_padding("tf", n, k, s)
            odd_before = self.side == "before"
            return (after, before) if odd_before else (before, after)
        return convention_padding("scipy" if self.side == "before" else "scipy2d", n, k, s)


#: convpool's reading first: a file is judged against another only when convpool's does not fit it.
CHOICES = (Choice("tf", "after"), Choice("tf", "before"), Choice("stride-one", "after"), Choice("stride-one", "before"))

_NOTES = {
    "convention-same-side": (
        "convention: the odd 'same' padding row (column) of an even kernel goes at the top (left)",
        "the spec does not say which side gets it; your file puts it before (top = P - P // 2); convpool, "
        "TensorFlow/Keras, PyTorch (padding='same') and SciPy's correlate2d put it after (top = P // 2); "
        "both pass",
    ),
    "convention-same-stride": (
        "convention: 'same' with a stride above 1 pads as at stride 1 (P = kh - 1)",
        "the spec fixes the output size, ceil(h / sh), not the padding; your file pads kh - 1 in all and takes "
        "every sh-th window; convpool and TensorFlow/Keras pad only what the last window needs, "
        "P = max((ceil(h / sh) - 1) * sh + kh - h, 0); PyTorch refuses padding='same' with a stride; SciPy has "
        "no stride; both pass",
    ),
}


def _applies(task: Task) -> bool:
    return task.number in (1, 3, 4, 5)


def predict(task: Task, case: Case, choice: Choice) -> np.ndarray | None:
    """The result of ``case`` under ``choice`` (None where the case is not 'same')."""
    g = general(task, case)
    if not isinstance(g.padding, str) or g.padding != "same":
        return None
    return _conv(task, g, tuple(choice.pads(n, k, s) for n, k, s in g.sizes))


def choose(task: Task, cases: list[Case], expecteds: list, outcomes: list, close: Callable[..., bool]) -> tuple:
    """``(expected results, notes, choice)`` to judge against: convpool's (choice None), or the one choice the
    file follows.

    ``close(received, expected)`` says whether two results agree.
    """
    if not _applies(task):
        return expecteds, [], None
    # an integer result where convpool's is floating has a mistake of its own: it does not decide the choice
    ok = [
        (i, o.output)
        for i, o in enumerate(outcomes)
        if o.status == "ok" and o.output is not None and (o.output.dtype.kind == "f" or expecteds[i].dtype.kind != "f")
    ]
    for choice in CHOICES:
        predicted = {i: predict(task, cases[i], choice) for i, _ in ok}
        predicted = {i: p for i, p in predicted.items() if p is not None}
        if not predicted or not all(close(out, predicted[i]) for i, out in ok if i in predicted):
            continue
        differs = [i for i, p in predicted.items() if not close(p, expecteds[i])]
        if choice == CHOICES[0] or not differs:
            return expecteds, [], None
        judged = [predicted.get(i, e) for i, e in enumerate(expecteds)]
        return judged, _notes(task, cases, choice, predicted, close), choice
    return expecteds, [], None


def alternatives(
    task: Task, cases: list[Case], expecteds: list, close: Callable[..., bool]
) -> Iterator[tuple[Choice, list, list[Diagnosis]]]:
    """Each other reading that changes some case: ``(choice, its expected results, its notes)``."""
    if not _applies(task):
        return
    for choice in CHOICES[1:]:
        predicted = {i: predict(task, case, choice) for i, case in enumerate(cases)}
        predicted = {i: p for i, p in predicted.items() if p is not None}
        if any(not close(p, expecteds[i]) for i, p in predicted.items()):
            judged = [predicted.get(i, e) for i, e in enumerate(expecteds)]
            yield choice, judged, _notes(task, cases, choice, predicted, close)


def _notes(
    task: Task, cases: list[Case], choice: Choice, predicted: dict, close: Callable[..., bool]
) -> list[Diagnosis]:
    """A note per open point the file decided the other way, with the first case where that shows."""
    notes = []
    for key, other in (
        ("convention-same-side", Choice(choice.total, "after")),
        ("convention-same-stride", Choice("tf", choice.side)),
    ):
        shows = [i for i, p in predicted.items() if other != choice and not close(p, predict(task, cases[i], other))]
        if shows:
            detail = f"{_NOTES[key][1]} (first seen on: {cases[min(shows)].label})"
            notes.append(Diagnosis(key, _NOTES[key][0], detail, f"see {LEARN}"))
    return notes
