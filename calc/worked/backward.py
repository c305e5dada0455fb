"""The backward half of the worked solution: dE/dout, dout/dnet (or softmax's Jacobian), delta, each weight's
dnet/dw, dE/dw and update, each bias; for a hidden unit dE/dout as a sum with one term per unit of the next layer.

    dE/dw = dE/dout * dout/dnet * dnet/dw        (the three chain-rule factors)
    dE/dout_h = sum_j delta_j w_hj               (w_hj+ under sequential order)
A mixin of calc.worked.forward.Builder: it uses the builder's add / num / sym / vals (templates, nothing printed).
"""
from __future__ import annotations

from calc.maths.functions import ACTIVATIONS
from calc.maths.functions import LOSSES
from calc.worked import ids
from calc.worked.template import const
from calc.worked.steps import fmt


class BackwardSteps:
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
        t_id, o_id = ids.t(s, k), ids.out(s, L, k)
        loss = LOSSES[spec.loss]
        scale = self.n if spec.reduction == "mean" and self.n > 1 else 1
        pre = rf"\frac{{1}}{{{scale}}} \cdot " if scale > 1 else ""
        self.add(ids.dout(s, L, k), N.dE_dout(L, k, s),
                 pre + loss.tex_dout(N.t(k, s)[1], N.out(L, k, s)[1], m, spec.log_base),
                 pre + loss.tex_dout(self.num(t_id), self.num(o_id), m, spec.log_base),
                 self.p.dE_dout[L - 1][s - 1, k - 1], [t_id, o_id], "backward", "dloss",
                 {"loss": spec.loss, "t": t_id, "o": o_id, "m": m, "log_base": spec.log_base, "scale": scale},
                 s=s, l=L)

    def hidden_sum(self, s, l, i):
        """dE/dout_i = sum_j delta_j w_ij over the units j of layer l+1 (w+ under sequential order); each term
        printed as its notation writes it (Mazur: dE_o1/dout_h1 = dE_o1/dnet_o1 * dnet_o1/dout_h1)."""
        N, p = self.N, self.p
        nxt = self.spec.layers[l]
        seq = self.spec.update_order == "sequential"
        terms = []
        for j in range(1, nxt.units + 1):
            d_id = ids.delta(s, l + 1, j)
            w_id = ids.nw(l + 1, i, j) if seq else ids.w(l + 1, i, j)
            sid = ids.term(s, l, i, j)
            self.add(sid, N.term(l, i, j, s), N.term_rhs(l, i, j, s, int(seq))[1],
                     rf"{self.num(d_id)} \cdot {self.num(w_id)}",
                     p.deltas[l][s - 1, j - 1] * p.back_weights[l][i - 1, j - 1], [d_id, w_id], "backward", "mul",
                     s=s, l=l)
            terms.append(sid)
        self.add(ids.dout(s, l, i), N.dE_dout(l, i, s), " + ".join(self.sym(x) for x in terms),
                 " + ".join(self.num(x) for x in terms), p.dE_dout[l - 1][s - 1, i - 1], terms, "backward", "sum",
                 s=s, l=l)

    def dact_step(self, s, l, j):
        layer, N = self.spec.layers[l - 1], self.N
        act = ACTIVATIONS[layer.activation]
        net_id, out_id = ids.net(s, l, j), ids.out(s, l, j)
        alpha = fmt(layer.alpha, 6)
        self.add(ids.act(s, l, j), N.dout_dnet(l, j, s),
                 act.tex_df(N.net(l, j, s)[1], N.out(l, j, s)[1], alpha),
                 act.tex_df(self.num(net_id), self.num(out_id), alpha),
                 self.p.dout_dnet[l - 1][s - 1, j - 1], [net_id, out_id], "backward", "dact",
                 {"activation": layer.activation, "alpha": layer.alpha, "net": net_id, "out": out_id}, s=s, l=l)

    def jac_step(self, s, l, k, j):
        N = self.N
        ok, oj = ids.out(s, l, k), ids.out(s, l, j)
        if k == j:
            f, sub = rf"{N.out(l, k, s)[1]} (1 - {N.out(l, k, s)[1]})", rf"{self.num(ok)} (1 - {self.num(ok)})"
        else:
            f, sub = rf"-{N.out(l, k, s)[1]} {N.out(l, j, s)[1]}", rf"-{self.num(ok)} \cdot {self.num(oj)}"
        self.add(ids.jac(s, l, k, j), N.jac(l, k, j, s), f, sub, self.p.jacobians[l - 1][s - 1, k - 1, j - 1],
                 [ok, oj] if k != j else [ok], "backward", "jac", {"k": ok, "j": oj, "same": k == j}, s=s, l=l)

    def _chain(self, s, l, j):
        """(formula, substituted, deps, op, value) of dE/dnet_j by the chain rule."""
        layer, N = self.spec.layers[l - 1], self.N
        if layer.activation == "softmax":
            units = range(1, layer.units + 1)
            pairs = [(ids.dout(s, l, k), ids.jac(s, l, k, j)) for k in units]
            f = " + ".join(rf"{N.dE_dout(l, k, s)[1]} {N.jac(l, k, j, s)[1]}" for k in units)
            sub = " + ".join(rf"{self.num(a)} \cdot {self.num(b)}" for a, b in pairs)
            vals = [(self.vals[a], self.vals[b]) for a, b in pairs]
            value = None if any(a is None for a, _ in vals) else sum(a * b for a, b in vals)
            return f, sub, [x for pr in pairs for x in pr], "sumprod", value
        a, b = ids.dout(s, l, j), ids.act(s, l, j)
        value = None if self.vals[a] is None else self.vals[a] * self.vals[b]
        return (rf"{N.dE_dout(l, j, s)[1]} \cdot {N.dout_dnet(l, j, s)[1]}",
                rf"{self.num(a)} \cdot {self.num(b)}", [a, b], "mul", value)

    def delta_step(self, s, l, j, fused: bool):
        N, p = self.N, self.p
        f, sub, deps, op, chain_value = self._chain(s, l, j)
        sid = ids.delta(s, l, j)
        value = p.deltas[l - 1][s - 1, j - 1]
        if not fused:
            self.add(sid, N.delta(l, j, s), f, sub, value, deps, "backward", op, s=s, l=l)
            return
        # the chain-rule form beside the fused closed form
        self.add(ids.chain(s, l, j), (N.delta(l, j, s)[0] + " (chain rule)", N.delta(l, j, s)[1]), f, sub,
                 chain_value, deps, "backward", op, note="chain rule; equals the fused form", s=s, l=l)
        spec = self.spec
        act = spec.layers[-1].activation
        t_id, o_id = ids.t(s, j), ids.out(s, l, j)
        tt, ot = N.t(j, s)[1], N.out(l, j, s)[1]
        scale = self.n if spec.reduction == "mean" and self.n > 1 else 1
        factor = (rf"\frac{{1}}{{{scale}}} " if scale > 1 else "") + (r"\frac{1}{\ln 10} " if spec.log_factor != 1 else "")
        deps2 = [o_id, t_id]
        if act == "softmax":
            m = spec.targets.shape[1]
            t_all = [ids.t(s, k) for k in range(1, m + 1)]
            total = float(spec.targets[s - 1].sum())
            if abs(total - 1.0) < 1e-12:
                ff, ss = f"{ot} - {tt}", f"{self.num(o_id)} - {self.num(t_id)}"
            else:                       # the targets' sum with their numbers (as typed), not a rounded total
                ff = rf"{ot} \sum_k t_k - {tt}"
                ss = rf"{self.num(o_id)} \cdot ({' + '.join(self.num(x) for x in t_all)}) - {self.num(t_id)}"
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
            dn = ids.dnet(s, l, i, j)
            self.add(dn, N.dnet_dw(l, i, j, s), N.out(l - 1, i, s)[1], "", self.vals[a_id], [a_id], "backward",
                     "copy", {"src": a_id}, s=s, l=l)
            if three:
                deps = [ids.dout(s, l, j), ids.act(s, l, j), dn]
                f = rf"{N.dE_dout(l, j, s)[1]} \cdot {N.dout_dnet(l, j, s)[1]} \cdot {N.dnet_dw(l, i, j, s)[1]}"
            else:
                deps = [ids.delta(s, l, j), dn]
                f = rf"{N.delta(l, j, s)[1]} \cdot {N.dnet_dw(l, i, j, s)[1]}"
            sub = r" \cdot ".join(self.num(d) for d in deps)
            value = p.deltas[l - 1][s - 1, j - 1] * self.vals[a_id]
            if n == 1:
                value = p.grad_w[l - 1][i - 1, j - 1]
                l2 = self.l2_step(l, i, j, ids.w(l, i, j))
                if l2:                      # the L2 term beside the chain-rule product
                    self.add(ids.gw(l, i, j), N.dE_dw(l, i, j), f"{f} + {self.sym(l2)}", f"{sub} + {self.num(l2)}",
                             value, deps + [l2], "backward", "muladd", l=l)
                else:
                    self.add(ids.gw(l, i, j), N.dE_dw(l, i, j), f, sub, value, deps, "backward", "mul", l=l)
            else:
                sid = ids.gw(l, i, j, s)
                self.add(sid, N.dE_dw(l, i, j, s), f, sub, value, deps, "backward", "mul", s=s, l=l)
                per_sample.append(sid)
        if n > 1:
            l2 = self.l2_step(l, i, j, ids.w(l, i, j))
            terms = per_sample + ([l2] if l2 else [])
            self.add(ids.gw(l, i, j), N.dE_dw(l, i, j), " + ".join(self.sym(x) for x in terms),
                     " + ".join(self.num(x) for x in terms), p.grad_w[l - 1][i - 1, j - 1], terms,
                     "backward", "sum", l=l)
        self.update_step(ids.nw(l, i, j), N.w_new(l, i, j), ids.w(l, i, j), ids.gw(l, i, j),
                         p.new_w[l - 1][i - 1, j - 1], l, True)

    def look(self, sid: str):
        """A step's value read off the pass (for the steps the builder does not compute itself)."""
        if not hasattr(self, "_look"):
            from calc.worked.lookup import Lookup
            self._look = Lookup(self.spec, self.p)
        return self._look.value(sid)

    def l2_step(self, l: int, i: int | None, j: int | None, param: str) -> str | None:
        """The L2 term of dE/dparam: lambda * param (with the 1/2) or 2 lambda * param; None without L2."""
        spec = self.spec
        if spec.l2 is None or (i is None and not spec.l2[2]):
            return None
        sid = ids.l2g(l, i, j)
        half = spec.l2[1]
        f = (r"\lambda" if half else r"2 \lambda") + rf" \cdot {self.sym(param)}"
        s = ("" if half else r"2 \cdot ") + rf"{self.num(ids.LAMBDA)} \cdot {self.num(param)}"
        self.add(sid, self.N.l2g(l, i, j), f, s, self.look(sid), [ids.LAMBDA, param], "backward", "scale",
                 {"factor": 1 if half else 2}, l=l)
        return sid

    def optimizer_steps(self, l: int, i: int | None, j: int | None, old: str, grad: str) -> dict[str, str]:
        """The optimizer's intermediates of one parameter (velocity, or m, v, m-hat, v-hat), as steps."""
        from calc.maths.optimizers import OPTIMIZERS
        spec = self.spec
        opt = OPTIMIZERS[spec.optimizer[0]]
        hp = dict(spec.optimizer[1:])
        t = 1 if spec.opt_state is None else spec.opt_state.t + 1
        made: dict[str, str] = {}
        for name, tex in opt.tex.items():
            sid = ids.opt(name, l, i, j)
            prev = self._prior(name, l, i, j)
            fmt = {"g": self.sym(grad), "p": self.sym(old), "prev": rf"{tex_state(name)}_{{\mathrm{{prev}}}}",
                   **{k: self.sym(v) for k, v in made.items()}}
            sub = {"g": self.num(grad), "p": self.num(old), "prev": const(prev), **{k: self.num(v) for k, v in made.items()}}
            f = _fill(tex, fmt).replace("^{t}", f"^{{{t}}}")
            s = _numbers(_fill(tex, sub), hp, t)
            self.add(sid, getattr(self.N, name)(l, i, j), f, s, self.look(sid), [old, grad, ids.ETA], "backward",
                     "optimizer", {"opt": opt.name, "what": name, "p": old, "g": grad, "t": t, "hp": hp,
                                   "prev": {k: self._prior(k, l, i, j) for k in opt.state}}, l=l)
            made[name] = sid
        return made

    def _prior(self, name: str, l: int, i: int | None, j: int | None) -> float:
        st = self.spec.opt_state
        if st is None or name not in st.w:
            return 0.0
        arr = (st.w if i is not None else st.b)[name][l - 1]
        return 0.0 if arr is None else float(arr[i - 1, j - 1] if i is not None else arr[(j or 1) - 1])

    def update_step(self, sid, sym, old, grad, value, l, update: bool):
        if update and self.spec.optimizer[0] != "sgd":
            from calc.maths.optimizers import OPTIMIZERS
            k, q = ids.parse(old)
            made = self.optimizer_steps(l, q.get("i"), q.get("u"), old, grad)
            opt = OPTIMIZERS[self.spec.optimizer[0]]
            hp = dict(self.spec.optimizer[1:])
            t = 1 if self.spec.opt_state is None else self.spec.opt_state.t + 1
            fmt = {"p": self.sym(old), "g": self.sym(grad), **{n: self.sym(v) for n, v in made.items()}}
            sub = {"p": self.num(old), "g": self.num(grad), **{n: self.num(v) for n, v in made.items()}}
            s = _numbers(_fill(opt.tex_update, sub), hp, t).replace(r"\eta", self.num(ids.ETA))
            self.add(sid, sym, _fill(opt.tex_update, fmt), s, value, [old, grad, ids.ETA] + list(made.values()),
                     "update", "optimizer", {"opt": opt.name, "what": "update", "p": old, "g": grad, "t": t,
                                              "hp": hp, "prev": {n: self._prior(n, l, q.get("i"), q.get("u"))
                                                                 for n in opt.state}}, l=l)
            return
        if not update:
            self.add(sid, sym, self.sym(old), self.num(old), value, [old], "update", "copy",
                     {"src": old}, note="fixed: biases are not updated in this problem", l=l)
            return
        self.add(sid, sym, rf"{self.sym(old)} - \eta \cdot {self.sym(grad)}",
                 rf"{self.num(old)} - {self.num(ids.ETA)} \cdot {self.num(grad)}", value, [old, ids.ETA, grad],
                 "update", "update", {"w": old, "eta": ids.ETA, "g": grad}, l=l)

    def bias_steps(self, l):
        layer, N, p = self.spec.layers[l - 1], self.N, self.p
        if layer.bias_mode == "none":
            return
        units = range(1, layer.units + 1)
        samples = range(1, self.n + 1)
        if layer.bias_mode == "unit":
            for j in units:
                deltas = [ids.delta(s, l, j) for s in samples]
                l2 = self.l2_step(l, None, j, ids.b(l, j))
                tf = [rf"{self.sym(x)} \cdot 1" for x in deltas] + ([self.sym(l2)] if l2 else [])
                ts = [rf"{self.num(x)} \cdot 1" for x in deltas] + ([self.num(l2)] if l2 else [])
                self.add(ids.gb(l, j), N.dE_db(l, j), " + ".join(tf), " + ".join(ts), p.grad_b[l - 1][j - 1],
                         deltas + ([l2] if l2 else []), "backward", "sum", l=l)
                self.update_step(ids.nb(l, j), N.b_new(l, j), ids.b(l, j), ids.gb(l, j), p.new_b[l - 1][j - 1],
                                 l, self.spec.update_biases)
        else:
            deltas = [ids.delta(s, l, j) for s in samples for j in units]
            l2 = self.l2_step(l, None, None, ids.b(l))
            terms = deltas + ([l2] if l2 else [])
            self.add(ids.gb(l), N.dE_db(l, None), " + ".join(self.sym(x) for x in terms),
                     " + ".join(self.num(x) for x in terms), p.grad_b[l - 1][0], terms, "backward", "sum",
                     note="a shared bias collects every unit's delta", l=l)
            self.update_step(ids.nb(l), N.b_new(l, None), ids.b(l), ids.gb(l), p.new_b[l - 1][0], l,
                             self.spec.update_biases)


def tex_state(name: str) -> str:
    return {"vel": r"\mathrm{vel}", "m": "m", "v": "v", "mhat": r"\hat{m}", "vhat": r"\hat{v}"}[name]


def _fill(template: str, parts: dict) -> str:
    """The record's LaTeX with {g}, {p}, {prev} and the intermediates' names filled in (longest names first)."""
    out = template
    for k in sorted(parts, key=len, reverse=True):
        out = out.replace("{" + k + "}", parts[k])
    return out


def _numbers(tex: str, hp: dict, t: int) -> str:
    """The hyperparameters' symbols replaced by their values (the substituted formula)."""
    names = {r"\beta_1": "beta1", r"\beta_2": "beta2", r"\mu": "momentum", r"\alpha": "alpha",
             r"\epsilon": "eps"}
    for sym, key in names.items():
        if key in hp:
            tex = tex.replace(sym, const(hp[key]))
    return tex.replace("^{t}", f"^{{{t}}}")
