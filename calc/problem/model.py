"""The problem's data model: a small dense network, its samples, loss and update rule (docs/problem-format.md).

Validation (calc.problem.validate) collects every problem with a located field name (`layers[1].weights[0][2]: not
a number: 'abc'`) and raises one SpecError; nothing is half-built. Each number keeps the text it was written as, so the
symbolic side can rebuild it exactly (0.15 -> 3/20, never through a binary float).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calc.maths import functions as _functions


# the names come from the records of calc.maths.functions: a new activation is one record there
ACTIVATIONS = tuple(_functions.ACTIVATIONS)
LOSSES = tuple(_functions.LOSSES)
PROBABILITY_OUTPUTS = tuple(a.name for a in _functions.ACTIVATIONS.values() if a.probability)  # stay inside (0, 1)
DEFAULT_ALPHA = {a.name: a.alpha for a in _functions.ACTIVATIONS.values() if a.alpha is not None}

TOP_KEYS = ("name", "inputs", "targets", "layers", "loss", "log_base", "reduction", "learning_rate",
            "update_biases", "update_order", "published", "l2", "optimizer")
# optimizers with PyTorch's definitions and defaults (torch.optim.SGD with dampening 0, RMSprop, Adam)
OPTIMIZERS = {"sgd": {}, "momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9},
              "rmsprop": {"alpha": 0.99, "eps": 1e-8}, "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}
L2_KEYS = ("lambda", "half", "biases")
LAYER_KEYS = ("weights", "biases", "activation", "alpha")
# Extra keys this project writes itself (allowed silently).
EXTRA_KEYS = ("notation", "source", "notes", "published_notes")

# Hard caps (refused above); the step view has lower caps (calc.worked.solve.STEP_CAPS).
MAX_LAYERS, MAX_UNITS, MAX_SAMPLES = 20, 256, 5000
MAX_UPLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class Problem:
    """One located message: `field` uses 0-based indices, as in the spec contract."""
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


class SpecError(ValueError):
    """An invalid problem; `problems` lists every located message (CLI: one line each, exit 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):                   # pickled whole, from a worker process back to the page
        return self.__class__, (self.problems,)


@dataclass(frozen=True)
class Layer:
    weights: np.ndarray            # (units of previous layer, units of this layer)
    biases: np.ndarray | None      # (units,) ; for a shared bias every entry is the same number
    bias_mode: str                 # "unit" | "shared" | "none"
    activation: str
    alpha: float                   # leaky_relu slope / elu scale (0 when unused)

    @property
    def units(self) -> int:
        return self.weights.shape[1]


@dataclass(frozen=True)
class Spec:
    name: str
    inputs: np.ndarray             # (samples, inputs)
    targets: np.ndarray            # (samples, outputs)
    layers: tuple[Layer, ...]
    loss: str
    log_base: str                  # "e" | "10"
    reduction: str                 # "sum" | "mean"
    learning_rate: float
    update_biases: bool
    update_order: str              # "simultaneous" | "sequential"
    published: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)   # leaf id -> number as written (see calc.worked.steps ids)
    warnings: tuple[Problem, ...] = ()
    single_sample: bool = True     # inputs were written as a flat list
    extra: dict[str, Any] = field(default_factory=dict)   # extra keys kept for round trips
    l2: tuple | None = None        # (lambda, half, biases): E gains lambda/2 sum w^2 (half) or lambda sum w^2
    optimizer: tuple = ("sgd",)    # (name, (param, value), ...) with every parameter, PyTorch's defaults filled in
    opt_state: Any = None          # the optimizer's state before this update (training carries it); None: zeros, t=1

    @property
    def l2_coef(self) -> float:
        """d(penalty)/dw = coef * w: lambda with the 1/2, 2 lambda without."""
        return 0.0 if self.l2 is None else (self.l2[0] if self.l2[1] else 2.0 * self.l2[0])

    @property
    def opt(self) -> dict:
        """The optimizer as {"name": ..., parameter: value}."""
        return {"name": self.optimizer[0], **dict(self.optimizer[1:])}

    @property
    def n_samples(self) -> int:
        return self.inputs.shape[0]

    @property
    def sizes(self) -> list[int]:
        """[inputs, units of layer 0, ..., outputs]"""
        return [self.inputs.shape[1]] + [layer.units for layer in self.layers]

    @property
    def log_factor(self) -> float:
        """1 / ln(base) for bce and cce: log10(x) = ln(x) / ln(10)."""
        return 1.0 / math.log(10.0) if self.log_base == "10" and self.loss in ("bce", "cce") else 1.0

    def text(self, leaf: str, value: float) -> str:
        return self.texts.get(leaf, repr(float(value)))

    def to_dict(self) -> dict:
        """Back to the JSON contract, numbers kept as written (a plain decimal as a JSON number)."""
        def num(leaf: str, value: float):
            t = self.text(leaf, value)
            if _PLAIN_DECIMAL.fullmatch(t):
                return float(t) if ("." in t or "e" in t.lower()) else int(t)
            return t

        def rows(prefix: str, arr: np.ndarray):
            out = [[num(f"{prefix}.s{s + 1}.u{j + 1}", arr[s, j]) for j in range(arr.shape[1])]
                   for s in range(arr.shape[0])]
            return out[0] if self.single_sample else out

        layers = []
        for li, layer in enumerate(self.layers, start=1):
            w = [[num(f"w.l{li}.i{i + 1}.u{j + 1}", layer.weights[i, j]) for j in range(layer.units)]
                 for i in range(layer.weights.shape[0])]
            d: dict[str, Any] = {"weights": w}
            if layer.bias_mode == "shared":
                d["biases"] = num(f"b.l{li}", layer.biases[0])
            elif layer.bias_mode == "unit":
                d["biases"] = [num(f"b.l{li}.u{j + 1}", layer.biases[j]) for j in range(layer.units)]
            else:
                d["biases"] = None
            d["activation"] = layer.activation
            if layer.activation in DEFAULT_ALPHA:
                d["alpha"] = num(f"alpha.l{li}", layer.alpha)
            layers.append(d)
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        out.update({"inputs": rows("x", self.inputs), "targets": rows("t", self.targets), "layers": layers,
                    "loss": self.loss})
        if self.loss in ("bce", "cce"):
            out["log_base"] = "e" if self.log_base == "e" else 10
        out.update({"reduction": self.reduction, "learning_rate": num("eta", self.learning_rate),
                    "update_biases": self.update_biases, "update_order": self.update_order})
        if self.l2 is not None:
            out["l2"] = {"lambda": num("lam", self.l2[0]), "half": self.l2[1], "biases": self.l2[2]}
        if self.optimizer[0] != "sgd":
            out["optimizer"] = {"name": self.optimizer[0],
                                **{k: num(f"opt.{k}", v) for k, v in self.optimizer[1:]}}
        if self.published:
            out["published"] = dict(self.published)
        out.update(self.extra)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


_PLAIN_DECIMAL = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")   # written as a JSON number


class _JsonNum(str):
    """A number literal from JSON, kept as its text (so 0.15 stays '0.15')."""


def _reject_constant(name: str):
    return _JsonNum(name)  # NaN / Infinity / -Infinity: refused later with a located message


def parse_json_text(text: str | bytes, limit: int | None = MAX_UPLOAD_BYTES) -> Any:
    """JSON with number literals kept as text; raises SpecError with a readable message. `limit`: the upload cap
    (None for the project's own canonical JSON, e.g. a snapshot of a large network during training)."""
    limit = limit or 10**12
    if isinstance(text, (bytes, bytearray)):
        if len(text) > limit:
            raise SpecError([Problem("file", f"{len(text):,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit")])
        if b"\x00" in text:
            raise SpecError([Problem("file", "this is a binary file, not a JSON problem")])
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpecError([Problem("file", "not UTF-8 text: upload a JSON problem file")]) from None
    if len(text) > limit:
        raise SpecError([Problem("file", f"{len(text):,} characters is over the {limit:,} limit")])
    try:
        return json.loads(text, parse_float=_JsonNum, parse_int=_JsonNum, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise SpecError([Problem("file", f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}")]) from None
    except RecursionError:
        raise SpecError([Problem("file", "JSON nested too deeply")]) from None
