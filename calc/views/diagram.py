"""The network as a Graphviz DOT string (drawn in the browser by st.graphviz_chart; no system graphviz).

Units are boxes holding their label and value (inputs; out of each unit for sample 1); each edge carries its
weight w_ij, and after the backward pass also dE/dw_ij; a bias is a dashed node feeding its layer.
"""
from __future__ import annotations

from calc.worked.solve import Solution
from calc.worked.steps import fmt

MAX_EDGE_LABELS = 40   # above this many weights the edges are drawn without numbers


def _q(text: str) -> str:
    """A DOT double-quoted string (labels come from calc's notation, quoted anyway)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _num(v, digits: int) -> str:
    return "?" if v is None else fmt(float(v), digits).replace(r" \times 10^{", "e").rstrip("}")


MAX_UNITS_DRAWN = 16  # above this many units in a layer (or a summarised solution) layers are drawn as one box each


def summary_dot(sol: Solution) -> str:
    """A large network: one box per layer (units, activation) and one edge per weight matrix (its shape)."""
    spec = sol.spec
    sizes = spec.sizes
    lines = ["digraph network {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#4a6fa5", fontname="Helvetica",'
             ' fontsize=11];', '  edge [color="#8a9bb5", fontname="Helvetica", fontsize=9];']
    lines.append(f'  L0 [label={_q(f"inputs: {sizes[0]} units, {spec.n_samples} samples")}];')
    for l, layer in enumerate(spec.layers, start=1):
        bias = {"unit": ", a bias per unit", "shared": ", one shared bias", "none": ""}[layer.bias_mode]
        lines.append(f'  L{l} [label={_q(f"layer {l}: {layer.units} units, {layer.activation}{bias}")}];')
        lines.append(f'  L{l - 1} -> L{l} [label={_q(f"W({l}): {sizes[l - 1]} x {sizes[l]}")}];')
    lines.append("}")
    return "\n".join(lines)


def dot(sol: Solution, digits: int = 4, gradients: bool = True) -> str:
    """DOT for the solution's network: values of sample 1 in the units, weights (and gradients) on the edges."""
    spec, names, p = sol.spec, sol.notation, sol.run
    sizes = spec.sizes
    if sol.summarised or max(sizes) > MAX_UNITS_DRAWN:
        return summary_dot(sol)
    lines = ["digraph network {", "  rankdir=LR; splines=line; nodesep=0.35; ranksep=1.4;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#4a6fa5", fontname="Helvetica",'
             ' fontsize=11];', '  edge [color="#8a9bb5", fontname="Helvetica", fontsize=9, arrowsize=0.6];']
    n_weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    for l, n in enumerate(sizes):
        lines.append(f"  subgraph cluster_{l} {{ style=invis;")
        for j in range(1, n + 1):
            if l == 0:
                label = f"{names.x(j, None)[0]}\n{_num(spec.inputs[0, j - 1], digits)}"
                fill = "#f4f4f4"
            else:
                out = names.out(l, j, None)[0]
                label = f"{out}\n{_num(p.fwd.outs[l - 1][0, j - 1], digits)}"
                if spec.layers[l - 1].bias_mode == "unit":
                    label += f"\n{names.b(l, j)[0]} = {_num(spec.layers[l - 1].biases[j - 1], digits)}"
                fill = "#fdf1e6" if l == len(sizes) - 1 else "#eef4fb"
            lines.append(f"    n{l}_{j} [label={_q(label)}, fillcolor={_q(fill)}];")
        lines.append("  }")
    for l, layer in enumerate(spec.layers, start=1):
        if layer.bias_mode == "shared":
            lines.append(f"  b{l} [label={_q(names.b(l, None)[0] + ' = ' + _num(layer.biases[0], digits))}, "
                         'shape=ellipse, style=dashed, fillcolor="white"];')
            for j in range(1, layer.units + 1):
                lines.append(f"  b{l} -> n{l}_{j} [style=dashed];")
        for i in range(1, layer.weights.shape[0] + 1):
            for j in range(1, layer.units + 1):
                attrs = ""
                if n_weights <= MAX_EDGE_LABELS:
                    text = f"{names.w(l, i, j)[0]} = {_num(layer.weights[i - 1, j - 1], digits)}"
                    if gradients:
                        text += f"\ngrad {_num(p.grad_w[l - 1][i - 1, j - 1], digits)}"
                    attrs = f" [label={_q(text)}]"
                lines.append(f"  n{l - 1}_{i} -> n{l}_{j}{attrs};")
    lines.append("}")
    return "\n".join(lines)
