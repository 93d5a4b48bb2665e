"""``convpool check PATH``: find the task files, check each one, print the report, set the exit status."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from ..exercise import TASKS, Task, by_filename, by_function
from . import explain, htmlreport, report, rules
from ._parse import parse
from .cases import Case, battery, expected
from .diagnose import judge
from .findings import Diagnosis, Run, Verdict
from .sandbox import run_cases
from .shrink import shrink
from .timing import measure, timing_case


@dataclass
class Options:
    """How hard to check: per-call timeout (s), memory cap (MiB), whether to time, the timed batch."""

    timeout: float = 5.0
    memory_mb: int = 1024
    timing: bool = True
    timing_batch: int | None = None
    #: convpool's own tasks/ (they import convpool): allowed to import it, in the child and by the rules
    reference: bool = False


def _import_verdict(run: Run, n: int, function: str) -> Verdict | None:
    """A verdict when the file could not even be imported, or lacks the function."""
    if run.import_status == "ok":
        return None
    keys = {"missing": "missing-function", "timeout": "timeout", "crashed": "crashed", "tampered": "tampered"}
    key = keys.get(run.import_status) or ("checker-error" if run.import_status == "checker-error" else None)
    title, fix = explain.CATALOGUE[key or "import-failed"]
    detail = run.import_message if run.import_status != "missing" else f"no callable named {function}"
    return Verdict(n, 0, diagnoses=[Diagnosis(key or "import-failed", title, detail, fix)])


def _runtime_docs(run: Run, tree: ast.Module | None, task: Task, file: str) -> list[rules.Violation]:
    """The task's function docstring, when the function comes from elsewhere (imported, not defined)."""
    defined = tree is not None and any(isinstance(n, ast.FunctionDef) and n.name == task.function for n in tree.body)
    if defined or run.import_status != "ok" or run.function_doc:
        return []
    return [rules.Violation(file, 0, "function-docstring", f"{task.function} has no docstring")]


def _add_crash_log(verdict: Verdict, run: Run, path: Path) -> None:
    """For a crash: the lines of the child's fatal-error report that point into the student's file."""
    lines = [line.strip() for line in run.log.splitlines() if path.name in line]
    for d in verdict.diagnoses:
        if d.id == "crashed" and lines:
            d.detail += "\n" + "\n".join(lines[:4])


@dataclass
class _Plan:
    """One file to check: its rule violations, parsed tree, cases with convpool's answers, the timed case."""

    task: Task
    path: Path
    violations: list
    tree: ast.Module | None
    cases: list
    expecteds: list
    timed: Case | None = None
    #: the first failing case shrunk: (case, convpool's answer, the student's outcome)
    shrunk: tuple | None = None


def _plan(task: Task, path: Path, options: Options) -> _Plan:
    try:
        violations, tree = rules.check(path, task, options.reference)
    except (OSError, UnicodeError) as exc:
        violations, tree = [rules.Violation(path.name, 0, "syntax", f"the file cannot be read: {exc}")], None
    cases = battery(task)
    timed = timing_case(task, options.timing_batch) if options.timing else None
    return _Plan(task, path, violations, tree, cases, [expected(task, c) for c in cases], timed)


def _run(plan: _Plan, options: Options) -> Run:
    cases = plan.cases + ([plan.timed] if plan.timed else [])
    try:
        return run_cases(
            plan.path, plan.task.function, cases, options.timeout, options.memory_mb, options.reference, _shrinker(plan)
        )
    except Exception as exc:  # one file must never stop the report of the others
        return Run("checker-error", _checker_error(exc))


def _shrinker(plan: _Plan) -> Callable[[Run, Callable[..., Any]], None]:
    """What runs while the child still answers: the first failing case (wrong values or shape) shrunk."""

    def after(run: Run, call: Callable[..., Any]) -> None:
        partial = Run(run.import_status, outcomes=run.outcomes[: len(plan.cases)])
        verdict = judge(plan.task, plan.cases, plan.expecteds, partial)
        if verdict.failure is not None and not verdict.notes and verdict.reason in ("values", "shape", "dtype"):
            plan.shrunk = shrink(plan.task, plan.cases[verdict.failure], verdict.reason, call)

    return after


def _show_shrunk(result: report.TaskReport, plan: _Plan) -> None:
    """Show the shrunk case, and say the first diagnosis again on its numbers."""
    assert plan.shrunk is not None  # called only when there is one
    case, answer, outcome = plan.shrunk
    result.shrunk_from, result.case, result.expected, result.received = result.case, case, answer, outcome.output
    first = result.verdict.diagnoses[0]
    again = explain.diagnosis(first.id, plan.task, case, answer, outcome, first.variant)
    first.detail = again.detail or first.detail


def _finish(plan: _Plan, run: Run) -> report.TaskReport:
    """The report on one file from its child's run (and convpool's timing, measured now)."""
    task, cases, n = plan.task, plan.cases, len(plan.cases)
    violations = plan.violations + _runtime_docs(run, plan.tree, task, plan.path.name)
    found = _import_verdict(run, n, task.function)
    if found is not None:
        return report.TaskReport(task, plan.path.name, found, violations)
    timed_outcome = run.outcomes[n] if plan.timed and len(run.outcomes) > n else None
    run.outcomes = run.outcomes[:n]
    verdict = judge(task, cases, plan.expecteds, run)
    result = report.TaskReport(task, plan.path.name, verdict, violations)
    _add_crash_log(verdict, run, plan.path)
    if verdict.failure is not None:
        result.case, result.expected = cases[verdict.failure], verdict.expecteds[verdict.failure]
        if verdict.failure < len(run.outcomes):
            result.received = run.outcomes[verdict.failure].output
        if plan.shrunk is not None and verdict.diagnoses:
            _show_shrunk(result, plan)
    if plan.timed is not None and len(run.outcomes) == n and run.outcomes[-1].status != "timeout":
        result.timing = measure(task, plan.timed, timed_outcome)
    return result


def check_files(pairs: list[tuple[Task, Path]], options: Options) -> list[report.TaskReport]:
    """Check each (task, file): rules, correctness in a child process per file, then timing.

    Without timing the children run side by side (as many as there are CPUs);
    with it, one at a time, so that no timed call shares the machine with
    another file's cases. convpool's own work stays in this thread.
    """
    plans = [_plan(task, path, options) for task, path in pairs]
    workers = 1 if options.timing else max(1, min(len(plans), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        runs = list(pool.map(lambda plan: _run(plan, options), plans))
    return [_finish_guarded(plan, run) for plan, run in zip(plans, runs, strict=True)]


def _checker_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:500]}"


def _finish_guarded(plan: _Plan, run: Run) -> report.TaskReport:
    """:func:`_finish`, and where the checker itself fails on this file, a report that says so (the others go on)."""
    try:
        return _finish(plan, run)
    except Exception as exc:  # one file must never stop the report of the others
        verdict = _import_verdict(Run("checker-error", _checker_error(exc)), len(plan.cases), plan.task.function)
        assert verdict is not None  # a checker error is a verdict of its own
        return report.TaskReport(plan.task, plan.path.name, verdict, plan.violations)


def check_task(task: Task, path: Path, options: Options) -> report.TaskReport:
    """Check one file (see :func:`check_files`)."""
    return check_files([(task, path)], options)[0]


def find_files(path: Path, task_number: int | None) -> tuple[list[tuple[Task, Path]], list[str]]:
    """The (task, file) pairs to check under ``path``, and the task files not found."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    wanted = [t for t in TASKS if task_number is None or t.number == task_number]
    if path.is_dir():
        found = [(t, path / t.filename) for t in wanted if (path / t.filename).is_file()]
        missing = [t.filename for t in wanted if not (path / t.filename).is_file()]
        if not found:
            raise UsageError(f"{path} holds none of the files {', '.join(t.filename for t in wanted)}")
        return found, missing
    task = wanted[0] if task_number is not None else by_filename(path.name) or _task_of(path)
    if task is None:
        raise UsageError(f"{path.name}: not one of the seven task files and defines none of their functions")
    return [(task, path)], []


def _task_of(path: Path) -> Task | None:
    try:
        tree = parse(path.read_text(encoding="utf-8", errors="replace"), path.name)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # a hostile file is no task's
        return None
    return by_function(n.name for n in tree.body if isinstance(n, ast.FunctionDef))


def check_path(
    path: str | Path, task: int | None = None, options: Options | None = None
) -> tuple[list[report.TaskReport], list[str]]:
    """Check every task file under ``path`` (a folder or one file); the reports and the task files not found.

    Raises :class:`UsageError` for a path that does not exist or holds none of the seven files.
    """
    options = options or Options()
    pairs, missing = find_files(Path(path), task)
    if own_tasks(Path(path)):
        options = dataclasses.replace(options, reference=True)
    reports = check_files(pairs, options)
    for r in reports:
        r.reference = options.reference
    return reports, missing


#: convpool's own solutions of the exercise, in a source checkout: always checked as the reference.
OWN_TASKS = Path(__file__).resolve().parents[3] / "tasks"


def own_tasks(path: Path) -> bool:
    """Whether ``path`` is convpool's own ``tasks/`` (or a file in it), which may import convpool."""
    target = path.resolve()
    return OWN_TASKS.is_dir() and (target if target.is_dir() else target.parent) == OWN_TASKS


def _task_number(text: str) -> int:
    if text not in {str(t.number) for t in TASKS}:
        raise argparse.ArgumentTypeError(f"--task must be 0 to 6, got {text!r}")
    return int(text)


def _positive(kind: Callable[[str], Any], name: str, minimum: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value >= minimum:
            raise argparse.ArgumentTypeError(f"{name} must be a number >= {minimum}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``convpool check``."""
    parser.add_argument("path", metavar="PATH", help="a folder holding some of the seven task files, or one file")
    parser.add_argument("--task", type=_task_number, metavar="N", help="check only task N (0 to 6)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--timeout",
        type=_positive(float, "--timeout", 0.1),
        default=5.0,
        metavar="S",
        help="seconds per call (default 5)",
    )
    parser.add_argument(
        "--memory",
        type=_positive(int, "--memory", 64),
        default=1024,
        metavar="MIB",
        help="memory cap per call (default 1024)",
    )
    parser.add_argument("--no-timing", action="store_true", help="skip the timing on the spec's workload")
    parser.add_argument(
        "--timing-batch",
        type=_positive(int, "--timing-batch", 1),
        metavar="M",
        help="images timed (default 512 or 256)",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write the report as an HTML page, each failing case drawn (replaces only such a page)",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="check copies of convpool's own tasks/ as the reference (they may import convpool; a student's "
        "file may not); convpool's tasks/ themselves always are",
    )
    return parser


_DESCRIPTION = textwrap.fill(
    "Check a student's exercise files (0-convolve_grayscale_valid.py ... 6-pool.py) against convpool: "
    "each function runs in a child process (timeout and memory cap per call) on a battery of cases; the "
    "first failing case per task is shown with a diagnosis; the exercise's rules are read from the source; "
    "each function is timed on the spec's workload. Nothing on disk is modified.",
    90,
)
_EPILOG = (
    "examples:\n  convpool check my_solutions/\n  convpool check my_solutions/ --task 1\n"
    "  convpool check 6-pool.py --json\n  convpool check tasks/   (convpool's own solutions: the reference)\n\n"
    "exit status:\n  0   every checked task passes\n  1   some task fails\n  2   usage error"
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``check`` on an ``argparse`` sub-parsers object; it runs :func:`run_args`."""
    parser = subparsers.add_parser(
        "check",
        help="check a student's seven exercise files against convpool, with diagnoses",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run_args)
    return parser


def run_args(args: argparse.Namespace) -> int:
    """Run the check the parsed arguments ask for; print the report; return the exit status."""
    options = Options(args.timeout, args.memory, not args.no_timing, args.timing_batch, args.reference)
    target = Path(args.html) if args.html else None
    try:
        if target is not None:
            htmlreport.check_target(target)  # before any work: a bad target is a usage error
        reports, missing = check_path(args.path, args.task, options)
    except UsageError as exc:
        print(f"convpool check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    render = report.as_json if args.json else report.text
    print(render(args.path, reports, missing))
    if target is not None:
        htmlreport.write(target, htmlreport.page(str(args.path), reports, missing))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """``python -m convpool.checker PATH ...``: the same as ``convpool check``."""
    parser = argparse.ArgumentParser(prog="convpool check", description=_DESCRIPTION, epilog=_EPILOG)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return run_args(add_arguments(parser).parse_args(argv))
