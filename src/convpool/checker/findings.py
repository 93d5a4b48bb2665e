"""The checker's results as plain data: what a child's run returned, and what was concluded from it.

:class:`Outcome` and :class:`Run` are what :mod:`.sandbox` reads back from the
child; :class:`Diagnosis` and :class:`Verdict` are what :mod:`.diagnose` and
:mod:`.explain` make of them. Every module of the checker may import this one;
it imports none of them (no cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Outcome:
    """What one call did: ``status`` is ``ok``, ``raised``, ``memory``, ``not-array``,
    ``not-numeric``, ``timeout``, ``crashed``, ``too-big`` (over the size cap), ``tampered`` (a message
    that broke the protocol) or ``inconsistent`` (a timed call that did not repeat its first answer)."""

    status: str
    message: str = ""
    output: np.ndarray | None = None
    seconds: float | None = None
    modified: list[int] = field(default_factory=list)


@dataclass
class Run:
    """Everything a child reported: the import, then one outcome per case it reached."""

    import_status: str
    import_message: str = ""
    module_doc: bool | None = None
    function_doc: bool | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    log: str = ""


@dataclass
class Diagnosis:
    """One finding: its id (an anchor of docs/check.md), what happened, and how to fix it."""

    id: str
    title: str
    detail: str
    fix: str
    also: list[str] = field(default_factory=list)
    #: the mistake's variant (a formula, a side), to say it again on another case
    variant: str = ""


@dataclass
class Verdict:
    """Correctness of one task: how many cases agreed, the first failure and the diagnoses."""

    cases: int
    passed: int
    failure: int | None = None
    reason: str = ""
    diagnoses: list[Diagnosis] = field(default_factory=list)
    #: notes that are not failures: an open point of the spec, and which side of it the file took
    notes: list[Diagnosis] = field(default_factory=list)
    #: the results judged against, per case: convpool's, or those of the open-point choice the file follows
    expecteds: list = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.diagnoses
