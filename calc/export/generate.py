"""Exercise generator: an architecture, activations, loss and a seed -> a problem with "nice" numbers.

Draws every input, target, weight and bias with 1 or 2 decimals from numpy.random.default_rng(seed),
and redraws until the exercise is fair: no saturated unit (the net of an activation that saturates, as
sigmoid and tanh, within +-3), no net near a kink, no zero gradient (every |dE/dw| >= 1e-4 and no unit with
f'(net) = 0: a relu unit must be active), no ties (distinct weights, distinct outputs per layer, distinct
|gradients|). What an activation does is read from its record. The same seed always gives the same exercise.

Ties are refused because a slip that swaps two weights (or two units) would then give the right number and go
unseen. One tie is structural and allowed: a two-unit softmax layer has out_1 + out_2 = 1, so
delta_1 = -delta_2 and dE/dw_i1 = -dE/dw_i2 for every input i; a swap there flips the sign, which is seen.
cce with sigmoid outputs gets soft targets summing to 1 (one-hot targets make the gradient of every unit with
target 0 exactly zero: -t (1 - out) = 0).
"""
from __future__ import annotations

import numpy as np

from calc.maths.functions import ACTIVATIONS
from calc.maths.functions import LOSSES
from calc.engine.numeric import run
from calc.problem.spec import Spec, SpecError, spec_from_dict

MAX_TRIES = 5000
ARCH_CAP = 6                      # units per layer and layers, to keep a sheet hand-computable


def parse_arch(text: str) -> list[int]:
    """'2-2-2' -> [2, 2, 2] (inputs, hidden..., outputs)."""
    try:
        sizes = [int(x) for x in str(text).replace(",", "-").split("-")]
    except ValueError:
        raise ValueError(f"architecture: expected sizes like 2-2-2, got {text!r}") from None
    if len(sizes) < 2 or any(not 1 <= n <= ARCH_CAP for n in sizes) or len(sizes) > ARCH_CAP + 1:
        raise ValueError(f"architecture: 2 to {ARCH_CAP + 1} sizes, each 1 to {ARCH_CAP}, like 2-2-2; got {text!r}")
    return sizes


def _draw(rng, shape, decimals: int, lo: float, hi: float, signed: bool) -> np.ndarray:
    step = 10.0 ** -decimals
    v = rng.integers(round(lo / step), round(hi / step) + 1, size=shape) * step
    if signed:
        v = v * rng.choice([-1.0, 1.0], size=shape, p=[0.3, 0.7])
    return np.round(v, decimals)


def _targets(rng, loss: str, out_act: str, shape, decimals: int) -> np.ndarray:
    out = ACTIVATIONS[out_act]
    if loss == "cce" and not out.vector:       # soft targets: every unit has a gradient (see the docstring)
        step = 10 ** decimals
        cuts = np.sort(rng.choice(np.arange(1, step), size=(shape[0], shape[1] - 1), replace=False), axis=1)
        edges = np.hstack([np.zeros((shape[0], 1)), cuts, np.full((shape[0], 1), step)])
        return np.round(np.diff(edges, axis=1) / step, decimals)
    if loss == "cce" or out.vector:
        t = np.zeros(shape)
        t[np.arange(shape[0]), rng.integers(0, shape[1], size=shape[0])] = 1.0
        return t
    if loss == "bce":
        return rng.integers(0, 2, size=shape).astype(float)
    if out.probability:
        return _draw(rng, shape, decimals, 0.01, 0.99, False)
    return _draw(rng, shape, decimals, 0.1, 1.0, True)


def _ties_allowed(g: np.ndarray, vector_pair: bool, tol: float = 1e-6) -> bool:
    """True when no two |dE/dw| of one layer (g: inputs x units) are within tol, except the structural pairs of a
    two-unit softmax layer: dE/dw_i1 = -dE/dw_i2 (same input i, opposite signs)."""
    flat, order = g.ravel(), np.argsort(np.abs(g).ravel(), kind="stable")
    mag = np.abs(flat)[order]
    for a, b in zip(order[:-1][np.diff(mag) < tol], order[1:][np.diff(mag) < tol]):
        same_input = a // g.shape[1] == b // g.shape[1]
        if not (vector_pair and same_input and abs(flat[a] + flat[b]) < tol):
            return False
    return True


def _fair(spec: Spec) -> bool:
    p = run(spec)
    for k, layer in enumerate(spec.layers):
        z, o, act = p.fwd.nets[k], p.fwd.outs[k], ACTIVATIONS[layer.activation]
        if act.saturates and np.any(np.abs(z) > 3.0):
            return False
        if act.kink is not None and np.any(np.abs(z) < 0.05):
            return False
        if np.any(p.dout_dnet[k] == 0):
            return False
        if o.shape[1] > 1 and np.min(np.abs(np.diff(np.sort(o, axis=1), axis=1))) < 1e-3:
            return False
        g = np.asarray(p.grad_w[k])
        if np.any(np.abs(g) < 1e-4) or not _ties_allowed(g, act.vector and g.shape[1] == 2):
            return False
        if len(np.unique(layer.weights)) < layer.weights.size:
            return False
    return bool(np.isfinite(p.loss) and np.isfinite(p.loss_after))


def generate(sizes: list[int] | str, activations: list[str] | str, loss: str = "half_sse", seed: int = 0,
             learning_rate: float = 0.5, decimals: int = 2, bias: str = "shared") -> Spec:
    """A fair exercise for the architecture; ValueError names the bad option."""
    sizes = parse_arch(sizes) if isinstance(sizes, str) else list(sizes)
    acts = activations.split(",") if isinstance(activations, str) else list(activations)
    acts = [a.strip() for a in acts]
    if len(acts) == 1:
        acts = acts * (len(sizes) - 1)
    if len(acts) != len(sizes) - 1:
        raise ValueError(f"activations: {len(sizes) - 1} needed (one per layer after the inputs), got {len(acts)}")
    for k, a in enumerate(acts):
        if a not in ACTIVATIONS:
            raise ValueError(f"activations: unknown {a!r}; choose from {', '.join(ACTIVATIONS)}")
        if ACTIVATIONS[a].vector and sizes[k + 1] < 2:
            raise ValueError(f"activations: {a} on a layer of one unit always outputs 1 (its gradient is 0); "
                             "use it on a layer of 2 or more units")
    if loss not in LOSSES:
        raise ValueError(f"loss: unknown {loss!r}; choose from {', '.join(LOSSES)}")
    if decimals not in (1, 2):
        raise ValueError("decimals: 1 or 2")
    if bias not in ("shared", "unit", "none"):
        raise ValueError("bias: shared, unit or none")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    for _ in range(MAX_TRIES):
        d = {"name": f"Exercise {'-'.join(map(str, sizes))} (seed {seed})",
             "notes": f"A practice exercise drawn with seed {seed}.",
             "inputs": _draw(rng, (sizes[0],), decimals, 0.05, 0.95, False).tolist(),
             "targets": _targets(rng, loss, acts[-1], (1, sizes[-1]), decimals)[0].tolist(),
             "layers": [], "loss": loss, "learning_rate": learning_rate, "update_biases": True}
        for k, a in enumerate(acts):
            layer = {"weights": _draw(rng, (sizes[k], sizes[k + 1]), decimals, 0.05, 0.95, True).tolist(),
                     "activation": a}
            if bias == "shared":
                layer["biases"] = float(_draw(rng, (1,), decimals, 0.05, 0.95, False)[0])
            elif bias == "unit":
                layer["biases"] = _draw(rng, (sizes[k + 1],), decimals, 0.05, 0.95, False).tolist()
            d["layers"].append(layer)
        try:
            spec = spec_from_dict(d)
        except SpecError as e:
            raise ValueError("; ".join(str(p) for p in e.problems)) from None
        if _fair(spec):
            return spec
    raise ValueError(f"no fair exercise found for {'-'.join(map(str, sizes))} with {', '.join(acts)} and {loss} "
                     f"in {MAX_TRIES} draws; try other activations or a different loss")


def variants(sizes, activations, loss: str = "half_sse", seed: int = 0, n: int = 1, **kw) -> list[tuple[int, Spec]]:
    """N exercises, one per student: seeds seed, seed+1, ... (each sheet prints its own seed)."""
    if not 1 <= n <= 500:
        raise ValueError("variants: from 1 to 500")
    return [(seed + k, generate(sizes, activations, loss, seed + k, **kw)) for k in range(n)]
