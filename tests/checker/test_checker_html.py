"""``convpool check --html``: the failing case drawn, wrong cells marked, the Learn page linked, nothing overwritten.

Oracle for the marked cells: the report's own expected and received arrays
compared here with NumPy, cell by cell; the page is parsed with the standard
library's HTML parser.
"""

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

CASES = Path(__file__).resolve().parent / "checker_cases"


class _Grids(HTMLParser):
    """Every ``table.grid`` as rows of (text, marked) cells, and every link."""

    def __init__(self):
        super().__init__()
        self.grids, self.links, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "grid":
            self.grids.append([])
        elif tag == "tr" and self.grids:
            self.grids[-1].append([])
        elif tag == "td" and self.grids:
            self._cell = [attrs.get("class") == "bad", ""]
        elif tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.grids[-1][-1].append((float(self._cell[1]), self._cell[0]))
            self._cell = None


def _check(*args):
    return subprocess.run(
        [sys.executable, "-m", "convpool", "check", *map(str, args), "--no-timing"], capture_output=True, timeout=300
    )


def test_the_failing_case_is_drawn_with_the_wrong_cells_marked(tmp_path):
    from convpool.checker.run import Options, check_path

    student = tmp_path / "student"
    student.mkdir()
    shutil.copy2(CASES / "wrong" / "stride_not_multiplied.py", student / "5-convolve.py")
    target = tmp_path / "report.html"
    done = _check(student, "--html", target)
    assert done.returncode == 1, done.stderr
    page = _Grids()
    page.feed(target.read_text())
    (r,), _ = check_path(student, options=Options(timing=False))
    expected, received = r.expected[0, :, :, 0], r.received[0, :, :, 0]  # image 0, kernel 0 of the shrunk case
    inputs, kernel, drawn_expected, drawn_received = page.grids
    assert np.array_equal([[v for v, _ in row] for row in drawn_expected], expected)
    assert np.array_equal([[v for v, _ in row] for row in drawn_received], received)
    wrong = ~np.isclose(received, expected)
    assert wrong.any() and not wrong.all()
    for grid in (drawn_expected, drawn_received):
        assert np.array_equal([[bad for _, bad in row] for row in grid], wrong)
    assert np.array_equal([[v for v, _ in row] for row in kernel], r.case.args[1][:, :, 0, 0])
    assert not any(bad for row in inputs for _, bad in row)
    assert any(link.endswith("plot_05_stride.py") for link in page.links)  # the Learn page on strides


def test_a_passing_note_links_the_many_sames_and_control_characters_never_reach_the_page(tmp_path):
    student = tmp_path / "student"
    student.mkdir()
    shutil.copy2(CASES / "conventions" / "same_odd_row_on_top.py", student / "1-convolve_grayscale_same.py")
    shutil.copy2(CASES / "hostile" / "ansi_codes.py", student / "2-convolve_grayscale_padding.py")
    target = tmp_path / "report.html"
    assert _check(student, "--html", target).returncode == 1
    text = target.read_text()
    assert "convention-same-side" in text and "plot_10_many_sames.py" in text
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "ValueError" in text


def test_a_file_that_is_not_a_report_is_never_overwritten(tmp_path):
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>")
    done = _check(CASES / "good" / "6-pool.py", "--html", notes)
    assert done.returncode == 2 and b"not a convpool check report" in done.stderr
    assert notes.read_text() == "<p>my notes</p>"
    report = tmp_path / "report.html"
    assert _check(CASES / "good" / "6-pool.py", "--html", report).returncode == 0
    first = report.read_text()
    assert _check(CASES / "good" / "6-pool.py", "--html", report).returncode == 0  # its own page is replaced
    assert report.read_text() == first and "PASS" in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.html", "report.html"]  # no temporary file left
