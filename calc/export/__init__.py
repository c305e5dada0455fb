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


def export(sol, fmt: str, opts=None, **kw) -> str:
    """The solution in format `fmt` (a key of FORMATS) as text."""
    if fmt not in FORMATS:
        raise ValueError(f"format: unknown {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "marp":
        kw["slides"] = True
    return importlib.import_module(FORMATS[fmt][0]).render(sol, opts, **kw)
