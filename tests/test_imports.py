"""The import graph of calc/: no cycle between modules, none between subpackages, imports inside functions
counted too; calc never imports streamlit; no "not installed yet" fallbacks that hide a broken import."""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CALC = ROOT / "calc"


def module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, pathlib.Path]:
    return {module_name(p): p for p in CALC.rglob("*.py")}


def imports_of(path: pathlib.Path, known: set[str]) -> set[str]:
    """Every calc module this file imports, at any depth (functions included); `from pkg import mod` counts as
    an import of pkg.mod when that is a module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("calc")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("calc"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & known
            out |= subs or {node.module}
    return {m for m in out if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports_of(p, set(mods)) - {m} for m, p in mods.items()}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def package_of(m: str) -> str:
    parts = m.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (len(parts) == 2 and (CALC / parts[1]).is_dir()) else m


def test_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_graph_is_read_from_the_source():
    g = graph()
    assert "calc.parse.errors" in g["calc.parse.tree"]          # a module-level import
    assert "calc.worked.forward" in g["calc.worked.solve"] or "calc.worked.forward" in set().union(*g.values())


def test_no_module_cycle():
    assert find_cycle(graph()) is None


def test_no_subpackage_cycle():
    pg: dict[str, set[str]] = {}
    for m, deps in graph().items():
        pg.setdefault(package_of(m), set()).update(package_of(d) for d in deps)
    for k in pg:
        pg[k].discard(k)
        pg[k].discard("calc")
    assert find_cycle(pg) is None


def test_calc_never_imports_streamlit():
    for p in CALC.rglob("*.py"):
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), p


def test_no_import_fallbacks_in_pages():
    """A broken import must fail loudly (a red test), never turn into "not installed yet"."""
    for p in list((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"]:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                assert not names & {"ImportError", "ModuleNotFoundError"}, f"{p.name}:{node.lineno}"
