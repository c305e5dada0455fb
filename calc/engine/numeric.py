"""Forward, backward and update in float64 NumPy: the numbers every step of the worked solution shows.

Notation (samples in rows): Z_l = A_{l-1} W_l + b_l, A_l = f_l(Z_l), A_0 = X.
    delta_L = dE/dZ_L  (fused where the loss and output activation simplify, else dE/dA_L * f'(Z_L))
    dE/dA_{l-1} = delta_l W_l^T            (sequential order: W_l+ instead of W_l)
    delta_{l-1} = dE/dA_{l-1} * f'(Z_{l-1})  (softmax: dE/dA_{l-1} @ J)
    dE/dW_l = A_{l-1}^T delta_l ; dE/db_l = colsum(delta_l) (a shared bias: the sum of those)
    W_l+ = W_l - eta dE/dW_l
E is the reduced loss: delta carries the 1/n of a mean over n samples and the 1/ln 10 of log base 10.
`hook` (optional) is applied to every intermediate array, e.g. to round as a hand calculation does.
`variant` (optional, calc.check.check's slips): switches that reproduce a student's slip, and a `tap` that sees every
named intermediate (and may replace entries with the student's own numbers). None = the correct method.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from calc.engine.activations import ACTIVATIONS, softmax_jacobian, softmax_vjp
from calc.engine.losses import LOSSES, fused_delta
from calc.problem.spec import Problem, Spec, SpecError

Hook = Callable[[np.ndarray], np.ndarray]
Tap = Callable[[str, int, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Variant:
    """Switches of the one engine that reproduce a known slip; the defaults are the correct method.

    tap(name, layer, array) -> array sees each intermediate after the hook: names net, out, err, loss_s, dout,
    act, delta, term (hidden sums: samples x units x next units), gw, gb, nw, nb.
    """
    dact_at_net: bool = False       # f'(x) with net in place of out: x (1 - x) applied to the net input
    term_scale: float = 1.0         # each output's error term times this (the 1/2 missing: 2)
    dout_scale: float = 1.0         # dE/dout times this (the 2 of the square not cancelled: 2)
    target_sign: float = 1.0        # -1: (target - out) with the sign flipped at the output
    update_sign: float = 1.0        # -1: w + eta dE/dw
    bias_in_net: bool = True        # False: the bias forgotten in net
    shared_bias_unit: int | None = None   # a shared bias updated with the delta of this one unit (0-based)
    softmax_linear: bool = False    # softmax as z / sum(z), no exponentials
    softmax_diagonal: bool = False  # only the diagonal of the softmax Jacobian in the backward pass
    tap: Tap | None = None


def _tap(v: Variant | None, name: str, k: int, arr):
    return arr if v is None or v.tap is None else v.tap(name, k, arr)


@dataclass
class Forward:
    nets: list[np.ndarray]          # per layer, samples x units
    outs: list[np.ndarray]
    terms: np.ndarray               # samples x outputs: each output's error term e_k (log factor included)
    sample_loss: np.ndarray         # samples: E_s = sum_k e_k
    loss: float                     # reduced over samples (sum or mean)


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
    loss_after: float

    @property
    def loss(self) -> float:
        return self.fwd.loss


def _ident(a: np.ndarray) -> np.ndarray:
    return a


def forward(spec: Spec, weights=None, biases=None, x=None, t=None, hook: Hook | None = None,
            check: bool = True, variant: Variant | None = None) -> Forward:
    """Z_l = A_{l-1} W_l + b_l ; A_l = f_l(Z_l); then each output's error term and the reduced loss."""
    h = hook or _ident
    weights = weights if weights is not None else [layer.weights for layer in spec.layers]
    biases = biases if biases is not None else [layer.biases for layer in spec.layers]
    a = spec.inputs if x is None else x
    t = spec.targets if t is None else t
    nets, outs = [], []
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for k, layer in enumerate(spec.layers):
            z = a @ weights[k]
            if biases[k] is not None and (variant is None or variant.bias_in_net):
                z = z + biases[k]
            z = _tap(variant, "net", k, h(z))
            act = ACTIVATIONS[layer.activation]
            if variant is not None and variant.softmax_linear and layer.activation == "softmax":
                a = _tap(variant, "out", k, h(z / np.sum(z, axis=-1, keepdims=True)))
            else:
                a = _tap(variant, "out", k, h(act.f(z, layer.alpha)))
            if check:
                _finite(z, f"layers[{k}]", "net")
                _finite(a, f"layers[{k}]", "out")
            nets.append(z)
            outs.append(a)
        loss = LOSSES[spec.loss]
        out_act = spec.layers[-1].activation
        if variant is None:
            terms = h(loss.term(t, outs[-1], nets[-1], out_act, spec.log_factor))
        else:  # logs of the outputs as computed (they may be a student's own numbers, or a linear "softmax")
            out_act = "linear"
            terms = _tap(variant, "err", 0, h(loss.term(t, outs[-1], nets[-1], out_act, spec.log_factor)
                                              * variant.term_scale))
        sample_loss = _tap(variant, "loss_s", 0, h(terms.sum(axis=1)))
        total = float(sample_loss.mean() if spec.reduction == "mean" else sample_loss.sum())
    if check and not np.isfinite(total):
        raise SpecError([Problem("loss", "the loss overflows float64: scale the inputs or weights down")])
    return Forward(nets, outs, terms, sample_loss, total)


def _finite(arr: np.ndarray, where: str, what: str):
    if not np.all(np.isfinite(arr)):
        s, j = np.argwhere(~np.isfinite(arr))[0]
        raise SpecError([Problem(where, f"{what} of unit {j} (sample {s}) overflows float64 "
                                        f"({arr[s, j]}): scale the inputs or weights down")])


def output_delta(spec: Spec, fwd: Forward, hook: Hook | None = None,
                 variant: Variant | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """(dE/dout, f'(net) diagonal, delta, Jacobian or None, fused?) for the output layer of the reduced loss."""
    h = hook or _ident
    if variant is not None:
        return _output_delta_variant(spec, fwd, h, variant)
    layer = spec.layers[-1]
    t, o, z = spec.targets, fwd.outs[-1], fwd.nets[-1]
    scale = 1.0 / spec.n_samples if spec.reduction == "mean" else 1.0
    lf = spec.log_factor
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        d_out = h(LOSSES[spec.loss].dout(t, o, lf) * scale)
        act = ACTIVATIONS[layer.activation]
        d_act = h(act.df(z, o, layer.alpha))
        jac = softmax_jacobian(o) if layer.activation == "softmax" else None
        fused = fused_delta(spec.loss, layer.activation, t, o, lf)
        if fused is not None:
            return d_out, d_act, h(fused * scale), jac, True
        delta = softmax_vjp(d_out, o) if jac is not None else d_out * d_act
    if not np.all(np.isfinite(delta)):
        raise SpecError([Problem("loss", f"{spec.loss} on a saturated {layer.activation} output (a probability of "
                                         "exactly 0 or 1) has an unbounded gradient here")])
    return d_out, d_act, h(delta), jac, False


def _output_delta_variant(spec: Spec, fwd: Forward, h: Hook, v: Variant):
    """As output_delta, with the slip switches; delta by the chain rule (so a student's dE/dout carries through)."""
    layer = spec.layers[-1]
    t, o, z = spec.targets, fwd.outs[-1], fwd.nets[-1]
    scale = (1.0 / spec.n_samples if spec.reduction == "mean" else 1.0) * v.dout_scale * v.target_sign
    lf = spec.log_factor
    L = len(spec.layers) - 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        d_out = _tap(v, "dout", L, h(LOSSES[spec.loss].dout(t, o, lf) * scale))
        d_act = _tap(v, "act", L, h(ACTIVATIONS[layer.activation].df(z, z if v.dact_at_net else o, layer.alpha)))
        jac = softmax_jacobian(o) if layer.activation == "softmax" else None
        fused = fused_delta(spec.loss, layer.activation, t, o, lf)
        if jac is not None and not v.softmax_diagonal:
            delta = softmax_vjp(d_out, o)
        else:
            delta = d_out * d_act
        if fused is not None and not np.all(np.isfinite(delta)):
            delta = fused * scale
    return d_out, d_act, _tap(v, "delta", L, h(delta)), jac, fused is not None


def backward(spec: Spec, fwd: Forward, hook: Hook | None = None, variant: Variant | None = None) -> Pass:
    """Deltas layer by layer from the output, gradients, updates, and the loss after the update."""
    h = hook or _ident
    L = len(spec.layers)
    eta = spec.learning_rate
    dE_dout: list = [None] * L
    dout_dnet: list = [None] * L
    jacs: list = [None] * L
    deltas: list = [None] * L
    back_w: list = [None] * L
    grad_w: list = [None] * L
    grad_b: list = [None] * L
    new_w: list = [None] * L
    new_b: list = [None] * L
    v = variant
    sign = 1.0 if v is None else v.update_sign
    dE_dout[-1], dout_dnet[-1], deltas[-1], jacs[-1], fused = output_delta(spec, fwd, h, v)
    for k in range(L - 1, -1, -1):
        layer = spec.layers[k]
        a_prev = spec.inputs if k == 0 else fwd.outs[k - 1]
        grad_w[k] = _tap(v, "gw", k, h(a_prev.T @ deltas[k]))
        if layer.bias_mode == "unit":
            grad_b[k] = _tap(v, "gb", k, h(deltas[k].sum(axis=0)))
        elif layer.bias_mode == "shared":
            one = v is not None and v.shared_bias_unit is not None
            d = deltas[k][:, min(v.shared_bias_unit, layer.units - 1)] if one else deltas[k]
            grad_b[k] = _tap(v, "gb", k, h(np.array([d.sum()])))
        new_w[k] = _tap(v, "nw", k, h(layer.weights - sign * eta * grad_w[k]))
        if layer.biases is None:
            new_b[k] = None
        elif spec.update_biases:
            step = grad_b[k] if layer.bias_mode == "unit" else np.full(layer.units, grad_b[k][0])
            new_b[k] = _tap(v, "nb", k, h(layer.biases - sign * eta * step))
        else:
            new_b[k] = _tap(v, "nb", k, layer.biases.copy())
        if k == 0:
            break
        back_w[k] = new_w[k] if spec.update_order == "sequential" else layer.weights
        prev = spec.layers[k - 1]
        if v is None:
            dE_dout[k - 1] = h(deltas[k] @ back_w[k].T)
        else:  # term by term (samples x units x next units), so a student's own terms can be tapped
            terms = _tap(v, "term", k - 1, deltas[k][:, None, :] * back_w[k][None, :, :])
            dE_dout[k - 1] = _tap(v, "dout", k - 1, h(terms.sum(axis=2)))
        z, o = fwd.nets[k - 1], fwd.outs[k - 1]
        at_net = v is not None and v.dact_at_net
        dout_dnet[k - 1] = _tap(v, "act", k - 1, h(ACTIVATIONS[prev.activation].df(z, z if at_net else o, prev.alpha)))
        if prev.activation == "softmax" and not (v is not None and v.softmax_diagonal):
            jacs[k - 1] = softmax_jacobian(o)
            deltas[k - 1] = _tap(v, "delta", k - 1, h(softmax_vjp(dE_dout[k - 1], o)))
        else:
            if prev.activation == "softmax":
                jacs[k - 1] = softmax_jacobian(o)
            deltas[k - 1] = _tap(v, "delta", k - 1, h(dE_dout[k - 1] * dout_dnet[k - 1]))
    after = forward(spec, new_w, new_b, check=False,
                    variant=None if v is None else dataclasses.replace(v, tap=None))
    return Pass(spec, fwd, dE_dout, dout_dnet, jacs, deltas, fused, back_w, grad_w, grad_b, new_w, new_b, after.loss)


def run(spec: Spec, hook: Hook | None = None, variant: Variant | None = None) -> Pass:
    """One forward pass, one backward pass and the update (`variant`: a slip's switches, see Variant)."""
    if variant is None:
        return backward(spec, forward(spec, hook=hook), hook=hook)
    return backward(spec, forward(spec, hook=hook, check=False, variant=variant), hook=hook, variant=variant)
