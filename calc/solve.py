"""Spec -> the worked solution: calc.numeric's arrays turned into ordered Steps (scalar view, then matrices).

Order (as in Mazur's post): given values; forward (each net as its sum of products, each out); the loss
(each output's error term, per-sample losses, the reduced total); backward from the output layer
(dE/dout, dout/dnet, delta; each weight's dnet/dw, dE/dw and w+; each bias), then each hidden layer
(dE/dout as a sum with one term per unit of the next layer); the loss after the update; the matrix view.
Ops (how a step's value follows from its depends_on, replayed exactly by calc.symbolic):
    given, affine, act, err, sum, mean, dloss, dact, jac, mul, sumprod, fused, update, copy, matrix
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calc import notation as nt
from calc.activations import ACTIVATIONS
from calc.losses import LOSSES
from calc.numeric import Pass, run
from calc.spec import Problem, Spec
from calc.steps import Step, fmt, json_safe, paren

STEP_CAPS = {"layers": 6, "units": 16, "samples": 32, "steps": 30_000}


def estimated_steps(spec: Spec) -> int:
    """About how many scalar steps the worked solution has (per sample: nets, outs, factors, products)."""
    sizes = spec.sizes
    per_sample = sum(3 * a * b + 8 * b + (b * b if layer.activation == "softmax" else 0)
                     for a, b, layer in zip(sizes, sizes[1:], spec.layers))
    return spec.n_samples * per_sample


@dataclass
class Solution:
    spec: Spec
    run: Pass
    steps: list[Step]
    notation: nt.Notation
    digits: int
    warnings: list[Problem] = field(default_factory=list)
    summarised: bool = False

    def step(self, step_id: str) -> Step:
        return self.index[step_id]

    @property
    def index(self) -> dict[str, Step]:
        if not hasattr(self, "_index"):
            self._index = {s.id: s for s in self.steps}
        return self._index

    def by_label(self) -> dict[str, Step]:
        return {s.label: s for s in self.steps}

    def to_dict(self) -> dict:
        """The result contract of `python -m calc solve --format json`."""
        p, spec = self.run, self.spec
        layers = []
        for k, layer in enumerate(spec.layers):
            gb = p.grad_b[k]
            layers.append({
                "net": json_safe(p.fwd.nets[k]), "out": json_safe(p.fwd.outs[k]), "delta": json_safe(p.deltas[k]),
                "grad_weights": json_safe(p.grad_w[k]),
                "grad_biases": None if gb is None else (json_safe(gb[0]) if layer.bias_mode == "shared"
                                                        else json_safe(gb)),
                "new_weights": json_safe(p.new_w[k]),
                "new_biases": None if p.new_b[k] is None else (json_safe(p.new_b[k][0]) if layer.bias_mode == "shared"
                                                               else json_safe(p.new_b[k])),
            })
        return {"loss": json_safe(p.loss), "loss_after": json_safe(p.loss_after), "layers": layers,
                "steps": [s.as_dict() for s in self.steps],
                "warnings": [w.as_dict() for w in self.warnings]}


def over_caps(spec: Spec) -> list[str]:
    over = []
    if len(spec.layers) > STEP_CAPS["layers"]:
        over.append(f"{len(spec.layers)} layers (step view: {STEP_CAPS['layers']})")
    if max(spec.sizes) > STEP_CAPS["units"]:
        over.append(f"{max(spec.sizes)} units in a layer (step view: {STEP_CAPS['units']})")
    if spec.n_samples > STEP_CAPS["samples"]:
        over.append(f"{spec.n_samples} samples (step view: {STEP_CAPS['samples']})")
    if not over and estimated_steps(spec) > STEP_CAPS["steps"]:
        over.append(f"about {estimated_steps(spec):,} scalar steps (step view: {STEP_CAPS['steps']:,})")
    return over


def solve(spec: Spec, notation: str | None = None, digits: int = 9, hook=None, variant=None) -> Solution:
    """One forward and backward pass with every step; raises SpecError if the numbers overflow.

    `variant` (calc.numeric.Variant): a slip's switches, for the checker; None = the correct method."""
    p = run(spec, hook=hook, variant=variant)
    names = nt.make(spec, notation)
    warnings = list(spec.warnings) + saturation_warnings(spec, p)
    over = over_caps(spec)
    if over:
        warnings.append(Problem("steps", "summarised to the matrix view: " + ", ".join(over)))
    b = _Builder(spec, p, names, digits, scalar=not over)
    steps = b.build()
    return Solution(spec, p, steps, names, digits, warnings, summarised=bool(over))


def saturation_warnings(spec: Spec, p: Pass) -> list[Problem]:
    out = []
    for k, layer in enumerate(spec.layers):
        z, o = p.fwd.nets[k], p.fwd.outs[k]
        act = ACTIVATIONS[layer.activation]
        if act.saturates:
            flat = act.df(z, o, layer.alpha) < 1e-6
            for s, j in np.argwhere(flat)[:3]:
                out.append(Problem(f"layers[{k}]", f"unit {j} (sample {s}) is saturated: net = {z[s, j]:.6g}, "
                                                   f"{layer.activation}' = {act.df(z, o, layer.alpha)[s, j]:.3g}; "
                                                   "its gradients vanish"))
        if k == len(spec.layers) - 1 and layer.activation in ("sigmoid", "softmax") and np.any((o == 0) | (o == 1)):
            out.append(Problem(f"layers[{k}]", "an output probability is exactly 0 or 1 in float64 (saturated): "
                                               "dE/dout is unbounded there; the fused delta is used"))
    return out


class _Builder:
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
            return _bmatrix(v, self.digits)
        return fmt(v, self.digits)

    def num(self, sid: str) -> str:
        """A dependency's value as shown inside a substituted formula."""
        st = self.steps_by_id[sid]
        if st.kind == "given":
            return paren(st.substituted)
        return paren(self.show_value(st.value))

    @staticmethod
    def S(s: int, l: int) -> str:
        return f"s{s}.l{l}"

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

    # ---- backward ------------------------------------------------------------------------------
    def backward_layer(self, l: int):
        spec, p = self.spec, self.p
        layer = spec.layers[l - 1]
        units = layer.units
        soft = layer.activation == "softmax"
        out_layer = l == self.L
        for s in range(1, self.n + 1):
            for j in range(1, units + 1):
                if out_layer:
                    self.dloss_step(s, j)
                else:
                    self.hidden_sum(s, l, j)
            for j in range(1, units + 1):
                if soft:
                    for k in range(1, units + 1):
                        self.jac_step(s, l, k, j)
                else:
                    self.dact_step(s, l, j)
            for j in range(1, units + 1):
                self.delta_step(s, l, j, fused=out_layer and p.fused)
        three = not soft and not (out_layer and p.fused)
        n_in = layer.weights.shape[0]
        for j in range(1, units + 1):
            for i in range(1, n_in + 1):
                self.weight_steps(l, i, j, three)
        self.bias_steps(l)

    def dloss_step(self, s, k):
        spec, N, L = self.spec, self.N, self.L
        m = spec.targets.shape[1]
        t_id, o_id = f"t.s{s}.u{k}", f"out.s{s}.l{L}.u{k}"
        loss = LOSSES[spec.loss]
        scale = self.n if spec.reduction == "mean" and self.n > 1 else 1
        pre = rf"\frac{{1}}{{{scale}}} \cdot " if scale > 1 else ""
        self.add(f"dout.s{s}.l{L}.u{k}", N.dE_dout(L, k, s),
                 pre + loss.tex_dout(N.t(k, s)[1], N.out(L, k, s)[1], m, spec.log_base),
                 pre + loss.tex_dout(self.num(t_id), self.num(o_id), m, spec.log_base),
                 self.p.dE_dout[L - 1][s - 1, k - 1], [t_id, o_id], "backward", "dloss",
                 {"loss": spec.loss, "t": t_id, "o": o_id, "m": m, "log_base": spec.log_base, "scale": scale},
                 s=s, l=L)

    def hidden_sum(self, s, l, i):
        """dE/dout_i = sum_j delta_j w_ij over the units j of layer l+1 (w+ under sequential order)."""
        N, p = self.N, self.p
        nxt = self.spec.layers[l]
        seq = self.spec.update_order == "sequential"
        ids = []
        for j in range(1, nxt.units + 1):
            d_id = f"delta.s{s}.l{l + 1}.u{j}"
            w_id = f"nw.l{l + 1}.i{i}.u{j}" if seq else f"w.l{l + 1}.i{i}.u{j}"
            w_tex = (N.w_new if seq else N.w)(l + 1, i, j)[1]
            sid = f"term.s{s}.l{l}.u{i}.k{j}"
            self.add(sid, N.term(l, i, j, s), f"{N.delta(l + 1, j, s)[1]} \\cdot {w_tex}",
                     rf"{self.num(d_id)} \cdot {self.num(w_id)}",
                     p.deltas[l][s - 1, j - 1] * p.back_weights[l][i - 1, j - 1], [d_id, w_id], "backward", "mul",
                     s=s, l=l)
            ids.append(sid)
        self.add(f"dout.s{s}.l{l}.u{i}", N.dE_dout(l, i, s), " + ".join(self.steps_by_id[x].latex for x in ids),
                 " + ".join(self.num(x) for x in ids), p.dE_dout[l - 1][s - 1, i - 1], ids, "backward", "sum",
                 s=s, l=l)

    def dact_step(self, s, l, j):
        layer, N = self.spec.layers[l - 1], self.N
        act = ACTIVATIONS[layer.activation]
        net_id, out_id = f"net.s{s}.l{l}.u{j}", f"out.s{s}.l{l}.u{j}"
        alpha = fmt(layer.alpha, 6)
        self.add(f"act.s{s}.l{l}.u{j}", N.dout_dnet(l, j, s),
                 act.tex_df(N.net(l, j, s)[1], N.out(l, j, s)[1], alpha),
                 act.tex_df(self.num(net_id), self.num(out_id), alpha),
                 self.p.dout_dnet[l - 1][s - 1, j - 1], [net_id, out_id], "backward", "dact",
                 {"activation": layer.activation, "alpha": layer.alpha, "net": net_id, "out": out_id}, s=s, l=l)

    def jac_step(self, s, l, k, j):
        N = self.N
        ok, oj = f"out.s{s}.l{l}.u{k}", f"out.s{s}.l{l}.u{j}"
        if k == j:
            f, sub = rf"{N.out(l, k, s)[1]} (1 - {N.out(l, k, s)[1]})", rf"{self.num(ok)} (1 - {self.num(ok)})"
        else:
            f, sub = rf"-{N.out(l, k, s)[1]} {N.out(l, j, s)[1]}", rf"-{self.num(ok)} \cdot {self.num(oj)}"
        self.add(f"jac.s{s}.l{l}.k{k}.u{j}", N.jac(l, k, j, s), f, sub, self.p.jacobians[l - 1][s - 1, k - 1, j - 1],
                 [ok, oj] if k != j else [ok], "backward", "jac", {"k": ok, "j": oj, "same": k == j}, s=s, l=l)

    def _chain(self, s, l, j):
        """(formula, substituted, deps, op, value) of dE/dnet_j by the chain rule."""
        layer, N = self.spec.layers[l - 1], self.N
        if layer.activation == "softmax":
            units = range(1, layer.units + 1)
            pairs = [(f"dout.s{s}.l{l}.u{k}", f"jac.s{s}.l{l}.k{k}.u{j}") for k in units]
            f = " + ".join(rf"{N.dE_dout(l, k, s)[1]} {N.jac(l, k, j, s)[1]}" for k in units)
            sub = " + ".join(rf"{self.num(a)} \cdot {self.num(b)}" for a, b in pairs)
            vals = [(self.vals[a], self.vals[b]) for a, b in pairs]
            value = None if any(a is None for a, _ in vals) else sum(a * b for a, b in vals)
            return f, sub, [x for pr in pairs for x in pr], "sumprod", value
        a, b = f"dout.s{s}.l{l}.u{j}", f"act.s{s}.l{l}.u{j}"
        value = None if self.vals[a] is None else self.vals[a] * self.vals[b]
        return (rf"{N.dE_dout(l, j, s)[1]} \cdot {N.dout_dnet(l, j, s)[1]}",
                rf"{self.num(a)} \cdot {self.num(b)}", [a, b], "mul", value)

    def delta_step(self, s, l, j, fused: bool):
        N, p = self.N, self.p
        f, sub, deps, op, chain_value = self._chain(s, l, j)
        sid = f"delta.s{s}.l{l}.u{j}"
        value = p.deltas[l - 1][s - 1, j - 1]
        if not fused:
            self.add(sid, N.delta(l, j, s), f, sub, value, deps, "backward", op, s=s, l=l)
            return
        # the chain-rule form beside the fused closed form
        self.add(f"chain.s{s}.l{l}.u{j}", (N.delta(l, j, s)[0] + " (chain rule)", N.delta(l, j, s)[1]), f, sub,
                 chain_value, deps, "backward", op, note="chain rule; equals the fused form", s=s, l=l)
        spec = self.spec
        act = spec.layers[-1].activation
        t_id, o_id = f"t.s{s}.u{j}", f"out.s{s}.l{l}.u{j}"
        tt, ot = N.t(j, s)[1], N.out(l, j, s)[1]
        scale = self.n if spec.reduction == "mean" and self.n > 1 else 1
        factor = (rf"\frac{{1}}{{{scale}}} " if scale > 1 else "") + (r"\frac{1}{\ln 10} " if spec.log_factor != 1 else "")
        deps2 = [o_id, t_id]
        if act == "softmax":
            m = spec.targets.shape[1]
            t_all = [f"t.s{s}.u{k}" for k in range(1, m + 1)]
            total = float(spec.targets[s - 1].sum())
            if abs(total - 1.0) < 1e-12:
                ff, ss = f"{ot} - {tt}", f"{self.num(o_id)} - {self.num(t_id)}"
            else:
                ff = rf"{ot} \sum_k t_k - {tt}"
                ss = rf"{self.num(o_id)} \cdot {fmt(total, self.digits)} - {self.num(t_id)}"
            deps2 = [o_id] + t_all
            kind = "softmax_cce"
        elif spec.loss == "bce":
            ff, ss, kind = f"{ot} - {tt}", f"{self.num(o_id)} - {self.num(t_id)}", "sigmoid_bce"
        else:
            ff, ss, kind = rf"-{tt} (1 - {ot})", rf"-{self.num(t_id)} (1 - {self.num(o_id)})", "sigmoid_cce"
        wrap = (lambda x: f"{factor}({x})") if factor else (lambda x: x)
        self.add(sid, N.delta(l, j, s), wrap(ff), wrap(ss), value, deps2, "backward", "fused",
                 {"kind": kind, "o": o_id, "t": t_id, "targets": deps2[1:], "scale": scale,
                  "log_base": spec.log_base}, note="fused form", s=s, l=l)

    def weight_steps(self, l, i, j, three: bool):
        N, p, n = self.N, self.p, self.n
        per_sample = []
        for s in range(1, n + 1):
            a_id = self.a_id(s, l - 1, i)
            dn = f"dnet.s{s}.l{l}.i{i}.u{j}"
            self.add(dn, N.dnet_dw(l, i, j, s), N.out(l - 1, i, s)[1], "", self.vals[a_id], [a_id], "backward",
                     "copy", {"src": a_id}, s=s, l=l)
            if three:
                deps = [f"dout.s{s}.l{l}.u{j}", f"act.s{s}.l{l}.u{j}", dn]
                f = rf"{N.dE_dout(l, j, s)[1]} \cdot {N.dout_dnet(l, j, s)[1]} \cdot {N.dnet_dw(l, i, j, s)[1]}"
            else:
                deps = [f"delta.s{s}.l{l}.u{j}", dn]
                f = rf"{N.delta(l, j, s)[1]} \cdot {N.dnet_dw(l, i, j, s)[1]}"
            sub = r" \cdot ".join(self.num(d) for d in deps)
            value = p.deltas[l - 1][s - 1, j - 1] * self.vals[a_id]
            if n == 1:
                value = p.grad_w[l - 1][i - 1, j - 1]
                self.add(f"gw.l{l}.i{i}.u{j}", N.dE_dw(l, i, j), f, sub, value, deps, "backward", "mul", l=l)
            else:
                sid = f"gw.s{s}.l{l}.i{i}.u{j}"
                self.add(sid, N.dE_dw(l, i, j, s), f, sub, value, deps, "backward", "mul", s=s, l=l)
                per_sample.append(sid)
        if n > 1:
            self.add(f"gw.l{l}.i{i}.u{j}", N.dE_dw(l, i, j), " + ".join(self.steps_by_id[x].latex for x in per_sample),
                     " + ".join(self.num(x) for x in per_sample), p.grad_w[l - 1][i - 1, j - 1], per_sample,
                     "backward", "sum", l=l)
        self.update_step(f"nw.l{l}.i{i}.u{j}", N.w_new(l, i, j), f"w.l{l}.i{i}.u{j}", f"gw.l{l}.i{i}.u{j}",
                         p.new_w[l - 1][i - 1, j - 1], l, True)

    def update_step(self, sid, sym, old, grad, value, l, update: bool):
        if not update:
            self.add(sid, sym, self.steps_by_id[old].latex, self.num(old), value, [old], "update", "copy",
                     {"src": old}, note="fixed: update_biases is false", l=l)
            return
        self.add(sid, sym, rf"{self.steps_by_id[old].latex} - \eta \cdot {self.steps_by_id[grad].latex}",
                 rf"{self.num(old)} - {self.num('eta')} \cdot {self.num(grad)}", value, [old, "eta", grad], "update",
                 "update", {"w": old, "eta": "eta", "g": grad}, l=l)

    def bias_steps(self, l):
        layer, N, p = self.spec.layers[l - 1], self.N, self.p
        if layer.bias_mode == "none":
            return
        units = range(1, layer.units + 1)
        samples = range(1, self.n + 1)
        if layer.bias_mode == "unit":
            for j in units:
                ids = [f"delta.s{s}.l{l}.u{j}" for s in samples]
                self.add(f"gb.l{l}.u{j}", N.dE_db(l, j), " + ".join(rf"{self.steps_by_id[x].latex} \cdot 1" for x in ids),
                         " + ".join(rf"{self.num(x)} \cdot 1" for x in ids), p.grad_b[l - 1][j - 1], ids, "backward",
                         "sum", l=l)
                self.update_step(f"nb.l{l}.u{j}", N.b_new(l, j), f"b.l{l}.u{j}", f"gb.l{l}.u{j}", p.new_b[l - 1][j - 1],
                                 l, self.spec.update_biases)
        else:
            ids = [f"delta.s{s}.l{l}.u{j}" for s in samples for j in units]
            self.add(f"gb.l{l}", N.dE_db(l, None), " + ".join(self.steps_by_id[x].latex for x in ids),
                     " + ".join(self.num(x) for x in ids), p.grad_b[l - 1][0], ids, "backward", "sum",
                     note="a shared bias collects every unit's delta", l=l)
            self.update_step(f"nb.l{l}", N.b_new(l, None), f"b.l{l}", f"gb.l{l}", p.new_b[l - 1][0], l,
                             self.spec.update_biases)

    def loss_after(self):
        self.add("loss_after", self.N.loss_after(), r"E(W^{+}, b^{+})", "", self.p.loss_after,
                 [s.id for s in self.steps if s.kind == "update"], "loss", "recompute",
                 note="the loss recomputed with the updated parameters")

    # ---- matrix view ---------------------------------------------------------------------------------
    def matrices(self):
        from calc.matrix import matrix_steps
        for st in matrix_steps(self):
            self.steps.append(st)


def _bmatrix(v, digits: int) -> str:
    rows = v if isinstance(v[0], list) else [v]
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(fmt(x, digits) for x in r) for r in rows) + r" \end{bmatrix}"
