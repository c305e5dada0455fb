"""Training page: the update repeated N times as batch, mini-batch or stochastic gradient descent.

Seed 001's terms: batch size B = samples per update; iterations = updates per epoch = ceil(n / B);
an epoch = one pass over all n samples. history[k] = the loss over all samples after k updates.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from calc.worked import notation as nt
from calc.views import tables
from calc.train.loop import MAX_STEPS
from pages import common as C
from pages.solution import render_worked

SS = st.session_state
MAX_ROWS = 200          # rows of the parameter table
MAX_POINTS = 2000       # points drawn on the loss curve


def loss_chart(history: list[float], log: bool) -> dict:
    """The loss curve's Vega-Lite spec (log scale only when every loss is positive)."""
    df = pd.DataFrame(tables.loss_curve(history, MAX_POINTS))
    positive = bool((df["loss"] > 0).all())
    y = {"field": "loss", "type": "quantitative", "title": "loss"}
    if log and positive:
        y["scale"] = {"type": "log"}
    return C.vega_spec([{"data": "curve", "mark": {"type": "line", "color": "#3b6fb6"}, "encoding": {
        "x": {"field": "update", "type": "quantitative", "title": "update"}, "y": y,
        "tooltip": [{"field": "update", "type": "quantitative"}, {"field": "loss", "type": "quantitative"}]}}],
        curve=df)


def main() -> None:
    st.title("Training")
    spec = C.current()
    n = spec.n_samples
    c = st.columns(4)
    steps = int(c[0].number_input("Updates N", 0, MAX_STEPS, 10_000 if n == 1 else 1_000, step=100,
                                  key="train_steps"))
    modes = ["batch", "mini-batch", "stochastic"]
    mode = c[1].radio("Gradient descent", modes, key="train_mode", horizontal=True,
                      disabled=n == 1, help="With one sample the three are the same.")
    if mode == "mini-batch" and n > 1:
        batch = int(c[2].number_input("Batch size B", 1, n, max(1, n // 2), key="train_batch"))
    else:
        batch = 1 if mode == "stochastic" else n
        c[2].metric("Batch size B", batch)
    shuffle = c[3].toggle("Shuffle each epoch", key="train_shuffle", disabled=n == 1 or batch == n)
    seed = int(c[3].number_input("Shuffle seed", 0, 2**31 - 1, 0, key="train_seed")) if shuffle and n > 1 else None
    iters = math.ceil(n / batch)
    st.caption(f"{n} sample{'s' if n > 1 else ''}, batch size {batch}: {iters} iteration{'s' if iters > 1 else ''} "
               f"(updates) per epoch; {steps:,} updates = {steps / iters:,.6g} epochs.")
    every = int(st.number_input("Parameter table: every k updates", 1, max(steps, 1),
                                max(1, steps // 20) if steps else 1, key="train_every"))
    every = max(every, math.ceil(steps / MAX_ROWS)) if steps else 1
    keep = tuple(range(0, steps + 1, every)) + ((steps,) if steps % every else ())
    res = C.trained(C.current_json(), steps, None if batch == n else batch, seed, keep)
    if res is None:
        return
    if res.stopped:
        st.warning("Training stopped early: " + C.code_span(res.stopped), icon=":material/warning:")
    done = len(res.history) - 1
    m = st.columns(2)
    m[0].metric("Loss before", C.fmt_value(res.history[0]))
    m[1].metric(f"Loss after {done:,} updates", C.fmt_value(res.history[-1]))
    notation = C.notation_name(spec)
    names = nt.make(spec, notation)

    def outputs():
        outs = {names.out(len(spec.layers), j)[0]: float(res.outs[0, j - 1]) for j in range(1, spec.sizes[-1] + 1)}
        return C.frame([{"output (sample 1)": k, "after training": v, "target": float(spec.targets[0, j])}
                        for j, (k, v) in enumerate(outs.items())])

    # tables and the chart are built once per training run (C.derived), not on every rerun
    st.dataframe(C.derived(res, ("outputs", notation), outputs), hide_index=True, key="train_outs",
                 column_config={"after training": C.num_col(10), "target": C.num_col(10)})
    t_curve, t_params, t_step = st.tabs(["Loss curve", "Parameters every k updates", "Worked solution at update k"])
    with t_curve:
        log = st.toggle("Log scale", value=True, key="train_log")
        C.vega_chart(C.derived(res, ("loss_chart", log), lambda: loss_chart(res.history, log)))
    with t_params:
        params = C.derived(res, ("parameters", notation), lambda: C.frame(pd.DataFrame(
            [{"update": k, "loss": res.history[k], **tables.parameter_row(res.snapshots[k], names)}
             for k in sorted(res.snapshots) if k <= done])))
        st.dataframe(params, hide_index=True, key="train_params",
                     column_config={c: C.num_col(9) for c in C.columns_of(params) if c != "update"})
    with t_step:
        k = int(st.number_input("Update k (the parameters after k updates)", 0, max(done, 0), min(done, 1),
                                key="train_k"))
        at_k = C.trained(C.current_json(), k, None if batch == n else batch, seed, (k,))
        snap = None if at_k is None else at_k.snapshots.get(k)
        if snap is None:
            st.info("Training stopped before this update.", icon=":material/info:")
            return
        st.caption(f"The worked solution with the parameters after {k} update{'s' if k != 1 else ''}, over all "
                   f"samples; its update gives the parameters after update {k + 1} in batch mode.")
        sol = C.solved(C.canonical(snap), C.notation_name(spec), int(SS.get("digits", 9)))
        if sol is None:
            return
        render_worked(sol, sol.digits, None, "train")


if __name__ == "__main__":
    main()
