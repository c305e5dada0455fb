"""The step ops: how each step's value follows from the values of its dependencies, written once over an arithmetic.

    affine: sum_i w_i x_i + b        act: f(net) (the activation's record)      err: e_k (the loss's record)
    dloss: dE/dout / n               dact: f'(net, out)                         jac: out_k (delta_kj - out_j)
    mul, sum, mean, sumprod, fused (the loss's closed form), update: w - eta g, copy
`apply(A, step, v, alpha)` evaluates one step in the arithmetic A, with `v(id)` the value of a dependency in A:
SymPy symbols give the step's textbook formula (calc.symbolic.formulas), generated-code names give the
notebook's cell; the numbers themselves come from calc.engine.numeric, which uses the very same records.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from calc.maths.functions import ACTIVATIONS, LOSSES


def _cell(A, x) -> np.ndarray:
    return np.array([[x]], dtype=object)


def _lf(A, log_base: str, loss: str):
    return 1 / A.ln10() if log_base == "10" and loss in ("bce", "cce") else A.const(1)


def _sum(A, xs: list):
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def apply(A, st, v: Callable[[str], Any], alpha: Callable[[int], Any], stable_logs: bool = False,
          one_hot: bool = False) -> Any:
    """The value of step `st` from its dependencies' values v(id), in the arithmetic A (None for given/recompute).

    stable_logs: ln out of a sigmoid output from its net (numbers); one_hot: the targets sum to 1 (o - t)."""
    a, d, op = st.args, st.depends_on, st.op
    if op == "affine":
        terms = [v(w) * v(x) for w, x in a["pairs"]]
        if a.get("bias"):
            terms.append(v(a["bias"]) * 1)
        return _sum(A, terms)
    if op == "act":
        rec = ACTIVATIONS[a["activation"]]
        if rec.vector:
            z = np.array([[v(n) for n in a["nets"]]], dtype=object)
            return rec.F(A, z, alpha(st.layer))[0, a["index"]]
        return rec.F(A, _cell(A, v(a["net"])), alpha(st.layer))[0, 0]
    if op == "err":
        t, o = _cell(A, v(a["t"])), _cell(A, v(a["o"]))
        act = ACTIVATIONS.get(a.get("activation"))
        if stable_logs and act is not None and act.log_out is not None and not act.vector:
            def logs():
                return act.log_out(A, _cell(A, v(a["net"])))
        else:
            def logs():
                return A.log(o), A.log(1 - o)
        return LOSSES[a["loss"]].term(A, t, o, logs, a["m"], _lf(A, a.get("log_base", "e"), a["loss"]))[0, 0]
    if op == "sum":
        return _sum(A, [v(x) for x in d])
    if op == "mean":
        return _sum(A, [v(x) for x in d]) * A.const(1) / len(d)
    if op == "dloss":
        g = LOSSES[a["loss"]].dout(A, _cell(A, v(a["t"])), _cell(A, v(a["o"])), a["m"],
                                   _lf(A, a.get("log_base", "e"), a["loss"]))[0, 0]
        return g / a["scale"] if a.get("scale", 1) > 1 else g
    if op == "dact":
        rec = ACTIVATIONS[a["activation"]]
        return rec.DF(A, _cell(A, v(a["net"])), _cell(A, v(a["out"])), alpha(st.layer))[0, 0]
    if op == "jac":
        k = v(a["k"])
        return k * (1 - k) if a["same"] else -(k * v(a["j"]))
    if op == "mul":
        out = v(d[0])
        for x in d[1:]:
            out = out * v(x)
        return out
    if op == "sumprod":
        return _sum(A, [v(d[i]) * v(d[i + 1]) for i in range(0, len(d), 2)])
    if op == "fused":
        kind = a["kind"]                    # "<activation>_<loss>", e.g. softmax_cce
        act, loss = kind.split("_", 1)
        o, t = _cell(A, v(a["o"])), _cell(A, v(a["t"]))
        tsum = _cell(A, A.const(1) if one_hot else _sum(A, [v(x) for x in a["targets"]]))
        f = LOSSES[loss].fused[act](A, t, o, tsum, _lf(A, a.get("log_base", "e"), loss))[0, 0]
        return f / a["scale"] if a.get("scale", 1) > 1 else f
    if op == "update":
        return v(a["w"]) - v(a["eta"]) * v(a["g"])
    if op == "muladd":                      # the chain-rule product plus the L2 term (the last dependency)
        out = v(d[0])
        for x in d[1:-1]:
            out = out * v(x)
        return out + v(d[-1])
    if op == "scale":                       # c * x (the L2 gradient term: lambda w or 2 lambda w)
        return v(d[0]) * v(d[1]) * a.get("factor", 1)
    if op == "penalty":                     # lambda/2 sum w^2 (half) or lambda sum w^2
        total = _sum(A, [v(x) * v(x) for x in d[1:]])
        return v(d[0]) * total / 2 if a.get("half") else v(d[0]) * total
    if op == "meanadd":                     # the mean over the samples plus the L2 penalty (the last dependency)
        return _sum(A, [v(x) for x in d[:-1]]) * A.const(1) / (len(d) - 1) + v(d[-1])
    if op == "optimizer":                   # one intermediate, or the update, of calc.maths.optimizers
        from calc.maths.optimizers import OPTIMIZERS
        opt = OPTIMIZERS[a["opt"]]
        prev = {k: A.const(x) for k, x in a["prev"].items()}
        hp = {k: A.const(x) for k, x in a["hp"].items()}
        new, inter = opt.step(A, v(a["p"]), v(a["g"]), prev, hp, v("eta"), a["t"])
        return new if a["what"] == "update" else inter[a["what"]]
    if op == "copy":
        return v(a["src"])
    if op in ("given", "recompute", "matrix"):
        return None
    raise ValueError(f"step {st.id}: no op {op!r}")
