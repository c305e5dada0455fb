"""Estimates of a job's cost in the engine's own unit, multiply-adds, before it runs; refusals that say what to reduce.

    one pass  = sum over layers of (inputs x units) for the forward pass, twice that backward, per sample
    solve     = one pass + the worked steps (each about 40 multiply-adds to build) + the exact pass if asked
    train     = one pass x updates (each update sees its batch: all samples per epoch in total)
    central   = 2 x parameters forward passes
    exact     = one pass x 2,000 (an exact or decimal object costs about that many float operations)
    expanded  = 20 parameters at most (a SymPy expression of the whole loss), then about 2e7 per parameter
    export    = (solve + 5e4 per worked step: every format printed, the lecture deck's figures laid out) x variants
Numbers are deliberately rough (within a factor of a few); the time limit in the worker is the backstop.
"""
from __future__ import annotations

from dataclasses import dataclass

from calc.jobs import settings
from calc.problem.model import Spec

EXACT_FACTOR = 2_000
STEP_BUILD = 40


class BudgetError(ValueError):
    """A job refused before it starts; str() says what it would cost and what to reduce."""


@dataclass(frozen=True)
class Estimate:
    kind: str
    work: float                   # multiply-adds
    what: str                     # the sizes that drive it, for the message
    reduce: str                   # what the user can reduce
    wall: float | None = None     # a better guess of the seconds, where the work is not NumPy's

    @property
    def inline(self) -> bool:
        return self.work <= settings.INLINE_WORK

    @property
    def seconds(self) -> float:
        """A rough guess of the wall time (NumPy does about 2e8 multiply-adds a second here, small arrays less)."""
        return self.wall if self.wall is not None else 0.05 + self.work / 1e8

    def check(self) -> "Estimate":
        if self.work > settings.MAX_WORK:
            raise BudgetError(f"{self.kind}: about {self.work:.2g} multiply-adds ({self.what}) is over this server's "
                              f"budget of {settings.MAX_WORK:.2g} per job; reduce {self.reduce}")
        return self


def pass_work(spec: Spec) -> float:
    """Multiply-adds of one forward and backward pass over every sample."""
    sizes = spec.sizes
    per_sample = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return 3.0 * per_sample * spec.n_samples + 10.0 * sum(sizes) * spec.n_samples


def _shape(spec: Spec) -> str:
    return f"{'-'.join(map(str, spec.sizes))} network, {spec.n_samples:,} sample{'s' if spec.n_samples != 1 else ''}"


def solve(spec: Spec, steps_shown: int = 0, exact: bool = False) -> Estimate:
    w = pass_work(spec) + STEP_BUILD * steps_shown + (EXACT_FACTOR * pass_work(spec) if exact else 0)
    return Estimate("worked solution" + (" with exact values" if exact else ""), w, _shape(spec),
                    "the samples or the units per layer" + (", or turn exact values off" if exact else ""))


def train(spec: Spec, updates: int, batch_size: int | None = None) -> Estimate:
    b = batch_size or spec.n_samples
    per_update = pass_work(spec) * min(b, spec.n_samples) / spec.n_samples
    return Estimate("training", per_update * max(updates, 1) * 1.2, f"{_shape(spec)}, {updates:,} updates of "
                    f"{min(b, spec.n_samples):,} sample{'s' if b != 1 else ''}", "the number of updates, the batch size "
                    "or the network")


def central(spec: Spec) -> Estimate:
    n_params = sum(layer.weights.size + (0 if layer.biases is None else layer.units) for layer in spec.layers)
    return Estimate("central differences", 2.0 * n_params * pass_work(spec) / 3 + pass_work(spec),
                    f"{_shape(spec)}, {n_params:,} parameters", "the network or the samples (or turn the "
                    "central-difference column off)")


def exact(spec: Spec) -> Estimate:
    return Estimate("exact values", EXACT_FACTOR * pass_work(spec), _shape(spec), "the samples or the units per layer")


def expanded(spec: Spec) -> Estimate:
    n_params = sum(layer.weights.size + (0 if layer.biases is None else layer.units) for layer in spec.layers)
    return Estimate("expanded derivative", 2e7 * n_params * spec.n_samples, f"{n_params} parameters, "
                    f"{spec.n_samples} sample{'s' if spec.n_samples != 1 else ''}", "the network or the samples")


def check_class(spec: Spec, students: int) -> Estimate:
    """A class of up to 2,000 students fits (the checker's own cap); about 0.2 s a student with a wrong value."""
    return Estimate("class check", 1e6 * max(students, 1), f"{students:,} students", "the number of students per "
                    "file", wall=0.2 * max(students, 1))


EXPORT_STEP = 5e4          # printing one step in every format costs 0.5 to 4 ms here (tasks.documents)


def export(spec: Spec, steps_shown: int, exact_values: bool = False, variants: int = 1) -> Estimate:
    e = solve(spec, steps_shown, exact_values)
    return Estimate("export", (e.work + EXPORT_STEP * steps_shown) * max(variants, 1), e.what + (f", {variants} variants" if variants > 1 else ""),
                    e.reduce + (", or the number of variants" if variants > 1 else ""))
