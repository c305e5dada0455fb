"""Straight-line Python for one training step of a small network, generated from its SHAPE only.

The only module that compiles code. The source is the records of calc.maths.functions evaluated in the
PythonCode arithmetic (calc.maths.code) on variables named from ints: the forward pass is each layer's
activation record F, the loss its record's term (with output_logs), the output delta the loss's fused form or
dout times the activation's DF (softmax_vjp for a vector activation), the hidden deltas the same chain. Nothing
here knows an activation or a loss by name: the allowed names are the keys of ACTIVATIONS and LOSSES, so a new
record works here unchanged. What shapes the source: the layer sizes and batch size (ints), the records named
(looked up by key; no name enters the source), the bias modes and the update order; its only literals are the
constants written in the formulas and the batch size. No number and no text from a user ever enters it:
parameters, samples, eta, alpha and the 1/n and 1/ln10 factors are arguments. Variables are named from ints
(w_l_i_j, b_l_j, x_s_i, t_s_k, al_l) and temporaries v<n>. The step is calc.engine.numeric's, per sample and unit:
    z = sum_i a_i w_ij + b_j ; a = f(z) ; delta_L = dE/dz (fused where it simplifies) ;
    dE/da_prev_i = sum_j delta_j w_ij (w+ under sequential order) ; w+ = w - eta * sum_s a_i delta_j
Math errors (math.exp overflow, log 0, 0 division) raise; the caller hands such steps to calc.engine.numeric.
"""
from __future__ import annotations

import threading
import types

import numpy as np

from calc.maths import functions
from calc.maths.code import PythonCode

_MODES = ("unit", "shared", "none")
_ORDERS = ("simultaneous", "sequential")

Shape = tuple  # (sizes, activations, bias_modes, loss, reduction, update_biases, order)


def shape_of(spec) -> Shape:
    """The structural key of a spec: everything the generated source depends on, and nothing numeric."""
    return (tuple(int(s) for s in spec.sizes), tuple(layer.activation for layer in spec.layers),
            tuple(layer.bias_mode for layer in spec.layers), spec.loss, spec.reduction, bool(spec.update_biases),
            spec.update_order)


def _check(shape: Shape, batch) -> None:
    try:
        sizes, acts, modes, loss, reduction, _, order = shape
        ok = (reduction in ("sum", "mean") and len(sizes) == len(acts) + 1 == len(modes) + 1 and len(acts) >= 1
              and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
              and all(isinstance(a, str) and a in functions.ACTIVATIONS for a in acts)
              and all(m in _MODES for m in modes) and isinstance(loss, str) and loss in functions.LOSSES
              and order in _ORDERS and isinstance(batch, int) and not isinstance(batch, bool) and batch > 0)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError("codegen: unsupported network shape")


def _s(*parts) -> str:
    """A generated identifier from ints only, e.g. _s('w', 0, 1, 2) -> 'w_0_1_2'."""
    return "_".join([parts[0]] + [str(int(p)) for p in parts[1:]])


def _sum(terms):
    """t0 + t1 + ... left to right (NumPy's order for short rows)."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def param_names(shape: Shape) -> list[str]:
    """P = [W_1 row-major, b_1 (per unit | one shared | nothing), W_2, ...] as the generated code names them."""
    sizes, _, modes = shape[:3]
    names = []
    for l, mode in enumerate(modes):
        names += [_s("w", l, i, j) for i in range(sizes[l]) for j in range(sizes[l + 1])]
        names += {"unit": [_s("b", l, j) for j in range(sizes[l + 1])], "shared": [_s("b", l, 0)], "none": []}[mode]
    return names


def _source(shape: Shape, batch: int, grad: bool) -> str:
    _check(shape, batch)
    sizes, acts, modes, loss_name, reduction, upd_b, order = shape
    L, n = len(acts), batch
    A = PythonCode()
    recs = [functions.ACTIVATIONS[a] for a in acts]
    loss = functions.LOSSES[loss_name]
    W = [A.vars([[_s("w", l, i, j) for j in range(sizes[l + 1])] for i in range(sizes[l])]) for l in range(L)]
    B = [None if mode == "none" else
         A.vars([_s("b", l, j if mode == "unit" else 0) for j in range(sizes[l + 1])]) for l, mode in enumerate(modes)]
    X = A.vars([[_s("x", s, i) for i in range(sizes[0])] for s in range(n)])
    T = A.vars([[_s("t", s, k) for k in range(sizes[-1])] for s in range(n)])
    eta, scale, lf = A.var("eta"), A.var("scale"), A.var("lf")
    alphas = [A.var(_s("al", l)) for l in range(L)]

    # forward: Z_l = A_{l-1} W_l + b_l, A_l = F(Z_l) (the activation's record), per sample and unit
    nets, outs, a = [], [], X
    for l in range(L):
        z = np.empty((n, sizes[l + 1]), dtype=object)
        for s in range(n):
            for j in range(sizes[l + 1]):
                total = _sum([a[s, i] * W[l][i, j] for i in range(sizes[l])])
                z[s, j] = total if B[l] is None else total + B[l][j]
        a = recs[l].F(A, z, alphas[l])
        nets.append(z)
        outs.append(a)

    # the loss: each output's term (the loss's record), summed per sample, then over the batch
    o, zL, m = outs[-1], nets[-1], sizes[-1]
    terms = loss.term(A, T, o, lambda: functions.output_logs(A, recs[-1], zL, o), m, lf)
    total = _sum([_sum(list(terms[s])) for s in range(n)])
    E = total / n if reduction == "mean" else total
    if not grad:
        lines, (expr,) = A.finish([E])
        return _function(shape, n, lines, expr)

    # backward: the output delta (fused or by the chain rule), then layer by layer
    fused = functions.fused_delta(A, loss_name, acts[-1], T, o, lf)
    if fused is not None:
        delta = fused * scale
    else:
        g = loss.dout(A, T, o, m, lf) * scale
        delta = _chain(A, recs[-1], g, zL, o, alphas[-1])
    new: dict[str, object] = {}
    for l in range(L - 1, -1, -1):
        a_prev = X if l == 0 else outs[l - 1]
        nw = np.empty_like(W[l])
        for i in range(sizes[l]):
            for j in range(sizes[l + 1]):
                nw[i, j] = W[l][i, j] - eta * _sum([a_prev[s, i] * delta[s, j] for s in range(n)])
                new[_s("w", l, i, j)] = nw[i, j]
        if modes[l] != "none" and upd_b:
            if modes[l] == "unit":
                for j in range(sizes[l + 1]):
                    new[_s("b", l, j)] = B[l][j] - eta * _sum([delta[s, j] for s in range(n)])
            else:
                new[_s("b", l, 0)] = B[l][0] - eta * _sum([delta[s, j] for s in range(n) for j in range(sizes[l + 1])])
        if l == 0:
            break
        back = nw if order == "sequential" else W[l]
        g = np.empty((n, sizes[l]), dtype=object)
        for s in range(n):
            for i in range(sizes[l]):
                g[s, i] = _sum([delta[s, j] * back[i, j] for j in range(sizes[l + 1])])
        delta = _chain(A, recs[l - 1], g, nets[l - 1], outs[l - 1], alphas[l - 1])
    names = param_names(shape)
    out = [new.get(p, A.var(p)) for p in names]
    # 0 * (sum of the new parameters) is 0 unless one is inf or nan: then the loss flags the step
    flagged = E + 0.0 * _sum(out)
    lines, exprs = A.finish([flagged] + out)
    return _function(shape, n, lines, f"{exprs[0]}, [{', '.join(exprs[1:])}]")


def _chain(A, rec, g, z, o, alpha):
    """dE/dnet from dE/dout: through the Jacobian product for a vector activation, else times its f'."""
    if rec.vector and rec.jacobian:
        return functions.softmax_vjp(A, g, o)
    return g * rec.DF(A, z, o, alpha)


def _function(shape: Shape, n: int, lines: list[str], result: str) -> str:
    sizes, acts = shape[0], shape[1]
    xs = [_s("x", s, i) for s in range(n) for i in range(sizes[0])]
    ts = [_s("t", s, k) for s in range(n) for k in range(sizes[-1])]
    head = ["def step(X, T, H, P):",
            f"    {', '.join(param_names(shape))}, = P",
            f"    {', '.join(xs)}, = X",
            f"    {', '.join(ts)}, = T",
            f"    eta, scale, lf, {''.join(_s('al', l) + ', ' for l in range(len(acts)))}= H"]
    return "\n".join(head + ["    " + ln for ln in lines] + [f"    return {result}"]) + "\n"


_CACHE: dict[tuple, tuple] = {}
_CACHE_SIZE = 64
_LOCK = threading.Lock()


def _get(shape: Shape, batch: int, grad: bool):
    """(function, source), compiled once per shape, batch size and set of records."""
    if isinstance(batch, np.integer):
        batch = int(batch)
    _check(shape, batch)
    # the records are part of the key (by identity; the entry keeps them alive): a replaced record gets new code
    records = tuple(functions.ACTIVATIONS[a] for a in shape[1]) + (functions.LOSSES[shape[3]],)
    key = (shape, batch, grad, tuple(id(r) for r in records))
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is None:
            src = _source(shape, batch, grad)
            module = compile(src, f"<calc.train.codegen {'step' if grad else 'loss'} n={batch}>", "exec")
            code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            hit = _CACHE[key] = (types.FunctionType(code, dict(PythonCode.GLOBALS), "step"), src, records)
    return hit[0], hit[1]


def step_function(shape: Shape, batch: int):
    """step(X, T, H, P) -> (E(P) flagged, P+): loss of the batch before the update and the updated parameters.

    P flat parameters (W row-major then b, layer by layer), X / T the batch flattened row by row,
    H = (eta, scale, lf, alpha_1, ..., alpha_L) with scale = 1/batch for a mean, 1 for a sum.
    """
    return _get(shape, batch, True)[0]


def loss_function(shape: Shape, batch: int):
    """loss(X, T, H, P) -> E(P) over the given samples (same argument layout as step_function)."""
    return _get(shape, batch, False)[0]


def source(shape: Shape, batch: int, grad: bool = True) -> str:
    """The generated source, for reading and for tests."""
    return _get(shape, batch, grad)[1]
