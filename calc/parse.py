"""TEMPORARY minimal number parser (to be replaced by the full safe parser; keep the interface).

parse_number(text, field="") -> Number(value: float, text: str, note: str | None); .exact() -> SymPy number.
Raises ParseError(message) naming what was refused and why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class ParseError(ValueError):
    """A refused input; str(err) is the user-facing message."""


@dataclass(frozen=True)
class Number:
    value: float
    text: str
    note: str | None = None

    def exact(self):
        import sympy
        return sympy.Rational(self.text)


def parse_number(text: str, field: str = "") -> Number:
    s = str(text).strip().replace("\u2212", "-")
    if not _DECIMAL.match(s):
        raise ParseError(f"not a number: {text!r}")
    return Number(float(s), s)
