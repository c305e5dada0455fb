"""The catalogue of slips: each one a transformation of the problem, of the function tables or of the arithmetic
that the one engine (calc.engine.numeric) then runs; the engine itself has no slip switches.

    a changed spec        sequential order, ln for log10, eta missing, a weight matrix transposed, ...
    a changed record      sigma' taken at net (f' fed the net), sigma' taken as out, the 1/2 missing (e_k times 2), softmax as z / sum z
    a tap                 the bias forgotten in net, the update added, a shared bias given one unit's delta
    an arithmetic         a hand calculation: every result rounded or truncated to k decimals / digits (not a slip)

evaluate(candidate, pins, steps) runs calc.engine.numeric with the candidate's method and a tap that records every
intermediate *before* the student's own numbers (pins) replace it, so one run gives, for every step, the value
that follows from the student's earlier values: value(step) = op(the student's values of its dependencies).
Value-level slips (digits transposed, an addition slip, a digit miscopied, one update too many or too few)
are judged on the printed number in calc.check.check.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from calc.engine.method import Method
from calc.engine.numeric import run
from calc.engine.typed import leaves
from calc.maths.arith import FLOAT, Exact, Hand, Rounding
from calc.maths.functions import ACTIVATIONS, LOSSES
from calc.maths.optimizers import OPTIMIZERS
from calc.problem.spec import Spec
from calc.worked import ids
from calc.worked import notation as nt

# slip id -> what the student did (the catalogue; the order is the order of preference)
CATALOGUE: dict[str, str] = {
    "dact_at_net": "sigma' taken at net instead of out (x(1 - x) applied to the net input)",
    "dact_is_out": "sigma' taken as out (the (1 - out) factor of out (1 - out) forgotten)",
    "half_missing": "the 1/2 of the squared error missing",
    "two_not_cancelled": "the 2 of the square not cancelled by the 1/2 (dE/dout = 2 (out - target))",
    "target_sign": "the sign of (target - out) flipped",
    "update_added": "the update added instead of subtracted (w + eta dE/dw)",
    "sequential": "hidden deltas computed with the already-updated output weights (sequential order)",
    "simultaneous": "hidden deltas computed with the old output weights where the problem updates sequentially",
    "bias_forgotten": "the bias forgotten in net",
    "bias_updated": "a bias updated that should stay fixed",
    "bias_not_updated": "a bias left fixed that should be updated",
    "shared_bias_per_unit": "a shared bias treated per unit (one unit's delta instead of the sum over its units)",
    "log_base": "ln and log10 swapped",
    "reduction_samples": "sum and mean over the samples swapped",
    "reduction_outputs": "sum and mean over the outputs swapped",
    "transposed": "a weight matrix transposed",
    "weights_swapped": "two weight indices swapped",
    "eta_missing": "the learning rate missing",
    "eta_twice": "the learning rate applied twice",
    "update_not_applied": "the update not applied (w+ written as the old w)",
    "softmax_linear": "softmax computed as z / sum(z) (no exponentials)",
    "adam_no_correction": "Adam's bias correction forgotten (m and v used for m-hat and v-hat)",
    "l2_half_kept": "the 1/2 of (lambda/2) sum w^2 kept in the gradient (lambda/2 w instead of lambda w)",
    "l2_two_missing": "the 2 of lambda sum w^2 missing in the gradient (lambda w instead of 2 lambda w)",
    "softmax_diagonal": "only the diagonal of the softmax Jacobian used in the backward pass",
    "bce_on_softmax": "binary cross-entropy applied to softmax outputs",
    "rounding": "intermediates rounded or truncated to k decimals (not a mistake)",
    "digits_transposed": "two adjacent digits transposed",
    "addition": "an addition slip in a sum of terms",
    "update_count": "one update too many or too few",
    "digit_typo": "one digit miscopied",
}
BENIGN = {"rounding"}
# too many variants to pair with everything else
NO_PAIRS = {"weights_swapped", "transposed", "shared_bias_per_unit"}


@dataclass(frozen=True)
class Candidate:
    """One way of working the problem: a slip (or two) as spec changes, engine switches and a rounding hook."""
    slips: tuple[str, ...]
    text: str
    changes: dict = field(default_factory=dict)         # Spec fields (e.g. update_order, log_base, loss)
    layer_changes: dict = field(default_factory=dict)   # {layer index: {"weights": array}}
    switches: dict = field(default_factory=dict)        # record and tap transformations (see method())
    arith: object = None                                # a hand calculation's arithmetic (None: float64)
    hook: Callable | None = None                        # applied to each step's array (a per-step rounding)

    def spec(self, spec: Spec) -> Spec:
        """The problem as the student worked it."""
        if self.changes:
            spec = dataclasses.replace(spec, **self.changes)
        if self.layer_changes:
            layers = list(spec.layers)
            for k, ch in self.layer_changes.items():
                layers[k] = dataclasses.replace(layers[k], **ch)
            spec = dataclasses.replace(spec, layers=tuple(layers))
        return spec

    def method(self, spec: Spec, tap=None) -> Method:
        """The engine's method for this candidate: its records replaced, its taps before the student's pins."""
        return method(spec, self.switches, tap)


def _with(record, **kw):
    return dataclasses.replace(record, **kw)


def method(spec: Spec, sw: dict, pin_tap=None) -> Method:
    """Function tables and taps that reproduce the switches `sw`; `pin_tap` (the student's numbers) sees last."""
    acts, losses = dict(ACTIVATIONS), dict(LOSSES)
    if sw.get("dact_at_net"):       # f'(x) fed the net where it is written in out: x (1 - x) of the net input
        acts = {k: a if a.in_net else _with(a, DF=lambda A, z, o, al, f=a.DF: f(A, z, z, al)) for k, a in acts.items()}
    if sw.get("dact_is_out"):       # dout/dnet written as out instead of out (1 - out)
        acts["sigmoid"] = _with(acts["sigmoid"], DF=lambda A, z, o, al: o)
    if sw.get("softmax_linear"):
        acts["softmax"] = _with(acts["softmax"], F=lambda A, z, al: z / A.rowsum(z))
    if sw.get("softmax_diagonal"):
        acts["softmax"] = _with(acts["softmax"], jacobian=False)
    ts, ds = sw.get("term_scale", 1.0), sw.get("dout_scale", 1.0) * sw.get("target_sign", 1.0)
    if ts != 1.0 or ds != 1.0:
        lo = losses[spec.loss]
        losses[spec.loss] = _with(lo, term=lambda A, t, o, logs, m, lf, f=lo.term: f(A, t, o, logs, m, lf) * ts,
                                  dout=lambda A, t, o, m, lf, f=lo.dout: f(A, t, o, m, lf) * ds)
    opts = dict(OPTIMIZERS)
    if sw.get("adam_no_correction"):      # as if t were infinite: 1 - beta^t = 1, m-hat = m, v-hat = v
        opts["adam"] = _with(opts["adam"], step=lambda A, p, g, s, hp, eta, t, f=opts["adam"].step:
                             f(A, p, g, s, hp, eta, 10**6))
    l2_scale = sw.get("l2_grad_scale")
    seen: dict = {}
    no_bias = not sw.get("bias_in_net", True)
    added = sw.get("update_sign", 1.0) < 0
    unit = sw.get("shared_bias_unit")

    def tap(name, k, arr):
        layer = spec.layers[k] if k < len(spec.layers) else None
        if name == "net" and no_bias and layer is not None and layer.biases is not None:
            arr = arr - layer.biases
        elif name == "delta":
            seen[k] = arr
        elif name == "gw" and l2_scale is not None:    # the L2 term of the gradient scaled (a 2 or a 1/2 slip)
            arr = arr - (1 - l2_scale) * spec.l2_coef * layer.weights
        elif name == "gb" and unit is not None and layer.bias_mode == "shared":
            d = seen[k]
            arr = np.array([d[:, min(unit, layer.units - 1)].sum()], dtype=d.dtype)
        elif added and name == "nw":            # w + eta dE/dw = 2 w - (w - eta dE/dw)
            arr = 2 * layer.weights - arr
        elif added and name == "nb" and spec.update_biases:
            arr = 2 * layer.biases - arr
        return arr if pin_tap is None else pin_tap(name, k, arr)

    # a slip is worked by the chain rule (so a student's dE/dout carries into delta); the correct method and a
    # hand calculation use the closed form where the worked solution does (delta = out - target)
    return Method(acts, losses, opts, tap, logs_from_outputs=True, chain_delta=bool(sw))


EXACT = Candidate((), "the correct method")
# the correct method worked in exact arithmetic, for values that follow from a student's own written decimals
# (0.7514 - 0.01 is exactly 0.7414, never 0.74139999999999995)
EXACT_PINNED = Candidate((), "the correct method, exactly", arith=Exact(40))


def candidates(spec: Spec, notation: str | None = None) -> list[Candidate]:
    """Every single slip that changes something for this problem."""
    names = nt.make(spec, notation)
    acts = [layer.activation for layer in spec.layers]
    out = []

    def add(slip, switches=None, changes=None, text=None, layer=None):
        out.append(Candidate((slip,), text or CATALOGUE[slip], changes or {}, layer or {}, switches or {}))

    if any(a in ("sigmoid", "tanh") for a in acts):
        add("dact_at_net", {"dact_at_net": True})
    if "sigmoid" in acts:
        add("dact_is_out", {"dact_is_out": True})
    if spec.loss == "half_sse":
        add("half_missing", {"term_scale": 2.0, "dout_scale": 2.0})
        add("half_missing", {"term_scale": 2.0}, text="the 1/2 of the squared error missing in E (dE/dout right)")
        add("two_not_cancelled", {"dout_scale": 2.0})
    elif spec.loss in ("sse", "mse"):
        add("half_missing", {"term_scale": 0.5, "dout_scale": 0.5}, text="a 1/2 put in front of the squared error")
        add("two_not_cancelled", {"dout_scale": 0.5}, text="the 2 of the square dropped from dE/dout")
    add("target_sign", {"target_sign": -1.0})
    add("update_added", {"update_sign": -1.0})
    if len(spec.layers) > 1:
        if spec.update_order == "simultaneous":
            add("sequential", changes={"update_order": "sequential"})
        else:
            add("simultaneous", changes={"update_order": "simultaneous"})
    if any(layer.bias_mode != "none" for layer in spec.layers):
        add("bias_forgotten", {"bias_in_net": False})
        if spec.update_biases:
            add("bias_not_updated", changes={"update_biases": False})
        else:
            add("bias_updated", changes={"update_biases": True})
    if spec.update_biases and any(layer.bias_mode == "shared" for layer in spec.layers):
        for j in range(max(layer.units for layer in spec.layers)):
            add("shared_bias_per_unit", {"shared_bias_unit": j},
                text=f"{CATALOGUE['shared_bias_per_unit']}: unit {j + 1}'s delta only")
    if spec.loss in ("bce", "cce"):
        other = "10" if spec.log_base == "e" else "e"
        add("log_base", changes={"log_base": other},
            text="ln and log10 swapped: " + ("log10 used instead of ln" if other == "10" else "ln used instead of log10"))
    if spec.n_samples > 1:
        other = "mean" if spec.reduction == "sum" else "sum"
        add("reduction_samples", changes={"reduction": other},
            text=f"sum and mean over the samples swapped: the {other} taken")
    m = spec.targets.shape[1]
    if m > 1:
        f = float(m) if spec.loss == "mse" else 1.0 / m
        add("reduction_outputs", {"term_scale": f, "dout_scale": f},
            text="sum and mean over the outputs swapped: the " + ("sum" if spec.loss == "mse" else "mean") + " taken")
    for k, layer in enumerate(spec.layers):
        w = layer.weights
        if w.shape[0] == w.shape[1] and not np.allclose(w, w.T):
            add("transposed", layer={k: {"weights": w.T.copy()}},
                text=f"{CATALOGUE['transposed']} (layer {k + 1}: w_ij read as w_ji)")
        cells = [(i, j) for i in range(w.shape[0]) for j in range(w.shape[1])]
        if len(cells) <= 16:
            for p, (i1, j1) in enumerate(cells):
                for (i2, j2) in cells[p + 1:]:
                    if w[i1, j1] == w[i2, j2]:
                        continue
                    w2 = w.copy()
                    w2[i1, j1], w2[i2, j2] = w[i2, j2], w[i1, j1]
                    a, b = names.w(k + 1, i1 + 1, j1 + 1)[0], names.w(k + 1, i2 + 1, j2 + 1)[0]
                    add("weights_swapped", layer={k: {"weights": w2}}, text=f"two weight indices swapped: {a} and {b}")
    eta = spec.learning_rate
    if eta != 0.0:
        add("update_not_applied", changes={"learning_rate": 0.0})
    if eta != 1.0:
        add("eta_missing", changes={"learning_rate": 1.0})
        add("eta_twice", changes={"learning_rate": eta * eta},
            text=f"the learning rate applied twice (eta * eta = {eta * eta:g})")
        if 2 * eta != 1.0:  # (2 eta = 1 is the same as eta missing)
            add("eta_twice", changes={"learning_rate": 2 * eta},
                text=f"the learning rate applied twice (2 eta = {2 * eta:g})")
    if spec.optimizer[0] == "adam":
        add("adam_no_correction", {"adam_no_correction": True})
    if spec.l2 is not None:
        add("l2_half_kept" if spec.l2[1] else "l2_two_missing", {"l2_grad_scale": 0.5})
    if "softmax" in acts:
        add("softmax_linear", {"softmax_linear": True})
        add("softmax_diagonal", {"softmax_diagonal": True})
        if spec.loss == "cce" and acts[-1] == "softmax":
            add("bce_on_softmax", changes={"loss": "bce"})
    return out


def pairs(cands: list[Candidate]) -> list[Candidate]:
    """Two slips at once, where they change different things."""
    base = [c for c in cands if c.slips[0] not in NO_PAIRS]
    out = []
    for a in range(len(base)):
        for b in range(a + 1, len(base)):
            c1, c2 = base[a], base[b]
            if c1.slips == c2.slips or set(c1.switches) & set(c2.switches) or set(c1.changes) & set(c2.changes):
                continue
            out.append(Candidate(c1.slips + c2.slips, f"{c1.text}; and {c2.text}", {**c1.changes, **c2.changes},
                                 {}, {**c1.switches, **c2.switches}))
    return out


def rounding(k: int, truncate: bool, unit: str = "decimals", style: str = "op") -> Candidate:
    """A hand calculation: results rounded half up (or truncated) to k decimals or k significant digits, in decimal
    arithmetic (0.3925 stays 0.3925). style "op": every operation's result; "calculator": the same with sigmoid
    from one key; "step": only each step's value (net, out, dE/dout, ..., w+)."""
    A = Hand(Rounding(k, "truncate" if truncate else "round", unit), calculator=style == "calculator",
             per_step=style == "step")
    return Candidate(("rounding",), A.describe(), arith=A, hook=A.round_array if style == "step" else None)


# ---- running a candidate ---------------------------------------------------------------------------
def parse_id(sid: str) -> tuple[str, dict[str, int]]:
    """'term.s1.l1.u2.k1' -> ('term', {'s': 1, 'l': 1, 'u': 2, 'k': 1}) (calc.worked.ids.parse)."""
    return ids.parse(sid)


PINNABLE = {"net", "out", "err", "loss", "dout", "act", "delta", "term", "gw", "gb", "nw", "nb"}


def _pin_slot(sid: str, spec: Spec) -> tuple[str, int, tuple] | None:
    """Where a step's value lives in calc.engine.numeric's arrays (name, layer index, array index), if it is pinnable."""
    kind, p = parse_id(sid)
    s, l, u = p.get("s"), p.get("l"), p.get("u")
    if kind in ("net", "out", "dout", "act", "delta"):
        return kind, l - 1, (s - 1, u - 1)
    if kind == "err":
        return "err", 0, (s - 1, u - 1)
    if kind == "loss" and s is not None:
        return "loss_s", 0, (s - 1,)
    if kind == "term":
        return "term", l - 1, (s - 1, u - 1, p["k"] - 1)
    if kind == "gw" and s is None:
        return "gw", l - 1, (p["i"] - 1, u - 1)
    if kind == "nw":
        return "nw", l - 1, (p["i"] - 1, u - 1)
    if kind in ("gb", "nb"):
        if u is not None:
            return kind, l - 1, (u - 1,)
        return kind, l - 1, ((0,) if kind == "gb" else (slice(None),))
    return None


def apply_givens(spec: Spec, pins: dict[str, float]) -> Spec:
    """The spec with the student's own values of given numbers (inputs, targets, weights, biases, eta)."""
    gv = {k: v for k, v in pins.items() if parse_id(k)[0] in ids.GIVEN}
    if not gv:
        return spec
    x, t = spec.inputs.copy(), spec.targets.copy()
    ws = [layer.weights.copy() for layer in spec.layers]
    bs = [None if layer.biases is None else layer.biases.copy() for layer in spec.layers]
    eta = spec.learning_rate
    for sid, v in gv.items():
        kind, p = parse_id(sid)
        if kind == "x":
            x[p["s"] - 1, p["u"] - 1] = v
        elif kind == "t":
            t[p["s"] - 1, p["u"] - 1] = v
        elif kind == "w":
            ws[p["l"] - 1][p["i"] - 1, p["u"] - 1] = v
        elif kind == "b" and bs[p["l"] - 1] is not None:
            if "u" in p:
                bs[p["l"] - 1][p["u"] - 1] = v
            else:
                bs[p["l"] - 1][:] = v
        elif kind == "eta":
            eta = v
    layers = tuple(dataclasses.replace(layer, weights=w, biases=b) for layer, w, b in zip(spec.layers, ws, bs))
    return dataclasses.replace(spec, inputs=x, targets=t, layers=layers, learning_rate=eta)


def evaluate(spec: Spec, cand: Candidate, step_ids: list[str], pins: dict[str, float] | None = None
             ) -> dict[str, float]:
    """{step id: value} under the candidate, each value computed from the student's values (pins) before it."""
    pins = pins or {}
    spec = apply_givens(cand.spec(spec), pins)
    slots: dict[tuple[str, int], list] = {}
    for sid, v in pins.items():
        slot = _pin_slot(sid, spec)
        if slot is not None:
            slots.setdefault(slot[:2], []).append((slot[2], v))
    rec: dict[tuple[str, int], np.ndarray] = {}

    A = cand.arith or FLOAT

    def tap(name, k, arr):
        arr = np.array(arr, dtype=float) if A is FLOAT else np.array(arr, dtype=object)
        rec[(name, k)] = arr
        if (name, k) in slots:
            arr = arr.copy()
            for idx, v in slots[(name, k)]:
                arr[idx] = v if A is FLOAT else A.const(v)
        return arr

    try:
        with np.errstate(all="ignore"):
            p = run(spec, hook=cand.hook, method=cand.method(spec, tap), A=A)
    except (ValueError, FloatingPointError, ZeroDivisionError, IndexError, ArithmeticError, TypeError):
        return {}
    return _values(spec, p, rec, step_ids, A)


def _values(spec: Spec, p, rec, step_ids: list[str], A=FLOAT) -> dict[str, float]:
    out: dict[str, float] = {}
    x_in = leaves(spec, A).inputs
    lw = [layer.weights for layer in spec.layers]
    for sid in step_ids:
        kind, q = parse_id(sid)
        s, l, u, i = q.get("s"), q.get("l"), q.get("u"), q.get("i")
        try:
            if kind == "x":
                v = spec.inputs[s - 1, u - 1]
            elif kind == "t":
                v = spec.targets[s - 1, u - 1]
            elif kind == "w":
                v = lw[l - 1][i - 1, u - 1]
            elif kind == "b":
                v = spec.layers[l - 1].biases[(u or 1) - 1]
            elif kind == "eta":
                v = spec.learning_rate
            elif sid == ids.LOSS:
                v = p.fwd.loss
            elif sid == ids.LOSS_AFTER:
                v = p.loss_after
            elif kind == "jac":
                v = p.jacobians[l - 1][s - 1, q["k"] - 1, u - 1]
            elif kind == "chain":
                d = p.dE_dout[l - 1][s - 1]
                jac = p.jacobians[l - 1]
                v = d @ jac[s - 1][:, u - 1] if jac is not None else d[u - 1] * p.dout_dnet[l - 1][s - 1, u - 1]
            elif kind == "dnet":
                a = x_in if l == 1 else p.fwd.outs[l - 2]
                v = a[s - 1, i - 1]
            elif kind == "gw" and s is not None:
                a = x_in if l == 1 else p.fwd.outs[l - 2]
                v = p.deltas[l - 1][s - 1, u - 1] * a[s - 1, i - 1]
            else:
                slot = _pin_slot(sid, spec)
                if slot is None:
                    continue
                arr = rec.get(slot[:2])
                if arr is None:
                    continue
                idx = slot[2]
                v = arr[idx] if not (idx and isinstance(idx[0], slice)) else arr[0]
            out[sid] = float(v)
        except (IndexError, TypeError, KeyError):
            continue
    return out
