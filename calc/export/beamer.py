"""Beamer slides: a title frame, the network (TikZ), the givens, then one frame per step in the order of
the worked solution (chain-rule factors aligned); the steps not worked in full as table frames.

`frame_count(text)` counts the frames emitted (the PDF has one page per frame: no frame breaks).
"""
from __future__ import annotations

from calc.export import tikz
from calc.export.document import Options, build, options
from calc.export.escape import latex_text
from calc.export.latex import PACKAGES, fit, givens_par, note, seed_line, step_math, table
from calc.worked.solve import Solution

ROWS_PER_FRAME = 10


def frame(title: str, body: str) -> str:
    return "\n".join([r"\begin{frame}", rf"\frametitle{{{title}}}", body, r"\end{frame}"])


def chunks(seq: list, n: int) -> list[list]:
    return [seq[k:k + n] for k in range(0, len(seq), n)]


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> a complete Beamer document (str)."""
    doc = build(sol, options(opts, **kw))
    title = latex_text(doc.title)
    sub = " -- ".join(x for x in (doc.heading, seed_line(doc)) if x)
    out = [r"\documentclass[aspectratio=169,11pt]{beamer}", PACKAGES.strip(),
           r"\setbeamertemplate{navigation symbols}{}", rf"\title{{{title}}}",
           rf"\subtitle{{{latex_text(sub)}}}" if sub else "", r"\date{}", r"\begin{document}",
           r"\begin{frame}", r"\titlepage", rf"\centering\small {latex_text(doc.summary)}", r"\end{frame}"]
    warn = "".join(rf"\par\footnotesize\textbf{{Warning:}} {latex_text(w)}" for w in doc.warnings[:3])
    out.append(frame("The network", r"\centering" + "\n" + tikz.render(doc.sol, 13.0, 5.5) + warn))
    for k, part in enumerate(chunks(doc.givens, 3 * ROWS_PER_FRAME)):
        out.append(frame("Given" + (f" ({k + 1})" if len(doc.givens) > 3 * ROWS_PER_FRAME else ""),
                         r"\small " + givens_par(part)))
    if doc.opts.worksheet:
        out.append(frame("Worksheet", r"Fill in every blank. Name: \underline{\hspace{6cm}}"))
    for sec in doc.sections:
        t = latex_text(sec.title)
        for line in sec.lines:
            label = latex_text(line.step.label)
            out.append(frame(t, rf"\textbf{{{label}}}{note(line)}\par\medskip" + "\n" + r"\centering\large "
                             + fit(step_math(line))))
        for part in chunks(sec.table, ROWS_PER_FRAME):
            out.append(frame(t + " (table)", r"\centering\small " + table(part)))
    out.append(r"\end{document}")
    return "\n".join(x for x in out if x) + "\n"


def frame_count(text: str) -> int:
    return text.count(r"\begin{frame}")
