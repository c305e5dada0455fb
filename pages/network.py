"""Network page: pick an example or build your own, edit every number in a grid, open / save / share the problem.

Each run builds a candidate problem from the last good one plus the widgets (settings and grid edits, cells read
as text by calc's parser) and validates it with calc.problem.spec; a refused candidate shows located errors and the last
good problem stays loaded.
"""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from calc.worked import notation as nt
from calc.problem import share
from calc.problem.spec import ACTIVATIONS, LOSSES, MAX_SAMPLES, OPTIMIZERS, Problem, SpecError, spec_from_dict
from calc.jobs import budget
from calc.jobs.budget import BudgetError
from pages import common as C

SS = st.session_state
BIAS_MODES = {"unit": "one per unit", "shared": "one shared per layer", "none": "no bias"}
TEXT = st.column_config.TextColumn


def editor_key(kind: str, layer: int | None = None) -> str:
    """Stable widget keys (tests and browser tests use these): ed_w2_v3_mazur = weights of layer 2."""
    return f"ed_{kind}{'' if layer is None else layer}_v{SS['version']}_{C.notation_name(C.current())}"


def _cells(rows) -> list[list[str]]:
    return [[_text(v) for v in r] for r in rows]


def _text(v) -> str:
    return v if isinstance(v, str) else repr(v) if isinstance(v, float) and repr(v) != str(v) else str(v)


def _grid(rows, index, columns, key: str, alt: str):
    """A text grid (every cell typed as text, read later by calc.parse.text) -> the edited rows as lists; `rows`
    itself when no cell differs from what was shown (so an unchanged problem is not validated again)."""
    cells = _cells(rows)
    df = C.memo(("grid", tuple(map(tuple, cells)), tuple(index), tuple(columns)),    # st.data_editor copies it
                lambda: pd.DataFrame(cells, index=index, columns=columns, dtype=object))
    cfg = {c: TEXT(c, required=True) for c in columns}
    out = st.data_editor(df, key=key, num_rows="fixed", column_config=cfg, alt=alt, width="content")
    got = [[None if (v is None or (isinstance(v, float) and v != v)) else v for v in r] for r in out.values.tolist()]
    return rows if got == cells else got


def _kept(shown: str, value):
    """A text widget's value, or the number it showed when it is unchanged (so the problem stays equal)."""
    return value if shown == _text(value) else shown


def _rows(v) -> list:
    return v if isinstance(v[0], list) else [v]


# ---- loading: examples, files, links ---------------------------------------------------------------
def _on_preset():
    pid = SS.get("preset_pick")
    if pid:
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
    if st.button("Put this link in the address bar", key="share_to_url", icon=":material/link:"):
        SS["loaded_p"] = token
        st.query_params[share.PARAM] = token


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
                SS["csv_result"] = ("error", [str(p) for p in e.problems])
    kind, msg = SS.get("csv_result", ("ok", None))
    if kind == "error":
        C.show_problems(msg, "CSV refused; the current problem is kept:")
    else:
        st.success("Targets loaded from the CSV file.", icon=":material/check:")
        if msg:
            st.info(msg, icon=":material/info:")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name or "problem").strip("_")[:60] or "problem"


# ---- build your own -------------------------------------------------------------------------------------
def _fill(i: int, j: int) -> str:
    """Example weights for new cells: small, varied, deterministic (0.1 .. 0.5)."""
    return f"{(1 + (i + 2 * j) % 5) / 10:g}"


def _resize(d: dict, sizes: list[int], samples: int, bias_mode: str) -> dict:
    old = d["layers"]
    layers = []
    for k in range(len(sizes) - 1):
        src = old[k] if k < len(old) else {}
        if k == len(sizes) - 2:
            src = old[-1]
        w_old = src.get("weights") or [[]]
        w = [[w_old[i][j] if i < len(w_old) and j < len(w_old[i]) else _fill(i, j) for j in range(sizes[k + 1])]
             for i in range(sizes[k])]
        b_old = src.get("biases")
        if bias_mode == "none":
            b = None
        elif bias_mode == "shared":
            b = b_old if b_old is not None and not isinstance(b_old, list) else (b_old[0] if b_old else "0.1")
        else:
            base = b_old if isinstance(b_old, list) else [b_old if b_old is not None else "0.1"] * sizes[k + 1]
            b = [base[j] if j < len(base) else "0.1" for j in range(sizes[k + 1])]
        act = src.get("activation", "sigmoid")
        if act == "softmax" and (sizes[k + 1] == 1 or k < len(sizes) - 2):
            act = "sigmoid"
        layer = {"weights": w, "biases": b, "activation": act}
        if src.get("alpha") is not None:
            layer["alpha"] = src["alpha"]
        layers.append(layer)
    d["layers"] = layers
    for key, n in (("inputs", sizes[0]), ("targets", sizes[-1])):
        rows = _rows(d[key])
        new = [[rows[s][j] if s < len(rows) and j < len(rows[s]) else ("0.5" if key == "inputs" else "0")
                for j in range(n)] for s in range(samples)]
        d[key] = new[0] if samples == 1 else new
    return d


def _on_shape():
    text = SS.get("shape_sizes", "")
    if not re.fullmatch(r"\s*\d{1,3}(\s*,\s*\d{1,3}){1,20}\s*", text or ""):
        SS["shape_error"] = [str(Problem("units per layer", f"write whole numbers separated by commas, inputs first "
                                                          f"and outputs last, e.g. 2, 2, 2; got {text!r}"))]
        return
    sizes = [int(x) for x in text.split(",")]
    if min(sizes) < 1:
        SS["shape_error"] = [str(Problem("units per layer", "every layer needs at least 1 unit"))]
        return
    d = _resize(C.problem_dict(), sizes, int(SS["shape_samples"]), SS["shape_bias"])
    try:
        spec = spec_from_dict(d)
        budget.solve(spec).check()          # a network no page could solve does not replace the good one
        budget.train(spec, 1).check()
    except SpecError as e:
        SS["shape_error"] = [str(p) for p in e.problems]
        return
    except BudgetError as e:
        SS["shape_error"] = [f"units per layer: {e}"]
        return
    SS.pop("shape_error", None)
    SS["pending_source"] = "built here"
    C.set_problem(spec)


def shape_tab(spec):
    with st.form("shape_form", border=False):
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.text_input("Units per layer (inputs, hidden..., outputs)", ", ".join(map(str, spec.sizes)),
                      key="shape_sizes", help="e.g. 2, 2, 2 for Mazur's network; 4, 3, 4, 2 for two hidden layers")
        c2.number_input("Samples", 1, MAX_SAMPLES, spec.n_samples, key="shape_samples")
        modes = list(BIAS_MODES)
        c3.selectbox("Biases", modes, index=modes.index(spec.layers[0].bias_mode), format_func=BIAS_MODES.get,
                     key="shape_bias")
        st.form_submit_button("Build this network", on_click=_on_shape, icon=":material/construction:")
    st.caption("Existing numbers are kept where they fit; new cells get example values you can edit.")
    if SS.get("shape_error"):
        C.show_problems(SS["shape_error"], "Not built; the current problem is kept:")


# ---- settings and numbers ----------------------------------------------------------------------------
def settings(spec, d: dict, v: int) -> dict:
    c = st.columns(6)
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
    c = st.columns(6)
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


def layer_editor(spec, d: dict, names, k: int, v: int) -> None:
    l = k + 1
    layer = d["layers"][k]
    hagan = names.name == "hagan"
    src = [names.out(l - 1, i)[0] for i in range(1, spec.sizes[k] + 1)]
    dst = [names.out(l, j)[0] for j in range(1, spec.sizes[l] + 1)]
    head = st.columns([3, 1])
    acts = list(ACTIVATIONS)
    layer["activation"] = head[1].selectbox(f"Activation, layer {l}", acts, index=acts.index(layer["activation"]),
                                            key=f"set_act{l}_v{v}")
    if layer["activation"] in ("leaky_relu", "elu"):
        alpha = layer.get("alpha", "0.01" if layer["activation"] == "leaky_relu" else "1")
        layer["alpha"] = _kept(head[1].text_input(f"alpha, layer {l}", _text(alpha), key=f"set_alpha{l}_v{v}"), alpha)
    else:
        layer.pop("alpha", None)
    kind = "output layer" if l == len(spec.layers) else f"hidden layer {l}"
    with head[0]:
        st.markdown(f"**Weights into the {kind}**")
        labels = [[names.w(l, i, j)[0] for j in range(1, len(dst) + 1)] for i in range(1, len(src) + 1)]
        if hagan:
            st.caption("Hagan's W is destination x source, so this grid is transposed: row = to, column = from.")
            rows = _grid(list(map(list, zip(*layer["weights"]))), dst, src, editor_key("w", l), f"Weights W({l})")
            layer["weights"] = list(map(list, zip(*rows)))
        else:
            st.caption("Row = from, column = to. Cells: " + "; ".join(", ".join(r) for r in labels))
            layer["weights"] = _grid(layer["weights"], src, dst, editor_key("w", l), f"Weights W({l})")
        b = layer.get("biases")
        if isinstance(b, list):
            cols = [names.b(l, j)[0] for j in range(1, len(dst) + 1)]
            layer["biases"] = _grid([b], ["bias"], cols, editor_key("b", l), f"Biases b({l})")[0]
        elif b is not None:
            layer["biases"] = _grid([[b]], ["bias"], [names.b(l, None)[0] + " (shared)"], editor_key("b", l),
                                    f"Biases b({l})")[0][0]
        else:
            st.caption("No bias in this layer.")


def samples_editor(spec, d: dict, names) -> None:
    n = spec.n_samples
    idx = [f"sample {s}" for s in range(1, n + 1)]
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Inputs**")
        xs = _grid(_rows(d["inputs"]), idx, [names.x(j)[0] for j in range(1, spec.sizes[0] + 1)], editor_key("x"),
                   "Inputs")
    with c2:
        st.markdown("**Targets**")
        ts = _grid(_rows(d["targets"]), idx, [names.t(k)[0] for k in range(1, spec.sizes[-1] + 1)], editor_key("t"),
                   "Targets")
    single = isinstance(d["inputs"][0], (str, int, float)) and n == 1
    d["inputs"], d["targets"] = (xs[0], ts[0]) if single else (xs, ts)


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


def main() -> None:
    st.title("Network")
    C.show_flash()
    spec = C.current()
    top = st.columns([3, 2])
    ids = list(C.preset_options())
    top[0].selectbox("Example problem", ids, index=None, format_func=C.preset_options().get, key="preset_pick",
                     on_change=_on_preset, placeholder="Load an example from the lecture notes...")
    with top[1]:
        C.notation_picker(spec, "notation_network")
    SS["network_header"] = C.header_of(C.current())
    problem_part()


@st.fragment
def problem_part() -> None:
    """Everything below the example picker, as an st.fragment: a grid edit reruns only this part (the router, the
    sidebar and the row above are not redrawn), unless it changed what they show: then the whole page reruns."""
    spec = C.current()
    t_numbers, t_shape, t_files, t_csv = st.tabs(["Numbers", "Build your own", "Open · save · share",
                                                  "Targets from CSV"])
    with t_files:
        files_tab(spec)
    with t_csv:
        csv_targets(C.current())
    with t_shape:
        shape_tab(C.current())
    spec = C.current()
    v = SS["version"]
    names = nt.make(spec, C.notation_name(spec))
    if names.hint:
        st.caption(names.hint)
    with t_numbers:
        d = settings(spec, C.problem_dict(), v)
        for k in range(len(spec.layers)):
            with st.container(border=True):
                layer_editor(spec, d, names, k, v)
        samples_editor(spec, d, names)
        if d != C.problem_dict():      # validated only when a widget really changed the problem
            C.try_apply(d)
    spec = C.current()
    if "flash" in SS or C.header_of(spec) != SS.get("network_header"):
        st.rerun(scope="app")          # a message for the top of the page, or the sidebar / notations changed
    C.show_warnings(spec.warnings, "Warnings about this problem:")
    if spec.loss == "cce" and any(p.field.startswith("targets[") and "sum to" in p.message for p in spec.warnings):
        st.button("Normalise the targets (divide each row by its sum)", on_click=_on_normalise, key="normalise",
                  icon=":material/balance:")
    st.subheader("At a glance")
    at_a_glance(spec)


if __name__ == "__main__":
    main()
