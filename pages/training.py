"""Training page: the update repeated N times as batch, mini-batch or stochastic gradient descent.

Seed 001's terms: batch size B = samples per update; iterations = updates per epoch = ceil(n / B);
an epoch = one pass over all n samples. history[k] = the loss over all samples after k updates.
"""
from __future__ import annotations

import math
import re

import pandas as pd
import streamlit as st

from calc.worked import notation as nt
from calc.views import tables
from calc.train.loop import MAX_STEPS
from calc.export.escape import md_text
from pages import common as C
from pages import render as R
from pages.solution import render_worked

SS = st.session_state
MAX_ROWS = 200          # rows of the parameter table
MAX_POINTS = 2000       # points drawn on the loss curve
MAX_OUT_ROWS = 500      # rows of the outputs table (samples x outputs)


def published_note(spec, done: int) -> None:
    """What the problem's source printed about training (published `train[N].label` values) and the preset's note
    on each: Mazur's 0.0000351085 "after 10,000 rounds" is the error after 9,999 updates (calc/presets/mazur.json).
    Problem text is user text: escaped (calc.export.escape.md_text), never read as Markdown."""
    notes = spec.extra.get("published_notes")
    notes = notes if isinstance(notes, dict) else {}            # uploaded JSON may hold anything here
    keys = [k for k in spec.published if k.startswith("train[")]
    if not keys:
        return
    lines = []
    for k in keys:
        m = re.fullmatch(r"train\[(\d+)\]\.(.+)", k)
        what = f"{md_text(m.group(2))} after {int(m.group(1)):,} updates" if m else md_text(k)
        note = notes.get(k)
        value = str(spec.published[k])
        said = str(note) if note and value in str(note) else f"printed {value}" + (f". {note}" if note else "")
        lines.append(f"- {what}: {md_text(said)}")
    st.info("**What the source printed after training** (this run: "
            f"{done:,} update{'s' if done != 1 else ''})\n\n" + "\n".join(lines), icon=":material/menu_book:")


AXES = ("automatic", "linear", "log")


def loss_chart(history: list[float], scale: str) -> dict:
    """The loss curve's Vega-Lite spec: `scale` "log" or "linear" (pages.render.loss_scale). A linear axis does
    not start at zero, so a small drop (1.416 -> 1.361) fills the chart instead of lying flat along its top."""
    df = pd.DataFrame(tables.loss_curve(history, MAX_POINTS))
    y = {"field": "loss", "type": "quantitative", "title": "loss",
         "scale": {"type": "log"} if scale == "log" else {"type": "linear", "zero": False}}
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
    m = st.columns(3)
    m[0].metric("Loss before", C.fmt_value(res.history[0]))
    m[1].metric(f"Loss after {done:,} updates", C.fmt_value(res.history[-1]))
    if done >= 2:                   # sources that print "after N rounds" often show the loss after N - 1 updates
        m[2].metric(f"Loss after {done - 1:,} updates", C.fmt_value(res.history[-2]))
    notation = C.notation_name(spec)
    names = nt.make(spec, notation)

    published_note(spec, done)
    shown_samples = min(n, max(1, MAX_OUT_ROWS // spec.sizes[-1]))

    def outputs():
        L, n_out = len(spec.layers), spec.sizes[-1]
        labels = [names.out(L, j)[0] for j in range(1, n_out + 1)]
        return C.frame([{"sample": s + 1, "output": labels[j], "after training": float(res.outs[s, j]),
                         "target": float(spec.targets[s, j])} for s in range(shown_samples) for j in range(n_out)])

    # tables and the chart are built once per training run (C.derived), not on every rerun
    st.markdown("**Outputs after training, every sample**" if n > 1 else "**Outputs after training**")
    st.dataframe(C.derived(res, ("outputs", notation), outputs), hide_index=True, key="train_outs",
                 column_config={"after training": C.num_col(10), "target": C.num_col(10)},
                 column_order=("sample", "output", "after training", "target") if n > 1 else
                 ("output", "after training", "target"))
    if shown_samples < n:
        st.caption(f"The first {shown_samples:,} of {n:,} samples.")
    t_curve, t_params, t_step = st.tabs(["Loss curve", "Parameters every k updates", "Worked solution at update k"])
    with t_curve:
        axis = st.radio("Loss axis", AXES, horizontal=True, key="train_axis",
                        help="automatic: a log axis when the loss spans more than two decades, else a linear one "
                             "that does not start at zero")
        scale, why = R.loss_scale(res.history, axis)
        st.caption(why)
        C.vega_chart(C.derived(res, ("loss_chart", scale), lambda: loss_chart(res.history, scale)))
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
