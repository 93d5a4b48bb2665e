"""The words of each diagnosis: what the mistake is, on the failing case's numbers, and how to fix it.

Every id is an anchor of ``docs/check.md``, where each mistake is explained
at length.
"""

from __future__ import annotations

import numpy as np

from ..exercise import Task
from .cases import Case
from .findings import Diagnosis, Outcome
from .mistakes import SAME_FORMULAS, general

DOCS = "docs/check.md"

SAME_FIX = (
    "'same' keeps ceil(h / sh) rows: out = ceil(h / sh), P = max((out - 1) * sh + kh - h, 0), "
    "top = P // 2, bottom = P - top (convpool's and TensorFlow's choice, though the odd row on top, or P = kh - 1 "
    "at a stride, pass too: the spec leaves them open); the same for the width with w, kw, sw"
)

SAME_FIX_STRIDE_ONE = (
    "'same' keeps h rows: P = kh - 1 rows of padding in all, top = P // 2, bottom = P - top (or the odd row "
    "on top, top = P - P // 2: the spec leaves that open, both pass); the same for the width with w, kw"
)

#: id -> (title, fix) for every diagnosis.
CATALOGUE = {
    "same-plus-one": ("'same' padding ((h - 1) * sh + kh - h) // 2 + 1 on each side", SAME_FIX),
    "same-half-kernel": ("'same' padding kh // 2 on each side", SAME_FIX),
    "same-half-kernel-minus-one": ("'same' padding (kh - 1) // 2 on each side", SAME_FIX),
    "same-stride-formula-halved": ("'same' padding ((h - 1) * sh + kh - h) // 2 on each side", SAME_FIX),
    "same-kernel-axes-swapped": (
        "'same' padding of the rows computed from the kernel's width, and of the columns from its height",
        "ph comes from kh = kernel.shape[0] (rows), pw from kw = kernel.shape[1] (columns); " + SAME_FIX,
    ),
    "same-stride-formula-ceil": ("'same' padding ceil(((h - 1) * sh + kh - h) / 2) on each side", SAME_FIX),
    "same-floor": ("'same' output size h // sh (floor) instead of ceil(h / sh)", SAME_FIX),
    "same-halved-plus-even": ("'same' padding ((h - 1) * sh + kh - h) // 2 + (kh % 2 == 0) on each side", SAME_FIX),
    "same-total-each-side": ("'same' padding max((h - 1) * sh + kh - h, 0) on each side (not halved)", SAME_FIX),
    "same-last-window-total-each-side": (
        "'same' padding max(ceil((h - 1) / sh) * sh + kh - h, 0) on each side (not halved)",
        SAME_FIX,
    ),
    "same-fixed-one": ("'same' padding of 1 on each side, whatever the kernel", SAME_FIX),
    "same-short-padding-clipped": (
        "'same' padding (kh - 1) // 2 on each side with an h x w output: the last windows run off the padded image",
        "an even kernel needs kh - 1 rows of padding in all, one more on one side (top = (kh - 1) // 2, "
        "bottom = kh // 2); " + SAME_FIX_STRIDE_ONE,
    ),
    "same-output-kept-at-input-size": (
        "'same' output kept at the image's h x w, whatever the padding and stride give",
        "compute the output size from your padding and stride, oh = (h + top + bottom - kh) // sh + 1; " + SAME_FIX,
    ),
    "output-never-written": (
        "the result is all zeros: nothing is ever stored into the output array",
        "check the line that stores each window's result: that it runs (its indentation, the if/elif around "
        "it) and writes into the array you return",
    ),
    "loops-over-input-size": (
        "the loops run over the image's h x w, not over the output's rows and columns",
        "loop for i in range(oh), for j in range(ow) with oh = h + 2 * ph - kh + 1 and ow = w + 2 * pw - kw + 1",
    ),
    "flipped-kernel": (
        "flipped kernel (a true convolution)",
        "the exercise, like deep-learning libraries, computes cross-correlation: "
        "out[n, i, j] = sum(padded[n, i * sh:i * sh + kh, j * sw:j * sw + kw] * kernel); do not flip the kernel",
    ),
    "padding-one-side": (
        "padding on one side only",
        "pad both sides: np.pad(images, ((0, 0), (top, bottom), (left, right))) with top = bottom = ph and "
        "left = right = pw for a tuple",
    ),
    "stride-ignored": (
        "stride ignored",
        "the output has (h + top + bottom - kh) // sh + 1 rows, and window i starts at row i * sh",
    ),
    "stride-swapped": (
        "stride (sh, sw) applied as (sw, sh)",
        "sh = stride[0] moves the window down the rows (height), sw = stride[1] along the columns (width)",
    ),
    "stride-not-multiplied": (
        "windows start at row i instead of i * sh",
        "slice images[:, i * sh:i * sh + kh, j * sw:j * sw + kw] (the stride moves the window)",
    ),
    "integer-output": (
        "integer output dtype: results truncated or wrapped around",
        "create the output as floats (np.zeros(shape) is float64), not with the images' dtype",
    ),
    "pool-ceil": (
        "pooling output size rounded up (ceil instead of floor)",
        "keep whole windows only: oh = (h - kh) // sh + 1, ow = (w - kw) // sw + 1",
    ),
    "avg-over-padding": (
        "average pooling over padded cells",
        "keep whole windows only (oh = (h - kh) // sh + 1), and never count padding in an average",
    ),
    "input-modified": (
        "the function modified its input array",
        "work on a new array (np.pad returns one; images.astype(float) copies) and never write into the arguments",
    ),
    "timeout": ("the call did not return in time", "look for a loop that never ends, or loops over every pixel"),
    "crashed": (
        "the Python interpreter died during the call",
        "look for ctypes, os._exit or a C extension misused in the function (sys.exit is reported as raised)",
    ),
    "out-of-memory": (
        "the call ran out of memory",
        "look for arrays that grow in a loop, or a shape computed from the wrong sizes",
    ),
    "raised": (
        "the call raised an exception",
        "the traceback shows where; run the case yourself (the call is written out above)",
    ),
    "too-big": (
        "the result is far bigger than the answer",
        "compute the output shape from the spec: (h + 2 * ph - kh) // sh + 1 rows, and the same for the columns",
    ),
    "tampered": (
        "the checker's pipe got a message its harness never sends",
        "the file's code wrote to the checker's own pipe or changed its harness: remove that code; "
        "results are read only from what the function returns",
    ),
    "checker-error": (
        "the checker itself failed on this file",
        "this is a bug of convpool check: please report it with the file (the other files were checked)",
    ),
    "not-an-array": ("the result is not a numeric numpy.ndarray", "return a numpy.ndarray of numbers"),
    "import-failed": ("the file could not be imported", "run `python3 -c \"__import__('FILE')\"` to see why"),
    "missing-function": ("the file does not define the task's function", "define it with the spec's name"),
    "unrecognised": (
        "the result differs from convpool's (not one of the known mistakes)",
        "compare expected and received on the case written out above, cell by cell "
        "(--html marks the cells that differ)",
    ),
}


def _size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def _same_detail(key: str, task: Task, case: Case, received: np.ndarray | None) -> str:
    text, formula = SAME_FORMULAS[key]
    g = general(task, case)
    pads = [formula(n, k, s) for n, k, s in g.sizes]
    shape = "x".join(str(d) for d in received.shape[1:3]) if received is not None else "?"
    examples = ", ".join(
        f"{_size(28, k, s, formula(28, k, s))}x{_size(28, k, s, formula(28, k, s))} with a {k}x{k} kernel"
        + (f" at stride {s}" if s > 1 else "")
        for k, s in ((3, 1), (4, 1), (3, 2))
        if s == 1 or task.number >= 3
    )
    return (
        f"your padding is {text} on each side: here (ph, pw) = ({pads[0]}, {pads[1]}) and a {shape} output; "
        f"for a 28x28 input it gives {examples} (convpool: 28x28, 28x28" + (", 14x14)" if task.number >= 3 else ")")
    )


def _kept_detail(task: Task, case: Case, expected: np.ndarray, received: np.ndarray | None, variant: str) -> str:
    g = general(task, case)
    formula = next(f for text, f in SAME_FORMULAS.values() if text == variant)
    pads = ", ".join(str(formula(n, k, s)) for n, k, s in g.sizes)
    return (
        f"your padding is {variant} on each side, here ({pads}), and your output keeps the image's size, "
        f"{_hw(received)}, where convpool's is {_hw(expected)} (stride {g.stride}): its windows are those of the "
        "padded image from the top left, cut short where they run off it"
    )


def _first_difference(expected: np.ndarray, received: np.ndarray) -> str:
    if expected.shape != received.shape:
        return ""
    diff = np.argwhere(~np.isclose(received.astype(np.float64), expected))
    if not len(diff):
        return ""
    at = tuple(int(v) for v in diff[0])
    return f" (at {at}: {expected[at]:g} became {received[at].item()!r})"


def _hw(a: np.ndarray | None) -> str:
    return "x".join(str(d) for d in a.shape[1:3]) if a is not None else "?"


def _conv_detail(
    key: str, task: Task, case: Case, expected: np.ndarray, received: np.ndarray | None, variant: str
) -> str:
    g = general(task, case)
    got, want, stride = _hw(received), _hw(expected), f"stride {g.stride}"
    texts = {
        "flipped-kernel": "on every case your result equals convpool's with the kernel turned by 180 degrees "
        "(kernel[::-1, ::-1])",
        "padding-one-side": f"your padding goes on the {variant}: the other side is not padded "
        f"(here a {got} output instead of {want})",
        "same-floor": f"your 'same' output is {got}: h // sh rows and w // sw columns; 'same' keeps ceil(h / sh) "
        f"and ceil(w / sw): {want} here ({stride})",
        "stride-ignored": f"your output {got} is the stride-1 result; with {stride} it is {want}",
        "same-kernel-axes-swapped": f"your 'same' output is {got}: the rows padded for a kernel {g.k.shape[1]} wide, "
        f"the columns for one {g.k.shape[0]} tall; convpool's is {want} (kernel {g.k.shape[0]}x{g.k.shape[1]})",
        "stride-swapped": f"your output {got} is the result with the two strides exchanged; with {stride} it is {want}",
        "stride-not-multiplied": f"the output size {got} is right, but output row i reads image rows i to i + kh - 1 "
        f"instead of i * sh to i * sh + kh - 1 ({stride})",
        "same-short-padding-clipped": f"with a {g.k.shape[0]}x{g.k.shape[1]} kernel, (kh - 1) // 2 = "
        f"{(g.k.shape[0] - 1) // 2} rows and (kw - 1) // 2 = {(g.k.shape[1] - 1) // 2} columns on each side leave the "
        f"padded image one row (column) short of {want}: NumPy cuts the last windows short and broadcasts a "
        "one-row window over the kernel (a longer short window raises)",
        "output-never-written": f"every cell of your {got} result is 0 on every case",
        "loops-over-input-size": f"your output has the right size, {got}, but only its first "
        f"{g.x.shape[1]}x{g.x.shape[2]} cells (the image's size) are computed; the others stay 0",
    }
    return texts.get(key, "")


def _pool_detail(key: str, case: Case, expected: np.ndarray, received: np.ndarray | None) -> str:
    images, window, stride = case.args[:3]
    geometry = f"a {images.shape[1]}x{images.shape[2]} image, window {tuple(window)}, stride {tuple(stride)}"
    size = f"your output is {_hw(received)} for {geometry}: ceil((h - kh) / sh) + 1 rows, where convpool keeps "
    size += f"the {_hw(expected)} whole windows (floor); the last windows hang past the image"
    texts = {
        "pool-ceil": size + " and are reduced over the cells they hold",
        "avg-over-padding": size + ", padded with zeros that count in the average (divided by kh * kw)",
        "stride-ignored": f"your output {_hw(received)} is the stride-1 result; with stride {tuple(stride)} "
        f"it is {_hw(expected)}",
        "stride-swapped": f"your output {_hw(received)} is the result with the two strides exchanged; with stride "
        f"{tuple(stride)} it is {_hw(expected)}",
        "stride-not-multiplied": f"the output size {_hw(received)} is right, but output row i reads image rows i to "
        f"i + kh - 1 instead of i * sh to i * sh + kh - 1 (stride {tuple(stride)})",
        "output-never-written": f"every cell of your {_hw(received)} result is 0 on every case",
    }
    return texts.get(key, "")


def _detail(key: str, task: Task, case: Case, expected: np.ndarray, outcome: Outcome | None, variant: str) -> str:
    received = outcome.output if outcome is not None else None
    if key in ("timeout", "crashed", "raised", "not-an-array", "out-of-memory", "tampered", "too-big"):
        return (outcome.message if outcome is not None else "") or f"{key} on this case"
    if key in SAME_FORMULAS:
        return _same_detail(key, task, case, received)
    if key == "integer-output" and received is not None:
        return f"you return {received.dtype}; convpool returns {expected.dtype}" + _first_difference(expected, received)
    if key == "same-output-kept-at-input-size":
        return _kept_detail(task, case, expected, received, variant)
    if task.kind == "pool":
        return _pool_detail(key, case, expected, received)
    return _conv_detail(key, task, case, expected, received, variant)


def diagnosis(key: str, task: Task, case: Case, expected: np.ndarray, outcome: Outcome, variant: str = "") -> Diagnosis:
    """The :class:`~.diagnose.Diagnosis` ``key`` on the failing ``case``."""
    title, fix = CATALOGUE[key]
    if task.number == 1 and SAME_FIX in fix:  # task 1 has no stride: say it without one
        fix = fix.replace(SAME_FIX, SAME_FIX_STRIDE_ONE)
    return Diagnosis(key, title, _detail(key, task, case, expected, outcome, variant), fix)


#: The spec's argument names, by task kind, for "modified its input" messages.
_ARG_NAMES = {"pool": ("images", "kernel_shape", "stride"), "bank": ("images", "kernels")}


def modified(task: Task, case: Case, indices: list[int]) -> Diagnosis:
    """The 'input-modified' diagnosis naming the arguments that changed."""
    names = _ARG_NAMES.get(task.kind, ("images", "kernel", "padding"))
    which = ", ".join(names[i] if i < len(names) else f"argument {i}" for i in indices)
    title, fix = CATALOGUE["input-modified"]
    return Diagnosis("input-modified", title, f"after the call on this case, {which} had changed", fix)


def link(key: str) -> str:
    """Where the diagnosis is explained."""
    return f"{DOCS}#{key}"
