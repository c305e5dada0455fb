"""Where a located message points: a spec field path -> the grid cell it names, and that cell's textbook name.

    layers[l-1].weights[i-1][j-1]  -> Cell("w", l, i, j)         w5 (h1 -> o1) in Mazur's notation
    layers[l-1].biases[j-1]        -> Cell("b", l, 1, j)         layers[l-1].biases (shared) -> Cell("b", l, 1, 0)
    inputs[s-1][j-1] / inputs[j-1] -> Cell("x", None, s, j)      targets likewise -> Cell("t", None, s, k)
Indices in a field path count from 0 (the JSON contract); a Cell counts from 1, as the grids and textbooks do.
A message about a whole matrix or a setting (layers[0].weights, learning_rate) has no cell: locate() gives None.
shape_name(spec) is the name of a network built in the app until the user names it: "3-2-1 network, tanh, bce".
"""
from __future__ import annotations

import re
from typing import NamedTuple

_W = re.compile(r"layers\[(\d+)\]\.weights\[(\d+)\]\[(\d+)\]")
_B = re.compile(r"layers\[(\d+)\]\.biases(?:\[(\d+)\])?")
_S = re.compile(r"(inputs|targets)\[(\d+)\](?:\[(\d+)\])?")


class Cell(NamedTuple):
    """A grid cell, 1-based: kind "w" (row i = from, column j = to), "b" (column j; 0 = the shared bias),
    "x" or "t" (row = sample, column = value)."""
    kind: str
    layer: int | None
    row: int
    col: int


def locate(field: str, single_sample: bool = False) -> Cell | None:
    """The cell a message's field path names, or None (a whole matrix, a setting, the file)."""
    if m := _W.fullmatch(field):
        return Cell("w", int(m[1]) + 1, int(m[2]) + 1, int(m[3]) + 1)
    if m := _B.fullmatch(field):
        return Cell("b", int(m[1]) + 1, 1, 0 if m[2] is None else int(m[2]) + 1)
    if m := _S.fullmatch(field):
        kind = "x" if m[1] == "inputs" else "t"
        if m[3] is not None:
            return Cell(kind, None, int(m[2]) + 1, int(m[3]) + 1)
        if single_sample:                    # a flat list: inputs[j] is value j of the one sample
            return Cell(kind, None, 1, int(m[2]) + 1)
    return None


def grid_of(cell: Cell) -> str:
    """The grid a cell belongs to: "w1" (weights into layer 1), "b2", "x", "t"."""
    return cell.kind + ("" if cell.layer is None else str(cell.layer))


def cell_name(names, cell: Cell) -> str:
    """The cell as its grid names it: "w1 (i1 -> h1)", "b(2) (shared)", "x2, sample 1", "t1".

    `names` is a calc.worked.notation Notation (its plain-text names)."""
    def unit(l: int, j: int) -> str:
        return names.unit(l, j) if hasattr(names, "unit") and l > 0 else names.out(l, j)[0]

    if cell.kind == "w":
        l, i, j = cell.layer, cell.row, cell.col
        return f"{names.w(l, i, j)[0]} ({unit(l - 1, i)} -> {unit(cell.layer, j)})"
    if cell.kind == "b":
        return names.b(cell.layer, None)[0] + " (shared)" if cell.col == 0 else names.b(cell.layer, cell.col)[0]
    base = (names.x if cell.kind == "x" else names.t)(cell.col)[0]
    return f"{base}, sample {cell.row}"


def shape_name(spec) -> str:
    """The name a built network gets until the user names it: "3-2-1 network, tanh, bce" (the activations in
    layer order, each once: "relu/sigmoid/softmax")."""
    acts: list[str] = []
    for layer in spec.layers:
        if layer.activation not in acts:
            acts.append(layer.activation)
    return f"{'-'.join(map(str, spec.sizes))} network, {'/'.join(acts)}, {spec.loss}"
