"""``convpool shape``: output size and padding of a convolution or pooling, with the arithmetic."""

from __future__ import annotations

import argparse

from ._common import EXIT_OK, PRINT_EXITS, UsageError, add_command, add_geometry_options, one_line, pair_type

EXAMPLES = (
    "  convpool shape --input 28x28 --kernel 3x3 --stride 2 --padding same\n"
    "  convpool shape --input 32x32 --kernel 5x5 --dilation 2 --padding valid"
)


def shape_report(size, kernel, stride, padding, dilation) -> str:
    """The output size, per-side padding and the arithmetic, with the numbers filled in.

    Every number comes from :func:`convpool.conv_geometry`; each line of
    arithmetic is written as ``expression = value`` so it can be checked.
    """
    from .. import conv_geometry

    geometry = conv_geometry(size, kernel, stride, padding, dilation)
    pad_text = padding if isinstance(padding, str) else f"{padding}"
    gh, gw = geometry
    lines = [
        f"input {gh.size}x{gw.size}, kernel {gh.kernel}x{gw.kernel}, stride {gh.stride}x{gw.stride}, "
        f"dilation {gh.dilation}x{gw.dilation}, padding {pad_text}",
        f"output {gh.out}x{gw.out}",
        f"padding top {gh.before}, bottom {gh.after}, left {gw.before}, right {gw.after}",
        "",
        "out = (in + before + after - (k - 1) * d - 1) // s + 1",
    ]
    for axis, g in (("height", gh), ("width", gw)):
        lines.append("")
        lines.append(f"{axis}: in={g.size} k={g.kernel} s={g.stride} d={g.dilation}")
        lines.extend("  " + line for line in _padding_steps(padding, g, 0 if axis == "height" else 1))
        lines.append(f"  window spans (k - 1) * d + 1 = ({g.kernel} - 1) * {g.dilation} + 1 = {g.extent} cells")
        numerator = g.size + g.before + g.after - (g.kernel - 1) * g.dilation - 1
        lines.append(
            f"  out = ({g.size} + {g.before} + {g.after} - ({g.kernel} - 1) * {g.dilation} - 1) // {g.stride} + 1"
            f" = {numerator} // {g.stride} + 1 = {g.out}"
        )
    return "\n".join(lines)


def _padding_steps(padding, g, axis: int) -> list[str]:
    if padding == "valid":
        return ["padding 'valid': before = 0, after = 0"]
    if padding == "full":
        return [f"padding 'full': (k - 1) * d = ({g.kernel} - 1) * {g.dilation} = {g.before} on each side"]
    if padding == "same":
        target = g.out  # 'same' means exactly this many outputs
        total = g.before + g.after
        return [
            f"padding 'same': out = ceil(in / s) = ceil({g.size} / {g.stride}) = {target}",
            f"total P = max((out - 1) * s + (k - 1) * d + 1 - in, 0)"
            f" = max(({target} - 1) * {g.stride} + ({g.kernel} - 1) * {g.dilation} + 1 - {g.size}, 0) = {total}",
            f"before = P // 2 = {total} // 2 = {g.before}, after = P - before = {total} - {g.before} = {g.after}",
        ]
    return [f"padding given: before = {g.before}, after = {g.after}"]


def run(args: argparse.Namespace) -> int:
    """Print :func:`shape_report` for the options."""
    try:
        print(shape_report(args.input, args.kernel, args.stride, args.padding, args.dilation))
    except ValueError as exc:
        raise UsageError(one_line(exc)) from None
    return EXIT_OK


def register(commands) -> argparse.ArgumentParser:
    """Add ``shape`` to the sub-command parsers."""
    sh = add_command(
        commands,
        "shape",
        "output size and padding of a convolution or pooling, with the arithmetic",
        "Print the output size, the padding on each side, and the arithmetic with the numbers filled in. "
        "For pooling, use the window as --kernel and leave --dilation at 1.",
        EXAMPLES,
        run,
        PRINT_EXITS,
    )
    sh.add_argument("--input", type=pair_type("input"), required=True, help="N or HxW, e.g. 28x28")
    sh.add_argument("--kernel", type=pair_type("kernel"), required=True, help="N or KHxKW, e.g. 3x3")
    sh.add_argument("--stride", type=pair_type("stride"), default=(1, 1), help="N or SHxSW (default 1)")
    sh.add_argument("--dilation", type=pair_type("dilation"), default=(1, 1), help="N or DHxDW (default 1)")
    add_geometry_options(sh, "valid")
    return sh
