"""Printers over the step list: each output format is a pure function Solution -> text or bytes.

FORMATS maps a format name to (module, file extension); every module has
`render(sol, opts=None, **options) -> str` with the options of calc.export.document.Options.
"""
from __future__ import annotations

import importlib

FORMATS: dict[str, tuple[str, str]] = {
    "markdown": ("calc.export.markdown", "md"),
    "marp": ("calc.export.markdown", "md"),          # markdown with slides=True
    "latex": ("calc.export.latex", "tex"),
    "beamer": ("calc.export.beamer", "tex"),
    "notebook": ("calc.export.notebook", "ipynb"),
    "csv": ("calc.export.csv", "csv"),
}
# LMS quizzes (calc.export.lms): the worksheet's blanks as numerical questions, answers rounded (not documents of
# the worked solution, so kept apart from FORMATS); qti is bytes (a zip)
QUIZZES: dict[str, tuple[str, str]] = {
    "moodle": ("calc.export.lms", "xml"),
    "gift": ("calc.export.lms", "gift"),
    "qti": ("calc.export.lms", "zip"),
}
LMS = tuple(QUIZZES)
ALIASES: dict[str, str] = {"ipynb": "notebook"}      # other names the CLI and export() accept


def export(sol, fmt: str, opts=None, **kw) -> str:
    """The solution in format `fmt` (a key of FORMATS, or of ALIASES) as text; a quiz (a key of QUIZZES) as text,
    or bytes for qti."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt in QUIZZES:
        return importlib.import_module(QUIZZES[fmt][0]).render(sol, opts, lms=fmt, **kw)
    if fmt not in FORMATS:
        raise ValueError(f"format: unknown {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "marp":
        kw["slides"] = True
    return importlib.import_module(FORMATS[fmt][0]).render(sol, opts, **kw)
