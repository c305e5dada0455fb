"""Validation of a problem: every number, shape and choice checked, each problem located by its field.

Fields use 0-based indices as in the spec contract (`layers[1].weights: 3 rows, but layer 0 has 2 units`).
All problems are collected before anything is built, so a refused problem is never half-applied; warnings
(unknown keys with "did you mean", underflow, cce targets not summing to 1, ...) travel with the Spec.
"""
from __future__ import annotations

import difflib
import json
import math
from typing import Any

import numpy as np

from calc.parse.text import MAX_DIGITS, ParseError, check_digits, parse_number, underflow_note
from calc.problem.model import (L2_KEYS, OPTIMIZERS, ACTIVATIONS, DEFAULT_ALPHA, EXTRA_KEYS, LAYER_KEYS, LOSSES, MAX_LAYERS, MAX_SAMPLES,
                       MAX_UNITS, PROBABILITY_OUTPUTS, TOP_KEYS, Layer, Problem, Spec, SpecError, _JsonNum)


class _Collector:
    def __init__(self):
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.texts: dict[str, str] = {}

    def err(self, where: str, msg: str):
        self.errors.append(Problem(where, msg))

    def warn(self, where: str, msg: str):
        self.warnings.append(Problem(where, msg))

    def number(self, v: Any, where: str, leaf: str | None = None) -> float | None:
        """Read one number (JSON literal, int/float, or text through the safe parser)."""
        try:
            return self._number(v, where, leaf)
        except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as e:  # never a traceback
            self.err(where, f"cannot be read as a number ({type(e).__name__}{': ' + str(e)[:200] if str(e) else ''})")
            return None

    def _number(self, v: Any, where: str, leaf: str | None) -> float | None:
        warning = None
        if isinstance(v, bool) or v is None:
            self.err(where, f"expected a number, got {json.dumps(v)}")
            return None
        if isinstance(v, _JsonNum):
            text = str(v)
            if text in ("NaN", "Infinity", "-Infinity"):
                self.err(where, f"{text} is not a finite number")
                return None
            try:
                check_digits(text)
            except ParseError as e:
                self.err(where, str(e))
                return None
            value = float(text)
            warning = underflow_note(text, value) if value == 0 else None
        elif isinstance(v, (int, np.integer)):
            if abs(int(v)).bit_length() > 3322:  # more than 1,000 digits (str() stops at 4,300)
                self.err(where, f"an integer of about {int(abs(int(v)).bit_length() * 0.30103) + 1:,} digits: the "
                                f"limit is {MAX_DIGITS:,} digits")
                return None
            try:
                value = float(v)
            except OverflowError:
                value = math.inf
            text = str(int(v))
        elif isinstance(v, (float, np.floating)):
            value = float(v)
            text = repr(value)
        elif isinstance(v, str):
            try:
                parsed = parse_number(v, field=where)
            except ParseError as e:
                self.err(where, str(e))
                return None
            value, text, warning = parsed.value, parsed.text, parsed.warning
            if parsed.note:
                self.warn(where, parsed.note)
        else:
            self.err(where, f"expected a number, got {type(v).__name__}")
            return None
        if not math.isfinite(value):
            shown = text if len(text) <= 40 else f"{text[:20]}...{text[-12:]}"
            self.err(where, f"{shown} is not a finite float64 number (|x| must be below 1.8e308)")
            return None
        if warning:
            self.warn(where, warning)
        if leaf:
            self.texts[leaf] = text
        return value

    def vector(self, v: Any, where: str, leaf_of) -> list[float] | None:
        if not isinstance(v, list):
            self.err(where, f"expected a list of numbers, got {_kind(v)}")
            return None
        if not v:
            self.err(where, "is empty")
            return None
        out, ok = [], True
        for j, x in enumerate(v):
            if isinstance(x, list):
                self.err(f"{where}[{j}]", "expected a number, got a list")
                ok = False
                continue
            f = self.number(x, f"{where}[{j}]", leaf_of(j))
            ok &= f is not None
            out.append(f)
        return out if ok else None


def _kind(v: Any) -> str:
    if isinstance(v, _JsonNum):
        return "a number"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), type(v).__name__)


def _did_you_mean(key: str, options) -> str:
    m = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    return f" (did you mean {m[0]!r}?)" if m else ""


def _choice(c: _Collector, d: dict, key: str, options, default, where: str | None = None):
    where = where or key
    v = d.get(key, default)
    if v is None:
        v = default
    if isinstance(v, _JsonNum) or not isinstance(v, str) or v not in options:
        shown = json.dumps(str(v)) if isinstance(v, _JsonNum) else json.dumps(v)
        c.err(where, f"unknown value {shown}{_did_you_mean(str(v), options)}; choose one of {', '.join(options)}")
        return default
    return v


def _samples(c: _Collector, v: Any, key: str, leaf: str) -> tuple[np.ndarray | None, bool]:
    """A flat list = one sample; a list of lists = samples x values."""
    if not isinstance(v, list) or not v:
        c.err(key, "is missing" if v is None else ("is empty" if isinstance(v, list) else
                                                    f"expected a list of numbers, got {_kind(v)}"))
        return None, True
    if all(isinstance(r, list) for r in v):
        if len(v) > MAX_SAMPLES:
            c.err(key, f"{len(v)} samples; the limit is {MAX_SAMPLES}")
            return None, False
        rows = [c.vector(r, f"{key}[{s}]", lambda j, s=s: f"{leaf}.s{s + 1}.u{j + 1}") for s, r in enumerate(v)]
        if any(r is None for r in rows):
            return None, False
        widths = {len(r) for r in rows}
        if len(widths) > 1:
            c.err(key, f"rows have different lengths ({', '.join(str(len(r)) for r in rows)}); every sample needs "
                       f"the same number of values")
            return None, False
        return np.array(rows, dtype=np.float64), False
    if any(isinstance(r, list) for r in v):
        c.err(key, "mixes numbers and lists: write one list (one sample) or a list of lists (samples x values)")
        return None, True
    r = c.vector(v, key, lambda j: f"{leaf}.s1.u{j + 1}")
    return (None if r is None else np.array([r], dtype=np.float64)), True


def validate(d: Any) -> Spec:
    """A parsed JSON object (or a dict built by the app) -> Spec, or SpecError listing every located problem.

    SpecError is the only exception that leaves: each cell's own failures are located by _Collector.number, and
    anything unforeseen becomes one problem (a message, never a traceback)."""
    try:
        return _validate(d)
    except SpecError:
        raise
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError,
            MemoryError) as e:
        raise SpecError([Problem("file", f"the problem could not be checked ({type(e).__name__}"
                                         f"{': ' + str(e)[:200] if str(e) else ''})")]) from None


def _validate(d: Any) -> Spec:
    c = _Collector()
    if not isinstance(d, dict):
        raise SpecError([Problem("file", f"expected a JSON object with inputs, targets and layers, got {_kind(d)}")])
    for k in d:
        if k not in TOP_KEYS and k not in EXTRA_KEYS:
            c.warn(k, f"unknown key, ignored{_did_you_mean(k, TOP_KEYS)}")

    name = d.get("name") or ""
    if not isinstance(name, str):
        c.err("name", f"expected text, got {_kind(name)}")
        name = ""
    elif len(name) > 200:
        c.err("name", f"{len(name)} characters; the limit is 200")

    x, single = _samples(c, d.get("inputs"), "inputs", "x")
    t, single_t = _samples(c, d.get("targets"), "targets", "t")

    layers_raw = d.get("layers")
    layers: list[Layer] = []
    if not isinstance(layers_raw, list) or not layers_raw:
        c.err("layers", "is missing" if layers_raw is None else "needs at least one layer (a list of layer objects)")
        layers_raw = []
    elif len(layers_raw) > MAX_LAYERS:
        c.err("layers", f"{len(layers_raw)} layers; the limit is {MAX_LAYERS}")
        layers_raw = []
    prev_units = None if x is None else x.shape[1]
    for k, lr in enumerate(layers_raw):
        where = f"layers[{k}]"
        if not isinstance(lr, dict):
            c.err(where, f"expected a layer object, got {_kind(lr)}")
            prev_units = None
            continue
        for key in lr:
            if key not in LAYER_KEYS:
                c.warn(f"{where}.{key}", f"unknown key, ignored{_did_you_mean(key, LAYER_KEYS)}")
        layer = _layer(c, lr, k, prev_units)
        prev_units = None if layer is None else layer.units
        if layer is not None:
            layers.append(layer)

    loss = _choice(c, d, "loss", LOSSES, None) if "loss" in d else (c.err("loss", "is missing") or "half_sse")
    lb = d.get("log_base", "e")
    if lb is None or (isinstance(lb, str) and not isinstance(lb, _JsonNum) and lb.strip() == "e"):
        log_base = "e"
    elif str(lb).strip() in ("10", "10.0") and not isinstance(lb, bool):
        log_base = "10"
    else:
        c.err("log_base", f"must be \"e\" or 10, got {json.dumps(str(lb) if isinstance(lb, _JsonNum) else lb)}")
        log_base = "e"
    if "log_base" in d and loss not in ("bce", "cce") and log_base != "e":
        c.warn("log_base", f"only bce and cce use a logarithm; ignored for {loss}")
    reduction = _choice(c, d, "reduction", ("sum", "mean"), "sum")
    order = _choice(c, d, "update_order", ("simultaneous", "sequential"), "simultaneous")
    ub = d.get("update_biases", True)
    if not isinstance(ub, bool):
        c.err("update_biases", f"must be true or false, got {json.dumps(str(ub) if isinstance(ub, _JsonNum) else ub)}")
        ub = True
    if "learning_rate" not in d:
        c.err("learning_rate", "is missing")
        eta = None
    else:
        eta = c.number(d["learning_rate"], "learning_rate", "eta")
    if eta is not None:
        if eta < 0:
            c.err("learning_rate", f"must be >= 0 (gradient descent steps downhill), got {c.texts['eta']}")
        elif eta == 0:
            c.warn("learning_rate", "is 0: nothing changes in the update")

    published = d.get("published") or {}
    if not isinstance(published, dict):
        c.err("published", f"expected an object of label: value, got {_kind(published)}")
        published = {}
    published = {str(k): str(v) for k, v in published.items()}

    if x is not None and t is not None and x.shape[0] != t.shape[0]:
        c.err("targets", f"{t.shape[0]} samples, but inputs has {x.shape[0]}")
    if layers and len(layers) == len(layers_raw) and t is not None:
        out_units = layers[-1].units
        if t.shape[1] != out_units:
            c.err("targets", f"{t.shape[1]} values per sample, but the output layer (layers[{len(layers) - 1}]) "
                             f"has {out_units} units")
        elif loss in ("bce", "cce"):
            _check_probability_loss(c, loss, layers[-1], len(layers) - 1, t)

    l2 = _l2(c, d.get("l2"))
    optimizer = _optimizer(c, d.get("optimizer"))
    if c.errors:
        raise SpecError(c.errors)
    extra = {k: d[k] for k in EXTRA_KEYS if k in d}
    return Spec(name=name, inputs=x, targets=t, layers=tuple(layers), loss=loss, log_base=log_base,
                reduction=reduction, learning_rate=eta, update_biases=ub, update_order=order,
                published=published, texts=c.texts, warnings=tuple(c.warnings), single_sample=single and single_t,
                extra=extra, l2=l2, optimizer=optimizer)


def _flag(c: _Collector, v: Any, where: str, default: bool) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        c.err(where, f"must be true or false, got {json.dumps(str(v) if isinstance(v, _JsonNum) else v)}")
        return default
    return v


def _l2(c: _Collector, v: Any) -> tuple | None:
    """"l2": {"lambda": 0.05, "half": true, "biases": false} -> (lambda, half, biases), or None."""
    if v is None:
        return None
    if not isinstance(v, dict):
        c.err("l2", f"expected an object {{\"lambda\": 0.05, \"half\": true, \"biases\": false}}, got {_kind(v)}")
        return None
    for k in v:
        if k not in L2_KEYS:
            c.err(f"l2.{k}", f"unknown key{_did_you_mean(k, L2_KEYS)}")
    if "lambda" not in v:
        c.err("l2.lambda", "is missing")
        return None
    lam = c.number(v["lambda"], "l2.lambda", "lam")
    if lam is not None and lam < 0:
        c.err("l2.lambda", f"must be >= 0, got {c.texts['lam']}")
    return None if lam is None else (lam, _flag(c, v.get("half"), "l2.half", True),
                                     _flag(c, v.get("biases"), "l2.biases", False))


def _optimizer(c: _Collector, v: Any) -> tuple:
    """"optimizer": {"name": "adam", "beta1": 0.9, ...} -> ("adam", ("beta1", 0.9), ...) with PyTorch's defaults."""
    if v is None:
        return ("sgd",)
    if isinstance(v, str) and not isinstance(v, _JsonNum):
        v = {"name": v}
    if not isinstance(v, dict):
        c.err("optimizer", f"expected an object {{\"name\": \"adam\", ...}}, got {_kind(v)}")
        return ("sgd",)
    name = v.get("name")
    if name not in OPTIMIZERS:
        c.err("optimizer.name", f"must be one of {', '.join(OPTIMIZERS)}, got {json.dumps(str(name))}"
                                f"{_did_you_mean(str(name), tuple(OPTIMIZERS))}")
        return ("sgd",)
    params = dict(OPTIMIZERS[name])
    for k, val in v.items():
        if k == "name":
            continue
        if k not in params:
            c.err(f"optimizer.{k}", f"not a parameter of {name} (it has: {', '.join(params) or 'none'})"
                                    f"{_did_you_mean(k, tuple(params))}")
            continue
        x = c.number(val, f"optimizer.{k}", f"opt.{k}")
        if x is None:
            continue
        if k in ("momentum", "alpha", "beta1", "beta2") and not 0 <= x < 1:
            c.err(f"optimizer.{k}", f"must be in [0, 1), got {c.texts[f'opt.{k}']}")
        elif k == "eps" and not x > 0:
            c.err(f"optimizer.{k}", f"must be > 0, got {c.texts[f'opt.{k}']}")
        params[k] = x
    return (name,) + tuple(params.items())


def _check_probability_loss(c: _Collector, loss: str, out: Layer, k: int, t: np.ndarray):
    if out.activation not in PROBABILITY_OUTPUTS:
        c.err("loss", f"{loss} needs outputs in (0, 1), but layers[{k}].activation is {out.activation}, which can "
                      f"leave (0, 1): use sigmoid or softmax, or a squared-error loss")
        return
    for s, j in zip(*np.nonzero((t < 0) | (t > 1))):
        if loss == "bce":
            c.err(f"targets[{s}][{j}]", f"bce targets must lie in [0, 1], got {t[s, j]:g}")
        else:
            c.err(f"targets[{s}][{j}]", f"cce targets are probabilities and must lie in [0, 1], got {t[s, j]:g}")
    if loss == "cce" and np.all((t >= 0) & (t <= 1)):
        for s in range(t.shape[0]):
            total = float(t[s].sum())
            if abs(total - 1.0) > 1e-9:
                c.warn(f"targets[{s}]", f"cce targets sum to {total:g}, not 1 (divide by the sum to normalise)")
    if loss == "bce" and out.activation == "softmax":
        c.warn("loss", "bce on softmax outputs treats each class as its own yes/no question; cce is the usual pair")


def _layer(c: _Collector, lr: dict, k: int, prev_units: int | None) -> Layer | None:
    where = f"layers[{k}]"
    ok = True
    act = _choice(c, lr, "activation", ACTIVATIONS, "sigmoid", f"{where}.activation") if "activation" in lr else (
        c.err(f"{where}.activation", "is missing") or "sigmoid")
    w = lr.get("weights")
    wn = None
    if not isinstance(w, list) or not w:
        c.err(f"{where}.weights", "is missing" if w is None else ("is empty" if isinstance(w, list) else
                                                                 f"expected a matrix (list of rows), got {_kind(w)}"))
        return None
    if not all(isinstance(r, list) for r in w):
        c.err(f"{where}.weights", "expected a matrix: a list of rows, one row per unit of the previous layer "
                                  "(or input), one column per unit of this layer")
        return None
    if len(w) > MAX_UNITS:
        c.err(f"{where}.weights", f"{len(w)} rows; the limit is {MAX_UNITS}")
        return None
    rows = [c.vector(r, f"{where}.weights[{i}]", lambda j, i=i: f"w.l{k + 1}.i{i + 1}.u{j + 1}")
            for i, r in enumerate(w)]
    if any(r is None for r in rows):
        ok = False
    else:
        widths = [len(r) for r in rows]
        if len(set(widths)) > 1:
            c.err(f"{where}.weights", f"ragged matrix: rows have {', '.join(map(str, widths))} columns")
            ok = False
        elif widths[0] > MAX_UNITS:
            c.err(f"{where}.weights", f"{widths[0]} units; the limit is {MAX_UNITS}")
            ok = False
        else:
            wn = np.array(rows, dtype=np.float64)
    if wn is not None and prev_units is not None and wn.shape[0] != prev_units:
        src = "the inputs have" if k == 0 else f"layer {k - 1} has"
        c.err(f"{where}.weights", f"{wn.shape[0]} rows, but {src} {prev_units} " + ("values" if k == 0 else "units"))
        ok = False
    units = None if wn is None else wn.shape[1]
    if act == "softmax" and units == 1:
        c.err(f"{where}.activation", "softmax on a one-unit layer always outputs 1 (its gradient is 0); "
                                     "use sigmoid for one output")
        ok = False
    b = lr.get("biases")
    biases, mode = None, "none"
    if isinstance(b, list):
        mode = "unit"
        vals = c.vector(b, f"{where}.biases", lambda j: f"b.l{k + 1}.u{j + 1}")
        if vals is None:
            ok = False
        elif units is not None and len(vals) != units:
            c.err(f"{where}.biases", f"{len(vals)} biases, but the layer has {units} units "
                                     f"(give one per unit, one number shared by all, or null)")
            ok = False
        else:
            biases = np.array(vals, dtype=np.float64)
    elif b is not None:
        mode = "shared"
        v = c.number(b, f"{where}.biases", f"b.l{k + 1}")
        if v is None:
            ok = False
        elif units is not None:
            biases = np.full(units, v, dtype=np.float64)
    alpha = 0.0
    if act in DEFAULT_ALPHA:
        alpha = DEFAULT_ALPHA[act]
        if lr.get("alpha") is not None:
            a = c.number(lr["alpha"], f"{where}.alpha", f"alpha.l{k + 1}")
            if a is None:
                ok = False
            else:
                alpha = a
    elif lr.get("alpha") is not None:
        c.warn(f"{where}.alpha", f"only leaky_relu and elu use alpha; ignored for {act}")
    if not ok or wn is None:
        return None
    return Layer(weights=wn, biases=biases, bias_mode=mode, activation=act, alpha=alpha)
