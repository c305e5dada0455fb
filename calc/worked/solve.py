"""Spec -> the worked solution: calc.engine.numeric's arrays turned into ordered Steps (scalar view, then matrices).

Order (as in Mazur's post): given values; forward (each net as its sum of products, each out); the loss
(each output's error term, per-sample losses, the reduced total); backward from the output layer
(dE/dout, dout/dnet, delta; each weight's dnet/dw, dE/dw and w+; each bias), then each hidden layer
(dE/dout as a sum with one term per unit of the next layer); the loss after the update; the matrix view.
Ops (how a step's value follows from its depends_on; calc.worked.ops evaluates them in any arithmetic):
    given, affine, act, err, sum, mean, dloss, dact, jac, mul, sumprod, fused, update, copy, matrix
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from calc.worked import notation as nt
from calc.maths.functions import ACTIVATIONS
from calc.engine.numeric import Pass, run
from calc.problem.spec import Problem, Spec, SpecError
from calc.worked.steps import MAX_DECIMALS, RawStep, Step, json_safe
from calc.worked.template import Renderer

STEP_CAPS = {"layers": 6, "units": 16, "samples": 32, "steps": 30_000}


def estimated_steps(spec: Spec) -> int:
    """About how many scalar steps the worked solution has (per sample: nets, outs, factors, products)."""
    sizes = spec.sizes
    per_sample = sum(3 * a * b + 8 * b + (b * b if layer.activation == "softmax" else 0)
                     for a, b, layer in zip(sizes, sizes[1:], spec.layers))
    return spec.n_samples * per_sample


class Solution:
    """The worked solution, as one view: raw steps (shared, built once) printed in a notation, to `digits`
    significant digits, from a value source. `steps` and `index` hold this view's Steps; view() gives the same
    raw steps printed another way without rebuilding or re-solving.

    spec, run (calc.engine.numeric.Pass), raw_steps, notation (calc.worked.notation.Notation), digits,
    values (None: float64 values, at most 17 significant digits; or a callable step id -> printed text, e.g.
    exact digits from calc.symbolic.exact passed in by the printers), warnings, summarised."""

    def __init__(self, spec: Spec, run: Pass, raw_steps: list[RawStep], notation: nt.Notation, digits: int,
                 warnings: list[Problem] | None = None, summarised: bool = False,
                 values: Callable[[str], str | None] | None = None, _shared: dict | None = None,
                 decimals: int | None = None):
        self.spec, self.run, self.raw_steps = spec, run, raw_steps
        self.notation, self.digits, self.values = notation, int(digits), values
        self.decimals = None if decimals is None else int(decimals)     # fixed decimals in place of digits
        self.warnings = list(warnings or [])
        self.summarised = summarised
        # shared by every view of these raw steps: the raw index and the float64 views made so far
        self._shared = _shared if _shared is not None else {"raw": {r.id: r for r in raw_steps}, "views": {}}
        self.renderer = Renderer(self._shared["raw"], notation, self.digits, values, self.decimals)
        self.steps: list[Step] = [Step(r, self.renderer) for r in raw_steps]
        self._index: dict[str, Step] | None = None

    @property
    def index(self) -> dict[str, Step]:
        if self._index is None:
            self._index = {s.id: s for s in self.steps}
        return self._index

    @property
    def views_kept(self) -> int:
        """How many float64 views of these raw steps are kept (shared by every view; view() adds one per new
        notation and digits): a cache that holds a Solution can re-measure it when this grows."""
        return len(self._shared["views"])

    def by_label(self) -> dict[str, Step]:
        return {s.label: s for s in self.steps}

    def view(self, notation: str | nt.Notation | None = None, digits: int | None = None,
             values: Callable[[str], str | None] | None = None, decimals: int | None | bool = False) -> "Solution":
        """The same raw steps printed in another notation (a name or a Notation; None: this view's), to other
        digits (None: this view's), from `values` (None: float64), with `decimals` fixed decimals in place of
        significant digits (an int 0..15; None: significant digits; False: this view's). No rebuild, no re-solve;
        float64 views are kept and shared, so asking again returns the same view with its rendering cache."""
        names = (self.notation if notation is None or notation == self.notation.name else
                 notation if isinstance(notation, nt.Notation) else nt.make(self.spec, notation))
        digits = self.digits if digits is None else int(digits)
        if not 1 <= digits <= 30:
            raise ValueError("digits: must be from 1 to 30")
        decimals = self.decimals if decimals is False else decimals
        if decimals is not None and not 0 <= int(decimals) <= MAX_DECIMALS:
            raise ValueError(f"decimals: must be from 0 to {MAX_DECIMALS}")
        if (values is None and self.values is None and names is self.notation and digits == self.digits
                and decimals == self.decimals):
            return self
        key = (names.name, digits) if decimals is None else (names.name, digits, int(decimals))
        if values is None and key in self._shared["views"]:
            return self._shared["views"][key]
        v = Solution(self.spec, self.run, self.raw_steps, names, digits, self.warnings, self.summarised, values,
                     self._shared, decimals)
        if values is None:
            self._shared["views"][key] = v
        return v

    def to_dict(self) -> dict:
        """The result contract of `python -m calc solve --format json`."""
        p, spec = self.run, self.spec
        layers = []
        for k, layer in enumerate(spec.layers):
            gb = p.grad_b[k]
            layers.append({
                "net": json_safe(p.fwd.nets[k]), "out": json_safe(p.fwd.outs[k]), "delta": json_safe(p.deltas[k]),
                "grad_weights": json_safe(p.grad_w[k]),
                "grad_biases": None if gb is None else (json_safe(gb[0]) if layer.bias_mode == "shared"
                                                        else json_safe(gb)),
                "new_weights": json_safe(p.new_w[k]),
                "new_biases": None if p.new_b[k] is None else (json_safe(p.new_b[k][0]) if layer.bias_mode == "shared"
                                                               else json_safe(p.new_b[k])),
            })
        return {"loss": json_safe(p.loss), "loss_after": json_safe(p.loss_after), "layers": layers,
                "steps": [s.as_dict() for s in self.steps],
                "warnings": [w.as_dict() for w in self.warnings]}


def over_caps(spec: Spec) -> list[str]:
    over = []
    if len(spec.layers) > STEP_CAPS["layers"]:
        over.append(f"{len(spec.layers)} layers (step view: {STEP_CAPS['layers']})")
    if max(spec.sizes) > STEP_CAPS["units"]:
        over.append(f"{max(spec.sizes)} units in a layer (step view: {STEP_CAPS['units']})")
    if spec.n_samples > STEP_CAPS["samples"]:
        over.append(f"{spec.n_samples} samples (step view: {STEP_CAPS['samples']})")
    if not over and estimated_steps(spec) > STEP_CAPS["steps"]:
        over.append(f"about {estimated_steps(spec):,} scalar steps (step view: {STEP_CAPS['steps']:,})")
    return over


def solve(spec: Spec, notation: str | None = None, digits: int = 9) -> Solution:
    """One forward and backward pass with every step, as the view in `notation` to `digits` significant digits
    (Solution.view prints the same steps another way); raises SpecError if the numbers overflow."""
    p = run(spec)
    names = nt.make(spec, notation)
    warnings = list(spec.warnings) + list(p.fwd.kinks) + saturation_warnings(spec, p)
    over = over_caps(spec)
    if over:
        warnings.append(Problem("steps", "summarised to the matrix view: " + ", ".join(over)))
    from calc.worked.forward import Builder
    raw = Builder(spec, p, scalar=not over).build()
    sol = Solution(spec, p, raw, names, digits, warnings, summarised=bool(over))
    sol._shared["views"][(names.name, sol.digits)] = sol
    return sol


def saturation_warnings(spec: Spec, p: Pass) -> list[Problem]:
    out = []
    for k, layer in enumerate(spec.layers):
        z, o = p.fwd.nets[k], p.fwd.outs[k]
        act = ACTIVATIONS[layer.activation]
        if act.saturates:
            flat = act.df(z, o, layer.alpha) < 1e-6
            for s, j in np.argwhere(flat)[:3]:
                out.append(Problem(f"layers[{k}]", f"unit {j} (sample {s}) is saturated: net = {z[s, j]:.6g}, "
                                                   f"{layer.activation}' = {act.df(z, o, layer.alpha)[s, j]:.3g}; "
                                                   "its gradients vanish"))
        if k == len(spec.layers) - 1 and layer.activation in ("sigmoid", "softmax") and np.any((o == 0) | (o == 1)):
            out.append(Problem(f"layers[{k}]", "an output probability is exactly 0 or 1 in float64 (saturated): "
                                               "dE/dout is unbounded there; the fused delta is used"))
    return out


def checked_solve(spec: Spec, notation: str | None = None, digits: int = 9, exact: bool = False) -> Solution:
    """solve() as the commands call it: SpecError at --notation when that notation does not fit this network,
    BudgetError (calc.jobs.budget) when the solve is over budget (exact: above 17 digits or exact values asked)."""
    from calc.jobs import budget
    if notation and notation not in nt.available(spec):
        raise SpecError([Problem("--notation", f"{notation} is for networks with one hidden layer; this one has "
                                               f"{len(spec.layers) - 1} hidden layers (use "
                                               f"{' or '.join(nt.available(spec))})")])
    budget.solve(spec, 0 if over_caps(spec) else estimated_steps(spec), exact).check()
    return solve(spec, notation=notation, digits=digits)
