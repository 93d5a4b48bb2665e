"""The many "same"s: how other libraries and common exercise solutions pad, as convpool padding.

Every convention below is a rule for the per-side padding ``(before, after)``
of one axis; the output size then comes from convpool's one formula
(``out = (n + before + after - (k - 1) * d - 1) // s + 1``), and the same
result comes out of :func:`convpool.convolve` with that explicit padding.
This is the table a student needs when their output differs from someone
else's. It also feeds the documentation's offline explorer
(:func:`explorer_table`), which does no arithmetic of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple, overload

import numpy as np

from ._plan import _shapes
from ._plan import checks as check

__all__ = ["CONVENTIONS", "Convention", "convention_padding", "explorer_table", "same_table"]


class Convention(NamedTuple):
    """One library's (or one exercise formula's) idea of ``'same'`` padding."""

    key: str
    name: str
    rule: str


CONVENTIONS = (
    Convention(
        "tf",
        "TensorFlow / Keras / JAX 'SAME' (= convpool 'same')",
        "P = max((ceil(n/s) - 1)*s + k - n, 0); P//2 before, the rest after",
    ),
    Convention("torch", "PyTorch padding='same' (stride 1 only)", "P = k - 1; P//2 before, the rest after"),
    Convention(
        "scipy",
        "SciPy signal.correlate / ndimage.correlate 'same', then [::s]",
        "P = k - 1; the odd cell before: P - P//2 before, P//2 after",
    ),
    Convention(
        "scipy2d",
        "SciPy signal.correlate2d(mode='same'), then [::s]",
        "P = k - 1; P//2 before, the rest after",
    ),
    Convention("d2l", "d2l.ai total padding p = k - 1", "ceil(p/2) on top/left, floor(p/2) at the bottom/right"),
    Convention("d2l_per_side", "d2l's total p = k - 1 used as per-side padding (mistake)", "k - 1 on both sides"),
    Convention("half", "exercise formula k // 2 on both sides", "k // 2 on both sides"),
    Convention("exercise", "exercise formula ((h - 1)*s + k - h)//2 + 1 both sides", "((n - 1)*s + k - n)//2 + 1"),
)

_KEYS = tuple(c.key for c in CONVENTIONS)


#: The conventions that answer at every size and stride (PyTorch's refuses 'same' with a stride above 1).
_Answering = Literal["tf", "scipy", "scipy2d", "d2l", "d2l_per_side", "half", "exercise"]


@overload
def convention_padding(key: _Answering, size: int, kernel: int, stride: int = 1) -> tuple[int, int]: ...
@overload
def convention_padding(key: str, size: int, kernel: int, stride: int = 1) -> tuple[int, int] | None: ...
def convention_padding(key: str, size: int, kernel: int, stride: int = 1) -> tuple[int, int] | None:
    """Per-side padding ``(before, after)`` of one axis under convention ``key``.

    Parameters
    ----------
    key : {'tf', 'torch', 'scipy', 'scipy2d', 'd2l', 'd2l_per_side', 'half', 'exercise'}
        One of :data:`CONVENTIONS`' keys.
    size, kernel, stride : int
        Input size ``n``, kernel size ``k`` and stride ``s`` along the axis (dilation 1).

    Returns
    -------
    (int, int) or None
        ``None`` where the convention has no answer (PyTorch refuses ``'same'``
        with a stride above 1).

    Examples
    --------
    >>> from convpool.conventions import convention_padding
    >>> convention_padding("tf", 28, 4), convention_padding("scipy", 28, 4)
    ((1, 2), (2, 1))
    >>> convention_padding("exercise", 28, 3)  # 28 + 2 + 2 - 3 + 1 = 30 outputs, not 28
    (2, 2)
    """
    key = check.choice(key, "key", _KEYS)
    # int_pair checks one int (>= 1) and names the argument; one axis needs only its first half
    size, kernel, stride = (
        check.int_pair(v, name)[0] for v, name in ((size, "size"), (kernel, "kernel"), (stride, "stride"))
    )
    rules = {
        "tf": lambda: _shapes.same_padding(size, kernel, stride),
        "torch": lambda: _shapes.split_padding(kernel - 1, "after") if stride == 1 else None,
        "scipy": lambda: _shapes.scipy_same_padding(kernel),
        "scipy2d": lambda: _shapes.split_padding(kernel - 1, "after"),
        "d2l": lambda: _shapes.d2l_padding(kernel),
        "d2l_per_side": lambda: (kernel - 1, kernel - 1),
        "half": lambda: _shapes.half_kernel_padding(kernel),
        "exercise": lambda: _shapes.exercise_same_padding(size, kernel, stride),
    }
    return rules[key]()


def same_table(
    sizes: Sequence[int] = (5, 6, 28), kernels: Sequence[int] = (2, 3, 4, 5), strides: Sequence[int] = (1, 2)
) -> list[dict[str, Any]]:
    """Padding and output size of every convention for every ``(n, k, s)``, square inputs and kernels.

    Parameters
    ----------
    sizes, kernels, strides : sequences of int
        The grid: input ``n x n``, kernel ``k x k``, stride ``s``.

    Returns
    -------
    list of dict
        One row per ``(n, k, s, convention)`` with keys ``n, k, s, key, name,
        before, after, out, call`` (``before``/``after``/``out``/``call`` are
        ``None`` where the convention has no answer). ``call`` is the convpool
        call that gives the same result.

    Examples
    --------
    >>> from convpool.conventions import same_table
    >>> row = [r for r in same_table((28,), (3,), (1,)) if r["key"] == "exercise"][0]
    >>> row["out"], row["call"]
    (30, 'convolve(x, k, padding=((2, 2), (2, 2)), stride=1)')
    """
    rows = []
    for n in sizes:
        for k in kernels:
            for s in strides:
                for conv in CONVENTIONS:
                    pads = convention_padding(conv.key, n, k, s)
                    row = {"n": n, "k": k, "s": s, "key": conv.key, "name": conv.name}
                    if pads is None:
                        row.update(before=None, after=None, out=None, call=None)
                    else:
                        out = _shapes.output_size(n, k, s, 1, *pads)
                        call = f"convolve(x, k, padding=({pads}, {pads}), stride={s})"
                        row.update(before=pads[0], after=pads[1], out=out, call=call)
                    rows.append(row)
    return rows


def _axis_entry(n: int, k: int, s: int, d: int, before: int, after: int) -> list:
    """``[before, after, out, extent, padded, starts, unread]`` of one axis (``starts`` in input cells)."""
    out = _shapes.output_size(n, k, s, d, before, after)
    extent = _shapes.window_extent(k, d)
    starts = (np.arange(max(out, 0)) * s - before).tolist()
    read = np.zeros(n, bool)
    for start in starts:
        taps = start + np.arange(k) * d
        read[taps[(taps >= 0) & (taps < n)]] = True
    return [before, after, out, extent, n + before + after, starts, np.flatnonzero(~read).tolist()]


def explorer_table(
    max_size: int = 12, max_kernel: int = 6, max_stride: int = 3, max_dilation: int = 2, max_pad: int = 3
) -> dict[str, Any]:
    """Everything the documentation's explorer page shows, computed here so the page computes nothing.

    Returns
    -------
    dict
        ``axes``: key ``"n,k,s,d,padding"`` (padding ``valid``, ``same``, ``full``
        or ``"before-after"``) to ``[before, after, out, extent, padded, starts,
        unread]``, one axis; ``out < 1`` means no window fits. ``conventions``:
        key ``"n,k,s"`` to one ``[before, after, out]`` or ``None`` per
        :data:`CONVENTIONS` entry. ``names``, ``rules``: the conventions' labels.
        ``limits``: the largest size, kernel, stride, dilation and padding covered.
        ``offsets``: key ``"k,d"`` to the taps' offsets in a window; ``ranges``:
        key ``"before,padded"`` to the input index of each padded cell, and
        ``"0,out"`` to the output indices.
    """
    axes, conventions = {}, {}
    for n in range(1, max_size + 1):
        for k in range(1, max_kernel + 1):
            for s in range(1, max_stride + 1):
                for d in range(1, max_dilation + 1):
                    words = {w: _shapes.axis_padding(w, 0, n, k, s, d) for w in _shapes.PADDING_WORDS}
                    words.update({f"{b}-{a}": (b, a) for b in range(max_pad + 1) for a in range(max_pad + 1)})
                    for word, (b, a) in words.items():
                        axes[f"{n},{k},{s},{d},{word}"] = _axis_entry(n, k, s, d, b, a)
                pads = [convention_padding(c.key, n, k, s) for c in CONVENTIONS]
                conventions[f"{n},{k},{s}"] = [
                    None if p is None else [*p, _shapes.output_size(n, k, s, 1, *p)] for p in pads
                ]
    # what the page needs to draw, so that it adds nothing up itself: the taps' offsets in a window
    # and, per axis, the input index of every padded cell (padding before the input is negative)
    offsets = {
        f"{k},{d}": (np.arange(k) * d).tolist() for k in range(1, max_kernel + 1) for d in range(1, max_dilation + 1)
    }
    ranges = {}
    for before, _, out, _, padded, _, _ in axes.values():
        ranges[f"{before},{padded}"] = list(range(-before, padded - before))
        ranges[f"0,{out}"] = list(range(max(out, 0)))
    limits = {"size": max_size, "kernel": max_kernel, "stride": max_stride, "dilation": max_dilation, "pad": max_pad}
    names = [c.name for c in CONVENTIONS]
    return {
        "axes": axes,
        "conventions": conventions,
        "names": names,
        "rules": [c.rule for c in CONVENTIONS],
        "limits": limits,
        "offsets": offsets,
        "ranges": ranges,
    }
