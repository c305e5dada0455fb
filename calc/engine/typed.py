"""The given numbers in an arithmetic, read from the text the user typed, and kinks decided on them.

    leaves(spec, A): inputs, targets, weights, biases, eta and alphas as arrays of A. float64 takes the spec's
    arrays; an exact or hand arithmetic reads each number as written (0.15 is 3/20, never the binary float).
    snap_kinks: where a float64 net of a kinked activation (relu, leaky_relu, elu) lies within rounding error
    of 0, the net is recomputed exactly from the typed numbers; if it is exactly 0, the float net becomes 0.0,
    so every value takes the branch the textbook takes (relu'(0) = 0), and a warning says float64 alone would not.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from calc.maths.arith import FLOAT, Exact
from calc.parse.text import parse_number
from calc.problem.model import Problem, Spec

_EXACT_FOR_KINKS = Exact(60)
_CACHE: dict = {}   # (id(spec), id(A)) -> (weak ref to spec, A, Leaves)


@dataclass
class Leaves:
    inputs: Any
    targets: Any
    weights: list
    biases: list
    eta: Any
    alphas: list
    l2: Any = None                  # the L2 coefficient lambda (None: no L2 term)
    hp: dict | None = None          # the optimizer's parameters (momentum, beta1, ...)


def exact_text(text: str | None, value: float) -> Any:
    """A number as written -> Fraction (rational) or a SymPy number (sqrt(2), e^-2); floats without text exactly."""
    if text is None:
        return Fraction(float(value))
    ex = parse_number(text).exact()
    if getattr(ex, "is_Rational", False):
        return Fraction(int(ex.p), int(ex.q))
    return ex


def _const(A, text, value):
    """`value` in A, exactly as typed when `text` is what was typed for it (a stale text is ignored)."""
    if text is not None:
        try:
            if parse_number(text).value != float(value):
                text = None
        except ValueError:
            text = None
    q = exact_text(text, value)
    if isinstance(q, Fraction):
        return A.const(q)
    from calc.parse.enclose import mpf_value
    return A.const(mpf_value(q, 80))               # an irrational given: 80 sure digits


def leaves(spec: Spec, A=FLOAT) -> Leaves:
    """The given numbers of spec in the arithmetic A (memoised on the spec per arithmetic)."""
    key = (id(spec), id(A))
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is spec and cached[1] is A:
        return cached[2]
    if A is FLOAT:
        out = Leaves(spec.inputs, spec.targets, [layer.weights for layer in spec.layers],
                     [layer.biases for layer in spec.layers], spec.learning_rate,
                     [layer.alpha for layer in spec.layers], None if spec.l2 is None else spec.l2[0],
                     dict(spec.optimizer[1:]))
    else:
        out = _typed(spec, A)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (weakref.ref(spec), A, out)
    return out


def _typed(spec: Spec, A) -> Leaves:
    tx = spec.texts

    def grid(prefix, arr):
        return np.array([[_const(A, tx.get(f"{prefix}.s{s + 1}.u{j + 1}"), arr[s, j]) for j in range(arr.shape[1])]
                         for s in range(arr.shape[0])], dtype=object)

    ws, bs, als = [], [], []
    for l, layer in enumerate(spec.layers, start=1):
        w = layer.weights
        ws.append(np.array([[_const(A, tx.get(f"w.l{l}.i{i + 1}.u{j + 1}"), w[i, j]) for j in range(w.shape[1])]
                            for i in range(w.shape[0])], dtype=object))
        if layer.bias_mode == "none":
            bs.append(None)
        elif layer.bias_mode == "shared":
            b = _const(A, tx.get(f"b.l{l}"), layer.biases[0])
            bs.append(np.array([b] * layer.units, dtype=object))
        else:
            bs.append(np.array([_const(A, tx.get(f"b.l{l}.u{j + 1}"), layer.biases[j]) for j in range(layer.units)],
                               dtype=object))
        als.append(_const(A, tx.get(f"alpha.l{l}"), layer.alpha))
    return Leaves(grid("x", spec.inputs), grid("t", spec.targets), ws, bs,
                  _const(A, tx.get("eta"), spec.learning_rate), als,
                  None if spec.l2 is None else _const(A, tx.get("lam"), spec.l2[0]),
                  {k: _const(A, tx.get(f"opt.{k}"), v) for k, v in spec.optimizer[1:]})


def snap_kinks(spec: Spec, k: int, z: np.ndarray, a: np.ndarray, w: np.ndarray, b) -> tuple[np.ndarray, list]:
    """z with the nets the typed numbers put exactly on the kink set to 0.0; [(sample, unit, float net)] of those
    whose float64 sign differed."""
    scale = np.abs(a) @ np.abs(w) + (0.0 if b is None else np.abs(b))
    near = (np.abs(z) <= 1e-12 * np.maximum(scale, 1e-300)) & (z != 0)
    if not near.any():
        return z, []
    try:
        exact = _exact_nets(spec, k)
    except (OverflowError, ValueError, ZeroDivisionError, ArithmeticError):
        return z, []                        # a non-finite or unreadable number: float64 decides
    z = z.copy()
    found = []
    for s, j in np.argwhere(near):
        if exact[s, j] == 0:
            found.append((int(s), int(j), float(z[s, j])))
            z[s, j] = 0.0
    return z, found


def _exact_nets(spec: Spec, k: int) -> np.ndarray:
    """The nets of layer k (0-based) from the typed numbers, in exact arithmetic (Fraction while rational)."""
    A = _EXACT_FOR_KINKS
    g = leaves(spec, A)
    from calc.maths.functions import ACTIVATIONS
    a = g.inputs
    for i in range(k + 1):
        z = a @ g.weights[i]
        if g.biases[i] is not None:
            z = z + g.biases[i]
        if i == k:
            return z
        a = ACTIVATIONS[spec.layers[i].activation].F(A, z, g.alphas[i])
    raise AssertionError


def kink_warnings(spec: Spec, k: int, found: list) -> list[Problem]:
    out = []
    for s, j, zf in found:
        act = spec.layers[k].activation
        if zf == 0:
            continue
        out.append(Problem(f"layers[{k}]", f"net of unit {j + 1} (sample {s + 1}) is exactly 0 in the numbers as "
                                           f"written (float64 alone gives {zf:.3g}, which would take the "
                                           f"{'positive' if zf > 0 else 'negative'} branch); {act} uses the branch "
                                           f"at 0: {act}'(0) as in PyTorch"))
    return out
