"""Activation functions page: each activation's formula, derivative and a plot of both (seeds 001 and 004).

sigmoid'(x) = s(x)(1 - s(x)) peaks at 0.25 (x = 0); tanh'(x) = 1 - tanh^2(x) peaks at 1; where f' falls below
0.01 the gradient has all but vanished, the shaded region of the plot.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from calc.descent import explore
from pages import common as C


def plot(c: explore.Curve) -> None:
    df = pd.DataFrame({"x": c.x, "f(x)": c.f, "f'(x)": c.df})
    long = df.melt("x", var_name="curve", value_name="y")
    lines = alt.Chart(long).mark_line().encode(
        x=alt.X("x:Q", title="x"), y=alt.Y("y:Q", title=None),
        color=alt.Color("curve:N", scale=alt.Scale(range=["#3b6fb6", "#d9822b"])))
    layers = [lines]
    if c.name in ("sigmoid", "tanh"):
        lo, hi = explore.vanishing_range(c.name)
        band = pd.DataFrame({"from": [c.x[0], hi], "to": [lo, c.x[-1]]})
        layers.insert(0, alt.Chart(band).mark_rect(opacity=0.12, color="#c0392b").encode(x=alt.X("from:Q", title="x"), x2="to:Q"))
        px, py = explore.peak(c.name)
        layers.append(alt.Chart(pd.DataFrame({"x": [px], "y": [py]})).mark_point(
            color="#d9822b", size=80, filled=True).encode(x="x:Q", y="y:Q"))
    st.altair_chart(alt.layer(*layers), width="stretch")


def main() -> None:
    st.title("Activation functions")
    st.caption("Each function next to its derivative. Shaded: f' < 0.01, where gradients vanish.")
    names = explore.names()
    pick = st.pills("Activation", names, format_func=explore.TITLES.get, default="sigmoid", required=True, key="act_pick")
    name = pick or "sigmoid"
    c = explore.curve(name)
    left, right = st.columns([2, 3])
    with left:
        st.subheader(c.title)
        st.latex(c.tex_f)
        st.latex(c.tex_df)
        if name in ("sigmoid", "tanh"):
            px, py = explore.peak(name)
            lo, hi = explore.vanishing_range(name)
            m = st.columns(2)
            m[0].metric("f' peaks at", f"{py:g}", help=f"at x = {px:g}")
            m[1].metric("f' < 0.01 for |x| >", f"{hi:.2f}")
        if c.note:
            st.caption(c.note)
    with right:
        plot(c)
    with st.expander("All activations at a glance (seed 001's table)"):
        rows = []
        for n in names:
            cv = explore.curve(n)
            rows.append({"activation": cv.title, "f'(0)": float(cv.df[len(cv.x) // 2]),
                         "max f'": float(cv.df.max()), "range of f": f"[{cv.f.min():.3g}, {cv.f.max():.3g}] on [-6, 6]"})
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="act_table",
                     column_config={"f'(0)": C.num_col(4), "max f'": C.num_col(4)})


if __name__ == "__main__":
    main()
