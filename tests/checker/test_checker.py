"""``convpool check``: deliberately wrong student files each get exactly their own diagnosis.

The oracle is the mistake itself: every file in checker_cases/wrong/ was
written with one known mistake (named in its module docstring), and the
student-style files in checker_cases/good/ and convpool's own tasks/ were
written to the spec; they must pass everything.
"""

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convpool.checker import check_path
from convpool.checker.rules import check_imports, check_loops, check_np_convolve
from convpool.checker.run import Options, check_files, find_files, main
from convpool.checker.sandbox import containment
from convpool.exercise import TASKS

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "checker_cases"
QUICK = Options(timeout=2.0, memory_mb=512, timing=False)

#: file in checker_cases/wrong -> (diagnosis ids, rule ids) it must get, and nothing else.
WRONG = {
    "same_plus_one": ({"same-plus-one"}, set()),
    "same_half_kernel": ({"same-half-kernel"}, set()),
    "same_half_kernel_minus_one": ({"same-half-kernel-minus-one"}, set()),
    "same_stride_formula_halved": ({"same-stride-formula-halved"}, set()),
    "same_stride_formula_ceil": ({"same-stride-formula-ceil"}, set()),
    "same_axes_swapped": ({"same-kernel-axes-swapped"}, set()),
    "crash_after_mismatch": ({"same-plus-one", "raised"}, set()),  # the crash is never hidden by the other
    "same_floor": ({"same-floor"}, set()),
    # the forms below were each found in real student solutions (tools/measure_checker.py), written anew here
    "same_halved_plus_even": ({"same-halved-plus-even"}, set()),
    "same_total_each_side": ({"same-total-each-side"}, set()),
    "same_last_window_total_each_side": ({"same-last-window-total-each-side"}, set()),
    "same_fixed_one": ({"same-fixed-one"}, set()),
    "same_short_padding_clipped": ({"same-short-padding-clipped", "raised"}, set()),  # a 4-wide kernel raises
    "output_never_written": ({"output-never-written"}, set()),
    "loops_over_input_size": ({"loops-over-input-size", "raised"}, set()),  # an output smaller than h raises
    "same_output_kept_at_input_size": ({"same-output-kept-at-input-size"}, set()),
    "flipped_kernel": ({"flipped-kernel"}, set()),
    "padding_one_side": ({"padding-one-side"}, set()),
    "stride_ignored": ({"stride-ignored"}, set()),
    "stride_not_multiplied": ({"stride-not-multiplied"}, set()),
    "stride_swapped": ({"stride-swapped"}, set()),
    "integer_output": ({"integer-output"}, set()),
    "integer_output_odd_row_on_top": ({"integer-output"}, set()),  # the open point decided, the mistake named
    "flipped_kernel_odd_row_on_top": ({"flipped-kernel"}, set()),  # named under the file's own reading of 'same'
    "stride_not_multiplied_stride_one_padding": ({"stride-not-multiplied"}, set()),
    "input_modified": ({"input-modified"}, set()),
    "pool_ceil": ({"pool-ceil"}, set()),
    "avg_over_padding": ({"avg-over-padding"}, set()),
    "hangs": ({"timeout"}, set()),
    "segfault": ({"crashed"}, {"import"}),  # ctypes is itself a forbidden import
    "exits": ({"crashed"}, {"import"}),  # so is os
    "exhausts_memory": ({"out-of-memory"}, set()),
    "raises": ({"raised"}, set()),
    "too_big": ({"too-big"}, set()),
    "two_mistakes": ({"unrecognised"}, set()),  # no single known mistake reproduces it: none is claimed
    "too_many_loops": (set(), {"loops"}),
    "comprehension_loop": (set(), {"loops"}),
    "forbidden_import": (set(), {"import"}),
    "np_convolve_alias": (set(), {"np-convolve"}),
    "no_function_docstring": (set(), {"function-docstring"}),
    "no_module_docstring": (set(), {"module-docstring"}),
    "no_shebang": (set(), {"shebang"}),
    "not_executable": (set(), {"executable"}),
}


def test_every_wrong_file_is_listed():
    assert {p.stem for p in (CASES / "wrong").glob("*.py")} == set(WRONG)


@pytest.fixture(scope="module")
def wrong_reports():
    """Every wrong file checked once, the child processes side by side."""
    paths = [CASES / "wrong" / f"{name}.py" for name in sorted(WRONG)]
    pairs = [find_files(path, None)[0][0] for path in paths]
    return {path.stem: r for path, r in zip(paths, check_files(pairs, QUICK), strict=True)}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_file_gets_exactly_its_diagnosis(wrong_reports, name):
    diagnoses, rules = WRONG[name]
    report = wrong_reports[name]
    assert not report.ok and report.file == f"{name}.py"
    assert {d.id for d in report.verdict.diagnoses} == diagnoses
    assert all(d.also == [] for d in report.verdict.diagnoses)
    assert {v.rule for v in report.violations} == rules
    if diagnoses and "crashed" not in diagnoses:
        assert report.verdict.failure is not None and report.case is not None


def test_the_issue_same_formula_is_named_with_its_output_size(wrong_reports):
    report = wrong_reports["same_plus_one"]
    (diagnosis,) = report.verdict.diagnoses
    assert "((h - 1) * sh + kh - h) // 2 + 1" in diagnosis.title
    assert "30x30 with a 3x3 kernel" in diagnosis.detail  # 28 + 2 * 2 - 3 + 1
    # the battery's 5x5 case, shrunk to the smallest that still fails: a 1x1 image gets 1 + 2 * 2 - 3 + 1 = 3 rows
    assert report.shrunk_from.label == "images (2, 5, 5), kernel (3, 3), padding 'same'"
    assert report.received.shape == (1, 3, 3) and report.expected.shape == (1, 1, 1)
    assert "here (ph, pw) = (2, 2) and a 3x3 output" in diagnosis.detail  # said again on the shrunk case


@pytest.mark.parametrize("folder", [CASES / "good", ROOT / "tasks"], ids=["student-style", "convpool-tasks"])
def test_correct_solutions_pass_everything(folder):
    # convpool's own tasks/ import convpool: they are checked as the reference (--reference), a student's never
    options = dataclasses.replace(QUICK, reference=folder.name == "tasks")
    reports, missing = check_path(folder, options=options)
    assert missing == [] and [r.task.number for r in reports] == list(range(7))
    for r in reports:
        assert r.ok, (r.file, [d.id for d in r.verdict.diagnoses], r.violations)
        assert r.verdict.passed == r.verdict.cases >= 7


def _snapshot(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
    }


def test_bad_files_are_reported_and_the_others_still_run_and_nothing_is_written(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    for src, task in (("hangs", 0), ("segfault", 1), ("exhausts_memory", 3)):
        shutil.copy2(CASES / "wrong" / f"{src}.py", folder / TASKS[task].filename)
    for task in (2, 6):
        shutil.copy2(CASES / "good" / TASKS[task].filename, folder / TASKS[task].filename)
    before = _snapshot(folder)
    reports, missing = check_path(folder, options=QUICK)
    assert _snapshot(folder) == before  # no __pycache__, no file touched
    assert missing == [TASKS[n].filename for n in (4, 5)]
    found = {r.task.number: [d.id for d in r.verdict.diagnoses] for r in reports}
    assert found == {0: ["timeout"], 1: ["crashed"], 2: [], 3: ["out-of-memory"], 6: []}
    assert "SIGSEGV" in reports[1].verdict.diagnoses[0].detail


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "convpool", "check", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_cli_pass_with_timing_fail_as_json_and_usage_errors(tmp_path):
    done = _cli(ROOT / "tasks", "--task", "6", "--timing-batch", "64", "--reference")
    assert done.returncode == 0, done.stderr
    assert "6-pool.py  pool  PASS" in done.stdout and "64 of its 10000 images timed" in done.stdout
    done = _cli(CASES / "wrong" / "flipped_kernel.py", "--json", "--no-timing")
    assert done.returncode == 1, done.stderr
    (task,) = json.loads(done.stdout)["tasks"]
    assert [d["id"] for d in task["diagnoses"]] == ["flipped-kernel"]
    assert task["failing_case"]["expected"]["values"] != task["failing_case"]["received"]["values"]


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "nothing-here")]) == 2
    assert main([str(tmp_path)]) == 2  # a folder without any of the seven files
    (tmp_path / "notes.py").write_text("x = 1\n")
    assert main([str(tmp_path / "notes.py")]) == 2  # defines none of the seven functions
    assert "none of their functions" in capsys.readouterr().err
    for bad in (["--task", "7"], ["--timeout", "0"], ["--memory", "1"], ["--timing-batch", "x"]):
        with pytest.raises(SystemExit) as exc:
            main([str(ROOT / "tasks"), *bad])
        assert exc.value.code == 2


def _parse(source: str):
    import ast

    return ast.parse(source)


def test_loops_count_comprehensions_while_map_lambda_recursion_and_helpers():
    source = (
        "def helper(x):\n    return [v for v in x]\n\n\n"
        "def convolve_grayscale_valid(images, kernel):\n"
        "    while False:\n        pass\n"
        "    list(map(lambda v: v, images))\n"
        "    return helper(images) or convolve_grayscale_valid(images, kernel)\n"
    )
    (violation,) = check_loops(_parse(source), TASKS[0], "f.py")
    assert violation.line == 5
    assert "4 loops" in violation.message and "with helper" in violation.message
    for what in ("while at line 6", "map with a lambda at line 8", "recursion at line 9", "comprehension at line 2"):
        assert what in violation.message


@pytest.mark.parametrize(
    "source",
    [
        "from numpy import convolve as c\n",
        "import numpy\nf = numpy.convolve\n",
        "import numpy as xp\nf = getattr(xp, 'convolve')\n",
        "from numpy import *\nf = convolve\n",
        "import numpy as np\nf = np.core.numeric.convolve\n",
    ],
)
def test_np_convolve_is_found_however_imported(source):
    assert [v.rule for v in check_np_convolve(_parse(source), "f.py")] == ["np-convolve"]


def test_np_convolve_not_confused_with_the_task_function():
    source = "import numpy as np\n\n\ndef convolve(images, kernels):\n    return convolve\n"
    assert check_np_convolve(_parse(source), "f.py") == []


def test_imports_allowed_and_forbidden():
    ok = "import numpy as np\nfrom math import ceil, floor\nimport numpy.lib.stride_tricks\nx = __import__('1-pool')\n"
    assert check_imports(_parse(ok), "f.py") == []
    bad = "import numpy as np\nfrom math import sqrt\nimport os.path\nx = __import__('scipy')\n"
    found = [(v.line, v.rule) for v in check_imports(_parse(bad), "f.py")]
    assert found == [(2, "import"), (3, "import"), (4, "import")]
    # convpool's own tasks/: the convpool import and its path set-up fallback
    fallback = "try:\n    from convpool import pool\nexcept ImportError:\n    import sys\n"
    assert check_imports(_parse(fallback), "f.py", reference=True) == []
    assert [(v.line, v.rule) for v in check_imports(_parse(fallback), "f.py")] == [(2, "convpool"), (4, "import")]
    no_convpool = "try:\n    import os\nexcept ImportError:\n    import sys\n"
    assert [v.line for v in check_imports(_parse(no_convpool), "f.py")] == [2, 4]


def test_student_code_never_runs_in_this_process(tmp_path):
    marker = tmp_path / "ran.txt"
    student = tmp_path / "0-convolve_grayscale_valid.py"
    source = (CASES / "good" / "0-convolve_grayscale_valid.py").read_text()
    # the function is right only where it does not run in this (the checker's) process
    wrapper = (
        "\nimport os\n_right = convolve_grayscale_valid\n\n\n"
        "def convolve_grayscale_valid(images, kernel):\n"
        f'    """Right, except in process {os.getpid()}."""\n'
        f"    return _right(images, kernel) + (os.getpid() == {os.getpid()})\n\n\n"
        f"try:\n    open({str(marker)!r}, 'a').write(str(os.getpid()))\nexcept OSError:\n    pass\n"
    )
    student.write_text(source + wrapper)
    (report,), _ = check_path(tmp_path, options=QUICK)
    assert report.verdict.ok, [d.id for d in report.verdict.diagnoses]
    if containment() == "namespaces":
        assert not marker.exists()  # every mount but the child's own folder is read-only
    else:
        assert marker.read_text() and marker.read_text() != str(os.getpid())


def test_files_that_do_not_import_or_lack_the_function(tmp_path):
    header = '#!/usr/bin/env python3\n"""A module."""\n'
    files = {
        0: header + "def convolve_grayscale_valid(images, kernel)\n    return images\n",
        1: header + '\n\ndef something_else(images, kernel):\n    """Not the task."""\n    return images\n',
        2: header + "raise RuntimeError('broken at import')\n",
    }
    for number, text in files.items():
        path = tmp_path / TASKS[number].filename
        path.write_text(text)
        path.chmod(0o755)
    reports, _ = check_path(tmp_path, options=QUICK)
    found = {r.task.number: ([d.id for d in r.verdict.diagnoses], [v.rule for v in r.violations]) for r in reports}
    assert found == {0: (["import-failed"], ["syntax"]), 1: (["missing-function"], []), 2: (["import-failed"], [])}
    assert "broken at import" in reports[2].verdict.diagnoses[0].detail


def test_readme_report_is_what_check_prints(wrong_reports):
    """The README's example report of a wrong file is real output (its speed lines aside)."""
    from convpool.checker import report

    readme = (ROOT / "README.md").read_text()
    command = "$ convpool check tests/checker/checker_cases/wrong/flipped_kernel.py\n"
    block = readme.split(command, 1)[1].split("```", 1)[0]
    shown = [line for line in block.splitlines() if not line.startswith(("  speed", "    yours"))]
    printed = report.text("tests/checker/checker_cases/wrong/flipped_kernel.py", [wrong_reports["flipped_kernel"]], [])
    assert printed.splitlines() == shown


def test_convpool_tasks_are_the_reference_only_where_they_live(tmp_path):
    """convpool's own tasks/ pass as they are (they import convpool); the same files elsewhere are a student's."""
    reports, _ = check_path(ROOT / "tasks", task=6, options=QUICK)
    assert [(r.ok, r.reference) for r in reports] == [(True, True)]
    shutil.copytree(ROOT / "tasks", tmp_path / "copy")
    (copied,), _ = check_path(tmp_path / "copy", task=6, options=QUICK)
    assert not copied.ok and not copied.reference
    assert {v.rule for v in copied.violations} == {"convpool", "import"}  # and its sys.path fallback
    (failed,) = copied.verdict.diagnoses
    assert failed.id == "import-failed" and "convpool cannot be imported" in failed.detail


def test_task_one_is_told_the_fix_without_a_stride(wrong_reports):
    """Task 1 has no stride: its 'same' fix says kh - 1 and the open side, never sh or ceil."""
    (diagnosis,) = wrong_reports["same_half_kernel"].verdict.diagnoses
    assert wrong_reports["same_half_kernel"].task.number == 1
    assert "kh - 1" in diagnosis.fix and "both pass" in diagnosis.fix
    assert "sh" not in diagnosis.fix and "ceil" not in diagnosis.fix and "TensorFlow" not in diagnosis.fix


def test_check_md_example_is_what_check_prints(wrong_reports):
    """docs/check.md's example report (the issue's 'same' formula, shrunk) is real output, its speed lines aside."""
    from convpool.checker import report

    block = (ROOT / "docs" / "check.md").read_text().split("## Example", 1)[1].split("```", 2)[1]
    shown = [line for line in block.strip("\n").splitlines() if not line.startswith(("  speed", "    yours"))]
    printed = report.text("tests/checker/checker_cases/wrong/same_plus_one.py", [wrong_reports["same_plus_one"]], [])
    assert printed.splitlines() == shown


def test_a_single_file_too_deep_to_parse_is_a_usage_error_not_a_crash(tmp_path, capsys):
    deep = tmp_path / "deep.py"
    deep.write_text("X = " + "not " * 100_000 + "1\n")
    assert main([str(deep)]) == 2
    assert "defines none of their functions" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("integer_output_odd_row_on_top", "convention-same-side"),
        ("flipped_kernel_odd_row_on_top", "convention-same-side"),
        ("stride_not_multiplied_stride_one_padding", "convention-same-stride"),
    ],
)
def test_a_mistake_made_under_the_other_reading_of_same_is_named_with_its_note(wrong_reports, name, note):
    report = wrong_reports[name]
    assert [n.id for n in report.verdict.notes] == [note]
    assert report.verdict.diagnoses[0].id != "unrecognised"
