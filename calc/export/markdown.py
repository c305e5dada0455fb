"""Markdown with $...$ math: the worked solution as a document (renders on GitHub and in Jupyter).

With `slides=True` the same content is a Marp deck (front matter `marp: true`), one step per slide.
User text is backslash-escaped (escape.md_text); formulas are calc's generated LaTeX.
"""
from __future__ import annotations

import sys

from calc.export.document import Document, Line, Options, build, options
from calc.export.escape import md_text
from calc.worked.solve import Solution

BLANK_MD = r"\underline{\qquad\qquad\qquad}"
escape_text = md_text          # the name earlier callers import


def value_md(line: Line) -> str:
    return BLANK_MD if line.blank else line.value


def step_math(line: Line) -> str:
    """$$ lhs = formula \\ = numbers \\ = value $$ as an aligned block (chain-rule factors in columns)."""
    if line.factors:
        sym = r" &&\cdot ".join(f for f, _ in line.factors)
        num = r" &&\cdot ".join(x for _, x in line.factors)
        rows = [f"{line.lhs} &= {sym}", f"&= {num}", f"&= {value_md(line)}"]
        env = f"alignedat}}{{{len(line.factors)}"
    else:
        parts = [p for p in (line.formula, line.numbers) if p] + [value_md(line)]
        rows = [f"{line.lhs if k == 0 else ''} &= {p}" for k, p in enumerate(parts)]
        env = "aligned"
    if line.exact:
        rows.append(f"&= {line.exact}")
    end = env.split("}")[0]
    return "$$\n\\begin{" + env + "}\n" + " \\\\\n".join(rows) + "\n\\end{" + end + "}\n$$"


def step_md(line: Line) -> list[str]:
    note = f" *({md_text(line.step.note)})*" if line.step.note else ""
    return [f"**{md_text(line.step.label)}**{note}", "", step_math(line), ""]


def table_md(lines: list[Line]) -> list[str]:
    rows = ["| step | value |", "|---|---|"]
    rows += [f"| ${l.lhs}$ | ${value_md(l)}$ |" for l in lines]
    return rows + [""]


def header(doc: Document) -> list[str]:
    lines = [f"# {md_text(doc.title)}", ""]
    if doc.heading:
        lines += [f"## {doc.heading}", ""]
    if doc.opts.seed is not None:
        lines += [f"**Seed {int(doc.opts.seed)}**", ""]
    lines += [md_text(doc.summary), ""]
    if doc.notes:
        lines += [f"*{md_text(doc.notes)}*", ""]
    lines += [f"> warning: {md_text(w)}" for w in doc.warnings]
    return lines + [""]


def givens_md(doc: Document) -> list[str]:
    return ["## Given", "", ", ".join(f"${g.lhs} = {g.value}$" for g in doc.givens), ""]


def render(sol: Solution, opts: Options | None = None, digits: int | None = None, **kw) -> str:
    """Solution -> Markdown text (a Marp deck when slides=True)."""
    doc = build(sol, options(opts, digits=digits, **kw))
    if doc.opts.slides:
        return deck(doc)
    from calc.export import worksheet        # the worksheet and the key's answer table (calc.export.worksheet)
    if doc.opts.worksheet:
        return worksheet.markdown_sheet(doc, sys.modules[__name__])
    lines = header(doc) + (worksheet.markdown_key(doc) if doc.opts.answer_key else []) + givens_md(doc)
    for sec in doc.sections:
        lines += [f"## {md_text(sec.title)}", ""]
        for line in sec.lines:
            lines += step_md(line)
        if sec.table:
            lines += table_md(sec.table)
    return "\n".join(lines)


def deck(doc: Document) -> str:
    """Marp: front matter, a title slide, the givens, then one slide per step in solution order."""
    slides = ["\n".join(header(doc)), "\n".join(givens_md(doc))]
    for sec in doc.sections:
        for line in sec.lines:
            slides.append("\n".join([f"## {md_text(sec.title)}", ""] + step_md(line)))
        if sec.table:
            slides.append("\n".join([f"## {md_text(sec.title)}", ""] + table_md(sec.table)))
    front = "---\nmarp: true\nmath: katex\npaginate: true\n---\n\n"
    return front + "\n\n---\n\n".join(slides) + "\n"
