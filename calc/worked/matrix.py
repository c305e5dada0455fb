"""The matrix view of the same pass (seed 000's sheets), each entry linked to its scalar step.

    Z_l = A_{l-1} W_l + b_l          (n x u_{l-1})(u_{l-1} x u_l) -> n x u_l
    A_l = f(Z_l)
    delta_L = dE/dZ_L ; delta_l = (delta_{l+1} W_{l+1}^T) * f'(Z_l)
    dE/dW_l = A_{l-1}^T delta_l      (u_{l-1} x n)(n x u_l)
    dE/db_l = colsum(delta_l) ; W_l+ = W_l - eta dE/dW_l
"""
from __future__ import annotations

import numpy as np

from calc.worked import ids
from calc.worked.steps import RawStep, json_safe
from calc.worked.template import const, mat, own, val


def _shape(a: np.ndarray) -> str:
    a = np.atleast_2d(a)
    return rf"{a.shape[0]} \times {a.shape[1]}"


def matrix_steps(b) -> list[RawStep]:
    """b is calc.worked.forward.Builder (spec, run, whether scalar steps exist). Each matrix a step shows is kept
    with the grid of its entries' step ids (when the scalar steps exist), so a view prints every entry from its
    value source (exact digits above 17) and the step's own matrix is the last one."""
    spec, p = b.spec, b.p
    n, L = spec.n_samples, len(spec.layers)
    out: list[RawStep] = []

    def grid(make_id, rows, cols):
        return [[make_id(r, c) for c in range(1, cols + 1)] for r in range(1, rows + 1)] if b.scalar else None

    def add(sid, label, tex, formula, numbers, value, deps, entries, layer, mats):
        """numbers: a function of M(k) -> the marker of mats[k]; the step's own value is mats[-1]."""
        marks = [mat(sid, k) for k in range(len(mats))]
        # the summarised view of a large network keeps its matrices as arrays (a nested list of a 5,000 x 256
        # matrix costs hundreds of MB); the step view's small matrices stay nested lists
        value = json_safe(value) if b.scalar else np.asarray(value, dtype=np.float64)
        out.append(RawStep(sid, "matrix", "matrix", value, deps, label, tex, formula, numbers(marks),
                           own(sid), {"entries": entries}, "", None, layer, None, tuple(mats)))

    def transpose(g):
        return None if g is None else [list(r) for r in zip(*g)]

    def a_grid(l):
        """Layer l's outputs (layer 0: the inputs X) as a samples x units grid of ids."""
        units = spec.inputs.shape[1] if l == 0 else spec.layers[l - 1].units
        return grid(lambda s, j: ids.a(s, l, j), n, units)

    def bias_grid(l, layer):
        return grid(lambda _, j: ids.bias(layer.bias_mode, l, j), 1, layer.units)

    N = b.N                     # names through the view's notation (Hagan: N = P W^T + b, S, F)
    for l, layer in enumerate(spec.layers, start=1):
        a_prev_tex, z_tex, w_tex = N.mout(l - 1)[1], N.mnet(l)[1], N.mw(l)[1]
        a_prev = spec.inputs if l == 1 else p.fwd.outs[l - 2]
        z, a = p.fwd.nets[l - 1], p.fwd.outs[l - 1]
        w_grid = grid(lambda i, j: ids.w(l, i, j), *layer.weights.shape)
        zid = grid(lambda s, j: ids.net(s, l, j), n, layer.units)
        bias = "" if layer.biases is None else f" + {N.mb(l)[1]}"
        mats = [(a_prev, a_grid(l - 1)), (layer.weights, w_grid)]
        if layer.biases is not None:
            mats.append((layer.biases[None, :], bias_grid(l, layer)))
        mats.append((z, zid))
        add(ids.matrix("Z", l), *N.mnet(l),
            rf"{a_prev_tex} {w_tex}{bias} \quad ({_shape(a_prev)})({_shape(layer.weights)}) \to {_shape(z)}",
            lambda m: f"{m[0]} {m[1]}" + (f" + {m[2]}" if layer.biases is not None else ""), z,
            [ids.matrix("A", l - 1)] if l > 1 else [], zid, l, mats)
        oid = grid(lambda s, j: ids.out(s, l, j), n, layer.units)
        add(ids.matrix("A", l), *N.mout(l), rf"\mathrm{{{layer.activation}}}({z_tex})",
            lambda m: "", a, [ids.matrix("Z", l)], oid, l, [(a, oid)])
    E = N.mloss()[1]
    for l in range(L, 0, -1):
        layer = spec.layers[l - 1]
        d = p.deltas[l - 1]
        a_prev = spec.inputs if l == 1 else p.fwd.outs[l - 2]
        a_prev_tex, d_tex = N.mout(l - 1)[1], N.mdelta(l)[1]
        if l == L:
            f = rf"\partial {E} / \partial {N.mnet(l)[1]}"
            deps = [ids.matrix("A", l)]
        else:
            wt = N.mwT(l + 1, int(spec.update_order == "sequential"))[1]
            f = rf"({N.mdelta(l + 1)[1]} {wt}) \odot f'({N.mnet(l)[1]})"
            deps = [ids.matrix("D", l + 1), ids.matrix("Z", l)]
        did = grid(lambda s, j: ids.delta(s, l, j), n, layer.units)
        add(ids.matrix("D", l), *N.mdelta(l), f + rf" \quad ({_shape(d)})", lambda m: "", d,
            deps, did, l, [(d, did)])
        g = p.grad_w[l - 1]
        gid = grid(lambda i, j: ids.gw(l, i, j), g.shape[0], g.shape[1])
        add(ids.matrix("GW", l), *N.mgw(l),
            rf"({a_prev_tex})^{{T}} {d_tex} \quad ({_shape(a_prev.T)})({_shape(d)}) \to {_shape(g)}",
            lambda m: f"{m[0]} {m[1]}", g, [ids.matrix("D", l)] + ([ids.matrix("A", l - 1)] if l > 1 else []),
            gid, l, [(a_prev.T, transpose(a_grid(l - 1))), (d, did), (g, gid)])
        if p.grad_b[l - 1] is not None:
            gb = p.grad_b[l - 1]
            shared = layer.bias_mode == "shared"
            gbid = grid(lambda _, j: ids.gb(l, None if shared else j), 1, len(gb))
            add(ids.matrix("GB", l), *N.mgb(l),
                rf"\sum_{{s, j}} ({d_tex})_{{sj}}" if shared else rf"\mathrm{{colsum}}({d_tex})",
                lambda m: "", gb.tolist(), [ids.matrix("D", l)],
                ([[ids.gb(l)]] if shared else [[ids.gb(l, j) for j in range(1, layer.units + 1)]])
                if b.scalar else None, l, [(gb[None, :], gbid)])
        nw = p.new_w[l - 1]
        eta = val(ids.ETA) if b.scalar else const(spec.learning_rate)
        nwid = grid(lambda i, j: ids.nw(l, i, j), nw.shape[0], nw.shape[1])
        add(ids.matrix("NW", l), *N.mw(l, 1),
            rf"{N.mw(l)[1]} - \eta {N.mgw(l)[1]}",
            lambda m: f"{m[0]} - {eta} {m[1]}", nw, [ids.matrix("GW", l)], nwid, l,
            [(layer.weights, grid(lambda i, j: ids.w(l, i, j), *layer.weights.shape)), (g, gid), (nw, nwid)])
    return out
