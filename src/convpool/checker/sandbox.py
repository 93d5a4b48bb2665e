"""Run a student's function on cases in a child process, with a timeout and a memory cap per case.

The child (``_child.py``, run as a script with ``python -B``) imports the
student's file; this process only reads back JSON and ``.npy`` files written
without pickles, so nothing the student's code does can reach it. A call that
runs past the timeout is killed with its whole process group; a child that
dies (a segfault, ``os._exit``) is reported with the case it was running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cases import Case

CHILD = Path(__file__).with_name("_child.py")

#: Seconds the child may take to start and import NumPy (a busy machine), before the per-call timeout.
IMPORT_SECONDS = 10.0

_POLL = 0.01


@dataclass
class Outcome:
    """What one call did: ``status`` is ``ok``, ``raised``, ``memory``, ``not-array``,
    ``not-numeric``, ``timeout`` or ``crashed``."""

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


def _encode(value, arrays: dict, key: str):
    if isinstance(value, np.ndarray):
        arrays[key] = value
        return {"array": key}
    if isinstance(value, tuple | list):
        return [_encode(v, arrays, f"{key}_{i}") for i, v in enumerate(value)]
    return value


def _write_cases(workdir: Path, cases: list[Case]) -> None:
    arrays: dict[str, np.ndarray] = {}
    encoded = []
    for i, case in enumerate(cases):
        args = [_encode(a, arrays, f"c{i}_a{j}") for j, a in enumerate(case.args)]
        kwargs = {k: _encode(v, arrays, f"c{i}_{k}") for k, v in case.kwargs.items()}
        encoded.append({"args": args, "kwargs": kwargs, "repeats": case.repeats})
    (workdir / "cases.json").write_text(json.dumps({"cases": encoded}))
    np.savez(workdir / "arrays.npz", **arrays)


def _child_env() -> dict:
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT") if k in os.environ}
    # one BLAS thread: the memory cap counts every thread's stack, and timings compare like with like
    threads = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**keep, **threads, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _watch(proc: subprocess.Popen, workdir: Path, limits: list[float], timeout: float) -> tuple[int | None, str]:
    """Wait for the child; kill it when the import or one case runs too long.

    Returns the index of the case that ran out of time (-1: the import) and 'timeout', or (None, '').
    """
    current, since = -1, time.monotonic()
    while proc.poll() is None:
        time.sleep(_POLL)
        step = _running(workdir, len(limits))
        if step != current:
            current, since = step, time.monotonic()
        limit = IMPORT_SECONDS + timeout if current == -1 else timeout if current is None else limits[current]
        if time.monotonic() - since > limit:  # None: between calls, or the student's atexit code
            _kill(proc)
            return current, "timeout"
    return None, ""


def _running(workdir: Path, n: int) -> int | None:
    """-1 while importing, i while case i runs, None between cases."""
    if not (workdir / "import.json").exists():
        return -1
    for i in range(n):
        if not (workdir / f"start-{i}").exists():
            return None
        if not (workdir / f"res-{i}.json").exists():
            return i
    return None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _outcome(workdir: Path, i: int) -> Outcome | None:
    res = _read_json(workdir / f"res-{i}.json")
    if res is None:
        return None
    out = None
    if (workdir / f"out-{i}.npy").exists():
        try:
            out = np.load(workdir / f"out-{i}.npy", allow_pickle=False)
        except (OSError, ValueError):
            out = None
    modified = [int(m) for m in res.get("modified", []) if isinstance(m, int)]
    seconds = res.get("seconds")
    seconds = float(seconds) if isinstance(seconds, int | float) else None
    return Outcome(str(res.get("status", "crashed")), str(res.get("message", "")), out, seconds, modified)


def _death(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the Python process died with {name}"
    return f"the Python process exited with status {returncode} in the middle of the call (sys.exit or os._exit?)"


def _collect(workdir: Path, limits: list[float], proc: subprocess.Popen, stopped: tuple[int | None, str]) -> Run:
    info = _read_json(workdir / "import.json")
    if info is None:
        status = "timeout" if stopped[0] == -1 else "crashed"
        message = "importing the file did not finish: killed" if status == "timeout" else ""
        return Run(status, message or _death(proc.returncode))
    run = Run(str(info.get("status")), str(info.get("message", "")), info.get("module_doc"), info.get("function_doc"))
    for i, limit in enumerate(limits):
        if not (workdir / f"start-{i}").exists():
            break
        outcome = _outcome(workdir, i)
        if outcome is None:
            if stopped[0] == i:
                outcome = Outcome("timeout", f"no result after {limit:g} s: killed")
            else:
                outcome = Outcome("crashed", _death(proc.returncode))
        run.outcomes.append(outcome)
        if outcome.status in ("timeout", "crashed", "memory"):
            break
    return run


def run_cases(path: Path, function: str, cases: list[Case], timeout: float = 5.0, memory_mb: int = 1024) -> Run:
    """Import ``function`` from the file ``path`` in a child process and call it on every case.

    Each call gets ``timeout`` seconds; the child's address space is capped at
    ``memory_mb`` MiB above what it holds after loading NumPy and the cases.
    The run stops at the first call that times out, crashes or runs out of memory.
    """
    with tempfile.TemporaryDirectory(prefix="convpool-check-") as tmp:
        workdir = Path(tmp)
        _write_cases(workdir, cases)
        command = [sys.executable, "-B", str(CHILD), str(workdir), str(Path(path).resolve()), function]
        with open(workdir / "log.txt", "w") as log:
            proc = subprocess.Popen(
                [*command, str(memory_mb << 20)],
                cwd=workdir,
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            try:
                limits = [timeout if case.timeout is None else case.timeout for case in cases]
                stopped = _watch(proc, workdir, limits, timeout)
            finally:
                if proc.poll() is None:
                    _kill(proc)
        run = _collect(workdir, limits, proc, stopped)
        run.log = (workdir / "log.txt").read_text(errors="replace")[-2000:]
        return run
