"""The problem: load and validate a JSON problem (docs/problem-format.md) into a Spec.

    load_spec(path | JSON text | bytes) -> Spec ; spec_from_dict(dict) -> Spec ; both raise SpecError
The data model (Spec, Layer, Problem, SpecError, the caps) lives in calc.problem.model and is re-exported here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from calc.problem.model import (L2_KEYS, OPTIMIZERS, ACTIVATIONS, DEFAULT_ALPHA, EXTRA_KEYS, LAYER_KEYS, LOSSES,  # noqa: F401
                                MAX_LAYERS, MAX_SAMPLES, MAX_UNITS, MAX_UPLOAD_BYTES, PROBABILITY_OUTPUTS, TOP_KEYS,
                                Layer, Problem, Spec, SpecError, parse_json_text)
from calc.problem.validate import validate


def load_spec(source: str | Path | bytes) -> Spec:
    """A path, JSON text or uploaded bytes -> validated Spec (raises SpecError)."""
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")
                                    and len(source) < 4096 and "\n" not in source):
        p = Path(source)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise SpecError([Problem("file", f"cannot read {str(p)!r}: {e.strerror}")]) from None
        return spec_from_dict(parse_json_text(data))
    return spec_from_dict(parse_json_text(source))


def spec_from_dict(d: Any) -> Spec:
    """Validate a parsed JSON object (or a dict built by the app) into a Spec; raises SpecError."""
    return validate(d)
