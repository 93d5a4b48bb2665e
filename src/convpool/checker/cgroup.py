"""A whole-tree cap on the child's processes and memory, where this machine lets the checker make cgroups (v1).

Each child gets a group of its own inside the checker's own group of the
``pids`` and ``memory`` hierarchies of cgroup v1 (``/sys/fs/cgroup/pids``,
``/sys/fs/cgroup/memory``): at most :data:`PROCESSES` processes and threads,
and ``memory`` bytes for all of them together, whatever they fork. The child
is put in the group before it runs anything; at the end every process still
in it is killed and the group removed. Where the groups cannot be made
(no cgroup v1, no permission: most machines without root), :func:`make`
returns None and only the per-process caps apply.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

#: Processes and threads the child and everything it starts may run at once.
PROCESSES = 32

_ROOT = Path("/sys/fs/cgroup")
_NUMBERS = itertools.count(1)  # next() of a count is atomic: children started side by side get distinct names


def _own(controller: str) -> Path | None:
    """This process's group in the v1 hierarchy of ``controller``, or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            where = _ROOT / controller / path.lstrip("/")
            return where if where.is_dir() else None
    return None


class Group:
    """The child's groups (one per controller), which it is put in, and which are emptied and removed at the end."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    def add(self, pid: int) -> None:
        """Put process ``pid`` (before it forks anything) in every group."""
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(pid))

    def out_of_memory(self) -> bool:
        """Whether the tree reached its memory cap (the kernel then kills one of its processes)."""
        for path in self.paths:
            try:
                if int((path / "memory.failcnt").read_text()) > 0:
                    return True
            except (OSError, ValueError):
                pass
        return False

    def remove(self) -> None:
        """Kill every process still in the groups, then remove them (retrying while the kernel reaps them)."""
        for attempt in range(100):
            left = False
            for path in self.paths:
                try:
                    pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
                except (OSError, ValueError):
                    pids = []
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    path.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    left = True
            if not left:
                return
            time.sleep(0.01 * min(attempt + 1, 10))


def make(memory_bytes: int) -> Group | None:
    """New groups capping the processes (:data:`PROCESSES`) and ``memory_bytes`` of one child, or None."""
    name = f"convpool-check-{os.getpid()}-{next(_NUMBERS)}"
    made: list[Path] = []
    limits = {"pids": ("pids.max", PROCESSES), "memory": ("memory.limit_in_bytes", memory_bytes)}
    try:
        for controller, (file, value) in limits.items():
            own = _own(controller)
            if own is None:
                raise OSError(f"no cgroup v1 {controller} hierarchy")
            (own / name).mkdir()
            made.append(own / name)
            (own / name / file).write_text(str(value))
    except OSError:
        Group(made).remove()
        return None
    return Group(made)
