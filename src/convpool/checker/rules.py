"""The exercise's rules, read from the source with :mod:`ast` (nothing is run).

Loops are counted per function: ``for``, ``while``, each ``for`` of a
comprehension, ``map``/``filter`` over a ``lambda``, and a function calling
itself. The task's function is also charged with the loops of the file's
functions it calls. Imports: ``numpy`` (any alias, submodules too) and
``from math import ceil, floor``; convpool itself only for convpool's own
``tasks/`` (``reference``), with the ``except ImportError`` fallback that
finds it. ``exec``, ``eval``, ``compile``, ``importlib`` and the built-ins
reached by name are forbidden, and the loops in the text given to them count.
``x is 'same'`` is reported (identity is not equality). ``np.convolve`` is
found however numpy was imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..exercise import Task
from ._parse import parse

SHEBANG = "#!/usr/bin/env python3"

#: The largest task file read (the child gets copies of files up to this size too: sandbox.MAX_SOURCE_BYTES).
MAX_BYTES = 1 << 20


@dataclass
class Violation:
    """A broken rule: the file, the line (0: the whole file), the rule's id and what is wrong."""

    file: str
    line: int
    rule: str
    message: str


#: Built-ins that run code given as text, or reach every other built-in: forbidden, and their strings read.
DYNAMIC = ("exec", "eval", "compile", "__import__", "__builtins__", "builtins", "importlib", "globals", "vars")

#: Attribute names that reach the built-ins or run code however they are spelled (``np.__builtins__``).
_DYNAMIC_ATTRIBUTES = ("__builtins__", "__import__", "exec", "eval", "__globals__", "__subclasses__", "import_module")


def _strings(tree: ast.AST) -> dict[str, str]:
    """Names the file binds to a string literal (``_BODY = "for ..."``): the text ``exec(_BODY)`` runs."""
    return {
        node.targets[0].id: node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def _line(node: ast.AST) -> int:
    """The line of a statement or expression (``ast.walk`` yields them as plain ``ast.AST``)."""
    return int(getattr(node, "lineno", 0))


def _code_in_string(node: ast.AST, strings: dict[str, str]) -> ast.AST | None:
    """The parsed text given to ``exec``/``eval``/``compile`` (its loops count like the file's own), or None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC[:3]):
        return None
    first = node.args[0] if node.args else None
    text = strings.get(first.id) if isinstance(first, ast.Name) else getattr(first, "value", None)
    if not isinstance(text, str) or len(text) > 100_000:
        return None
    try:
        return parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _rebound(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """Whether ``name`` is a local of the function ``node`` (an argument, or assigned): calling it is no recursion."""
    args = node.args
    if any(a.arg == name for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a):
        return True
    stores = (sub for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))
    return any(sub.id == name for sub in stores)


def _loops_in(node: ast.AST, own: str, strings: dict[str, str]) -> list[tuple[int, str]]:
    """(line, what) of every loop inside ``node``, and inside the strings it gives to ``exec``/``eval``/``compile``."""
    found = []
    recursion = not _rebound(node, own) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else True
    for sub in ast.walk(node):
        code = _code_in_string(sub, strings)
        if code is not None:
            inner = _loops_in(code, "", {})
            assert isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)  # as _code_in_string found it
            found += [(sub.lineno, f"{what} in the text given to {sub.func.id}") for _, what in inner]
        if isinstance(sub, ast.For | ast.AsyncFor):
            found.append((sub.lineno, "for"))
        elif isinstance(sub, ast.While):
            found.append((sub.lineno, "while"))
        elif isinstance(sub, ast.comprehension):
            found.append((sub.iter.lineno, "comprehension"))
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            if sub.func.id in ("map", "filter") and any(isinstance(a, ast.Lambda) for a in sub.args):
                found.append((sub.lineno, f"{sub.func.id} with a lambda"))
            elif sub.func.id == own and recursion:
                found.append((sub.lineno, "recursion"))
    return found


def _called(node: ast.AST, functions: dict) -> set[str]:
    return {
        sub.func.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in functions
    }


def _reachable(name: str, functions: dict) -> list[str]:
    seen, todo = [], [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo.extend(sorted(_called(functions[current], functions) - set(seen)))
    return seen


def check_loops(tree: ast.Module, task: Task, file: str) -> list[Violation]:
    r"""Functions with more loops than the task allows (the task's function counts its helpers).

    >>> from convpool.exercise import TASKS
    >>> source = "def pool(x):\n    for a in x:\n        y = [b for b in a]\n    while x:\n        pass\n"
    >>> [v.message for v in check_loops(ast.parse(source), TASKS[6], "6-pool.py")]
    ['pool has 3 loops (for at line 2, comprehension at line 3, while at line 4); the exercise allows 2']
    """
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    strings, out = _strings(tree), []
    for name, node in functions.items():
        charged = _reachable(name, functions) if name == task.function else [name]
        loops = sorted(loop for f in charged for loop in _loops_in(functions[f], f, strings))
        if len(loops) > task.max_loops:
            where = ", ".join(f"{what} at line {line}" for line, what in loops)
            helpers = f" (with {', '.join(charged[1:])})" if len(charged) > 1 else ""
            message = f"{name}{helpers} has {len(loops)} loops ({where}); the exercise allows {task.max_loops}"
            out.append(Violation(file, node.lineno, "loops", message))
    return out


def _convpool_fallbacks(tree: ast.Module) -> set[int]:
    """Ids of import nodes inside ``except ImportError:`` of a ``try`` that imports convpool."""
    allowed = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        if not any(_module_of(n) == "convpool" for b in node.body for n in ast.walk(b)):
            continue
        for handler in node.handlers:
            if isinstance(handler.type, ast.Name) and handler.type.id in ("ImportError", "ModuleNotFoundError"):
                allowed |= {id(n) for b in handler.body for n in ast.walk(b) if _module_of(n)}
    return allowed


def _module_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Import):
        return node.names[0].name.split(".")[0]
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] or "."
    return None


def _import_ok(node: ast.Import | ast.ImportFrom, allowed: tuple[str, ...]) -> bool:
    if isinstance(node, ast.Import):
        return all(alias.name.split(".")[0] in allowed for alias in node.names)
    module = node.module or ""
    if module == "math":
        return all(alias.name in ("ceil", "floor") for alias in node.names)
    return module.split(".")[0] in allowed and node.level == 0


def _short(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError):
        text = type(node).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def check_imports(tree: ast.Module, file: str, reference: bool = False) -> list[Violation]:
    """Imports other than numpy and ``from math import ceil, floor`` (and ``__import__`` of other modules).

    convpool itself is a violation of its own (``convpool``): the exercise is to
    write these functions. Only convpool's own ``tasks/`` (``reference``) may
    import it, with the ``except ImportError`` fallback that finds it.
    """
    fallbacks = _convpool_fallbacks(tree) if reference else set()
    allowed = ("numpy", "convpool") if reference else ("numpy",)
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Import | ast.ImportFrom)
            and id(node) not in fallbacks
            and not _import_ok(node, allowed)
        ):
            if _module_of(node) == "convpool" or any(a.name.startswith("convpool") for a in node.names):
                message = f"`{_short(node)}`: the exercise is to write the function, not to import convpool's"
                out.append(Violation(file, node.lineno, "convpool", message))
            else:
                out.append(Violation(file, node.lineno, "import", f"`{_short(node)}`: only numpy and math.ceil/floor"))
        elif _dynamic_import(node):
            out.append(Violation(file, _line(node), "import", f"`{_short(node)}`: only numpy and math.ceil/floor"))
    return out


def check_dynamic(tree: ast.Module, file: str) -> list[Violation]:
    """Code run from text or reached through the built-ins: ``exec``, ``eval``, ``compile``, ``importlib``,
    ``__builtins__`` however it is reached (a name, an attribute, a string given to ``getattr``)."""
    out = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Name) and node.id in DYNAMIC and node.id != "__import__":
            name = node.id
        elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_ATTRIBUTES:
            name = node.attr
        elif isinstance(node, ast.Constant) and node.value in _DYNAMIC_ATTRIBUTES + DYNAMIC[:3]:
            name = repr(node.value)
        if name is not None:
            message = f"`{name}`: code run from text or reached through the built-ins is not allowed"
            out.append(Violation(file, _line(node), "dynamic-code", message))
    return out


def check_string_is(tree: ast.Module, file: str) -> list[Violation]:
    """``x is 'same'``: identity, not equality; a string made at run time is not the literal that reads the same."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        for op, left, right in zip(node.ops, [node.left, *node.comparators], node.comparators, strict=False):
            strings = [x for x in (left, right) if isinstance(x, ast.Constant) and isinstance(x.value, str)]
            if isinstance(op, ast.Is | ast.IsNot) and strings:
                fix = "==" if isinstance(op, ast.Is) else "!="
                message = (
                    f"`{_short(node)}` compares identity, not text: a string read, joined or passed in at run time "
                    f"is another object even when it reads {strings[0].value!r}; write `{fix}`"
                )
                out.append(Violation(file, node.lineno, "string-is", message))
    return out


def _dynamic_import(node: ast.AST) -> bool:
    """``__import__('x')`` or ``importlib.import_module('x')`` of anything but numpy or a sibling task file."""
    if not isinstance(node, ast.Call):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
    if name not in ("__import__", "import_module"):
        return False
    first = node.args[0] if node.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return not (first.value.split(".")[0] == "numpy" or first.value[:1].isdigit())
    return True


def _numpy_names(tree: ast.Module) -> tuple[set[str], bool]:
    """Names bound to the numpy module, and whether ``from numpy import *`` appears."""
    names, star = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name == "numpy"}
        elif isinstance(node, ast.ImportFrom) and node.module == "numpy":
            star |= any(a.name == "*" for a in node.names)
    return names, star


def check_np_convolve(tree: ast.Module, file: str) -> list[Violation]:
    """Any use of ``numpy.convolve``: attribute, ``from numpy import convolve [as x]``, ``getattr``."""
    names, star = _numpy_names(tree)
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    out = []
    for node in ast.walk(tree):
        hit = False
        if isinstance(node, ast.Attribute) and node.attr == "convolve":
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            hit = isinstance(root, ast.Name) and root.id in names
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("numpy"):
            hit = any(a.name == "convolve" for a in node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            hit = any(isinstance(a, ast.Constant) and a.value == "convolve" for a in node.args[1:2])
        elif star and isinstance(node, ast.Name) and node.id == "convolve" and "convolve" not in defined:
            hit = True
        if hit:
            out.append(Violation(file, _line(node), "np-convolve", "np.convolve is not allowed"))
    return out


def check_docstrings(tree: ast.Module, file: str) -> list[Violation]:
    """The module and every function (methods and nested ones too) need a docstring."""
    out = [] if ast.get_docstring(tree) else [Violation(file, 1, "module-docstring", "the module has no docstring")]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not ast.get_docstring(node):
            message = f"{node.name} has no docstring"
            out.append(Violation(file, node.lineno, "function-docstring", message))
    return out


def check_file_form(path: Path, text: str) -> list[Violation]:
    """Shebang on line 1, executable bit, newline at the end."""
    file, out = path.name, []
    if text.split("\n", 1)[0] != SHEBANG:
        out.append(Violation(file, 1, "shebang", f"the first line must be exactly {SHEBANG}"))
    if not path.stat().st_mode & 0o111:
        out.append(Violation(file, 0, "executable", f"the file is not executable (chmod +x {file})"))
    if text and not text.endswith("\n"):
        out.append(Violation(file, len(text.splitlines()), "newline", "the file must end with a new line"))
    return out


def check(path: Path, task: Task, reference: bool = False) -> tuple[list[Violation], ast.Module | None]:
    """Every rule on the file at ``path``; the parsed tree (None when it cannot be parsed).

    ``reference``: convpool's own ``tasks/``, which may import convpool.
    """
    if path.stat().st_size > MAX_BYTES:
        message = f"the file has {path.stat().st_size} bytes; the checker reads task files of up to {MAX_BYTES}"
        return [Violation(path.name, 0, "syntax", message)], None
    text = path.read_text(encoding="utf-8", errors="replace")
    out = check_file_form(path, text)
    try:
        tree = parse(text, filename=path.name)
    except SyntaxError as exc:
        return [*out, Violation(path.name, exc.lineno or 0, "syntax", f"syntax error: {exc.msg}")], None
    except (RecursionError, MemoryError, ValueError) as exc:  # a 200,000-term expression, 100,000 nested `not`
        message = f"the file cannot be read as Python: {type(exc).__name__} (an expression nested too deeply?)"
        return [*out, Violation(path.name, 0, "syntax", message)], None
    out += check_imports(tree, path.name, reference)
    for rule in (check_dynamic, check_string_is, check_np_convolve, check_docstrings):
        out += rule(tree, path.name)
    out += check_loops(tree, task, path.name)
    unique = {(v.line, v.rule, v.message): v for v in out}  # one line may hold the same trick twice
    return sorted(unique.values(), key=lambda v: (v.line, v.rule)), tree
