"""``convpool check``: the mistakes students make, the spec's open points, and rules that see through tricks.

Oracles: each student-style file was written with one known mistake or one
known choice (its docstring says which); the rules are checked on small
sources whose loops and imports are counted by hand.
"""

import ast
from pathlib import Path

import pytest

from convpool.checker.rules import check_dynamic, check_loops, check_string_is
from convpool.checker.run import Options, check_files, find_files
from convpool.exercise import TASKS

CASES = Path(__file__).resolve().parent / "checker_cases"
QUICK = Options(timeout=2.0, memory_mb=512, timing=False)

#: file in checker_cases/conventions -> (the notes it must get, the rules it breaks); each must PASS on values.
CONVENTIONS = {
    "same_odd_row_on_top": ({"convention-same-side"}, set()),
    "same_stride_one_padding": ({"convention-same-stride"}, set()),
    "same_both_open_points": ({"convention-same-side", "convention-same-stride"}, set()),
    "string_is": (set(), {"string-is"}),  # the checker passes interned strings, as a main file does
}


@pytest.fixture(scope="module")
def convention_reports():
    paths = [CASES / "conventions" / f"{name}.py" for name in sorted(CONVENTIONS)]
    pairs = [find_files(path, None)[0][0] for path in paths]
    return {path.stem: r for path, r in zip(paths, check_files(pairs, QUICK), strict=True)}


def test_every_convention_file_is_listed():
    assert {p.stem for p in (CASES / "conventions").glob("*.py")} == set(CONVENTIONS)


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_open_points_pass_with_one_note_each(convention_reports, name):
    notes, rules = CONVENTIONS[name]
    report = convention_reports[name]
    assert report.verdict.ok, [(d.id, d.detail) for d in report.verdict.diagnoses]
    assert report.verdict.passed == report.verdict.cases
    assert {n.id for n in report.verdict.notes} == notes
    assert {v.rule for v in report.violations} == rules
    for note in report.verdict.notes:
        assert "plot_10_many_sames" in note.fix and "TensorFlow" in note.detail


def test_convention_notes_are_printed_and_name_the_learn_page(convention_reports):
    from convpool.checker import report

    text = report.task_text(convention_reports["same_both_open_points"])
    assert "PASS" in text.splitlines()[0]
    assert text.count("note [convention-same-") == 2 and "learn: docs/learn/plot_10_many_sames.py" in text
    assert "stride (3, 2)" in text  # the stride note points at a case with a stride


def test_a_crash_after_another_failure_is_reported_with_its_line(tmp_path):
    (pair,), _ = find_files(CASES / "wrong" / "crash_after_mismatch.py", None)
    (report,) = check_files([pair], QUICK)
    ids = [d.id for d in report.verdict.diagnoses]
    assert ids == ["same-plus-one", "raised"]
    crash = report.verdict.diagnoses[1].detail
    assert "stride (2, 2)" in crash and "ValueError" in crash and "line 17" in crash


def _source(text: str) -> ast.Module:
    return ast.parse(text)


def test_loops_in_text_given_to_exec_count_and_exec_is_forbidden():
    source = (
        "BODY = 'for a in x:\\n    for b in a:\\n        pass'\n"
        "def pool(x):\n    exec(BODY)\n    eval('[v for v in x]')\n"
    )
    (violation,) = check_loops(_source(source), TASKS[6], "6-pool.py")
    assert "3 loops" in violation.message and "in the text given to exec" in violation.message
    assert "comprehension in the text given to eval" in violation.message
    assert {(v.line, v.message.split("`")[1]) for v in check_dynamic(_source(source), "f.py")} == {
        (3, "exec"),
        (4, "eval"),
    }


@pytest.mark.parametrize(
    "source",
    [
        "f = getattr(__builtins__, '__import__')\n",
        "f = __builtins__['__import__']\n",
        "import numpy as np\nf = np.__builtins__\n",
        "f = compile('1', 'x', 'eval')\n",
        "import numpy as np\nf = getattr(np, 'eval')\n",
        "run = exec\n",
        "f = globals()['__builtins__']\n",
    ],
)
def test_builtins_and_code_from_text_are_found_however_reached(source):
    assert check_dynamic(_source(source), "f.py"), source


def test_ordinary_code_is_not_dynamic():
    source = "import numpy as np\n\n\ndef pool(images, kernel_shape, stride, mode='max'):\n    return np.max(images)\n"
    assert check_dynamic(_source(source), "f.py") == []


def test_a_local_named_like_the_function_is_no_recursion():
    source = (
        "import numpy as np\n\n\ndef pool(images, kernel_shape, stride, mode='max'):\n"
        "    pool = np.max if mode == 'max' else np.mean\n    return pool(images)\n"
    )
    assert check_loops(_source(source + "    for a in images:\n        pass\n"), TASKS[6], "6-pool.py") == []
    recursive = (
        "def pool(x, k, s):\n    for a in x:\n        pass\n    while False:\n        pass\n    return pool(x, k, s)\n"
    )
    (violation,) = check_loops(_source(recursive), TASKS[6], "6-pool.py")
    assert "3 loops" in violation.message and "recursion at line 6" in violation.message


def test_is_with_a_string_is_a_rule_with_its_fix_and_other_is_is_fine():
    found = check_string_is(_source("if padding is 'same' or mode is not 'max' or x is None:\n    pass\n"), "f.py")
    assert [v.rule for v in found] == ["string-is", "string-is"]
    assert "write `==`" in found[0].message and "write `!=`" in found[1].message
