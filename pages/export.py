"""Export page: the current problem as LaTeX, Beamer, Markdown, Marp, a notebook or CSV; worksheets with
answer keys; a class set of generated exercises as a zip. Every document comes from calc.export."""
from __future__ import annotations

import streamlit as st

from calc.export import generate as gen
from calc.maths.functions import ACTIVATIONS
from calc.export import FORMATS, export
from calc.export.document import Options
from calc.maths.functions import LOSSES
from calc import tasks
from calc.jobs import budget
from pages import common as C

MIME = {"md": "text/markdown", "tex": "application/x-tex", "ipynb": "application/x-ipynb+json", "csv": "text/csv"}
LABELS = {"markdown": "Markdown", "marp": "Marp slides (Markdown)", "latex": "LaTeX handout", "beamer": "Beamer slides",
          "notebook": "Jupyter notebook", "csv": "CSV of every step"}
MODES = {"solution": "Worked solution", "worksheet": "Worksheet (blanks)", "key": "Answer key"}


def file_name(fmt: str, mode: str) -> str:
    """Fixed, safe file names (never built from the problem's name)."""
    stem = {"solution": "solution", "worksheet": "worksheet", "key": "answer_key"}[mode]
    return f"{stem}{'_slides' if fmt in ('marp', 'beamer') else ''}.{FORMATS[fmt][1]}"


def options_from(mode: str, **kw) -> Options:
    return Options(worksheet=mode == "worksheet", answer_key=mode == "key", **kw)


def documents(sol, opts: Options) -> dict[str, str]:
    """{format: text} for every format."""
    return {fmt: export(sol, fmt, opts) for fmt in FORMATS}


def downloads(spec) -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        notation = C.notation_picker(spec, key="exp_notation")
    with c2:
        digits = C.digits_picker(key="exp_digits")
    with c3:
        mode = st.radio("Document", list(MODES), format_func=MODES.get, key="exp_mode")
    c4, c5, c6 = st.columns(3)
    symbolic = c4.checkbox("General formulas", value=True, key="exp_symbolic")
    exact = c5.checkbox("Exact values", value=False, key="exp_exact", help="Closed forms where compact (SymPy)")
    matrix = c6.checkbox("Matrix view", value=True, key="exp_matrix")
    full = st.text_input("Worked in full (the rest as a table)", value="", key="exp_full",
                         placeholder="e.g. w5, w1 (empty: every step)")
    sol = C.solve_current(notation, digits)
    if sol is None:
        return
    rounding = int(st.number_input("Round answers to (decimals)", min_value=1, max_value=10, value=4, step=1,
                                   key="exp_round", help="Worksheets, answer keys and LMS quizzes"))
    opts = options_from(mode, digits=digits, notation=notation, symbolic=symbolic, exact=exact, matrix=matrix,
                        full=tuple(x.strip() for x in full.split(",") if x.strip()), answer_decimals=rounding)
    spec_json = C.current_json()
    from calc.worked.solve import estimated_steps, over_caps
    est = budget.export(spec, 0 if over_caps(spec) else estimated_steps(spec), exact)
    try:
        docs = C.job(est, tasks.documents, spec_json, notation, digits, opts,
                     key=("documents", spec_json, notation, digits, repr(opts)), label="Writing the documents")
        if docs is None:
            return
    except ValueError as e:
        st.warning("These options cannot be applied:")
        st.text(str(e))
        return
    cols = st.columns(3)
    for k, (fmt, text) in enumerate(docs.items()):
        cols[k % 3].download_button(LABELS[fmt], text.encode("utf-8"), file_name=file_name(fmt, mode),
                                    mime=MIME[FORMATS[fmt][1]], key=f"dl_{fmt}")
    if mode != "solution":        # the worksheet's blanks as LMS quizzes (calc.export.lms), rounded as the sheet says
        from calc.export import QUIZZES, lms
        quiz = C.job(est, lms.quizzes, spec_json, notation, opts, key=("quizzes", spec_json, notation, repr(opts)),
                     label="Writing the quizzes") or {}
        for k, (fmt, data) in enumerate(quiz.items()):
            cols[k % 3].download_button(lms.LABELS[fmt], data, file_name=f"quiz_{fmt}.{QUIZZES[fmt][1]}",
                                        mime=lms.MIME[fmt], key=f"dl_{fmt}")
    with st.expander("Preview (Markdown source)"):
        st.code(docs["markdown"][:4000], language="markdown")


def generator() -> None:
    st.subheader("Exercise generator")
    st.caption("Nice numbers (1 or 2 decimals), no saturated units, no zero gradients, no ties. "
               "Each student gets a seed; the same seed always gives the same exercise.")
    c1, c2, c3 = st.columns(3)
    arch = c1.text_input("Architecture", value="2-2-2", key="gen_arch")
    acts = c2.text_input("Activations (one per layer)", value="sigmoid,sigmoid", key="gen_acts",
                         help="From: " + ", ".join(ACTIVATIONS))
    loss = c3.selectbox("Loss", list(LOSSES), key="gen_loss")
    c4, c5, c6 = st.columns(3)
    seed = int(c4.number_input("First seed", min_value=0, max_value=10**9, value=1, step=1, key="gen_seed"))
    n = int(c5.number_input("Variants (students)", min_value=1, max_value=200, value=5, step=1, key="gen_n"))
    fmt = c6.selectbox("Format", list(FORMATS), format_func=LABELS.get, key="gen_fmt", index=2)
    inputs = (arch, acts, loss, seed, n, fmt)      # what the class set is made of (its download matches them)
    if st.button("Generate the class set", key="gen_go"):
        try:
            gen.variants(arch, acts, loss, seed, 1)          # the options checked at once (a located message)
        except ValueError as e:
            st.warning("Not generated:")
            st.text(str(e))
            return
        # the generator through the engine's door: about one small worked solution and two documents per variant
        est = budget.Estimate("class set", 2e5 * n, f"{n} variants", "the number of variants", wall=0.15 * n)
        try:
            data = C.job(est, tasks.class_set_zip, arch, acts, loss, seed, n, fmt,
                         key=("class_set", repr(arch), repr(acts), loss, seed, n, fmt), label="Generating")
        except ValueError as e:
            st.warning("Not generated:")
            st.text(str(e))
            return
        if data is None:
            return
        st.session_state["gen_zip"] = (inputs, data)
    made = st.session_state.get("gen_zip")
    if made and made[0] == inputs:       # only the set these inputs make: never an older architecture or format
        st.download_button(f"Download {n} variant{'s' if n > 1 else ''} (zip, {LABELS.get(fmt, fmt)})", made[1],
                           file_name="exercises.zip", mime="application/zip", key="gen_dl")
    elif made:
        st.caption("The inputs changed since the last class set: generate it again to download it.")


def main() -> None:
    st.title("Export")
    C.show_flash()
    downloads(C.current())
    st.divider()
    generator()


main()
