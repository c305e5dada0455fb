"""Forward, backward and update over any arithmetic: the one engine behind every number the product shows.

Notation (samples in rows): Z_l = A_{l-1} W_l + b_l, A_l = f_l(Z_l), A_0 = X.
    delta_L = dE/dZ_L  (fused where the loss and output activation simplify, else dE/dA_L * f'(Z_L))
    dE/dA_{l-1} = delta_l W_l^T            (sequential order: W_l+ instead of W_l)
    delta_{l-1} = dE/dA_{l-1} * f'(Z_{l-1})  (softmax: dE/dA_{l-1} @ J)
    dE/dW_l = A_{l-1}^T delta_l ; dE/db_l = colsum(delta_l) (a shared bias: the sum of those)
    W_l+ = W_l - eta dE/dW_l
E is the reduced loss: delta carries the 1/n of a mean over n samples and the 1/ln 10 of log base 10.
`A` is the arithmetic (calc.maths.arith): float64 by default; Exact and Hand run the very same lines on the
numbers as typed. `method` (calc.engine.method.Method) says which function tables to use and may observe every
intermediate (the checker's slips and pinned values are built from it, in calc.check.slips).
Kinks are decided in the arithmetic of the typed numbers: where float64 puts a net a rounding error away from
a kink that the typed decimals put exactly on it, the exact branch is taken and a warning says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from calc.engine.method import CORRECT, Method
from calc.engine.typed import kink_warnings, leaves, snap_kinks
from calc.maths.arith import FLOAT
from calc.maths.functions import fused_delta, output_logs, softmax_jacobian, softmax_vjp
from calc.problem.model import Problem, Spec, SpecError

Hook = Callable[[np.ndarray], np.ndarray]


@dataclass
class Forward:
    nets: list[np.ndarray]          # per layer, samples x units
    outs: list[np.ndarray]
    terms: np.ndarray               # samples x outputs: each output's error term e_k (log factor included)
    sample_loss: np.ndarray         # samples: E_s = sum_k e_k
    loss: object                    # reduced over samples (sum or mean); a float in float64
    kinks: list[Problem] = field(default_factory=list)   # nets the typed numbers put exactly on a kink


@dataclass
class Pass:
    spec: Spec
    fwd: Forward
    dE_dout: list[np.ndarray]       # per layer: dE/dA_l (inf where saturated: dE/dout is unbounded there)
    dout_dnet: list[np.ndarray]     # per layer: f'(Z_l) elementwise (softmax: the diagonal of J)
    jacobians: list[np.ndarray | None]   # softmax layers: samples x k x j, J[k, j] = dout_k/dnet_j
    deltas: list[np.ndarray]        # per layer: dE/dZ_l
    fused: bool                     # output delta taken in closed form
    back_weights: list[np.ndarray]  # W_l that carried delta_l back (W_l+ under sequential order)
    grad_w: list[np.ndarray]
    grad_b: list[np.ndarray | None]  # per unit (units,), shared (1,), or None
    new_w: list[np.ndarray]
    new_b: list[np.ndarray | None]
    loss_after: object
    A: object = FLOAT
    l2_w: list | None = None        # per layer: the L2 term of dE/dW (coef * W), inside grad_w
    l2_b: list | None = None        # per layer: the L2 term of dE/db (biases under "biases": true)
    opt_w: list | None = None       # per layer: the optimizer's intermediates for W, {name: array}
    opt_b: list | None = None       # per layer: the same for b
    opt_state: object = None        # the state after this update (OptState), for the next one

    @property
    def loss(self):
        return self.fwd.loss


def _ident(a):
    return a


def _errstate():
    return np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore")


def forward(spec: Spec, weights=None, biases=None, x=None, t=None, hook: Hook | None = None,
            check: bool = True, method: Method = CORRECT, A=FLOAT) -> Forward:
    """Z_l = A_{l-1} W_l + b_l ; A_l = f_l(Z_l); then each output's error term and the reduced loss."""
    h, m = hook or _ident, method
    as_typed = weights is None and biases is None and x is None      # the problem's own numbers: kinks decided exactly
    given = leaves(spec, A) if (weights is None or x is None or t is None) else None
    weights = weights if weights is not None else given.weights
    biases = biases if biases is not None else given.biases
    a = given.inputs if x is None else x
    t = given.targets if t is None else t
    alphas = given.alphas if given is not None else leaves(spec, A).alphas
    nets, outs, kinks = [], [], []
    with _errstate():
        for k, layer in enumerate(spec.layers):
            z = a @ weights[k]
            if biases[k] is not None:
                z = z + biases[k]
            act = m.activations[layer.activation]
            if act.kink and A is FLOAT and as_typed:
                z, found = snap_kinks(spec, k, z, a, weights[k], biases[k])
                kinks += kink_warnings(spec, k, found)
            z = m.see("net", k, h(z))
            a = m.see("out", k, h(act.F(A, z, alphas[k])))
            if check and A is FLOAT:
                _finite(z, f"layers[{k}]", "net")
                _finite(a, f"layers[{k}]", "out")
            nets.append(z)
            outs.append(a)
        loss = m.losses[spec.loss]
        out_act = m.activations[spec.layers[-1].activation]
        n_out = t.shape[-1]
        lf = log_factor(spec, A)
        if m.logs_from_outputs:      # logs of the outputs as computed (they may be a student's own numbers)
            def logs():
                return A.log(outs[-1]), A.log(1 - outs[-1])
        else:
            def logs():
                return output_logs(A, out_act, nets[-1], outs[-1])
        terms = m.see("err", 0, h(_guard_logs(A, loss.term(A, t, outs[-1], logs, n_out, lf))))
        sample_loss = m.see("loss_s", 0, h(A.rowsum(terms)[..., 0]))
        total = sample_loss.sum()
        if spec.reduction == "mean":
            total = total / spec.n_samples
        if spec.l2 is not None:
            total = total + penalty(spec, weights, biases, A)
        if A is FLOAT:
            total = float(total)
    if check and A is FLOAT and not np.isfinite(total):
        raise SpecError([Problem("loss", "the loss overflows float64: scale the inputs or weights down")])
    return Forward(nets, outs, terms, sample_loss, total, kinks)


@dataclass
class OptState:
    """An optimizer's state between updates: t updates done; per state name, arrays per layer for W and b."""
    t: int
    w: dict
    b: dict


def penalty(spec: Spec, weights, biases, A=FLOAT):
    """The L2 term: lambda/2 sum w^2 (half) or lambda sum w^2, over the weights (and the biases when asked)."""
    lam = leaves(spec, A).l2
    total = A.const(0)
    arrays = list(weights) + ([b for b in biases if b is not None] if spec.l2[2] else [])
    for k, arr in enumerate(arrays):
        if k >= len(weights) and spec.layers[k - len(weights)].bias_mode == "shared":
            arr = arr[:1]                       # one shared bias counts once
        total = total + (arr * arr).sum()
    return lam * total / 2 if spec.l2[1] else lam * total


def _guard_logs(A, terms):
    """float64: a log of an output rounded to exactly 0 gives a huge but finite term (ln of the smallest double)."""
    if A is FLOAT and not np.all(np.isfinite(terms)):
        return np.where(np.isnan(terms), np.inf, terms)
    return terms


def log_factor(spec: Spec, A=FLOAT):
    """1 / ln(base) for bce and cce in log base 10, else 1 (in the arithmetic A)."""
    if spec.log_base == "10" and spec.loss in ("bce", "cce"):
        return 1 / A.ln10()
    return A.const(1)


def _finite(arr: np.ndarray, where: str, what: str):
    if not np.all(np.isfinite(arr)):
        s, j = np.argwhere(~np.isfinite(arr))[0]
        raise SpecError([Problem(where, f"{what} of unit {j} (sample {s}) overflows float64 "
                                        f"({arr[s, j]}): scale the inputs or weights down")])


def output_delta(spec: Spec, fwd: Forward, t, hook: Hook | None = None, method: Method = CORRECT, A=FLOAT):
    """(dE/dout, f'(net) diagonal, delta, Jacobian or None, fused?) for the output layer of the reduced loss."""
    h, m = hook or _ident, method
    layer = spec.layers[-1]
    o, z = fwd.outs[-1], fwd.nets[-1]
    L = len(spec.layers) - 1
    scale = A.const(1) / spec.n_samples if spec.reduction == "mean" else A.const(1)
    lf = log_factor(spec, A)
    act = m.activations[layer.activation]
    alpha = leaves(spec, A).alphas[L]
    with _errstate():
        d_out = m.see("dout", L, h(_inf_if_bad(A, m.losses[spec.loss].dout(A, t, o, t.shape[-1], lf) * scale)))
        d_act = m.see("act", L, h(act.DF(A, z, o, alpha)))
        jac = softmax_jacobian(A, o) if act.vector else None
        fused = fused_delta(A, spec.loss, layer.activation, t, o, lf)
        if fused is not None and not m.chain_delta:
            return d_out, d_act, m.see("delta", L, h(fused * scale)), jac, True
        delta = softmax_vjp(A, d_out, o) if act.vector and act.jacobian else d_out * d_act
        if fused is not None and A is FLOAT and not np.all(np.isfinite(delta)):
            delta = fused * scale
    if A is FLOAT and not np.all(np.isfinite(delta)):
        raise SpecError([Problem("loss", f"{spec.loss} on a saturated {layer.activation} output (a probability of "
                                         "exactly 0 or 1) has an unbounded gradient here")])
    return d_out, d_act, m.see("delta", L, h(delta)), jac, fused is not None


def _inf_if_bad(A, d):
    """float64: dE/dout is unbounded (inf) where an output probability is exactly 0 or 1."""
    if A is FLOAT:
        return np.where(np.isfinite(d), d, np.inf)
    return d


def backward(spec: Spec, fwd: Forward, hook: Hook | None = None, method: Method = CORRECT, A=FLOAT) -> Pass:
    """Deltas layer by layer from the output, gradients, updates, and the loss after the update."""
    h, m = hook or _ident, method
    g = leaves(spec, A)
    L = len(spec.layers)
    dE_dout: list = [None] * L
    dout_dnet: list = [None] * L
    jacs: list = [None] * L
    deltas: list = [None] * L
    back_w: list = [None] * L
    grad_w: list = [None] * L
    grad_b: list = [None] * L
    new_w: list = [None] * L
    new_b: list = [None] * L
    eta = g.eta
    opt = m.optimizers[spec.optimizer[0]]
    state = spec.opt_state
    t_now = 1 if state is None else state.t + 1
    hp = g.hp or {}
    coef = None if spec.l2 is None else (g.l2 if spec.l2[1] else 2 * g.l2)
    l2_w, l2_b, opt_w, opt_b = [None] * L, [None] * L, [None] * L, [None] * L
    new_state = OptState(t_now, {s: [None] * L for s in opt.state}, {s: [None] * L for s in opt.state})

    def prior(kind, name, k, like):
        got = None if state is None else getattr(state, kind)[name][k]
        return like * 0 if got is None else got

    def update(kind, k, p, gr, slot_w):
        s = {name: prior(kind, name, k, p) for name in opt.state}
        new, inter = opt.step(A, p, gr, s, hp, eta, t_now)
        for name in opt.state:
            getattr(new_state, kind)[name][k] = inter[name]
        slot_w[k] = inter
        return new

    dE_dout[-1], dout_dnet[-1], deltas[-1], jacs[-1], fused = output_delta(spec, fwd, g.targets, h, m, A)
    with _errstate():
        for k in range(L - 1, -1, -1):
            layer = spec.layers[k]
            a_prev = g.inputs if k == 0 else fwd.outs[k - 1]
            gw = a_prev.T @ deltas[k]
            if coef is not None:
                l2_w[k] = coef * g.weights[k]
                gw = gw + l2_w[k]
            grad_w[k] = m.see("gw", k, h(gw))
            if layer.bias_mode == "unit":
                gb = deltas[k].sum(axis=0)
            elif layer.bias_mode == "shared":
                gb = np.array([deltas[k].sum()], dtype=deltas[k].dtype)
            if layer.bias_mode != "none":
                if coef is not None and spec.l2[2]:
                    l2_b[k] = coef * (g.biases[k] if layer.bias_mode == "unit" else g.biases[k][:1])
                    gb = gb + l2_b[k]
                grad_b[k] = m.see("gb", k, h(gb))
            new_w[k] = m.see("nw", k, h(update("w", k, g.weights[k], grad_w[k], opt_w)))
            if g.biases[k] is None:
                new_b[k] = None
            elif spec.update_biases:
                step = grad_b[k] if layer.bias_mode == "unit" else np.repeat(grad_b[k], layer.units)
                new_b[k] = m.see("nb", k, h(update("b", k, g.biases[k], step, opt_b)))
            else:
                new_b[k] = m.see("nb", k, g.biases[k].copy())
            if k == 0:
                break
            back_w[k] = new_w[k] if spec.update_order == "sequential" else g.weights[k]
            prev = spec.layers[k - 1]
            if m.tap is None:
                dE_dout[k - 1] = h(deltas[k] @ back_w[k].T)
            else:  # term by term (samples x units x next units), so a student's own terms can be seen
                terms = m.see("term", k - 1, h(deltas[k][:, None, :] * back_w[k][None, :, :]))
                dE_dout[k - 1] = m.see("dout", k - 1, h(terms.sum(axis=2)))
            z, o = fwd.nets[k - 1], fwd.outs[k - 1]
            act = m.activations[prev.activation]
            dout_dnet[k - 1] = m.see("act", k - 1, h(act.DF(A, z, o, g.alphas[k - 1])))
            if act.vector:
                jacs[k - 1] = softmax_jacobian(A, o)
            if act.vector and act.jacobian:
                deltas[k - 1] = m.see("delta", k - 1, h(softmax_vjp(A, dE_dout[k - 1], o)))
            else:
                deltas[k - 1] = m.see("delta", k - 1, h(dE_dout[k - 1] * dout_dnet[k - 1]))
    after = forward(spec, new_w, new_b, g.inputs, g.targets, hook=hook if A is not FLOAT else None, check=False,
                    method=m.quiet(), A=A)
    return Pass(spec, fwd, dE_dout, dout_dnet, jacs, deltas, fused, back_w, grad_w, grad_b, new_w, new_b, after.loss, A,
                l2_w, l2_b, opt_w, opt_b, new_state)


def run(spec: Spec, hook: Hook | None = None, method: Method = CORRECT, A=FLOAT) -> Pass:
    """One forward pass, one backward pass and the update, in the arithmetic A."""
    check = method is CORRECT
    return backward(spec, forward(spec, hook=hook, check=check, method=method, A=A), hook=hook, method=method, A=A)
