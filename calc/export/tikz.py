"""The network drawn with TikZ: one column of circles per layer, an arrow per weight, labelled when few."""
from __future__ import annotations

from calc.worked.solve import Solution

MAX_LABELLED_EDGES = 12      # label arrows with their weight symbols only when a layer has this few


def render(sol: Solution, width_cm: float = 15.0, height_cm: float = 7.0) -> str:
    """A tikzpicture at most width_cm x height_cm (needs tikz); labels are calc's generated LaTeX."""
    spec, N = sol.spec, sol.notation
    sizes = spec.sizes
    dy = min(1.2, 7.0 / max(sizes))
    scale = min(1.0, width_cm / (2.8 * (len(sizes) - 1) + 1.2), height_cm / (dy * (max(sizes) - 1) + 1.2))
    out = [rf"\begin{{tikzpicture}}[x=2.8cm, y={dy:.3f}cm, scale={scale:.3f}, transform shape, >=stealth,"
           r" unit/.style={circle, draw, minimum size=8mm, inner sep=0.5pt, font=\scriptsize}]"]
    for l, n in enumerate(sizes):
        for j in range(1, n + 1):
            sym = N.x(j)[1] if l == 0 else N.out(l, j)[1]
            fill = ", fill=blue!8" if l == 0 else (", fill=orange!15" if l == len(sizes) - 1 else "")
            out.append(rf"  \node[unit{fill}] (n{l}u{j}) at ({l}, {(n - 1) / 2 - (j - 1):.2f}) {{${sym}$}};")
    for l in range(1, len(sizes)):
        label = sizes[l - 1] * sizes[l] <= MAX_LABELLED_EDGES and len(sizes) <= 4
        for j in range(1, sizes[l] + 1):
            for i in range(1, sizes[l - 1] + 1):
                lab = (rf" node[pos=0.25, fill=white, inner sep=0.5pt, font=\tiny] {{${N.w(l, i, j)[1]}$}}"
                       if label else "")
                out.append(rf"  \draw[->] (n{l - 1}u{i}) --{lab} (n{l}u{j});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)
