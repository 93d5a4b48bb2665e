"""tools/measure_checker.py: its independent judge is right before anything is measured with it.

Oracles: the naive loops of tests/_reference.py (written separately from the
tool's), and student-style files whose verdict is known (checker_cases/good
pass, a file with one mistake fails, the open points pass under their reading).
"""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests._reference import conv_ref

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "checker_cases"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("measure_checker", ROOT / "tools" / "measure_checker.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("task", range(6))
def test_the_judges_answers_are_the_reference_loops(tool, task):
    cases = tool.conv_cases(task)
    assert len(cases) >= (1 if task in (0, 2) else 3)
    for _, _, (x4, k4, padding, stride) in cases:
        right = conv_ref(x4, k4, padding, stride)  # 'same': the odd row after, as convpool and TensorFlow
        got = tool.expected(task, (x4, k4, padding, stride), ("tf", "after"))
        np.testing.assert_allclose(got, right if task == 5 else right[..., 0], atol=1e-9)


def test_the_judges_pooling_is_a_max_or_mean_per_window(tool):
    x = np.arange(2 * 5 * 4 * 1, dtype=np.float64).reshape(2, 5, 4, 1)
    out = tool.pool_loops(x, (2, 3), (2, 1), "max")
    assert out.shape == (2, 2, 2, 1) and out[1, 1, 0, 0] == x[1, 2:4, 0:3, 0].max()
    assert tool.pool_loops(x, (2, 3), (2, 1), "avg")[0, 0, 1, 0] == x[0, 0:2, 1:4, 0].mean()


@pytest.mark.parametrize("name", sorted(p.name for p in (CASES / "good").glob("*.py")))
def test_correct_student_files_pass_the_judge(tool, name):
    right, why, reading = tool.judge(CASES / "good", name)
    assert right, why
    assert reading == ("tf", "after")


@pytest.mark.parametrize(
    ("source", "task", "verdict", "reading"),
    [
        ("wrong/same_plus_one.py", 3, False, None),
        ("wrong/flipped_kernel.py", 0, False, None),
        ("wrong/pool_ceil.py", 6, False, None),
        ("conventions/same_odd_row_on_top.py", 1, True, ("tf", "before")),
        ("conventions/same_both_open_points.py", 5, True, ("stride-one", "before")),
    ],
)
def test_mistakes_fail_and_open_points_pass_under_their_reading(tool, tmp_path, source, task, verdict, reading):
    text = (CASES / source).read_text()
    assert f"def {tool.FUNCTIONS[task]}(" in text
    shutil.copy(CASES / source, tmp_path / tool.FILES[task])
    right, why, found = tool.judge(tmp_path, tool.FILES[task])
    assert (right, found) == (verdict, reading), why
