"""LaTeX handout (article): the worked solution with chain-rule factors aligned and the network in TikZ.

Uses only packages of texlive-latex-base/-recommended/-pictures (amsmath, amssymb, geometry, booktabs,
longtable, graphicx, tikz) and compiles with `pdflatex -no-shell-escape`. User text goes through
escape.latex_text; formulas are calc's generated LaTeX.
"""
from __future__ import annotations

import sys

from calc.figure import build_figure, to_tikz
from calc.export.document import BLANK, Document, Line, Options, build, options, top_split
from calc.export.escape import latex_text
from calc.worked.solve import Solution

PACKAGES = r"""\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage{tikz}
"""
MAX_TERMS = 4               # a long sum wraps after this many terms per row
BLANK_TEX = r"\underline{\hspace{2.5cm}}"


def figure(sol: Solution, step: str | None = None, max_width_cm: float = 12.0) -> str:
    """The network as a computational graph (calc.figure) in TikZ, the path of `step` (an id or label) lit; values
    to 4 decimals (fewer when the view prints fewer)."""
    dec = 4 if sol.decimals is None else min(sol.decimals, 4)
    return to_tikz(build_figure(sol, step=step), decimals=dec, max_width_cm=max_width_cm)


def value_tex(line: Line) -> str:
    return BLANK_TEX if line.blank else line.value


def _wrap(rhs: str) -> list[str]:
    """A long sum as rows of MAX_TERMS terms: ['a + b + c + d', '+ e + f']."""
    terms = top_split(rhs, " + ")
    rows = [" + ".join(terms[k:k + MAX_TERMS]) for k in range(0, len(terms), MAX_TERMS)]
    return [rows[0]] + ["+ " + r for r in rows[1:]]


def step_math(line: Line) -> str:
    """The step as an aligned block: lhs = formula / = numbers / = value, factors in columns."""
    rows = []
    if line.factors:
        n = len(line.factors)
        sym = r" &&\cdot ".join(f for f, _ in line.factors)
        num = r" &&\cdot ".join(x for _, x in line.factors)
        rows = [f"{line.lhs} &= {sym}", f"&= {num}", f"&= {value_tex(line)}"]
        env = ("alignedat", f"{{{n}}}")
    else:
        first = True
        for part in (line.formula, line.numbers):
            for k, r in enumerate(_wrap(part) if part else []):
                lead = line.lhs if first else ""
                rows.append(f"{lead} &" + ("= " if k == 0 else r"\quad ") + r)
                first = False
        rows.append(f"{line.lhs if first else ''} &= {value_tex(line)}")
        env = ("aligned", "")
    if line.exact:
        rows.append(f"&= {line.exact}")
    body = r" \\ ".join(rows)
    return rf"\begin{{{env[0]}}}{env[1]} {body} \end{{{env[0]}}}"


def fit(math: str) -> str:
    """Display math shrunk to the line width when wider (graphicx's \\resizebox with \\width)."""
    return (r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle " + math + "$}")


def note(line: Line) -> str:
    return rf" \emph{{({latex_text(line.step.note)})}}" if line.step.note else ""


def givens_par(lines: list[Line]) -> str:
    return ", \\quad ".join(f"${g.lhs} = {g.value}$" for g in lines) + "."


def table(lines: list[Line], tabular: str = "tabular") -> str:
    """Symbol and value per row; rows spaced so that fractions and matrices never touch (arraystretch, and extra
    room under a matrix)."""
    rows = [rf"${l.lhs}$ & ${value_tex(l)}$ \\" + ("[4pt]" if "bmatrix" in value_tex(l) else "") for l in lines]
    return "\n".join([r"\renewcommand{\arraystretch}{1.6}", rf"\begin{{{tabular}}}{{ll}}", r"\toprule",
                      r"step & value \\", r"\midrule", *rows, r"\bottomrule", rf"\end{{{tabular}}}"])


def title_block(doc: Document) -> str:
    parts = [latex_text(doc.title)]
    if doc.heading:
        parts.append(rf"\\ \large {doc.heading}")
    return r" ".join(parts)


def seed_line(doc: Document) -> str:
    return f"Seed {int(doc.opts.seed)}" if doc.opts.seed is not None else ""


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> a complete LaTeX article (str)."""
    doc = build(sol, options(opts, **kw))
    from calc.export import worksheet        # the worksheet and the key's answer table (calc.export.worksheet)
    if doc.opts.worksheet:
        return worksheet.latex_sheet(doc, sys.modules[__name__])
    out = [r"\documentclass[11pt]{article}", r"\usepackage[margin=2cm]{geometry}", PACKAGES.strip(),
           r"\usepackage{longtable}", r"\setlength{\parindent}{0pt}", r"\begin{document}",
           rf"\begin{{center}}{{\Large {title_block(doc)}}}\\[4pt] {latex_text(doc.summary)}"
           + (rf"\\ \textbf{{{seed_line(doc)}}}" if seed_line(doc) else "") + r"\end{center}"]
    if doc.opts.answer_key:
        out.append(worksheet.latex_key(doc))
    if doc.notes:
        out.append(rf"\textit{{{latex_text(doc.notes)}}}\par")
    for w in doc.warnings:
        out.append(rf"\textbf{{Warning:}} {latex_text(w)}\par")
    out += [r"\begin{center}", figure(doc.sol, max_width_cm=16.5), r"\end{center}", r"\section*{Given}",
            givens_par(doc.givens)]
    for sec in doc.sections:
        out.append(rf"\section*{{{latex_text(sec.title)}}}")
        for line in sec.lines:
            out.append(r"\par\medskip\noindent " + fit(step_math(line)) + (r"\par\noindent" + note(line) if line.step.note
                                                                          else "") + r"\par")
        if sec.table:
            out += [r"\par\medskip " + ("The remaining steps:" if sec.lines else ""), r"\begin{center}",
                    table(sec.table, "longtable"), r"\end{center}"]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
