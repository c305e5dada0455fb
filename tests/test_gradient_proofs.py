"""Gradient proofs (issue 8 item 5): hypothesis-generated networks, backprop against central differences and
against an exact SymPy oracle written here from the spec contract (not from calc's code).

The oracle builds the whole reduced loss E as one SymPy expression of the parameters, with every input and
target as the exact Rational of its float64, kinks as PyTorch takes them (Piecewise: relu'(0) = 0,
leaky_relu'(0) = alpha, elu'(0) = alpha), differentiates by each parameter and evaluates at 40 digits
(mpmath, through lambdify: test code only; the product's lambdify lives in calc/train/codegen.py alone).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from calc.maths.functions import ACTIVATIONS


def softmax(x):
    return ACTIVATIONS["softmax"].f(np.asarray(x, dtype=float))
from calc.engine.gradcheck import central_differences
from calc.engine.numeric import forward, run
from calc.problem.spec import SpecError, spec_from_dict

ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan", "softmax"]
LOSSES = ["half_sse", "sse", "mse", "bce", "cce"]
KINKED = {"relu", "leaky_relu", "elu"}
MAX_PARAMS = 30
PROOF = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.filter_too_much])

tenths = st.integers(-15, 15).map(lambda k: k / 10)      # 0 included, so exact kinks come up


@st.composite
def networks(draw, max_samples: int = 3) -> dict:
    loss = draw(st.sampled_from(LOSSES))
    n_layers = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3))] + [draw(st.integers(2, 3)) for _ in range(n_layers)]
    layers, n_params = [], 0
    for k in range(n_layers):
        last = k == n_layers - 1
        act = draw(st.sampled_from(["sigmoid", "softmax"] if last and loss in ("bce", "cce") else ACTS))
        mode = draw(st.sampled_from(["unit", "shared", "none"]))
        w = [[draw(tenths) for _ in range(sizes[k + 1])] for _ in range(sizes[k])]
        b = [draw(tenths) for _ in range(sizes[k + 1])] if mode == "unit" else draw(tenths) if mode == "shared" \
            else None
        layer = {"weights": w, "biases": b, "activation": act}
        if act in ("leaky_relu", "elu"):
            layer["alpha"] = draw(st.sampled_from([0.01, 0.2, 1.0, 1.5]))
        layers.append(layer)
        n_params += sizes[k] * sizes[k + 1] + {"unit": sizes[k + 1], "shared": 1, "none": 0}[mode]
    assume(n_params <= MAX_PARAMS)
    n, m = draw(st.integers(1, max_samples)), sizes[-1]
    x = [[draw(tenths) for _ in range(sizes[0])] for _ in range(n)]
    if loss == "cce" or (loss == "bce" and layers[-1]["activation"] == "softmax"):
        t = [[1.0 if j == c else 0.0 for j in range(m)] for c in (draw(st.integers(0, m - 1)) for _ in range(n))]
    elif loss == "bce":
        t = [[draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])) for _ in range(m)] for _ in range(n)]
    else:
        t = [[draw(tenths) for _ in range(m)] for _ in range(n)]
    return {"inputs": x, "targets": t, "layers": layers, "loss": loss,
            "log_base": draw(st.sampled_from(["e", "10"])), "reduction": draw(st.sampled_from(["sum", "mean"])),
            "learning_rate": 0.1, "update_order": "simultaneous"}


# ---------------------------------------------------------------------------------------------------
# the exact oracle

def _act(name: str, z, alpha):
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1 / (1 + sp.exp(-z))
    if name == "tanh":
        return sp.tanh(z)
    if name == "relu":
        return sp.Piecewise((z, z > 0), (0, True))
    if name == "leaky_relu":
        return sp.Piecewise((z, z > 0), (alpha * z, True))
    if name == "elu":
        return sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True))
    if name == "softplus":
        return sp.log(1 + sp.exp(z))
    if name == "arctan":
        return sp.atan(z)
    raise ValueError(name)


def exact_loss(d: dict):
    """(E as a SymPy expression, {symbol: exact value}, [(layer, 'w'|'b', index, symbol)])."""
    R = sp.Rational
    params, values = [], {}
    ln = sp.log(10) if d["log_base"] == "10" else 1
    total = 0
    for s, (xs, ts) in enumerate(zip(d["inputs"], d["targets"])):
        a = [R(v) for v in xs]
        for k, layer in enumerate(d["layers"]):
            w, b, act = layer["weights"], layer["biases"], layer["activation"]
            alpha = R(layer.get("alpha", 0.01 if act == "leaky_relu" else 1.0))
            W = [[sp.Symbol(f"w_{k}_{i}_{j}") for j in range(len(w[0]))] for i in range(len(w))]
            B = None if b is None else [sp.Symbol(f"b_{k}_{j}") for j in range(len(b))] if isinstance(b, list) else \
                [sp.Symbol(f"b_{k}")] * len(w[0])
            if s == 0:
                for i, row in enumerate(W):
                    for j, sym in enumerate(row):
                        params.append((k, "w", (i, j), sym))
                        values[sym] = R(w[i][j])
                if isinstance(b, list):
                    for j, sym in enumerate(B):
                        params.append((k, "b", j, sym))
                        values[sym] = R(b[j])
                elif b is not None:
                    params.append((k, "b", 0, B[0]))
                    values[B[0]] = R(b)
            z = [sum(a[i] * W[i][j] for i in range(len(a))) + (B[j] if B else 0) for j in range(len(W[0]))]
            if act == "softmax":
                e = [sp.exp(v) for v in z]
                a = [v / sum(e) for v in e]
            else:
                a = [_act(act, v, alpha) for v in z]
        m = len(a)
        for k, (tv, o) in enumerate(zip(ts, a)):
            t = R(tv)
            if d["loss"] == "half_sse":
                total += (t - o) ** 2 / 2
            elif d["loss"] == "sse":
                total += (t - o) ** 2
            elif d["loss"] == "mse":
                total += (t - o) ** 2 / m
            elif d["loss"] == "cce":
                total += -(t * sp.log(o)) / ln if t != 0 else 0
            else:
                total += -((t * sp.log(o) if t != 0 else 0) + ((1 - t) * sp.log(1 - o) if t != 1 else 0)) / ln
    if d["reduction"] == "mean":
        total = total / len(d["inputs"])
    return total, values, params


def exact_gradient(d: dict):
    """(E, [(layer, kind, index, dE/dparam)]) at 40 digits: SymPy derivatives, evaluated by mpmath."""
    E, values, params = exact_loss(d)
    syms = [sym for *_, sym in params]
    f = sp.lambdify(syms, [E] + [sp.diff(E, sym) for sym in syms], modules="mpmath", cse=True)
    with mpmath.workdps(40):
        out = f(*[mpmath.mpf(values[sym].p) / values[sym].q for sym in syms])
    return out[0], [(k, kind, idx, g) for (k, kind, idx, _), g in zip(params, out[1:])]


def near_kink(spec) -> bool:
    return any(layer.activation in KINKED and np.min(np.abs(z)) < 1e-4
               for layer, z in zip(spec.layers, forward(spec).nets))


def spec_or_reject(d: dict):
    try:
        return spec_from_dict(d)
    except SpecError:
        assume(False)


@PROOF
@given(networks(max_samples=2))
def test_backprop_equals_exact_sympy(d):
    spec = spec_or_reject(d)
    p = run(spec)
    E, grads = exact_gradient(d)
    assert math.isclose(p.loss, float(E), rel_tol=1e-12, abs_tol=1e-300)
    scale = max(abs(float(g)) for *_, g in grads)
    for k, kind, idx, g in grads:
        got = p.grad_w[k][idx] if kind == "w" else p.grad_b[k][idx]
        # rtol 1e-12 of the entry; an entry whose terms cancel (softmax deltas sum to 0) keeps the float64
        # roundoff of those terms, so the floor is 1e-13 of the largest gradient entry (~500 ulps of it)
        assert abs(got - float(g)) <= max(1e-12 * abs(float(g)), 1e-13 * scale), (k, kind, idx, got, g)


@PROOF
@given(networks())
def test_backprop_equals_central_differences(d):
    spec = spec_or_reject(d)
    assume(not near_kink(spec))
    p = run(spec)
    gw, gb = central_differences(spec, h=1e-6)
    for k in range(len(spec.layers)):
        np.testing.assert_allclose(p.grad_w[k], gw[k], rtol=1e-6, atol=1e-8)
        if gb[k] is not None:
            np.testing.assert_allclose(p.grad_b[k], gb[k], rtol=1e-6, atol=1e-8)


def test_the_oracle_reproduces_mazur():
    """The oracle itself, on a known value: dE_total/dw5 = 0.082167041 and dE_total/dw1 = 0.000438568."""
    d = {"inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]], "loss": "half_sse", "log_base": "e", "reduction": "sum",
         "layers": [{"weights": [[0.15, 0.25], [0.2, 0.3]], "biases": 0.35, "activation": "sigmoid"},
                    {"weights": [[0.4, 0.5], [0.45, 0.55]], "biases": 0.6, "activation": "sigmoid"}]}
    _, grads = exact_gradient(d)
    g = {(k, kind, idx): float(v) for k, kind, idx, v in grads}
    assert round(g[(1, "w", (0, 0))], 9) == 0.082167041 and round(g[(0, "w", (0, 0))], 9) == 0.000438568


# ---------------------------------------------------------------------------------------------------
# softmax and saturation

rows = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)),
              elements=st.floats(-50, 50, allow_nan=False, allow_infinity=False))


@settings(max_examples=60, deadline=None)
@given(rows, st.floats(-100, 100, allow_nan=False))
def test_softmax_rows_sum_to_one_and_ignore_a_constant(x, c):
    p = softmax(x)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(softmax(x + c), p, rtol=0, atol=1e-12)


def test_softmax_of_1000_and_1_is_exactly_one_zero():
    p = softmax(np.array([[1000.0, 1.0]]))
    assert np.all(np.isfinite(p)) and p.tolist() == [[1.0, 0.0]]


def test_saturated_sigmoid_with_bce_is_finite():
    """net = 1000 with target 0: out rounds to 1, yet E = -ln(1 - sigma(1000)) = softplus(1000) = 1000."""
    spec = spec_from_dict({"inputs": [1.0], "targets": [0.0], "loss": "bce", "learning_rate": 0.1,
                           "layers": [{"weights": [[1000.0]], "biases": None, "activation": "sigmoid"}]})
    p = run(spec)
    assert p.fwd.outs[-1][0, 0] == 1.0
    assert p.loss == 1000.0 and p.fused
    assert p.grad_w[0][0, 0] == 1.0                    # (o - t) x = 1
    assert np.isfinite(p.loss_after)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_fused_cce_gradient_sums_to_zero_over_classes(d):
    d = dict(d, loss="cce")
    d["layers"] = [dict(layer) for layer in d["layers"]]
    d["layers"][-1]["activation"] = "softmax"
    m = len(d["layers"][-1]["weights"][0])
    d["targets"] = [[1.0 if j == s % m else 0.0 for j in range(m)] for s in range(len(d["inputs"]))]
    p = run(spec_or_reject(d))
    assert p.fused
    delta = p.deltas[-1]
    np.testing.assert_allclose(delta.sum(axis=1), 0.0, rtol=0, atol=1e-15 * max(1.0, np.abs(delta).max()) * m)
