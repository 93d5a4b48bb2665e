"""``convpool completion SHELL``: the shell's tab-completion script, made from the argument parser by shtab.

shtab (the ``completion`` extra) reads the parser, so the script always knows
every sub-command, option and choice of this version. Inputs and outputs
complete as file names.
"""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_OK, PRINT_EXITS, add_command

SHELLS = ("bash", "zsh", "tcsh")

#: The arguments that name files: they complete as paths.
FILE_ARGUMENTS = ("inputs", "output", "input", "path")

EXAMPLES = (
    "  convpool completion bash > ~/.local/share/bash-completion/completions/convpool\n"
    '  eval "$(convpool completion bash)"          # this shell only\n'
    '  convpool completion zsh > "${fpath[1]}/_convpool"'
)


def _mark_files(parser: argparse.ArgumentParser, shtab) -> None:
    """Complete the arguments in :data:`FILE_ARGUMENTS` as file names, in every sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_files(sub, shtab)
        elif action.dest in FILE_ARGUMENTS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab reads this attribute


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell`` (one of :data:`SHELLS`)."""
    from .._optional import optional

    shtab = optional("shtab", extra="completion", purpose="shell completion")
    _mark_files(parser, shtab)
    return shtab.complete(parser, shell=shell)


def run(args: argparse.Namespace) -> int:
    """Print the script for ``args.shell``."""
    sys.stdout.write(script(args.root_parser, args.shell))
    return EXIT_OK


def register(commands) -> argparse.ArgumentParser:
    """Add ``completion`` to the sub-command parsers."""
    parser = add_command(
        commands,
        "completion",
        "print the shell's tab-completion script",
        "Print a tab-completion script for bash, zsh or tcsh: sub-commands, options, their choices, and file "
        "names for inputs and outputs. Needs shtab: pip install 'convpool[completion]'.",
        EXAMPLES,
        run,
        PRINT_EXITS,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    return parser
