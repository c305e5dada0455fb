"""calc.symbolic.formulas / calc.symbolic.exact: SymPy formulas and exact values agree with the NumPy steps.

Independent sources: mpmath evaluated directly on Mazur's numbers; SymPy's own diff of the whole loss
(expanded gradient); each SymPy general formula re-evaluated at its dependencies' exact values; the
numeric kink conventions of calc.engine.activations; exact Rationals of the numbers as written.
"""
from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from calc.symbolic import formulas as sy
from calc.maths.functions import ACTIVATIONS
from calc.symbolic.exact import annotate_json, exact_solution, show
from calc.presets import load_preset, preset_ids
from calc.worked.solve import solve
from calc.problem.spec import spec_from_dict

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan", "softmax"]


def _num(rng: random.Random, lo: float = -0.9, hi: float = 0.9) -> str:
    """A number as a user types it: mostly 2-3 decimals, sometimes a fraction."""
    if rng.random() < 0.1:
        return f"{rng.choice([-1, 1])}/{rng.choice([3, 7, 9])}"
    return f"{rng.uniform(lo, hi):.{rng.choice([2, 3])}f}"


def random_spec(seed: int) -> dict:
    """A small random network covering activations, losses, bias modes, samples, reductions, log bases."""
    rng = random.Random(seed)
    loss = ["half_sse", "sse", "mse", "bce", "cce"][seed % 5]
    n = 1 + seed % 3
    sizes = [rng.randint(1, 3)] + [rng.randint(2, 3) for _ in range(rng.randint(1, 2))] + [rng.randint(2, 3)]
    acts = [HIDDEN[(seed + k) % len(HIDDEN)] for k in range(len(sizes) - 2)]
    out_act = {"bce": "sigmoid", "cce": rng.choice(["softmax", "sigmoid"])}.get(loss, rng.choice(HIDDEN))
    layers = []
    for k in range(1, len(sizes)):
        mode = ["unit", "shared", "none"][(seed + k) % 3]
        layer = {"weights": [[_num(rng) for _ in range(sizes[k])] for _ in range(sizes[k - 1])],
                 "activation": acts[k - 1] if k < len(sizes) - 1 else out_act}
        if mode == "unit":
            layer["biases"] = [_num(rng) for _ in range(sizes[k])]
        elif mode == "shared":
            layer["biases"] = _num(rng)
        if layer["activation"] in ("leaky_relu", "elu") and rng.random() < 0.5:
            layer["alpha"] = _num(rng, 0.05, 0.9)
        layers.append(layer)
    m = sizes[-1]
    if loss == "cce" and out_act == "softmax":
        targets = [[1 if j == rng.randrange(m) else 0 for j in range(m)] for _ in range(n)]
        for row in targets:
            if sum(row) == 0:
                row[0] = 1
    elif loss in ("bce", "cce"):
        targets = [[rng.choice([0, 1, _num(rng, 0.05, 0.95)]) for _ in range(m)] for _ in range(n)]
    else:
        targets = [[_num(rng) for _ in range(m)] for _ in range(n)]
    return {"inputs": [[_num(rng) for _ in range(sizes[0])] for _ in range(n)], "targets": targets,
            "layers": layers, "loss": loss, "learning_rate": _num(rng, 0.05, 1.0),
            "log_base": "10" if seed % 4 == 1 and loss in ("bce", "cce") else "e",
            "reduction": "mean" if seed % 2 else "sum",
            "update_order": "sequential" if seed % 7 == 3 else "simultaneous",
            "update_biases": seed % 5 != 2}


RANDOM_SEEDS = list(range(30))


def _assert_all_agree(sol):
    ex = exact_solution(sol, 9)
    scalar = [s for s in sol.steps if s.op != "matrix"]
    assert scalar and all(s.id in ex for s in sol.steps)
    bad = {s.id: ex[s.id].rel_diff for s in scalar if s.value is not None and ex[s.id].agree is not True}
    assert bad == {}
    for s in scalar:
        if s.value is None:                     # saturated: marked, not compared
            assert ex[s.id].agree is None
    for s in sol.steps:
        if s.op == "matrix" and s.args.get("entries"):
            assert ex[s.id].agree is True       # matrix steps: entry-wise through args.entries
    return ex


def _assert_formulas_evaluate_to_values(sol, ex):
    """Each general formula, evaluated at its dependencies' exact values (45 digits), gives the step's value."""
    fs = sy.formulas(sol, 9, ex)
    S = sy.symbols(sol)
    checked = 0
    for st in sol.steps:
        if st.op in ("matrix", "given", "recompute"):
            continue
        f = fs[st.id]
        free = f.expr.free_symbols
        subs = {S[d]: sympy.Float(ex[d].mp, 45) for d in st.depends_on}
        subs.update({S[k]: sympy.Float(ex[k].mp, 45) for k in st.args.values() if isinstance(k, str) and k in S})
        assert free <= set(subs), st.id
        got = f.expr.evalf(40, subs=subs)
        want = sympy.Float(ex[st.id].mp, 45)
        assert abs(got - want) <= 1e-20 * max(1, abs(want)), (st.id, got, want)
        assert f.latex.startswith(st.latex + " = ")
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("pid", preset_ids())
def test_every_preset_step_agrees_and_its_formula_evaluates_to_it(pid):
    sol = solve(load_preset(pid))
    ex = _assert_all_agree(sol)
    _assert_formulas_evaluate_to_values(sol, ex)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_networks_agree(seed):
    sol = solve(spec_from_dict(random_spec(seed)))
    ex = _assert_all_agree(sol)
    if seed % 3 == 0:
        _assert_formulas_evaluate_to_values(sol, ex)


def test_random_networks_cover_the_options():
    specs = [spec_from_dict(random_spec(s)) for s in RANDOM_SEEDS]
    acts = {l.activation for s in specs for l in s.layers}
    assert acts == set(HIDDEN)
    assert {s.loss for s in specs} == {"half_sse", "sse", "mse", "bce", "cce"}
    assert {l.bias_mode for s in specs for l in s.layers} == {"unit", "shared", "none"}
    assert {s.n_samples for s in specs} == {1, 2, 3}
    assert {s.reduction for s in specs} == {"sum", "mean"} and {s.log_base for s in specs} == {"e", "10"}
    assert {s.update_order for s in specs} == {"simultaneous", "sequential"}


# ---- Mazur's digits ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mazur():
    return solve(load_preset("mazur"))


def test_mazur_digit_facts(mazur):
    assert show(mazur, "term.s1.l1.u1.k2", 10) == "-0.01904911826"    # the slides' -0.019049119 rounded delta first
    assert show(mazur, "term.s1.l1.u1.k2", 9) == "-0.0190491183"
    assert show(mazur, "nw.l2.i1.u1", 9) == "0.35891648"                # published w5+
    assert show(mazur, "nw.l2.i2.u1", 9) == "0.408666186"               # published w6+
    assert show(mazur, "gw.l1.i1.u1", 9) == "0.000438567734"            # dE_total/dw1, 9 significant digits
    assert show(mazur, "loss_after", 10) == "0.2910277737"              # simultaneous (published_notes)


def test_thirty_digits_match_mpmath_directly(mazur):
    """out_h1 and out_o1 from mpmath on the decimal inputs (an independent computation)."""
    with mpmath.workdps(60):
        net_h1 = mpmath.mpf(15) / 100 * mpmath.mpf(5) / 100 + mpmath.mpf(2) / 10 * mpmath.mpf(1) / 10 + \
            mpmath.mpf(35) / 100
        net_h2 = mpmath.mpf(25) / 100 * mpmath.mpf(5) / 100 + mpmath.mpf(3) / 10 * mpmath.mpf(1) / 10 + \
            mpmath.mpf(35) / 100
        out_h1, out_h2 = 1 / (1 + mpmath.exp(-net_h1)), 1 / (1 + mpmath.exp(-net_h2))
        out_o1 = 1 / (1 + mpmath.exp(-(mpmath.mpf(4) / 10 * out_h1 + mpmath.mpf(45) / 100 * out_h2 +
                                       mpmath.mpf(6) / 10)))
        want_h1, want_o1 = mpmath.nstr(out_h1, 30), mpmath.nstr(out_o1, 30)
    assert show(mazur, "out.s1.l1.u1", 30) == want_h1
    assert show(mazur, "out.s1.l2.u1", 30) == want_o1
    assert len(show(mazur, "out.s1.l2.u1", 30).lstrip("0.")) == 30


def test_numbers_stay_exact(mazur):
    ex = exact_solution(mazur, 9)
    assert ex["w.l1.i1.u1"].expr == sympy.Rational(3, 20)               # "0.15", never Rational(0.15)
    assert ex["net.s1.l1.u1"].expr == sympy.Rational(151, 400)           # 0.3775 exactly
    assert ex["out.s1.l1.u1"].expr == 1 / (1 + sympy.exp(-sympy.Rational(151, 400)))
    assert ex["net.s1.l1.u1"].value_str == "0.3775"
    spec = spec_from_dict({"inputs": ["1/3"], "targets": [0.5], "learning_rate": "0.1",
                           "layers": [{"weights": [["0.3"]], "activation": "identity"}], "loss": "half_sse"})
    e = exact_solution(solve(spec), 20)
    assert e["net.s1.l1.u1"].expr == sympy.Rational(1, 10)               # 1/3 * 3/10
    assert e["gw.l1.i1.u1"].expr == sympy.Rational(-2, 15)              # (1/10 - 1/2) * 1/3
    assert e["gw.l1.i1.u1"].value_str == "-0.13333333333333333333"


def test_annotate_json_adds_exact_and_agree(mazur):
    out = mazur.to_dict()
    annotate_json(mazur, out, 20)
    steps = {d["id"]: d for d in out["steps"]}
    assert steps["term.s1.l1.u1.k2"]["exact"] == "-0.019049118258278108266"
    assert all(d["agree"] is True for d in out["steps"])
    assert steps["M.GW.l2"]["exact"][0][0].startswith("0.0821670405642307")


# ---- kinks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,alpha", [("relu", 0), ("leaky_relu", sympy.Rational(1, 100)),
                                        ("elu", sympy.Rational(1, 2))])
def test_piecewise_kinks_follow_pytorch(name, alpha):
    z, o = sympy.Symbol("z"), sympy.Symbol("o")
    numeric = ACTIVATIONS[name].df(np.array([0.0]), np.array([0.0]), float(alpha))[0]
    explicit = sy.dactivation(name, z, o, alpha).subs(z, 0)
    derived = sympy.diff(sy.activation(name, z, alpha), z).subs(z, 0)
    assert float(explicit) == float(derived) == numeric == {"relu": 0.0}.get(name, float(alpha))
    assert float(sympy.Heaviside(0)) == 0.5                           # why Heaviside is not used
    assert float(sy.activation(name, z, alpha).subs(z, 0)) == 0.0


def test_a_net_exactly_at_the_kink_agrees():
    spec = spec_from_dict({"inputs": [[0.0, 0.5]], "targets": [[0.2]], "learning_rate": 0.5, "loss": "half_sse",
                           "layers": [{"weights": [[0.3, -0.2], [0.0, 0.0]], "activation": "relu"},
                                      {"weights": [[0.7], [0.4]], "biases": [0.1], "activation": "leaky_relu"}]})
    sol = solve(spec)
    ex = _assert_all_agree(sol)
    assert ex["net.s1.l1.u1"].expr == 0 and ex["act.s1.l1.u1"].expr == 0 and sol.index["act.s1.l1.u1"].value == 0


# ---- expanded gradient -------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid", ["w.l1.i1.u1", "w.l2.i1.u1"])
def test_expanded_gradient_equals_the_chain(pid):
    spec = load_preset("mazur")
    g, tex = sy.expanded_gradient(spec, pid)
    assert {s.name for s in g.free_symbols} <= {"i1", "i2", "target_o1", "target_o2", "b1", "b2"} | \
        {f"w{k}" for k in range(1, 9)}
    assert r"\mathrm{target}_{o1}" in tex
    expanded, chain, rel = sy.check_expanded(spec, pid, 25)
    assert rel < 1e-30 and expanded == chain
    step = solve(spec).index["gw." + pid[2:]]
    assert abs(float(expanded) - step.value) < 1e-15


def test_expanded_gradient_is_refused_above_20_parameters():
    with pytest.raises(ValueError, match="at most 20 parameters; this one has 43"):
        sy.expanded_gradient(load_preset("classifier_4_5_3"), "w.l1.i1.u1")
    with pytest.raises(ValueError, match="not a weight or bias"):
        sy.expanded_gradient(load_preset("mazur"), "x.s1.u1")


# ---- LaTeX -----------------------------------------------------------------------------------------------------
def test_latex_of_dE_dw5_keeps_the_chain_order(mazur):
    f = sy.formulas(mazur)["gw.l2.i1.u1"]
    rhs = f.latex.split(" = ", 1)[1]
    parts = [r"\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}}",
             r"\frac{\partial \mathrm{out}_{o1}}{\partial \mathrm{net}_{o1}}",
             r"\frac{\partial \mathrm{net}_{o1}}{\partial w_{5}}"]
    assert rhs.count(r"\partial") == 6 and [rhs.index(p) for p in parts] == sorted(rhs.index(p) for p in parts)
    assert f.substituted == r"0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.0821670406"
    out = sy.formulas(mazur)["out.s1.l1.u1"]
    assert out.latex == r"\mathrm{out}_{h1} = \frac{1}{1 + e^{- \mathrm{net}_{h1}}}"
    assert sy.formulas(mazur)["dout.s1.l2.u1"].latex.endswith(r"= - (\mathrm{target}_{o1} - \mathrm{out}_{o1})")


def test_the_flag_catches_a_wrong_number():
    sol = solve(load_preset("mazur"))
    st = sol.index["term.s1.l1.u1.k2"]
    st.value = st.value + 3e-12                                        # |exact| < 1: the tolerance is 1e-12
    e = exact_solution(sol, 9)["term.s1.l1.u1.k2"]
    assert e.agree is False and 2e-12 < e.rel_diff < 4e-12
    big = sol.index["net.s1.l2.u2"]                                    # 1.2249...: relative above 1
    big.value = big.value * (1 + 2e-12)
    assert exact_solution(sol, 9)["net.s1.l2.u2"].agree is False


def test_saturated_steps_are_marked_not_compared():
    spec = spec_from_dict({"inputs": [[1.0]], "targets": [[0.0]], "learning_rate": 0.1, "loss": "bce",
                           "layers": [{"weights": [["40"]], "activation": "sigmoid"}]})
    sol = solve(spec)
    st = sol.index["dout.s1.l1.u1"]
    assert st.value is None                                           # float64: out = 1, dE/dout unbounded
    e = exact_solution(sol, 12)["dout.s1.l1.u1"]
    assert e.agree is None and e.rel_diff is None
    with mpmath.workdps(40):
        want = mpmath.nstr(1 + mpmath.exp(40), 12, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)
    assert e.value_str == want.rstrip("0").rstrip(".")                # 1/(1 - o) = 1 + e^40, finite
