"""No product code calls sympify, parse_expr, eval or exec; lambdify and compile only in calc/train/codegen.py (issue 8,
item 4), which generates code from the network's shape, never from user text.

Reads the source with ast (never imports it), so a call written as a name (`eval(...)`) or as an
attribute (`sympy.sympify(...)`, `builtins.exec(...)`) is found wherever it sits.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"sympify", "parse_expr", "eval", "exec"}
LAMBDIFY_OK = {"calc/train/codegen.py"}
CODEGEN_ONLY = {"lambdify", "compile"}


def product_files() -> list[Path]:
    files = sorted((ROOT / "calc").rglob("*.py"))
    if (ROOT / "pages").is_dir():
        files += sorted((ROOT / "pages").rglob("*.py"))
    if (ROOT / "streamlit_app.py").is_file():
        files.append(ROOT / "streamlit_app.py")
    return files


def forbidden_calls(source: str, rel: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=rel)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name == "compile" and isinstance(f, ast.Attribute) and getattr(f.value, "id", "") != "builtins":
            continue   # re.compile and friends compile patterns, not code
        if name in FORBIDDEN or (name in CODEGEN_ONLY and rel not in LAMBDIFY_OK):
            found.append(f"{rel}:{node.lineno}: {name}(...)")
    return found


def test_no_product_code_evaluates_text():
    files = product_files()
    rels = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"calc/problem/spec.py", "calc/parse/text.py", "calc/descent/worker.py", "calc/descent/descend.py"} <= rels
    bad = [hit for p in files for hit in forbidden_calls(p.read_text(encoding="utf-8"), p.relative_to(ROOT).as_posix())]
    assert bad == []


def test_the_scanner_finds_each_form():
    src = "import sympy\nx = eval('1')\nsympy.sympify('x')\nexec('y')\nfrom sympy.parsing.sympy_parser import parse_expr\n" \
          "parse_expr('z')\nsympy.lambdify(a, b)\ncompile(s, 'f', 'exec')\nre.compile('x')\n"
    assert [h.split(": ")[1] for h in forbidden_calls(src, "calc/x.py.py")] == \
        ["eval(...)", "sympify(...)", "exec(...)", "parse_expr(...)", "lambdify(...)", "compile(...)"]
    assert forbidden_calls("sympy.lambdify(a, b)\ncompile(s, 'f', 'exec')\n", "calc/train/codegen.py") == []
