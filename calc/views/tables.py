"""A Solution as the tables the app shows (lists of row dicts; pages turn them into data frames).

forward: each net = sum_i w_i a_i + b and each out = f(net); loss: each E_k and the total; chain: each
dE/dw = dE/dout * dout/dnet * dnet/dw (or delta * dnet/dw for a fused delta); hidden sums: dE/dout_h =
sum_k delta_k w_hk term by term; updates: w+ = w - eta * dE/dw with the central difference beside it.
"""
from __future__ import annotations

import numpy as np

from calc.worked import ids
from calc.worked.solve import Solution
from calc.worked.steps import Step


def _row(st: Step, **extra) -> dict:
    return {"label": st.label, "value": st.value, **extra}


def forward_table(sol: Solution) -> list[dict]:
    """net and out of every unit: sample, layer, net label, net, out label, out."""
    rows = []
    for st in sol.steps:
        kind, f = ids.parse(st.id)
        if kind == "net":
            out = sol.index[ids.out(f["s"], f["l"], f["u"])]
            rows.append({"sample": st.sample, "layer": st.layer, "net": st.label, "net value": st.value,
                         "out": out.label, "out value": out.value})
    return rows


def loss_table(sol: Solution) -> list[dict]:
    """Each output's error term, per-sample losses, the total, and the loss after the update."""
    return [_row(st, formula=st.formula) for st in sol.steps if st.kind == "loss"]


def chain_table(sol: Solution) -> list[dict]:
    """Each per-sample dE/dw with its chain-rule factors (labels and values) and their product."""
    rows = []
    for st in sol.steps:
        if st.kind == "backward" and st.op == "mul" and ids.kind(st.id) == "gw":
            deps = [sol.index[d] for d in st.depends_on]
            row = {"gradient": st.label, "value": st.value, "id": st.id, "layer": st.layer}
            for n, d in enumerate(deps, start=1):
                row[f"factor {n}"] = d.label
                row[f"value {n}"] = d.value
            rows.append(row)
    return rows


def hidden_sums(sol: Solution) -> list[dict]:
    """Every hidden dE/dout as its sum of terms delta_k * w_hk: [{label, value, terms: [{label, delta, w, value}]}]."""
    out = []
    for st in sol.steps:
        if st.kind == "backward" and st.op == "sum" and ids.kind(st.id) == "dout":
            terms = []
            for tid in st.depends_on:
                t = sol.index[tid]
                d, w = (sol.index[x] for x in t.depends_on)
                terms.append({"term": t.label, "delta": d.label, "delta value": d.value, "weight": w.label,
                              "weight value": w.value, "value": t.value})
            out.append({"label": st.label, "value": st.value, "terms": terms, "id": st.id})
    return out


def central_column(sol: Solution, grads: tuple[list, list] | None) -> dict[str, float]:
    """{gradient step id: central-difference value} from calc.engine.gradcheck.central_differences' output."""
    if grads is None:
        return {}
    gw, gb = grads
    out = {}
    for st in sol.steps:
        if st.kind != "backward":
            continue
        kind, f = ids.parse(st.id)
        if kind not in ("gw", "gb") or "s" in f:
            continue
        l, j = f["l"], f.get("u")
        if kind == "gw":
            out[st.id] = float(gw[l - 1][f["i"] - 1, j - 1])
        elif gb[l - 1] is not None:
            out[st.id] = float(gb[l - 1][j - 1 if j else 0])
    return out


def updates_table(sol: Solution, central: dict[str, float] | None = None) -> list[dict]:
    """Each parameter: old, gradient, new (w+ = w - eta * gradient), and the central difference when given."""
    rows = []
    for st in sol.steps:
        if st.kind != "update":
            continue
        old = sol.index[st.args.get("w") or st.args.get("src") or st.depends_on[0]]
        gid = ids.grad(st.id)
        grad = sol.index.get(gid)
        row = {"parameter": old.label, "old": old.value, "gradient": None if grad is None else grad.value,
               "new": st.value, "updated": st.op == "update"}
        if central is not None:
            cd = central.get(gid)
            row["central difference"] = cd
            row["|difference|"] = (None if cd is None or grad is None or grad.value is None
                                   else abs(cd - grad.value))
        rows.append(row)
    return rows


def parameter_row(spec, names) -> dict[str, float]:
    """Every weight and bias of `spec` by its label in notation `names` (a calc.worked.notation.Notation)."""
    row = {}
    for l, layer in enumerate(spec.layers, start=1):
        for j in range(1, layer.units + 1):
            for i in range(1, layer.weights.shape[0] + 1):
                row[names.w(l, i, j)[0]] = float(layer.weights[i - 1, j - 1])
        if layer.bias_mode == "shared":
            row[names.b(l, None)[0]] = float(layer.biases[0])
        elif layer.bias_mode == "unit":
            for j in range(1, layer.units + 1):
                row[names.b(l, j)[0]] = float(layer.biases[j - 1])
    return row


def matrix_entries(sol: Solution, step: Step) -> list[tuple[str, str]]:
    """[(\"row r, col c\", scalar step id)] of a matrix step's entries (empty when summarised)."""
    grid = step.args.get("entries") or []
    return [(f"row {r + 1}, column {c + 1}", sid) for r, row in enumerate(grid) for c, sid in enumerate(row)
            if sid is not None and sid in sol.index]


def shape_of(value) -> str:
    a = np.atleast_2d(np.asarray(value, dtype=float))
    return f"{a.shape[0]} x {a.shape[1]}"


def loss_curve(history: list[float], max_points: int = 2000) -> dict[str, list]:
    """At most `max_points` evenly spaced (update, loss) pairs of a training history, first and last kept."""
    import numpy as np
    n = len(history)
    idx = np.unique(np.linspace(0, n - 1, min(n, max_points)).astype(int))
    return {"update": idx.tolist(), "loss": [float(history[k]) for k in idx]}
