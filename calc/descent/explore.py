"""Data for the activation explorer: f and f' on a grid, their formulas, the peak of f', where f' vanishes.

Seed 001's table (binary step, linear, sigmoid, tanh, ReLU, leaky/parametric ReLU, ELU, softplus, arctan) and
seed 004's slides: sigmoid'(x) = s(x)(1 - s(x)) peaks at 0.25 at x = 0, tanh'(x) = 1 - tanh^2(x) peaks at 1;
both fall below 0.01 for |x| past about 4.6 and 2.99: the vanishing-gradient region.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calc.maths.functions import ACTIVATIONS

PRELU_ALPHA = 0.25           # PReLU's learnable slope, shown at PyTorch's initial value
VANISH = 0.01                # f' below this counts as vanished


@dataclass(frozen=True)
class Curve:
    name: str
    title: str
    tex_f: str
    tex_df: str
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    note: str = ""


# seed 001's table: the network's own activations (their records, softmax aside: it acts on a whole layer),
# plus the binary step and PReLU (leaky ReLU's record with a learned alpha), which only this page shows
TITLES = {"binary_step": "Binary step",
          **{a.name: a.title + (f" (alpha = {a.alpha:g})" if a.alpha is not None else "")
             for a in ACTIVATIONS.values() if not a.vector},
          "prelu": f"Parametric ReLU (alpha = {PRELU_ALPHA}, learned)"}


def names() -> list[str]:
    return list(TITLES)


def _step(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (x >= 0).astype(float), np.zeros_like(x)


def curve(name: str, lo: float = -6.0, hi: float = 6.0, n: int = 241) -> Curve:
    """f and f' of activation `name` on n points of [lo, hi]."""
    x = np.linspace(lo, hi, n)
    if name == "binary_step":
        f, df = _step(x)
        return Curve(name, TITLES[name], r"f(x) = \begin{cases} 1 & x \ge 0 \\ 0 & x < 0 \end{cases}",
                     r"f'(x) = 0 \quad (x \ne 0;\ \text{undefined at } 0)", x, f, df,
                     "Its derivative is 0 everywhere it exists, so backpropagation gets no signal through it.")
    if name == "prelu":
        a, rec = PRELU_ALPHA, ACTIVATIONS["leaky_relu"]
        f = rec.f(x, a)
        df = rec.df(x, f, a)
        return Curve(name, TITLES[name], r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
                     r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}", x, f, df,
                     "Like leaky ReLU, but alpha is a parameter learned by gradient descent.")
    act = ACTIVATIONS[name]
    alpha = act.alpha or 0.0
    f = act.f(x, alpha)
    df = act.df(x, f, alpha)
    a_tex = f"{act.alpha:g}" if act.alpha is not None else ""
    tex_df = act.tex_df("x", "x", a_tex) if act.in_net else act.tex_df("x", "f(x)", a_tex)
    note = act.kink or ""
    if act.saturates:
        lo_v, hi_v = vanishing_range(name)
        note = f"f' < {VANISH} for |x| > {hi_v:.2f}: the vanishing-gradient region."
    return Curve(name, TITLES[name], "f(x) = " + act.tex_f("x", a_tex), "f'(x) = " + tex_df, x, f, df, note)


def peak(name: str) -> tuple[float, float]:
    """(x, f'(x)) where f' is largest on [-6, 6] (sigmoid: (0, 0.25); tanh: (0, 1))."""
    c = curve(name, n=2401)
    k = int(np.argmax(c.df))
    return float(c.x[k]), float(c.df[k])


def vanishing_range(name: str) -> tuple[float, float]:
    """(-x*, x*): f'(x) < VANISH outside it, for the saturating sigmoid and tanh (by bisection on f' = VANISH)."""
    act = ACTIVATIONS[name]

    def g(x: float) -> float:
        a = np.array([x])
        return float(act.df(a, act.f(a, 0.0), 0.0)[0]) - VANISH

    lo, hi = 0.0, 50.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if g(mid) > 0 else (lo, mid)
    return -lo, lo


def function_curve(expr_text: str, lo: float, hi: float, n: int = 201, variable: str = "theta"):
    """(xs, ys) of a typed f on [lo, hi] through calc.parse.text and calc.descent.descend.evaluate; undefined points dropped."""
    import math

    from calc.descent.kernel import Undefined, evaluate
    from calc.parse.text import parse_expression
    f = parse_expression(expr_text, variable)
    xs, ys = [], []
    for x in np.linspace(lo, hi, n):
        try:
            y = evaluate(f.expr, float(x), set())
        except (Undefined, ArithmeticError, ValueError, OverflowError):
            continue
        if math.isfinite(y):
            xs.append(float(x))
            ys.append(y)
    return xs, ys
