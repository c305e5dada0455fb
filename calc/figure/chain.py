"""One parameter's chain of factors and the weights as table rows, from the solution's steps (for pages)."""
from __future__ import annotations

from calc.figure.model import unit_name
from calc.figure.path import BACKWARD
from calc.worked import ids
from calc.worked.solve import Solution


def chain_steps(sol: Solution, param: str) -> list[str]:
    """The backward steps of a weight's or bias's gradient, in the solution's order, ending with dE/dparam: the
    whole chain with numbers (for w5: dE/dout_o1, dout_o1/dnet_o1, dnet_o1/dw5, dE/dw5). Empty for a summarised
    solution (no scalar steps)."""
    g = ids.grad(param)
    if g not in sol.index:
        return []
    seen, todo = set(), [g]
    while todo:
        cur = todo.pop()
        st = sol.index.get(cur)
        if cur in seen or st is None or st.kind not in BACKWARD:
            continue
        seen.add(cur)
        todo.extend(st.depends_on)
    return [s.id for s in sol.steps if s.id in seen]


def edge_rows(sol: Solution) -> list[dict]:
    """One row per weight: from, to (unit names), weight (label), value, dE/dw, value after the update. Empty for
    a summarised solution (no scalar steps: the Matrix form page has every number)."""
    spec, N, index = sol.spec, sol.notation, sol.index
    rows = []
    for l, layer in enumerate(spec.layers, start=1):
        for j in range(1, layer.units + 1):
            for i in range(1, spec.sizes[l - 1] + 1):
                w = ids.w(l, i, j)
                if w not in index:
                    return []
                g, n = index.get(ids.gw(l, i, j)), index.get(ids.nw(l, i, j))
                rows.append({"from": unit_name(N, l - 1, i), "to": unit_name(N, l, j), "weight": index[w].label,
                             "value": index[w].value, "dE/dw": None if g is None else g.value,
                             "after the update": None if n is None else n.value})
    return rows
