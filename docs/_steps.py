"""Build-time side of the step-through widget (``_static/convpool-steps.js``) on the Learn pages.

Two things come from here, both computed by convpool:

- :func:`geometry_js`: the padding on each side and the output size of every axis
  the widget can be set to (``convpool.conv_geometry``), written once as
  ``_static/convpool-geometry.js``; the widget looks them up and never
  computes a size or a padding itself;
- :func:`steps`: one widget on a page, with the page's own input, kernel and
  settings (and a few others to switch to, the exercise's 28x28 digit among
  them), shown through ``_repr_html_`` at the end of a code block.

The window arithmetic the widget shows is computed in the page;
``tests/test_learn_browser.py`` checks it against convpool over a grid of settings.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

import convpool
from convpool import data, kernels

#: What the widget covers: input sizes, kernel/window sizes, strides, dilations, explicit padding per side.
LIMITS = {"size": 32, "kernel": 5, "stride": 3, "dilation": 2, "pad": 3}
WORDS = ("valid", "same", "full")


def _words():
    explicit = [(b, a) for b in range(LIMITS["pad"] + 1) for a in range(LIMITS["pad"] + 1)]
    return [*WORDS, *explicit]


def geometry_table() -> dict:
    """``axes``: key ``"n,k,s,d,padding"`` -> ``[before, after, out]`` of one axis (convpool's numbers).

    ``padding`` is ``valid``, ``same``, ``full`` or ``"before-after"``; ``out < 1``
    means no window fits (convpool raises ValueError there).
    """
    axes = {}
    for n in range(1, LIMITS["size"] + 1):
        for k in range(1, LIMITS["kernel"] + 1):
            for s in range(1, LIMITS["stride"] + 1):
                for d in range(1, LIMITS["dilation"] + 1):
                    for word in _words():
                        key = word if isinstance(word, str) else f"{word[0]}-{word[1]}"
                        padding = word if isinstance(word, str) else (word, (0, 0))
                        axes[f"{n},{k},{s},{d},{key}"] = _axis(n, k, s, d, padding)
    return {"axes": axes, "limits": LIMITS}


def _axis(n, k, s, d, padding):
    try:
        g, _ = convpool.conv_geometry((n, 1), (k, 1), (s, 1), padding, (d, 1))
    except ValueError:  # no window fits: convpool refuses, and so does the widget
        return [0, 0, 0]
    return [g.before, g.after, g.out]


def geometry_js(out_dir: Path) -> Path:
    """Write ``out_dir / '_static' / 'convpool-geometry.js'``; returns its path."""
    path = Path(out_dir) / "_static" / "convpool-geometry.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = json.dumps(geometry_table(), separators=(",", ":"))
    path.write_text(f"window.CONVPOOL_GEOMETRY = {table};\n", encoding="utf-8")
    return path


def _digit() -> np.ndarray:
    return data.grayscale_batch(1)[0].astype(int)


def _photo() -> np.ndarray:
    return data.photo("camera")[96:128, 112:144].astype(int)


class Steps:
    """One widget: ``_repr_html_`` is a ``div`` whose ``data-config`` the page's script reads."""

    def __init__(self, config: dict) -> None:
        self.config = config

    def _repr_html_(self) -> str:
        text = html.escape(json.dumps(self.config, separators=(",", ":")), quote=True)
        fallback = "The step-through widget needs JavaScript; the pictures above show the same numbers."
        return f'<div class="cp-steps" data-config="{text}"><noscript>{fallback}</noscript></div>'


def steps(x, kernel=None, *, mode="conv", padding="valid", stride=1, dilation=1, pool=2, channels=False) -> Steps:
    """A step-through widget that starts on ``x`` (and ``kernel``) with the page's settings.

    Other inputs (the exercise's 28x28 digit, a 32x32 photo crop) and kernels
    from ``convpool.kernels`` are offered too; with ``channels`` the inputs and
    kernels keep their channels (``(h, w, c)`` and ``(kh, kw, c)``).
    """
    x = np.asarray(x)
    inputs = {f"this page's {'x'.join(map(str, x.shape[:2]))} input": x.tolist()}
    named = {}
    if kernel is not None:
        named["this page's kernel"] = np.asarray(kernel).tolist()
    if channels:
        c = x.shape[2]
        inputs["photo crop 8x8, 3 channels"] = data.rgb_batch(1)[0][8:16, 8:16, :c].astype(int).tolist()
        for name in ("sobel_x", "box", "sharpen"):
            k = kernels.get(name)
            named[f"{name} on every channel"] = np.stack([k] * c, axis=2).tolist()
    else:
        inputs["the exercise's digit 28x28"] = _digit().tolist()
        inputs["photo crop 32x32"] = _photo().tolist()
        for name in ("sobel_x", "sobel_y", "box", "sharpen", "laplacian", "gaussian"):
            named[name] = kernels.get(name).tolist()
    config = {
        "inputs": inputs,
        "kernels": named,
        "mode": mode,
        "padding": padding,
        "stride": stride,
        "dilation": dilation,
        "pool": pool,
        # a pooling keeps the channels apart: the channels widget shows the one operation that sums them
        "modes": ["conv"] if channels else ["conv", "max", "avg"],
    }
    return Steps(config)


#: The bank's kernels the playground offers (its 3x3 ones).
PLAYGROUND_KERNELS = ("sharpen", "identity", "box", "gaussian", "sobel_x", "sobel_y", "laplacian", "emboss", "outline")


class Playground(Steps):
    """The kernel playground: ``_repr_html_`` is a ``div`` read by ``_static/convpool-playground.js``."""

    def _repr_html_(self) -> str:
        text = html.escape(json.dumps(self.config, separators=(",", ":")), quote=True)
        fallback = "<noscript>The playground needs JavaScript.</noscript>"
        return f'<div class="cp-playground" data-config="{text}">{fallback}</div>'


def playground(photo) -> Playground:
    """A playground on ``photo`` (2-D, 0..255): the bank's 3x3 kernels, and convpool's 'same' padding for 3x3."""
    photo = np.asarray(photo)
    named = {name: kernels.get(name) for name in PLAYGROUND_KERNELS}
    named = {name: k.tolist() for name, k in named.items() if k.shape == (3, 3)}
    (top, _), (left, _) = convpool.conv_padding(photo.shape, (3, 3), padding="same")
    return Playground({"photo": photo.astype(int).tolist(), "kernels": named, "before": [top, left]})
