"""How a pass is worked: which function tables the engine uses, and an optional tap that sees every intermediate.

The default, CORRECT, is the textbook method. calc.check.slips builds the other methods a student may have used
(sigma' taken at net, softmax as z / sum z, only the Jacobian's diagonal, ...) by replacing records in these
tables; the engine itself has no slip switches.
    tap(name, layer, array) -> array sees net, out, err, loss_s, dout, act, delta, term (hidden sums: samples x
    units x next units), gw, gb, nw, nb, and may return the student's own numbers in place of the array.
    logs_from_outputs: every log of the loss taken from the outputs as computed (not from the nets), and
    chain_delta: the output delta by the chain rule (no fused closed form), so that a student's own numbers
    carry through as their worked steps depend on each other.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Mapping

from calc.maths.functions import ACTIVATIONS, LOSSES
from calc.maths.optimizers import OPTIMIZERS

Tap = Callable[[str, int, object], object]


@dataclass(frozen=True)
class Method:
    activations: Mapping = field(default_factory=lambda: ACTIVATIONS)
    losses: Mapping = field(default_factory=lambda: LOSSES)
    optimizers: Mapping = field(default_factory=lambda: OPTIMIZERS)
    tap: Tap | None = None
    logs_from_outputs: bool = False
    chain_delta: bool = False

    def see(self, name: str, layer: int, arr):
        return arr if self.tap is None else self.tap(name, layer, arr)

    def quiet(self) -> "Method":
        """The same method without its tap (the loss after the update is not the student's to pin)."""
        return self if self.tap is None else dataclasses.replace(self, tap=None)


CORRECT = Method()
