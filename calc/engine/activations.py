"""Activation functions: one record each, the function next to its derivative (as micrograd keeps them).

Every f works on float64 arrays in a numerically stable form; every df takes (net, out) and returns
dout/dnet elementwise. Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha.
softmax is row-wise over units; its derivative is a Jacobian (see softmax_jacobian).
The LaTeX helpers take the symbols already rendered (e.g. r"\\mathrm{net}_{h1}") and return formulas.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), without overflow: for x < 0 use e^x / (1 + e^x)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: np.ndarray) -> np.ndarray:
    """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softmax(x: np.ndarray) -> np.ndarray:
    """e^x_j / sum_k e^x_k per row, shifted by the row max so softmax([1000, 1]) = [1, 0]."""
    z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """ln softmax(x)_j = x_j - logsumexp(x): finite even where softmax rounds to 0."""
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def softmax_jacobian(out: np.ndarray) -> np.ndarray:
    """J[s, k, j] = dout_k/dnet_j = out_k (delta_kj - out_j), for each sample s."""
    eye = np.eye(out.shape[-1])
    return out[..., :, None] * (eye - out[..., None, :])


def softmax_vjp(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sum_k g_k dout_k/dnet_j = out_j (g_j - sum_k g_k out_k): the Jacobian product without forming J."""
    return out * (g - np.sum(g * out, axis=-1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[np.ndarray, float], np.ndarray]                     # (net, alpha) -> out
    df: Callable[[np.ndarray, np.ndarray, float], np.ndarray]        # (net, out, alpha) -> dout/dnet
    tex_f: Callable[[str, str], str]                                 # (net, alpha) -> LaTeX of f(net)
    tex_df: Callable[[str, str, str], str]                           # (net, out, alpha) -> LaTeX of f'
    kink: str | None = None                                          # the convention at a kink, if any
    saturates: bool = False                                          # sigmoid / tanh: f' -> 0 for large |net|


def _piece(cond_tex: str, a: str, b: str) -> str:
    return rf"\begin{{cases}} {a} & {cond_tex} \\ {b} & \text{{otherwise}} \end{{cases}}"


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in [
    Activation("identity", lambda x, a: x.copy(), lambda x, o, a: np.ones_like(x),
               lambda n, a: n, lambda n, o, a: "1"),
    Activation("sigmoid", lambda x, a: sigmoid(x), lambda x, o, a: o * (1.0 - o),
               lambda n, a: rf"\frac{{1}}{{1 + e^{{-{n}}}}}", lambda n, o, a: rf"{o} (1 - {o})", saturates=True),
    Activation("tanh", lambda x, a: np.tanh(x), lambda x, o, a: 1.0 - o * o,
               lambda n, a: rf"\tanh({n})", lambda n, o, a: rf"1 - {o}^{{2}}", saturates=True),
    Activation("relu", lambda x, a: np.maximum(x, 0.0), lambda x, o, a: (x > 0).astype(np.float64),
               lambda n, a: rf"\max(0, {n})", lambda n, o, a: _piece(rf"{n} > 0", "1", "0"),
               kink="relu'(0) = 0 (PyTorch)"),
    Activation("leaky_relu", lambda x, a: np.where(x > 0, x, a * x), lambda x, o, a: np.where(x > 0, 1.0, a),
               lambda n, a: _piece(rf"{n} > 0", n, rf"{a} \cdot {n}"),
               lambda n, o, a: _piece(rf"{n} > 0", "1", a), kink="leaky_relu'(0) = alpha (PyTorch)"),
    Activation("elu", lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0))),
               lambda x, o, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0.0))),
               lambda n, a: _piece(rf"{n} > 0", n, rf"{a} (e^{{{n}}} - 1)"),
               lambda n, o, a: _piece(rf"{n} > 0", "1", rf"{a} e^{{{n}}}"), kink="elu'(0) = alpha (PyTorch)"),
    Activation("softplus", lambda x, a: softplus(x), lambda x, o, a: sigmoid(x),
               lambda n, a: rf"\ln(1 + e^{{{n}}})", lambda n, o, a: rf"\frac{{1}}{{1 + e^{{-{n}}}}}"),
    Activation("arctan", lambda x, a: np.arctan(x), lambda x, o, a: 1.0 / (1.0 + x * x),
               lambda n, a: rf"\arctan({n})", lambda n, o, a: rf"\frac{{1}}{{1 + {n}^{{2}}}}"),
    Activation("softmax", lambda x, a: softmax(x), lambda x, o, a: o * (1.0 - o),
               lambda n, a: rf"\frac{{e^{{{n}}}}}{{\sum_k e^{{\mathrm{{net}}_k}}}}",
               lambda n, o, a: rf"{o} (1 - {o})"),
]}
