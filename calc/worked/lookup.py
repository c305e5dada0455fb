"""The value of any scalar step id in a pass of the engine, in whatever arithmetic the pass ran.

    value(spec, p, "gw.l2.i1.u1") -> p.grad_w[1][0, 0]     value(spec, p, "term.s1.l1.u1.k2") -> delta_2 w_12
One place maps the step-id grammar (README, "Step ids") onto calc.engine.numeric's arrays, so the exact values,
a hand calculation and a slip's numbers are read off their passes the same way the float64 steps were built.
"""
from __future__ import annotations

from calc.engine.typed import leaves
from calc.worked import ids
from calc.worked.ids import parse  # noqa: F401  (re-exported: the id grammar lives in calc.worked.ids)


class Lookup:
    """Step values of one pass `p` of `spec` (p.A is its arithmetic)."""

    def __init__(self, spec, p):
        self.spec, self.p = spec, p
        self.g = leaves(spec, p.A)

    def a(self, s: int, l: int, i: int):
        """Output i of layer l (layer 0: the inputs), 1-based."""
        return self.g.inputs[s - 1, i - 1] if l == 0 else self.p.fwd.outs[l - 1][s - 1, i - 1]

    def value(self, sid: str):
        """The step's value, or KeyError for an id this pass has no value for (matrix steps, unknown kinds)."""
        p, g = self.p, self.g
        if sid == ids.LOSS:
            return p.fwd.loss
        if sid == ids.LOSS_AFTER:
            return p.loss_after
        if sid == ids.ETA:
            return g.eta
        try:
            kind, q = ids.parse(sid)
        except ids.IdError:
            raise KeyError(sid) from None
        s, l, u, i, k = q.get("s"), q.get("l"), q.get("u"), q.get("i"), q.get("k")
        if kind == "x":
            return g.inputs[s - 1, u - 1]
        if kind == "t":
            return g.targets[s - 1, u - 1]
        if kind == "w":
            return g.weights[l - 1][i - 1, u - 1]
        if kind == "b":
            return g.biases[l - 1][(u or 1) - 1]
        if kind == "net":
            return p.fwd.nets[l - 1][s - 1, u - 1]
        if kind == "out":
            return p.fwd.outs[l - 1][s - 1, u - 1]
        if kind == "err":
            return p.fwd.terms[s - 1, u - 1]
        if kind == "loss" and s is not None:
            return p.fwd.sample_loss[s - 1]
        if kind == "dout":
            return p.dE_dout[l - 1][s - 1, u - 1]
        if kind == "act":
            return p.dout_dnet[l - 1][s - 1, u - 1]
        if kind == "jac":
            return p.jacobians[l - 1][s - 1, k - 1, u - 1]
        if kind == "delta":
            return p.deltas[l - 1][s - 1, u - 1]
        if kind == "chain":
            d, jac = p.dE_dout[l - 1][s - 1], p.jacobians[l - 1]
            if jac is None:
                return d[u - 1] * p.dout_dnet[l - 1][s - 1, u - 1]
            total = d[0] * jac[s - 1][0, u - 1]
            for kk in range(1, d.shape[0]):
                total = total + d[kk] * jac[s - 1][kk, u - 1]
            return total
        if kind == "term":
            return p.deltas[l][s - 1, k - 1] * p.back_weights[l][u - 1, k - 1]
        if kind == "dnet":
            return self.a(s, l - 1, i)
        if kind == "gw":
            if s is not None:
                return p.deltas[l - 1][s - 1, u - 1] * self.a(s, l - 1, i)
            return p.grad_w[l - 1][i - 1, u - 1]
        if kind == "gb":
            return p.grad_b[l - 1][(u or 1) - 1]
        if kind == "nw":
            return p.new_w[l - 1][i - 1, u - 1]
        if kind == "nb":
            return p.new_b[l - 1][(u or 1) - 1]
        if sid == "lam":
            return self.g.l2
        if sid == "l2":
            from calc.engine.numeric import penalty
            return penalty(self.spec, self.g.weights, self.g.biases, p.A)
        if kind == "l2g":
            return p.l2_w[l - 1][i - 1, u - 1] if i is not None else p.l2_b[l - 1][(u or 1) - 1]
        if kind in ("vel", "m", "v", "mhat", "vhat"):
            return p.opt_w[l - 1][kind][i - 1, u - 1] if i is not None else p.opt_b[l - 1][kind][(u or 1) - 1]
        raise KeyError(sid)

    def get(self, sid: str, default=None):
        try:
            return self.value(sid)
        except (KeyError, IndexError, TypeError):
            return default
