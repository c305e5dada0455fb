"""The fully expanded derivative: E as one SymPy expression of the leaves, differentiated by one parameter.

    dE/dw1 = d/dw1 [ sum_k 1/2 (t_k - sigma(sum_j w_jk sigma(sum_i w_ij i_i + b1) + b2))^2 ]
Offered for networks with at most 20 parameters (weights + biases); check_expanded shows it equal to the
chain of factors (the exact step value) at high precision.
"""
from __future__ import annotations

import dataclasses
import decimal
from fractions import Fraction
from typing import Any

import sympy
from sympy import Rational, Symbol

import numpy as np

from calc.engine.numeric import forward
from calc.maths.arith import Sym
from calc.symbolic.exact import exact_solution, fmt_exact, leaves

MAX_EXPANDED_PARAMS = 20


def n_params(spec) -> int:
    """Weights plus biases (a shared bias counts once)."""
    return sum(l.weights.size + (l.units if l.bias_mode == "unit" else 1 if l.bias_mode == "shared" else 0)
               for l in spec.layers)


class Symbols:
    """One Symbol per step (named by its plain label), printed as the step's LaTeX."""

    def __init__(self, sol):
        self.by_id: dict[str, Symbol] = {}
        self.names: dict[Symbol, str] = {}
        seen: set[str] = set()
        for st in sol.steps:
            name = st.label if st.label not in seen else f"{st.label} [{st.id}]"
            seen.add(name)
            sym = Symbol(name)
            self.by_id[st.id] = sym
            self.names[sym] = st.latex

    def __getitem__(self, sid: str) -> Symbol:
        return self.by_id[sid]

    def __contains__(self, sid: str) -> bool:
        return sid in self.by_id


def loss_expression(spec, sol=None) -> tuple[Any, dict[str, Symbol], dict[Symbol, str]]:
    """E as one SymPy expression of the leaves (inputs, targets, weights, biases): (E, id -> Symbol, LaTeX names).

    The forward pass and the loss are calc.engine.numeric's, run in SymPy arithmetic on symbols."""
    from calc.worked.solve import solve
    sol = sol or solve(spec)
    S = Symbols(sol)
    A = Sym()
    leaf = {st.id: S[st.id] for st in sol.steps if st.kind == "given" and st.id != "eta"}

    def grid(rows, cols, name):
        return np.array([[A.const(leaf[name(r, c)]) for c in range(1, cols + 1)] for r in range(1, rows + 1)],
                        dtype=object)

    n, m = spec.n_samples, spec.targets.shape[1]
    x = grid(n, spec.inputs.shape[1], lambda s, i: f"x.s{s}.u{i}")
    t = grid(n, m, lambda s, k: f"t.s{s}.u{k}")
    ws, bs = [], []
    for l, layer in enumerate(spec.layers, start=1):
        ws.append(grid(layer.weights.shape[0], layer.units, lambda i, j, l=l: f"w.l{l}.i{i}.u{j}"))
        if layer.bias_mode == "none":
            bs.append(None)
        else:
            bs.append(np.array([A.const(leaf[f"b.l{l}" if layer.bias_mode == "shared" else f"b.l{l}.u{j}"])
                                for j in range(1, layer.units + 1)], dtype=object))
    E = forward(spec, ws, bs, x, t, check=False, A=A).loss
    return A.const(E).e, leaf, S.names


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
    value = None
    for extra in (15, 60, 300):             # cancellation at extreme numbers needs more working digits
        try:
            v = g.evalf(digits + extra, subs=subs)
        except (ArithmeticError, ValueError):
            continue
        if v.is_Float and v.is_finite:
            value = v
            break
    step = ("gw." if param_id.startswith("w.") else "gb.") + param_id[2:]
    ex = exact_solution(sol, digits)[step]
    try:
        if value is None:
            raise ArithmeticError
        chain = sympy.Float(ex.mp, digits + 15)
        rel = float(abs(value - chain) / max(1, abs(chain)))
        return fmt_exact(value, digits), ex.value_str, rel
    except (ArithmeticError, ValueError, decimal.InvalidOperation):
        raise ValueError(f"the expanded derivative cannot be evaluated to {digits} digits at these numbers (its "
                         f"terms overflow or cancel beyond the working precision); the chain of factors gives "
                         f"{ex.value_str}") from None
