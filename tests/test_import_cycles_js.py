"""The client's modules import each other without a circle (issue 11).

Reads the static `import ... from "..."` (and bare `import "..."`) lines of app/static/js/ and
fails on any cycle, naming it, so a shared widget can never again tie route modules together.
"""

from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "app" / "static" / "js"
IMPORT = re.compile(r"""^\s*(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']""", re.MULTILINE)


def import_graph() -> dict[Path, set[Path]]:
    """Module -> the local modules it imports statically."""
    graph: dict[Path, set[Path]] = {}
    for path in JS.rglob("*.js"):
        if "vendor" in path.relative_to(JS).parts:
            continue
        text = path.read_text(encoding="utf-8")
        deps = set()
        for spec in IMPORT.findall(text):
            if spec.startswith("."):
                deps.add((path.parent / spec).resolve())
        graph[path.resolve()] = deps
    return graph


def find_cycle(graph: dict[Path, set[Path]]) -> list[Path] | None:
    """One import cycle (as a path that returns to its start), or None."""
    state: dict[Path, int] = {}  # 1: on the stack, 2: done
    stack: list[Path] = []

    def visit(node: Path) -> list[Path] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_every_import_resolves_to_a_module():
    graph = import_graph()
    missing = sorted(
        f"{src.relative_to(JS)} -> {dep.name}" for src, deps in graph.items() for dep in deps if not dep.is_file()
    )
    assert not missing, f"imports of files that do not exist: {missing}"


def test_client_modules_have_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(str(p.relative_to(JS)) for p in cycle)


def test_the_cycle_finder_sees_a_cycle():
    a, b, c = Path("/a.js"), Path("/b.js"), Path("/c.js")
    assert find_cycle({a: {b}, b: {c}, c: {a}}) == [a, b, c, a]
    assert find_cycle({a: {b}, b: {c}, c: set()}) is None
