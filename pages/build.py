"""Build your own network (units per layer, samples, biases) and name the problem (name and notes).

A built network keeps the numbers that fit and gets example values in new cells; it is named after its shape
("3-2-1 network, tanh, bce", calc.problem.fields.shape_name) until the user names it. The name and the notes are
the spec's `name` and `notes` (docs/problem-format.md): the sidebar and every export print them.
"""
from __future__ import annotations

import dataclasses
import re
import zlib

import streamlit as st

from calc.jobs import budget
from calc.jobs.budget import BudgetError
from calc.problem.fields import shape_name
from calc.problem.spec import MAX_SAMPLES, Problem, SpecError, spec_from_dict
from pages import common as C

SS = st.session_state
BIAS_MODES = {"unit": "one per unit", "shared": "one shared per layer", "none": "no bias"}


def _rows(v) -> list:
    return v if isinstance(v[0], list) else [v]


def _fill(i: int, j: int) -> str:
    """Example weights for new cells: small, varied, deterministic (0.1 .. 0.5)."""
    return f"{(1 + (i + 2 * j) % 5) / 10:g}"


def _resize(d: dict, sizes: list[int], samples: int, bias_mode: str) -> dict:
    old = d["layers"]
    layers = []
    for k in range(len(sizes) - 1):
        src = old[k] if k < len(old) else {}
        if k == len(sizes) - 2:
            src = old[-1]
        w_old = src.get("weights") or [[]]
        w = [[w_old[i][j] if i < len(w_old) and j < len(w_old[i]) else _fill(i, j) for j in range(sizes[k + 1])]
             for i in range(sizes[k])]
        b_old = src.get("biases")
        if bias_mode == "none":
            b = None
        elif bias_mode == "shared":
            b = b_old if b_old is not None and not isinstance(b_old, list) else (b_old[0] if b_old else "0.1")
        else:
            base = b_old if isinstance(b_old, list) else [b_old if b_old is not None else "0.1"] * sizes[k + 1]
            b = [base[j] if j < len(base) else "0.1" for j in range(sizes[k + 1])]
        act = src.get("activation", "sigmoid")
        if act == "softmax" and (sizes[k + 1] == 1 or k < len(sizes) - 2):
            act = "sigmoid"
        layer = {"weights": w, "biases": b, "activation": act}
        if src.get("alpha") is not None:
            layer["alpha"] = src["alpha"]
        layers.append(layer)
    d["layers"] = layers
    for key, n in (("inputs", sizes[0]), ("targets", sizes[-1])):
        rows = _rows(d[key])
        new = [[rows[s][j] if s < len(rows) and j < len(rows[s]) else ("0.5" if key == "inputs" else "0")
                for j in range(n)] for s in range(samples)]
        d[key] = new[0] if samples == 1 else new
    return d


def _on_shape():
    text = SS.get("shape_sizes", "")
    if not re.fullmatch(r"\s*\d{1,3}(\s*,\s*\d{1,3}){1,20}\s*", text or ""):
        SS["shape_error"] = [str(Problem("units per layer", f"write whole numbers separated by commas, inputs first "
                                                          f"and outputs last, e.g. 2, 2, 2; got {text!r}"))]
        return
    sizes = [int(x) for x in text.split(",")]
    if min(sizes) < 1:
        SS["shape_error"] = [str(Problem("units per layer", "every layer needs at least 1 unit"))]
        return
    d = _resize(C.problem_dict(), sizes, int(SS["shape_samples"]), SS["shape_bias"])
    try:
        spec = spec_from_dict(d)
        budget.solve(spec).check()          # a network no page could solve does not replace the good one
        budget.train(spec, 1).check()
    except SpecError as e:
        SS["shape_error"] = [("units per layer: " if p.field.startswith("layers[") else "") + str(p)
                             for p in e.problems]
        return
    except BudgetError as e:
        SS["shape_error"] = [f"units per layer: {e}"]
        return
    SS.pop("shape_error", None)
    SS["pending_source"] = "built here"
    C.set_problem(_named_after_shape(C.current(), spec))


def _named_after_shape(old, spec):
    """A built network is named after its shape ("3-2-1 network, tanh, bce") unless the user named the problem:
    an example's name, an empty name or the old shape's name is replaced, and the example's notes, source and
    published values go with it (they describe the example, not this network)."""
    examples = C.preset_options()
    if old.name and old.name not in examples.values() and old.name != shape_name(old):
        return spec
    extra = {k: v for k, v in spec.extra.items() if k not in ("notes", "source", "published_notes")
             or old.name not in examples.values()}
    return dataclasses.replace(spec, name=shape_name(spec), extra=extra,
                               published={} if old.name in examples.values() else spec.published)


def shape_tab(spec):
    with st.form("shape_form", border=False):
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.text_input("Units per layer (inputs, hidden..., outputs)", ", ".join(map(str, spec.sizes)),
                      key="shape_sizes", help="e.g. 2, 2, 2 for Mazur's network; 4, 3, 4, 2 for two hidden layers")
        c2.number_input("Samples", 1, MAX_SAMPLES, spec.n_samples, key="shape_samples")
        modes = list(BIAS_MODES)
        c3.selectbox("Biases", modes, index=modes.index(spec.layers[0].bias_mode), format_func=BIAS_MODES.get,
                     key="shape_bias")
        st.form_submit_button("Build this network", on_click=_on_shape, icon=":material/construction:")
    st.caption("Existing numbers are kept where they fit; new cells get example values you can edit.")
    if SS.get("shape_error"):
        C.show_problems(SS["shape_error"], "Not built; the current problem is kept:")


# ---- name and notes -------------------------------------------------------------------------------------
def name_and_notes(spec) -> None:
    """The problem's name and notes (the spec's `name` and `notes`): the sidebar and every export use them.
    Their keys follow the stored text, so a change made elsewhere (a build, a new shape name) shows at once."""
    v = SS["version"]
    notes = spec.extra.get("notes", "")
    notes = notes if isinstance(notes, str) else str(notes)
    c = st.columns([2, 3])
    key = f"meta_name_v{v}_{zlib.crc32(spec.name.encode())}"
    SS["meta_drawn"] = (key, f"meta_notes_v{v}_{zlib.crc32(notes.encode())}")
    c[0].text_input("Problem name", spec.name, key=key, max_chars=200, on_change=_on_meta, args=("name", key),
                    help="Shown in the sidebar and printed on every export. Leave it empty to name a network "
                         "after its shape (e.g. 3-2-1 network, tanh, bce).")
    key = f"meta_notes_v{v}_{zlib.crc32(notes.encode())}"
    c[1].text_area("Notes", notes, key=key, max_chars=4000, height=68, on_change=_on_meta, args=("notes", key),
                   help="Printed under the title of every export (where the problem comes from, what to do).")
    if SS.get("meta_error"):
        C.show_problems(SS["meta_error"], "Not changed:")


def _on_meta(what: str, key: str) -> None:
    if key not in SS.get("meta_drawn", ()):      # a field no longer drawn (a request a step behind): not an edit
        return
    text = str(SS.get(key) or "").strip()
    d = C.problem_dict()
    if what == "name":
        d["name"] = text
    elif text:
        d["notes"] = text
    else:
        d.pop("notes", None)
    try:
        spec = spec_from_dict(d)
    except SpecError as e:
        SS["meta_error"] = [str(p) for p in e.problems]
        return
    SS.pop("meta_error", None)
    if not text and what == "name":
        spec = dataclasses.replace(spec, name=shape_name(spec))
    C.set_problem(spec, new=False)
