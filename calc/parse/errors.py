"""The parser's limits and its one error type (shared by calc.parse.text and calc.parse.tree)."""
from __future__ import annotations

MAX_CHARS, MAX_NODES, MAX_PARENS, MAX_EXPONENT, MAX_LITERAL, MAX_BITS = 200, 100, 20, 50, 10**6, 4096


class ParseError(ValueError):
    """A refused input; str(err) is the user-facing message: what was refused and why."""
