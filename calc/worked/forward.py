"""The scalar steps of the worked solution, built from calc.engine.numeric's arrays: the plumbing, the given values,
the forward pass and the loss (Builder), with the backward pass and updates from calc.worked.backward.

Each step is added once, in order, with the ids of the steps it depends on (calc.worked.ids). Nothing is printed
here: a dependency's number is a marker (template.val), a symbol is a marker of the deferred notation
(template.Deferred), and the view fills both in when the step is printed (calc.worked.template.Renderer) --
a given value as written (0.15 stays 0.15), any other to the view's digits.
"""
from __future__ import annotations

import numpy as np

from calc.worked import ids
from calc.maths.functions import ACTIVATIONS
from calc.maths.functions import LOSSES
from calc.worked.matrix import matrix_steps
from calc.engine.numeric import Pass
from calc.problem.spec import Spec
from calc.worked.steps import RawStep, fmt
from calc.worked.template import Deferred, own, val
from calc.worked.backward import BackwardSteps


class Builder(BackwardSteps):
    """Steps in order: given, forward, loss, backward and updates (BackwardSteps), loss after, matrices."""

    def __init__(self, spec: Spec, p: Pass, scalar: bool = True):
        self.spec, self.p, self.scalar = spec, p, scalar
        self.N = Deferred()
        self.steps: list[RawStep] = []
        self.steps_by_id: dict[str, RawStep] = {}
        self.vals: dict[str, object] = {}
        self.n = spec.n_samples
        self.L = len(spec.layers)

    # ---- plumbing ------------------------------------------------------------------------------
    def add(self, sid, sym, formula_rhs, subst_rhs, value, deps, kind, op, args=None, note="", s=None, l=None,
            text=None):
        """One step: sym = (label, LaTeX) of the deferred notation, the general formula's and the numbers'
        right-hand sides as templates (the step's own value is appended when printed)."""
        label, tex = sym
        value = None if value is None else (float(value) if np.ndim(value) == 0 else value)
        if isinstance(value, float) and not np.isfinite(value):
            value, note = None, note or "saturated"
        st = RawStep(sid, kind, op, value, list(deps), label, tex, formula_rhs, subst_rhs, own(sid), args or {},
                     note, s, l, text)
        self.steps.append(st)
        self.steps_by_id[sid] = st
        self.vals[sid] = value
        return st

    def num(self, sid: str) -> str:
        """A dependency's value inside a substituted formula (a marker the view prints)."""
        return val(sid)

    def sym(self, sid: str) -> str:
        """The LaTeX symbol of an earlier step (a template)."""
        return self.steps_by_id[sid].latex

    # ---- the solution ----------------------------------------------------------------------------
    def build(self) -> list[RawStep]:
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
                self._given(ids.x(s, j), N.x(j, s), spec.inputs[s - 1, j - 1])
            for k in range(1, spec.targets.shape[1] + 1):
                self._given(ids.t(s, k), N.t(k, s), spec.targets[s - 1, k - 1])
        for l, layer in enumerate(spec.layers, start=1):
            for j in range(1, layer.units + 1):
                for i in range(1, layer.weights.shape[0] + 1):
                    self._given(ids.w(l, i, j), N.w(l, i, j), layer.weights[i - 1, j - 1])
            if layer.bias_mode == "shared":
                self._given(ids.b(l), N.b(l, None), layer.biases[0])
            elif layer.bias_mode == "unit":
                for j in range(1, layer.units + 1):
                    self._given(ids.b(l, j), N.b(l, j), layer.biases[j - 1])
        self._given(ids.ETA, N.eta(), spec.learning_rate)
        if spec.l2 is not None:
            self._given(ids.LAMBDA, N.lam(), spec.l2[0])

    def _given(self, sid, sym, value):
        self.add(sid, sym, "", "", float(value), [], "given", "given", text=self.spec.text(sid, value))

    def bias_id(self, l: int, j: int) -> str | None:
        return ids.bias(self.spec.layers[l - 1].bias_mode, l, j)

    def a_id(self, s: int, l: int, i: int) -> str:
        """Output i of layer l (layer 0 = the inputs)."""
        return ids.a(s, l, i)

    def forward(self):
        spec, N, p = self.spec, self.N, self.p
        for s in range(1, self.n + 1):
            for l, layer in enumerate(spec.layers, start=1):
                n_in = layer.weights.shape[0]
                for j in range(1, layer.units + 1):
                    pairs = [(ids.w(l, i, j), self.a_id(s, l - 1, i)) for i in range(1, n_in + 1)]
                    bid = self.bias_id(l, j)
                    f_terms = [f"{N.w(l, i, j)[1]} {N.out(l - 1, i, s)[1]}" for i in range(1, n_in + 1)]
                    s_terms = [rf"{self.num(w)} \cdot {self.num(a)}" for w, a in pairs]
                    if bid:
                        f_terms.append(rf"{self.sym(bid)} \cdot 1")
                        s_terms.append(rf"{self.num(bid)} \cdot 1")
                    deps = [d for pr in pairs for d in pr] + ([bid] if bid else [])
                    self.add(ids.net(s, l, j), N.net(l, j, s), " + ".join(f_terms), " + ".join(s_terms),
                             p.fwd.nets[l - 1][s - 1, j - 1], deps, "forward", "affine",
                             {"pairs": [list(x) for x in pairs], "bias": bid}, s=s, l=l)
                for j in range(1, layer.units + 1):
                    self.out_step(s, l, j)

    def out_step(self, s, l, j):
        layer, N = self.spec.layers[l - 1], self.N
        act = ACTIVATIONS[layer.activation]
        alpha = fmt(layer.alpha, 6)
        net_id = ids.net(s, l, j)
        if layer.activation == "softmax":
            nets = [ids.net(s, l, k) for k in range(1, layer.units + 1)]
            den_f = " + ".join(rf"e^{{{N.net(l, k, s)[1]}}}" for k in range(1, layer.units + 1))
            den_s = " + ".join(rf"e^{{{self.num(i)}}}" for i in nets)
            self.add(ids.out(s, l, j), N.out(l, j, s), rf"\frac{{e^{{{N.net(l, j, s)[1]}}}}}{{{den_f}}}",
                     rf"\frac{{e^{{{self.num(net_id)}}}}}{{{den_s}}}", self.p.fwd.outs[l - 1][s - 1, j - 1], nets,
                     "forward", "act", {"activation": "softmax", "nets": nets, "index": j - 1}, s=s, l=l)
            return
        self.add(ids.out(s, l, j), N.out(l, j, s), act.tex_f(N.net(l, j, s)[1], alpha),
                 act.tex_f(self.num(net_id), alpha), self.p.fwd.outs[l - 1][s - 1, j - 1], [net_id], "forward",
                 "act", {"activation": layer.activation, "alpha": layer.alpha, "net": net_id}, s=s, l=l)

    def loss(self):
        spec, N, p = self.spec, self.N, self.p
        L, m = self.L, spec.targets.shape[1]
        loss = LOSSES[spec.loss]
        lg = spec.log_base
        per_sample = []
        for s in range(1, self.n + 1):
            errs = []
            for k in range(1, m + 1):
                t_id, o_id = ids.t(s, k), ids.out(s, L, k)
                sid = ids.err(s, k)
                self.add(sid, N.err(k, s), loss.tex_term(N.t(k, s)[1], N.out(L, k, s)[1], m, lg),
                         loss.tex_term(self.num(t_id), self.num(o_id), m, lg), p.fwd.terms[s - 1, k - 1],
                         [t_id, o_id], "loss", "err",
                         {"loss": spec.loss, "t": t_id, "o": o_id, "m": m, "log_base": lg,
                          "net": ids.net(s, L, k), "activation": spec.layers[-1].activation}, s=s)
                errs.append(sid)
            if self.n == 1:
                per_sample = errs
                break
            self.add(ids.loss(s), N.loss_s(s), " + ".join(N.err(k, s)[1] for k in range(1, m + 1)),
                     " + ".join(self.num(i) for i in errs), p.fwd.sample_loss[s - 1], errs, "loss", "sum", s=s)
            per_sample.append(ids.loss(s))
        self._total(ids.LOSS, N.loss(), per_sample, p.loss)

    def _total(self, sid, sym, terms, value):
        mean = self.spec.reduction == "mean" and self.n > 1
        terms_f = " + ".join(self.sym(i) for i in terms)
        terms_s = " + ".join(self.num(i) for i in terms)
        pen = self.penalty_step() if self.spec.l2 is not None else None
        if mean:
            f, s = rf"\frac{{1}}{{{self.n}}} ({terms_f})", rf"\frac{{1}}{{{self.n}}} ({terms_s})"
            if pen:
                f, s = f + " + " + self.sym(pen), s + " + " + self.num(pen)
            self.add(sid, sym, f, s, value, terms + ([pen] if pen else []), "loss", "meanadd" if pen else "mean")
        else:
            if pen:
                terms_f, terms_s = terms_f + " + " + self.sym(pen), terms_s + " + " + self.num(pen)
            self.add(sid, sym, terms_f, terms_s, value, terms + ([pen] if pen else []), "loss", "sum")

    def penalty_step(self) -> str:
        """E_L2 = lambda/2 sum w^2 (or lambda sum w^2), over the weights (and the biases when asked)."""
        spec = self.spec
        params = [ids.w(l, i, j) for l, layer in enumerate(spec.layers, start=1)
                  for j in range(1, layer.units + 1) for i in range(1, layer.weights.shape[0] + 1)]
        if spec.l2[2]:
            params += [b for l, layer in enumerate(spec.layers, start=1)
                       for b in ([ids.b(l)] if layer.bias_mode == "shared" else
                                 [ids.b(l, j) for j in range(1, layer.units + 1)] if layer.bias_mode == "unit"
                                 else [])]
        half = spec.l2[1]
        coef_f = r"\frac{\lambda}{2}" if half else r"\lambda"
        coef_s = rf"\frac{{{self.num(ids.LAMBDA)}}}{{2}}" if half else self.num(ids.LAMBDA)
        shown = params if len(params) <= 12 else params[:4]
        dots = "" if len(params) <= 12 else r" + \dots"
        f = coef_f + r" \left(" + " + ".join(f"{self.sym(p)}^{{2}}" for p in shown) + dots + r"\right)"
        s = coef_s + r" \left(" + " + ".join(f"{self.num(p)}^{{2}}" for p in shown) + dots + r"\right)"
        from calc.engine.numeric import penalty
        value = penalty(spec, [layer.weights for layer in spec.layers], [layer.biases for layer in spec.layers])
        self.add("l2", self.N.penalty(), f, s, value, [ids.LAMBDA] + params, "loss", "penalty", {"half": half})
        return "l2"

    def loss_summary(self):
        self.add(ids.LOSS, self.N.loss(), "", "", self.p.loss, [], "loss", "given")
        self.add(ids.LOSS_AFTER, self.N.loss_after(), "", "", self.p.loss_after, [], "loss", "given")

    def loss_after(self):
        self.add(ids.LOSS_AFTER, self.N.loss_after(), r"E(W^{+}, b^{+})", "", self.p.loss_after,
                 [s.id for s in self.steps if s.kind == "update"], "loss", "recompute",
                 note="the loss recomputed with the updated parameters")

    # ---- matrix view ---------------------------------------------------------------------------------
    def matrices(self):
        self.steps.extend(matrix_steps(self))
