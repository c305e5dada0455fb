"""Gradient descent page: type f(theta), a start and a rate; see every update and the path on the curve.

theta_{k+1} = theta_k - rate * f'(theta_k); f is read by calc's safe parser (nothing typed is evaluated) and
f' comes from calc.descent.descend (seed 001's three rates on theta^2 from -4 are the presets).
"""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from calc.presets import PRESET_DIR
from pages import common as C
from pages import render as R

SS = st.session_state


def presets() -> dict:
    try:
        return json.loads((PRESET_DIR / "descent_theta_squared.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _use(expr: str, start: str, rate: str, steps: int):
    SS["gd_expr"], SS["gd_start"], SS["gd_rate"], SS["gd_steps"] = expr, start, rate, steps


@st.cache_data(max_entries=32, show_spinner="Differentiating...")
def run(expr: str, start: str, rate: str, steps: int):
    from calc.descent.descend import descend
    return descend(expr, start, rate, steps)


def main() -> None:
    st.title("Gradient descent")
    from calc.descent.descend import DescentError
    from calc.descent.worker import WorkerError
    from calc.parse.text import ParseError
    p = presets()
    if p.get("runs"):
        st.caption("Seed 001's example: " + C.code_span(p.get("name", "")))
        cols = st.columns(len(p["runs"]))
        for c, r in zip(cols, p["runs"]):
            c.button(f"rate {r['rate']}", key=f"gd_preset_{r['rate']}", on_click=_use,
                     args=(p["expression"], str(p["start"]), str(r["rate"]), int(r["steps"])))
    c = st.columns([3, 1, 1, 1])
    SS.setdefault("gd_expr", p.get("expression", "theta^2"))
    SS.setdefault("gd_start", str(p.get("start", "-4")))
    SS.setdefault("gd_rate", "0.1")
    SS.setdefault("gd_steps", 3)
    expr = c[0].text_input("f(theta)", key="gd_expr", max_chars=200,
                           help="e.g. theta^2, (theta-1)^2 + sin(theta), exp(theta)/10; write 2*theta, not 2theta")
    start = c[1].text_input("theta0", key="gd_start")
    rate = c[2].text_input("Learning rate", key="gd_rate")
    steps = int(c[3].number_input("Steps", 0, 1000, key="gd_steps"))
    try:
        res = run(expr, start, rate, steps)
    except (ParseError, DescentError, ValueError, WorkerError) as e:  # descend turns worker failures into
        C.show_problems([str(e)], "Cannot run gradient descent:")      # DescentError; WorkerError is a backstop
        return
    R.formulas([rf"f(\theta) = {res.f_latex}", rf"f'(\theta) = {res.df_latex}"])
    for note in res.notes:
        st.caption(C.code_span(note))
    if res.stopped:
        st.warning("Stopped: " + C.code_span(res.stopped), icon=":material/warning:")
    rows = [{"k": r.k, "theta_k": r.theta, "f(theta_k)": r.value, "f'(theta_k)": r.grad, "theta_k+1": r.next_theta}
            for r in res.rows()]
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="gd_table",
                     column_config={k: C.num_col(10) for k in ("theta_k", "f(theta_k)", "f'(theta_k)", "theta_k+1")})
        shown = res.rows()[:12]
        if shown:
            R.formulas([r.update for r in shown])      # one line per update: each wraps on a phone
            if len(res.rows()) > 12:
                st.caption(f"First 12 of {len(res.rows())} updates; the table has all.")
    with right:
        spec = C.memo(("descent_path", expr, start, rate, steps), lambda: path(expr, res))
        if spec is not None:
            C.vega_chart(spec)


def path(expr: str, res) -> dict | None:
    """The curve of f with the descent's walk on it (a Vega-Lite spec), or None if f cannot be drawn."""
    from calc.descent.explore import function_curve
    th = [t for t in res.thetas]
    lo, hi = min(th), max(th)
    pad = max(1.0, 0.15 * (hi - lo))
    try:
        xs, ys = function_curve(expr, lo - pad, hi + pad)
    except ValueError:
        return None
    q = "quantitative"
    curve = {"data": "curve", "mark": {"type": "line", "color": "#3b6fb6"},
             "encoding": {"x": {"field": "theta", "type": q}, "y": {"field": "f", "type": q}}}
    walk = {"data": "walk", "mark": {"type": "line", "point": True, "color": "#d9822b", "strokeDash": [4, 3]},
            "encoding": {"x": {"field": "theta", "type": q}, "y": {"field": "f", "type": q},
                         "order": {"field": "k", "type": q},
                         "tooltip": [{"field": f, "type": q} for f in ("k", "theta", "f")]}}
    return C.vega_spec([curve, walk], curve=pd.DataFrame({"theta": xs, "f": ys}),
                       walk=pd.DataFrame({"theta": th, "f": list(res.values), "k": list(range(len(th)))}))


if __name__ == "__main__":
    main()
