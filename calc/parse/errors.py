"""The parser's limits and its one error type (shared by calc.parse.text, calc.parse.tree and calc.parse.enclose)."""
from __future__ import annotations

MAX_CHARS, MAX_NODES, MAX_PARENS, MAX_EXPONENT, MAX_LITERAL, MAX_BITS = 200, 100, 20, 50, 10**6, 4096
MAX_DIGITS = 1000            # digits of a plain decimal (Python's int() stops at 4300; exact values need ints)
PRECISIONS = (80, 256, 1024, 4096, 8192)   # bits of working precision tried in turn for a typed constant
MAX_PRECISION = PRECISIONS[-1]             # the cap: about 2,466 decimal digits
BUDGET_SECONDS = 1.0         # wall-clock budget for establishing one typed value's digits


class ParseError(ValueError):
    """A refused input; str(err) is the user-facing message: what was refused and why."""


def underflow_warning(source: str, size: str | None = None) -> str:
    """The warning for a nonzero value that rounds to 0 in float64 (`size`: its magnitude, e.g. "5.08e-435")."""
    what = f"it is about {size}, below" if size else "it is below"
    return f"{source} underflows to 0 in float64: {what} float64's smallest positive number 5e-324"
