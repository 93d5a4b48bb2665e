"""How much memory a new array may take here: the one reader behind every size check.

On Linux this is the smaller of two numbers: the kernel's estimate of memory
available to new work without swapping (``MemAvailable`` in ``/proc/meminfo``,
which counts reclaimable page cache as available), and the room left under the
memory limit of the process's cgroup, v2 (``memory.max``) or v1
(``memory.limit_in_bytes``), on the process's own cgroup and each one above it.
A cgroup's room is its limit minus what it uses, less its inactive file cache
(``inactive_file``: reclaimed before the cgroup runs out, as the kernel's own
out-of-memory accounting does). Elsewhere it is the machine's physical memory.

The paths are arguments so that tests can point them at fake files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: A cgroup v1 "limit" this large means no limit (the kernel writes ``PAGE_COUNTER_MAX`` pages).
_NO_LIMIT = 2**60


def meminfo_available(proc: str | os.PathLike = "/proc") -> int | None:
    """Bytes of ``MemAvailable`` in ``proc/meminfo``, or ``None`` where there is no such line (not Linux)."""
    try:
        with open(Path(proc, "meminfo")) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the unit is kB (KiB)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _number(path: Path) -> int | None:
    """The one integer a cgroup file holds; ``None`` for ``max``, a missing file or no limit."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text.isdigit():  # 'max': no limit (cgroup v2)
        return None
    value = int(text)
    return None if value >= _NO_LIMIT else value


def _stat(path: Path, key: str) -> int:
    """``key``'s value in a cgroup ``memory.stat`` file, 0 if absent."""
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _room(folder: Path, v2: bool) -> int | None:
    """Bytes left under one cgroup's memory limit, ``None`` if it sets none."""
    limit_file, usage_file, inactive = (
        ("memory.max", "memory.current", "inactive_file")
        if v2
        else ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
    )
    limit = _number(folder / limit_file)
    if limit is None:
        return None
    used = _number(folder / usage_file) or 0
    reclaimable = _stat(folder / "memory.stat", inactive)
    return max(limit - max(used - reclaimable, 0), 0)


def _memory_cgroups(proc: Path, root: Path) -> list[tuple[Path, bool]]:
    """``(folder, is_v2)`` for the process's memory cgroup: v1's ``memory`` controller, else v2's unified one."""
    try:
        lines = Path(proc, "self", "cgroup").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, where = rest.partition(":")
        if "memory" in controllers.split(","):
            found.append((root / "memory", where, False))
        elif hierarchy == "0" and controllers == "":
            found.append((root, where, True))
    return [
        (base / where.lstrip("/"), v2) if (base / where.lstrip("/")).is_dir() else (base, v2)
        for base, where, v2 in found
    ]


def cgroup_room(proc: str | os.PathLike = "/proc", root: str | os.PathLike = "/sys/fs/cgroup") -> int | None:
    """Bytes left under the tightest cgroup memory limit over this process, ``None`` if no limit is set.

    Walks from the process's own cgroup (``proc/self/cgroup``) up to ``root``;
    inside a container whose cgroup path is not visible, the mounted root
    folder is the container's own cgroup.
    """
    root = Path(root)
    rooms = []
    for folder, v2 in _memory_cgroups(Path(proc), root):
        top = root if v2 else root / "memory"
        while True:
            room = _room(folder, v2)
            if room is not None:
                rooms.append(room)
            if folder == top or top not in folder.parents:
                break
            folder = folder.parent
    return min(rooms) if rooms else None


def physical_memory() -> int | None:
    """Bytes of physical memory, ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return None


def available_memory(proc: str | os.PathLike = "/proc", root: str | os.PathLike = "/sys/fs/cgroup") -> int | None:
    """Bytes a new array may take: the smaller of ``MemAvailable`` and the cgroup room, else physical memory.

    ``None`` only where none of the three is known.

    Examples
    --------
    >>> from convpool._plan.memory import available_memory
    >>> available_memory() is None or available_memory() >= 0
    True
    """
    known = [n for n in (meminfo_available(proc), cgroup_room(proc, root)) if n is not None]
    return min(known) if known else physical_memory()


#: Seconds a reading is reused: reading the files costs ~0.15 ms, more than a small convolution, and
#: free memory does not change meaningfully within a second.
_FRESH = 1.0
_last: list = [-_FRESH, None]  # [when (time.monotonic), bytes]


def available_now() -> int | None:
    """:func:`available_memory` of this machine, read at most once a second (every size check calls it)."""
    now = time.monotonic()
    if now - _last[0] >= _FRESH:
        _last[:] = [now, available_memory()]
    return _last[1]
