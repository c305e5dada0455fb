"""The figure as a self-contained SVG: no fonts, stylesheets or links from outside; <title> and <desc> for
screen readers; a viewBox and max-width 100% so it scales down to a phone (inline or as an <img>). Every text is XML-escaped; a printed
value carries data-step="its step id"."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from calc.figure.boxes import LINE_H, PAD, Layout
from calc.figure.layout import layout
from calc.figure.model import Figure

FWD, GRAD, LIT, INK, EDGE = "#1a7f37", "#b42318", "#6d28d9", "#1f2328", "#9aa4b2"
FILL = {"unit": "#eef4fb", "bias": "#fff8e6", "loss": "#fdf1e6", "layer": "#eef4fb", "cell": "#ffffff"}
COLOUR = {"fwd": FWD, "grad": GRAD, "name": INK, "plain": INK}
FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def render(fig: Figure, digits: int | None = None, decimals: int = 4) -> str:
    lay: Layout = layout(fig, digits, decimals)
    w, h = lay.width, lay.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.1f} {h:.1f}" width="{w:.0f}" '
           f'height="{h:.0f}" style="max-width:100%;height:auto" role="img" aria-labelledby="fig-title fig-desc" '
           f'font-family={quoteattr(FONT)} font-size="10">',
           f'<title id="fig-title">{escape(fig.title)}</title>',
           f'<desc id="fig-desc">{escape(fig.desc + " " + fig.legend)}</desc>',
           f'<rect x="0" y="0" width="{w:.1f}" height="{h:.1f}" fill="#ffffff"/>']
    for wi in sorted(lay.wires, key=lambda v: v.lit):
        colour, width = (LIT, 2.6) if wi.lit else (EDGE, 1.0)
        dash = ' stroke-dasharray="4 3"' if wi.dashed else ""
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in wi.points())
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}"{dash} '
                   f'data-key={quoteattr(wi.key)}/>')
    for b in lay.boxes:
        if b.kind in ("unit", "bias", "loss", "layer", "cell"):
            stroke, sw = (LIT, 2.6) if b.lit else ("#4a6fa5", 1.0)
            out.append(f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="4" '
                       f'fill="{FILL[b.kind]}" stroke="{stroke}" stroke-width="{sw}" data-key={quoteattr(b.key)}/>')
        elif b.kind == "edge":
            stroke = f' stroke="{LIT}" stroke-width="1.5"' if b.lit else ""
            out.append(f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="3" '
                       f'fill="#ffffff" fill-opacity="0.92"{stroke} data-key={quoteattr(b.key)}/>')
        for k, (text, role, step) in enumerate(b.lines):
            y = b.y + PAD + (k + 1) * LINE_H - 3
            attrs = ' font-weight="bold"' if role == "name" or (b.lit and b.kind == "edge") else ""
            attrs += f" data-step={quoteattr(step)}" if step else ""
            out.append(f'<text x="{b.x + PAD:.1f}" y="{y:.1f}" fill="{COLOUR[role]}"{attrs} '
                       f'xml:space="preserve">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
