"""The matrix view of the same pass (seed 000's sheets), each entry linked to its scalar step.

    Z_l = A_{l-1} W_l + b_l          (n x u_{l-1})(u_{l-1} x u_l) -> n x u_l
    A_l = f(Z_l)
    delta_L = dE/dZ_L ; delta_l = (delta_{l+1} W_{l+1}^T) * f'(Z_l)
    dE/dW_l = A_{l-1}^T delta_l      (u_{l-1} x n)(n x u_l)
    dE/db_l = colsum(delta_l) ; W_l+ = W_l - eta dE/dW_l
"""
from __future__ import annotations

import numpy as np

from calc.worked.steps import Step, fmt, json_safe


def bmatrix(a, digits: int) -> str:
    """A matrix (or a row) as a LaTeX bmatrix, each entry to `digits` significant digits."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(fmt(float(x), digits) for x in r) for r in a) + \
        r" \end{bmatrix}"


def _shape(a: np.ndarray) -> str:
    a = np.atleast_2d(a)
    return rf"{a.shape[0]} \times {a.shape[1]}"


def matrix_steps(b) -> list[Step]:
    """b is calc.worked.forward.Builder (spec, run, digits, whether scalar steps exist)."""
    spec, p, dg = b.spec, b.p, b.digits
    n, L = spec.n_samples, len(spec.layers)
    out: list[Step] = []

    def grid(fmt_id, rows, cols):
        return [[fmt_id(r, c) for c in range(1, cols + 1)] for r in range(1, rows + 1)] if b.scalar else None

    def add(sid, label, tex, formula, subst, value, deps, entries, layer):
        out.append(Step(sid, label, f"{tex} = {formula}", subst, json_safe(value), deps, "matrix", "matrix",
                        {"entries": entries}, tex, "", None, layer))

    a_prev_tex = "X"
    for l, layer in enumerate(spec.layers, start=1):
        a_prev = spec.inputs if l == 1 else p.fwd.outs[l - 2]
        z, a = p.fwd.nets[l - 1], p.fwd.outs[l - 1]
        bias = "" if layer.biases is None else rf" + b^{{({l})}}"
        bias_s = "" if layer.biases is None else " + " + bmatrix(layer.biases[None, :], dg)
        zid = grid(lambda s, j: f"net.s{s}.l{l}.u{j}", n, layer.units)
        add(f"M.Z.l{l}", f"Z({l})", rf"Z^{{({l})}}",
            rf"{a_prev_tex} W^{{({l})}}{bias} \quad ({_shape(a_prev)})({_shape(layer.weights)}) \to {_shape(z)}",
            f"{bmatrix(a_prev, dg)} {bmatrix(layer.weights, dg)}{bias_s} = {bmatrix(z, dg)}", z,
            [f"M.A.l{l - 1}"] if l > 1 else [], zid, l)
        add(f"M.A.l{l}", f"A({l})", rf"A^{{({l})}}", rf"\mathrm{{{layer.activation}}}(Z^{{({l})}})",
            f"{bmatrix(a, dg)}", a, [f"M.Z.l{l}"], grid(lambda s, j: f"out.s{s}.l{l}.u{j}", n, layer.units), l)
        a_prev_tex = rf"A^{{({l})}}"
    for l in range(L, 0, -1):
        layer = spec.layers[l - 1]
        d = p.deltas[l - 1]
        a_prev = spec.inputs if l == 1 else p.fwd.outs[l - 2]
        a_prev_tex = "X" if l == 1 else rf"A^{{({l - 1})}}"
        if l == L:
            f = r"\partial E / \partial Z^{(%d)}" % l
            deps = [f"M.A.l{l}"]
        else:
            wt = "W^{(%d)+T}" % (l + 1) if spec.update_order == "sequential" else "W^{(%d)T}" % (l + 1)
            f = rf"(\delta^{{({l + 1})}} {wt}) \odot f'(Z^{{({l})}})"
            deps = [f"M.D.l{l + 1}", f"M.Z.l{l}"]
        add(f"M.D.l{l}", f"delta({l})", rf"\delta^{{({l})}}", f + rf" \quad ({_shape(d)})", bmatrix(d, dg), d, deps,
            grid(lambda s, j: f"delta.s{s}.l{l}.u{j}", n, layer.units), l)
        g = p.grad_w[l - 1]
        add(f"M.GW.l{l}", f"dE/dW({l})", rf"\frac{{\partial E}}{{\partial W^{{({l})}}}}",
            rf"({a_prev_tex})^{{T}} \delta^{{({l})}} \quad ({_shape(a_prev.T)})({_shape(d)}) \to {_shape(g)}",
            f"{bmatrix(a_prev.T, dg)} {bmatrix(d, dg)} = {bmatrix(g, dg)}", g, [f"M.D.l{l}"] + ([f"M.A.l{l - 1}"] if l > 1 else []),
            grid(lambda i, j: f"gw.l{l}.i{i}.u{j}", g.shape[0], g.shape[1]), l)
        if p.grad_b[l - 1] is not None:
            gb = p.grad_b[l - 1]
            shared = layer.bias_mode == "shared"
            add(f"M.GB.l{l}", f"dE/db({l})", rf"\frac{{\partial E}}{{\partial b^{{({l})}}}}",
                r"\sum_{s, j} \delta^{(%d)}_{sj}" % l if shared else r"\mathrm{colsum}(\delta^{(%d)})" % l,
                bmatrix(gb[None, :], dg), gb.tolist(), [f"M.D.l{l}"],
                ([[f"gb.l{l}"]] if shared else [[f"gb.l{l}.u{j}" for j in range(1, layer.units + 1)]])
                if b.scalar else None, l)
        nw = p.new_w[l - 1]
        add(f"M.NW.l{l}", f"W({l})+", rf"W^{{({l})+}}",
            rf"W^{{({l})}} - \eta \frac{{\partial E}}{{\partial W^{{({l})}}}}",
            rf"{bmatrix(layer.weights, dg)} - {fmt(spec.learning_rate, dg)} {bmatrix(g, dg)} = {bmatrix(nw, dg)}", nw,
            [f"M.GW.l{l}"], grid(lambda i, j: f"nw.l{l}.i{i}.u{j}", nw.shape[0], nw.shape[1]), l)
    return out
