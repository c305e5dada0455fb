"""One figure of the network as a computational graph: a model built from the solved steps (calc.figure.model),
a collision-free layout (calc.figure.layout) and three printers over it: SVG, TikZ, DOT.

    from calc.figure import build_figure, to_svg, to_tikz, to_dot
    fig = build_figure(sol, step="w5")          # sol = calc.worked.solve.solve(spec)
    svg = to_svg(fig, decimals=4)               # or digits=N significant digits

Networks with more than calc.figure.model.MAX_UNITS (8) units in a layer, or solutions summarised to the matrix
view, are drawn compactly: one box per layer (units, activation, bias, weight shape) and the loss.
"""
from __future__ import annotations

from calc.figure.dot import render as to_dot
from calc.figure.layout import layout
from calc.figure.model import MAX_UNITS, Figure, build as build_figure
from calc.figure.svg import render as to_svg
from calc.figure.tikz import render as to_tikz

__all__ = ["build_figure", "to_svg", "to_tikz", "to_dot", "layout", "Figure", "MAX_UNITS"]
