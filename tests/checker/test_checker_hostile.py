"""``convpool check`` on hostile files: each gets its own FAIL, the other files are still reported, nothing escapes.

Every file of checker_cases/hostile/ attacks the checker one way (its module
docstring says how). They are checked two folders at a time through the CLI,
in a process of its own session (a file that signals its parent's group
reaches no further), with small caps: 3 s per call, 256 MiB. The oracle per
file is the finding its attack must produce; beside them, a correct 6-pool.py
must still PASS in the same folder.
"""

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convpool.checker.sandbox import containment
from convpool.exercise import TASKS

CASES = Path(__file__).resolve().parent / "checker_cases"

#: hostile file -> (task number, findings of which at least one must appear: diagnosis or rule ids).
HOSTILE_A = {
    "forged_results": (0, {"raised", "tampered"}),
    "imports_convpool": (1, {"convpool"}),
    "builtins_import": (2, {"dynamic-code"}),
    "exec_loops": (3, {"loops"}),
    "kills_parent": (4, {"import"}),
    "fork_leftovers": (5, {"import"}),
}
HOSTILE_B = {
    "patches_numpy": (0, {"input-modified"}),
    "output_flood": (1, {"raised"}),
    "ansi_codes": (2, {"raised"}),
    "deep_expression": (3, {"syntax"}),
    "deep_not": (4, {"syntax"}),
    "terms_parent": (5, {"import"}),
}

#: The markers fork_leftovers.py gives its leftovers (sleep's argument).
LEFTOVERS = (b"987651", b"987652")


def _generated(name: str) -> str | None:
    """The files too big to keep in the repository: a 200,000-term sum, 100,000 nested `not`."""
    head = '#!/usr/bin/env python3\n"""Hostile on purpose: an expression too deep to read."""\n'
    if name == "deep_expression":
        return head + "X = " + " + ".join(["1"] * 200_000) + "\n"
    if name == "deep_not":
        return head + "X = " + "not " * 100_000 + "1\n"
    return None


def _folder(tmp_path: Path, files: dict) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    for name, (task, _) in files.items():
        target = folder / TASKS[task].filename
        text = _generated(name)
        if text is None:
            shutil.copy2(CASES / "hostile" / f"{name}.py", target)
        else:
            target.write_text(text)
            target.chmod(0o755)
    shutil.copy2(CASES / "good" / "6-pool.py", folder / "6-pool.py")
    return folder


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))}


def _leftovers() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args[:1] == [b"sleep"] and any(m in args for m in LEFTOVERS):
            found.append(int(entry))
    return found


def _limits():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # the checker and its children stay bounded


def _check(folder: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "convpool", "check", str(folder), "--json", "--no-timing", "--timeout", "3"]
        + ["--memory", "256"],
        capture_output=True,
        timeout=300,
        start_new_session=True,  # a file that signals its parent's process group does not reach pytest
        preexec_fn=_limits,
        cwd=folder.parent,
        env=env,
    )
    return done, json.loads(done.stdout) if done.stdout.strip().startswith(b"{") else {}


@pytest.mark.parametrize("files", [HOSTILE_A, HOSTILE_B], ids=["forge-import-builtins-exec-kill-fork", "patch-flood"])
def test_each_hostile_file_fails_on_its_own_and_the_others_are_reported(tmp_path, files):
    if containment() != "namespaces" and any(n in files for n in ("kills_parent", "terms_parent")):
        pytest.skip("without namespaces a child of the same user can signal the checker (docs/check.md)")
    folder = _folder(tmp_path, files)
    outside = set(os.listdir(tmp_path))
    before = _tree(folder)
    done, report = _check(folder)
    assert done.returncode == 1, done.stderr[-2000:]
    tasks = {t["task"]: t for t in report["tasks"]}
    assert sorted(tasks) == sorted([n for n, _ in files.values()] + [6])
    assert tasks[6]["status"] == "pass", tasks[6]
    for name, (number, wanted) in files.items():
        task = tasks[number]
        found = {d["id"] for d in task["diagnoses"]} | {r["rule"] for r in task["rules"]}
        assert task["status"] == "fail" and found & wanted, (name, found)
    assert _tree(folder) == before  # nothing written next to the files
    assert set(os.listdir(tmp_path)) == outside  # nor beside the folder
    assert not Path("/tmp/convpool-hostile-wrote").exists()  # nor anywhere else forged_results.py tries
    assert _leftovers() == []


def test_a_forged_import_message_never_passes_and_convpool_cannot_be_imported(tmp_path):
    folder = _folder(tmp_path, {"forged_results": (0, set()), "imports_convpool": (1, set())})
    done, report = _check(folder)
    tasks = {t["task"]: t for t in report["tasks"]}
    assert tasks[0]["status"] == tasks[1]["status"] == "fail"
    assert tasks[0]["cases_passed"] == 0
    (imported,) = tasks[1]["diagnoses"]
    assert imported["id"] == "import-failed" and "convpool cannot be imported" in imported["detail"]


def test_patched_numpy_and_clock_change_nothing_in_the_parent(tmp_path):
    """The input wiped by the call is seen (the parent compares), and the time is the parent's, not 0."""
    from convpool.checker.run import Options, check_path

    folder = _folder(tmp_path, {"patches_numpy": (0, set())})
    (r,), _ = check_path(folder, task=0, options=Options(timeout=3, memory_mb=256, timing_batch=64))
    assert [d.id for d in r.verdict.diagnoses] == ["input-modified"]
    assert r.timing is not None and r.timing.student is not None and r.timing.student > 1e-5


def test_ansi_codes_never_reach_the_terminal(tmp_path):
    folder = _folder(tmp_path, {"ansi_codes": (2, set())})
    done = subprocess.run(
        [sys.executable, "-m", "convpool", "check", str(folder / "2-convolve_grayscale_padding.py"), "--no-timing"],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert b"raised" in done.stdout and b"ValueError" in done.stdout
    assert not any(c in done.stdout for c in (b"\x1b", b"\r", b"\x07"))


def test_a_fork_bomb_meets_the_process_cap_and_leaves_nothing(tmp_path):
    """Where cgroups can be made, the tree gets at most cgroup.PROCESSES processes; either way none survives."""
    from convpool.checker import cgroup

    folder = _folder(tmp_path, {"fork_bomb": (3, set())})
    done, report = _check(folder)
    tasks = {t["task"]: t for t in report["tasks"]}
    assert tasks[3]["status"] == "fail" and tasks[6]["status"] == "pass"
    probe = cgroup.make(1 << 30)
    if probe is not None:
        probe.remove()
        (raised,) = [d for d in tasks[3]["diagnoses"] if d["id"] == "raised"]
        assert "BlockingIOError" in raised["detail"] or "Resource temporarily unavailable" in raised["detail"]
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _is_fork_bomb(p)]


def _is_fork_bomb(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return b"CONVPOOL_CHECK_RUN=" in f.read()
    except OSError:
        return False


def test_the_memory_of_a_whole_process_tree_is_capped():
    """Three processes of 40 MiB each in a group capped at 64 MiB: the kernel kills one, and says so."""
    from convpool.checker import cgroup

    group = cgroup.make(64 << 20)
    if group is None:
        pytest.skip("this machine does not let the checker make cgroups (docs/check.md)")
    code = (
        "import os, time\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(40 << 20)\n"
        "        time.sleep(5)\n"
        "        os._exit(0)\n"
        "for _ in range(3):\n"
        "    os.wait()\n"
    )
    try:
        proc = subprocess.Popen(["sh", "-c", 'read _ && exec "$@"', "sh", sys.executable, "-c", code],
                                stdin=subprocess.PIPE)  # fmt: skip
        group.add(proc.pid)
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        proc.wait(60)
        assert group.out_of_memory()
    finally:
        group.remove()
    assert not any(p.exists() for p in group.paths)


def test_the_childs_folder_is_a_small_tmpfs_of_its_own(tmp_path):
    """Writing 100 files of 1 MiB stops at 64 MiB (no space left), and nothing reaches the disk."""
    if containment() != "namespaces":
        pytest.skip("without namespaces the child's folder is on the disk (docs/check.md)")
    from convpool.checker.cases import battery
    from convpool.checker.sandbox import run_cases

    student = tmp_path / "0-convolve_grayscale_valid.py"
    student.write_text(
        "import sys\n\nfor i in range(100):\n    try:\n"
        "        with open(f'junk{i}', 'wb') as f:\n            f.write(b'x' * (1 << 20))\n"
        "    except OSError as e:\n        print('stopped at', i, e.strerror, file=sys.stderr)\n        break\n\n\n"
        "def convolve_grayscale_valid(images, kernel):\n    return images\n"
    )
    run = run_cases(student, "convolve_grayscale_valid", battery(TASKS[0])[:1], timeout=3, memory_mb=256)
    assert run.import_status == "ok"
    assert "stopped at 64 No space left on device" in run.log
    assert sorted(p.name for p in tmp_path.iterdir()) == [student.name]


def test_without_namespaces_every_file_is_still_reported_and_no_process_survives(tmp_path):
    """The fallback (its own session, the process group killed, leftovers found by their inherited token)."""
    files = {"patches_numpy": (0, {"input-modified"}), "output_flood": (1, {"raised"})}
    files |= {"ansi_codes": (2, {"raised"}), "fork_leftovers": (5, {"import"})}
    folder = _folder(tmp_path, files)
    done, report = _check(folder, env={**os.environ, "CONVPOOL_CHECK_SANDBOX": "off"})
    assert done.returncode == 1, done.stderr[-2000:]
    tasks = {t["task"]: t for t in report["tasks"]}
    assert tasks[6]["status"] == "pass"
    for name, (number, wanted) in files.items():
        found = {d["id"] for d in tasks[number]["diagnoses"]} | {r["rule"] for r in tasks[number]["rules"]}
        assert tasks[number]["status"] == "fail" and found & wanted, (name, found)
    assert _leftovers() == []


def test_a_source_that_crashes_the_parser_is_too_deep_not_a_dead_checker(monkeypatch):
    """CPython 3.10's parser segfaults on very deep expressions: a dying probe is a RecursionError here."""
    from convpool.checker import _parse

    monkeypatch.setattr(_parse, "_may_crash", lambda text: True)
    monkeypatch.setattr(_parse, "_PROBE", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(RecursionError, match="crashed the parser"):
        _parse.parse("x = 1\n", "deep.py")
    monkeypatch.setattr(_parse, "_PROBE", "import ast, sys; ast.parse(sys.stdin.read())")
    assert isinstance(_parse.parse("x = 1\n", "fine.py").body[0], ast.Assign)  # a probe that lives: parsed here
