"""Check my answers: the student's numbers judged step by step, the first wrong step and its likely slip,
hand-calculation mode (every intermediate rounded to k decimals) and the published-example audit; the Class tab
checks a whole class at once (ANSWERS.csv, one row per student: calc.check.klass).

Typed text is parsed by calc (labels, calc.parse.text numbers) and echoed only through st.text / st.dataframe;
uploaded text (student names) only as data in data frames or inside code spans.
"""
from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from calc.check.check import AnswerError, check, hand_chain, parse_answers, side_by_side
from calc.check.klass import MAX_BYTES, MAX_STUDENTS, ClassError
from calc import tasks
from calc.jobs import budget, door
from calc.jobs.pool import JobFailed
from calc.problem.model import Problem
from pages import common as C
from pages import render as R

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


MARK = "background-color: #ffd6d6; color: #1d2733"      # dark text on the pink in either theme


def _highlight(df: pd.DataFrame, col: str, flag):
    def paint(row):
        hit = row[col] == flag
        return [MARK if hit else "" for _ in row]
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


def pasted_answers(text: str) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """Pasted text -> (the answers of every readable line, one problem per unreadable line). Each line is read on
    its own (calc.check.check.parse_answers), so one bad line never stops the others from being judged."""
    if text.strip().startswith("{"):                        # a JSON object is one answer set: all or nothing
        try:
            return parse_answers(text), []
        except AnswerError as e:
            return [], list(e.problems)
    good, bad = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        try:
            good += [(n, label, value) for _, label, value in parse_answers(line)]
        except AnswerError as e:
            bad += [Problem(f"line {n}", p.message) for p in e.problems]
    return good, bad


def show_unread(problems) -> None:
    """Every line that could not be judged, at once, in line order (echoed as plain text: it holds typed text)."""
    def line_no(p) -> int:
        head = p.field.split()
        return int(head[1]) if len(head) == 2 and head[0] == "line" and head[1].isdigit() else 0

    problems = sorted(problems, key=line_no)
    n = len(problems)
    # the editor's answers are numbered by row of the step table: say "row", as the table shows them
    unit = "row" if SS.get("check_mode", "Beside each step") == "Beside each step" else "line"
    st.error(f"{n} {unit}{'s' if n != 1 else ''} could not be judged (the other {unit}s are judged below):",
             icon=":material/error:")
    st.text("\n".join((unit + str(p)[4:]) if line_no(p) else str(p) for p in problems))


def answers_input(sol, notation: str) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """(answers, problems of the lines that could not be read)."""
    mode = st.radio("Enter your values", ["Beside each step", "Paste text"], horizontal=True, key="check_mode")
    if mode == "Paste text":
        text = st.text_area("One per line, in the notation shown (# comments allowed)", key="check_text", height=180,
                            placeholder="w5+ = 0.3589\nout_o1: 0.7514\ndE/dw1 = 0.000439")
        if not text.strip():
            return [], []
        return pasted_answers(text)
    steps = [s for s in sol.steps if s.kind not in ("matrix", "given")]
    base = pd.DataFrame({"step": [s.label for s in steps], "your value": [""] * len(steps)})
    df = st.data_editor(base, hide_index=True, key=f"check_editor_{SS.get('version', 0)}_{notation}",
                        disabled=["step"], width="stretch", height=320,
                        column_config={"your value": st.column_config.TextColumn(
                            "your value", help="as you wrote it: 0.3589, 4.39e-4, 3/4")})
    return editor_answers(df), []


def _judged(spec_json: str, answers: tuple, notation: str):
    """(report, chains, problems): the answers check() can use are judged; those it refuses (an unknown label, a
    value that is not a number, a step given twice) are left out, each named in `problems`."""
    problems: list[Problem] = []
    answers = list(answers)
    while answers:
        try:
            rep, chain = _checked(spec_json, tuple(answers), notation)
            return rep, chain, problems
        except AnswerError as e:
            refused = {p.field for p in e.problems}
            problems += list(e.problems)
            keep = [a for a in answers if f"line {a[0]}" not in refused and a[1] not in refused]
            if len(keep) == len(answers):                   # a problem not tied to one line: nothing to judge
                break
            answers = keep
    return None, None, problems


def show_results(spec_json: str, answers, notation: str, digits: int, unread=()) -> None:
    rep, chain, refused = _judged(spec_json, tuple(answers), notation)
    if unread or refused:
        show_unread(list(unread) + refused)
    if rep is None:
        return
    if rep.first_wrong is None:
        st.success("No wrong values." if rep.ok else "No wrong values of your own (some follow from others).")
    else:
        first = next(r for r in rep.results if r.label == rep.first_wrong)
        st.error("First wrong step")
        st.text(f"{first.label} = {first.given}: {first.cause}")
    res = results_frame(rep)
    st.dataframe(_highlight(res, "first wrong", "yes"), hide_index=True, key="check_results",
                 row_height=R.wrapped_row_height(res["why"]),      # "why" wraps in its cell, never cut
                 column_order=("label", "your value", "verdict", "why", "expected", "first wrong"),
                 column_config={"expected": C.num_col(digits),
                                "why": st.column_config.TextColumn("why", width=R.WHY_WIDTH)})
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


# ---- a whole class ---------------------------------------------------------------------------------------------
def _class_checked(spec_json: str, data: bytes, notation: str):
    """The class report, kept in the process-wide bounded cache (by content); a progress bar while it is made.
    Leaving the page or changing the input stops the script in the progress callback, which stops the check."""
    key = ("check_class", spec_json, hashlib.sha256(data).hexdigest(), notation)
    students = max(data.count(b"\n"), 1)
    est = budget.check_class(C.spec_of(spec_json), students)
    # through the door: inline for a small class, else a worker with a longer limit than a single solve
    bar = C.progress_bar("Checking the class", est)
    try:
        return door.run(est, tasks.check_class, spec_json, data, notation, key=key,
                        timeout=max(60.0, est.seconds * 3), progress=bar)
    except JobFailed as e:
        raise ClassError([Problem("answers", f"the class check {e}")]) from None
    finally:
        bar.done()


def class_frames(rep) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(per step: the four counts; per slip: cause, how many, who; per student: counts and first wrong step)."""
    steps = pd.DataFrame(rep.steps, columns=["label", "right", "rounded", "follows", "wrong"])
    slips = pd.DataFrame([{"cause": g["cause"], "students": len(g["students"]), "who": ", ".join(g["students"])}
                          for g in rep.slips], columns=["cause", "students", "who"])
    return steps, slips, pd.DataFrame(rep.student_rows())


def class_tab(notation: str) -> None:
    st.caption(f"ANSWERS.csv: a header row with a `student` column, then one column per label or step id of the "
               f"worked solution (empty cells: not answered); comma or semicolon separated, UTF-8, up to "
               f"{MAX_BYTES // 1_000_000} MB and {MAX_STUDENTS:,} students. Every student is checked against the "
               f"loaded problem, with the same verdicts as one student's check.")
    up = st.file_uploader("Class answers (CSV)", type=["csv", "txt"], max_upload_size=1, key="check_class_upload")
    if up is None:
        st.caption("Upload the class's answers to see how many got each step right and which slips they made. "
                   "(Generated variants, one seed per student: `python -m calc check-class --generate ...`.)")
        return
    try:
        rep = _class_checked(C.current_json(), up.getvalue(), notation)
    except ClassError as e:
        C.show_problems(e.problems, "The class file could not be checked:")
        return
    n_ok = sum(1 for s in rep.students if s.ok)
    (st.success if rep.ok else st.info)(f"{len(rep.students):,} students; {n_ok:,} with every value right or "
                                        "rounded.")
    steps, slips, students = class_frames(rep)
    st.subheader("Per step")
    st.dataframe(steps, hide_index=True, key="check_class_steps")
    st.subheader("Slips, most common first")
    if slips.empty:
        st.caption("No wrong values.")
    else:
        st.dataframe(slips, hide_index=True, key="check_class_slips")
    st.subheader("Per student")
    st.dataframe(students, hide_index=True, key="check_class_students")
    st.download_button("Download the report (JSON)", json.dumps(rep.to_dict(), allow_nan=False, ensure_ascii=False,
                                                                indent=1).encode("utf-8"),
                       file_name="class_report.json", mime="application/json", key="check_class_download",
                       icon=":material/download:", on_click="ignore")


def one_student(spec, sol, notation: str, digits: int) -> None:
    st.caption(VERDICT_HELP)
    answers, unread = answers_input(sol, notation)
    if answers or unread:
        show_results(C.current_json(), answers, notation, digits, unread)
    else:
        st.caption("Give any of your values to have them checked.")
    hand_mode(spec, notation, digits)
    audit_section()


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
    mine, klass = st.tabs(["One student", "Class"])     # both run (the class check is cached), so typed values stay
    with mine:
        one_student(spec, sol, notation, digits)
    with klass:
        class_tab(notation)


if __name__ == "__main__":
    main()
