"""One engine, many arithmetics (issue 11): hand calculation, exact values, kinks on the typed numbers, silu.

Independent sources: hand calculations written out here with Python's decimal module, Fractions, mpmath, and
central differences.
"""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, getcontext
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

from calc.check.check import check, hand_chain
from calc.engine.gradcheck import central_differences
from calc.engine.numeric import run
from calc.maths.arith import Exact, Hand, Rounding
from calc.maths.functions import ACTIVATIONS, LOSSES
from calc.presets import load_preset
from calc.problem.spec import spec_from_dict
from calc.symbolic.exact import exact_solution
from calc.worked.lookup import Lookup
from calc.worked.solve import solve

ROOT = Path(__file__).resolve().parents[1]
MAZUR = load_preset("mazur")


def _t4(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def mazur_by_hand_truncated() -> dict[str, Decimal]:
    """Mazur's w5 chain as a student does it, every result truncated to 4 decimals (sigmoid from e^x)."""
    getcontext().prec = 40

    def sig(z: Decimal) -> Decimal:
        e = _t4((-z).exp())
        return _t4(Decimal(1) / _t4(1 + e))

    i1, i2, b1, b2 = Decimal("0.05"), Decimal("0.10"), Decimal("0.35"), Decimal("0.60")
    net_h1 = _t4(_t4(_t4(Decimal("0.15") * i1) + _t4(Decimal("0.20") * i2)) + b1)
    net_h2 = _t4(_t4(_t4(Decimal("0.25") * i1) + _t4(Decimal("0.30") * i2)) + b1)
    out_h1, out_h2 = sig(net_h1), sig(net_h2)
    net_o1 = _t4(_t4(_t4(Decimal("0.40") * out_h1) + _t4(Decimal("0.45") * out_h2)) + b2)
    out_o1 = sig(net_o1)
    dout = _t4(out_o1 - Decimal("0.01"))
    dact = _t4(out_o1 * _t4(1 - out_o1))
    delta = _t4(dout * dact)
    gw5 = _t4(out_h1 * delta)
    w5 = _t4(Decimal("0.40") - _t4(Decimal("0.5") * gw5))
    return {"net_h2": net_h2, "out_h1": out_h1, "out_o1": out_o1, "dE_total/dw5": gw5, "w5+": w5}


def test_hand_arithmetic_is_decimal_and_matches_a_hand_calculation():
    hand = mazur_by_hand_truncated()
    assert hand["dE_total/dw5"] == Decimal("0.0820") and hand["w5+"] == Decimal("0.3590")   # the numbers
    assert hand["net_h2"] == Decimal("0.3925")              # never 0.3924 (the float 0.39249999999999996)
    p = run(MAZUR, A=Hand(Rounding(4, "truncate")))
    look = Lookup(MAZUR, p)
    assert look.value("net.s1.l1.u2").d == Decimal("0.3925")
    assert look.value("out.s1.l1.u1").d == hand["out_h1"]
    assert look.value("out.s1.l2.u1").d == hand["out_o1"]
    assert look.value("gw.l2.i1.u1").d == hand["dE_total/dw5"]
    assert look.value("nw.l2.i1.u1").d == hand["w5+"]


def test_rounding_rules():
    r = Rounding(4, "round", "decimals")
    assert r.apply(Decimal("0.12345")) == Decimal("0.1235")          # half up, not half even
    assert r.apply(Decimal("-0.12345")) == Decimal("-0.1235")
    assert Rounding(4, "truncate").apply(Decimal("-0.12349")) == Decimal("-0.1234")  # toward zero
    assert Rounding(3, "round", "digits").apply(Decimal("0.00123456")) == Decimal("0.00123")
    assert Rounding(3, "truncate", "digits").apply(Decimal("123.9")) == Decimal("123")


def test_checker_accepts_the_hand_calculation():
    for label, value in (("dE_total/dw5", "0.0820"), ("w5+", "0.3590")):
        r = check(MAZUR, {label: value}).results[0]
        assert r.verdict == "rounded", r.cause
        assert r.cause.startswith("hand calculation, truncated to 4 decimals")
    by = {r.label: r for r in check(MAZUR, {"dE_total/dw5": "0.0820", "w5+": "0.3590"}).results}
    assert by["w5+"].verdict == "rounded" and "your rounded dE_total/dw5 = 0.0820" in by["w5+"].cause
    rows = {r["step"]: r for r in hand_chain(MAZUR, 4, truncate=True)}
    assert rows["net_h2"]["truncated to 4 decimals"] == 0.3925


@pytest.mark.parametrize("pid", ["mazur", "three_layer_softmax", "classifier_4_5_3"])
@pytest.mark.parametrize("mode,unit,k", [("truncate", "decimals", 4), ("round", "decimals", 3),
                                          ("round", "digits", 5), ("truncate", "digits", 6),
                                          ("round", "decimals", 9), ("truncate", "decimals", 2)])
def test_a_whole_sheet_worked_by_hand_is_never_wrong(pid, mode, unit, k):
    """Every value of a sheet worked at a rounding (as the student writes it) is right or rounded."""
    spec = load_preset(pid)
    sol = solve(spec)
    look = Lookup(spec, run(spec, hook=None, A=Hand(Rounding(k, mode, unit))))
    steps = [s for s in sol.steps if s.kind in ("forward", "backward", "update") and s.op != "matrix"][:40]
    answers = {}
    for s in steps:
        v = look.get(s.id)
        if v is None or v.d == 0:
            continue
        answers[s.id] = str(v.d)
    rep = check(spec, answers)
    bad = [(r.label, r.given, r.verdict, r.cause) for r in rep.results if r.verdict not in ("right", "rounded")]
    assert not bad


def test_quiz_generator_style_rounded_inputs_are_not_wrong():
    """y-hat rounded (or truncated) to 4 decimals, then y-hat - y from it: right or rounded, never wrong."""
    for how in (ROUND_HALF_UP, ROUND_DOWN):
        for preset in ("mazur", "three_layer_softmax"):
            spec = load_preset(preset)
            sol = solve(spec)
            L = len(spec.layers)
            out_id, d_id = f"out.s1.l{L}.u1", f"dout.s1.l{L}.u1"
            o = Decimal(repr(sol.index[out_id].value)).quantize(Decimal("0.0001"), rounding=how)
            t = Decimal(spec.texts.get("t.s1.u1", "0"))
            if spec.loss != "half_sse":
                continue
            g = (o - t).quantize(Decimal("0.0001"), rounding=how)
            rep = check(spec, {sol.index[out_id].label: str(o), sol.index[d_id].label: str(g)})
            assert all(r.verdict in ("right", "rounded") for r in rep.results), [(r.label, r.cause) for r in
                                                                                  rep.results]


def test_a_value_from_a_wrong_hidden_delta_follows_never_rounded():
    # sigma' of h1 taken at net: 0.3775 * 0.6225 = 0.23499 (wrong); what follows from it follows
    ans = {"dE_total/dout_h1": "0.0363", "dout_h1/dnet_h1": "0.2349", "dE_total/dnet_h1": "0.0085",
           "dE_total/dw1": "0.000425", "w1+": "0.1498"}
    by = {r.label: r for r in check(MAZUR, ans).results}
    assert by["dout_h1/dnet_h1"].verdict == "wrong"
    for label in ("dE_total/dnet_h1", "dE_total/dw1"):
        assert by[label].verdict == "follows", (label, by[label].cause)


def test_exact_arithmetic_keeps_fractions_then_goes_to_mpmath():
    p = run(MAZUR, A=Exact(50))
    look = Lookup(MAZUR, p)
    assert look.value("net.s1.l1.u1").q == Fraction(151, 400)        # 0.15*0.05 + 0.2*0.1 + 0.35
    out = look.value("out.s1.l1.u1")
    assert out.q is None
    with mpmath.workdps(60):
        want = 1 / (1 + mpmath.exp(-mpmath.mpf(151) / 400))
        assert abs(out.m - want) < mpmath.mpf(10) ** -45
    assert float(look.value("nw.l2.i1.u1")) == pytest.approx(0.35891647971788461058, abs=1e-17)


# ---- kinks on the typed numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu"])
def test_a_net_on_the_kink_in_the_typed_numbers_takes_the_kink_branch(act):
    # 0.3*0.6 - 0.2*0.9 and 0.1*0.1 - 0.1*0.1 are exactly 0; float64 may say +-1e-17
    for x, w in (([0.3, 0.2], [[0.6], [-0.9]]), ([0.1, 0.1], [[0.1], [-0.1]])):
        d = {"inputs": x, "targets": [0.5], "learning_rate": 0.5, "loss": "half_sse",
             "layers": [{"weights": w, "activation": act},
                        {"weights": [[0.8]], "biases": [0.1], "activation": "sigmoid"}]}
        spec = spec_from_dict(d)
        z_float = float((np.array([x]) @ np.array(w))[0, 0])
        sol = solve(spec)
        alpha = ACTIVATIONS[act].alpha or 0.0
        assert sol.index["net.s1.l1.u1"].value == 0.0
        assert sol.index["act.s1.l1.u1"].value == {"relu": 0.0}.get(act, alpha)     # PyTorch: f'(0)
        warned = [w for w in sol.warnings if "exactly 0 in the numbers as written" in w.message]
        assert bool(warned) == (z_float != 0.0)
        ex = exact_solution(sol, 12)
        assert ex["net.s1.l1.u1"].value_str == "0" and all(e.agree in (True, None) for e in ex.values())


# ---- silu: one record, everywhere ------------------------------------------------------------------------------
def _silu_spec(hidden="silu", out="sigmoid", loss="half_sse"):
    d = json.loads((ROOT / "calc/presets/mazur.json").read_text())
    d["layers"][0]["activation"] = hidden
    d["layers"][1]["activation"] = out
    d["loss"] = loss
    for k in ("published", "published_notes"):
        d.pop(k, None)
    return spec_from_dict(d)


def test_silu_record_formula():
    a = ACTIVATIONS["silu"]
    z = np.array([[-3.0, -0.5, 0.0, 0.7, 4.0]])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(a.f(z), z * s, rtol=1e-15)
    np.testing.assert_allclose(a.df(z, a.f(z)), s * (1 + z * (1 - s)), rtol=1e-14)
    h = 1e-6
    np.testing.assert_allclose(a.df(z, a.f(z)), (a.f(z + h) - a.f(z - h)) / (2 * h), rtol=1e-8)


def test_silu_solve_exact_hand_and_gradients():
    spec = _silu_spec()
    sol = solve(spec)
    cd = central_differences(spec)
    for (l, i, j), g in cd.items() if isinstance(cd, dict) else []:
        assert abs(sol.index[f"gw.l{l}.i{i}.u{j}"].value - g) < 1e-8
    ex = exact_solution(sol, 20)
    assert all(e.agree in (True, None) for e in ex.values())
    with mpmath.workdps(40):
        z = mpmath.mpf(151) / 400
        want = mpmath.nstr(z / (1 + mpmath.exp(-z)), 20)
    assert ex["out.s1.l1.u1"].value_str == want
    p = run(spec, A=Hand(Rounding(4, "round")))
    assert abs(float(Lookup(spec, p).value("out.s1.l1.u1")) - sol.index["out.s1.l1.u1"].value) < 2e-4


def test_silu_trains_and_exports(tmp_path):
    from calc.train.loop import train
    spec = _silu_spec()
    res = train(spec, 50)
    assert res.history[-1] < res.history[0]
    path = tmp_path / "silu.json"
    path.write_text(spec.to_json())
    for fmt in ("markdown", "latex", "csv"):
        r = subprocess.run([sys.executable, "-m", "calc", "export", str(path), "--format", fmt],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        assert "0.2239594" in r.stdout or "0.223959" in r.stdout       # out_h1 = silu(0.3775)


def test_every_record_is_used_by_validation():
    from calc.problem.model import ACTIVATIONS as NAMES, LOSSES as LOSS_NAMES
    assert set(NAMES) == set(ACTIVATIONS) and "silu" in NAMES
    assert set(LOSS_NAMES) == set(LOSSES)
