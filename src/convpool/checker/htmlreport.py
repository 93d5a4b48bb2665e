"""``convpool check --html FILE``: the report as one self-contained page, each failing case drawn.

For a failing task the page draws the (shrunk) failing case as grids of
numbers: the input (image 0, channel 0), the kernel, convpool's result and
the student's, the cells that differ outlined in red in both. Beside them:
the diagnosis, the fix and a link to the Learn page that explains the idea.
Everything a student's file produced is escaped and stripped of control
characters; the page loads nothing from the network.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

import numpy as np

from .._exits import UsageError
from .findings import Diagnosis
from .report import TaskReport, call_text, clean
from .timing import Timing

#: The marker of a page this module wrote: only such a page is ever replaced.
GENERATOR = '<meta name="generator" content="convpool check">'

#: Diagnosis id prefix -> the Learn page (docs/learn/) that explains the idea behind it.
LEARN = {
    "same-": "plot_10_many_sames.py",
    "convention-": "plot_10_many_sames.py",
    "flipped-kernel": "plot_01_convolution.py",
    "padding-": "plot_03_padding.py",
    "stride-": "plot_05_stride.py",
    "pool-": "plot_08_pooling.py",
    "avg-": "plot_08_pooling.py",
}

_DOCS = Path(__file__).resolve().parents[3] / "docs"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 1100px; color: #222; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.pass { color: #176317; } .fail { color: #b00020; }
.grids { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin: 1em 0; }
figure { margin: 0; } figcaption { font-size: 0.85em; margin-bottom: 0.3em; color: #444; }
table.grid { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: 0.8em; }
table.grid td { border: 1px solid #bbb; padding: 2px 5px; text-align: right; min-width: 2.2em; }
table.grid td.bad { outline: 3px solid #d00; outline-offset: -3px; background: #fde8e8; }
.diagnosis { background: #f6f6f6; border-left: 4px solid #b00020; padding: 0.5em 1em; margin: 0.8em 0; }
.note { background: #f3f7fd; border-left: 4px solid #2a62b8; padding: 0.5em 1em; margin: 0.8em 0; }
pre { white-space: pre-wrap; } code { background: #f0f0f0; padding: 0 3px; }
"""


def _text(value: object) -> str:
    return html.escape(clean(str(value)))


def learn_link(key: str) -> str:
    """An HTML link to the Learn page for diagnosis ``key`` (or to its section of docs/check.md)."""
    page = next((p for prefix, p in LEARN.items() if key.startswith(prefix)), None)
    target = _DOCS / "learn" / page if page else _DOCS / "check.md"
    title = f"docs/learn/{page}" if page else f"docs/check.md#{key}"
    if page and target.is_file():
        lines = target.read_text(encoding="utf-8").splitlines()
        title = f"Learn: {lines[1].strip()}" if len(lines) > 1 else title
    href = target.as_uri() + ("" if page else f"#{key}") if target.exists() else title
    return f'<a href="{html.escape(href)}">{_text(title)}</a>'


def _plane(a: np.ndarray | None, kind: str) -> np.ndarray | None:
    """The 2-D slice drawn: image 0 and channel 0 (or kernel 0)."""
    if a is None:
        return None
    while a.ndim > 2:
        a = a[0] if kind == "batch" else a[..., 0]
        kind = "kernel" if kind == "batch" else kind
    return a


def _grid(caption: str, a: np.ndarray | None, bad: np.ndarray | None = None) -> str:
    if a is None:
        return ""
    if a.size > 40 * 40:
        return f"<figure><figcaption>{_text(caption)}: {a.shape[0]}x{a.shape[1]}, too big to draw</figcaption></figure>"
    rows = []
    for i in range(a.shape[0]):
        cells = []
        for j in range(a.shape[1]):
            mark = ' class="bad"' if bad is not None and bad[i, j] else ""
            cells.append(f"<td{mark}>{float(a[i, j]):.4g}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<figure><figcaption>{_text(caption)}</figcaption><table class="grid">{"".join(rows)}</table></figure>'


def _wrong_cells(expected: np.ndarray, received: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cells to mark in each grid: those that differ where both have cells, and those only one has."""
    h, w = min(expected.shape[0], received.shape[0]), min(expected.shape[1], received.shape[1])
    differ = ~np.isclose(received[:h, :w].astype(np.float64), expected[:h, :w], rtol=1e-5, atol=1e-5)
    marks = []
    for a in (expected, received):
        bad = np.ones(a.shape[:2], bool)
        bad[:h, :w] = differ
        marks.append(bad)
    return marks[0], marks[1]


def _drawing(r: TaskReport) -> str:
    """The failing case as grids, the differing cells marked."""
    case = r.case
    assert case is not None  # only a failing report is drawn
    images = _plane(case.args[0], "batch")
    kernel = _plane(case.args[1], "kernel") if r.task.kind != "pool" else None
    expected, received = _plane(r.expected, "batch"), _plane(r.received, "batch")
    bad_expected = bad_received = None
    if expected is not None and received is not None:
        bad_expected, bad_received = _wrong_cells(expected, received)
    shapes = ""
    if expected is not None and received is not None and expected.shape != received.shape:
        shapes = f"<p>The sizes differ: convpool's {expected.shape[0]}x{expected.shape[1]}, yours "
        shapes += f"{received.shape[0]}x{received.shape[1]}.</p>"
    parts = [
        _grid(f"input {case.args[0].shape}: image 0, channel 0", images),
        _grid(f"kernel {case.args[1].shape}" + (": channel 0, kernel 0" if kernel.ndim < case.args[1].ndim else ""),
              kernel) if kernel is not None else "",
        _grid("expected (convpool)", expected, bad_expected),
        _grid("received (yours)", received, bad_received),
    ]  # fmt: skip
    return f'{shapes}<div class="grids">{"".join(parts)}</div>'


def _case(r: TaskReport) -> str:
    v, case = r.verdict, r.case
    assert case is not None and v.failure is not None  # only a failing report has a case
    head = f"<p>First failing case ({v.failure + 1} of {v.cases}): {_text((r.shrunk_from or case).label)}"
    if r.shrunk_from is not None:
        head += f"<br>shrunk to the smallest case that still fails: <b>{_text(case.label)}</b>"
    return head + f"<br>call: <code>{_text(call_text(r.task, case))}</code></p>" + _drawing(r)


def _finding(d: Diagnosis, css: str, label: str) -> str:
    detail = f"<pre>{_text(d.detail)}</pre>" if d.detail else ""
    fix = f"<p><b>fix:</b> {_text(d.fix)}</p>" if css == "diagnosis" else ""
    return (
        f'<div class="{css}"><p><b>{label} [{_text(d.id)}]</b>: {_text(d.title)}</p>{detail}{fix}'
        f"<p>more: {learn_link(d.id)}</p></div>"
    )


def _timing(t: Timing | None) -> str:
    if t is None or t.student is None:
        return ""
    return (
        f"<p>Speed on the spec's workload ({t.batch} of {t.spec_batch} images timed): yours {t.student:.3f} s, "
        f"convpool {t.convpool:.3f} s ({t.ratio:.1f}x).</p>"
    )


def task_html(r: TaskReport) -> str:
    """One task's section."""
    status = "PASS" if r.ok else "FAIL"
    out = [
        f'<h2>{_text(r.file)} <code>{_text(r.task.function)}</code> <span class="{status.lower()}">{status}</span></h2>'
    ]
    v = r.verdict
    out.append(f"<p>Correctness: {v.passed} of {v.cases} cases agree with convpool.</p>")
    if r.case is not None:
        out.append(_case(r))
    out += [_finding(d, "diagnosis", "diagnosis") for d in v.diagnoses]
    out += [_finding(n, "note", "note") for n in v.notes]
    if r.violations:
        items = "".join(f"<li>line {x.line}: [{_text(x.rule)}] {_text(x.message)}</li>" for x in r.violations)
        out.append(f"<p>Rules: {len(r.violations)} broken</p><ul>{items}</ul>")
    else:
        out.append("<p>Rules: ok.</p>")
    return "\n".join(out + [_timing(r.timing)])


def page(path: str, reports: list[TaskReport], missing: list[str]) -> str:
    """The whole report as one HTML page."""
    failed = sum(not r.ok for r in reports)
    body = [f"<h1>convpool check {_text(path)}</h1>", f"<p>{len(reports) - failed} passed, {failed} failed.</p>"]
    body += [task_html(r) for r in reports]
    if missing:
        body.append(f"<p>Not found (not checked): {_text(', '.join(missing))}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{GENERATOR}'
        f"<title>convpool check {_text(path)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def check_target(target: Path) -> None:
    """Refuse (UsageError) a path whose file is not a page this module wrote: nobody's data is overwritten."""
    if target.is_dir():
        raise UsageError(f"--html {target}: is a folder")
    if target.exists():
        with open(target, encoding="utf-8", errors="replace") as f:
            if GENERATOR not in f.read(4096):
                raise UsageError(f"--html {target}: the file exists and is not a convpool check report; not replaced")
    if not target.parent.is_dir():
        raise UsageError(f"--html {target}: no folder {target.parent}")


def write(target: Path, text: str) -> None:
    """Write the page whole or not at all (a temporary file renamed over the target)."""
    fd, tmp = tempfile.mkstemp(prefix=".convpool-check-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
