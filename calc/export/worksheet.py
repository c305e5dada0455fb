"""Worksheets and answer keys: a blank sized to each answer (a grid of blanks for a matrix), room to work under
each step, Name and ID fields, the rounding instruction, and a compact table of the rounded answers.

The blanks are `answers(doc)`: every computed value of the document in print order, each rounded half up to
N decimals (Options.answer_decimals), with the tolerance an LMS grades it by (calc.export.lms):

    tolerance = max(0.55 * 10^-N, |hand - key| + 0.05 * 10^-N)

0.5 * 10^-N is half a unit in the last decimal, 0.05 * 10^-N the slack for decimal/binary conversion, and
`hand` is a value a student gets who rounds every intermediate to N decimals, in the Hand arithmetic of the
checker's hand-calculation mode (calc.maths.arith): the engine with each step's value or each operation's result
rounded, and the sheet filled in step by step (each step from the rounded values of the steps it uses). So
carrying rounded values is not marked wrong. Printers: latex_sheet / markdown_sheet (the worksheet), latex_key /
markdown_key (the table).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from types import ModuleType

import numpy as np

from calc.export.document import Document, Line
from calc.export.escape import latex_text, md_text

SLACK = 0.05                      # in units of 10^-N, on top of the half unit


@dataclass(frozen=True)
class Answer:
    """One blank: a scalar step, or one cell (row, column; 1-based) of a matrix step."""
    sid: str                      # the step's id (a cell: the matrix step's id)
    label: str                    # plain text in the view's notation; a cell: W(2)+[1,2]
    latex: str                    # LaTeX of the symbol; a cell: the matrix symbol with [row, column]
    value: float                  # the solution's float64 value
    key: str                      # value rounded half up to N decimals, as printed on the key
    tolerance: float              # accepted distance from key (module docstring)
    section: str
    cell: tuple[int, int] | None = None


def rounded(v: float, n: int) -> str:
    """v rounded half up to n decimals in decimal arithmetic (0.12345 -> 0.1235 at 4; -0.0000 prints 0.0000)."""
    d = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP, context=Context(prec=400))
    s = f"{d:f}"
    return s[1:] if s.startswith("-") and not s.strip("-0.") else s


def _engine_hand(doc: Document, A) -> dict[str, float]:
    """{step id: value} of the one engine run in the hand arithmetic A (the checker's hand calculation)."""
    from calc.engine.numeric import run
    from calc.worked.forward import Builder
    spec = doc.sol.spec
    with np.errstate(all="ignore"):
        p = run(spec, hook=A.round_array if A.per_step else None, A=A)
    raw = Builder(spec, p, scalar=not doc.sol.summarised).build()
    return {r.id: float(r.value) for r in raw
            if r.kind not in ("matrix", "given") and r.value is not None and np.ndim(r.value) == 0}


def _sheet_hand(doc: Document, A) -> dict[str, float]:
    """{step id: value} as a student fills in the sheet: each step's op (calc.worked.ops) applied to the rounded
    values of the steps it uses, in the hand arithmetic A, and its result rounded to N decimals."""
    from calc.worked import ops
    spec, vals, out = doc.sol.spec, {}, {}
    for st in doc.sol.steps:
        if st.kind == "matrix" or st.value is None or np.ndim(st.value) != 0:
            continue
        if st.kind == "given":
            vals[st.id] = A.const(float(st.value))
            continue
        targets = sum(doc.sol.index[x].value for x in st.args.get("targets", ()))
        one_hot = st.op == "fused" and abs(targets - 1) < 1e-12
        x = ops.apply(A, st, vals.__getitem__, lambda l: A.const(float(spec.layers[l - 1].alpha)), one_hot=one_hot)
        if x is None:                                   # E_total+ is recomputed, not an op of earlier steps
            continue
        vals[st.id] = A.round_array(np.array([[x]], dtype=object))[0, 0]
        out[st.id] = float(vals[st.id])
    after = next((st.id for st in doc.sol.steps if st.op == "recompute"), None)
    if after is not None:
        out[after] = _recomputed(spec, out, A)
    return out


def _recomputed(spec, vals: dict[str, float], A) -> float:
    """E_total+ from the sheet's rounded new weights and biases: the engine's forward pass in the arithmetic A."""
    import dataclasses
    from calc.engine.numeric import run
    from calc.worked import ids
    ws = [layer.weights.copy() for layer in spec.layers]
    bs = [None if layer.biases is None else layer.biases.copy() for layer in spec.layers]
    for sid, v in vals.items():
        kind, p = ids.parse(sid)
        if kind == "nw":
            ws[p["l"] - 1][p["i"] - 1, p["u"] - 1] = v
        elif kind == "nb" and bs[p["l"] - 1] is not None:
            bs[p["l"] - 1][(p["u"] - 1) if "u" in p else slice(None)] = v
    layers = tuple(dataclasses.replace(layer, weights=w, biases=b) for layer, w, b in zip(spec.layers, ws, bs))
    with np.errstate(all="ignore"):
        p = run(dataclasses.replace(spec, layers=layers), hook=A.round_array if A.per_step else None, A=A)
    return float(A.round_array(np.array([[p.loss]], dtype=object))[0, 0])


def hand_values(doc: Document, n: int) -> list[dict[str, float]]:
    """{step id: value} of hand calculations in decimal arithmetic rounded half up to n decimals
    (calc.maths.arith.Hand, the arithmetic of the checker's hand-calculation mode): the engine with each step's
    value rounded, and with every operation's result rounded; and the sheet filled in step by step."""
    from calc.maths.arith import Hand, Rounding
    out = []
    for how in ("engine-step", "engine-op", "sheet-step", "sheet-op"):
        A = Hand(Rounding(n, "round", "decimals"), per_step=how.endswith("step"))
        try:
            out.append((_engine_hand if how.startswith("engine") else _sheet_hand)(doc, A))
        except (ArithmeticError, ValueError, TypeError, IndexError, KeyError):   # a hand calculation that cannot run
            continue
    return out


def tolerance(key: str, hands: list[float | None], n: int) -> float:
    """max(0.55 * 10^-N, |hand - key| + 0.05 * 10^-N) over the hand calculations (module docstring)."""
    unit, k = 10.0 ** -n, float(key)
    t = (0.5 + SLACK) * unit
    for h in hands:
        if h is not None and np.isfinite(h):
            t = max(t, abs(float(rounded(h, n)) - k) + SLACK * unit)
    return float(f"{t:.{n + 3}g}")


def _cells(line: Line) -> list[tuple[tuple[int, int], float, str | None]]:
    """((row, col), value, scalar step id or None) of a matrix step's cells, row by row."""
    vals = np.atleast_2d(np.asarray(line.step.value, dtype=float))
    mats = getattr(line.step.raw, "mats", None)
    ids = np.atleast_2d(np.asarray(mats[-1][1], dtype=object)) if mats else None
    out = []
    for r in range(vals.shape[0]):
        for c in range(vals.shape[1]):
            sid = ids[r, c] if ids is not None and ids.shape == vals.shape else None
            out.append(((r + 1, c + 1), float(vals[r, c]), sid))
    return out


def answers(doc: Document) -> list[Answer]:
    """Every blank of the worksheet, in print order (section by section: worked lines, then the table); computed
    once per document."""
    if getattr(doc, "answers", None) is not None:
        return doc.answers
    n = doc.opts.answer_decimals
    hands = hand_values(doc, n)
    out = []
    for sec in doc.sections:
        for line in sec.lines + sec.table:
            st = line.step
            if st.kind == "matrix":
                if st.value is None:
                    continue
                for (r, c), v, sid in _cells(line):
                    if np.isfinite(v):
                        key = rounded(v, n)
                        out.append(Answer(st.id, f"{st.label}[{r},{c}]", f"{st.latex}\\,[{r},{c}]", v, key,
                                          tolerance(key, [h.get(sid) for h in hands] if sid else [], n),
                                          sec.title, (r, c)))
            elif isinstance(st.value, (int, float)) and np.isfinite(st.value):
                key = rounded(st.value, n)
                out.append(Answer(st.id, st.label, st.latex, float(st.value), key,
                                  tolerance(key, [h.get(st.id) for h in hands], n), sec.title))
    doc.answers = out
    return out


def instruction(n: int) -> str:
    """The rounding instruction printed on the sheet (plain text)."""
    example = rounded(0.123456789, n)
    return (f"Round every answer to {n} decimals (0.123456789 is written {example}). You may carry your rounded "
            "values into the next steps: answers that differ only by that rounding are accepted. Work in the "
            "space under each step.")


def blank_em(key: str) -> float:
    """Width of a blank in em: room for the answer's characters and a little more."""
    return round(max(4.0, 0.62 * len(key) + 1.6), 1)


def _keys(doc: Document) -> dict[str, list[Answer]]:
    by: dict[str, list[Answer]] = {}
    for a in answers(doc):
        by.setdefault(a.sid, []).append(a)
    return by


# ---- LaTeX ----------------------------------------------------------------------------------------------
BLANK_MACRO = r"\newcommand{\blank}[1]{\underline{\makebox[#1em]{\rule{0pt}{1.4em}}}}"


def _blank_tex(a: Answer | None) -> str:
    return rf"\blank{{{blank_em(a.key) if a else 5.0}}}"


def _room(line: Line) -> str:
    """Room to work under a step: none for a copied symbol, more for sums, products and matrices."""
    if line.step.op in ("copy", "given"):
        return "0.3cm"
    if line.step.kind == "matrix":
        return "1.2cm"
    return "2.2cm" if line.step.op in ("affine", "sum", "sumprod", "mul", "update", "err") else "1.6cm"


MAX_COLS = 5                      # a wider matrix is printed in blocks of this many columns


def _matrix_rows(cells: list[Answer]) -> list[tuple[str, str]]:
    """(label, bmatrix) rows of a matrix of blanks: one bmatrix, or blocks of MAX_COLS columns, each labelled."""
    grid: dict[int, list[Answer]] = {}
    for a in cells:
        grid.setdefault(a.cell[0], []).append(a)
    width = max(len(r) for r in grid.values())
    out = []
    for c0 in range(0, width, MAX_COLS):
        body = r" \\[1.2ex] ".join(" & ".join(_blank_tex(a) for a in r[c0:c0 + MAX_COLS]) for r in grid.values())
        lead = "" if width <= MAX_COLS else rf"\text{{columns {c0 + 1}--{min(c0 + MAX_COLS, width)}}}"
        out.append((lead, rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"))
    return out


def _step_tex(line: Line, cells: list[Answer], wrap) -> str:
    values = (_matrix_rows(cells) if line.step.kind == "matrix" and cells
              else [("", _blank_tex(cells[0] if cells else None))])
    rows = [f"{line.lhs if k == 0 else ''} &" + ("= " if k == 0 else r"\quad ") + r
            for k, r in enumerate(wrap(line.formula) if line.formula else [])]
    for lead, v in values:
        rows.append(f"{lead or ('' if rows else line.lhs)} &= {v}")
    return r"\begin{aligned} " + r" \\[0.6ex] ".join(rows) + r" \end{aligned}"


def _short_table(lines: list[Line], keys: dict[str, list[Answer]]) -> str:
    """Steps not worked in full: symbol and blank, two to a row."""
    cells = [rf"${l.lhs} = {_blank_tex((keys.get(l.step.id) or [None])[0])}$" for l in lines]
    rows = [" & ".join(cells[k:k + 2] + [""] * (2 - len(cells[k:k + 2]))) + r" \\[1.5ex]"
            for k in range(0, len(cells), 2)]
    return "\n".join([r"\begin{longtable}{ll}", *rows, r"\end{longtable}"])


def figure_tex(sol) -> str:
    """The network figure (calc.figure) with every computed value shown as '?' (the givens stay): the sheet must
    not give the answers away."""
    from calc.figure import build_figure, to_tikz
    fig = build_figure(sol)
    given = {s.id for s in sol.steps if s.kind == "given"}
    fig.values.update({sid: None for sid in fig.values if sid not in given})
    return to_tikz(fig, decimals=4, max_width_cm=16.5)


def name_fields_tex() -> str:
    return r"\noindent Name: \rule{8cm}{0.4pt}\hfill ID: \rule{4.5cm}{0.4pt}\par\bigskip"


def latex_sheet(doc: Document, tex: ModuleType) -> str:
    """The worksheet as a complete LaTeX article; `tex` is the LaTeX printer (calc.export.latex, passed in by it so
    that imports run one way) whose title, givens, fit and wrap it shares."""
    PACKAGES, fit, givens_par, note, seed_line, title_block = (tex.PACKAGES, tex.fit, tex.givens_par, tex.note,
                                                               tex.seed_line, tex.title_block)
    keys = _keys(doc)
    n = doc.opts.answer_decimals
    out = [r"\documentclass[11pt]{article}", r"\usepackage[margin=2cm]{geometry}", PACKAGES.strip(),
           r"\usepackage{longtable}", r"\setlength{\parindent}{0pt}", BLANK_MACRO, r"\begin{document}",
           rf"\begin{{center}}{{\Large {title_block(doc)}}}\\[4pt] {latex_text(doc.summary)}"
           + (rf"\\ \textbf{{{seed_line(doc)}}}" if seed_line(doc) else "") + r"\end{center}",
           name_fields_tex(),
           r"\noindent\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}{" + latex_text(instruction(n))
           + r"}}\par\medskip"]
    if doc.notes:
        out.append(rf"\textit{{{latex_text(doc.notes)}}}\par")
    for w in doc.warnings:
        out.append(rf"\textbf{{Warning:}} {latex_text(w)}\par")
    out += [r"\begin{center}", figure_tex(doc.sol), r"\end{center}", r"\section*{Given}", givens_par(doc.givens)]
    for sec in doc.sections:
        out.append(rf"\section*{{{latex_text(sec.title)}}}")
        for line in sec.lines:
            math = fit(_step_tex(line, keys.get(line.step.id, []), tex._wrap))
            out.append(r"\par\noindent\begin{minipage}{\linewidth}" + math
                       + note(line) + rf"\par\vspace{{{_room(line)}}}\end{{minipage}}")
        if sec.table:
            out += [r"\par\medskip " + ("The remaining steps:" if sec.lines else ""), _short_table(sec.table, keys)]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def latex_key(doc: Document, per_row: int = 3) -> str:
    """The compact answer-key table: every blank's rounded answer, `per_row` answers to a row."""
    items = answers(doc)
    n = doc.opts.answer_decimals
    cells = [rf"$\displaystyle {a.latex}$ & ${a.key}$" for a in items]
    rows = []
    for k in range(0, len(cells), per_row):
        part = cells[k:k + per_row]
        rows.append(" & ".join(part + ["&"] * (per_row - len(part))) + r" \\")
    cols = "@{}" + "lr@{\\qquad}" * (per_row - 1) + "lr@{}"
    head = " & ".join(["step & answer"] * per_row) + r" \\"
    return "\n".join([rf"\section*{{Answers, rounded to {n} decimals}}", r"{\small\renewcommand{\arraystretch}{1.9}",
                      rf"\begin{{longtable}}{{{cols}}}", r"\toprule", head, r"\midrule", r"\endhead", *rows,
                      r"\bottomrule", r"\end{longtable}}"])


# ---- Markdown -------------------------------------------------------------------------------------------
def _blank_md(a: Answer | None) -> str:
    return rf"\underline{{\hspace{{{blank_em(a.key) if a else 5.0}em}}}}"


def _step_md(line: Line, cells: list[Answer]) -> list[str]:
    if line.step.kind == "matrix":
        rows: dict[int, list[str]] = {}
        for a in cells:
            rows.setdefault(a.cell[0], []).append(_blank_md(a))
        value = r"\begin{bmatrix} " + r" \\ ".join(" & ".join(r) for r in rows.values()) + r" \end{bmatrix}"
    else:
        value = _blank_md(cells[0] if cells else None)
    math = f"{line.lhs} = {line.formula} = {value}" if line.formula else f"{line.lhs} = {value}"
    note = f" *({md_text(line.step.note)})*" if line.step.note else ""
    room = [] if line.step.op in ("copy", "given") else ["&nbsp;", "", "&nbsp;", ""]
    return [f"**{md_text(line.step.label)}**{note}", "", f"$${math}$$", ""] + room


def markdown_sheet(doc: Document, md: ModuleType) -> str:
    """The worksheet as Markdown with $...$ math; `md` is the Markdown printer (calc.export.markdown, passed in by it
    so that imports run one way) whose header and givens it shares."""
    keys = _keys(doc)
    lines = md.header(doc) + ["**Name:** \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_ "
                           "**ID:** \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_", "",
                           f"> {md_text(instruction(doc.opts.answer_decimals))}", ""] + md.givens_md(doc)
    for sec in doc.sections:
        lines += [f"## {md_text(sec.title)}", ""]
        for line in sec.lines:
            lines += _step_md(line, keys.get(line.step.id, []))
        if sec.table:
            lines += ["| step | answer |", "|---|---|"]
            lines += [f"| ${l.lhs}$ | ${_blank_md((keys.get(l.step.id) or [None])[0])}$ |" for l in sec.table]
            lines.append("")
    return "\n".join(lines)


def markdown_key(doc: Document, per_row: int = 3) -> list[str]:
    """The compact answer-key table in Markdown (`per_row` answers to a row)."""
    items = answers(doc)
    out = [f"## Answers, rounded to {doc.opts.answer_decimals} decimals", "",
           "|" + " step | answer |" * per_row, "|" + "---|--:|" * per_row]
    for k in range(0, len(items), per_row):
        part = [f" ${a.latex}$ | {a.key} |" for a in items[k:k + per_row]]
        out.append("|" + "".join(part + [" | |"] * (per_row - len(part))))
    return out + [""]
