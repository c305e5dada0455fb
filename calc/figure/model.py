"""The figure of a network as data, built from a solved problem's step list (no drawing here).

Every unit is a box of lines: its name, net and out (forward values, sample 1), its bias when it has its own, and
the gradients dE/dnet (= delta) and dE/db; an output unit also shows its target. Every weight is an edge with
`w = value` and `dE/dw = value`; a layer's shared bias is a box of its own; the loss is a box after the outputs.
Each line names the step it prints (Line.step), so printers format the raw value and tests can read it back.
`path` is the set of element keys lit by the chosen step (calc.figure.path). Layout lives in calc.figure.layout.

Element keys: "u{l}.{j}" unit j of layer l (layer 0 = inputs), "e{l}.{i}.{j}" the weight from unit i of layer
l-1 to unit j of layer l, "b{l}" a layer's shared bias, "E" the loss.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from calc.worked import ids
from calc.worked.solve import Solution

MAX_UNITS = 8        # above this many units in a layer (or a summarised solution) the figure is compact
ROLES = ("name", "fwd", "grad", "plain")


@dataclass(frozen=True)
class Line:
    """One line of text: `text` then, when `step` is given, ' = ' and that step's value formatted by the printer."""
    text: str
    role: str = "plain"          # name (bold), fwd (forward colour), grad (gradient colour), plain
    step: str | None = None


@dataclass
class Element:
    """A unit, an edge, a shared bias, the loss, or (compact form) a layer; `lines` are its label."""
    key: str
    kind: str                    # unit | edge | bias | loss | layer
    lines: list[Line]
    layer: int = 0
    src: str | None = None       # edges and wires: the element keys at both ends
    dst: str | None = None


@dataclass
class Figure:
    title: str
    desc: str
    sizes: list[int]
    compact: bool
    elements: dict[str, Element] = field(default_factory=dict)
    wires: list[tuple[str, str, bool]] = field(default_factory=list)   # (from key, to key, dashed): unlabelled
    values: dict[str, float | None] = field(default_factory=dict)      # step id -> raw value
    path: set[str] = field(default_factory=set)
    path_label: str = ""
    legend: str = ""

    def columns(self) -> list[list[Element]]:
        """Per layer (0 = inputs), its unit elements in order (compact form: its one layer box)."""
        cols: list[list[Element]] = [[] for _ in self.sizes]
        for e in self.elements.values():
            if e.kind in ("unit", "layer"):
                cols[e.layer].append(e)
        return cols


def unit_name(N, l: int, j: int) -> str:
    """A unit's short name: h1, o1 (Mazur), a(1)_1 (layer, Hagan); an input's label (i1, x_1, p_1)."""
    if l == 0:
        return N.x(j)[0]
    return N.unit(l, j) if hasattr(N, "unit") else N.out(l, j)[0]


def _v(fig: Figure, sol: Solution, sid: str) -> str:
    fig.values[sid] = sol.index[sid].value
    return sid


def build(sol: Solution, step: str | None = None, notation: str | None = None) -> Figure:
    """The figure of `sol` (a calc.worked.solve.Solution) in `notation` (None: the solution's), with the path of
    `step` (a step id, or a label such as w5) lit. ValueError names `step` when it is neither."""
    from calc.figure.path import path_of, resolve
    sol = sol.view(notation=notation)
    spec = sol.spec
    sizes, L = spec.sizes, len(spec.layers)
    name = (spec.name or "(unnamed problem)").strip()
    title = name if len(name) <= 90 else name[:89] + "..."
    compact = sol.summarised or max(sizes) > MAX_UNITS
    arch = "-".join(map(str, sizes))
    fig = Figure(title=title, sizes=list(sizes), compact=compact,
                 desc=f"Computational graph of a {arch} network ({', '.join(l.activation for l in spec.layers)}, "
                      f"loss {spec.loss}).")
    fig.elements["E"] = Element("E", "loss", [Line(sol.index[ids.LOSS].label, "fwd", _v(fig, sol, ids.LOSS))],
                                layer=L)
    if compact:
        _compact(fig, sol)
    else:
        _full(fig, sol)
    if step:
        sid = resolve(sol, step)
        fig.path = path_of(sol, sid) & set(fig.elements) if not compact else _layers_of(path_of(sol, sid))
        shown = sol.index.get(ids.grad(sid) if ids.is_param(sid) else sid)
        fig.path_label = shown.label if shown is not None else f"dE/d{sid}"
    s1 = " of sample 1" if spec.n_samples > 1 else ""
    fig.legend = (f"green: forward values{s1}; red: gradients dE/d(.), on an edge dE/dw"
                  + (f"; thick purple: the path of {fig.path_label}" if fig.path_label else ""))
    fig.desc += (" Units show net and out in green and dE/dnet in red; edges show each weight and dE/dw."
                 if not compact else f" Drawn compactly (a layer above {MAX_UNITS} units): one box per layer.")
    if fig.path_label:
        fig.desc += f" Highlighted: the units and edges {fig.path_label} depends on."
    return fig


def _full(fig: Figure, sol: Solution) -> None:
    spec, N = sol.spec, sol.notation
    sizes, L = spec.sizes, len(spec.layers)
    for j in range(1, sizes[0] + 1):
        x = ids.x(1, j)
        fig.elements[f"u0.{j}"] = Element(f"u0.{j}", "unit", [Line(sol.index[x].label, "fwd", _v(fig, sol, x))])
    for l, layer in enumerate(spec.layers, start=1):
        if layer.bias_mode == "shared":
            b, gb = ids.b(l), ids.gb(l)
            fig.elements[f"b{l}"] = Element(f"b{l}", "bias", [Line(sol.index[b].label, "fwd", _v(fig, sol, b)),
                                                              Line("dE/db", "grad", _v(fig, sol, gb))], layer=l)
        for j in range(1, layer.units + 1):
            net, out, d = ids.net(1, l, j), ids.out(1, l, j), ids.delta(1, l, j)
            lines = [Line(unit_name(N, l, j), "name"), Line(sol.index[net].label, "fwd", _v(fig, sol, net)),
                     Line(sol.index[out].label, "fwd", _v(fig, sol, out))]
            if layer.bias_mode == "unit":
                lines.append(Line(sol.index[ids.b(l, j)].label, "fwd", _v(fig, sol, ids.b(l, j))))
            lines.append(Line("dE/dnet", "grad", _v(fig, sol, d)))
            if layer.bias_mode == "unit":
                lines.append(Line("dE/db", "grad", _v(fig, sol, ids.gb(l, j))))
            if l == L:
                lines.append(Line(sol.index[ids.t(1, j)].label, "plain", _v(fig, sol, ids.t(1, j))))
            key = f"u{l}.{j}"
            fig.elements[key] = Element(key, "unit", lines, layer=l)
            if layer.bias_mode == "shared":
                fig.wires.append((f"b{l}", key, True))
            for i in range(1, sizes[l - 1] + 1):
                w, gw = ids.w(l, i, j), ids.gw(l, i, j)
                ek = f"e{l}.{i}.{j}"
                fig.elements[ek] = Element(ek, "edge", [Line(sol.index[w].label, "fwd", _v(fig, sol, w)),
                                                        Line("", "grad", _v(fig, sol, gw))],
                                           layer=l, src=f"u{l - 1}.{i}", dst=key)
    for j in range(1, sizes[-1] + 1):
        fig.wires.append((f"u{L}.{j}", "E", False))


def _compact(fig: Figure, sol: Solution) -> None:
    spec, sizes = sol.spec, sol.spec.sizes
    fig.elements["u0"] = Element("u0", "layer", [Line("inputs", "name"), Line(f"{sizes[0]} units")], layer=0)
    for l, layer in enumerate(spec.layers, start=1):
        bias = {"unit": "a bias per unit", "shared": "one shared bias", "none": "no bias"}[layer.bias_mode]
        fig.elements[f"u{l}"] = Element(f"u{l}", "layer", [
            Line(f"layer {l}", "name"), Line(f"{layer.units} units, {layer.activation}"), Line(bias),
            Line(f"W({l}): {sizes[l - 1]} x {sizes[l]}")], layer=l)
        fig.wires.append((f"u{l - 1}", f"u{l}", False))
    fig.wires.append((f"u{len(spec.layers)}", "E", False))


def _layers_of(keys: set[str]) -> set[str]:
    """Compact form: the layer boxes holding the lit units and edges."""
    out = {"E"} & keys
    for k in keys:
        if k[0] in "ue":
            out.add("u" + k[1:].split(".")[0])
        elif k[0] == "b":
            out.add("u" + k[1:])
    return out
