"""The path of one step: the units and edges its value depends on, read from the steps' depends_on.

A gradient or an update (dE/dw5, w5+) follows the chain rule back from the loss: its backward steps are expanded
(dE/dout_h1 into its terms delta_o1 * w5 and delta_o2 * w7, ...) and each forward or given value it reads is a
lit element without being expanded, so dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 lights E, o1, the
edge w5 and h1 (out_h1 = dnet_o1/dw5). A forward step (net_o1, out_o1, the loss) lights everything it is
computed from. Picking a weight or bias (w5, b1) means its gradient, plus its own edge or box.
"""
from __future__ import annotations

from calc.worked import ids
from calc.worked.solve import Solution

BACKWARD = {"backward", "update"}
FORWARD = {"forward", "loss"}


def resolve(sol: Solution, step: str) -> str:
    """A step id, or a label in the solution's notation (w5, w1+, net_h1) -> the step id; ValueError otherwise."""
    if step in sol.index or (sol.summarised and _param_in(sol.spec, step)):
        return step
    found = [s.id for s in sol.steps if s.label == step]
    if found:
        return found[0]
    params = ", ".join(s.label for s in sol.steps if s.kind == "given" and ids.is_param(s.id))
    raise ValueError(f"step: {step[:60]!r} is not a step id or label of this problem (weights and biases: "
                     f"{params[:200]})")


def element_of(sid: str, spec) -> set[str]:
    """The figure elements a step's value belongs to (empty for eta and matrix steps)."""
    if not ids.is_id(sid):
        return set()
    kind, f = ids.parse(sid)
    L = len(spec.layers)
    if kind in ("loss", "loss_after", "l2", "err"):
        return {"E"} | ({f"u{L}.{f['u']}"} if kind == "err" else set())
    if kind == "x":
        return {f"u0.{f['u']}"}
    if kind == "t":
        return {f"u{L}.{f['u']}"}
    if kind in ("w", "gw", "nw", "dnet") or (kind in ids.OPT_STATES + ("l2g",) and f.get("i")):
        return {f"e{f['l']}.{f['i']}.{f['u']}"} if kind != "dnet" else set()
    if kind in ("b", "gb", "nb") or kind in ids.OPT_STATES + ("l2g",):
        return {f"b{f['l']}"} if f.get("u") is None else {f"u{f['l']}.{f['u']}"}
    if kind in ("net", "out", "dout", "act", "delta", "chain"):
        return {f"u{f['l']}.{f['u']}"}
    if kind == "jac":
        return {f"u{f['l']}.{f['u']}", f"u{f['l']}.{f['k']}"}
    return set()                          # term (its deps say it), eta, lam, matrices


def _param_in(spec, sid: str) -> bool:
    """A weight or bias id of this network (a summarised solution has no steps for them)."""
    if not ids.is_param(sid):
        return False
    kind, f = ids.parse(sid)
    sizes = spec.sizes
    if not 1 <= f["l"] <= len(spec.layers) or f.get("u", 1) > sizes[f["l"]]:
        return False
    return kind == "b" or f["i"] <= sizes[f["l"] - 1]


def path_of(sol: Solution, sid: str) -> set[str]:
    """Element keys lit by step `sid` (see the module docstring)."""
    spec, index = sol.spec, sol.index
    lit: set[str] = set()
    if ids.is_param(sid):
        lit |= element_of(sid, spec)
        sid = ids.grad(sid)
        if sid not in index:              # a summarised solution: no scalar gradient steps
            return lit | {"E"}
    start = index[sid]
    expand = BACKWARD if start.kind in BACKWARD else FORWARD
    if start.kind in BACKWARD:
        lit.add("E")                      # every gradient is of the loss
    seen, todo = set(), [sid]
    while todo:
        cur = todo.pop()
        if cur in seen:
            continue
        seen.add(cur)
        lit |= element_of(cur, spec)
        st = index.get(cur)
        if st is None or (cur != sid and st.kind not in expand):
            continue
        todo.extend(st.depends_on)
    return lit

