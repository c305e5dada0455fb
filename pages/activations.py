"""Activation functions page: each activation's formula, derivative and a plot of both (seeds 001 and 004).

sigmoid'(x) = s(x)(1 - s(x)) peaks at 0.25 (x = 0); tanh'(x) = 1 - tanh^2(x) peaks at 1; where f' falls below
0.01 the gradient has all but vanished, the shaded region of the plot.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from calc.descent import explore
from pages import common as C


def view(name: str) -> dict:
    """What the page shows for one activation (the same for every user: computed once per server process):
    the curve, the peak and vanishing range (sigmoid, tanh) and the chart's Vega-Lite spec."""
    c = explore.curve(name)
    long = pd.DataFrame({"x": c.x, "f(x)": c.f, "f'(x)": c.df}).melt("x", var_name="curve", value_name="y")
    layers = [{"data": "curves", "mark": {"type": "line"}, "encoding": {
        "x": {"field": "x", "type": "quantitative", "title": "x"},
        "y": {"field": "y", "type": "quantitative", "title": None},
        "color": {"field": "curve", "type": "nominal", "scale": {"range": ["#3b6fb6", "#d9822b"]}}}}]
    data = {"curves": long}
    out = {"curve": c, "peak": None, "vanishing": None}
    if name in ("sigmoid", "tanh"):
        lo, hi = explore.vanishing_range(name)
        px, py = explore.peak(name)
        layers.insert(0, {"data": "band", "mark": {"type": "rect", "opacity": 0.12, "color": "#c0392b"}, "encoding": {
            "x": {"field": "from", "type": "quantitative", "title": "x"}, "x2": {"field": "to"}}})
        layers.append({"data": "peak", "mark": {"type": "point", "color": "#d9822b", "size": 80, "filled": True},
                       "encoding": {"x": {"field": "x", "type": "quantitative"},
                                    "y": {"field": "y", "type": "quantitative"}}})
        data["band"] = pd.DataFrame({"from": [c.x[0], hi], "to": [lo, c.x[-1]]})
        data["peak"] = pd.DataFrame({"x": [px], "y": [py]})
        out.update(peak=(px, py), vanishing=(lo, hi))
    out["spec"] = C.vega_spec(layers, **data)
    return out


def overview() -> pd.DataFrame:
    rows = []
    for n in explore.names():
        cv = explore.curve(n)
        rows.append({"activation": cv.title, "f'(0)": float(cv.df[len(cv.x) // 2]),
                     "max f'": float(cv.df.max()), "range of f": f"[{cv.f.min() + 0.0:.3g}, {cv.f.max() + 0.0:.3g}] on [-6, 6]"})
    return pd.DataFrame(rows)


def main() -> None:
    st.title("Activation functions")
    st.caption("Each function next to its derivative. Shaded: f' < 0.01, where gradients vanish.")
    names = explore.names()
    pick = st.pills("Activation", names, format_func=explore.TITLES.get, default="sigmoid", required=True, key="act_pick")
    name = pick or "sigmoid"
    v = C.memo(("activation", name), lambda: view(name))
    c = v["curve"]
    left, right = st.columns([2, 3])
    with left:
        st.subheader(c.title)
        st.latex(c.tex_f)
        st.latex(c.tex_df)
        if v["peak"] is not None:
            (px, py), (lo, hi) = v["peak"], v["vanishing"]
            m = st.columns(2)
            m[0].metric("f' peaks at", f"{py:g}", help=f"at x = {px:g}")
            m[1].metric("f' < 0.01 for |x| >", f"{hi:.2f}")
        if c.note:
            st.caption(c.note)
    with right:
        C.vega_chart(v["spec"])
    with st.expander("All activations at a glance (seed 001's table)"):
        st.dataframe(C.memo(("activation_overview",), overview), hide_index=True, key="act_table",
                     column_config={"f'(0)": C.num_col(4), "max f'": C.num_col(4)})


if __name__ == "__main__":
    main()
