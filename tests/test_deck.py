"""The lecture deck (export --format beamer --deck lecture), fixed decimals (--decimals N), the renamed generator
option (--weight-decimals), the ipynb alias, and notation kept through the hidden terms and the matrix view.

Independent sources: Mazur's printed values (calc/presets/mazur.json "published"), rounded by decimal.Decimal;
the engine's float64 arrays (calc.engine.numeric, never the printers) for the summary table. The LaTeX tests
compile with pdflatex -no-shell-escape (skipped without it unless REQUIRE_LATEX=1) and read the log for overfull
boxes; one compile per document, three networks (2-2-2, 3-3-3-3, 4-5-3).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from calc.export import beamer, export, latex
from calc.export.cli import main as export_main
from calc.presets import load_preset, preset_path
from calc.problem.spec import spec_from_dict
from calc.worked.solve import solve

PDFLATEX = shutil.which("pdflatex")


def published() -> dict[str, str]:
    return json.loads(preset_path("mazur").read_text(encoding="utf-8"))["published"]


def rounded(text: str, n: int) -> str:
    """A printed value rounded to n decimals (independently of calc's printers)."""
    return str(Decimal(text).quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_EVEN))


def spec_3333():
    """3 inputs, two hidden layers of 3, 3 outputs, sigmoid (hand-written numbers)."""
    w = [[[0.15, -0.2, 0.3], [0.25, 0.1, -0.35], [-0.05, 0.4, 0.2]],
         [[0.3, -0.1, 0.2], [-0.25, 0.35, 0.1], [0.15, 0.05, -0.4]],
         [[0.2, 0.45, -0.3], [0.1, -0.15, 0.35], [-0.2, 0.3, 0.25]]]
    return spec_from_dict({"name": "3-3-3-3 sigmoid", "inputs": [0.1, 0.5, 0.9], "targets": [0.2, 0.6, 0.9],
                           "layers": [{"weights": w[k], "biases": [0.1, 0.2, 0.3][k], "activation": "sigmoid"}
                                      for k in range(3)], "loss": "half_sse", "learning_rate": 0.5})


NETWORKS = {"mazur": lambda: load_preset("mazur"), "3-3-3-3": spec_3333,
            "4-5-3": lambda: load_preset("classifier_4_5_3")}


# ---- --decimals: fixed decimals in every format ---------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 4, 6, 8])
def test_decimals_print_exactly_n_decimals_of_mazurs_values(n):
    sol = solve(load_preset("mazur")).view(decimals=n)
    pub = published()
    for label in ("out_h1", "E_total", "w5+", "out_o1", "dE_total/dw5"):
        shown = sol.by_label()[label].shown
        assert shown == rounded(pub[label], n), (label, shown)
        assert len(shown.split(".")[1]) == n


def test_decimals_8_as_the_brief_states():
    by = solve(load_preset("mazur")).view(decimals=8).by_label()
    assert by["out_h1"].shown == "0.59326999" and by["E_total"].shown == "0.29837111"
    assert by["w5+"].shown == "0.35891648"
    # inside another step's numbers too, and a given number stays as typed
    assert r"0.4 - 0.5 \cdot 0.08216704 = 0.35891648" == by["w5+"].substituted


@pytest.mark.parametrize("fmt", ["markdown", "marp", "latex", "beamer", "notebook", "csv"])
def test_every_format_takes_decimals(tmp_path, fmt):
    out = tmp_path / "out"
    assert export_main([str(preset_path("mazur")), "--format", fmt, "--decimals", "8", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "0.59326999" in text and "0.593269992" not in text.replace("0.5932699921", "")


def test_lecture_deck_takes_decimals():
    tex = beamer.render(solve(load_preset("mazur")), deck="lecture", decimals=8)
    assert "0.35891648" in tex and "0.593269992" not in tex


def test_decimals_out_of_range_exits_2(capsys):
    assert export_main([str(preset_path("mazur")), "--decimals", "16"]) == 2
    assert "--decimals" in capsys.readouterr().err


def test_weight_decimals_is_the_generators_option(tmp_path):
    out = tmp_path / "g.csv"
    assert export_main(["--generate", "2-2-2", "--weight-decimals", "1", "--seed", "3", "--format", "csv",
                        "-o", str(out)]) == 0
    rows = [r.split(",") for r in out.read_text().splitlines()[1:]]
    given = [float(r[5]) for r in rows if r[2] == "given" and r[0] != "eta"]
    assert given and all(abs(v * 10 - round(v * 10)) < 1e-9 for v in given)
    # --decimals on --generate is the printer's now: 1 decimal printed, numbers drawn with 2
    out2 = tmp_path / "g2.md"
    assert export_main(["--generate", "2-2-2", "--decimals", "3", "--seed", "3", "-o", str(out2)]) == 0


def test_ipynb_is_an_alias_of_notebook(tmp_path):
    out = tmp_path / "n.ipynb"
    assert export_main([str(preset_path("mazur")), "--format", "ipynb", "-o", str(out)]) == 0
    nb = json.loads(out.read_text())
    again = json.loads(export(solve(load_preset("mazur")), "ipynb"))
    assert nb["nbformat"] == 4 and [c["source"] for c in nb["cells"]] == [c["source"] for c in again["cells"]]
    assert any("0.593269992" in "".join(c["source"]) for c in nb["cells"])


# ---- notation --------------------------------------------------------------------------------------------------
def test_mazur_hidden_term_names_as_mazur_writes_them():
    st = solve(load_preset("mazur")).by_label()["dE_o1/dout_h1"]
    assert st.rhs == (r"\frac{\partial E_{o1}}{\partial \mathrm{net}_{o1}} \cdot "
                      r"\frac{\partial \mathrm{net}_{o1}}{\partial \mathrm{out}_{h1}}")
    assert st.numbers == r"0.138498562 \cdot 0.4"                     # delta_o1 and w5, Mazur's numbers
    assert rounded(st.shown, 9) == published()["dE_o1/dout_h1"]
    from calc.export.document import factors
    sol = solve(load_preset("mazur"))
    assert [f for f, _ in factors(sol, sol.by_label()["dE_o1/dout_h1"])][0] == \
        r"\frac{\partial E_{o1}}{\partial \mathrm{net}_{o1}}"


def test_softmax_output_keeps_dE_total_in_the_term():
    st = solve(load_preset("classifier_4_5_3")).index["term.s1.l1.u1.k1"]
    assert st.rhs.startswith(r"\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{net}_{o1}} \cdot ")


def test_hagan_notation_holds_in_the_matrix_view():
    sol = solve(load_preset("mazur")).view(notation="hagan")
    mats = [s for s in sol.steps if s.kind == "matrix"]
    text = " ".join(s.formula for s in mats)
    assert "Z^" not in text and r"\delta" not in text and "X " not in text and "E}" not in text
    for sym in (r"N^{(1)} = P (W^{(1)})^{T} + b^{(1)}", r"S^{(2)} = \partial F / \partial N^{(2)}",
                r"S^{(1)} = (S^{(2)} W^{(2)}) \odot f'(N^{(1)})"):
        assert sym in text, sym
    assert {s.label for s in mats} >= {"N(1)", "S(2)", "dF/dW(2)^T", "W(1)+^T"}
    # the numbers are the same matrices: dF/dW(2)^T printed is the stored (source x destination) gradient
    g = solve(load_preset("mazur")).run.grad_w[1]
    assert f"{g[0, 0]:.9g}"[:9] in sol.index["M.GW.l2"].substituted


# ---- the lecture deck as text ------------------------------------------------------------------------------------
def summary_rows(tex: str) -> dict[str, list[str]]:
    """{weight symbol: [value, factors, dE/dw, w+]} from the summary table(s)."""
    rows = {}
    for m in re.finditer(r"^\$([^$]+)\$ & \$([^$]*)\$ & \$([^$]*)\$ & \$([^$]*)\$ & \$([^$]*)\$ \\\\$", tex, re.M):
        rows[m.group(1)] = list(m.groups()[1:])
    return rows


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("kw", [{}, {"decimals": 4}])
def test_summary_table_equals_the_engines_values(name, kw):
    spec = NETWORKS[name]()
    sol = solve(spec)
    tex = beamer.render(sol, deck="lecture", **kw)
    rows = summary_rows(tex)
    p = sol.run
    checked = 0
    for l, layer in enumerate(spec.layers, start=1):
        for i in range(layer.weights.shape[0]):
            for j in range(layer.weights.shape[1]):
                sym = sol.index[f"w.l{l}.i{i + 1}.u{j + 1}"].latex
                _, facs, g, new = rows[sym]
                for got, want in ((g, p.grad_w[l - 1][i, j]), (new, p.new_w[l - 1][i, j])):
                    if "decimals" in kw:
                        assert got == f"{want:.4f}".replace("-0.0000", "0.0000")
                    else:
                        assert float(got) == pytest.approx(want, rel=5e-9, abs=1e-15)
                checked += 1
    assert checked == sum(l.weights.size for l in spec.layers)


def test_mazur_lecture_deck_structure():
    tex = beamer.render(solve(load_preset("mazur")), deck="lecture")
    titles = re.findall(r"\\frametitle\{(.*)\}$", tex, re.M)
    assert titles[:3] == ["The network and the given values", "Forward pass", "Loss"]
    assert titles[3] == r"Output layer: $w_{5}$ by the chain rule" and titles[4].startswith("Hidden layer 1: $w_{1}$")
    assert titles[-2:] == ["Updates", "Summary"]
    # the factor being introduced is alerted, one overlay per factor
    assert r"\alert<1>{\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}}}" in tex
    assert r"\alert<3>{0.593269992}" in tex and r"\alert<3>{0.0821670406}" in tex
    # each chain frame's figure lights the factor's path (calc.figure)
    assert tex.count(r"\begin{tikzpicture}") >= 10
    assert beamer.render(solve(load_preset("mazur"))).count(r"\begin{frame}") > 60      # --deck full is the default


def test_steps_pick_the_worked_weight():
    tex = beamer.render(solve(load_preset("mazur")), deck="lecture", full=("w6", "w3"))
    assert r"Output layer: $w_{6}$" in tex and r"Hidden layer 1: $w_{3}$" in tex


def test_unknown_deck_is_a_clear_error():
    with pytest.raises(ValueError, match="deck"):
        beamer.render(solve(load_preset("mazur")), deck="short")


# ---- compiled ----------------------------------------------------------------------------------------------------
@pytest.fixture
def need_latex():
    if PDFLATEX is None:
        if os.environ.get("REQUIRE_LATEX") == "1":
            pytest.fail("pdflatex is missing but REQUIRE_LATEX=1")
        pytest.skip("pdflatex is not installed")


def compile_tex(tex: str, d: Path, name: str) -> tuple[Path, str]:
    (d / f"{name}.tex").write_text(tex, encoding="utf-8")
    r = subprocess.run([PDFLATEX, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                       cwd=d, capture_output=True, text=True, timeout=240)
    log = (d / f"{name}.log").read_text(errors="replace")
    assert r.returncode == 0, log[-3000:]
    return d / f"{name}.pdf", log


def overfull(log: str) -> list[float]:
    """Widths of the overfull hboxes over 1pt in a pdflatex log."""
    return [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log) if float(x) > 1.0]


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(m.group(1)) if m else len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.mark.parametrize("name", list(NETWORKS))
def test_lecture_deck_and_article_compile_without_overfull_boxes(need_latex, tmp_path, name):
    sol = solve(NETWORKS[name]())
    pdf, log = compile_tex(beamer.render(sol, deck="lecture"), tmp_path, "deck")
    assert overfull(log) == [], name
    n = pages(pdf)
    if name == "mazur":
        assert 8 <= n <= 16, n
    else:
        assert n >= 8
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "p")],
                       check=True, timeout=120)
        pngs = sorted(tmp_path.glob("p-*.png"))
        assert len(pngs) == 3 and all(p.stat().st_size > 1000 for p in pngs)
    _, log = compile_tex(latex.render(sol), tmp_path, "article")
    assert overfull(log) == [], name


@pytest.mark.parametrize("notation", ["layer", "hagan"])
def test_no_double_superscript_with_several_samples(notation):
    """z^{(1)}_{1}^{[2]} does not compile; the sample goes inside the layer superscript: z^{(1)[2]}_{1}."""
    sol = solve(load_preset("dog_breed")).view(notation=notation)
    assert sol.spec.n_samples > 1
    double = re.compile(r"\^\{[^{}]*\}_\{[^{}]*\}\^")
    bad = [s.id for s in sol.steps if s.kind != "matrix" and (double.search(s.latex) or double.search(s.rhs))]
    assert bad == []
    assert sol.index["net.s2.l1.u1"].latex == ("z" if notation == "layer" else "n") + "^{(1)[2]}_{1}"
