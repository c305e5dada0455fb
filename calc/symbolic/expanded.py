"""The fully expanded derivative: E as one SymPy expression of the leaves, differentiated by one parameter.

    dE/dw1 = d/dw1 [ sum_k 1/2 (t_k - sigma(sum_j w_jk sigma(sum_i w_ij i_i + b1) + b2))^2 ]
Offered for networks with at most 20 parameters (weights + biases); check_expanded shows it equal to the
chain of factors (the exact step value) at high precision.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import sympy
from sympy import Add, Rational, Symbol

from calc.symbolic.exact import exact_solution, fmt_exact, leaves
from calc.symbolic.forms import Symbols, activation, loss_term

MAX_EXPANDED_PARAMS = 20


def n_params(spec) -> int:
    """Weights plus biases (a shared bias counts once)."""
    return sum(l.weights.size + (l.units if l.bias_mode == "unit" else 1 if l.bias_mode == "shared" else 0)
               for l in spec.layers)


def loss_expression(spec, sol=None) -> tuple[Any, dict[str, Symbol], dict[Symbol, str]]:
    """E as one SymPy expression of the leaves (inputs, targets, weights, biases): (E, id -> Symbol, LaTeX names)."""
    from calc.worked.solve import solve
    sol = sol or solve(spec)
    S = Symbols(sol)
    _, alphas = leaves(sol)
    leaf = {st.id: S[st.id] for st in sol.steps if st.kind == "given" and st.id != "eta"}
    n, m = spec.n_samples, spec.targets.shape[1]
    per_sample = []
    for s in range(1, n + 1):
        a = [leaf[f"x.s{s}.u{i}"] for i in range(1, spec.inputs.shape[1] + 1)]
        for l, layer in enumerate(spec.layers, start=1):
            zs = []
            for j in range(1, layer.units + 1):
                terms = [leaf[f"w.l{l}.i{i}.u{j}"] * a[i - 1] for i in range(1, len(a) + 1)]
                if layer.bias_mode != "none":
                    terms.append(leaf[f"b.l{l}" if layer.bias_mode == "shared" else f"b.l{l}.u{j}"])
                zs.append(Add(*terms))
            alpha = alphas.get(l, 0)
            alpha = Rational(alpha.numerator, alpha.denominator) if hasattr(alpha, "numerator") else alpha
            if layer.activation == "softmax":
                den = Add(*[sympy.exp(z) for z in zs])
                a = [sympy.exp(z) / den for z in zs]
            else:
                a = [activation(layer.activation, z, alpha) for z in zs]
        per_sample.append(Add(*[loss_term(spec.loss, leaf[f"t.s{s}.u{k}"], a[k - 1], m, spec.log_base)
                                for k in range(1, m + 1)]))
    E = Add(*per_sample)
    if spec.reduction == "mean" and n > 1:
        E = E / n
    return E, leaf, S.names


def expanded_gradient(spec, param_id: str) -> tuple[Any, str]:
    """dE/dw for one weight or bias (ids w.l{l}.i{i}.u{j}, b.l{l}[.u{j}]) as one expression of the leaves."""
    if n_params(spec) > MAX_EXPANDED_PARAMS:
        raise ValueError(f"the expanded derivative is offered for networks with at most {MAX_EXPANDED_PARAMS} "
                         f"parameters; this one has {n_params(spec)} (use the step-by-step chain instead)")
    E, leaf, names = loss_expression(spec)
    if param_id not in leaf or not param_id.startswith(("w.", "b.")):
        raise ValueError(f"{param_id!r} is not a weight or bias of this network (ids like w.l1.i1.u1, b.l1)")
    g = sympy.diff(E, leaf[param_id])
    return g, sympy.latex(g, symbol_names=names)


def check_expanded(spec, param_id: str, digits: int = 30) -> tuple[str, str, float]:
    """(expanded dE/dw at the given numbers, the chain of factors' exact value, relative difference).

    The chain is taken from the simultaneous-order solution: under sequential order the hidden deltas
    go through the updated weights, which is not the derivative of E.
    """
    from calc.worked.solve import solve
    g, _ = expanded_gradient(spec, param_id)
    sol = solve(dataclasses.replace(spec, update_order="simultaneous"))
    lv, _ = leaves(sol)
    syms = Symbols(sol).by_id
    subs = {syms[sid]: (Rational(q.numerator, q.denominator) if isinstance(q, Fraction) else q)
            for sid, q in lv.items() if sid != "eta"}
    value = g.evalf(digits + 15, subs=subs)
    step = ("gw." if param_id.startswith("w.") else "gb.") + param_id[2:]
    ex = exact_solution(sol, digits)[step]
    chain = sympy.Float(ex.mp, digits + 15)
    rel = float(abs(value - chain) / max(1, abs(chain)))
    return fmt_exact(value, digits), ex.value_str, rel
