"""SymPy formulas for the steps: each step's general formula in its textbook symbols, and with the numbers in.

    dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5      (a step's op over its depends_on)
Formulas are built unevaluated (Mul/Add(evaluate=False)) and printed with order="none", so the chain
rule's factors keep their order; each symbol prints as its step's LaTeX (\\mathrm{out}_{o1}, \\partial).
Kinks as Piecewise with PyTorch's conventions (calc.symbolic.forms). Exact values: calc.symbolic.exact; the whole
loss differentiated in one expression (networks of at most 20 parameters): calc.symbolic.expanded.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, NamedTuple

import numpy as np
import sympy
from sympy import Integer, Rational, Symbol

from calc.maths.arith import Sym
from calc.symbolic.exact import ExactStep, annotate_json, exact_solution, leaves, show  # noqa: F401  (re-exported)
from calc.symbolic.expanded import (MAX_EXPANDED_PARAMS, Symbols, check_expanded, expanded_gradient,  # noqa: F401
                                    loss_expression, n_params)
from calc.worked import ops
from calc.worked.steps import paren

FORMULA = Sym(formula=True)     # unevaluated SymPy, factors in the order written


def activation(name: str, z, alpha=0):
    """out = f(net) as SymPy, from the activation's record (kinks as Piecewise, PyTorch's convention)."""
    from calc.maths.functions import ACTIVATIONS
    c = np.array([[FORMULA.const(z)]], dtype=object)
    return FORMULA.const(ACTIVATIONS[name].F(FORMULA, c, FORMULA.const(alpha))[0, 0]).e


def dactivation(name: str, z, o, alpha=0):
    """dout/dnet = f'(net, out) as SymPy, from the activation's record."""
    from calc.maths.functions import ACTIVATIONS
    c, oc = np.array([[FORMULA.const(z)]], dtype=object), np.array([[FORMULA.const(o)]], dtype=object)
    return FORMULA.const(ACTIVATIONS[name].DF(FORMULA, c, oc, FORMULA.const(alpha))[0, 0]).e


class Formula(NamedTuple):
    expr: Any             # SymPy right-hand side in the dependencies' symbols (given: the symbol itself)
    latex: str            # LaTeX "label = general formula"
    substituted: str      # LaTeX "formula with the numbers = value"


_RECOMPUTE = Symbol("E(W+, b+)")
_PLAIN = re.compile(r"-?[0-9]*\.?[0-9]+")


def symbols(sol) -> dict[str, Symbol]:
    """step id -> the Symbol its formulas use (named by the step's plain label)."""
    return dict(Symbols(sol).by_id)


def general(st, S: Symbols, sol, alphas: dict) -> Any:
    """The right-hand side of a step as SymPy in its dependencies' symbols: the step's op (calc.worked.ops) over
    the records of calc.maths.functions, evaluated in the unevaluated SymPy arithmetic."""
    if st.op == "given":
        return S[st.id]
    if st.op == "recompute":
        return _RECOMPUTE
    one_hot = st.op == "fused" and abs(sum(sol.index[x].value for x in st.args.get("targets", ())) - 1.0) < 1e-12
    out = ops.apply(FORMULA, st, lambda sid: FORMULA.const(S[sid]), lambda l: FORMULA.const(alphas.get(l, 0)),
                    one_hot=one_hot)
    return FORMULA.const(out).e


def _tex(expr, names: dict) -> str:
    return sympy.latex(expr, order="none", mul_symbol="dot", symbol_names=names)


def formulas(sol, digits: int = 9, exact: dict[str, ExactStep] | None = None) -> dict[str, Formula]:
    """step id -> Formula(SymPy rhs, LaTeX general formula, LaTeX substituted) for every scalar step."""
    S = Symbols(sol)
    lv, alphas = leaves(sol)
    alphas = {l: Rational(q.numerator, q.denominator) if hasattr(q, "numerator") else q for l, q in alphas.items()}
    exact = exact if exact is not None else exact_solution(sol, digits)
    names = {**S.names, _RECOMPUTE: r"E(W^{+}, b^{+})"}
    shown: dict[Symbol, str] = {}
    out: dict[str, Formula] = {}
    for st in sol.steps:
        if st.op == "matrix" or st.id not in exact or exact[st.id].value_str is None:
            continue
        value = exact[st.id].value_str
        if st.kind == "given":
            text = sol.spec.texts.get(st.id, value)
            if not _PLAIN.fullmatch(text):          # 1/3, sqrt(2), e**-2 as typed -> \frac{1}{3}, \sqrt{2}, e^{-2}
                q = lv[st.id]
                text = sympy.latex(Rational(q.numerator, q.denominator) if hasattr(q, "numerator") else q)
            shown[S[st.id]] = f"({text})" if text.startswith("-") or not _PLAIN.fullmatch(text) else text
            out[st.id] = Formula(S[st.id], st.latex, text)
            continue
        expr = general(st, S, sol, alphas)
        shown[S[st.id]] = paren(value)
        sub = "" if st.op in ("recompute", "copy") else _tex(expr, shown) + " = "
        out[st.id] = Formula(expr, f"{st.latex} = {_tex(expr, names)}", sub + value)
    return out


@dataclasses.dataclass
class WorkedStep:
    formula: Formula | None
    exact: ExactStep


def worked(sol, digits: int = 9) -> dict[str, WorkedStep]:
    """Everything symbolic for a solution: formulas, LaTeX and exact values, step by step."""
    ex = exact_solution(sol, digits)
    fs = formulas(sol, digits, ex)
    return {st.id: WorkedStep(fs.get(st.id), ex[st.id]) for st in sol.steps}
