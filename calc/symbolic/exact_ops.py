"""The ops of calc.worked.solve's step DAG, one definition each, over three arithmetics (see calc.symbolic.exact).

    Frac   fractions.Fraction: exact while every op is rational; exp/log/atan/tanh raise Irrational
    Sym    SymPy: exact closed forms (1/(1 + e^{-151/400}))
    MP     an mpmath context at a chosen precision
Replay.op(step) = the step's value from its dependencies' values (Replay.v), e.g. affine: sum w a + b;
dact (sigmoid): out (1 - out), with 1 - out taken from the net (1/(1 + e^net)) so nothing cancels.
Kinks follow PyTorch: the branch is `pos` = (net > 0), decided exactly by the caller.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import sympy


class Irrational(Exception):
    """A Fraction replay reached exp/log/atan/tanh."""


class Frac:
    one = Fraction(1)

    def num(self, q):
        return q

    def exp(self, x):
        if x == 0:
            return Fraction(1)
        raise Irrational

    log = atan = tanh = exp

    def ln10(self, _=None):
        raise Irrational


class Sym:
    one = sympy.Integer(1)

    def num(self, q):
        return q if isinstance(q, sympy.Basic) else sympy.Rational(q.numerator, q.denominator)

    exp, log, atan, tanh = sympy.exp, sympy.log, sympy.atan, sympy.tanh

    def ln10(self, _=None):
        return sympy.log(10)


class MP:
    def __init__(self, dps: int):
        self.c = mpmath.MPContext()
        self.c.dps = dps
        self.one = self.c.mpf(1)

    def num(self, q):
        if isinstance(q, Fraction):
            return self.c.mpf(q.numerator) / q.denominator
        return self.c.mpf(str(sympy.N(q, self.c.dps + 5)))  # an irrational given (sqrt(2), e^-2)

    def exp(self, x):
        return self.c.exp(x)

    def log(self, x):
        return self.c.log(x)

    def atan(self, x):
        return self.c.atan(x)

    def tanh(self, x):
        return self.c.tanh(x)

    def ln10(self, _=None):
        return self.c.log(10)


def _act(name: str, z, alpha, pos: bool, B):
    """out = f(net); `pos` is the exact sign test net > 0 (PyTorch's kink conventions)."""
    if name == "identity":
        return z
    if name == "sigmoid":
        return B.one / (B.one + B.exp(-z))
    if name == "tanh":
        return B.tanh(z)
    if name == "relu":
        return z if pos else 0 * z
    if name == "leaky_relu":
        return z if pos else alpha * z
    if name == "elu":
        return z if pos else alpha * (B.exp(z) - 1)
    if name == "softplus":
        return B.log(B.one + B.exp(z))
    if name == "arctan":
        return B.atan(z)
    raise ValueError(f"no exact form for activation {name}")


def _dact(name: str, z, o, c, alpha, pos: bool, B):
    """dout/dnet = f'(net, out); c = 1 - out."""
    if name in ("sigmoid", "softmax"):
        return o * c
    if name == "tanh":
        return B.one - o * o
    if name == "identity":
        return B.one
    if name == "relu":
        return B.one if pos else 0 * B.one
    if name == "leaky_relu":
        return B.one if pos else alpha * B.one
    if name == "elu":
        return B.one if pos else alpha * B.exp(z)
    if name == "softplus":
        return B.one / (B.one + B.exp(-z))
    if name == "arctan":
        return B.one / (B.one + z * z)
    raise ValueError(f"no exact derivative for activation {name}")


class Replay:
    """The steps of one Solution evaluated in one arithmetic (B) over ids; v[id] holds each value."""

    def __init__(self, sol, B, leaves: dict[str, Any], alphas: dict[int, Fraction], signs: dict[str, bool]):
        self.sol, self.B, self.v, self.signs = sol, B, {}, signs
        self.alphas = {l: B.num(a) for l, a in alphas.items()}
        self.comp: dict[str, Any] = {}          # out id -> 1 - out, from the nets
        self.leaves = leaves
        self.log10 = sol.spec.log_base == "10" and sol.spec.loss in ("bce", "cce")

    @property
    def lf(self):
        """1/ln 10 for bce/cce in log base 10, else 1."""
        return self.B.one / self.B.ln10() if self.log10 else self.B.one

    def one_minus(self, o_id: str):
        return self.comp.get(o_id, self.B.one - self.v[o_id])

    def op(self, st) -> Any:
        B, v, a = self.B, self.v, st.args
        op = st.op
        if op == "given":
            return B.num(self.leaves[st.id])
        if op == "affine":
            total = sum((v[w] * v[x] for w, x in a["pairs"]), 0 * B.one)
            return total + v[a["bias"]] if a.get("bias") else total
        if op == "act":
            name = a["activation"]
            if name == "softmax":
                es = [B.exp(v[n]) for n in a["nets"]]
                den = sum(es[1:], es[0])
                k = a["index"]
                self.comp[st.id] = sum((e for i, e in enumerate(es) if i != k), 0 * B.one) / den
                return es[k] / den
            z = v[a["net"]]
            if name == "sigmoid":
                self.comp[st.id] = B.one / (B.one + B.exp(z))
            return _act(name, z, self.alphas.get(st.layer, 0), self.signs.get(a["net"], False), B)
        if op == "err":
            return self.err(a)
        if op == "sum":
            return sum((v[d] for d in st.depends_on), 0 * B.one)
        if op == "mean":
            return sum((v[d] for d in st.depends_on), 0 * B.one) / len(st.depends_on)
        if op == "dloss":
            return self.dloss(a) / a.get("scale", 1)
        if op == "dact":
            name = a["activation"]
            return _dact(name, v[a["net"]], v[a["out"]], self.one_minus(a["out"]), self.alphas.get(st.layer, 0),
                         self.signs.get(a["net"], False), B)
        if op == "jac":
            if a["same"]:
                return v[a["k"]] * self.one_minus(a["k"])
            return -v[a["k"]] * v[a["j"]]
        if op == "mul":
            out = v[st.depends_on[0]]
            for d in st.depends_on[1:]:
                out = out * v[d]
            return out
        if op == "sumprod":
            d = st.depends_on
            return sum((v[d[i]] * v[d[i + 1]] for i in range(0, len(d), 2)), 0 * B.one)
        if op == "fused":
            return self.fused(a)
        if op == "update":
            return v[a["w"]] - v[a["eta"]] * v[a["g"]]
        if op == "copy":
            return v[a["src"]]
        if op == "recompute":
            return self.loss_after()
        raise ValueError(f"step {st.id}: no exact replay for op {op!r}")

    def _t(self, t_id: str) -> Fraction | None:
        q = self.leaves.get(t_id)
        return q if isinstance(q, Fraction) else None

    def err(self, a):
        """e_k of one output: the loss term (bce/cce logs from the nets for sigmoid outputs)."""
        B, v = self.B, self.v
        t, o, tq = v[a["t"]], v[a["o"]], self._t(a["t"])
        name = a["loss"]
        if name == "half_sse":
            return (t - o) ** 2 / 2
        if name == "sse":
            return (t - o) ** 2
        if name == "mse":
            return (t - o) ** 2 / a["m"]
        log_o, log_c = self.logs(a)
        if name == "cce":
            return 0 * B.one if tq == 0 else -t * log_o() * self.lf
        first = 0 * B.one if tq == 0 else t * log_o()
        second = 0 * B.one if tq == 1 else (B.one - t) * log_c()
        return -(first + second) * self.lf

    def logs(self, a):
        """(ln o, ln(1 - o)) as thunks; from the net for a sigmoid output, as ln(1 - o) = ln(comp) otherwise."""
        B, v, o_id = self.B, self.v, a["o"]
        if a.get("activation") == "sigmoid" and isinstance(B, MP):
            z = v[a["net"]]
            return (lambda: -B.log(B.one + B.exp(-z))), (lambda: -B.log(B.one + B.exp(z)))
        return (lambda: B.log(v[o_id])), (lambda: B.log(self.one_minus(o_id)))

    def dloss(self, a):
        B, v = self.B, self.v
        t, o, name = v[a["t"]], v[a["o"]], a["loss"]
        if name == "half_sse":
            return -(t - o)
        if name == "sse":
            return -2 * (t - o)
        if name == "mse":
            return -2 * (t - o) / a["m"]
        if name == "bce":
            return (o - t) / (o * self.one_minus(a["o"])) * self.lf
        if name == "cce":
            return 0 * B.one if self._t(a["t"]) == 0 else -t / o * self.lf
        raise ValueError(f"no exact derivative for loss {name}")

    def fused(self, a):
        v, kind = self.v, a["kind"]
        o, t = v[a["o"]], v[a["t"]]
        if kind == "sigmoid_bce":
            d = o - t
        elif kind == "softmax_cce":
            d = o * sum((v[x] for x in a["targets"]), 0 * self.B.one) - t
        else:
            d = -t * self.one_minus(a["o"])
        return d * self.lf / a.get("scale", 1)

    def loss_after(self):
        """E with the updated parameters: the forward pass and loss again, in this arithmetic."""
        spec, B, v = self.sol.spec, self.B, self.v
        n, m = spec.n_samples, spec.targets.shape[1]
        totals = []
        for s in range(1, n + 1):
            a_prev = [v[f"x.s{s}.u{i}"] for i in range(1, spec.inputs.shape[1] + 1)]
            for l, layer in enumerate(spec.layers, start=1):
                nets = []
                for j in range(1, layer.units + 1):
                    z = sum((v[f"nw.l{l}.i{i}.u{j}"] * a_prev[i - 1] for i in range(1, len(a_prev) + 1)), 0 * B.one)
                    if layer.bias_mode == "unit":
                        z = z + v[f"nb.l{l}.u{j}"]
                    elif layer.bias_mode == "shared":
                        z = z + v[f"nb.l{l}"]
                    nets.append(z)
                if layer.activation == "softmax":
                    es = [B.exp(z) for z in nets]
                    den = sum(es[1:], es[0])
                    outs = [e / den for e in es]
                else:
                    outs = [_act(layer.activation, z, self.alphas.get(l, 0), _positive(z), B) for z in nets]
                a_prev = outs
            terms = []
            for k in range(1, m + 1):
                t_id = f"t.s{s}.u{k}"
                tmp = dict(t=t_id, o=f"__o{k}", m=m, loss=spec.loss)
                v[f"__o{k}"] = a_prev[k - 1]
                terms.append(self.err(tmp))
            totals.append(sum(terms[1:], terms[0]))
        for k in range(1, m + 1):
            v.pop(f"__o{k}", None)
        total = sum(totals[1:], totals[0])
        return total / n if spec.reduction == "mean" and n > 1 else total


def _positive(z) -> bool:
    """net > 0 for a Fraction, an mpf, or a SymPy number (decided numerically at high precision)."""
    if isinstance(z, sympy.Basic):
        return bool(z.evalf(30) > 0)
    return bool(z > 0)
