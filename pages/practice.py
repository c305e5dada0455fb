"""Practice: work the pass yourself. Each step shows its general formula; type its value, press Check (or Enter).

The verdict is the checker's (calc.check.practice over calc.check.diagnose): right, rounded at the chosen hand
precision, follows (right given your own earlier numbers), wrong with the likely slip. Your values carry forward.
State lives in st.session_state per problem: loading or editing the problem starts a fresh session.
Typed text is parsed by calc (calc.parse) and shown back only through st.text, code spans and data frames.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from calc.check import practice as P
from pages import common as C

SS = st.session_state
PRECISIONS = {p.label: p for p in [P.Precision(k) for k in (2, 3, 4, 5, 6, 9)]
              + [P.Precision(k, truncate=True) for k in (2, 3, 4, 5, 6)]
              + [P.Precision(k, "digits") for k in (3, 4, 5, 6)]}
DEFAULT_PRECISION = "4 decimals, rounded"
BOXES = {"right": st.success, "rounded": st.success, "follows": st.info, "wrong": st.error,
         "revealed": st.warning, "skipped": st.warning}
HELP = ("right: exactly, or to calculator digits (0.082167041). rounded: right at your hand precision, or what "
        "your own rounded values give: not a mistake. follows: wrong only because an earlier value of yours is "
        "wrong. wrong: the likely slip is named. Each of these but wrong scores a point; a revealed or skipped "
        "step scores none, and the value that follows from your numbers carries forward.")


def _rerun() -> None:
    """Rerun the pass (only its fragment when this run is one: the problem and the pickers do not change)."""
    from streamlit.errors import StreamlitAPIException
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:       # a full run (AppTest, or the page's first run): rerun everything
        st.rerun()


def session_for(sol, precision: str, mode: str, target: str | None) -> P.PracticeSession:
    """The session of this problem, steps choice and precision (a new problem drops every old session)."""
    problem = hashlib.sha256(C.current_json().encode()).hexdigest()
    store = SS.get("practice")
    if store is None or store["problem"] != problem:
        store = SS["practice"] = {"problem": problem, "sessions": {}}
    key = (precision, mode, target)
    if key not in store["sessions"]:
        for k in [k for k in SS if str(k).startswith("practice_value_")]:     # a fresh pass starts with empty boxes
            del SS[k]
        store["sessions"][key] = P.PracticeSession(P.make_plan(sol, mode, target), PRECISIONS[precision])
    return store["sessions"][key]


def controls(sol, c) -> tuple[str, str, str | None]:
    """Hand precision, which steps, and the parameter of a chain, in the columns c."""
    with c[0]:
        precision = st.selectbox("Hand precision", list(PRECISIONS), index=list(PRECISIONS).index(DEFAULT_PRECISION),
                                 key="practice_precision",
                                 help="The digits you carry by hand; a value written with fewer means its zeros "
                                      "(0.6 is 0.6000 at 4 decimals).")
    with c[1]:
        mode = st.selectbox("Steps", P.PLANS, key="practice_steps",
                            format_func=lambda m: m if m == "a weight's chain" else f"{m} ({len(P.make_plan(sol, m))})")
    target = None
    if mode == "a weight's chain":
        params = P.parameters(sol)
        with c[2]:
            target = st.selectbox("Parameter", list(params), format_func=params.get, key="practice_param")
    return precision, mode, target


def show_score(session: P.PracticeSession, sol) -> None:
    pts, n = session.score
    c = st.columns([1, 3])
    c[0].metric("Score", f"{pts} / {n}", help=HELP)
    fw = session.first_wrong
    with c[1]:
        if fw is None:
            st.caption("first wrong step: none yet")
        else:
            st.text(f"first wrong step: {_label(sol, fw.step_id)} = {fw.written}: {fw.why}")


def _label(sol, sid: str) -> str:
    return sol.index[sid].label if sid in sol.index else sid


def show_last(sol) -> None:
    a = SS.pop("practice_last", None)
    if a is None:
        return
    given = f" = {a.written}" if a.written else ""
    BOXES[a.verdict](f"{a.verdict}: " + C.code_span(f"{_label(sol, a.step_id)}{given}"))
    if a.why:
        st.text(a.why)


def show_hint(spec, sol, session: P.PracticeSession) -> None:
    h = P.hint(spec, sol, session)
    with st.container(border=True):
        st.caption("Hint: what this step is computed from (your own numbers where you gave them)")
        st.dataframe(pd.DataFrame(h.factors, columns=["step", "value", "from"]), hide_index=True,
                     key="practice_hint_factors")
        if h.latex:
            st.latex(h.latex)


def current_step(spec, sol, session: P.PracticeSession, notation: str) -> None:
    sid = session.current
    step = sol.index[sid]
    n = len(session.attempts)
    st.subheader(f"Step {n + 1} of {len(session.plan)}: {step.label}")
    st.latex(step.formula)
    st.caption(f"Type the value of {step.label} (a {step.kind} step) at {session.precision.label}.")
    if sid in session.hinted:
        show_hint(spec, sol, session)
    with st.form(f"practice_form_{n}", border=True):
        text = st.text_input(f"{step.label} =", key=f"practice_value_{n}", placeholder="e.g. 0.5933 or 3/4")
        b = st.columns(4)
        check = b[0].form_submit_button("Check", type="primary", icon=":material/check:")
        want_hint = b[1].form_submit_button("Hint", icon=":material/lightbulb:")
        reveal = b[2].form_submit_button("Reveal", icon=":material/visibility:")
        skip = b[3].form_submit_button("Skip", icon=":material/skip_next:")
    if check:
        if check_value(spec, sol, session, notation, text):
            _rerun()
    elif want_hint:
        session.hinted.add(sid)
        _rerun()
    elif reveal or skip:
        SS["practice_last"] = P.reveal(session, spec, sol) if reveal else P.skip(session, sol)
        _rerun()


def check_value(spec, sol, session: P.PracticeSession, notation: str, text: str) -> bool:
    """Judge the typed value of the current step (through the engine's door: a wrong value is a search for its
    slip) and record it; False after a message if it cannot be judged."""
    sid = session.current
    label = sol.index[sid].label
    try:
        written = session.precision.written(text, label)
    except P.PracticeError as e:
        st.error("Not checked:", icon=":material/error:")
        st.text(str(e))
        return False
    answers = tuple(session.answers + [(sid, written)])
    verdicts = tuple(session.verdicts.items())
    res = C.job(P.estimate(spec, P.quick(sol, sid, written)), P.judge_json, C.current_json(), notation, answers,
                verdicts, key=("practice", C.current_json(), notation, answers, verdicts), label="Checking")
    if res is None:
        return False
    SS["practice_last"] = session.record(sid, label, text.strip(), written, res)
    return True


def done_table(sol, session: P.PracticeSession) -> None:
    if not session.attempts:
        return
    fw = session.first_wrong
    rows = [{"step": _label(sol, a.step_id), "you wrote": a.written or "", "verdict": a.verdict,
             "correct": a.expected, "why": a.why, "hint": "yes" if a.hinted else "",
             "first wrong": "yes" if a is fw else ""} for a in session.attempts]
    st.subheader("Steps done")
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="practice_done",
                 column_config={"correct": C.num_col(9), "why": st.column_config.TextColumn("why", width="large")})


def main() -> None:
    st.title("Practice")
    spec = C.current()
    st.caption("Work the pass yourself: each step shows its general formula; type the value you get and press "
               "Enter (or Check). Your own values carry forward, as on paper.")
    cols = st.columns(4)
    with cols[0]:
        notation = C.notation_picker(spec, "notation_practice")
    sol = C.solve_current(notation, 9)
    if sol is None:
        return
    if not P.workable(sol):
        st.info("This problem is summarised to matrices (too big for a step-by-step pass): load a smaller one.")
        return
    precision, mode, target = controls(sol, cols[1:])
    session = session_for(sol, precision, mode, target)
    work(spec, sol, session, notation, (precision, mode, target))


@st.fragment
def work(spec, sol, session: P.PracticeSession, notation: str, key: tuple) -> None:
    """The pass itself; a check, hint, reveal or skip reruns only this part (the problem does not change)."""
    show_score(session, sol)
    show_last(sol)
    if session.done:
        pts, n = session.score
        st.success(f"Done: {pts} of {n} steps scored.")
    else:
        current_step(spec, sol, session, notation)
    if st.button("Start again", key="practice_restart", icon=":material/restart_alt:"):
        SS["practice"]["sessions"].pop(key, None)
        st.rerun()
    done_table(sol, session)


if __name__ == "__main__":
    main()
