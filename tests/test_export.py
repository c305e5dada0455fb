"""Exporters: every format of every preset, options, worksheets, the notebook replay, CSV round trip, escaping.

Numbers come from independent sources: Mazur's printed values (the preset's `published`), and the
notebook's own NumPy recomputation from the given numbers compared to the Solution.
"""
from __future__ import annotations

import io
import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from calc.export import FORMATS, beamer, csv as ecsv, export, latex, markdown, notebook
from calc.export.document import Options, build
from calc.export.escape import csv_text, ident, latex_text, md_text
from calc.presets import load_preset, preset_ids, preset_path
from calc.worked.solve import solve
from calc.problem.spec import spec_from_dict

PAYLOADS = [r"\input{/etc/passwd}", r"\write18{rm -rf ~}", "$(rm -rf ~)", "<script>alert(1)</script>",
            "[x](javascript:alert(1))", "=HYPERLINK(\"http://evil\")", "`touch /tmp/pwned`", "# \\end{document}"]
NAME = " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def sols():
    return {p: solve(load_preset(p)) for p in preset_ids()}


@pytest.fixture(scope="module")
def mazur():
    return solve(load_preset("mazur"))


def evil_solution(preset: str = "mazur"):
    d = json.loads(preset_path(preset).read_text())
    d["name"], d["notes"] = NAME, NAME
    return solve(spec_from_dict(d))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_of_every_preset(sols, fmt):
    for pid, sol in sols.items():
        text = export(sol, fmt)
        assert len(text) > 1000, (pid, fmt)
        out_step = next(s for s in sol.steps if s.id == "out.s1.l1.u1")
        shown = out_step.substituted.rpartition(" = ")[2]
        assert shown in text, (pid, fmt)


def test_mazur_printed_values_in_documents(mazur):
    pub = load_preset("mazur").published
    for fmt in ("markdown", "latex", "beamer", "marp"):
        text = export(mazur, fmt)
        for label in ("out_o1", "E_total", "dE_total/dout_o1", "dout_o1/dnet_o1", "w5+", "w6+", "w8+", "w1+"):
            assert pub[label].rstrip("0") in text, (fmt, label)


def test_markdown_keeps_render_sol_and_takes_digits(mazur):
    assert "0.75136507" in markdown.render(mazur)
    four = markdown.render(mazur, digits=4)
    assert "0.7514" in four and "0.75136507" not in four


def test_notation_option(mazur):
    layer = markdown.render(mazur, notation="layer")
    assert r"\delta^{(2)}_{1}" in layer and r"\mathrm{out}_{o1}" not in layer
    with pytest.raises(ValueError, match="notation"):
        markdown.render(solve(load_preset("three_layer_softmax")), notation="mazur")


def test_symbolic_off_drops_general_formulas(mazur):
    on, off = latex.render(mazur), latex.render(mazur, symbolic=False)
    assert r"\frac{1}{1 + e^{-\mathrm{net}_{h1}}}" in on and r"\frac{1}{1 + e^{-\mathrm{net}_{h1}}}" not in off
    assert r"\frac{1}{1 + e^{-0.3775}}" in off


def test_chain_rule_factors_aligned(mazur):
    tex = latex.render(mazur)
    # dE_total/dw5 = dE/dout_o1 . dout_o1/dnet_o1 . dnet_o1/dw5 over 0.74136507 . 0.186815602 . 0.593269992
    assert r"\begin{alignedat}{3}" in tex
    assert r"&= 0.74136507 &&\cdot 0.186815602 &&\cdot 0.593269992" in tex


def test_full_steps_w5_w1_rest_as_table(mazur):
    doc = build(mazur, Options(full=("w5", "w1")))
    full = {l.step.label for s in doc.sections for l in s.lines}
    table = {l.step.label for s in doc.sections for l in s.table}
    assert {"dE_total/dw5", "w5+", "dE_total/dw1", "w1+", "dE_total/dout_h1", "E_total"} <= full
    assert {"dE_total/dw6", "w6+", "w2+", "dE_total/dw4"} <= table
    assert not full & table
    with pytest.raises(ValueError, match="w99"):
        build(mazur, Options(full=("w99",)))


def test_exact_values_degrade_or_show(mazur):
    text = markdown.render(mazur, exact=True)
    # net_h1 = 0.15*0.05 + 0.2*0.1 + 0.35 = 151/400 exactly (or a note that exact values are unavailable)
    assert r"\frac{151}{400}" in text or "exact values unavailable" in text


def test_worksheet_blanks_and_answer_key(mazur):
    for fmt in ("latex", "beamer", "markdown", "notebook", "csv"):
        ws = export(mazur, fmt, worksheet=True)
        key = export(mazur, fmt, answer_key=True)
        for computed in ("0.75136507", "0.0821670406", "0.298371109"):
            assert computed not in ws and computed in key, (fmt, computed)
        assert "0.15" in ws  # givens stay
    assert "Answer key" in latex.render(mazur, answer_key=True)


def test_marp_front_matter_one_step_per_slide(mazur):
    deck = markdown.render(mazur, slides=True)
    assert deck.startswith("---\nmarp: true\n")
    body = deck.split("---\n", 2)[2]
    n_steps = sum(1 for s in mazur.steps if s.kind != "given")
    assert body.count("\n---\n") + 1 == n_steps + 2  # title + givens + one per step


def assert_notebook_replays(pid: str, sol) -> str:
    """The notebook validates, and running its code cells recomputes every step's value; returns its text."""
    text = notebook.render(sol)
    nbformat.validate(nbformat.reads(text, as_version=4))
    ns: dict = {}
    for code in notebook.code_cells(text):
        exec(compile(code, f"<{pid} cell>", "exec"), ns)  # test code running generated code
    checked = 0
    for st in sol.steps:
        if st.value is None:
            continue
        got, want = np.asarray(ns[ident(st.id)], dtype=float), np.asarray(st.value, dtype=float)
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-9, atol=1e-12), (pid, st.id)
        checked += 1
    assert checked == sum(1 for s in sol.steps if s.value is not None)
    return text


def test_notebook_validates_and_replays_every_value(sols):
    for pid, sol in sols.items():
        assert_notebook_replays(pid, sol)


def small_problem(acts: tuple[str, str], loss: str, n: int = 2, seed: int = 3, **kw):
    rng = np.random.default_rng(seed)
    t = np.eye(2)[rng.integers(0, 2, n)] if loss == "cce" else rng.uniform(0.1, 0.9, (n, 2))
    d = {"inputs": rng.uniform(-1, 1, (n, 2)).round(2).tolist(), "targets": t.round(2).tolist(), "loss": loss,
         "learning_rate": 0.5, "update_biases": True,
         "layers": [{"weights": rng.uniform(-1, 1, (2, 2)).round(2).tolist(), "biases": [0.1, -0.2],
                     "activation": acts[0]},
                    {"weights": rng.uniform(-1, 1, (2, 2)).round(2).tolist(), "biases": 0.3, "activation": acts[1]}]}
    d.update(kw)
    return spec_from_dict(d)


@pytest.mark.parametrize("acts, loss, kw", [
    (("silu", "silu"), "half_sse", {}),
    (("silu", "sigmoid"), "bce", {"reduction": "mean", "log_base": "10"}),
    (("tanh", "softmax"), "cce", {}),
    (("softmax", "softmax"), "cce", {"update_order": "sequential", "reduction": "mean"}),
    (("elu", "identity"), "mse", {}),
])
def test_notebook_replays_silu_and_softmax_problems(acts, loss, kw):
    text = assert_notebook_replays("-".join(acts), solve(small_problem(acts, loss, **kw)))
    helpers = notebook.code_cells(text)[0]
    for a in acts:                      # one generated helper per activation of the problem, from its record
        assert f"def f_act_{a}(net, alpha):" in helpers and f"def f_dact_{a}(net, out, alpha):" in helpers
    assert f"def f_err_{loss}(t, o, m, lf, net):" in helpers


def test_notebook_helpers_come_from_the_records(monkeypatch):
    """A throwaway activation record (cube: f = z^3, f' = 3 z^2) reaches the notebook with no other edit."""
    import dataclasses
    from calc.maths import functions
    cube = functions.Activation("cube", lambda A, z, al: z * z * z, lambda A, z, o, al: 3 * z * z,
                                lambda n, a: rf"{n}^{{3}}", lambda n, o, a: rf"3 {n}^{{2}}", "cube", in_net=True)
    monkeypatch.setitem(functions.ACTIVATIONS, "cube", cube)
    spec = small_problem(("sigmoid", "sigmoid"), "half_sse")
    layers = tuple(dataclasses.replace(layer, activation="cube") for layer in spec.layers)
    spec = dataclasses.replace(spec, layers=layers)        # validated as sigmoid, then given the new record
    text = assert_notebook_replays("cube", solve(spec))
    helpers = notebook.code_cells(text)[0]
    assert "def f_act_cube(net, alpha):" in helpers and "net * net * net" in helpers
    assert "def f_dact_cube(net, out, alpha):" in helpers and "3.0 * net * net" in helpers
    assert "sigmoid" not in helpers     # only the problem's own records


def test_notebook_replays_mazur_printed_loss_after(mazur):
    ns: dict = {}
    for code in notebook.code_cells(notebook.render(mazur)):
        exec(code, ns)
    # the notebook's own forward pass with the updated weights: 0.2910277737 (simultaneous, preset note)
    assert ns["loss_after"] == pytest.approx(0.2910277737, abs=1e-10)
    assert ns["out_s1_l2_u1"] == pytest.approx(0.75136507, abs=5e-9)


def test_csv_round_trips_through_pandas(sols):
    for pid, sol in sols.items():
        df = pd.read_csv(io.StringIO(ecsv.render(sol)), keep_default_na=False, na_values=[""])
        assert list(df["id"]) == [s.id for s in sol.steps]
        for st, v, m in zip(sol.steps, df["value"], df["matrix"]):
            if isinstance(st.value, list):
                assert np.allclose(json.loads(m), st.value, rtol=0, atol=0)
            elif st.value is not None:
                assert v == st.value, (pid, st.id)   # exact: repr round-trips float64
        assert df["value"].dtype == np.float64


def test_csv_formula_injection_guard():
    assert csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for s in ("+1+1", "-2+3", "@SUM(A1)", "\tx"):
        assert csv_text(s).startswith("'")
    assert csv_text("w5+") == "w5+"
    text = ecsv.render(solve(load_preset("mazur")))
    row = next(r for r in text.splitlines() if r.startswith("dout.s1.l2.u1,"))
    assert ",'-(0.01 - 0.75136507) = 0.74136507," in row and row.endswith(",0.7413650695523157,,")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_injection_in_name_is_escaped(fmt):
    text = export(evil_solution(), fmt)
    for raw in (r"\input{", r"\write18{"):
        assert raw not in text, (fmt, raw)
    if fmt in ("latex", "beamer"):
        assert r"\textbackslash{}input\{/etc/passwd\}" in text and r"\$(rm -rf \textasciitilde{})" in text
    if fmt in ("markdown", "marp", "notebook"):
        for raw in ("<script>", "](javascript:", "$(rm"):
            assert raw not in text, (fmt, raw)
        assert r"\\<script\\>" in text if fmt == "notebook" else r"\<script\>" in text
    if fmt == "notebook":
        code = "\n".join(notebook.code_cells(text))
        assert "rm -rf" not in code and "passwd" not in code and "script" not in code


def test_escape_functions():
    assert latex_text(r"\input{a}$&%#_^~") == r"\textbackslash{}input\{a\}\$\&\%\#\_\textasciicircum{}\textasciitilde{}"
    assert latex_text("café ✓") == "cafe ?"
    assert md_text("<b>*x*</b>") == r"\<b\>\*x\*\</b\>"
    with pytest.raises(ValueError):
        ident("__import__('os')")


def test_beamer_frame_per_step(mazur):
    tex = beamer.render(mazur)
    steps = sum(1 for s in mazur.steps if s.kind != "given")
    assert beamer.frame_count(tex) == steps + 3   # title, network, givens
