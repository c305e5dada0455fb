"""Every activation and loss, each one record written once over an arithmetic (calc.maths.arith).

A record holds f next to f' (as micrograd keeps them), their LaTeX, the kink rule and what the engine must
know about its range. `A` is any arithmetic: float64 NumPy (fast, stable), exact (Fraction, then mpmath),
hand-rounded decimals, SymPy (the formulas) or Code (generated Python). So a new activation is one record
here, and solve, exact values, hand calculation, training, the notebook and every export pick it up.

    sigmoid: f = 1 / (1 + e^-z)           f' = out (1 - out)
    silu:    f = z sigmoid(z)             f' = sigmoid(z) (1 + z (1 - sigmoid(z)))
    half_sse: e_k = (t - o)^2 / 2         dE/do = o - t
Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha (the branch is A.pos(z), z > 0).
Vectors are rows: softmax's f normalises along the last axis; its f' here is the Jacobian diagonal, the
full product is `vjp`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from calc.maths.arith import FLOAT


def _piece(cond_tex: str, a: str, b: str) -> str:
    return rf"\begin{{cases}} {a} & {cond_tex} \\ {b} & \text{{otherwise}} \end{{cases}}"


@dataclass(frozen=True)
class Activation:
    name: str
    F: Callable            # (A, net, alpha) -> out
    DF: Callable           # (A, net, out, alpha) -> dout/dnet (softmax: the Jacobian diagonal)
    tex_f: Callable[[str, str], str]            # (net, alpha) -> LaTeX of f(net)
    tex_df: Callable[[str, str, str], str]      # (net, out, alpha) -> LaTeX of f'
    title: str = ""
    kink: str | None = None         # the convention at a kink, if any (the branch is net > 0)
    saturates: bool = False         # f' -> 0 for large |net| (a warning below 1e-6)
    probability: bool = False       # out stays in (0, 1): bce / cce allowed
    vector: bool = False            # softmax: f of the whole row
    jacobian: bool = True           # vector: the backward pass takes the full Jacobian product (else its diagonal)
    alpha: float | None = None      # the default alpha, for activations that take one
    log_out: Callable | None = None     # (A, net) -> (ln out, ln(1 - out)) from the net, without rounding to 0
    in_net: bool = False            # f' is written in net (not out): the "sigma' at net" slip does not apply

    # float64 shortcuts, the engine's fast path
    def f(self, x: np.ndarray, alpha: float = 0.0) -> np.ndarray:
        return self.F(FLOAT, x, alpha)

    def df(self, x: np.ndarray, out: np.ndarray, alpha: float = 0.0) -> np.ndarray:
        return self.DF(FLOAT, x, out, alpha)


def _softmax(A, z, alpha):
    """e^z_j / sum_k e^z_k, shifted by the row max in float64 (softmax([1000, 1]) = [1, 0])."""
    e = A.exp(z - A.rowmax(z))
    return e / A.rowsum(e)


def _softmax_logs(A, z):
    """ln o_k = (z_k - m) - ln S; ln(1 - o_k) = ln(sum_{j != k} e^(z_j - m)) - ln S (no cancellation)."""
    e = A.exp(z - A.rowmax(z))
    total = A.rowsum(e)
    return (z - A.rowmax(z)) - A.log(total), A.log(total - e) - A.log(total)


def softmax_jacobian(A, out):
    """J[s, k, j] = dout_k/dnet_j = out_k (delta_kj - out_j), for each sample s."""
    eye = np.eye(out.shape[-1])
    return out[..., :, None] * (A.array(eye) - out[..., None, :])


def softmax_vjp(A, g, out):
    """sum_k g_k dout_k/dnet_j = out_j (g_j - sum_k g_k out_k): the Jacobian product without forming J."""
    return out * (g - A.rowsum(g * out))


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in [
    Activation("identity", lambda A, z, al: z, lambda A, z, o, al: 0 * z + 1,
               lambda n, a: n, lambda n, o, a: "1", "Linear (identity)", in_net=True),
    Activation("sigmoid", lambda A, z, al: A.sigmoid(z), lambda A, z, o, al: o * (1 - o),
               lambda n, a: rf"\frac{{1}}{{1 + e^{{-{n}}}}}", lambda n, o, a: rf"{o} (1 - {o})", "Sigmoid (logistic)",
               saturates=True, probability=True, log_out=lambda A, z: (-A.log1pexp(-z), -A.log1pexp(z))),
    Activation("tanh", lambda A, z, al: A.tanh(z), lambda A, z, o, al: 1 - o * o,
               lambda n, a: rf"\tanh({n})", lambda n, o, a: rf"1 - {o}^{{2}}", "tanh", saturates=True),
    Activation("relu", lambda A, z, al: A.where(A.pos(z), z, 0 * z), lambda A, z, o, al: A.where(A.pos(z), 0 * z + 1, 0 * z),
               lambda n, a: rf"\max(0, {n})", lambda n, o, a: _piece(rf"{n} > 0", "1", "0"), "ReLU",
               kink="relu'(0) = 0 (PyTorch)", in_net=True),
    Activation("leaky_relu", lambda A, z, al: A.where(A.pos(z), z, al * z),
               lambda A, z, o, al: A.where(A.pos(z), 0 * z + 1, 0 * z + al),
               lambda n, a: _piece(rf"{n} > 0", n, rf"{a} \cdot {n}"), lambda n, o, a: _piece(rf"{n} > 0", "1", a),
               "Leaky ReLU", kink="leaky_relu'(0) = alpha (PyTorch)", alpha=0.01, in_net=True),
    Activation("elu", lambda A, z, al: A.where(A.pos(z), z, al * A.expm1(z)),
               lambda A, z, o, al: A.where(A.pos(z), 0 * z + 1, al * A.exp(z)),
               lambda n, a: _piece(rf"{n} > 0", n, rf"{a} (e^{{{n}}} - 1)"),
               lambda n, o, a: _piece(rf"{n} > 0", "1", rf"{a} e^{{{n}}}"), "ELU", kink="elu'(0) = alpha (PyTorch)",
               alpha=1.0, in_net=True),
    Activation("softplus", lambda A, z, al: A.log1pexp(z), lambda A, z, o, al: A.sigmoid(z),
               lambda n, a: rf"\ln(1 + e^{{{n}}})", lambda n, o, a: rf"\frac{{1}}{{1 + e^{{-{n}}}}}", "Softplus",
               in_net=True),
    Activation("arctan", lambda A, z, al: A.atan(z), lambda A, z, o, al: 1 / (1 + z * z),
               lambda n, a: rf"\arctan({n})", lambda n, o, a: rf"\frac{{1}}{{1 + {n}^{{2}}}}", "arctan", in_net=True),
    Activation("silu", lambda A, z, al: z * A.sigmoid(z),
               lambda A, z, o, al: A.sigmoid(z) * (1 + z * (1 - A.sigmoid(z))),
               lambda n, a: rf"\frac{{{n}}}{{1 + e^{{-{n}}}}}",
               lambda n, o, a: rf"\sigma({n}) \left(1 + {n} (1 - \sigma({n}))\right)", "SiLU (swish)", in_net=True),
    Activation("softmax", _softmax, lambda A, z, o, al: o * (1 - o),
               lambda n, a: rf"\frac{{e^{{{n}}}}}{{\sum_k e^{{\mathrm{{net}}_k}}}}", lambda n, o, a: rf"{o} (1 - {o})",
               "Softmax", probability=True, vector=True, log_out=_softmax_logs),
]}


# ---- losses -------------------------------------------------------------------------------------------------
def _xlogy(A, t, log_o):
    """t ln o with 0 ln 0 = 0: a target of 0 contributes nothing, even where o rounds to 0."""
    return A.where(A.is_zero(t), 0 * t, t * log_o)


@dataclass(frozen=True)
class Loss:
    """Per sample E = sum_k e_k; `lf` is 1/ln(base) for the log losses (1 for base e)."""
    name: str
    term: Callable          # (A, t, o, logs, m, lf) -> e_k per output; logs() -> (ln o, ln(1 - o))
    dout: Callable          # (A, t, o, m, lf) -> dE/do_k
    tex_term: Callable[[str, str, int, str], str]   # (t, o, m, log) -> LaTeX of e_k
    tex_dout: Callable[[str, str, int, str], str]   # (t, o, m, log) -> LaTeX of dE/do_k
    log: bool = False
    fused: dict | None = None   # output activation -> (A, t, o, tsum, lf) -> dE/dnet in closed form
    title: str = ""             # what a handout prints ("half sum of squared errors")


def _ln(log: str) -> str:
    return r"\ln" if log == "e" else r"\log_{10}"


def _lnf(log: str) -> str:
    return "" if log == "e" else r" \ln 10"


def _bce_term(A, t, o, logs, m, lf):
    lo, l1 = logs()
    return 0 - (_xlogy(A, t, lo) + _xlogy(A, 1 - t, l1)) * lf


LOSSES: dict[str, Loss] = {x.name: x for x in [
    Loss("half_sse", lambda A, t, o, logs, m, lf: (t - o) ** 2 / 2, lambda A, t, o, m, lf: -(t - o),
         lambda t, o, m, lg: rf"\tfrac{{1}}{{2}} ({t} - {o})^{{2}}", lambda t, o, m, lg: rf"-({t} - {o})",
         title="half sum of squared errors"),
    Loss("sse", lambda A, t, o, logs, m, lf: (t - o) ** 2, lambda A, t, o, m, lf: -2 * (t - o),
         lambda t, o, m, lg: rf"({t} - {o})^{{2}}", lambda t, o, m, lg: rf"-2 ({t} - {o})",
         title="sum of squared errors"),
    Loss("mse", lambda A, t, o, logs, m, lf: (t - o) ** 2 / m, lambda A, t, o, m, lf: -2 * (t - o) / m,
         lambda t, o, m, lg: rf"\tfrac{{1}}{{{m}}} ({t} - {o})^{{2}}",
         lambda t, o, m, lg: rf"-\tfrac{{2}}{{{m}}} ({t} - {o})", title="mean squared error"),
    Loss("bce", _bce_term, lambda A, t, o, m, lf: (o - t) / (o * (1 - o)) * lf,
         lambda t, o, m, lg: rf"-[{t} {_ln(lg)} {o} + (1 - {t}) {_ln(lg)} (1 - {o})]",
         lambda t, o, m, lg: rf"\frac{{{o} - {t}}}{{{o} (1 - {o}){_lnf(lg)}}}", log=True,
         fused={"sigmoid": lambda A, t, o, tsum, lf: (o - t) * lf}, title="binary cross-entropy"),
    Loss("cce", lambda A, t, o, logs, m, lf: 0 - _xlogy(A, t, logs()[0]) * lf,
         lambda A, t, o, m, lf: A.where(A.is_zero(t), 0 * t, 0 - t / A.where(A.is_zero(t), 0 * o + 1, o)) * lf,
         lambda t, o, m, lg: rf"-{t} {_ln(lg)} {o}", lambda t, o, m, lg: rf"-\frac{{{t}}}{{{o}{_lnf(lg)}}}", log=True,
         fused={"softmax": lambda A, t, o, tsum, lf: (o * tsum - t) * lf,
                "sigmoid": lambda A, t, o, tsum, lf: 0 - t * (1 - o) * lf}, title="categorical cross-entropy"),
]}


def output_logs(A, act: Activation, net, out):
    """(ln o, ln(1 - o)) of an output layer: from the net where the activation says how (stable), else from o."""
    if act.log_out is not None:
        return act.log_out(A, net)
    return A.log(out), A.log(1 - out)


def fused_delta(A, loss: str, act: str, t, o, lf):
    """dE/dnet at the output in closed form where it simplifies (before the 1/n of a mean), else None.

    sigmoid + bce: (o - t) lf ; softmax + cce: (o sum_k t_k - t) lf (= o - t for one-hot targets);
    sigmoid + cce: -t (1 - o) lf.
    """
    form = (LOSSES[loss].fused or {}).get(act)
    return None if form is None else form(A, t, o, A.rowsum(t), lf)
