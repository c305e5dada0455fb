"""The worked solution as raw steps printed by views: digits, notation and LaTeX applied when a step is printed,
never while it is built; above 17 digits every printed value from exact arithmetic; one module for step ids."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import mpmath
import pytest

from calc.export import markdown
from calc.export.document import exact_view
from calc.presets import load_preset, preset_path
from calc.problem.spec import spec_from_dict
from calc.worked import ids
from calc.worked import forward
from calc.worked.solve import solve
from calc.worked.template import FLOAT_DIGITS, M

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mazur():
    return solve(load_preset("mazur"), digits=9)


def _cli(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "calc", *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


# ---- (1) one build, many views -----------------------------------------------------------------------
def test_views_share_the_raw_steps_and_only_rename_and_reformat(mazur, monkeypatch):
    def no_rebuild(self):
        raise AssertionError("a view must not rebuild the steps")
    monkeypatch.setattr(forward.Builder, "build", no_rebuild)
    labels = {"mazur": "w5+", "layer": "w(2)_1,1+", "hagan": "w(2)_1,1+"}
    latex = {"mazur": r"w_{5}^{+}", "layer": r"w^{(2)+}_{11}", "hagan": r"w^{(2)+}_{1,1}"}
    values = [s.value for s in mazur.steps]
    for name in ("mazur", "layer", "hagan"):
        for digits in (6, 12):
            v = mazur.view(notation=name, digits=digits)
            assert v.notation.name == name and v.digits == digits
            assert v.raw_steps is mazur.raw_steps and v.run is mazur.run
            assert all(a.raw is b.raw for a, b in zip(v.steps, mazur.steps))
            assert [s.value for s in v.steps] == values
            st = v.index["nw.l2.i1.u1"]
            assert st.label == labels[name] and st.latex == latex[name]
            assert st.formula.startswith(latex[name] + " = ")
            shown = st.substituted.rpartition(" = ")[2]
            assert shown == format(st.value, f".{digits}g").rstrip("0")
            assert not any(M in s.label + s.formula + s.substituted for s in v.steps)
    assert mazur.view("layer", 6) is mazur.view("layer", 6)          # views are kept, with their render cache
    layer = mazur.view("layer", 6)
    assert layer.index["out.s1.l1.u1"].label == "a(1)_1" and mazur.index["out.s1.l1.u1"].label == "out_h1"
    assert layer.index["out.s1.l1.u1"].substituted.endswith(" = 0.59327")            # 6 digits, zeros dropped
    assert layer.index["loss"].label == "E" and mazur.view("hagan").index["loss"].label == "F"


def test_a_view_renders_each_string_once_and_pickles(mazur):
    v = mazur.view(digits=7)
    st = v.index["gw.l1.i1.u1"]
    assert st.formula == st.formula and st.label is st.label and st.numbers is st.numbers
    back = pickle.loads(pickle.dumps(v))
    assert [s.as_dict() for s in back.steps] == [s.as_dict() for s in v.steps]
    assert back.view("layer").index["gw.l1.i1.u1"].label == "dE/dw(1)_1,1"


def test_solve_and_to_dict_keep_their_contract(mazur):
    d = mazur.to_dict()
    assert set(d) == {"loss", "loss_after", "layers", "steps", "warnings"}
    st = next(s for s in d["steps"] if s["id"] == "nw.l2.i1.u1")
    assert set(st) == {"id", "label", "formula", "substituted", "value", "depends_on"}
    assert st["label"] == "w5+" and st["substituted"] == r"0.4 - 0.5 \cdot 0.0821670406 = 0.35891648"
    assert st["formula"] == r"w_{5}^{+} = w_{5} - \eta \cdot \frac{\partial E_{\mathrm{total}}}{\partial w_{5}}"


# ---- (2) the builder writes templates, never numbers --------------------------------------------------
def test_raw_templates_hold_markers_not_digits():
    spec = load_preset("mazur")
    a, b = solve(spec, digits=3), solve(spec, digits=12)
    assert [r.templates() for r in a.raw_steps] == [r.templates() for r in b.raw_steps]
    assert [r.value for r in a.raw_steps] == [r.value for r in b.raw_steps]
    every = " ".join(t for r in a.raw_steps for t in r.templates())
    for computed in ("0.3775", "0.5932", "0.7513", "0.2983", "0.0821", "0.3589"):
        assert computed not in every
    st = a.raw_steps[[r.id for r in a.raw_steps].index("net.s1.l1.u1")]
    assert st.numbers == f"{M}v:w.l1.i1.u1{M} \\cdot {M}v:x.s1.u1{M} + {M}v:w.l1.i2.u1{M} \\cdot {M}v:x.s1.u2{M} " \
                         f"+ {M}v:b.l1{M} \\cdot 1"
    assert st.label == f"{M}N:net:1,1,1{M}" and st.latex == f"{M}n:net:1,1,1{M}"
    assert st.shown == f"{M}V:net.s1.l1.u1{M}"
    w = a.raw_steps[[r.id for r in a.raw_steps].index("w.l2.i1.u1")]
    assert w.text == "0.4" and w.numbers == ""                    # a given number is kept as typed


# ---- (3) above 17 digits, exact arithmetic -------------------------------------------------------------
def _independent() -> dict[str, str]:
    """Mazur's out_h1 and out_o1 in mpmath at 60 digits, from the numbers as written, to 25 digits."""
    mpmath.mp.dps = 60
    try:
        D = mpmath.mpf
        sig = lambda z: 1 / (1 + mpmath.exp(-z))                          # noqa: E731
        net_h1 = D("0.15") * D("0.05") + D("0.2") * D("0.1") + D("0.35")   # = 0.3775 exactly
        net_h2 = D("0.25") * D("0.05") + D("0.3") * D("0.1") + D("0.35")
        assert net_h1 == D("0.3775")
        h1, h2 = sig(net_h1), sig(net_h2)
        o1 = sig(D("0.4") * h1 + D("0.45") * h2 + D("0.6"))
        return {"out.s1.l1.u1": mpmath.nstr(h1, 25), "out.s1.l2.u1": mpmath.nstr(o1, 25)}
    finally:
        mpmath.mp.dps = 15


def test_cli_json_above_17_digits_is_exact():
    want = _independent()
    assert want["out.s1.l1.u1"].startswith("0.5932699921071872551")
    d = json.loads(_cli("solve", str(preset_path("mazur")), "--digits", "25", "--format", "json"))
    by = {s["id"]: s for s in d["steps"]}
    for sid, digits in want.items():
        assert by[sid]["substituted"].rpartition(" = ")[2] == digits
        assert by[sid]["exact"] == digits
        assert isinstance(by[sid]["value"], float)                    # the value stays the float64 one
    text = json.dumps(d)
    assert "0.40000000000000002" not in text and "0.59326999210718723" not in text
    assert "0.4 - 0.5 \\\\cdot 0.08216704056423077884641903 = 0.3589164797178846105767905" in text


def test_cli_markdown_and_export_above_17_digits_are_exact():
    md = _cli("solve", str(preset_path("mazur")), "--digits", "25")
    assert "0.5932699921071872551736546" in md
    ex = _cli("export", str(preset_path("mazur")), "--format", "markdown", "--digits", "20")
    assert "0.59326999210718725517" in ex
    for text in (md, ex):
        assert "0.59326999210718723" not in text and "0.40000000000000002" not in text
    # every export format at 20 digits: no float64 padding anywhere (0.1 is never 0.10000000000000001)
    sol = solve(load_preset("dog_breed"))
    from calc.export import FORMATS, export
    for fmt in FORMATS:
        out = export(sol, fmt, None, digits=20)
        assert "0000000000000001" not in out and "9999999999999999" not in out, fmt


def test_float_views_are_capped_and_exact_views_refuse_a_summarised_network(mazur):
    capped = mazur.view(digits=25)
    assert capped.index["out.s1.l1.u1"].shown == "0.59326999210718723"             # 17 digits of the float64
    assert len(capped.index["out.s1.l1.u1"].shown.replace("0.", "")) == FLOAT_DIGITS
    exact = exact_view(mazur, 25)
    assert exact.index["out.s1.l1.u1"].shown == "0.5932699921071872551736546"
    assert exact.index["w.l2.i1.u1"].shown == "0.4"
    assert "0.5932699921071872551736546" in markdown.render(mazur, digits=25)
    big = spec_from_dict({"inputs": [[0.1, 0.2]] * 40, "targets": [[0.5]] * 40, "learning_rate": 0.5,
                          "loss": "half_sse", "layers": [{"weights": [[0.1], [0.2]], "activation": "sigmoid"}]})
    summ = solve(big)
    assert summ.summarised
    with pytest.raises(ValueError, match="summarised"):
        exact_view(summ, 20)
    with pytest.raises(ValueError, match="summarised"):
        markdown.render(summ, digits=20)


# ---- (4) ids ---------------------------------------------------------------------------------------------
def test_every_id_kind_round_trips():
    assert set(ids.EXAMPLES) == set(ids.ORDER)
    for kind, fields in ids.EXAMPLES.items():
        sid = ids.make(kind, **fields)
        assert ids.parse(sid) == (kind, fields)
        assert ids.make(*ids.parse(sid)[:1], **ids.parse(sid)[1]) == sid
        for c in ids.OPTIONAL.get(kind, ""):                          # optional indices left out
            short = {k: v for k, v in fields.items() if k != c}
            assert ids.parse(ids.make(kind, **short)) == (kind, short)
    assert ids.net(1, 2, 3) == "net.s1.l2.u3" and ids.out(1, 2, 3) == "out.s1.l2.u3"
    assert ids.w(2, 1, 3) == "w.l2.i1.u3" and ids.b(1) == "b.l1" and ids.b(1, 2) == "b.l1.u2"
    assert ids.gw(2, 1, 1) == "gw.l2.i1.u1" and ids.gw(2, 1, 1, s=3) == "gw.s3.l2.i1.u1"
    assert ids.term(1, 1, 2, 1) == "term.s1.l1.u2.k1" and ids.jac(1, 2, 3, 1) == "jac.s1.l2.k3.u1"
    assert ids.dnet(1, 2, 1, 2) == "dnet.s1.l2.i1.u2" and ids.matrix("GW", 2) == "M.GW.l2"
    assert ids.loss() == "loss" and ids.loss(2) == "loss.s2" and ids.eta() == "eta"
    assert ids.loss_after() == "loss_after" and ids.a(1, 0, 2) == "x.s1.u2" and ids.a(1, 1, 2) == "out.s1.l1.u2"
    assert ids.parse("term.s1.l1.u2.k1") == ("term", {"s": 1, "l": 1, "u": 2, "k": 1})
    assert ids.parse("M.Z.l2") == ("M.Z", {"l": 2}) and ids.parse("eta") == ("eta", {})
    assert ids.grad("w.l1.i2.u1") == "gw.l1.i2.u1" and ids.grad("nb.l2") == "gb.l2" and ids.new("b.l1.u2") == "nb.l1.u2"
    assert ids.param("gw.s2.l1.i1.u1") == "w.l1.i1.u1" and ids.without_sample("gw.s1.l2.i1.u1") == "gw.l2.i1.u1"
    for bad in ("", "net", "net.s1.l1", "net.l1.s1.u1", "net.s0.l1.u1", "net.s01.l1.u1", "w.l1.i1", "zz.s1",
                "M.Q.l1", "M", "eta.s1", "net.s1.l1.u1.k2", "gw.s1.l1.u1", "out.s1.l1.ux"):
        assert not ids.is_id(bad), bad
        with pytest.raises(ids.IdError):
            ids.parse(bad)


@pytest.mark.parametrize("preset", ["mazur", "three_layer_softmax"])
def test_every_step_id_of_a_preset_parses(preset):
    sol = solve(load_preset(preset))
    assert len(sol.steps) > 50
    kinds = set()
    for st in sol.steps:
        kind, fields = ids.parse(st.id)
        assert ids.make(kind, **fields) == st.id
        kinds.add(kind)
        if st.sample is not None and kind != "M.Z":
            assert fields.get("s") == st.sample
    assert {"net", "out", "dout", "delta", "gw", "nw", "M.Z"} <= kinds
    if preset == "three_layer_softmax":
        assert {"jac", "chain", "term"} <= kinds
