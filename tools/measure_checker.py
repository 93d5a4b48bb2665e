"""Measure ``convpool check`` on a corpus of real student solutions, against a judge of its own.

Usage: ``python tools/measure_checker.py CORPUS [--misleading FILE] [--only OWNER__REPO ...]``

``CORPUS`` holds one folder per repository, each with some of the seven task
files (``0-convolve_grayscale_valid.py`` ... ``6-pool.py``). For every folder
the real command ``python -m convpool check FOLDER --json --no-timing`` runs
(with its sandbox), and every task file is judged *independently* of the
checker: it is imported in a subprocess (``python -I``, a copy of the folder
in a temporary directory, an address-space cap, a timeout) and called on this
tool's own cases, whose answers come from the plain loops below (the spec's
definition, no convpool). The spec leaves two points open for 'same' (the
side of the odd padding row of an even kernel, and the total padding at a
stride above 1): a file passes if one reading of each fits all its cases.

It prints, per file, the judge's verdict and the checker's, then the
agreement (every disagreement listed) and, for the wrong files, how the
checker named them: ``named`` (a specific mistake), ``raised`` (a real
exception, import failure or timeout reported), ``unrecognised``, or
``misleading`` (a named mistake the file does not make: judged by reading the
file, listed in ``--misleading``, a JSON object ``{"owner__repo/file": why}``).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from itertools import product
from pathlib import Path

import numpy as np

FILES = (
    "0-convolve_grayscale_valid.py",
    "1-convolve_grayscale_same.py",
    "2-convolve_grayscale_padding.py",
    "3-convolve_grayscale.py",
    "4-convolve_channels.py",
    "5-convolve.py",
    "6-pool.py",
)
FUNCTIONS = tuple(
    "convolve_grayscale_valid convolve_grayscale_same convolve_grayscale_padding convolve_grayscale "
    "convolve_channels convolve pool".split()
)
RAISED = {"raised", "crashed", "timeout", "out-of-memory", "import-failed", "missing-function", "not-an-array"}

#: The child: reads pickled calls on stdin, imports the file, writes an npz of results to the saved stdout.
CHILD = r"""
import importlib.util, json, os, pickle, sys, io
import numpy as np
out = os.fdopen(os.dup(1), "wb"); os.dup2(2, 1)
calls = pickle.load(sys.stdin.buffer)
status, arrays = [], {}
try:
    spec = importlib.util.spec_from_file_location("student", sys.argv[1]); mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.getcwd()); spec.loader.exec_module(mod); fn = getattr(mod, sys.argv[2])
except BaseException as e:
    status = ["import: %s: %s" % (type(e).__name__, e)] * len(calls); calls = []
for i, (args, kwargs) in enumerate(calls):
    args = tuple(sys.intern(a) if isinstance(a, str) else a for a in args)
    kwargs = {k: sys.intern(v) if isinstance(v, str) else v for k, v in kwargs.items()}
    try:
        arrays["o%d" % i] = np.asarray(fn(*args, **kwargs), dtype=np.float64); status.append("ok")
    except BaseException as e:
        status.append("raised: %s: %s" % (type(e).__name__, str(e)[:200]))
buf = io.BytesIO(); np.savez(buf, status=np.array(json.dumps(status)), **arrays); out.write(buf.getvalue())
"""


# --- the judge: plain loops from the spec's definitions ------------------------------------------------


def same_pads(n: int, k: int, s: int, reading: tuple[str, str]) -> tuple[int, int]:
    """'same' padding of one axis: output ceil(n / s); total for the last window (tf) or k - 1 (stride-one)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0) if reading[0] == "tf" else k - 1
    small, big = total // 2, total - total // 2
    return (small, big) if reading[1] == "after" else (big, small)


def conv_loops(x: np.ndarray, k: np.ndarray, pads: list, stride: tuple[int, int]) -> np.ndarray:
    """``out[n, i, j, o] = sum_{a, b, c} xpad[n, i*sh + a, j*sw + b, c] * k[a, b, c, o]``, one window at a time."""
    xp = np.pad(x.astype(np.float64), ((0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0)))
    kh, kw, _, nk = k.shape
    oh, ow = (xp.shape[1] - kh) // stride[0] + 1, (xp.shape[2] - kw) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, nk))
    for n, i, j, o in product(range(x.shape[0]), range(oh), range(ow), range(nk)):
        window = xp[n, i * stride[0] : i * stride[0] + kh, j * stride[1] : j * stride[1] + kw, :]
        out[n, i, j, o] = float(np.sum(window * k[..., o]))
    return out


def pool_loops(x: np.ndarray, window: tuple[int, int], stride: tuple[int, int], mode: str) -> np.ndarray:
    """Max or mean of each window that fits, no padding."""
    oh, ow = (x.shape[1] - window[0]) // stride[0] + 1, (x.shape[2] - window[1]) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for n, i, j, c in product(range(x.shape[0]), range(oh), range(ow), range(x.shape[3])):
        cells = x[n, i * stride[0] : i * stride[0] + window[0], j * stride[1] : j * stride[1] + window[1], c]
        out[n, i, j, c] = cells.max() if mode == "max" else cells.astype(np.float64).mean()
    return out


#: (h, w, kh, kw, padding, stride, channels, kernels): this tool's own grid, unrelated to the checker's.
GRID = (
    (6, 6, 3, 3, "valid", (1, 1), 1, 1),
    (5, 7, 2, 3, "valid", (1, 1), 2, 2),
    (7, 5, 3, 3, "same", (1, 1), 2, 2),
    (6, 6, 2, 2, "same", (1, 1), 1, 1),
    (6, 9, 2, 5, "same", (1, 1), 1, 2),
    (8, 5, 4, 1, "same", (1, 1), 2, 1),
    (7, 6, 3, 2, (2, 1), (1, 1), 2, 2),
    (9, 8, 3, 3, "valid", (2, 3), 1, 2),
    (9, 8, 3, 2, "same", (2, 2), 2, 1),
    (10, 9, 4, 3, "same", (3, 2), 1, 2),
    (8, 7, 3, 3, (1, 2), (2, 2), 2, 1),
    (28, 28, 5, 5, "same", (1, 1), 3, 2),
)
POOL_GRID = (((6, 6), (2, 2), (2, 2)), ((7, 5), (3, 2), (2, 1)), ((9, 8), (3, 3), (3, 3)), ((8, 8), (2, 3), (1, 2)))


def conv_cases(task: int) -> list[tuple[tuple, dict, tuple]]:
    """``(args, kwargs, (x4, k4, padding, stride))`` per case the task's signature can express."""
    rng, cases = np.random.default_rng(7 + task), []
    for h, w, kh, kw, padding, stride, c, nk in GRID:
        fits = {0: padding == "valid", 1: padding == "same", 2: isinstance(padding, tuple)}.get(task, True)
        if not fits or (task < 3 and stride != (1, 1)):
            continue
        c, nk = (1, 1) if task <= 3 else (c, 1 if task == 4 else nk)
        for dtype in (np.float64, np.uint8) if (h, padding) == (7, "same") else (np.float64,):
            x4 = rng.integers(0, 256 if dtype == np.uint8 else 10, (2, h, w, c)).astype(dtype)
            k4 = rng.choice([-2, -1, 1, 2, 3], (kh, kw, c, nk)).astype(np.float64 if dtype != np.uint8 else np.int64)
            x, k = (x4[..., 0], k4[..., 0, 0]) if task <= 3 else (x4, k4[..., 0] if task == 4 else k4)
            args = (x, k) if task < 2 else (x, k, padding) if task == 2 else (x, k)
            kwargs = {"padding": padding, "stride": stride} if task >= 3 else {}
            cases.append((args, kwargs, (x4, k4, padding, stride)))
    return cases


def pool_cases() -> list[tuple[tuple, dict, tuple]]:
    rng, cases = np.random.default_rng(13), []
    for (h, w), window, stride in POOL_GRID:
        for mode in ("max", "avg"):
            x = rng.integers(0, 10, (2, h, w, 2)).astype(np.float64)
            cases.append(((x, window, stride), {"mode": mode}, (x, window, stride, mode)))
    return cases


def expected(task: int, form: tuple, reading: tuple[str, str]) -> np.ndarray:
    """The right answer of one case, as the task returns it, under one reading of 'same'."""
    if task == 6:
        return pool_loops(*form)
    x4, k4, padding, stride = form
    if padding == "same":
        pads = [same_pads(n, k, s, reading) for n, k, s in zip(x4.shape[1:3], k4.shape[:2], stride, strict=True)]
    else:
        pads = [(0, 0), (0, 0)] if padding == "valid" else [(p, p) for p in padding]
    out = conv_loops(x4, k4, pads, stride)
    return out if task == 5 else out[..., 0]


def _limits() -> None:
    """In the child, before Python starts: 3 GiB of address space, files of at most 16 MiB."""
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))


def run_student(folder: Path, name: str, calls: list, timeout: float = 120.0) -> tuple[list[str], dict]:
    """The file's results on ``calls``, from a capped subprocess in a temporary copy of its folder.

    The child runs in a session of its own, killed whole (whatever it forked) when it ends or times out;
    what it prints is thrown away.
    """
    import pickle
    import signal

    with tempfile.TemporaryDirectory(prefix="measure-") as tmp:
        for f in folder.glob("*.py"):
            shutil.copy(f, tmp)
        command = [sys.executable, "-I", "-c", CHILD, name, FUNCTIONS[FILES.index(name)]]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
            preexec_fn=_limits,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(pickle.dumps(calls), timeout=timeout)
        except subprocess.TimeoutExpired:
            return ["timeout"] * len(calls), {}
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        try:
            with np.load(io.BytesIO(out), allow_pickle=False) as data:
                return json.loads(str(data["status"])), {k: data[k] for k in data.files if k != "status"}
        except (ValueError, OSError, KeyError, EOFError):
            return ["crashed"] * len(calls), {}


def judge(folder: Path, name: str) -> tuple[bool, str, tuple | None]:
    """``(right, why not, reading)``: right when one reading of 'same' fits every case."""
    task = FILES.index(name)
    cases = pool_cases() if task == 6 else conv_cases(task)
    status, outs = run_student(folder, name, [(a, kw) for a, kw, _ in cases])
    if any(s != "ok" for s in status):
        return False, next(s for s in status if s != "ok"), None
    why = "values"
    for reading in product(("tf", "stride-one"), ("after", "before")):
        bad = [i for i, c in enumerate(cases) if not _close(outs[f"o{i}"], expected(task, c[2], reading))]
        if not bad:
            return True, "", reading
        why = f"case {bad[0] + 1} of {len(cases)}" if reading == ("tf", "after") else why
    return False, why, None


def _close(received: np.ndarray, right: np.ndarray) -> bool:
    return received.shape == right.shape and bool(np.allclose(received, right, rtol=1e-6, atol=1e-6))


# --- the checker and the tally ---------------------------------------------------------------------------


def run_checker(folder: Path) -> dict[str, dict]:
    """The checker's JSON report on ``folder``, per task file name."""
    command = [sys.executable, "-m", "convpool", "check", str(folder), "--json", "--no-timing"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900)
    try:
        return {Path(t["file"]).name: t for t in json.loads(proc.stdout)["tasks"]}
    except (ValueError, KeyError):
        return {name: {"error": proc.stdout[-300:] + proc.stderr[-300:]} for name in FILES}


def classify(report: dict, key: str, misleading: dict) -> tuple[bool, str, str]:
    """``(checker passed on values, class, first diagnosis id)`` of one task's report.

    The class comes from the first diagnosis (the first failing case); an 'unrecognised' one followed by a
    real exception the checker reports (a later case raised) is ``unrecognised+raised``.
    """
    ids = [d["id"] for d in report.get("diagnoses", [])]
    if "error" in report:
        return False, "checker-error", report["error"]
    passed = not ids and report["cases_passed"] == report["cases"]
    first = ids[0] if ids else ""
    kind = "raised" if first in RAISED else "unrecognised" if first == "unrecognised" else "named"
    kind = "checker-error" if first == "checker-error" else kind
    if kind == "unrecognised" and any(i in RAISED for i in ids[1:]):
        kind = "unrecognised+raised"
    if kind == "named" and key in misleading:
        kind = "misleading"
    return passed, kind, first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--misleading", type=Path, help="JSON {owner__repo/file: why}: named mistakes not made")
    parser.add_argument("--only", nargs="*", default=None, help="only these repository folders")
    args = parser.parse_args(argv)
    misleading = json.loads(args.misleading.read_text()) if args.misleading else {}
    folders = sorted(p for p in args.corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    folders = [f for f in folders if args.only is None or f.name in args.only]
    rows = []
    for folder in folders:
        reports = run_checker(folder)
        for name in [n for n in FILES if (folder / n).exists()]:
            right, why, reading = judge(folder, name)
            key = f"{folder.name}/{name}"
            passed, kind, first = classify(reports.get(name, {"error": "not reported"}), key, misleading)
            notes = [n["id"] for n in reports.get(name, {}).get("notes", [])]
            rows.append((key, right, why, reading, passed, kind, first, notes))
            print(
                f"{key:70} judge={'PASS' if right else 'FAIL'} checker={'PASS' if passed else 'FAIL'} "
                f"{'' if right else kind + ' ' + first} {why} {reading or ''} {' '.join(notes)}",
                flush=True,
            )
    return summary(rows, len(folders))


def summary(rows: list, repos: int) -> int:
    """Print the totals; exit status 1 when a verdict disagrees."""
    disagree = [r for r in rows if r[1] != r[4]]
    wrong = [r for r in rows if not r[1]]
    kinds = ("named", "raised", "unrecognised", "unrecognised+raised", "misleading", "checker-error")
    counts = {k: sum(1 for r in wrong if r[5] == k) for k in kinds}
    print(f"\n{repos} repositories, {len(rows)} task files; verdicts agree on {len(rows) - len(disagree)}")
    for r in disagree:
        print(f"  DISAGREE {r[0]}: judge {'PASS' if r[1] else 'FAIL'} ({r[2]}), checker {r[6] or 'PASS'}")
    good = sum(1 for r in wrong if r[5] in ("named", "raised"))
    share = 100.0 * good / max(len(wrong), 1)
    lenient = 100.0 * (good + counts["unrecognised+raised"]) / max(len(wrong), 1)
    print(f"wrong files: {len(wrong)}; " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"named or raised: {share:.1f}%; counting a reported exception after an unrecognised case: {lenient:.1f}%")
    for r in wrong:
        if r[5] in ("unrecognised", "unrecognised+raised", "misleading", "checker-error"):
            print(f"  {r[5]}: {r[0]} ({r[2]})")
    opened = [r for r in rows if r[1] and r[3] != ("tf", "after")]
    noted = sum(1 for r in opened if r[4] and r[7])
    print(f"open-point files (right under another reading of 'same'): {len(opened)}; checker PASS with a note: {noted}")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
