"""The figure as Graphviz DOT (left to right, one rank per layer): units, biases and the loss as nodes with
HTML-like labels (forward values green, gradients red), each weight an edge labelled `w = value` over
`dE/dw = value`; the lit path drawn thick. Graphviz places the labels itself (the collision guarantee of
calc.figure.layout is for the SVG and TikZ printers). Text is XML-escaped inside the HTML-like labels; ids and
other strings are DOT-quoted. A printed value's table cell carries ID="<step id>"."""
from __future__ import annotations

from xml.sax.saxutils import escape

from calc.figure.boxes import text_of
from calc.figure.model import Figure
from calc.figure.svg import COLOUR, LIT

FILL = {"unit": "#eef4fb", "bias": "#fff8e6", "loss": "#fdf1e6", "layer": "#eef4fb"}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _node(key: str) -> str:
    return _q("n_" + key.replace(".", "_"))


def _label(lines, bold: bool = False) -> str:
    rows = []
    for text, role, step in lines:
        body = escape(text)
        if role == "name" or bold:
            body = f"<B>{body}</B>"
        cell_id = f' ID="{escape(step, {chr(34): "&quot;"})}"' if step else ""
        rows.append(f'<TR><TD ALIGN="LEFT"{cell_id}><FONT COLOR="{COLOUR[role]}">{body}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def render(fig: Figure, digits: int | None = None, decimals: int = 4) -> str:
    def printed(e):
        return [(text_of(ln, fig, digits, decimals), ln.role, ln.step) for ln in e.lines]

    out = ["digraph network {", f"  label={_q(fig.title)}; labelloc=t; tooltip={_q(fig.desc)};",
           '  rankdir=LR; splines=line; nodesep=0.3; ranksep=1.6; newrank=true;',
           '  node [shape=box, style="rounded,filled", color="#4a6fa5", fontname="Courier", fontsize=10];',
           '  edge [color="#9aa4b2", fontname="Courier", fontsize=9, arrowsize=0.6];']
    for col in fig.columns():
        out.append("  { rank=same; " + " ".join(_node(e.key) + ";" for e in col) + " }")
    for e in fig.elements.values():
        if e.kind == "edge":
            continue
        lit = e.key in fig.path
        extra = f', color="{LIT}", penwidth=2.5' if lit else ""
        out.append(f"  {_node(e.key)} [id={_q(e.key)}, label={_label(printed(e))}, fillcolor="
                   f'"{FILL[e.kind]}"{extra}];')
    for a, b, dashed in fig.wires:
        lit = a in fig.path and b in fig.path and not dashed
        style = ", style=dashed" if dashed else ""
        extra = f', color="{LIT}", penwidth=2.5' if lit else ""
        out.append(f"  {_node(a)} -> {_node(b)} [id={_q(a + '>' + b)}{style}{extra}];")
    for e in fig.elements.values():
        if e.kind != "edge":
            continue
        lit = e.key in fig.path
        extra = f', color="{LIT}", penwidth=2.5' if lit else ""
        out.append(f"  {_node(e.src)} -> {_node(e.dst)} [id={_q(e.key)}, label={_label(printed(e), lit)}{extra}];")
    out.append("}")
    return "\n".join(out)
