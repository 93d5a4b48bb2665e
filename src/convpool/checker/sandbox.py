"""Run a student's function on cases in a contained child process; judge nothing of what it says about itself.

The child (``_child.py``'s text, run with ``python -I -B -c``) imports a copy of
the student's files and then answers the cases this process sends over a
pipe, after the import: no case is ever on disk. Results come back over a
second pipe in :mod:`._wire`'s format, checked against caps (dtype, shape,
size) before a byte is read; this process compares them, keeps its own copy of
every input and compares the inputs the child returns after each call with it,
and times each call itself (from the case sent to the first byte of the
answer). When ``unshare`` works (:func:`containment`), the child runs in new
user, PID, network and mount namespaces: every mount read-only but its own
folder, convpool's package hidden, no network, and no way to see or signal a
process outside; killing it kills every process it started. Elsewhere it runs
in its own session, killed with its process group.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _wire, cgroup, rules
from .cases import Case
from .findings import Outcome, Run

CHILD = Path(__file__).with_name("_child.py")

#: Seconds the child may take to start and import NumPy and the student's file, before the per-call timeout.
IMPORT_SECONDS = 10.0

#: The memory of the child's whole process tree, where cgroups can cap it: ``--memory`` plus this (MiB, for
#: Python and NumPy themselves).
TREE_MEMORY_MIB = 256

#: Source files copied for the child (a task file may import a sibling), and their largest size.
MAX_SOURCES, MAX_SOURCE_BYTES = 200, rules.MAX_BYTES

#: What the child's shell does inside its namespaces before it runs Python as an unprivileged user:
#: its folder becomes a 64 MiB tmpfs of its own (the one writable place; nothing reaches the disk),
#: convpool's package is covered by an empty folder, every other mount becomes read-only (the folder is
#: entered anew: the old working directory is the read-only one),
#: a new session keeps the child's signals to "its process group" off the ``unshare`` outside, and a
#: nested user namespace drops the capabilities that could undo it all.
_SANDBOX_SH = r"""
set -e
work=$1 hide=$2 empty=$3
shift 3
mount -t tmpfs -o size=64m,mode=0777 convpool-check "$work"
if [ -n "$hide" ]; then mount --bind "$empty" "$hide"; fi
awk '{print $5, $6}' /proc/self/mountinfo | while read -r point options; do
  [ "$point" = "$work" ] && continue
  mount -o "remount,bind,$(echo "$options" | sed 's/^rw/ro/; s/,rw/,ro/')" "$point" 2>/dev/null || true
done
cd "$work"
exec setsid unshare --user "$@"
"""

_UNSHARE = ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--net", "--kill-child", "--mount-proc"]


def _wrap(work: Path, empty: Path, command: list[str], reference: bool = False) -> list[str]:
    # convpool's package, which the child may not read, unless it checks convpool's own tasks/
    hide = "" if reference else str(Path(__file__).resolve().parents[1])
    return ["unshare", *_UNSHARE, "sh", "-c", _SANDBOX_SH, "sh", str(work), hide, str(empty), *command]


#: Set to ``off``, the child runs without namespaces and cgroups even where they work (to test that containment).
SANDBOX_VARIABLE = "CONVPOOL_CHECK_SANDBOX"


@functools.cache
def containment() -> str:
    """``'namespaces'`` when this machine lets the child run in the sandbox above, else ``'session'``."""
    if shutil.which("unshare") is None or sys.platform != "linux" or os.environ.get(SANDBOX_VARIABLE) == "off":
        return "session"
    with tempfile.TemporaryDirectory(prefix="convpool-probe-") as tmp:
        work, empty = Path(tmp, "work"), Path(tmp, "empty")
        work.mkdir()
        empty.mkdir()
        # the outside is read-only, the own folder writable, and this shell is alone in its PID namespace
        probe = 'touch ../empty/x 2>/dev/null && exit 3; touch ok || exit 4; [ "$$" = 1 ]'
        try:
            done = subprocess.run(_wrap(work, empty, ["sh", "-c", probe]), cwd=work, capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return "session"
        return "namespaces" if done.returncode == 0 and not (work / "ok").exists() else "session"


#: The variable that marks every process a child starts (they inherit it), to find leftovers without namespaces.
TOKEN = "CONVPOOL_CHECK_RUN"


def _child_env(token: str) -> dict:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    # one BLAS thread: the memory cap counts every thread's stack, and timings compare like with like
    threads = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**keep, **threads, "HOME": "/nonexistent", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", TOKEN: token}


def _reap(token: str) -> None:
    """Kill what a child left behind outside its process group (``setsid``), found by the variable it inherited.

    Needed only without namespaces, where the kernel does not end them with the child.
    """
    mark = f"{TOKEN}={token}".encode()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                found = entry.isdigit() and mark in f.read().split(b"\0")
            if found and int(entry) != os.getpid():
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def _copy_sources(path: Path, src: Path) -> Path:
    """Copy the student's ``.py`` files (its siblings too, which it may import) for the child; the copy of ``path``."""
    src.mkdir()
    siblings = sorted(p for p in path.parent.glob("*.py") if p.is_file() and p != path)[: MAX_SOURCES - 1]
    for p in [path, *siblings]:
        if p.stat().st_size <= MAX_SOURCE_BYTES:
            shutil.copyfile(p, src / p.name)
    return src / path.name


def _code() -> str:
    """The child's program: ``_child.py`` with ``_wire.py``'s text in place of its import."""
    line = "from convpool.checker._wire import receive, send  # the parent puts _wire.py's text here\n"
    child = CHILD.read_text()
    assert line in child, "_child.py must import _wire exactly once, on that line"
    return child.replace(line, Path(_wire.__file__).read_text())


def _death(returncode: int | None) -> str:
    if returncode is None:
        return "the Python process stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the Python process died with {name}"
    if returncode >= 128 + 1 and returncode - 128 in signal.valid_signals():
        return f"the Python process died with {signal.Signals(returncode - 128).name}"
    return f"the Python process exited with status {returncode} in the middle of the call (sys.exit or os._exit?)"


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _returncode(proc: subprocess.Popen) -> int | None:
    try:
        return proc.wait(1.0)
    except subprocess.TimeoutExpired:
        return None


class _Child:
    """The two ends of the pipes this process holds, and the child process."""

    def __init__(self, proc: subprocess.Popen, to_child: int, from_child: int, token: str, group: Any = None) -> None:
        self.proc, self.to_child, self.from_child, self.token = proc, to_child, from_child, token
        self.group = group  # the child's cgroups (cgroup.Group), where they could be made

    def broken(self, exc: Exception) -> Outcome:
        """The outcome when a message did not come: a timeout, a death, or a message that broke the format."""
        if isinstance(exc, TimeoutError):
            return Outcome("timeout")
        if isinstance(exc, _wire.TooBigError):
            return Outcome("too-big", f"the function returned {exc}: far more than the answer needs")
        if isinstance(exc, _wire.WireError) and "closed" not in str(exc) or isinstance(exc, UnicodeError):
            return Outcome("tampered", f"the checker's pipe got a message it refused: {exc}")
        death = _death(_returncode(self.proc))
        if self.group is not None and self.group.out_of_memory():
            return Outcome("memory", f"the call's processes together reached the tree's memory cap: {death}")
        return Outcome("crashed", death)

    def call(self, case: Case, args: tuple, limit: float) -> tuple[Outcome, dict]:
        """Send one case, time it, read and check the answer; the outcome and the answer's header."""
        arrays: list[np.ndarray] = []
        encoded = [_encode(a, arrays) for a in args]
        kwargs = {k: _encode(v, arrays) for k, v in case.kwargs.items()}
        deadline = time.monotonic() + limit + 10.0  # writing a big case to a busy child
        try:
            _wire.send(self.to_child, {"type": "case", "args": encoded, "kwargs": kwargs}, arrays, deadline)
            start = time.perf_counter()
            _wire.wait_readable(self.from_child, time.monotonic() + limit)  # the clock stops at the answer's first byte
            seconds = time.perf_counter() - start
            inputs = sum(a.nbytes for a in arrays)
            header, back = _wire.receive(self.from_child, 64 * inputs + (1 << 20), time.monotonic() + 10.0)
        except (TimeoutError, _wire.WireError, OSError, UnicodeError) as exc:
            outcome = self.broken(exc)
            if outcome.status == "timeout":
                outcome.message = f"no result after {limit:g} s: killed"
            return outcome, {}
        return _outcome(header, back, arrays, seconds), header


def _encode(value: Any, arrays: list) -> Any:
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, tuple | list):
        return [_encode(v, arrays) for v in value]
    return value


def _outcome(header: dict, back: list[np.ndarray], inputs: list[np.ndarray], seconds: float) -> Outcome:
    """The outcome of one answer, every claim in it checked here."""
    status = header.get("status")
    if header.get("type") != "result" or status not in ("ok", "raised", "memory", "not-array", "not-numeric"):
        return Outcome("tampered", f"the answer is not a result: {str(header)[:200]}")
    message = str(header.get("message", ""))[:4000]
    if status in ("raised", "memory"):
        return Outcome(status, message)
    output = back.pop(0) if status == "ok" and back else None
    if status == "ok" and output is None or len(back) != len(inputs):
        return Outcome("tampered", "the answer does not hold the result and the inputs as they are after the call")
    modified = [i for i, (a, b) in enumerate(zip(inputs, back, strict=True)) if not _same(a, b)]
    return Outcome(status, message, output, seconds, modified)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _start(work: Path, empty: Path, module: Path, function: str, memory_mb: int, log: Any, reference: bool) -> _Child:
    """Start the child, contained as :func:`containment` allows, with its two pipes (convpool for ``reference``)."""
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    token = os.urandom(8).hex()
    command = [sys.executable, "-I", "-B", "-c", _code(), str(to_r), str(from_w), str(module), function]
    command += [str(memory_mb << 20), "1" if reference else "0"]
    if containment() == "namespaces":
        command = _wrap(work, empty, command, reference)
    group = None if os.environ.get(SANDBOX_VARIABLE) == "off" else cgroup.make((memory_mb + TREE_MEMORY_MIB) << 20)
    if group is not None:  # the child waits for a line on stdin: it is in its groups before it runs anything
        command = ["sh", "-c", 'read _ && exec "$@" </dev/null', "sh", *command]
    try:
        proc = subprocess.Popen(
            command,
            cwd=work,
            env=_child_env(token),
            stdin=subprocess.DEVNULL if group is None else subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=(to_r, from_w),
            start_new_session=True,
        )
    finally:
        os.close(to_r)
        os.close(from_w)
    for fd in (to_w, from_r):
        os.set_blocking(fd, False)
    if group is not None:
        _enter(proc, group)
    return _Child(proc, to_w, from_r, token, group)


def _enter(proc: subprocess.Popen, group: Any) -> None:
    """Put the waiting child in its groups, then let it go (a child that cannot be put there does not run)."""
    assert proc.stdin is not None  # started with stdin=PIPE
    try:
        group.add(proc.pid)
        proc.stdin.write(b"go\n")
    except OSError:
        _kill(proc)
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _import(child: _Child, timeout: float) -> Run:
    """The child's first message: whether the file imported and defines the function."""
    try:
        header, _ = _wire.receive(child.from_child, 0, time.monotonic() + IMPORT_SECONDS + timeout)
    except (TimeoutError, _wire.WireError, OSError, UnicodeError) as exc:
        outcome = child.broken(exc)
        if outcome.status == "timeout":
            return Run("timeout", "importing the file did not finish: killed")
        return Run("tampered" if outcome.status == "tampered" else "crashed", outcome.message)
    if header.get("type") == "import-raised":
        return Run("raised", str(header.get("message", ""))[:4000])
    if header.get("type") != "imported" or header.get("status") not in ("ok", "missing"):
        return Run("tampered", f"the first message is not the import's: {str(header)[:200]}")
    return Run(header["status"], "", bool(header.get("module_doc")), bool(header.get("function_doc")))


def _timed(child: _Child, case: Case, limit: float) -> Outcome:
    """``case.repeats`` calls, image ``i`` moved to ``i + r`` on call ``r`` (no answer can be reused): the median."""
    first, _ = child.call(case, case.args, limit)
    if first.status != "ok":
        return first
    assert first.output is not None and first.seconds is not None  # an ok call has both
    times = [first.seconds]
    for r in range(1, case.repeats):
        if sum(times) > 3.0:
            break
        rolled = (np.roll(case.args[0], r, axis=0), *case.args[1:])
        again, _ = child.call(case, rolled, limit)
        if again.status != "ok":
            return again
        assert again.output is not None and again.seconds is not None
        if again.output.shape != first.output.shape:
            return Outcome("inconsistent", "a repeated call returned another shape")
        if not np.array_equal(again.output, np.roll(first.output, r, axis=0)):
            return Outcome("inconsistent", "a repeated call on the same images, reordered, returned other values")
        times.append(again.seconds)
    if times:
        first.seconds = sorted(times)[len(times) // 2]
    return first


#: Outcomes after which the child is out of step (or gone): no more calls.
_STOPS = ("timeout", "crashed", "memory", "tampered", "too-big")


def _converse(child: _Child, cases: list[Case], timeout: float) -> Run:
    run = _import(child, timeout)
    if run.import_status != "ok":
        return run
    for case in cases:
        limit = timeout if case.timeout is None else case.timeout
        outcome = _timed(child, case, limit)
        run.outcomes.append(outcome)
        if outcome.status in _STOPS:
            break
    return run


def _alive(run: Run) -> bool:
    """Whether the child still answers in step: no call timed out, died or broke the protocol."""
    return not any(o.status in _STOPS for o in run.outcomes)


def _tail(path: Path, size: int = 4000) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, os.SEEK_END) - size))
        return f.read().decode("utf-8", errors="replace")


def run_cases(
    path: Path,
    function: str,
    cases: list[Case],
    timeout: float = 5.0,
    memory_mb: int = 1024,
    reference: bool = False,
    after: Callable[[Run, Callable[[Case], Outcome]], None] | None = None,
) -> Run:
    """Import ``function`` from the file ``path`` in a contained child process and call it on every case.

    Each call gets ``timeout`` seconds (a case's own ``timeout`` overrides it);
    the child's address space is capped at ``memory_mb`` MiB above what it holds
    after loading NumPy. The run stops at the first call that times out, crashes,
    runs out of memory or breaks the protocol; the child and everything it
    started are killed at the end. Only with ``reference`` (convpool's own
    ``tasks/``) may the child import convpool. ``after(run, call)``, when
    given, runs while the child still answers: ``call(case)`` is one more
    call of the function (to shrink a failing case).
    """
    with tempfile.TemporaryDirectory(prefix="convpool-check-") as tmp:
        work, empty = Path(tmp, "work"), Path(tmp, "empty")
        work.mkdir()
        empty.mkdir()
        module = _copy_sources(Path(path).resolve(), Path(tmp, "src"))
        with open(Path(tmp, "log.txt"), "wb") as log:
            child = _start(work, empty, module, function, memory_mb, log, reference)
        try:
            run = _converse(child, cases, timeout)
            if after is not None and run.import_status == "ok" and _alive(run):
                after(run, lambda case: child.call(case, case.args, timeout)[0])
        finally:
            os.close(child.to_child)
            _kill(child.proc)
            if child.group is not None:
                child.group.remove()  # kills whatever is left in it first
            if containment() != "namespaces":
                _reap(child.token)
            os.close(child.from_child)
        run.log = _tail(Path(tmp, "log.txt"))
        return run
