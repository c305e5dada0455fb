"""The network as a computational graph on a page (calc.figure): the SVG, a picker that lights one weight's or
bias's path and shows its whole chain of factors with numbers and its update, and the edges as a table.

The SVG is calc's own output (every user text XML-escaped there), shown by st.image as an <img> (a data URI:
nothing in it can run); its caption is the figure's description, which holds no user text. Formulas are calc's
generated LaTeX; user text never reaches Markdown or HTML.
"""
from __future__ import annotations

import streamlit as st

from calc.figure import build_figure, to_svg
from calc.figure.chain import chain_steps, edge_rows
from calc.worked import ids
from pages import common as C


def network_figure(spec, sol=None, key: str = "figure") -> None:
    """The figure of `spec` (or of the given solution view), with its picker, chain and edge table."""
    if sol is None:
        sol = C.solve_current(C.notation_name(spec), int(C.SS.get("digits", 9)))
        if sol is None:
            return
    st.markdown("**The network as a computational graph**")
    params = C.derived(sol, "figure_params", lambda: [s.id for s in sol.steps
                                                      if s.kind == "given" and ids.is_param(s.id)])
    pick = st.selectbox("Light the path of a weight or bias", params, index=None, key=f"{key}_pick",
                        format_func=lambda i: sol.index[i].label, placeholder="Pick a weight or bias",
                        help="Lights the units and edges its gradient depends on and works its chain rule.")
    if pick not in params:
        pick = None
    fig = C.derived(sol, ("figure", pick), lambda: build_figure(sol, step=pick))
    svg = C.derived(sol, ("figure_svg", pick), lambda: to_svg(fig))
    st.image(svg, width="content", caption=fig.desc)
    st.caption("Values to 4 decimals (sample 1 of a batch); the chain and the tables below have every digit.")
    if pick:
        chain(sol, pick, key)
    rows = C.derived(sol, "figure_edges", lambda: edge_rows(sol))
    with st.expander("Edges as a table"):
        if not rows:
            st.caption("Summarised to the matrix view: the Matrix form page has every weight.")
            return
        st.dataframe(C.derived(sol, "figure_edge_frame", lambda: C.frame(rows)), hide_index=True,
                     key=f"{key}_edges", column_config={c: C.num_col(sol.digits) for c in
                                                        ("value", "dE/dw", "after the update")})


def chain(sol, pick: str, key: str) -> None:
    """The picked parameter's gradient as its chain of factors, every factor worked with numbers, and its update."""
    steps = C.derived(sol, ("figure_chain", pick), lambda: [sol.index[s] for s in chain_steps(sol, pick)])
    if not steps:
        st.caption("This solution is summarised to the matrix view: open Matrix form for the gradients.")
        return
    grad = steps[-1]
    st.markdown(f"Chain rule for {C.code_span(grad.label)}")
    st.latex(rf"{grad.formula} = {grad.substituted}")
    update = sol.index.get(ids.new(pick))
    if update is not None:
        st.latex(rf"{update.formula} = {update.substituted}")
    with st.expander("Every factor of the chain", expanded=False):
        for s in steps[:-1]:
            st.latex(rf"{s.formula} = {s.substituted}")
    rows = [{"step": s.label, "value": s.value} for s in steps]
    if update is not None:
        rows.append({"step": update.label, "value": update.value})
    st.dataframe(C.frame(rows), hide_index=True, key=f"{key}_chain",
                 column_config={"value": C.num_col(sol.digits)})
