"""Check my answers: the student's numbers judged step by step, the first wrong step and its likely slip,
hand-calculation mode (every intermediate rounded to k decimals) and the published-example audit.

Typed text is parsed by calc (labels, calc.parse.text numbers) and echoed only through st.text / st.dataframe.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from calc.check.check import AnswerError, check, hand_chain, parse_answers, side_by_side
from pages import common as C

SS = st.session_state
VERDICT_HELP = ("right: the exact value rounded to the digits you wrote. rounded: right up to rounding (truncated, "
                "or computed from your own rounded values): not a mistake. follows: wrong only because an earlier "
                "value of yours is wrong. wrong: the cause names the slip that reproduces it, if one does.")


def editor_answers(df: pd.DataFrame | None) -> list[tuple[int, str, str]]:
    """The 'your value' column of the step editor -> [(row, label, text)] for the filled cells."""
    if df is None:
        return []
    out = []
    for n, (label, value) in enumerate(zip(df["step"], df["your value"]), start=1):
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
        if text:
            out.append((n, str(label), text))
    return out


def results_frame(rep) -> pd.DataFrame:
    """One row per value: label, your value, expected, verdict, why; the first wrong step marked."""
    rows = [{"label": r.label, "your value": r.given, "expected": r.expected, "verdict": r.verdict,
             "why": r.cause or r.note, "first wrong": "yes" if r.label == rep.first_wrong else ""}
            for r in rep.results]
    return pd.DataFrame(rows)


def _highlight(df: pd.DataFrame, col: str, flag):
    def paint(row):
        hit = row[col] == flag
        return ["background-color: #ffd6d6" if hit else "" for _ in row]
    return df.style.apply(paint, axis=1)


@st.cache_data(max_entries=32, show_spinner="Checking...")
def _checked(spec_json: str, answers: tuple, notation: str):
    spec = C.spec_of(spec_json)
    rep = check(spec, list(answers), notation=notation)
    return rep, side_by_side(spec, rep)


@st.cache_data(max_entries=8, show_spinner="Auditing the published values...")
def _audit(preset_id: str):
    from calc.check.audit import audit_descent, audit_preset
    a = audit_descent() if preset_id == "descent_theta_squared" else audit_preset(preset_id)
    return None if a is None else (pd.DataFrame([r.as_dict() for r in a.rows]), a.conventions)


def answers_input(sol, notation: str) -> list[tuple[int, str, str]]:
    mode = st.radio("Enter your values", ["Beside each step", "Paste text"], horizontal=True, key="check_mode")
    if mode == "Paste text":
        text = st.text_area("One per line, in the notation shown (# comments allowed)", key="check_text", height=180,
                            placeholder="w5+ = 0.3589\nout_o1: 0.7514\ndE/dw1 = 0.000439")
        if not text.strip():
            return []
        try:
            return parse_answers(text)
        except AnswerError as e:
            st.error("Some lines could not be read:")
            st.text("\n".join(str(p) for p in e.problems))
            return []
    steps = [s for s in sol.steps if s.kind not in ("matrix", "given")]
    base = pd.DataFrame({"step": [s.label for s in steps], "your value": [""] * len(steps)})
    df = st.data_editor(base, hide_index=True, key=f"check_editor_{SS.get('version', 0)}_{notation}",
                        disabled=["step"], width="stretch", height=320,
                        column_config={"your value": st.column_config.TextColumn(
                            "your value", help="as you wrote it: 0.3589, 4.39e-4, 3/4")})
    return editor_answers(df)


def show_results(spec_json: str, answers, notation: str, digits: int) -> None:
    try:
        rep, chain = _checked(spec_json, tuple(answers), notation)
    except AnswerError as e:
        st.error("Some values could not be checked:")
        st.text("\n".join(str(p) for p in e.problems))
        return
    if rep.first_wrong is None:
        st.success("No wrong values." if rep.ok else "No wrong values of your own (some follow from others).")
    else:
        first = next(r for r in rep.results if r.label == rep.first_wrong)
        st.error("First wrong step")
        st.text(f"{first.label} = {first.given}: {first.cause}")
    st.dataframe(_highlight(results_frame(rep), "first wrong", "yes"), hide_index=True, key="check_results",
                 column_config={"expected": C.num_col(digits)})
    st.subheader("The correct chain beside yours")
    st.caption("Your chain: your values where you gave them, and what your own numbers give in between. "
               "The first wrong step is highlighted.")
    st.dataframe(_highlight(pd.DataFrame(chain), "first wrong", True), hide_index=True, key="check_chains",
                 column_config={"correct": C.num_col(digits), "your chain": C.num_col(digits)})


def hand_mode(spec, notation: str, digits: int) -> None:
    with st.expander("Hand-calculation mode: round every intermediate to k decimals"):
        c = st.columns(2)
        k = c[0].number_input("Decimals k", min_value=1, max_value=12, value=4, step=1, key="check_hand_k")
        trunc = c[1].radio("How", ["round", "truncate"], horizontal=True, key="check_hand_how") == "truncate"
        rows = hand_chain(spec, int(k), trunc, notation)
        df = pd.DataFrame(rows)
        st.dataframe(df, hide_index=True, key="check_hand",
                     column_config={col: C.num_col(max(digits, int(k) + 2)) for col in df.columns if col != "step"})


def audit_section() -> None:
    from calc.presets import load_preset, preset_ids, preset_names
    with st.expander("Published-example audit: which printed values are right, and what reproduces the others"):
        names = preset_names()
        opts = [p for p in preset_ids() if load_preset(p).published] + ["descent_theta_squared"]
        pid = st.selectbox("Example", opts, format_func=lambda p: names.get(p, "Gradient descent on theta^2"),
                           key="check_audit_preset")
        got = _audit(pid)
        if got is None:
            st.caption("This example is not available.")
            return
        df, conv = got
        st.dataframe(_highlight(df, "verdict", "wrong"), hide_index=True, key="check_audit")
        if conv:
            st.caption("Conventions the printed values confirm")
            st.text("\n".join(conv))


def main() -> None:
    st.title("Check my answers")
    spec = C.current()
    c = st.columns([2, 1])
    with c[0]:
        notation = C.notation_picker(spec, "notation_check")
    with c[1]:
        digits = C.digits_picker("digits_check")
    sol = C.solve_current(notation, digits)
    if sol is None:
        return
    st.caption(VERDICT_HELP)
    answers = answers_input(sol, notation)
    if answers:
        show_results(C.current_json(), answers, notation, digits)
    else:
        st.caption("Give any of your values to have them checked.")
    hand_mode(spec, notation, digits)
    audit_section()


if __name__ == "__main__":
    main()
