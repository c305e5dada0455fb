"""Beamer slides: a title frame, the network (TikZ), the givens, then one frame per step in the order of
the worked solution (chain-rule factors aligned); the steps not worked in full as table frames.

`frame_count(text)` counts the frames emitted (the PDF has one page per frame: no frame breaks).
"""
from __future__ import annotations

from calc.export import lecture
from calc.export.document import Options, build, options
from calc.export.escape import latex_text
from calc.export.latex import PACKAGES, figure, fit, givens_par, note, seed_line, step_math, table
from calc.worked.solve import Solution

ROWS_PER_FRAME = 10


def frame(title: str, body: str) -> str:
    return "\n".join([r"\begin{frame}", rf"\frametitle{{{title}}}", body, r"\end{frame}"])


def chunks(seq: list, n: int) -> list[list]:
    return [seq[k:k + n] for k in range(0, len(seq), n)]


def figure_aspect(sol: Solution) -> float:
    """Width / height of the network's figure (calc.figure's layout)."""
    from calc.figure import build_figure, layout
    lay = layout(build_figure(sol), None, 4)
    return lay.width / max(lay.height, 1.0)


def head(doc) -> list[str]:
    """Preamble and title frame."""
    title = latex_text(doc.title)
    sub = " -- ".join(x for x in (doc.heading, seed_line(doc)) if x)
    return [r"\documentclass[aspectratio=169,11pt]{beamer}", PACKAGES.strip(), lecture.FIT,
            r"\setbeamertemplate{navigation symbols}{}", rf"\title{{{title}}}",
            rf"\subtitle{{{latex_text(sub)}}}" if sub else "", r"\date{}", r"\begin{document}",
            r"\begin{frame}", r"\titlepage", rf"\centering\small {latex_text(doc.summary)}", r"\end{frame}"]


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> a complete Beamer document (str): the full deck (a frame per step) or, with deck="lecture",
    the lecture deck (calc.export.lecture: a frame per phase, overlays, the figure beside the math)."""
    o = options(opts, **kw)
    if o.deck not in ("full", "lecture"):
        raise ValueError(f"deck: unknown {o.deck!r}; choose full or lecture")
    doc = build(sol, o)
    out = head(doc)
    if o.deck == "lecture" and not doc.sol.summarised:
        deck = lecture.Deck(doc, lambda step: figure(doc.sol, step), figure_aspect(doc.sol))
        out += deck.frames() + [r"\end{document}"]
        return "\n".join(x for x in out if x) + "\n"
    warn = "".join(rf"\par\footnotesize\textbf{{Warning:}} {latex_text(w)}" for w in doc.warnings[:3])
    out.append(frame("The network", r"\centering" + "\n" + lecture.fit(figure(doc.sol), r"\textwidth",
                                                                       r"0.75\textheight") + warn))
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
            out.append(frame(t + " (table)", r"\centering " + lecture.fit(r"\small " + table(part), r"\textwidth",
                                                                      r"0.8\textheight")))
    out.append(r"\end{document}")
    return "\n".join(x for x in out if x) + "\n"


def frame_count(text: str) -> int:
    return text.count(r"\begin{frame}")
