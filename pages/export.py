"""Export page: the current problem as LaTeX, Beamer (a lecture deck or a frame per step), Markdown, Marp, a notebook
or CSV, in significant digits or fixed decimals; worksheets with answer keys and LMS quizzes rounded as the
instructor asks; a class set of generated exercises (a zip of documents, or one quiz with a category per seed).
Every document comes from calc.export; every long job goes through the door (pages.common.job)."""
from __future__ import annotations

import streamlit as st

from calc.export import generate as gen
from calc.maths.functions import ACTIVATIONS
from calc.export import FORMATS, QUIZZES, export, lms
from calc.export.document import Options
from calc.maths.functions import LOSSES
from calc import tasks
from calc.jobs import budget
from calc.worked.steps import MAX_DECIMALS
from pages import common as C

MIME = {"md": "text/markdown", "tex": "application/x-tex", "ipynb": "application/x-ipynb+json", "csv": "text/csv"}
LABELS = {"markdown": "Markdown", "marp": "Marp slides (Markdown)", "latex": "LaTeX handout", "beamer": "Beamer slides",
          "notebook": "Jupyter notebook", "csv": "CSV of every step"}
NUMBERS = {"digits": "Significant digits", "decimals": "Fixed decimals"}
DECKS = {"lecture": "Lecture (one frame per phase, overlays)", "full": "Full (one frame per step)"}
SET_LABELS = {**LABELS, **lms.LABELS}             # a class set: a document format (a zip) or a quiz (one file)
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


def choices(spec) -> tuple[Options, str, int]:
    """The instructor's choices (drawn before any solve, so the class set has them even when the loaded problem
    cannot be solved): (Options without the document mode, the mode, the digits to solve at)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        notation = C.notation_picker(spec, key="exp_notation")
    numbers = c2.radio("Numbers", list(NUMBERS), format_func=NUMBERS.get, key="exp_numbers", horizontal=True,
                       help="Significant digits (0.593269992 at 9) or a fixed number of decimals, as Mazur prints "
                            "(0.59326999 at 8)")
    decimals = None
    with c3:
        if numbers == "digits":
            digits = C.digits_picker(key="exp_digits")
        else:
            digits = int(C.SS.get("digits", 9))
            decimals = int(st.number_input("Decimals shown", min_value=0, max_value=MAX_DECIMALS, value=8, step=1,
                                           key="exp_decimals"))
    c4, c5, c6 = st.columns(3)
    mode = c4.radio("Document", list(MODES), format_func=MODES.get, key="exp_mode")
    deck = c5.radio("Beamer deck", list(DECKS), format_func=DECKS.get, key="exp_deck",
                    help="Lecture: forward, loss, each layer and the updates, built up with overlays beside the "
                         "network's figure, then a summary table. Full: every step on its own frame.")
    rounding = int(c6.number_input("Round answers to (decimals)", min_value=1, max_value=10, value=4, step=1,
                                   key="exp_round", help="Worksheets, answer keys and LMS quizzes (and the class set)"))
    c7, c8, c9 = st.columns(3)
    symbolic = c7.checkbox("General formulas", value=True, key="exp_symbolic")
    exact = c8.checkbox("Exact values", value=False, key="exp_exact", help="Closed forms where compact (SymPy)")
    matrix = c9.checkbox("Matrix view", value=True, key="exp_matrix")
    full = st.text_input("Worked in full (the rest as a table)", value="", key="exp_full",
                         placeholder="e.g. w5, w1 (empty: every step)")
    opts = Options(digits=digits, decimals=decimals, notation=notation, symbolic=symbolic, exact=exact,
                   matrix=matrix, full=tuple(x.strip() for x in full.split(",") if x.strip()),
                   answer_decimals=rounding, deck=deck)
    return opts, mode, digits


def downloads(spec, base: Options, mode: str, digits: int) -> None:
    notation = base.notation
    sol = C.solve_current(notation, digits)
    if sol is None:
        return
    opts = options_from(mode, **{k: v for k, v in base.__dict__.items() if k not in ("worksheet", "answer_key")})
    spec_json = C.current_json()
    from calc.worked.solve import estimated_steps, over_caps
    est = budget.export(spec, 0 if over_caps(spec) else estimated_steps(spec), opts.exact)
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
                                    mime=MIME[FORMATS[fmt][1]], key=f"dl_{fmt}",
                                    help=DECKS[opts.deck] if fmt == "beamer" else None)
    if mode != "solution":        # the worksheet's blanks as LMS quizzes (calc.export.lms), rounded as the sheet says
        quiz = C.job(est, lms.quizzes, spec_json, notation, opts, key=("quizzes", spec_json, notation, repr(opts)),
                     label="Writing the quizzes") or {}
        for k, (fmt, data) in enumerate(quiz.items()):
            cols[k % 3].download_button(lms.LABELS[fmt], data, file_name=f"quiz_{fmt}.{QUIZZES[fmt][1]}",
                                        mime=lms.MIME[fmt], key=f"dl_{fmt}")
    if opts.deck == "lecture" and sol.summarised:     # calc.export.beamer falls back to the full deck there
        st.caption("This network is summarised to the matrix view, so the Beamer download is the full deck "
                   "(no scalar chain to build the lecture frames from).")
    with st.expander("Preview (Markdown source)"):
        st.code(docs["markdown"][:4000], language="markdown")


def set_file(fmt: str) -> tuple[str, str]:
    """(file name, MIME type) of a class set: a zip of documents, or one quiz file."""
    if fmt in QUIZZES:
        ext = QUIZZES[fmt][1]
        return f"exercises{'_qti' if fmt == 'qti' else ''}.{ext}", lms.MIME[fmt]
    return "exercises.zip", "application/zip"


def generator(base: Options) -> None:
    st.subheader("Exercise generator")
    st.caption("Nice numbers (1 or 2 decimals), no saturated units, no zero gradients, no ties. "
               "Each student gets a seed; the same seed always gives the same exercise. A document format gives a "
               "zip (a worksheet, its answer key and the problem per student); a quiz format gives one file with a "
               "category (QTI: an assessment) per seed. Numbers, rounding and deck as chosen above.")
    c1, c2, c3 = st.columns(3)
    arch = c1.text_input("Architecture", value="2-2-2", key="gen_arch")
    acts = c2.text_input("Activations (one per layer)", value="sigmoid,sigmoid", key="gen_acts",
                         help="From: " + ", ".join(ACTIVATIONS))
    loss = c3.selectbox("Loss", list(LOSSES), key="gen_loss")
    c4, c5, c6 = st.columns(3)
    seed = int(c4.number_input("First seed", min_value=0, max_value=10**9, value=1, step=1, key="gen_seed"))
    n = int(c5.number_input("Variants (students)", min_value=1, max_value=200, value=5, step=1, key="gen_n"))
    fmt = c6.selectbox("Format", list(FORMATS) + list(QUIZZES), format_func=SET_LABELS.get, key="gen_fmt", index=2)
    opts = Options(digits=base.digits, decimals=base.decimals, notation=base.notation, symbolic=base.symbolic,
                   matrix=base.matrix, answer_decimals=base.answer_decimals, deck=base.deck)
    inputs = (arch, acts, loss, seed, n, fmt, repr(opts))   # what the class set is made of (its download matches)
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
            data = C.job(est, tasks.class_set_zip, arch, acts, loss, seed, n, fmt, opts,
                         key=("class_set",) + tuple(map(repr, inputs)), label="Generating")
        except ValueError as e:
            st.warning("Not generated:")
            st.text(str(e))
            return
        if data is None:
            return
        st.session_state["gen_zip"] = (inputs, data)
    made = st.session_state.get("gen_zip")
    if made and made[0] == inputs:       # only the set these inputs make: never an older architecture or format
        name, mime = set_file(fmt)
        kind = "zip, " if fmt not in QUIZZES else ""
        st.download_button(f"Download {n} variant{'s' if n > 1 else ''} ({kind}{SET_LABELS.get(fmt, fmt)})",
                           made[1], file_name=name, mime=mime, key="gen_dl")
    elif made:
        st.caption("The inputs changed since the last class set: generate it again to download it.")


def main() -> None:
    st.title("Export")
    C.show_flash()
    spec = C.current()
    base, mode, digits = choices(spec)
    downloads(spec, base, mode, digits)
    st.divider()
    generator(base)


main()
