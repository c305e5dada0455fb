"""The seed examples as ready-made problems (JSON in the spec contract, docs/problem-format.md).

Each preset file carries, besides the problem, `name` (shown in the app), `source`, `notes`, the
values its source printed (`published`: {label: value as printed}) and what explains them
(`published_notes`). Only network problems are listed here; the gradient-descent presets
(descent_*.json) are not networks and are read by the gradient-descent page itself.
"""
from __future__ import annotations

import json
from pathlib import Path

from calc.problem.spec import Spec, load_spec

PRESET_DIR = Path(__file__).resolve().parent

# (id, filename), in the order the app lists them; Mazur's network is the default.
PRESETS: list[tuple[str, str]] = [
    ("mazur", "mazur.json"),
    ("three_layer_softmax", "three_layer_softmax.json"),
    ("dog_breed", "dog_breed.json"),
    ("classifier_4_5_3", "classifier_4_5_3.json"),
    ("relu_sigmoid_softmax_4_3_4_2", "relu_sigmoid_softmax_4_3_4_2.json"),
]
_FILES = dict(PRESETS)


def preset_ids() -> list[str]:
    """Preset ids in display order (the first is the default)."""
    return [pid for pid, _ in PRESETS]


def preset_path(preset_id: str) -> Path:
    """The JSON file of a preset; KeyError with the known ids for an unknown one."""
    try:
        return PRESET_DIR / _FILES[preset_id]
    except KeyError:
        raise KeyError(f"unknown preset {preset_id!r}; known: {', '.join(preset_ids())}") from None


def load_preset(preset_id: str) -> Spec:
    """The preset as a validated Spec (calc.problem.spec.load_spec)."""
    return load_spec(preset_path(preset_id))


def preset_names() -> dict[str, str]:
    """{id: name shown in the app}, in display order (read from the files, without solving)."""
    names = {}
    for pid, filename in PRESETS:
        data = json.loads((PRESET_DIR / filename).read_text(encoding="utf-8"))
        names[pid] = data.get("name") or pid
    return names
