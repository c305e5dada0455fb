"""Repeat the update N times: batch, mini-batch or stochastic gradient descent (seeds 001 and 003).

A step is one update; an epoch is one pass over the samples in batches of B (the last may be smaller);
with a shuffle seed, each epoch visits the samples in the order numpy.random.default_rng(S) permutes them.
history[k] = the loss over all samples (with the spec's reduction) after k updates.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from calc.numeric import backward, forward
from calc.spec import Problem, Spec, SpecError

MAX_STEPS = 100_000


@dataclass
class TrainResult:
    history: list[float]
    spec: Spec                      # the spec with the final parameters
    outs: np.ndarray                # final outputs, samples x units
    stopped: str | None = None      # why training stopped early (a non-finite value), else None
    snapshots: dict[int, Spec] = field(default_factory=dict)   # parameters after step k, when asked for

    def to_dict(self) -> dict:
        from calc.steps import json_safe
        layers = []
        for layer, out in zip(self.spec.layers, forward(self.spec, check=False).outs):
            biases = None if layer.biases is None else (
                json_safe(layer.biases[0]) if layer.bias_mode == "shared" else json_safe(layer.biases))
            layers.append({"weights": json_safe(layer.weights), "biases": biases, "out": json_safe(out)})
        return {"history": [json_safe(h) for h in self.history], "layers": layers,
                "warnings": [w.as_dict() for w in self.spec.warnings]}


def with_params(spec: Spec, weights, biases) -> Spec:
    layers = tuple(dataclasses.replace(layer, weights=w, biases=b) for layer, w, b in zip(spec.layers, weights, biases))
    return dataclasses.replace(spec, layers=layers)


def batches(n: int, batch_size: int, steps: int, shuffle_seed: int | None):
    """Yield the sample indices of each update, epoch after epoch."""
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    done = 0
    while done < steps:
        order = rng.permutation(n) if rng is not None else np.arange(n)
        for start in range(0, n, batch_size):
            if done == steps:
                return
            yield order[start:start + batch_size]
            done += 1


def check_options(spec: Spec, steps: int, batch_size: int | None) -> list[Problem]:
    problems = []
    if not isinstance(steps, int) or steps < 0 or steps > MAX_STEPS:
        problems.append(Problem("--steps", f"must be a whole number from 0 to {MAX_STEPS:,}, got {steps}"))
    if batch_size is not None and (batch_size < 1 or batch_size > spec.n_samples):
        problems.append(Problem("--batch-size", f"must be from 1 to the number of samples ({spec.n_samples}), "
                                                f"got {batch_size}"))
    return problems


def train(spec: Spec, steps: int, batch_size: int | None = None, shuffle_seed: int | None = None,
          keep: set[int] | None = None) -> TrainResult:
    """Apply the update rule `steps` times; stop at the first non-finite value (TrainResult.stopped says where)."""
    problems = check_options(spec, steps, batch_size)
    if problems:
        raise SpecError(problems)
    n = spec.n_samples
    b = batch_size or n
    cur = spec
    history = [forward(spec).loss]
    snaps = {0: spec} if keep and 0 in keep else {}
    stopped = None
    for k, idx in enumerate(batches(n, b, steps, shuffle_seed), start=1):
        sub = cur if len(idx) == n and b == n and shuffle_seed is None else dataclasses.replace(
            cur, inputs=cur.inputs[idx], targets=cur.targets[idx])
        with np.errstate(all="ignore"):
            try:
                p = backward(sub, forward(sub, check=False))
            except SpecError:
                stopped = f"step {k}: the gradient is not finite"
                break
            nxt = with_params(cur, p.new_w, p.new_b)
            loss = p.loss_after if sub is cur else forward(nxt, check=False).loss
        finite = np.isfinite(loss) and all(np.all(np.isfinite(w)) for w in p.new_w)
        if not finite:
            stopped = f"step {k}: the loss or a weight is no longer finite (learning rate too large?)"
            break
        cur = nxt
        history.append(float(loss))
        if keep and k in keep:
            snaps[k] = cur
    outs = forward(cur, check=False).outs[-1]
    return TrainResult(history, cur, outs, stopped, snaps)
