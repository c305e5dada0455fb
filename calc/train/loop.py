"""Repeat the update N times: batch, mini-batch or stochastic gradient descent (seeds 001 and 003).

A step is one update; an epoch is one pass over the samples in batches of B (the last may be smaller);
with a shuffle seed, each epoch visits the samples in the order numpy.random.default_rng(S) permutes them.
history[k] = the loss over all samples (with the spec's reduction) after k updates; a run resumed at `start` (the
spec holding the parameters after `start` updates) has history[i] = the loss after start + i updates, and visits the
same batches as the whole run would (so chunks of a run give the run's numbers).
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

import numpy as np

from calc.engine.numeric import backward, forward
from calc.problem.spec import Problem, Spec, SpecError

MAX_STEPS = 100_000


@dataclass
class TrainResult:
    history: list[float]
    spec: Spec                      # the spec with the final parameters
    outs: np.ndarray                # final outputs, samples x units
    stopped: str | None = None      # why training stopped early (a non-finite value), else None
    snapshots: dict[int, Spec] = field(default_factory=dict)   # parameters after step k, when asked for

    def to_dict(self) -> dict:
        from calc.worked.steps import json_safe
        layers = []
        for layer, out in zip(self.spec.layers, forward(self.spec, check=False).outs):
            biases = None if layer.biases is None else (
                json_safe(layer.biases[0]) if layer.bias_mode == "shared" else json_safe(layer.biases))
            layers.append({"weights": json_safe(layer.weights), "biases": biases, "out": json_safe(out)})
        return {"history": [json_safe(h) for h in self.history], "layers": layers,
                "warnings": [w.as_dict() for w in self.spec.warnings]}


def with_params(spec: Spec, weights, biases) -> Spec:
    """The spec with new parameters; the texts of the old weights and biases are dropped (they no longer apply)."""
    layers = tuple(dataclasses.replace(layer, weights=w, biases=b) for layer, w, b in zip(spec.layers, weights, biases))
    texts = {k: v for k, v in spec.texts.items() if not k.startswith(("w.", "b."))}
    return dataclasses.replace(spec, layers=layers, texts=texts)


def batches(n: int, batch_size: int, steps: int, shuffle_seed: int | None):
    """Yield the sample indices of each update, epoch after epoch (one permutation per epoch when shuffled)."""
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    done = 0
    while done < steps:
        order = rng.permutation(n) if rng is not None else np.arange(n)
        for start in range(0, n, batch_size):
            if done == steps:
                return
            yield order[start:start + batch_size]
            done += 1


def check_options(spec: Spec, steps: int, batch_size: int | None, start: int = 0) -> list[Problem]:
    problems = []
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        problems.append(Problem("--steps", f"must be a whole number from 0 to {MAX_STEPS:,}, got {steps}"))
    elif isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not 0 <= start <= steps:
        problems.append(Problem("start", f"must be a whole number from 0 to the steps ({steps}), got {start}"))
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or not 1 <= batch_size <= spec.n_samples):
        problems.append(Problem("--batch-size", f"must be a whole number from 1 to the number of samples "
                                                f"({spec.n_samples}), got {batch_size}"))
    return problems


SCALAR_MAX_WORK = 400   # samples x parameters up to which generated straight-line code beats NumPy


def choose_engine(spec: Spec, batch_size: int | None = None) -> str:
    """"scalar" (generated straight-line code) for small networks and few samples, else "vector" (NumPy)."""
    from calc.train.fast import n_params
    return "scalar" if spec.n_samples * n_params(spec) <= SCALAR_MAX_WORK else "vector"


def train(spec: Spec, steps: int, batch_size: int | None = None, shuffle_seed: int | None = None,
          keep: set[int] | None = None, engine: str = "auto", start: int = 0) -> TrainResult:
    """Apply the update rule `steps` times; stop at the first non-finite value (TrainResult.stopped says where).
    With `start` > 0, `spec` holds the parameters (and optimizer state) after `start` updates and only updates
    start+1..steps are made; snapshots keep their absolute update numbers.

    engine: "auto" (choose_engine), "scalar", "vector" or "reference" (calc.engine.numeric, one Spec per step); all give
    the same numbers to rounding, and where and why training stops is always decided by the reference loop.
    """
    problems = check_options(spec, steps, batch_size, start)
    if engine not in ("auto", "scalar", "vector", "reference"):
        problems.append(Problem("engine", f"must be auto, scalar, vector or reference, got {engine!r}"))
    if problems:
        raise SpecError(problems)
    steps, start = int(steps), int(start)
    n = spec.n_samples
    b = int(batch_size or n)
    keep = set(keep or ())
    forward(spec)                   # raises SpecError if the starting point already overflows
    if engine == "auto":
        engine = choose_engine(spec, b)
    if spec.optimizer[0] != "sgd" or spec.l2 is not None:
        engine = "reference"            # the optimizer's state and the L2 term live in calc.engine.numeric
    if engine == "reference":
        return _reference(spec, steps, b, shuffle_seed, keep, start=start)
    from calc.train import fast as fasttrain
    model = (fasttrain.ScalarModel if engine == "scalar" else fasttrain.VectorModel)(spec, b)
    order = None if b == n and shuffle_seed is None else itertools.islice(batches(n, b, steps, shuffle_seed), start, None)
    rel = {k - start for k in keep if k >= start}      # the fast path counts from 0
    try:
        hist, P, snaps = fasttrain.run(model, steps - start, b, order, rel)
    except fasttrain.Trouble as t:     # let the reference loop decide the step that goes wrong
        snaps = {start + k: with_params(spec, *model.arrays(p)) for k, p in t.snaps.items()}
        res = _reference(with_params(spec, *model.arrays(t.params)), steps, b, shuffle_seed, keep,
                         start=start + t.start)
        res.history[:0] = t.history
        res.snapshots.update(snaps)
        return res
    final = with_params(spec, *model.arrays(P))
    snaps = {start + k: with_params(spec, *model.arrays(p)) for k, p in snaps.items()}
    return TrainResult([float(h) for h in hist], final, forward(final, check=False).outs[-1], None, snaps)


def _reference(spec: Spec, steps: int, b: int, shuffle_seed: int | None, keep: set[int],
               start: int = 0) -> TrainResult:
    """The plain loop over calc.engine.numeric: updates start+1..steps from `spec` (the parameters after `start`)."""
    n = spec.n_samples
    cur = spec
    history = [forward(spec, check=False).loss]
    snaps = {start: spec} if start in keep else {}
    stopped = None
    order = itertools.islice(batches(n, b, steps, shuffle_seed), start, None)
    for k, idx in enumerate(order, start=start + 1):
        sub = cur if b == n and shuffle_seed is None else dataclasses.replace(
            cur, inputs=cur.inputs[idx], targets=cur.targets[idx])
        with np.errstate(all="ignore"):
            try:
                p = backward(sub, forward(sub, check=False))
            except SpecError:
                stopped = f"step {k}: the gradient is not finite (an output saturated at exactly 0 or 1)"
                break
            nxt = dataclasses.replace(with_params(cur, p.new_w, p.new_b), opt_state=p.opt_state)
            loss = p.loss_after if sub is cur else forward(nxt, check=False).loss
        finite = (np.isfinite(loss) and all(np.all(np.isfinite(w)) for w in p.new_w)
                  and all(np.all(np.isfinite(x)) for x in p.new_b if x is not None))
        if not finite:
            stopped = f"step {k}: the loss or a weight is no longer finite (learning rate too large?)"
            break
        cur = nxt
        history.append(float(loss))
        if k in keep:
            snaps[k] = cur
    outs = forward(cur, check=False).outs[-1]
    return TrainResult(history, cur, outs, stopped, snaps)
