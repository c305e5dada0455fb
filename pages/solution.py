"""Worked solution page: the forward pass, the loss, the backward pass factor by factor, the updates, a diagram.

Every formula shown comes from calc (Step.formula / Step.substituted); user text is never rendered as LaTeX.
Each step is one display formula (pages.render): on a phone it wraps after its = and + signs.
render_worked() is reused by the training page for the solution at a chosen step.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from calc.views import tables
from calc.worked import ids
from calc import tasks
from calc.jobs import budget
from pages import common as C
from pages import render as R

SS = st.session_state


def latex_block(steps) -> None:
    """Steps as display formulas, one per step, each wrapping on a narrow screen (pages.render)."""
    R.formulas(R.step_lines(steps))


def _latex(sol, name, steps_of) -> None:
    """latex_block of steps_of(), its sources built once per solution view (C.derived)."""
    R.formulas(C.derived(sol, ("tex", name), lambda: R.step_lines(steps_of())))


def _df(sol, name, rows_of, digits: int, numeric: list[str], key: str, height=None):
    """st.dataframe of rows_of() (dicts), its Arrow table built once per solution view (C.derived)."""
    _show(C.derived(sol, ("table", name), lambda: C.frame(rows_of())), digits, numeric, key, height)


def forward_tab(sol, digits: int, key: str) -> None:
    def blocks():
        fwd = [s for s in sol.steps if s.kind == "forward"]
        return [(s_i, R.step_lines([s for s in fwd if s.sample == s_i]))
                for s_i in sorted({s.sample for s in fwd})]

    for s_i, texts in C.derived(sol, ("tex", "forward"), blocks):
        if sol.spec.n_samples > 1:
            st.markdown(f"**Sample {s_i}**")
        R.formulas(texts)

    def rows():
        rows = tables.forward_table(sol)
        if sol.spec.n_samples == 1:
            rows = [{k: v for k, v in r.items() if k != "sample"} for r in rows]
        return rows

    _df(sol, "forward", rows, digits, ["net value", "out value"], f"{key}_fwd")


def loss_tab(sol, digits: int, key: str) -> None:
    _latex(sol, "loss", lambda: [s for s in sol.steps if s.kind == "loss" and s.id != "loss_after"])
    _df(sol, "loss", lambda: [{"label": r["label"], "value": r["value"]} for r in tables.loss_table(sol)], digits,
        ["value"], f"{key}_loss")


def _backward_parts(sol, central: dict | None) -> list[dict]:
    """Per layer, output layer first: its title, LaTeX blocks, hidden sums (label, id, rows) and chain rows."""
    L = len(sol.spec.layers)
    sums = tables.hidden_sums(sol)
    chain = tables.chain_table(sol)
    parts = []
    for l in range(L, 0, -1):
        kinds = ("term", "dout", "act", "jac", "chain", "delta")
        rows = [{k: v for k, v in r.items() if k not in ("id", "layer")} | (
            {"central difference": central.get(ids.without_sample(r["id"])) if sol.spec.n_samples == 1
             else None} if central is not None else {}) for r in chain if r["layer"] == l]
        parts.append({
            "l": l, "title": "Output layer" if l == L else f"Hidden layer {l}",
            "factors": R.step_lines([s for s in sol.steps if s.kind == "backward" and s.layer == l
                                   and ids.kind(s.id) in kinds]),
            "sums": [(hs["label"], hs["id"], C.frame(hs["terms"]), hs["value"])
                     for hs in sums if ids.parse(hs["id"])[1]["l"] == l],
            "grads": R.step_lines([s for s in sol.steps if s.kind == "backward" and s.layer == l
                                 and ids.kind(s.id) in ("gw", "gb")]),
            "chain": C.frame(rows),
            "chain_numeric": [c for c in (rows[0] if rows else {})
                              if c.startswith("value") or c == "central difference"],
        })
    return parts


def backward_tab(sol, digits: int, central: dict | None, key: str) -> None:
    L = len(sol.spec.layers)
    for part in C.derived(sol, ("backward", central is not None), lambda: _backward_parts(sol, central)):
        l = part["l"]
        with st.expander(f"{part['title']}: deltas and gradients", expanded=l >= L - 1):
            R.formulas(part["factors"])
            for label, hs_id, data, total in part["sums"]:
                st.markdown(f"Hidden sum {C.code_span(label)} term by term")
                _show(data, digits, ["delta value", "weight value", "value"], f"{key}_hs_{hs_id}")
                st.caption("Sum of the terms: " + C.code_span(f"{label} = {C.fmt_value(total, digits)}"))
            R.formulas(part["grads"])
            _show(part["chain"], digits, part["chain_numeric"], f"{key}_chain_{l}")


def _show(data, digits: int, numeric: list[str], key: str, height=None) -> None:
    if data is None:
        return
    cols = C.columns_of(data)
    st.dataframe(data, hide_index=True, column_config={c: C.num_col(digits) for c in numeric if c in cols}, key=key,
                 height=height or "auto")


def updates_tab(sol, digits: int, central: dict | None, key: str) -> None:
    def rows():
        rows = tables.updates_table(sol, central)
        for r in rows:
            r["updated"] = "yes" if r["updated"] else "fixed"
        return rows

    _df(sol, ("updates", central is not None), rows, digits,
        ["old", "gradient", "new", "central difference", "|difference|"], f"{key}_updates")
    _latex(sol, "updates", lambda: [s for s in sol.steps if s.kind == "update"])
    after = sol.index.get("loss_after")
    if after is not None:
        _latex(sol, "loss_after", lambda: [after])
        st.metric(f"Loss after the update, {after.label}", C.fmt_value(after.value, digits),
                  delta=C.fmt_value(after.value - sol.index["loss"].value, digits), delta_color="inverse")


def diagram_tab(sol, key: str) -> None:
    from pages import figure_panel
    figure_panel.network_figure(sol.spec, sol=sol, key=f"{key}_figure")


def all_steps_tab(sol, digits: int, key: str) -> None:
    def rows():
        return [{"step": s.label, "kind": s.kind, "value": s.value if not isinstance(s.value, list) else None,
                 "step id (python -m calc check)": s.id} for s in sol.steps if s.kind != "matrix"]

    _df(sol, "all", rows, digits, ["value"], f"{key}_all", height=320)
    labels = C.derived(sol, "all_ids", lambda: [s.id for s in sol.steps if s.kind != "matrix"])
    pick = st.selectbox("Show one step", labels, format_func=lambda i: sol.index[i].label, key=f"{key}_pick")
    if pick:
        s = sol.index[pick]
        latex_block([s])
        if s.depends_on:
            st.caption("Depends on: " + ", ".join(C.code_span(sol.index[d].label) for d in s.depends_on
                                                  if d in sol.index))
        if s.note:
            st.caption(C.code_span(s.note))


def symbolic_tab(sol, digits: int) -> None:
    """Formula, substituted, exact value and agreement per step (calc.symbolic.formulas, imported by the job only
    when the toggle is on: SymPy takes about 0.3 s to import)."""
    if not st.toggle("Compute exact values with SymPy", key="symbolic_on"):
        st.caption("Exact arithmetic on every step, from the numbers as written (0.15 = 3/20).")
        return
    try:
        rows = _exact_rows(C.current_json(), C.notation_name(sol.spec), digits)
    except Exception as e:  # the symbolic side is optional: a message, never a traceback
        st.warning("The exact computation failed: " + C.code_span(type(e).__name__), icon=":material/warning:")
        return
    shown = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    st.dataframe(pd.DataFrame(shown), hide_index=True, key="symbolic_table",
                 column_config={"relative difference": C.num_col(3)})
    ids = [r["_id"] for r in rows]
    pick = st.selectbox("Show one exact step", ids, format_func=lambda i: sol.index[i].label, key="symbolic_pick")
    row = next((r for r in rows if r["_id"] == pick), None)
    if row and row["_formula"]:
        st.latex(row["_formula"])
        st.latex(row["_substituted"])
    expanded_pane(sol)


def expanded_pane(sol) -> None:
    """On request: one parameter's whole derivative as a single expression (networks of <= 20 parameters)."""
    from calc.symbolic.expanded import MAX_EXPANDED_PARAMS, n_params
    st.markdown("**One derivative, fully expanded**")
    if n_params(sol.spec) > MAX_EXPANDED_PARAMS:
        st.caption(f"Offered for networks of at most {MAX_EXPANDED_PARAMS} parameters; this one has "
                   f"{n_params(sol.spec)}.")
        return
    params = [s.id for s in sol.steps if s.kind == "given" and ids.is_param(s.id)]
    pid = st.selectbox("Parameter", params, format_func=lambda i: sol.index[i].label, key="expand_pick")
    if st.button("Expand the derivative", key="expand_go"):
        got = _expanded(C.current_json(), pid)
        if got is None:
            return
        latex, value, chain, rel = got
        grad = sol.index[ids.grad(pid)]
        st.latex(f"{grad.latex} = {latex}")
        st.caption(f"At the given numbers: {value} (expanded) and {chain} (the chain of factors); relative "
                   f"difference {rel:.1e}.")


def _expanded(spec_json: str, pid: str) -> tuple[str, str, str, float] | None:
    """The expanded derivative, through the engine's door (a worker, under the time and memory budget)."""
    got = C.job(budget.expanded(C.spec_of(spec_json)), tasks.expanded, spec_json, pid, 12,
                key=("expanded", spec_json, pid), label="Differentiating the whole loss")
    return None if got is None else (got[0], *got[1])


def _exact_rows(spec_json: str, notation: str, digits: int) -> list[dict]:
    got = C.job(budget.exact(C.spec_of(spec_json)), tasks.worked, spec_json, notation, digits,
                key=("worked", spec_json, notation, digits), label="Computing exact values")
    if got is None:
        return []
    sol, worked = got
    res = {k: (w.formula, w.exact) for k, w in worked.items()}
    rows = []
    for st_ in sol.steps:
        if st_.kind == "matrix" or st_.id not in res:
            continue
        f, ex = res[st_.id]
        agree = getattr(ex, "agree", None)
        rows.append({"step": st_.label, "exact value": str(getattr(ex, "value_str", "")),
                     "agrees": "" if agree is None else ("yes" if agree else "NO"),
                     "relative difference": getattr(ex, "rel_diff", None), "_id": st_.id,
                     "_formula": getattr(f, "latex", "") if f else st_.formula,
                     "_substituted": getattr(f, "substituted", "") if f else st_.substituted})
    return rows


def render_worked(sol, digits: int, central: dict | None, key: str, symbolic: bool = False) -> None:
    """The whole worked solution in tabs."""
    loss, after = sol.index["loss"], sol.index.get("loss_after")
    c = st.columns(3)                       # wide enough for a 9-digit value beside the sidebar
    c[0].metric(f"Loss {loss.label}", C.fmt_value(loss.value, digits))
    if after is not None:
        c[1].metric(f"After the update {after.label}", C.fmt_value(after.value, digits))
    C.show_warnings(sol.warnings, "Notes on this problem:")
    if sol.summarised:
        st.info("The network is above the step view's caps (6 layers, 16 units, 32 samples): the matrix form "
                "has every number.", icon=":material/info:")
    names = ["Forward pass", "Loss", "Backward pass", "Updates", "Diagram", "All steps"] + (
        ["Exact (SymPy)"] if symbolic else [])
    tabs = st.tabs(names)
    if not sol.summarised:
        with tabs[0]:
            forward_tab(sol, digits, key)
        with tabs[1]:
            loss_tab(sol, digits, key)
        with tabs[2]:
            backward_tab(sol, digits, central, key)
    else:
        for tab in tabs[:3]:
            with tab:
                st.caption("Above the step view's caps this part is shown as matrices: open Matrix form.")
                st.page_link("pages/matrix.py", label="Matrix form", icon=":material/grid_on:")
    with tabs[3]:
        updates_tab(sol, digits, central, key)
    with tabs[4]:
        diagram_tab(sol, key)
    with tabs[5]:
        all_steps_tab(sol, digits, key)
    if symbolic:
        with tabs[6]:
            symbolic_tab(sol, digits)


def main() -> None:
    st.title("Worked solution")
    spec = C.current()
    digits, notation, third = C.display_controls(spec, "solution")
    with third:
        show_cd = st.toggle("Central differences beside each gradient", key="central_on",
                            value=SS.get("central_pref", False))
        SS["central_pref"] = show_cd
    sol = C.solve_current(notation, digits)
    if sol is None:
        return
    if sol.notation.hint:
        st.caption(sol.notation.hint)
    central = None
    if show_cd:
        if spec.update_order == "sequential":
            st.caption("Under sequential order the hidden gradients use the updated weights; central differences "
                       "check simultaneous order, so they differ there by design.")
        cd = C.central(C.current_json())
        central = None if cd is None else tables.central_column(sol, cd)
    render_worked(sol, digits, central, "sol", symbolic=True)


if __name__ == "__main__":
    main()
