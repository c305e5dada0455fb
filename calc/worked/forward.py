"""The scalar steps of the worked solution, built from calc.engine.numeric's arrays: the plumbing, the given values,
the forward pass and the loss (Builder), with the backward pass and updates from calc.worked.backward.

Each step is added once, in order, with the ids of the steps it depends on; a dependency's number is shown
as written for a given value (0.15 stays 0.15) and to `digits` significant digits otherwise.
"""
from __future__ import annotations

import numpy as np

from calc.worked import notation as nt
from calc.maths.functions import ACTIVATIONS
from calc.maths.functions import LOSSES
from calc.worked.matrix import bmatrix, matrix_steps
from calc.engine.numeric import Pass
from calc.problem.spec import Spec
from calc.worked.steps import Step, fmt, paren
from calc.worked.backward import BackwardSteps


class Builder(BackwardSteps):
    """Steps in order: given, forward, loss, backward and updates (BackwardSteps), loss after, matrices."""

    def __init__(self, spec: Spec, p: Pass, names: nt.Notation, digits: int, scalar: bool = True):
        self.spec, self.p, self.N, self.digits, self.scalar = spec, p, names, digits, scalar
        self.steps: list[Step] = []
        self.steps_by_id: dict[str, Step] = {}
        self.vals: dict[str, object] = {}
        self.n = spec.n_samples
        self.L = len(spec.layers)

    # ---- plumbing ------------------------------------------------------------------------------
    def add(self, sid, sym, formula_rhs, subst_rhs, value, deps, kind, op, args=None, note="", s=None, l=None):
        label, tex = sym
        value = None if value is None else (float(value) if np.ndim(value) == 0 else value)
        if isinstance(value, float) and not np.isfinite(value):
            value, note = None, note or "saturated"
        shown = self.show_value(value) if kind != "given" else subst_rhs
        subst = subst_rhs if kind == "given" else (f"{subst_rhs} = {shown}" if subst_rhs else shown)
        st = Step(sid, label, f"{tex} = {formula_rhs}" if formula_rhs else tex, subst, value, list(deps), kind, op,
                  args or {}, tex, note, s, l)
        self.steps.append(st)
        self.steps_by_id[sid] = st
        self.vals[sid] = value
        return st

    def show_value(self, v):
        if v is None:
            return r"\text{saturated}"
        if isinstance(v, list):
            return bmatrix(v, self.digits)
        return fmt(v, self.digits)

    def num(self, sid: str) -> str:
        """A dependency's value as shown inside a substituted formula."""
        st = self.steps_by_id[sid]
        if st.kind == "given":
            return paren(st.substituted)
        return paren(self.show_value(st.value))

    # ---- the solution ----------------------------------------------------------------------------
    def build(self) -> list[Step]:
        if self.scalar:
            self.given()
            self.forward()
            self.loss()
            for l in range(self.L, 0, -1):
                self.backward_layer(l)
            self.loss_after()
        else:
            self.loss_summary()
        self.matrices()
        return self.steps

    def given(self):
        spec, N = self.spec, self.N
        for s in range(1, self.n + 1):
            for j in range(1, spec.inputs.shape[1] + 1):
                self._given(f"x.s{s}.u{j}", N.x(j, s), spec.inputs[s - 1, j - 1])
            for k in range(1, spec.targets.shape[1] + 1):
                self._given(f"t.s{s}.u{k}", N.t(k, s), spec.targets[s - 1, k - 1])
        for l, layer in enumerate(spec.layers, start=1):
            for j in range(1, layer.units + 1):
                for i in range(1, layer.weights.shape[0] + 1):
                    self._given(f"w.l{l}.i{i}.u{j}", N.w(l, i, j), layer.weights[i - 1, j - 1])
            if layer.bias_mode == "shared":
                self._given(f"b.l{l}", N.b(l, None), layer.biases[0])
            elif layer.bias_mode == "unit":
                for j in range(1, layer.units + 1):
                    self._given(f"b.l{l}.u{j}", N.b(l, j), layer.biases[j - 1])
        self._given("eta", N.eta(), spec.learning_rate)

    def _given(self, sid, sym, value):
        self.add(sid, sym, "", self.spec.text(sid, value), float(value), [], "given", "given")

    def bias_id(self, l: int, j: int) -> str | None:
        mode = self.spec.layers[l - 1].bias_mode
        return None if mode == "none" else (f"b.l{l}" if mode == "shared" else f"b.l{l}.u{j}")

    def a_id(self, s: int, l: int, i: int) -> str:
        """Output i of layer l (layer 0 = the inputs)."""
        return f"x.s{s}.u{i}" if l == 0 else f"out.s{s}.l{l}.u{i}"

    def forward(self):
        spec, N, p = self.spec, self.N, self.p
        for s in range(1, self.n + 1):
            for l, layer in enumerate(spec.layers, start=1):
                n_in = layer.weights.shape[0]
                for j in range(1, layer.units + 1):
                    pairs = [(f"w.l{l}.i{i}.u{j}", self.a_id(s, l - 1, i)) for i in range(1, n_in + 1)]
                    bid = self.bias_id(l, j)
                    f_terms = [f"{N.w(l, i, j)[1]} {N.out(l - 1, i, s)[1]}" for i in range(1, n_in + 1)]
                    s_terms = [rf"{self.num(w)} \cdot {self.num(a)}" for w, a in pairs]
                    if bid:
                        f_terms.append(rf"{self.steps_by_id[bid].latex} \cdot 1")
                        s_terms.append(rf"{self.num(bid)} \cdot 1")
                    deps = [d for pr in pairs for d in pr] + ([bid] if bid else [])
                    self.add(f"net.s{s}.l{l}.u{j}", N.net(l, j, s), " + ".join(f_terms), " + ".join(s_terms),
                             p.fwd.nets[l - 1][s - 1, j - 1], deps, "forward", "affine",
                             {"pairs": [list(x) for x in pairs], "bias": bid}, s=s, l=l)
                for j in range(1, layer.units + 1):
                    self.out_step(s, l, j)

    def out_step(self, s, l, j):
        layer, N = self.spec.layers[l - 1], self.N
        act = ACTIVATIONS[layer.activation]
        alpha = fmt(layer.alpha, 6)
        net_id = f"net.s{s}.l{l}.u{j}"
        if layer.activation == "softmax":
            ids = [f"net.s{s}.l{l}.u{k}" for k in range(1, layer.units + 1)]
            den_f = " + ".join(rf"e^{{{N.net(l, k, s)[1]}}}" for k in range(1, layer.units + 1))
            den_s = " + ".join(rf"e^{{{self.num(i)}}}" for i in ids)
            self.add(f"out.s{s}.l{l}.u{j}", N.out(l, j, s), rf"\frac{{e^{{{N.net(l, j, s)[1]}}}}}{{{den_f}}}",
                     rf"\frac{{e^{{{self.num(net_id)}}}}}{{{den_s}}}", self.p.fwd.outs[l - 1][s - 1, j - 1], ids,
                     "forward", "act", {"activation": "softmax", "nets": ids, "index": j - 1}, s=s, l=l)
            return
        self.add(f"out.s{s}.l{l}.u{j}", N.out(l, j, s), act.tex_f(N.net(l, j, s)[1], alpha),
                 act.tex_f(self.num(net_id), alpha), self.p.fwd.outs[l - 1][s - 1, j - 1], [net_id], "forward",
                 "act", {"activation": layer.activation, "alpha": layer.alpha, "net": net_id}, s=s, l=l)

    def loss(self):
        spec, N, p = self.spec, self.N, self.p
        L, m = self.L, spec.targets.shape[1]
        loss = LOSSES[spec.loss]
        lg = spec.log_base
        per_sample = []
        for s in range(1, self.n + 1):
            ids = []
            for k in range(1, m + 1):
                t_id, o_id = f"t.s{s}.u{k}", f"out.s{s}.l{L}.u{k}"
                sid = f"err.s{s}.u{k}"
                self.add(sid, N.err(k, s), loss.tex_term(N.t(k, s)[1], N.out(L, k, s)[1], m, lg),
                         loss.tex_term(self.num(t_id), self.num(o_id), m, lg), p.fwd.terms[s - 1, k - 1],
                         [t_id, o_id], "loss", "err",
                         {"loss": spec.loss, "t": t_id, "o": o_id, "m": m, "log_base": lg,
                          "net": f"net.s{s}.l{L}.u{k}", "activation": spec.layers[-1].activation}, s=s)
                ids.append(sid)
            if self.n == 1:
                per_sample = ids
                break
            self.add(f"loss.s{s}", N.loss_s(s), " + ".join(N.err(k, s)[1] for k in range(1, m + 1)),
                     " + ".join(self.num(i) for i in ids), p.fwd.sample_loss[s - 1], ids, "loss", "sum", s=s)
            per_sample.append(f"loss.s{s}")
        self._total("loss", N.loss(), per_sample, p.loss)

    def _total(self, sid, sym, ids, value):
        mean = self.spec.reduction == "mean" and self.n > 1
        terms_f = " + ".join(self.steps_by_id[i].latex for i in ids)
        terms_s = " + ".join(self.num(i) for i in ids)
        if mean:
            self.add(sid, sym, rf"\frac{{1}}{{{self.n}}} ({terms_f})", rf"\frac{{1}}{{{self.n}}} ({terms_s})", value,
                     ids, "loss", "mean")
        else:
            self.add(sid, sym, terms_f, terms_s, value, ids, "loss", "sum")

    def loss_summary(self):
        self.add("loss", self.N.loss(), "", "", self.p.loss, [], "loss", "given")
        self.add("loss_after", self.N.loss_after(), "", "", self.p.loss_after, [], "loss", "given")

    def loss_after(self):
        self.add("loss_after", self.N.loss_after(), r"E(W^{+}, b^{+})", "", self.p.loss_after,
                 [s.id for s in self.steps if s.kind == "update"], "loss", "recompute",
                 note="the loss recomputed with the updated parameters")

    # ---- matrix view ---------------------------------------------------------------------------------
    def matrices(self):
        self.steps.extend(matrix_steps(self))
