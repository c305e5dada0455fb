"""The figure as a tikzpicture (needs only \\usepackage{tikz}; compiles with pdflatex -no-shell-escape).

Coordinates are the layout's (1 unit = 1 pt, y down), scaled as a whole (`transform shape`) to at most
max_width_cm x max_height_cm; text is \\ttfamily at 10 pt, which the layout's width estimate bounds. Every text
is LaTeX-escaped (latex_text below); a line that prints a value ends with the comment `% step=<id>`.
"""
from __future__ import annotations

import unicodedata

from calc.figure.boxes import LINE_H, PAD
from calc.figure.layout import layout
from calc.figure.model import Figure

PT_PER_CM = 28.4528
COLOURS = {"figfwd": "1A7F37", "figgrad": "B42318", "figlit": "6D28D9", "figink": "1F2328", "figedge": "9AA4B2",
           "figunit": "EEF4FB", "figbias": "FFF8E6", "figloss": "FDF1E6", "figframe": "4A6FA5"}
TEXT = {"fwd": "figfwd", "grad": "figgrad", "name": "figink", "plain": "figink"}
FILL = {"unit": "figunit", "bias": "figbias", "loss": "figloss", "layer": "figunit", "cell": "white"}


_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "_": r"\_",
            "^": r"\textasciicircum{}", "%": r"\%", "~": r"\textasciitilde{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}", '"': "''"}


def latex_text(s: str) -> str:
    """Literal text in LaTeX: specials escaped, accents dropped, other non-ASCII '?', controls a space. The rules
    of calc.export.escape.latex_text, kept here so that calc.export can draw this figure without an import cycle."""
    out = []
    for ch in unicodedata.normalize("NFKD", str(s)):
        if unicodedata.combining(ch):
            continue
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            out.append(" ")
        else:
            out.append(_SPECIAL.get(ch, ch) if ord(ch) < 128 else "?")
    return "".join(out)


def render(fig: Figure, digits: int | None = None, decimals: int = 4, max_width_cm: float = 12.0,
           max_height_cm: float = 18.0) -> str:
    """The tikzpicture, at most max_width_cm x max_height_cm (an article's text block by default), laid out to be
    drawn as large as that allows."""
    box = (max_width_cm * PT_PER_CM, max_height_cm * PT_PER_CM)
    lay = layout(fig, digits, decimals, fit=box)
    scale = min(1.0, box[0] / lay.width, box[1] / lay.height)
    out = [f"% {latex_text(fig.title)[:200]}".replace("\n", " "),
           rf"\begin{{tikzpicture}}[x=1pt, y=-1pt, scale={scale:.4f}, transform shape, line cap=round,"
           r" txt/.style={anchor=base west, inner sep=0pt, font=\ttfamily\fontsize{10}{12}\selectfont}]"]
    out += [rf"\definecolor{{{k}}}{{HTML}}{{{v}}}" for k, v in COLOURS.items()]
    out.append(rf"\useasboundingbox (0,0) rectangle ({lay.width:.1f},{lay.height:.1f});")
    def lw(pt: float) -> str:                # line widths and corners do not scale with the picture: scale them
        return f"{pt * scale:.2f}pt"

    for w in sorted(lay.wires, key=lambda v: v.lit):
        style = f"figlit, line width={lw(2.4)}" if w.lit else f"figedge, line width={lw(0.8)}"
        style += ", dashed" if w.dashed else ""
        out.append(rf"\draw[{style}] " + " -- ".join(f"({x:.1f},{y:.1f})" for x, y in w.points()) + ";")
    for b in lay.boxes:
        corners = f"({b.x:.1f},{b.y:.1f}) rectangle ({b.x + b.w:.1f},{b.y + b.h:.1f})"
        if b.kind in FILL:
            draw = f"figlit, line width={lw(2.4)}" if b.lit else f"figframe, line width={lw(0.6)}"
            out.append(rf"\filldraw[fill={FILL[b.kind]}, draw={draw}, rounded corners={lw(3)}] {corners};")
        elif b.kind == "edge" and b.lit:
            out.append(rf"\filldraw[fill=white, draw=figlit, line width={lw(1.2)}, rounded corners={lw(2)}] {corners};")
        elif b.kind == "edge":
            out.append(rf"\fill[white, fill opacity=0.92, rounded corners={lw(2)}] {corners};")
        for k, (text, role, step) in enumerate(b.lines):
            y = b.y + PAD + (k + 1) * LINE_H - 3
            body = latex_text(text)         # cmtt has no bold: names and lit labels differ by frame and colour
            note = f" % step={step}" if step else ""
            out.append(rf"\node[txt, text={TEXT[role]}] at ({b.x + PAD:.1f},{y:.1f}) {{{body}}};{note}")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)
