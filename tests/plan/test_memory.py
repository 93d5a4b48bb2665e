"""The size check compares each request with the memory available now, not with the memory installed.

The reader (:mod:`convpool._plan.memory`) is tested on fake ``/proc`` and
``/sys/fs/cgroup`` trees; the check is tested with the reader patched to a
small number, so nothing large is ever allocated.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import convpool
from convpool._plan import memory

GIB = 2**30


def fake_tree(tmp_path: Path, meminfo: str | None, cgroup: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A fake ``/proc`` (``meminfo``, ``self/cgroup``) and cgroup root holding ``files`` (relative paths)."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    root.mkdir()
    if meminfo is not None:
        (proc / "meminfo").write_text(meminfo)
    (proc / "self" / "cgroup").write_text(cgroup)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


MEMINFO = "MemTotal:       24683772 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n"


def test_meminfo_alone(tmp_path):
    proc, root = fake_tree(tmp_path, MEMINFO, "0::/\n", {})
    assert memory.meminfo_available(proc) == 20000000 * 1024
    assert memory.cgroup_room(proc, root) is None  # no memory.max: no limit
    assert memory.available_memory(proc, root) == 20000000 * 1024


def test_cgroup_v2_limit_is_the_smaller(tmp_path):
    # limit 4 GiB, using 3 GiB of which 1 GiB is inactive file cache: 2 GiB of room
    files = {
        "user/job/memory.max": str(4 * GIB),
        "user/job/memory.current": str(3 * GIB),
        "user/job/memory.stat": f"anon 123\ninactive_file {GIB}\nactive_file 5\n",
        "user/memory.max": "max",
        "memory.max": "max",
    }
    proc, root = fake_tree(tmp_path, MEMINFO, "0::/user/job\n", files)
    assert memory.cgroup_room(proc, root) == 2 * GIB
    assert memory.available_memory(proc, root) == 2 * GIB
    # a tighter limit one level up wins; MemAvailable wins when it is the smaller
    (root / "user/memory.max").write_text(str(GIB))
    (root / "user/memory.current").write_text(str(GIB // 2))
    assert memory.available_memory(proc, root) == GIB // 2
    (proc / "meminfo").write_text("MemAvailable:   1024 kB\n")
    assert memory.available_memory(proc, root) == 1024 * 1024


def test_cgroup_v1_and_a_container_root(tmp_path):
    # v1: the memory controller's folder; a path not visible in the container reads the mounted root
    files = {
        "memory/memory.limit_in_bytes": str(8 * GIB),
        "memory/memory.usage_in_bytes": str(7 * GIB),
        "memory/memory.stat": f"inactive_file 5\ntotal_inactive_file {2 * GIB}\n",
    }
    cgroup = "5:devices:/\n4:cpu,memory:/docker/abc\n1:name=systemd:/\n0::/\n"
    proc, root = fake_tree(tmp_path, None, cgroup, files)
    assert memory.cgroup_room(proc, root) == 3 * GIB
    assert memory.available_memory(proc, root) == 3 * GIB  # no meminfo: the cgroup alone
    # the kernel's "no limit" (PAGE_COUNTER_MAX pages) is no limit
    (root / "memory/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert memory.cgroup_room(proc, root) is None


def test_nothing_known_falls_back_to_physical_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "physical_memory", lambda: 12345)
    assert memory.available_memory(tmp_path / "none", tmp_path / "none") == 12345


def test_a_request_is_compared_with_available_memory(monkeypatch):
    # 1 MiB available: an 8 MiB output is refused before any work, naming both sizes
    monkeypatch.setattr(memory, "available_now", lambda: 2**20)
    images = np.ones((1, 1024, 1024, 1))
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError,
            match=r"output of shape \(1, 1024, 1024, 1\) float64: 8\.0 MiB, more than the "
            r"1\.0 MiB of memory available here",
        ):
            convpool.convolve(images, np.ones((1, 1, 1, 1)), "same")
        with pytest.raises(ValueError, match=r"8\.0 MiB, more than the 1\.0 MiB of memory available"):
            convpool.pool(images, 1, 1, "max")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing image-sized was allocated
    # what fits still runs
    small = np.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(convpool.pool(small, 1, 1, "max"), small)


def test_available_now_rereads_after_a_second(monkeypatch):
    readings = iter([100, 200])
    monkeypatch.setattr(memory, "available_memory", lambda: next(readings))
    clock = [1000.0]
    monkeypatch.setattr(memory.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(memory, "_last", [-memory._FRESH, None])
    assert memory.available_now() == 100
    clock[0] += 0.5
    assert memory.available_now() == 100  # reused
    clock[0] += 0.6
    assert memory.available_now() == 200
