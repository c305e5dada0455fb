"""L2 and the optimizers (issue 16) against values written independently here: PyTorch's update rules in plain
NumPy on the whole parameter vector, Adam's bias correction on the first two steps by hand, the L2 term by hand."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from calc.engine.gradcheck import central_differences
from calc.engine.numeric import run
from calc.maths.arith import Exact
from calc.problem.spec import SpecError, spec_from_dict
from calc.symbolic.exact import exact_solution
from calc.train.loop import train
from calc.worked.solve import solve

ROOT = Path(__file__).resolve().parents[1]


def mazur(**extra) -> dict:
    d = json.loads((ROOT / "calc/presets/mazur.json").read_text())
    for k in ("published", "published_notes"):
        d.pop(k, None)
    d.update(extra)
    return d


def params(spec):
    return [l.weights.copy() for l in spec.layers] + [l.biases.copy() for l in spec.layers if l.biases is not None]


def grads_of(spec):
    p = run(spec)
    return list(p.grad_w) + [np.repeat(g, spec.layers[k].units) if spec.layers[k].bias_mode == "shared" else g
                             for k, g in enumerate(p.grad_b) if g is not None]


def set_params(d: dict, ps) -> dict:
    d = json.loads(json.dumps(d))
    L = len(d["layers"])
    for k in range(L):
        d["layers"][k]["weights"] = ps[k].tolist()
    bi = L
    for k in range(L):
        if d["layers"][k].get("biases") is not None:
            b = ps[bi]
            d["layers"][k]["biases"] = float(b[0]) if not isinstance(d["layers"][k]["biases"], list) else b.tolist()
            bi += 1
    d.pop("optimizer", None)
    return d


def torch_like(name: str, hp: dict, steps: int, d: dict, eta: float):
    """Independent: the optimizer's rule on every parameter array, gradients from plain SGD problems."""
    ps = params(spec_from_dict(set_params(d, params(spec_from_dict(d)))))
    state = [dict(vel=np.zeros_like(p), m=np.zeros_like(p), v=np.zeros_like(p)) for p in ps]
    for t in range(1, steps + 1):
        gs = grads_of(spec_from_dict(set_params(d, ps)))
        new = []
        for p, g, s in zip(ps, gs, state):
            if name == "sgd":
                p = p - eta * g
            elif name in ("momentum", "nesterov"):
                s["vel"] = hp["momentum"] * s["vel"] + g
                p = p - eta * (s["vel"] if name == "momentum" else g + hp["momentum"] * s["vel"])
            elif name == "rmsprop":
                s["v"] = hp["alpha"] * s["v"] + (1 - hp["alpha"]) * g * g
                p = p - eta * g / (np.sqrt(s["v"]) + hp["eps"])
            elif name == "adam":
                s["m"] = hp["beta1"] * s["m"] + (1 - hp["beta1"]) * g
                s["v"] = hp["beta2"] * s["v"] + (1 - hp["beta2"]) * g * g
                mh = s["m"] / (1 - hp["beta1"] ** t)
                vh = s["v"] / (1 - hp["beta2"] ** t)
                p = p - eta * mh / (np.sqrt(vh) + hp["eps"])
            new.append(p)
        ps = new
    return ps


CASES = [("sgd", {}), ("momentum", {"momentum": 0.9}), ("nesterov", {"momentum": 0.8}),
         ("rmsprop", {"alpha": 0.99, "eps": 1e-8}), ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
         ("adam", {"beta1": 0.5, "beta2": 0.75, "eps": 1e-3})]


@pytest.mark.parametrize("name,hp", CASES)
@pytest.mark.parametrize("batch", [None, 1])
def test_train_matches_the_rule_written_independently(name, hp, batch):
    base = mazur(inputs=[[0.05, 0.1], [0.3, -0.2]], targets=[[0.01, 0.99], [0.7, 0.2]], reduction="mean",
                 update_biases=True)
    d = dict(base, optimizer={"name": name, **hp})
    res = train(spec_from_dict(d), 5, batch_size=batch, keep={5})
    if batch is None:
        want = torch_like(name, hp, 5, base, 0.5)
        got = params(res.snapshots[5])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)
    else:                               # stochastic: the rule applied sample by sample, state carried over
        ps = params(spec_from_dict(base))
        state = None
        for k in range(5):
            sample = {"inputs": [base["inputs"][k % 2]], "targets": [base["targets"][k % 2]]}
            one = spec_from_dict(set_params(dict(base, **sample), ps))
            p = run(__import__("dataclasses").replace(spec_from_dict(dict(set_params(dict(base, **sample), ps),
                                                                          optimizer={"name": name, **hp})),
                                                      opt_state=state))
            state = p.opt_state
            ps = list(p.new_w) + [b for b in p.new_b if b is not None]
            assert one is not None
        for g, w in zip(params(res.snapshots[5]), ps):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


def test_adam_bias_correction_on_the_first_two_steps_by_hand():
    """w5 of Mazur under Adam (lr 0.5): step 1 moves by eta * g/|g|; step 2 by hand from m2, v2."""
    d = mazur(optimizer={"name": "adam"})
    g1 = solve(spec_from_dict(mazur())).index["gw.l2.i1.u1"].value          # 0.0821670406
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.5
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 * g1
    w5_1 = 0.4 - eta * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    assert abs(w5_1 - (0.4 - 0.5 * g1 / (abs(g1) + 1e-8))) < 1e-15     # the bias correction makes step 1 = eta
    res = train(spec_from_dict(d), 2, keep={1, 2})
    s1 = res.snapshots[1]
    assert abs(s1.layers[1].weights[0, 0] - w5_1) < 1e-15
    g2 = solve(spec_from_dict(set_params(d, params(s1)))).index["gw.l2.i1.u1"].value
    m2 = b1 * m1 + (1 - b1) * g2
    v2 = b2 * v1 + (1 - b2) * g2 * g2
    w5_2 = w5_1 - eta * (m2 / (1 - b1 ** 2)) / (math.sqrt(v2 / (1 - b2 ** 2)) + eps)
    assert abs(res.snapshots[2].layers[1].weights[0, 0] - w5_2) < 1e-13
    # and the worked solution of update 2 shows m-hat with 1 - beta1^2
    sol = solve(res.snapshots[1])
    mhat = sol.index["mhat.l2.i1.u1"]
    assert r"1 - 0.9^{2}" in mhat.substituted and abs(mhat.value - m2 / (1 - b1 ** 2)) < 1e-15


def test_l2_term_in_the_loss_and_the_gradient():
    d = mazur(l2={"lambda": 0.05})
    sol = solve(spec_from_dict(d))
    sq = 0.15**2 + 0.2**2 + 0.25**2 + 0.3**2 + 0.4**2 + 0.45**2 + 0.5**2 + 0.55**2     # Mazur's weights
    assert abs(sol.index["l2"].value - 0.05 / 2 * sq) < 1e-15
    assert abs(sol.index["loss"].value - (0.298371108760003 + 0.02825)) < 1e-12
    assert abs(sol.index["l2g.l2.i1.u1"].value - 0.05 * 0.4) < 1e-16
    assert abs(sol.index["gw.l2.i1.u1"].value - (0.082167040564230 + 0.02)) < 1e-12
    assert r"0.05 \cdot 0.4" in sol.index["l2g.l2.i1.u1"].substituted
    full = solve(spec_from_dict(mazur(l2={"lambda": 0.05, "half": False, "biases": True})))
    assert abs(full.index["l2"].value - 0.05 * (sq + 0.35**2 + 0.6**2)) < 1e-15      # shared biases count once
    assert abs(full.index["gw.l2.i1.u1"].value - (0.082167040564230 + 2 * 0.05 * 0.4)) < 1e-12
    assert abs(full.index["l2g.l1"].value - 2 * 0.05 * 0.35) < 1e-16


def test_l2_gradient_matches_central_differences():
    spec = spec_from_dict(mazur(l2={"lambda": 0.3, "half": False, "biases": True}))
    gw, gb = central_differences(spec)
    p = run(spec)
    for a, b in zip(gw, p.grad_w):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_exact_and_formulas_agree_with_optimizer_steps():
    spec = spec_from_dict(mazur(optimizer={"name": "rmsprop", "alpha": "0.9"}, l2={"lambda": "0.01"}))
    sol = solve(spec)
    ex = exact_solution(sol, 20)
    assert all(e.agree in (True, None) for e in ex.values())
    pe = run(spec, A=Exact(40))
    assert abs(float(pe.new_w[1][0, 0]) - sol.index["nw.l2.i1.u1"].value) < 1e-15


def test_optimizer_and_l2_are_validated_with_located_messages():
    with pytest.raises(SpecError, match=r"optimizer.name: must be one of .*did you mean 'adam'"):
        spec_from_dict(mazur(optimizer={"name": "adamw"}))
    with pytest.raises(SpecError, match=r"optimizer.beta1: must be in \[0, 1\)"):
        spec_from_dict(mazur(optimizer={"name": "adam", "beta1": 1.5}))
    with pytest.raises(SpecError, match=r"optimizer.momentum: not a parameter of adam"):
        spec_from_dict(mazur(optimizer={"name": "adam", "momentum": 0.9}))
    with pytest.raises(SpecError, match=r"l2.lambda: must be >= 0"):
        spec_from_dict(mazur(l2={"lambda": -1}))
    s = spec_from_dict(mazur(optimizer={"name": "momentum"}, l2={"lambda": "0.05"}))
    assert s.to_dict()["optimizer"] == {"name": "momentum", "momentum": 0.9}
    assert s.to_dict()["l2"] == {"lambda": 0.05, "half": True, "biases": False}
    assert spec_from_dict(s.to_dict()).opt == s.opt


def test_checker_names_the_optimizer_and_l2_slips():
    from calc.check.check import check
    # Adam without the bias correction: w5+ = w5 - eta m / (sqrt(v) + eps) with m = 0.1 g, v = 0.001 g^2
    g = 0.0821670405642307
    m, v = 0.1 * g, 0.001 * g * g
    w5 = 0.4 - 0.5 * m / (math.sqrt(v) + 1e-8)
    r = check(spec_from_dict(mazur(optimizer={"name": "adam"})), {"w5+": f"{w5:.9f}"}).results[0]
    assert r.verdict == "wrong" and "bias correction" in r.cause
    # L2 with the 1/2 kept in the gradient: dE/dw5 = g + 0.05/2 * 0.4
    r = check(spec_from_dict(mazur(l2={"lambda": 0.05})), {"dE_total/dw5": f"{g + 0.025 * 0.4:.9f}"}).results[0]
    assert r.verdict == "wrong" and "1/2" in r.cause
    # L2 without the 2 (lambda sum w^2): dE/dw5 = g + 0.05 * 0.4 instead of g + 2 * 0.05 * 0.4
    r = check(spec_from_dict(mazur(l2={"lambda": 0.05, "half": False})),
              {"dE_total/dw5": f"{g + 0.05 * 0.4:.9f}"}).results[0]
    assert r.verdict == "wrong" and "the 2 of lambda" in r.cause


def test_exports_and_the_notebook_carry_the_optimizer_steps(tmp_path):
    import subprocess
    import sys

    import nbformat
    d = mazur(optimizer={"name": "adam"}, l2={"lambda": "0.05", "biases": True}, update_biases=True)
    p = tmp_path / "adam.json"
    p.write_text(json.dumps(d))
    w5 = solve(spec_from_dict(d)).index["nw.l2.i1.u1"].value
    for fmt in ("latex", "beamer", "markdown", "marp", "notebook", "csv"):
        out = tmp_path / f"adam.{fmt}"
        r = subprocess.run([sys.executable, "-m", "calc", "export", str(p), "--format", fmt, "-o", str(out)],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        text = out.read_text()
        assert "mhat" in text or r"\hat{m}" in text, fmt
    nb = nbformat.read(str(tmp_path / "adam.notebook"), as_version=4)
    ns: dict = {}
    exec(compile("\n".join(c.source for c in nb.cells if c.cell_type == "code"), "nb", "exec"), ns)
    assert any(isinstance(v, float) and abs(v - w5) < 1e-12 for v in ns.values() if isinstance(v, float))
