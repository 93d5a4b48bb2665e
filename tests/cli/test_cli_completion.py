"""``convpool completion`` (issue 24): a script made from the parser, driven here by a real bash.

bash's own completion machinery (``COMP_WORDS``, ``COMPREPLY``) runs the
generated function, so what is tested is what a user's Tab gives.
"""

import shutil
import subprocess
import sys

import pytest

pytest.importorskip("shtab")
BASH = shutil.which("bash")


def convpool(*args):
    return subprocess.run([sys.executable, "-m", "convpool", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory):
    proc = convpool("completion", "bash")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path_factory.mktemp("completion") / "convpool.bash"
    path.write_text(proc.stdout)
    return path


def complete(script, *words: str, cwd=None) -> list[str]:
    """What Tab offers after ``words`` (the last one being typed), as bash computes it."""
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
        'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _shtab_convpool; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    proc = subprocess.run([BASH, "-c", program], capture_output=True, text=True, timeout=60, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return sorted(line for line in proc.stdout.splitlines() if line)


@pytest.mark.skipif(BASH is None, reason="no bash")
def test_bash_completes_commands_options_choices_and_files(bash_script, tmp_path):
    assert complete(bash_script, "convpool", "") == sorted(
        ["check", "completion", "demo", "explain", "filter", "kernels", "pool", "shape"]
    )
    assert complete(bash_script, "convpool", "fil") == ["filter"]
    assert complete(bash_script, "convpool", "filter", "--pad-m") == ["--pad-mode"]
    assert complete(bash_script, "convpool", "filter", "--pad-mode", "") == [
        "constant", "edge", "reflect", "symmetric", "wrap"
    ]  # fmt: skip
    assert complete(bash_script, "convpool", "pool", "--mode", "") == ["avg", "max", "min", "sum"]
    (tmp_path / "photo.png").touch()
    (tmp_path / "photos").mkdir()
    assert "photo.png" in complete(bash_script, "convpool", "filter", "ph", cwd=tmp_path)


def test_every_shell_gets_a_script_and_a_missing_shtab_names_the_extra():
    assert convpool("completion", "zsh").stdout.startswith("#compdef convpool")
    assert "complete convpool" in convpool("completion", "tcsh").stdout
    code = (
        "import sys; sys.modules['shtab'] = None; from convpool.cli import main; sys.exit(main(['completion', 'bash']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "convpool completion: error: shell completion needs shtab: pip install 'convpool[completion]'"
    )
