"""Network page: pick an example or build your own, name it, edit every number, open / save / share the problem.

Each run builds a candidate problem from the last good one plus the widgets (settings, and the grids of
pages/numbers.py: one text field per cell, read by calc's parser) and validates it with calc.problem.spec once; a
refused candidate shows each message beside the grid of its cell and the last good problem stays loaded. Every
accepted change is written to the address (?p=..., pages/common.sync_url). Build your own, name and notes:
pages/build.py.
"""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from calc.worked import notation as nt
from calc.problem import share
from calc.problem.spec import LOSSES, OPTIMIZERS, SpecError, spec_from_dict
from pages import common as C
from pages import build as B
from pages import grid as G
from pages import numbers as N

SS = st.session_state
_text = G.text


def _kept(shown: str, value):
    """A text widget's value, or the number it showed when it is unchanged (so the problem stays equal)."""
    return value if shown == _text(value) else shown


# ---- loading: examples, files, links ---------------------------------------------------------------
def _on_preset(key: str = "preset_pick"):
    """A pick in the example picker drawn last (see example_picker); a value that widget already showed, or one
    from a picker no longer drawn (a request from a browser a step behind), is no pick."""
    pid = SS.get(key)
    if pid and (key, pid) != SS.get("picker_drawn") and key == SS.get("picker_drawn", (key,))[0]:
        C.load_preset_into_state(pid)


def files_tab(spec):
    st.markdown("**Open a problem file** (JSON, the spec contract; up to 1 MB)")
    up = st.file_uploader("Open a problem (JSON)", type=["json"], max_upload_size=1, key="upload_json",
                          label_visibility="collapsed")
    if up is not None and SS.get("upload_seen") != up.file_id:
        SS["upload_seen"] = up.file_id
        SS["upload_result"] = [str(p) for p in C.handle_upload(up.getvalue(), show=False)]
    if up is not None:
        if SS.get("upload_result"):
            C.show_problems(SS["upload_result"], "Upload refused; the current problem is kept:")
        else:
            st.success("Loaded the uploaded problem.", icon=":material/check:")
    spec = C.current()
    st.download_button("Download problem (JSON)", spec.to_json(), file_name=_slug(spec.name) + ".json",
                       mime="application/json", key="download_json", icon=":material/download:", on_click="ignore")
    st.markdown("**Share link** (the whole problem, weights included, in the address)")
    try:
        token = share.encode(spec)
    except share.LinkTooLarge as e:
        st.warning(str(e), icon=":material/link_off:")
        return
    base = (getattr(st.context, "url", None) or "").split("?")[0]
    st.code(f"{base}?{share.PARAM}={token}", language=None, wrap_lines=True)
    st.caption("The address bar holds this link at all times: reload, back / forward and bookmarks keep the "
               "problem.")


def csv_targets(spec):
    st.markdown("**Targets from CSV**: one row per sample, either one value per output or a single class "
                "index (0, 1, ...), which becomes a one-hot row.")
    up = st.file_uploader("Targets (CSV)", type=["csv", "txt"], max_upload_size=1, key="upload_csv",
                          label_visibility="collapsed")
    if up is None:
        return
    if SS.get("csv_seen") != up.file_id:
        SS["csv_seen"] = up.file_id
        try:
            rows, note = share.targets_from_csv(up.getvalue(), spec.sizes[-1], spec.n_samples)
        except SpecError as e:
            SS["csv_result"] = ("error", [str(p) for p in e.problems])
        else:
            d = C.problem_dict()
            d["targets"] = rows[0] if spec.single_sample and len(rows) == 1 else rows
            try:
                C.set_problem(spec_from_dict(d))
                SS["csv_result"] = ("ok", note)
            except SpecError as e:
                names = nt.make(spec, C.notation_name(spec))
                SS["csv_result"] = ("error", [N.named(p, spec, names) for p in e.problems])
    kind, msg = SS.get("csv_result", ("ok", None))
    if kind == "error":
        C.show_problems(msg, "CSV refused; the current problem is kept:")
    else:
        st.success("Targets loaded from the CSV file.", icon=":material/check:")
        if msg:
            st.info("Read as: " + C.code_span(msg), icon=":material/info:")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name or "problem").strip("_")[:60] or "problem"


# ---- settings and numbers ----------------------------------------------------------------------------
class _Flow:
    """In place of st.columns(n): one horizontal container whose widgets get a fixed width and wrap on a narrow
    screen (c[k] is the same container for every k). A column is a block of its own: one more message to the
    browser on every rerun, for every user."""

    def __init__(self, width: int = 150):
        self.box = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        self.width = width

    def __getitem__(self, k: int) -> "_Flow":
        return self

    def __getattr__(self, name: str):
        make = getattr(self.box, name)
        return lambda *a, **kw: make(*a, **{"width": self.width, **kw})


def settings(spec, d: dict, v: int) -> dict:
    c = _Flow()
    d["loss"] = c[0].selectbox("Loss", LOSSES, index=LOSSES.index(spec.loss), key=f"set_loss_v{v}")
    if d["loss"] in ("bce", "cce"):
        d["log_base"] = _kept(c[1].selectbox("Log base", ["e", "10"], index=["e", "10"].index(spec.log_base),
                                             key=f"set_log_v{v}"), d.get("log_base"))
    else:
        d.pop("log_base", None)
    d["reduction"] = c[2].selectbox("Over samples", ["sum", "mean"], index=["sum", "mean"].index(spec.reduction),
                                    key=f"set_red_v{v}", disabled=spec.n_samples == 1)
    d["learning_rate"] = _kept(c[3].text_input("Learning rate (eta)", _text(d["learning_rate"]), key=f"set_eta_v{v}"),
                               d["learning_rate"])
    orders = ["simultaneous", "sequential"]
    d["update_order"] = c[4].selectbox("Update order", orders, index=orders.index(spec.update_order),
                                       key=f"set_order_v{v}")
    d["update_biases"] = c[5].checkbox("Update biases", spec.update_biases, key=f"set_ub_v{v}")
    training_rule(spec, d, v)
    return d


def training_rule(spec, d: dict, v: int) -> None:
    """The optimizer (PyTorch's definitions and defaults) and the L2 term, as in the problem format."""
    c = _Flow()
    names = list(OPTIMIZERS)
    opt = spec.opt
    name = c[0].selectbox("Optimizer", names, index=names.index(opt["name"]), key=f"set_opt_v{v}",
                          help="The update rule: plain gradient descent, or PyTorch's SGD with momentum / Nesterov, "
                               "RMSprop or Adam (state starting at zero).")
    if name == "sgd":
        d.pop("optimizer", None)
    else:
        given = d.get("optimizer") if isinstance(d.get("optimizer"), dict) else {}
        params = {"name": name}
        for k, (key, default) in enumerate(OPTIMIZERS[name].items(), start=1):
            old = given.get(key, default) if given.get("name") == name else default
            params[key] = _kept(c[k].text_input(key, _text(old), key=f"set_opt_{key}_v{v}"), old)
        d["optimizer"] = params
    l2 = d.get("l2") if isinstance(d.get("l2"), dict) else None
    on = c[4].toggle("L2 term", l2 is not None, key=f"set_l2_v{v}")
    if not on:
        d.pop("l2", None)
        return
    l2 = l2 or {"lambda": "0.01"}
    lam = _kept(c[5].text_input("lambda", _text(l2.get("lambda", "0.01")), key=f"set_l2lam_v{v}"), l2.get("lambda"))
    half = c[4].checkbox("lambda/2 (half)", l2.get("half", True), key=f"set_l2half_v{v}")
    biases = c[5].checkbox("on biases too", l2.get("biases", False), key=f"set_l2b_v{v}")
    d["l2"] = {"lambda": lam, "half": half, "biases": biases}


def _on_normalise():
    spec = C.current()
    d = C.problem_dict()
    rows = [[float(x) / float(r.sum()) if r.sum() > 0 else float(x) for x in r] for r in spec.targets]
    d["targets"] = rows[0] if spec.single_sample else rows
    try:
        C.set_problem(spec_from_dict(d))
    except SpecError as e:
        SS["flash"] = ("Could not normalise:", [str(p) for p in e.problems])


def at_a_glance(spec) -> None:
    sol = C.solve_current(C.notation_name(spec), C.SS.get("digits", 9))
    if sol is None:
        return
    from calc.views.tables import updates_table
    c = st.columns([1, 1, 2])
    loss, after = sol.index["loss"], sol.index["loss_after"]
    c[0].metric(f"Loss {loss.label}", C.fmt_value(loss.value))
    c[1].metric(f"After one update {after.label}", C.fmt_value(after.value),
                delta=None if loss.value is None or after.value is None else C.fmt_value(after.value - loss.value),
                delta_color="inverse")
    # the first update of the output layer and of the first layer, worked in one line each (w5+ and w1+ for Mazur)
    def firsts() -> list[str]:
        steps = [next((s for s in sol.steps if s.kind == "update" and s.layer == l), None)
                 for l in (len(sol.spec.layers), 1)]
        return [rf"{s.formula} = {s.substituted}" for s in {x.id: x for x in steps if x is not None}.values()]

    for tex in C.derived(sol, "glance_firsts", firsts):
        st.latex(tex)
    with st.container():
        data = C.derived(sol, "glance_updates", lambda: C.frame(
            pd.DataFrame(updates_table(sol)).drop(columns=["updated"], errors="ignore")))
        dg = sol.digits
        st.dataframe(data, hide_index=True, key="glance_updates", column_config={
            "old": C.num_col(dg), "gradient": C.num_col(dg), "new": C.num_col(dg)})
    st.page_link("pages/solution.py", label="Read the worked solution", icon=":material/functions:")


def _header() -> tuple:
    """What is drawn outside the fragment: the sidebar, the notations offered, the example picker."""
    return C.header_of(C.current()), C.preset_shown()


def _fragment_run() -> bool:
    """This run reruns only a fragment (the router and the sidebar did not run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def main() -> None:
    st.title("Network")
    C.show_flash()
    spec = C.current()
    top = st.columns([3, 2])
    with top[1]:
        C.notation_picker(spec, "notation_network")
    problem_part()
    example_picker(top[0])            # drawn after the problem part: it shows what this run left loaded
    SS["network_header"] = _header()


def example_picker(place) -> None:
    """The example loaded, unchanged; none (the placeholder) once the problem is edited, built or uploaded.

    The server never writes the picker's state: a rerun requested while the browser still showed the old example
    would read as a new pick and reload it, dropping the cells typed meanwhile. Instead the picker of an edited
    problem is another widget (key preset_pick_edited), which starts empty; and since Streamlit may still call a
    removed widget's callback when a lagging request carries its old value, _on_preset accepts only a new value
    from the picker drawn last."""
    shown = C.preset_shown()
    ids = list(C.preset_options())
    key = "preset_pick" if shown else "preset_pick_edited"
    SS["picker_drawn"] = (key, shown)
    place.selectbox("Example problem", ids, index=ids.index(shown) if shown in ids else None,
                    format_func=C.preset_options().get, key=key, on_change=_on_preset, args=(key,),
                    placeholder="Load an example from the lecture notes...")


@st.fragment
def problem_part() -> None:
    """Everything below the example picker, as an st.fragment: a grid edit reruns only this part (the router, the
    sidebar and the row above are not redrawn), unless it changed what they show: then the whole page reruns."""
    spec = C.current()
    B.name_and_notes(spec)
    t_numbers, t_shape, t_files, t_csv = st.tabs(["Numbers", "Build your own", "Open · save · share",
                                                  "Targets from CSV"])
    with t_files:
        files_tab(spec)
    with t_csv:
        csv_targets(C.current())
    with t_shape:
        B.shape_tab(C.current())
    spec = C.current()
    v = SS["version"]
    names = nt.make(spec, C.notation_name(spec))
    if names.hint:
        st.caption(names.hint)
    with t_numbers:
        d = settings(spec, C.problem_dict(), v)
        general = st.container()       # messages that belong to no grid (a setting, a whole matrix)
        grids = []
        for k in range(len(spec.layers)):
            with st.container(border=True):
                grids += N.layer_editor(spec, d, names, k, v)
        grids += N.samples_editor(spec, d, names, v)
        N.check_and_fill(spec, d, names, grids, general)
    spec = C.current()
    if "flash" in SS or (_fragment_run() and _header() != SS.get("network_header")):
        st.rerun(scope="app")          # a message for the top of the page, or the sidebar / notations changed
    C.show_warnings(spec.warnings, "Warnings about this problem:")
    if spec.loss == "cce" and any(p.field.startswith("targets[") and "sum to" in p.message for p in spec.warnings):
        st.button("Normalise the targets (divide each row by its sum)", on_click=_on_normalise, key="normalise",
                  icon=":material/balance:")
    st.subheader("At a glance")
    at_a_glance(spec)
    from pages import figure_panel
    figure_panel.network_figure(spec)


if __name__ == "__main__":
    main()
