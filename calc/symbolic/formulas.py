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

import sympy
from sympy import Integer, Rational, Symbol

from calc.symbolic.exact import ExactStep, annotate_json, exact_solution, leaves, show  # noqa: F401  (re-exported)
from calc.symbolic.expanded import (MAX_EXPANDED_PARAMS, check_expanded, expanded_gradient,  # noqa: F401  (re-exported)
                           loss_expression, n_params)
from calc.worked.steps import paren
from calc.symbolic.forms import (A, Symbols, U, activation, dactivation, lf_factor, loss_dout, loss_term,  # noqa: F401
                              minus, neg, softmax_out)


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
    """The right-hand side of a step as SymPy in its dependencies' symbols."""
    a, d, op = st.args, st.depends_on, st.op
    if op == "given":
        return S[st.id]
    if op == "affine":
        terms = [U(S[w], S[x]) for w, x in a["pairs"]]
        if a.get("bias"):
            terms.append(U(S[a["bias"]], Integer(1)))
        return A(*terms)
    if op == "act":
        if a["activation"] == "softmax":
            return softmax_out([S[n] for n in a["nets"]], a["index"])
        return activation(a["activation"], S[a["net"]], alphas.get(st.layer, 0))
    if op == "err":
        return loss_term(a["loss"], S[a["t"]], S[a["o"]], a["m"], a["log_base"])
    if op == "sum":
        return A(*[S[x] for x in d])
    if op == "mean":
        return U(Rational(1, len(d)), A(*[S[x] for x in d]))
    if op == "dloss":
        g = loss_dout(a["loss"], S[a["t"]], S[a["o"]], a["m"], a["log_base"])
        return U(Rational(1, a["scale"]), g) if a.get("scale", 1) > 1 else g
    if op == "dact":
        return dactivation(a["activation"], S[a["net"]], S[a["out"]], alphas.get(st.layer, 0))
    if op == "jac":
        if a["same"]:
            return U(S[a["k"]], minus(Integer(1), S[a["k"]]))
        return neg(U(S[a["k"]], S[a["j"]]))
    if op == "mul":
        return U(*[S[x] for x in d])
    if op == "sumprod":
        return A(*[U(S[d[i]], S[d[i + 1]]) for i in range(0, len(d), 2)])
    if op == "fused":
        return _fused(a, S, sol)
    if op == "update":
        return minus(S[a["w"]], U(S[a["eta"]], S[a["g"]]))
    if op == "copy":
        return S[a["src"]]
    if op == "recompute":
        return _RECOMPUTE
    raise ValueError(f"step {st.id}: no formula for op {op!r}")


def _fused(a, S: Symbols, sol):
    """delta_k in closed form: o - t (sigmoid+bce, softmax+cce with one-hot t), o sum t - t, -t (1 - o)."""
    o, t = S[a["o"]], S[a["t"]]
    if a["kind"] == "softmax_cce":
        total = sum(sol.index[x].value for x in a["targets"])
        f = minus(o, t) if abs(total - 1.0) < 1e-12 else minus(U(o, A(*[S[x] for x in a["targets"]])), t)
    elif a["kind"] == "sigmoid_bce":
        f = minus(o, t)
    else:
        f = neg(U(t, minus(Integer(1), o)))
    f = lf_factor(f, a.get("log_base", "e"), "bce")
    return U(Rational(1, a["scale"]), f) if a.get("scale", 1) > 1 else f


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
