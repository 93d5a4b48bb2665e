"""Check convpool's import graph: no cycles (lazy imports inside functions count) and the layers hold.

Usage: ``python tools/check_imports.py [src/convpool]``; exit status 1 with one line per problem.

Every ``import`` and ``from ... import`` of a convpool module, at any depth of
the file, is an edge ``importer -> imported`` (``from pkg import name`` points
at ``pkg.name`` when that is a module, else at ``pkg``). The layers, top to
bottom (a module may import its own layer and those below, never above)::

    convpool.cli, convpool.checker, convpool.plot, convpool.demo   (tools on top of the library)
    convpool (the package itself), convpool.kernels, convpool.exercise, convpool.conventions, convpool.data, ...
    convpool._api        public functions: reshapes, a plan, a backend
    convpool._backends   numpy, dask, xp: the six operations on a plan
    convpool._plan       checks, shapes, plans (NumPy only)
    convpool._exits, convpool._optional, convpool._typing   exit statuses; optional imports that name
                                          their extra; the shared type aliases

A cycle is reported once, as the modules it runs through.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

#: (prefix, layer): lower numbers sit lower. The longest matching prefix decides a module's layer.
LAYERS = {
    "convpool._exits": 0,
    "convpool._optional": 0,
    "convpool._typing": 0,
    "convpool._plan": 1,
    "convpool._backends": 2,
    "convpool._api": 3,
    "convpool": 4,
    "convpool.cli": 5,
    "convpool.checker": 5,
    "convpool.plot": 5,
    "convpool.plot_board": 5,
    "convpool.plot_demo": 5,
    "convpool.plot_learn": 5,
    "convpool.demo": 5,
    "convpool.__main__": 5,
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def edges(root: Path) -> dict[str, set[str]]:
    """``module -> {convpool modules it imports}`` for every module under ``root``."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, package, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            graph[name].update(t for t in targets if t in files and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def problems(root: Path) -> list[str]:
    graph = edges(root)
    lines = [f"import cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    for importer, imported in sorted((a, b) for a, targets in graph.items() for b in targets):
        if layer(imported) > layer(importer):
            lines.append(f"layer: {importer} (layer {layer(importer)}) imports {imported} (layer {layer(imported)})")
    return lines


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "src/convpool")
    found = problems(root)
    for line in found:
        print(line)
    if not found:
        print(f"imports: no cycle, layers hold ({len(edges(root))} modules)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
