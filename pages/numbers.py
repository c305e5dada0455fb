"""The Numbers tab's grids: weights, biases, inputs and targets, read as typed, checked once, drawn with their
messages beside them (pages/grid.py draws one grid).

    check_and_fill: every grid's text -> the candidate problem -> calc.problem.spec validates it once -> a good
    candidate becomes the current problem; each located problem goes to the grid of its cell
    (calc.problem.fields.locate), named as that grid names it (cell_name: "w2 (i2 -> h1)") and marked there.
"""
from __future__ import annotations

import dataclasses

import streamlit as st

from calc.problem.fields import Cell, cell_name, grid_of, locate, shape_name
from calc.problem.spec import ACTIVATIONS, Problem, SpecError, spec_from_dict
from pages import common as C
from pages import grid as G

SS = st.session_state
_text = G.text


def cell_key(grid: str, i: int, j: int, v: int) -> str:
    """A cell's widget key names its field, 0-based as in the JSON (the same in every notation and orientation):
    cell_w1_1_0_v3 = layers[0].weights[1][0] (Mazur's w2) of problem version 3; cell_x_0_1 = inputs[0][1]."""
    return f"cell_{grid}_{i}_{j}_v{v}"


def _grid(name: str, title: str, rows, index, columns, labels, v: int, transposed: bool = False):
    """A grid over `rows` (in the JSON's orientation) drawn later in a container made here (pages.grid);
    Hagan's weights are shown transposed (row = to), their keys still naming the JSON field."""
    keys = [[cell_key(name, i, j, v) for j in range(len(r))] for i, r in enumerate(rows)]
    if transposed:
        rows, keys, labels = (list(map(list, zip(*m))) for m in (rows, keys, labels))
    return G.Grid(name, title, rows, index, columns, keys, labels), st.container(), transposed


def layer_editor(spec, d: dict, names, k: int, v: int) -> list:
    """Layer k's activation, and its weight and bias grids (returned, to be filled once the problem is checked)."""
    l = k + 1
    layer = d["layers"][k]
    hagan = names.name == "hagan"
    src = [names.out(l - 1, i)[0] for i in range(1, spec.sizes[k] + 1)]
    dst = [names.out(l, j)[0] for j in range(1, spec.sizes[l] + 1)]
    head = st.columns([3, 1])
    acts = list(ACTIVATIONS)
    layer["activation"] = head[1].selectbox(f"Activation, layer {l}", acts, index=acts.index(layer["activation"]),
                                            key=f"set_act{l}_v{v}")
    if layer["activation"] in ("leaky_relu", "elu"):
        alpha = layer.get("alpha", "0.01" if layer["activation"] == "leaky_relu" else "1")
        layer["alpha"] = _kept(head[1].text_input(f"alpha, layer {l}", _text(alpha), key=f"set_alpha{l}_v{v}"), alpha)
    else:
        layer.pop("alpha", None)
    kind = "output layer" if l == len(spec.layers) else f"hidden layer {l}"
    grids = []
    with head[0]:
        st.markdown(f"**Weights into the {kind}**")
        labels = [[names.w(l, i, j)[0] for j in range(1, len(dst) + 1)] for i in range(1, len(src) + 1)]
        if hagan:
            st.caption("Hagan's W is destination x source, so this grid is transposed: row = to, column = from.")
            g = _grid(f"w{l}", f"Weights W({l})", layer["weights"], dst, src, labels, v, transposed=True)
        else:
            st.caption("Row = from, column = to.")
            g = _grid(f"w{l}", f"Weights W({l})", layer["weights"], src, dst, labels, v)
        grids.append((*g, lambda rows, layer=layer: layer.__setitem__("weights", rows)))
        b = layer.get("biases")
        if isinstance(b, list):
            cols = [names.b(l, j)[0] for j in range(1, len(dst) + 1)]
            g = _grid(f"b{l}", f"Biases b({l})", [b], ["bias"], cols, [cols], v)
            grids.append((*g, lambda rows, layer=layer: layer.__setitem__("biases", rows[0])))
        elif b is not None:
            name = names.b(l, None)[0] + " (shared)"
            g = _grid(f"b{l}", f"Bias b({l})", [[b]], ["bias"], [name], [[name]], v)
            grids.append((*g, lambda rows, layer=layer: layer.__setitem__("biases", rows[0][0])))
        else:
            st.caption("No bias in this layer.")
    return grids


def samples_editor(spec, d: dict, names, v: int) -> list:
    """The input and target grids (row = sample; the row labels are not cells)."""
    n = spec.n_samples
    idx = [f"sample {s}" for s in range(1, n + 1)]
    single = spec.single_sample
    c1, c2 = st.columns(2)
    grids = []
    for col, key, title, name_of, width in ((c1, "inputs", "Inputs", names.x, spec.sizes[0]),
                                             (c2, "targets", "Targets", names.t, spec.sizes[-1])):
        with col:
            st.markdown(f"**{title}**")
            cols = [name_of(j)[0] for j in range(1, width + 1)]
            labels = [[name_of(j, s)[0] for j in range(1, width + 1)] for s in range(1, n + 1)]
            g = _grid("x" if key == "inputs" else "t", title, _rows(d[key]), idx, cols, labels, v)
            grids.append((*g, lambda rows, key=key: d.__setitem__(key, rows[0] if single else rows)))
    return grids


def check_and_fill(spec, d: dict, names, grids, general) -> None:
    """Read every grid as typed, validate the candidate problem once, apply it when it is good, then draw each grid
    with its own messages beside it (a bad cell named as the grid names it, and marked)."""
    ok = True
    for g, _, flipped, put in grids:
        rows = G.typed(g)
        if rows is None:
            ok = False
        else:
            put(list(map(list, zip(*rows))) if flipped else rows)    # back to the JSON's orientation
    bad: dict[str, dict] = {g.name: {} for g, *_ in grids}
    loose: list[str] = []
    if ok and d != C.problem_dict():      # validated only when a widget really changed the problem
        problems = _apply(d, auto_name=spec.name == shape_name(spec))
        flipped = {g.name: t for g, _, t, _ in grids}
        for p in problems:
            cell = locate(p.field, spec.single_sample)
            where = _position(cell, flipped) if cell else None
            if where is None:
                loose.append(str(p))
                continue
            msg = named(p, spec, names)
            old = bad[where[0]].get(where[1])
            bad[where[0]][where[1]] = msg if old is None else f"{old}; {p.message}"
    for g, box, _, _ in grids:
        G.draw(g, box, bad[g.name])
    if loose:
        with general:
            C.show_problems(loose, "Not applied; the last good problem is kept. Fix:")


def _position(cell: Cell, flipped: dict[str, bool]) -> tuple[str, tuple[int, int]] | None:
    """(grid name, (row, column) as displayed) of a located cell, or None when no grid shows it."""
    name = grid_of(cell)
    if name not in flipped:
        return None
    if cell.kind == "w":
        r, c = cell.row - 1, cell.col - 1
        return name, ((c, r) if flipped[name] else (r, c))
    if cell.kind == "b":
        return name, (0, max(cell.col - 1, 0))
    return name, (cell.row - 1, cell.col - 1)


def _apply(d: dict, auto_name: bool) -> list[Problem]:
    """Validate the candidate; a good one becomes the current problem (same version: the cells keep their state).
    A network named after its shape is renamed after its new shape (the user has not named it)."""
    try:
        new = spec_from_dict(d)
    except SpecError as e:
        return list(e.problems)
    if auto_name:
        new = dataclasses.replace(new, name=shape_name(new))
    if C.canonical(new) != SS["spec_json"]:
        C.set_problem(new, new=False)
    return []


def named(p: Problem, spec, names) -> str:
    """A located message naming its cell as the grid does: "t2, sample 1: ... (targets[0][1] in the problem file)"."""
    cell = locate(p.field, spec.single_sample)
    return f"{cell_name(names, cell)}: {p.message} ({p.field} in the problem file)" if cell else str(p)


def _kept(shown: str, value):
    """A text widget's value, or the number it showed when it is unchanged (so the problem stays equal)."""
    return value if shown == _text(value) else shown


def _rows(v) -> list:
    return v if isinstance(v[0], list) else [v]
