"""Rendering shared by the pages: worked steps as formulas that fit a phone, and the app's style sheet.

A step is one line, `label = general formula = numbers = value` (as KaTeX's MathML annotation keeps it for a
screen reader or a test: it starts with the label and ends with the value); a few lines make one st.latex, each
a top-level TeX line (`\\\\[6pt]` between them, no `aligned` table: a table's rows cannot wrap). On a narrow screen
a line wraps after its outer `=`, `+`, `-` and `\\cdot` signs, the places TeX itself breaks a formula (KaTeX
already cuts every formula into unbreakable pieces there; the style sheet lets them wrap), and its continuation
lines are indented under the label. A matrix cannot wrap: on a phone a formula holding one is set
smaller, and a matrix still wider than the screen (more than about 3 columns of 9-digit numbers) scrolls inside
its own box, never the page.

Screen readers: KaTeX writes every formula twice, as HTML for the eye (aria-hidden) and as MathML with the TeX
source as an annotation, which screen readers read; nothing here removes that.
"""
from __future__ import annotations

import math
import re

import streamlit as st

# Only our own constants go into the style sheet (no user text).
PAGE_CSS = """<style>
/* a display formula wraps after its outer = + - signs instead of running off a narrow screen */
.katex-display { margin: 0.25em 0; overflow-x: auto; overflow-y: hidden; padding: 0.3em 0; }
.katex-display, .katex-display > .katex { text-align: left; }
.katex-display > .katex { white-space: normal; max-width: 100%; }
/* formulas start at the left edge, like lines of a hand calculation (st.latex centres a short one) */
div:has(> [data-testid="stMarkdownContainer"] > .katex-display) { align-items: stretch; width: 100%; }
/* continuation lines of a wrapped formula are indented under its first line: every line is indented, and the
   first piece of each formula (the first, or the one after a TeX line break) is pulled back out */
.katex-display > .katex > .katex-html { padding-left: 1.6em; }
.katex-display > .katex > .katex-html > .base:first-child,
.katex-display > .katex > .katex-html > .newline + .base { margin-left: -1.6em; }
/* graphviz draws black edge labels on a transparent page: give the diagram a light card in either theme */
[data-testid="stGraphVizChart"] svg { background: #fbfcfe; border-radius: 6px; }
/* a phone (Streamlit's own breakpoint) or a wider screen only: containers made by narrow_only / wide_only */
@media (max-width: 640px) { div[class*="st-key-wide-only-"] { display: none; } }
@media (min-width: 641px) { div[class*="st-key-narrow-only-"] { display: none; } }
@media (max-width: 640px) {
  .katex-display > .katex { font-size: 1.05em; }
  /* a matrix cannot wrap: on a phone a formula holding one is set smaller (2 x 2 of 12-digit numbers fit) */
  .katex-display:has(.mtable) > .katex { font-size: 0.8em; }
}
</style>"""


def page_style() -> None:
    """The style sheet above, once per run (an st.html of a style tag takes no space on the page)."""
    st.html(PAGE_CSS)


def step_tex(step) -> str:
    """`label = general = numbers = value` of one step, from its printed parts (never re-split)."""
    if step.rhs:
        return rf"{step.latex} = {step.rhs} = {step.substituted}"
    return rf"{step.latex} = {step.substituted}"


def step_lines(steps) -> list[str]:
    return [step_tex(s) for s in steps]


PER_BLOCK = 12          # formulas per st.latex element (one element per line made long pages slow to send)


def formulas(lines, per_block: int = PER_BLOCK) -> None:
    """TeX lines as display formulas, a few per element, each line a top-level TeX line (joined by \\\\) so that
    each wraps on its own and indents its continuation (the style sheet)."""
    lines = list(lines)
    for k in range(0, len(lines), per_block):
        st.latex(r" \\[6pt] ".join(lines[k:k + per_block]))


PHONE_COLUMNS = 3       # a matrix with this many columns is too wide for a 390 px phone (9-digit numbers)


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def narrow_only(name: str):
    """A container shown only on a narrow screen (max-width 640 px): `with narrow_only("x"): ...`."""
    return st.container(key="narrow-only-" + _key(name))


def wide_only(name: str):
    """A container shown only on a wider screen (the counterpart of narrow_only)."""
    return st.container(key="wide-only-" + _key(name))


_JUXTAPOSED = re.compile(r"\\end\{bmatrix\}\s*\\begin\{bmatrix\}")


def matrix_breaks(tex: str) -> str:
    r"""A product of matrices written side by side may wrap between them (\allowbreak: a break point, no ink)."""
    return _JUXTAPOSED.sub(r"\\end{bmatrix} \\allowbreak \\begin{bmatrix}", tex)


# ---- tables: long text wraps inside its cell (st.dataframe wraps only when rows are taller than 4rem) ----------
WHY_WIDTH = 340                 # px: the width of a table's explanation column (fits a phone's screen)
_CHARS_PER_LINE = 44            # about how many characters of the app's font fit on one line of WHY_WIDTH
_LINE_PX, _PAD_PX, _MIN_WRAP_PX = 21, 14, 70


def wrapped_row_height(texts) -> int | None:
    """A row height at which the longest of `texts` shows whole in a WHY_WIDTH column (None: one line is enough).
    Streamlit's grid wraps a cell's text only when its rows are taller than 4rem (64 px)."""
    longest = max((len(str(t)) for t in texts if t is not None), default=0)
    if longest <= _CHARS_PER_LINE:
        return None
    lines = -(-longest // _CHARS_PER_LINE) + (1 if longest > 2 * _CHARS_PER_LINE else 0)   # words do not pack
    return max(_MIN_WRAP_PX, lines * _LINE_PX + _PAD_PX)


# ---- charts ----------------------------------------------------------------------------------------------------
def loss_scale(history, axis: str = "automatic") -> tuple[str, str]:
    """("log" | "linear", why) for a loss curve. automatic: log when every loss is positive and the largest is more
    than 100 times the smallest (two decades), else linear (not from zero). log needs positive losses."""
    vals = [float(v) for v in history if v is not None and v == v]
    positive = bool(vals) and min(vals) > 0
    span = max(vals) / min(vals) if positive else None
    if axis == "log":
        return ("log", "Log axis.") if positive else ("linear", "Linear axis: a log axis needs positive losses.")
    if axis == "linear":
        return "linear", "Linear axis (not from zero)."
    if span is not None and span > 100:
        return "log", f"Log axis: the loss spans {math.log10(span):.1f} decades."
    return "linear", "Linear axis (not from zero): the loss changes by less than two decades."
