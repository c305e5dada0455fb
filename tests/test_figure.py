"""calc.figure: the network as a computational graph (SVG, TikZ, DOT).

Label boxes never overlap (Mazur 2-2-2, a 3-3-3-3 net, the 4-5-3 classifier, random nets up to 8 units a layer
and 6 layers, the compact form above that); every printed value is the solve value rounded, and Mazur's own
printed numbers come out; the path of w5 and w1 is the chain rule's; the TikZ compiles with no overfull box;
user text is escaped in each format; the CLI exits 0 and 2.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from calc.figure import MAX_UNITS, build_figure, layout, to_dot, to_svg, to_tikz
from calc.presets import load_preset
from calc.problem.spec import spec_from_dict
from calc.worked.solve import solve

ROOT = Path(__file__).resolve().parents[1]
NS = {"s": "http://www.w3.org/2000/svg"}
LIT = "#6d28d9"


def net_3333():
    """3 inputs, two hidden layers of 3, 3 outputs; a bias per unit."""
    w = lambda a, b, o: [[round(0.1 * ((i * b + j + o) % 7) - 0.3, 2) for j in range(b)] for i in range(a)]  # noqa
    return spec_from_dict({"name": "3-3-3-3", "inputs": [0.1, 0.2, 0.3], "targets": [0.2, 0.5, 0.8],
                           "layers": [{"weights": w(3, 3, k), "biases": [0.1, 0.2, 0.3], "activation": "sigmoid"}
                                      for k in range(3)], "loss": "half_sse", "learning_rate": 0.5})


def random_spec(sizes: list[int], seed: int, samples: int = 1, name: str = "random"):
    r = random.Random(seed)
    layers = []
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        mode = r.choice(["unit", "shared", "none"])
        bias = ([round(r.uniform(-1, 1), 3) for _ in range(b)] if mode == "unit" else
                round(r.uniform(-1, 1), 3) if mode == "shared" else None)
        layers.append({"weights": [[round(r.uniform(-2, 2), 3) for _ in range(b)] for _ in range(a)], "biases": bias,
                       "activation": "sigmoid" if k == len(sizes) - 2 else r.choice(["tanh", "relu", "sigmoid"])})
    xs = [[round(r.uniform(-1, 1), 3) for _ in range(sizes[0])] for _ in range(samples)]
    ts = [[round(r.uniform(0, 1), 3) for _ in range(sizes[-1])] for _ in range(samples)]
    return spec_from_dict({"name": name, "inputs": xs[0] if samples == 1 else xs,
                           "targets": ts[0] if samples == 1 else ts, "layers": layers, "loss": "half_sse",
                           "learning_rate": 0.5})


NAMED = {"mazur": lambda: load_preset("mazur"), "3333": net_3333,
         "453": lambda: load_preset("classifier_4_5_3")}


def assert_no_overlap(lay) -> None:
    boxes = lay.boxes
    assert len(boxes) >= 3
    for b in boxes:
        assert b.w > 0 and b.h > 0
        assert 0 <= b.x and b.x + b.w <= lay.width and 0 <= b.y and b.y + b.h <= lay.height, b.key
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:]:
            assert not a.overlaps(b), f"{a.key} {a.x, a.y, a.w, a.h} overlaps {b.key} {b.x, b.y, b.w, b.h}"
    for b in boxes:                       # each box is as wide as its longest printed line (the width estimate)
        assert b.w >= max(len(t) for t, _, _ in b.lines) * 6.0


@pytest.mark.parametrize("name", list(NAMED))
@pytest.mark.parametrize("fmt", [dict(), dict(digits=9), dict(decimals=2)])
def test_named_networks_no_label_overlaps_and_weights_on_edges(name, fmt):
    sol = solve(NAMED[name]())
    for step in (None, "w.l1.i1.u1"):
        for fit in (None, (340.0, 510.0)):                    # for screens, for an article's page
            lay = layout(build_figure(sol, step=step), fit=fit, **fmt)
            assert_no_overlap(lay)
            assert lay.tables == []           # every weight is written on its edge for these three networks
            assert lay.width < 2000 and lay.height < 1300


@pytest.mark.parametrize("seed", range(12))
def test_random_networks_up_to_the_limits_no_overlap(seed):
    r = random.Random(seed)
    sizes = [r.randint(1, MAX_UNITS) for _ in range(r.randint(2, 7))]   # 1 to 6 layers of weights
    sol = solve(random_spec(sizes, seed, samples=r.randint(1, 3)))
    fig = build_figure(sol, step=r.choice([s.id for s in sol.steps if s.kind in ("given", "backward")]))
    assert not fig.compact
    lay = layout(fig, digits=r.choice([None, 3, 12]))
    assert_no_overlap(lay)
    drawn = {b.key for b in lay.boxes}
    assert {f"e{l}.{i}.{j}" for l in range(1, len(sizes)) for i in range(1, sizes[l - 1] + 1)
            for j in range(1, sizes[l] + 1)} <= drawn           # every weight is labelled, on its edge or in a table


def test_eight_by_eight_and_compact_form_above_the_limit():
    lay = layout(build_figure(solve(random_spec([8, 8, 8], 5)), step="w.l2.i8.u8"))
    assert_no_overlap(lay)
    big = solve(random_spec([3, MAX_UNITS + 1, 2], 7))
    fig = build_figure(big, step="w.l1.i1.u1")
    assert fig.compact and fig.path == {"E", "u0", "u1", "u2"}       # the layers dE/dw(1)_1,1 goes through
    assert_no_overlap(layout(fig))
    summarised = solve(random_spec([20, 17, 3], 8))
    assert summarised.summarised
    fig = build_figure(summarised, step="w.l2.i3.u1")
    assert fig.compact and fig.path == {"E", "u2"}
    svg = to_svg(fig)
    assert "17 units" in svg and "W(1): 20 x 17" in svg
    assert_no_overlap(layout(fig))


# ---- values ----------------------------------------------------------------------------------------------
def svg_values(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    return {t.get("data-step"): t.text.rsplit("= ", 1)[-1] for t in root.iter("{http://www.w3.org/2000/svg}text")
            if t.get("data-step")}


def dot_values(dot: str) -> dict[str, str]:
    return {m[0]: m[1].rsplit("= ", 1)[-1] for m in re.findall(r'ID="([^"]+)"><FONT COLOR="[^"]+">(?:<B>)?([^<]*)<', dot)}


def tikz_values(tex: str) -> dict[str, str]:
    return {m[1]: m[0].rsplit("= ", 1)[-1] for m in re.findall(r"\{([^{}]*)\};\s*% step=(\S+)", tex)}


def expected_ids(sol) -> set[str]:
    """Every weight, bias, gradient, net, out and delta (sample 1) of the solution."""
    want = set()
    for s in sol.steps:
        kind = s.id.split(".")[0]
        if kind in ("w", "b", "gb") or (kind == "gw" and ".s" not in s.id):
            want.add(s.id)
        if kind in ("net", "out", "delta", "x", "t") and ".s1." in s.id:
            want.add(s.id)
    return want | {"loss"}


@pytest.mark.parametrize("name", list(NAMED) + ["batch"])
def test_every_printed_value_is_the_solve_value_rounded(name):
    spec = random_spec([2, 3, 2], 3, samples=3) if name == "batch" else NAMED[name]()
    sol = solve(spec)
    fig = build_figure(sol, step="w.l1.i1.u1")
    for kw in (dict(), dict(digits=6), dict(decimals=2)):
        for got in (svg_values(to_svg(fig, **kw)), dot_values(to_dot(fig, **kw)), tikz_values(to_tikz(fig, **kw))):
            assert set(got) == expected_ids(sol)
            for sid, text in got.items():
                v = sol.index[sid].value
                if "digits" in kw:
                    assert float(text) == pytest.approx(v, rel=10 ** (1 - kw["digits"]), abs=1e-300)
                    assert text == f"{v:.{kw['digits']}g}"
                else:
                    d = kw.get("decimals", 4)
                    assert abs(float(text) - v) <= 0.5 * 10 ** -d + 1e-12 and len(text.split(".")[1]) == d


def test_mazur_printed_numbers():
    """Mazur's post: net_h1 0.3775, out_o1 0.75136507, E_total 0.298371109, dE/dw5 0.082167041,
    dE/dw1 0.000438568; at 4 decimals and at 9 significant digits."""
    fig = build_figure(solve(load_preset("mazur")))
    v4, v9 = svg_values(to_svg(fig)), svg_values(to_svg(fig, digits=9))
    assert (v4["net.s1.l1.u1"], v4["out.s1.l2.u1"], v4["loss"], v4["gw.l2.i1.u1"], v4["gw.l1.i1.u1"]) == \
        ("0.3775", "0.7514", "0.2984", "0.0822", "0.0004")
    for sid, printed in (("out.s1.l2.u1", "0.75136507"), ("loss", "0.298371109"), ("gw.l2.i1.u1", "0.082167041"),
                         ("gw.l1.i1.u1", "0.000438568")):    # equal to half a unit of the post's last digit
        assert abs(float(v9[sid]) - float(printed)) <= 0.5 * 10 ** -len(printed.split(".")[1])


# ---- the path --------------------------------------------------------------------------------------------
def lit_keys(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {e.get("data-key") for e in root.iter() if e.get("stroke") == LIT and e.get("data-key")
            and ">" not in e.get("data-key")}


def test_path_of_w5_and_w1_is_the_chain_rule():
    sol = solve(load_preset("mazur"))
    # dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 (= out_h1): E, o1, the edge w5, h1
    w5 = {"E", "u2.1", "e2.1.1", "u1.1"}
    # dE/dw1 = (delta_o1 w5 + delta_o2 w7) * dout_h1/dnet_h1 * i1: E, o1, o2, w5, w7, h1, w1, i1
    w1 = {"E", "u2.1", "u2.2", "e2.1.1", "e2.1.2", "u1.1", "e1.1.1", "u0.1"}
    for step, want in (("w5", w5), ("gw.l2.i1.u1", w5), ("w5+", w5), ("w1", w1), ("dE_total/dw1", w1)):
        fig = build_figure(sol, step=step)
        assert fig.path == want, step
        assert lit_keys(to_svg(fig)) == want
    assert build_figure(sol, step="b2").path == {"E", "b2", "u2.1", "u2.2"}
    assert build_figure(sol, step="net_o1").path == {"u2.1", "e2.1.1", "e2.2.1", "b2", "u1.1", "u1.2", "e1.1.1",
                                                     "e1.2.1", "e1.1.2", "e1.2.2", "b1", "u0.1", "u0.2"}
    layer = build_figure(sol, step="w(2)_1,1", notation="layer")       # a label in another notation
    assert layer.path == w5 and "w(2)_1,1" in to_svg(layer)
    with pytest.raises(ValueError, match="w99"):
        build_figure(sol, step="w99")


# ---- escaping and self-containment -----------------------------------------------------------------------
HOSTILE = r'<script>alert(1)</script> & "q" \input{/etc/passwd} $x$ % # _ ~ ^ {}'


def test_user_text_is_escaped_in_every_format():
    sol = solve(random_spec([2, 2, 1], 1, name=HOSTILE))
    fig = build_figure(sol)
    svg = to_svg(fig)
    root = ET.fromstring(svg)                                        # well-formed XML
    assert root.find("s:title", NS).text == HOSTILE.strip()
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert root.get("viewBox", "").startswith("0 0 ") and root.find("s:desc", NS).text
    assert not re.search(r"href|url\(|@import|<style|<image|https?://(?!www\.w3\.org/2000/svg)", svg)
    tex = to_tikz(fig)
    assert r"\input" not in tex and r"\textbackslash{}input\{/etc/passwd\}" in tex and r"\$x\$" in tex
    dot = to_dot(fig)
    assert '\\"q\\"' in dot and "<script" not in dot.split("labelloc")[1]


# ---- LaTeX ------------------------------------------------------------------------------------------------
PDFLATEX = shutil.which("pdflatex")


@pytest.mark.parametrize("name", list(NAMED))
def test_tikz_compiles_without_overfull_boxes(name, tmp_path):
    if PDFLATEX is None:
        if os.environ.get("REQUIRE_LATEX") == "1":
            pytest.fail("pdflatex is missing but REQUIRE_LATEX=1")
        pytest.skip("pdflatex is not installed")
    fig = build_figure(solve(NAMED[name]()), step="w.l1.i1.u1")
    doc = ("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n\\noindent\n" + to_tikz(fig)
           + "\n\n\\noindent\n" + to_tikz(fig, digits=9) + "\n\\end{document}\n")
    (tmp_path / "fig.tex").write_text(doc)
    r = subprocess.run([PDFLATEX, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "fig.tex"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=240)
    log = (tmp_path / "fig.log").read_text(errors="replace")
    assert r.returncode == 0, log[-2000:]
    over = [float(x) for x in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert all(x <= 1.0 for x in over), over
    assert (tmp_path / "fig.pdf").stat().st_size > 5000


# ---- the CLI ----------------------------------------------------------------------------------------------
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "calc", "figure", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_exit_codes(tmp_path):
    mazur = str(ROOT / "calc/presets/mazur.json")
    r = run_cli(mazur, "--format", "svg", "--step", "w5")
    assert r.returncode == 0 and r.stderr == ""
    assert svg_values(r.stdout)["gw.l2.i1.u1"] == "0.0822"
    out = tmp_path / "fig.tex"
    r = run_cli(mazur, "--format", "tikz", "--digits", "9", "-o", str(out))
    assert r.returncode == 0 and r.stdout == ""
    assert float(tikz_values(out.read_text())["gw.l2.i1.u1"]) == \
        pytest.approx(0.082167041, rel=2e-8)
    assert run_cli(mazur, "--format", "dot").returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": [1, "x"], "targets": [1], "layers": []}))
    for args, message in (((mazur, "--format", "png"), "invalid choice"), ((mazur, "--step", "w99"), "--step"),
                          ((mazur, "--digits", "0"), "--digits"), ((mazur, "--decimals", "13"), "--decimals"),
                          ((str(bad),), ""), ((str(tmp_path / "missing.json"),), "missing.json"),
                          ((mazur, "--notation", "hagan", "-o", str(tmp_path / "no" / "f.svg")), "not written")):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stdout == "" and message in r.stderr and "Traceback" not in r.stderr, args
        assert r.stderr.strip()
    assert not (tmp_path / "no").exists()


def test_a_remembered_spacing_gives_the_layout_a_full_search_gives():
    """layout() remembers the spacing its search chose for given text sizes; a new problem of the same sizes must be
    laid out exactly as a fresh search lays it out (boxes, wires, size)."""
    from calc.figure import layout as L
    lay_mod = sys.modules["calc.figure.layout"]          # (calc.figure.layout is also the function)

    def boxes(lay):
        return [(b.key, round(b.x, 6), round(b.y, 6), round(b.w, 6), round(b.h, 6)) for b in lay.boxes], \
            (round(lay.width, 6), round(lay.height, 6)), [w.key for w in lay.wires]

    for seed in range(6):
        first = build_figure(solve(random_spec([3, 4, 2], seed)))
        again = build_figure(solve(random_spec([3, 4, 2], seed + 100)))
        L(first)                                     # remembers a spacing for these sizes
        remembered = boxes(L(again))
        lay_mod._CHOSEN.clear()
        assert remembered == boxes(L(again))         # the same as a full search
