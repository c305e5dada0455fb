"""The number grids of the Network page: one st.text_input per cell (a text area per matrix when it is large).

Why not st.data_editor: its cells live on a canvas whose edit overlay and pending edits belong to the browser's
grid, redrawn on each rerun; typing cells back to back while a rerun was landing lost edits (issue 13), and the row
labels were editable cells. A text input per cell is a plain browser field with its own key (the key names the
problem's field, not the notation or the display order), so an edit is committed on Enter / Tab / blur and
nothing the server sends back can overwrite it.

Each grid is drawn in two steps, so that its messages and marks come from this run's validation: `typed(g)`
reads what the user has typed (session state, before drawing), then `draw(g, box, bad)` fills the grid's
container with the located messages (right above the cells) and the cells, a bad cell marked with a warning icon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import streamlit as st

SS = st.session_state
MAX_CELLS = 48          # above this many cells (or MAX_COLS columns) a matrix is edited as text, one row per line
MAX_COLS = 8
_SPLIT = re.compile(r"[\s,;]+")
_MD = re.compile(r"([\\`*<>#|~$])")     # what could turn a notation name into Markdown or LaTeX


@dataclass
class Grid:
    """One editable grid. rows[r][c] is the value in the problem dict (a number, or text as typed);
    keys[r][c] names the field (stable across notations and transposition); labels[r][c] the cell's name."""
    name: str                      # "w1", "b1", "x", "t": where a located message goes
    title: str                     # shown above the cells, and the text area's label
    rows: list[list]
    index: list[str]
    columns: list[str]
    keys: list[list[str]]
    labels: list[list[str]]
    problems: list[str] = field(default_factory=list)   # this grid's own reading problems (text-area form)

    @property
    def as_text(self) -> bool:
        n_rows, n_cols = len(self.rows), len(self.columns)
        return n_rows * n_cols > MAX_CELLS or n_cols > MAX_COLS

    @property
    def area_key(self) -> str:
        return self.keys[0][0] + "_area"


def text(v) -> str:
    """A value as the text a cell shows (a float's shortest repr, text as typed)."""
    return v if isinstance(v, str) else repr(v) if isinstance(v, float) and repr(v) != str(v) else str(v)


def md_plain(s: str) -> str:
    """A notation name inside a widget label (Markdown there). Names are letters, digits, _ ( ) , [ ] (never user
    text), which stay literal intraword; only characters that would start Markdown, HTML or LaTeX are escaped, so
    the label read by a screen reader (aria-label) is the name itself."""
    return _MD.sub(r"\\\1", s)


def typed(g: Grid) -> list[list] | None:
    """The grid as the user has typed it (None when its text cannot be split into the grid's shape: the reason is
    in g.problems). A cell left as shown keeps its value (so an unchanged problem stays equal)."""
    g.problems = []
    if g.as_text:
        raw = SS.get(g.area_key)
        if raw is None:
            return g.rows
        lines = [ln for ln in str(raw).splitlines() if ln.strip()]
        if len(lines) != len(g.rows):
            g.problems.append(f"{g.title}: {len(lines)} lines; write {len(g.rows)}, one per row "
                              f"({', '.join(g.index[:3])}{', ...' if len(g.index) > 3 else ''})")
            return None
        out = []
        for r, (line, old) in enumerate(zip(lines, g.rows)):
            cells = [c for c in _SPLIT.split(line.strip()) if c]
            if len(cells) != len(old):
                g.problems.append(f"{g.title}, line {r + 1} ({g.index[r]}): {len(cells)} values; write "
                                  f"{len(old)}, separated by spaces, commas or semicolons")
                continue
            out.append([v if c == text(v) else c for c, v in zip(cells, old)])
        return None if g.problems else out
    return [[_kept(SS.get(k), v) for k, v in zip(ks, row)] for ks, row in zip(g.keys, g.rows)]


def _kept(shown, value):
    return value if shown is None or shown == text(value) else shown


def draw(g: Grid, box, bad: dict[tuple[int, int], str]) -> None:
    """Fill `box` with the grid: its messages first (beside the cells they name), then the cells.
    `bad` maps (row, column) to the cell's message."""
    with box:
        lines = g.problems + [f"⚠ {msg}" for _, msg in sorted(bad.items())]
        if lines:
            from pages.common import code_span
            st.error(f"{g.title}: not applied (the last good numbers are kept). Correct:\n\n" + "\n".join(f"- {code_span(x)}" for x in lines),
                     icon=":material/error:")
        if g.as_text:
            _area(g, bad)
        else:
            _cells(g, bad)


def _area(g: Grid, bad) -> None:
    st.caption(f"One line per row ({g.index[0]} first); values separated by spaces, commas or semicolons, in "
               f"column order: {', '.join(g.columns[:6])}{', ...' if len(g.columns) > 6 else ''}.")
    shown = "\n".join("  ".join(text(v) for v in row) for row in g.rows)
    st.text_area(md_plain(g.title), shown, key=g.area_key, height=min(400, 40 + 24 * len(g.rows)))


LABEL_W, CELL_W = 64, 104        # px: a row label, a cell (rows wrap on a narrow screen instead of overflowing)


def _cells(g: Grid, bad) -> None:
    """A header row (weights only: from \\ to), then one row of inputs per grid row, its label as plain text. A row
    is one horizontal container of fixed-width items (not st.columns: a column is a block of its own, and each
    block is one more message to the browser on every rerun)."""
    if g.name.startswith("w"):
        head = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        head.caption("from \\ to", width=LABEL_W)
        for name in g.columns:
            head.caption(md_plain(name), width=CELL_W)
    for r, (label, keys, names, row) in enumerate(zip(g.index, g.keys, g.labels, g.rows)):
        line = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        line.markdown(f"**{md_plain(label)}**", width=LABEL_W)
        for c, (key, name, v) in enumerate(zip(keys, names, row)):
            mark = (r, c) in bad
            line.text_input(("⚠ " if mark else "") + md_plain(name), text(v), key=key, width=CELL_W,
                            icon=":material/error:" if mark else None, help=bad.get((r, c)))
