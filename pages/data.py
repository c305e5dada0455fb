"""Data page: train a classifier on a table (seed 003's wheat-seeds data, or an uploaded CSV whose last column is
the class) and see loss and accuracy per epoch on the training and test sets, the test set's confusion matrix, the
final weights, and the worked solution of any update.

Everything is computed by calc.train.fit (the same run as `python -m calc fit`) through the engine's door
(calc.tasks.fit_chunk, calc.tasks.fit_update); this page only lays out the report. Column and class names come from
the user's file: they are shown as data (tables, chart legends), never as Markdown.
"""
from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from calc import tasks
from calc.data.table import MAX_BYTES, DataError, load, read_table, summary
from calc.jobs.budget import BudgetError
from calc.jobs.cache import RESULTS
from calc.problem.model import ACTIVATIONS, LOSSES
from calc.problem.spec import SpecError
from calc.train import fit
from pages import common as C
from pages.solution import render_worked, updates_tab

SS = st.session_state
STEPS_SHOWN = 1500      # above this many steps the update is shown as its updates table (and can be loaded)
SOURCES = {"seeds": "Wheat seeds (UCI, seed 003)", "upload": "Upload a CSV"}


def get_table():
    """(table, data id, source name), or None after saying why not."""
    choice = st.radio("Data", list(SOURCES), format_func=SOURCES.get, key="data_source", horizontal=True)
    if choice == "seeds":
        st.caption("210 wheat kernels of three varieties (Kama, Rosa, Canadian), 7 measured features each: the UCI "
                   "Machine Learning Repository's seeds data set (Charytanowicz et al., 2010), CC BY 4.0, shipped "
                   "in calc/data/seeds/ with its attribution.")
        return RESULTS.get_or(("data-table", "seeds"), lambda: load("seeds")), "seeds", "seeds"
    up = st.file_uploader("CSV file: one row per sample, the last column is the class (commas, semicolons or "
                          "whitespace; an optional header row)", type=["csv", "txt", "tsv", "data"],
                          max_upload_size=MAX_BYTES // 1_000_000, key="data_upload")
    if up is None:
        st.info("Upload a table to train on, or choose the wheat seeds data.", icon=":material/upload_file:")
        return None
    raw = up.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        table = RESULTS.get_or(("data-table", digest), lambda: read_table(raw, name=up.name[:100] or "upload"))
    except DataError as e:
        C.show_problems(e.problems, "This file cannot be used:")
        return None
    return table, digest, "upload"


def options(table) -> fit.FitOptions | None:
    n_feat, n_cls = table.X.shape[1], len(table.classes)
    c = st.columns(4)
    hidden = c[0].text_input("Hidden layer sizes", "8", key="data_hidden",
                             help="Units of each hidden layer, e.g. 8 or 8-4 (empty: no hidden layer). The inputs "
                                  f"({n_feat}) and outputs ({n_cls}) come from the data.")
    act_h = c[1].selectbox("Hidden activation", ACTIVATIONS, index=ACTIVATIONS.index("relu"), key="data_act_hidden")
    act_o = c[2].selectbox("Output activation", ACTIVATIONS, index=ACTIVATIONS.index("softmax"), key="data_act_out")
    loss = c[3].selectbox("Loss", LOSSES, index=LOSSES.index("cce"), key="data_loss")
    c = st.columns(4)
    epochs = int(c[0].number_input("Epochs", 1, 100_000, 50, key="data_epochs"))
    batch = int(c[1].number_input("Batch size", 1, 5_000, 16, key="data_batch"))
    eta = float(c[2].number_input("Learning rate", 0.0, 100.0, 0.1, step=0.01, format="%g", key="data_eta"))
    opt = c[3].selectbox("Optimizer", fit.OPTIMIZER_NAMES, key="data_optimizer")
    c = st.columns(4)
    frac = float(c[0].slider("Test fraction", 0.0, 0.9, 0.3, 0.05, key="data_test_fraction"))
    seed = int(c[1].number_input("Seed", 0, 2**31 - 1, 1, key="data_seed",
                                 help="Decides the split, the initial weights and the order of the mini-batches."))
    standardize = c[2].toggle("Standardize", True, key="data_standardize",
                              help="Scale each feature by the mean and standard deviation of the training rows.")
    stratify = c[3].toggle("Stratified split", True, key="data_stratify")
    sizes = "-".join([str(n_feat), *[h for h in hidden.replace(",", "-").split("-") if h.strip()], str(n_cls)])
    try:
        layers = fit.parse_layers(sizes)
    except SpecError as e:
        C.show_problems(e.problems, "Not trained:")
        return None
    return fit.FitOptions(layers=layers, activations=(act_h,) * (len(layers) - 2) + (act_o,), loss=loss,
                          epochs=epochs, batch_size=batch, test_fraction=frac, seed=seed, standardize=standardize,
                          learning_rate=eta, optimizer=opt, stratify=stratify)


def prepared(table, data_id: str, opts: fit.FitOptions, source: str):
    """The run before training (split, scaling, initial problem), or None after showing why not."""
    try:
        return RESULTS.get_or(("data-prep", data_id, opts), lambda: fit.prepare(table, opts, source))
    except SpecError as e:
        C.show_problems(e.problems, "Not trained:")
        return None


def curves(history: list[dict]) -> None:
    df = pd.DataFrame(history)
    c = st.columns(2)
    for col, what, title in ((c[0], "loss", "loss"), (c[1], "accuracy", "accuracy")):
        long = df.melt(id_vars=["epoch"], value_vars=[f"train_{what}", f"test_{what}"], var_name="set",
                       value_name=what).dropna()
        long["set"] = long["set"].str.replace(f"_{what}", "", regex=False)
        chart = alt.Chart(long).mark_line().encode(
            x=alt.X("epoch:Q", title="epoch"), y=alt.Y(f"{what}:Q", title=title),
            color=alt.Color("set:N", title="set"), tooltip=["epoch", "set", what])
        with col:
            st.altair_chart(chart, width="stretch")


def train_live(table, data_id: str, opts, source: str, prep) -> dict | None:
    """The run's report, trained chunk by chunk through the engine's door (each chunk a killable job of about 0.4 s,
    cached): the loss and accuracy curves are drawn after each chunk, so they grow while the run goes on. Leaving
    the page or changing an option stops the script, which cancels the chunk that runs; the chunks done stay cached."""
    key = ("data-fit", data_id, opts)
    done = RESULTS.get(key)
    if done is not None:
        return done
    total = fit.estimate(prep)
    try:
        total.check()
    except BudgetError as e:
        st.error(f"Not computed: {e}", icon=":material/block:")
        return None
    plan = fit.epoch_chunks(opts.epochs, total.seconds)
    u = prep.updates_per_epoch
    live = st.empty()
    chunks, state = [], None
    for e0, e1 in plan:
        part = C.job(fit.estimate(prep, (e1 - e0) * u), tasks.fit_chunk, table, opts, source, e0, e1, state,
                     key=("data-fit-chunk", data_id, opts, e0, e1), label=f"Training epochs {e0 + 1} to {e1}")
        if part is None:
            live.empty()
            return None
        chunks.append(part)
        state = part.state
        if part.stopped:
            break
        if len(plan) > 1 and e1 < opts.epochs:
            with live.container():
                st.progress(e1 / opts.epochs, text=f"Training: epoch {e1} of {opts.epochs}")
                curves([r for c in chunks for r in c.records])
    live.empty()
    return RESULTS.put(key, fit.report(prep, chunks))


def worked(table, data_id: str, opts, source: str, prep, report: dict) -> None:
    st.caption("Update K uses one mini-batch of the training rows with the parameters (and the optimizer's state) "
               "after K - 1 updates; its new weights are the parameters after K updates.")
    k = int(st.number_input("Update K", 1, max(report["updates"], 1), 1, key="data_update_k"))
    try:
        est = fit.estimate(prep, k - 1)
    except BudgetError as e:          # pragma: no cover (estimate only computes)
        st.error(f"Not computed: {e}", icon=":material/block:")
        return
    spec_json = C.job(est, tasks.fit_update, table, opts, source, k, key=("data-update", data_id, opts, k),
                      label="Training to the update")
    if spec_json is None:
        return
    spec = C.spec_of(spec_json)
    sol = C.solved(spec_json, C.notation_name(spec), int(SS.get("digits", 9)))
    if sol is None:
        return
    if st.button("Make this update the loaded problem (every page then works it)", key="data_update_load",
                 icon=":material/open_in_new:"):
        SS["pending_source"] = f"update {k} of the training run"
        C.set_problem(spec)
        st.switch_page("pages/solution.py")
    if len(sol.steps) > STEPS_SHOWN:       # thousands of steps (a batch of 16 rows) would take a minute to draw
        st.info(f"This update has {len(sol.steps):,} steps ({spec.n_samples} rows in its batch): here are its "
                "updates; load it (the button above) to read every step, or choose a batch size of 1 or 2 rows.",
                icon=":material/info:")
        loss = sol.index["loss"]
        st.metric(f"Loss of the batch, {loss.label}", C.fmt_value(loss.value, sol.digits))
        updates_tab(sol, sol.digits, None, "data")
        return
    render_worked(sol, sol.digits, None, "data")


def main() -> None:
    C.current()                       # the router's state (and out of Streamlit's pages/-folder mode on a first visit)
    st.title("Training on data")
    st.caption("Train a classifier on a table: the last column is the class, every other column a feature. The "
               "same run as `python -m calc fit`.")
    got = get_table()
    if got is None:
        return
    table, data_id, source = got
    info = summary(table)
    c = st.columns([1, 2])
    c[0].metric("Rows", info["rows"])
    c[0].metric("Features", info["features"])
    c[1].dataframe(pd.DataFrame({"class": list(info["per_class"]), "rows": list(info["per_class"].values())}),
                   hide_index=True, key="data_classes")
    with st.expander("The first rows"):
        head = pd.DataFrame(table.X[:10], columns=pd.Index(table.columns, dtype=object))
        label = "class"
        while label in head.columns:
            label += "'"
        head[label] = [table.classes[i] for i in table.y[:10]]
        st.dataframe(head, hide_index=True, key="data_head")
    opts = options(table)
    if opts is None:
        return
    prep = prepared(table, data_id, opts, source)
    if prep is None:
        return
    st.caption(f"{prep.n_train} training rows, {len(prep.test_idx)} test rows; batch size {prep.batch}: "
               f"{prep.updates_per_epoch} updates per epoch, {prep.updates:,} updates in all.")
    report = train_live(table, data_id, opts, source, prep)
    if report is None:
        return
    if report["stopped"]:
        st.warning("Training stopped early: " + C.code_span(report["stopped"]), icon=":material/warning:")
    C.show_warnings([f"{w['field']}: {w['message']}" for w in report["warnings"]], "Notes on this problem:")
    m = st.columns(4)
    m[0].metric("Train accuracy", C.fmt_value(None if report["train_accuracy"] is None
                                              else 100 * report["train_accuracy"], 4) + " %")
    m[1].metric("Test accuracy", "-" if report["test_accuracy"] is None
                else C.fmt_value(100 * report["test_accuracy"], 4) + " %")
    m[2].metric("Train loss", C.fmt_value(report["train_loss"], 6))
    m[3].metric("Test loss", "-" if report["test_loss"] is None else C.fmt_value(report["test_loss"], 6))
    t_curves, t_conf, t_weights, t_step = st.tabs(["Loss and accuracy", "Confusion matrix", "Final weights",
                                                   "Worked solution of update K"])
    with t_curves:
        curves(report["history"])
        st.dataframe(pd.DataFrame(report["history"]), hide_index=True, key="data_history",
                     column_config={c: C.num_col(6) for c in ("train_loss", "test_loss", "train_accuracy",
                                                               "test_accuracy")})
    with t_conf:
        if report["confusion"] is None:
            st.info("No test set (test fraction 0).", icon=":material/info:")
        else:
            st.caption("Test set after the last epoch: rows = true class, columns = predicted class.")
            names = pd.Index(report["data"]["classes"], dtype=object)
            st.dataframe(pd.DataFrame(report["confusion"], index=names, columns=names), key="data_confusion")
    with t_weights:
        for k, layer in enumerate(report["layers"], start=1):
            st.caption(f"Layer {k} ({layer['activation']}): rows = inputs, columns = units; last row = biases")
            rows = list(report["data"]["columns"]) if k == 1 else [f"unit {i}" for i in range(1, len(layer["weights"]) + 1)]
            df = pd.DataFrame(layer["weights"] + [layer["biases"]], index=pd.Index(rows + ["bias"], dtype=object),
                              columns=[f"unit {j}" for j in range(1, len(layer["weights"][0]) + 1)])
            st.dataframe(df, key=f"data_weights_{k}", column_config={c: C.num_col(9) for c in df.columns})
    with t_step:
        if st.toggle("Show the worked solution of an update", key="data_worked_on"):
            worked(table, data_id, opts, source, prep, report)


if __name__ == "__main__":
    main()
