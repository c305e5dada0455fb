"""Numerical conventions of the engine: stable forms, kinks, fused deltas, reductions, step structure."""
from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calc.maths.functions import ACTIVATIONS


def softmax(x):
    return ACTIVATIONS["softmax"].f(np.asarray(x, dtype=float))
from calc.engine.gradcheck import central_differences
from calc.worked.solve import solve
from calc.problem.spec import spec_from_dict

ROOT = Path(__file__).resolve().parents[1]


def net(**kw):
    d = {"inputs": [1.0], "targets": [0.0], "layers": [{"weights": [[1.0]], "activation": "sigmoid"}],
         "loss": "half_sse", "learning_rate": 0.1}
    d.update(kw)
    return spec_from_dict(d)


def test_softmax_is_shift_stable():
    assert softmax(np.array([1000.0, 1.0])).tolist() == [1.0, 0.0]
    x = np.array([[0.3, -1.2, 2.0]])
    np.testing.assert_allclose(softmax(x), softmax(x + 500.0), rtol=1e-13)
    assert softmax(x).sum() == pytest.approx(1.0, abs=1e-15)


def test_saturated_sigmoid_with_bce_is_finite_and_marked():
    spec = net(inputs=[1000.0], targets=[0.0], loss="bce")
    sol = solve(spec)
    assert sol.run.loss == pytest.approx(1000.0, rel=1e-12)        # -ln(1 - sigmoid(1000)) = softplus(1000)
    assert sol.index["dout.s1.l1.u1"].value is None                  # dE/dout unbounded at out = 1
    assert sol.index["dout.s1.l1.u1"].note == "saturated"
    assert sol.index["delta.s1.l1.u1"].value == pytest.approx(1.0)   # fused: out - t
    assert any("saturated" in w.message for w in sol.warnings)
    json.dumps(sol.to_dict(), allow_nan=False)                      # no NaN / Infinity in the contract


def test_cce_of_a_zero_probability_is_finite():
    spec = spec_from_dict({"inputs": [1.0], "targets": [1, 0],
                           "layers": [{"weights": [[-1000.0, 0.0]], "activation": "softmax"}],
                           "loss": "cce", "learning_rate": 0.1})
    sol = solve(spec)
    assert sol.run.loss == pytest.approx(1000.0, rel=1e-12)
    np.testing.assert_allclose(sol.run.deltas[0], [[-1.0, 1.0]], atol=1e-300)


@pytest.mark.parametrize("act,alpha,expected", [("relu", None, 0.0), ("leaky_relu", 0.2, 0.2), ("elu", 0.7, 0.7)])
def test_kinks_follow_pytorch(act, alpha, expected):
    layer = {"weights": [[1.0]], "activation": act, "biases": [-1.0]}
    if alpha is not None:
        layer["alpha"] = alpha
    spec = net(layers=[layer, {"weights": [[1.0]], "activation": "identity"}])
    sol = solve(spec, notation="layer")
    assert sol.run.fwd.nets[0][0, 0] == 0.0
    assert sol.index["act.s1.l1.u1"].value == expected


def test_activation_derivatives_against_central_differences():
    x = np.array([-2.3, -0.4, 0.35, 1.7])
    for name, act in ACTIVATIONS.items():
        if name == "softmax":
            continue
        a = 0.3
        h = 1e-6
        num = (act.f(x + h, a) - act.f(x - h, a)) / (2 * h)
        np.testing.assert_allclose(act.df(x, act.f(x, a), a), num, rtol=1e-7, atol=1e-9, err_msg=name)


def test_cce_targets_not_summing_to_one_warn_and_stay_exact():
    spec = spec_from_dict({"inputs": [0.5, -0.2], "targets": [0.5, 0.7, 0.1],
                           "layers": [{"weights": [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]], "biases": [0.1, 0, -0.1],
                                       "activation": "softmax"}], "loss": "cce", "learning_rate": 0.1})
    assert any("sum to 1.3" in w.message for w in spec.warnings)
    sol = solve(spec)
    gw, gb = central_differences(spec)
    np.testing.assert_allclose(sol.run.grad_w[0], gw[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sol.run.grad_b[0], gb[0], rtol=1e-6, atol=1e-8)


def test_mean_reduction_and_log10_scale_delta():
    d = {"inputs": [[0.2, 0.4], [0.9, -0.1], [0.3, 0.3]], "targets": [[1], [0], [1]],
         "layers": [{"weights": [[0.5], [-0.4]], "biases": 0.1, "activation": "sigmoid"}],
         "loss": "bce", "log_base": 10, "reduction": "mean", "learning_rate": 0.5}
    spec = spec_from_dict(d)
    sol = solve(spec)
    o, t = sol.run.fwd.outs[0], spec.targets
    np.testing.assert_allclose(sol.run.deltas[0], (o - t) / 3 / math.log(10), rtol=1e-12)
    gw, gb = central_differences(spec)
    np.testing.assert_allclose(sol.run.grad_w[0], gw[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sol.run.grad_b[0], gb[0], rtol=1e-6, atol=1e-8)
    # the batch's steps: one per-sample product per weight, then their sum
    g = sol.index["gw.l1.i1.u1"]
    assert g.depends_on == ["gw.s1.l1.i1.u1", "gw.s2.l1.i1.u1", "gw.s3.l1.i1.u1"]
    assert g.value == pytest.approx(sum(sol.index[x].value for x in g.depends_on), rel=1e-12)
    # the shared bias collects every delta of every sample
    assert sol.index["gb.l1"].value == pytest.approx(sol.run.deltas[0].sum(), rel=1e-12)


def test_hidden_softmax_uses_its_full_jacobian():
    spec = spec_from_dict({"inputs": [0.3, -0.6], "targets": [0.2, 0.9],
                           "layers": [{"weights": [[0.1, 0.5, -0.2], [0.3, -0.4, 0.8]], "activation": "softmax"},
                                      {"weights": [[0.2, -0.1], [0.7, 0.3], [-0.5, 0.6]], "activation": "tanh"}],
                           "loss": "sse", "learning_rate": 0.1})
    sol = solve(spec)
    gw, _ = central_differences(spec)
    for k in range(2):
        np.testing.assert_allclose(sol.run.grad_w[k], gw[k], rtol=1e-6, atol=1e-8)
    d = sol.index["delta.s1.l1.u2"]
    assert d.op == "sumprod" and len(d.depends_on) == 6      # sum over k of dE/dout_k * dout_k/dnet_2
    diagonal_only = sol.index["dout.s1.l1.u2"].value * sol.index["jac.s1.l1.k2.u2"].value
    assert abs(diagonal_only - d.value) > 1e-4                # the slip of taking only the diagonal


def test_no_bias_has_no_bias_steps_and_fixed_bias_is_copied():
    spec = net(layers=[{"weights": [[0.5]], "activation": "tanh", "biases": None}])
    assert not [s for s in solve(spec).steps if s.id.startswith(("gb.", "nb.", "b."))]
    fixed = solve(net(layers=[{"weights": [[0.5]], "activation": "tanh", "biases": [0.25]}], update_biases=False))
    assert fixed.index["nb.l1.u1"].value == 0.25 and fixed.index["gb.l1.u1"].value != 0


def test_hagan_notation_transposes_weight_indices():
    spec = spec_from_dict({"inputs": [1, 2, 3], "targets": [1], "layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "activation": "sigmoid"},
        {"weights": [[1], [2]], "activation": "identity"}, {"weights": [[1]], "activation": "identity"}],
        "loss": "half_sse", "learning_rate": 0.1})
    layer = solve(spec, notation="layer")
    hagan = solve(spec, notation="hagan")
    assert layer.index["w.l1.i3.u2"].label == "w(1)_3,2"
    assert hagan.index["w.l1.i3.u2"].label == "w(1)_2,3"
    assert hagan.index["delta.s1.l2.u1"].label == "s(2)_1"
    assert layer.index["w.l1.i3.u2"].value == hagan.index["w.l1.i3.u2"].value == 0.6


def test_step_view_caps_summarise_large_problems():
    rng = np.random.default_rng(1)
    spec = spec_from_dict({"inputs": rng.normal(size=(40, 3)).tolist(), "targets": rng.normal(size=(40, 2)).tolist(),
                           "layers": [{"weights": rng.normal(size=(3, 2)).tolist(), "activation": "tanh"}],
                           "loss": "mse", "learning_rate": 0.1})
    sol = solve(spec)
    assert sol.summarised and any("40 samples" in w.message for w in sol.warnings)
    assert {s.kind for s in sol.steps} <= {"given", "loss", "matrix"}
    np.testing.assert_allclose(sol.index["M.GW.l1"].value, sol.run.grad_w[0])


def test_every_step_depends_only_on_earlier_steps():
    from calc.presets import load_preset, preset_ids
    for pid in preset_ids():
        seen = set()
        for st in solve(load_preset(pid)).steps:
            assert set(st.depends_on) <= seen, (pid, st.id)
            seen.add(st.id)


def test_calc_never_imports_streamlit():
    for path in (ROOT / "calc").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), path
    code = ("import sys, pkgutil, importlib, calc\n"
            "for m in pkgutil.walk_packages(calc.__path__, 'calc.'):\n"
            "    if m.name != 'calc.__main__': importlib.import_module(m.name)\n"
            "print(len(sys.modules) > 50 and 'calc.worked.solve' in sys.modules, 'streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "True False", out.stderr
