"""Step templates: what the builder writes instead of finished strings, and the renderer that prints them.

The builder (calc.worked.forward / backward / matrix) never formats a computed number and never names a symbol
in a particular notation. Where a formula shows a number or a symbol it writes a marker, `\\x00<code>:<body>\\x00`:

    v:<id>          the value of step <id> inside another step's numbers (a negative value in parentheses)
    V:<id>          the value of step <id> as the step's own result (no parentheses)
    n:<method>:<a>  LaTeX of notation method <method> at arguments <a> (comma-separated ints, '' for None)
    N:<method>:<a>  the plain-text label of the same
    m:<id>:<k>      matrix k of matrix step <id> (step.mats[k]: the array and, when scalar steps exist, the
                    grid of the step ids of its entries)
    c:<repr>        a constant computed while building (a float), printed at the view's digits

A given number is printed as typed (spec.text: 0.15 stays 0.15, 1/3 stays 1/3). Every other value comes from
the view's value source: `values(id) -> text` when one is given (exact digits from calc.symbolic, passed in by
the printers; calc.worked never imports it), else the float64 value to `digits` significant digits, capped at
FLOAT_DIGITS (17: more digits of a float64 are binary padding, not the value).

Renderer caches what it renders (markers, values) and each Step keeps its printed fields, so a view renders
each string once.
"""
from __future__ import annotations

import re

from typing import Callable

import numpy as np

from calc.worked.steps import fixed, fmt, paren

M = "\x00"
FLOAT_DIGITS = 17          # the most significant digits a float64 value is printed with

# the Notation methods the builder calls (calc.worked.notation.Notation); Deferred defers exactly these
NOTATION_METHODS = ("x", "t", "w", "w_new", "b", "b_new", "eta", "net", "out", "err", "loss_s", "loss", "loss_after",
                    "dE_dout", "dout_dnet", "jac", "delta", "term", "term_rhs", "dnet_dw", "dE_dw", "dE_db",
                    "lam", "penalty", "l2g", "vel", "m", "v", "mhat", "vhat",
                    "mnet", "mout", "mdelta", "mw", "mwT", "mb", "mloss", "mgw", "mgb")


def val(sid: str) -> str:
    """Marker: a dependency's value inside a formula with the numbers in (negative values in parentheses)."""
    return f"{M}v:{sid}{M}"


def own(sid: str) -> str:
    """Marker: a step's own value, shown after the last `=`."""
    return f"{M}V:{sid}{M}"


def mat(sid: str, k: int) -> str:
    """Marker: matrix k of matrix step sid."""
    return f"{M}m:{sid}:{k}{M}"


def const(x: float) -> str:
    """Marker: a number computed while building, printed at the view's digits."""
    return f"{M}c:{float(x)!r}{M}"


def _args(args) -> str:
    return ",".join("" if a is None else str(int(a)) for a in args)


class Deferred:
    """A notation whose every name is a marker: the builder writes N.net(l, j, s) -> (label marker, LaTeX marker)
    and the view fills in the notation it is printed in. Only the methods in NOTATION_METHODS exist."""
    name = "deferred"

    def __getattr__(self, method: str):
        if method not in NOTATION_METHODS:
            raise AttributeError(method)

        def name(*args) -> tuple[str, str]:
            body = f"{method}:{_args(args)}"
            return f"{M}N:{body}{M}", f"{M}n:{body}{M}"
        return name


def has_markers(text: str) -> bool:
    return M in text


MAX_SHOWN = 8       # rows or columns of a matrix printed in full; beyond: the first 4 and last 2 around dots


def _shown(n: int) -> list[int | None]:
    """Indices printed of n rows (or columns), None where the dots go."""
    return list(range(n)) if n <= MAX_SHOWN else [0, 1, 2, 3, None, n - 2, n - 1]


TYPED_DIGITS = 9    # a given number typed with at most this many digits is printed as typed, in every view


def _sig_digits(text: str) -> int:
    """Digits of a typed number or expression, leading zeros not counted ("0.0025" -> 2, "1/3" -> 2)."""
    return len(re.sub(r"[^0-9]", "", text).lstrip("0"))


class Renderer:
    """Prints templates for one view: a notation (calc.worked.notation.Notation), `digits` significant digits
    or `decimals` fixed decimals (as Mazur prints: 0.59327 -> 0.59326999 at 8; None: significant digits), and a
    value source `values(id) -> text | None` (None: float64 values, at most FLOAT_DIGITS digits)."""

    def __init__(self, raw: dict, names, digits: int, values: Callable[[str], str | None] | None = None,
                 decimals: int | None = None):
        self.raw, self.names, self.digits, self.values = raw, names, int(digits), values
        self.decimals = None if decimals is None else int(decimals)
        self.float_digits = min(self.digits, FLOAT_DIGITS)
        self._marks: dict[str, str] = {}                # marker body -> printed text
        self._text: dict[str, str] = {}                 # step id -> its value as printed

    # ---- values ----------------------------------------------------------------------------------------
    def number(self, x) -> str:
        """A float at the view's digits (float64: at most FLOAT_DIGITS significant digits) or fixed decimals."""
        if self.decimals is not None:
            return fixed(None if x is None else float(x), self.decimals)
        return fmt(None if x is None else float(x), self.float_digits)

    def entry(self, sid: str) -> str:
        """The value of scalar step sid as a plain number (matrix entries; given numbers as computed, not typed)."""
        if self.values is not None:
            v = self.values(sid)
            if isinstance(v, str):
                return v
        return self.number(self.raw[sid].value)

    def text(self, sid: str) -> str:
        """The value of step sid as printed: a given number as typed, r'\\text{saturated}' for None, else entry()."""
        t = self._text.get(sid)
        if t is None:
            r = self.raw[sid]
            if r.kind == "given" and r.text is not None and _sig_digits(r.text) <= max(self.digits, TYPED_DIGITS):
                t = r.text          # as typed (0.15 stays 0.15); a machine-made 0.25285415629416175 at the digits
            elif r.value is None:
                t = r"\text{saturated}"
            elif r.mats is not None:                # a matrix step's own value
                t = self.matrix(r.mats[-1])
            else:
                t = self.entry(sid)
            self._text[sid] = t
        return t

    def matrix(self, m) -> str:
        """A LaTeX bmatrix of (array, grid of step ids | None), each entry at the view's digits; a matrix with more
        than MAX_SHOWN rows or columns shows its first and last ones around dots."""
        arr, grid = m
        a = np.atleast_2d(np.asarray(arr, dtype=float))
        r_idx, c_idx = _shown(a.shape[0]), _shown(a.shape[1])
        if grid is not None and self.values is not None:
            rows = [[None if i is None or j is None else self.entry(grid[i][j]) for j in c_idx] for i in r_idx]
        else:
            rows = [[None if i is None or j is None else self.number(a[i, j]) for j in c_idx] for i in r_idx]
        lines = []
        for i, r in zip(r_idx, rows):
            if i is None:
                lines.append(" & ".join(r"\vdots" if j is not None else r"\ddots" for j in c_idx))
            else:
                lines.append(" & ".join(r"\cdots" if x is None else x for x in r))
        return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"

    # ---- templates -------------------------------------------------------------------------------------
    def fill(self, template: str) -> str:
        """The template with every marker printed."""
        if M not in template:
            return template
        parts = template.split(M)
        get = self._marks.get
        for k in range(1, len(parts), 2):
            s = get(parts[k])
            if s is None:
                s = self._new(parts[k])
            parts[k] = s
        return "".join(parts)

    def _new(self, body: str) -> str:
        s = self._marks[body] = self._mark(body)
        return s

    def _mark(self, body: str) -> str:
        code, rest = body[0], body[2:]
        if code == "v":
            return paren(self.text(rest))
        if code == "V":
            return self.text(rest)
        if code in ("n", "N"):                  # one call gives both: the label and the LaTeX
            method, _, args = rest.partition(":")
            vals = [int(a) if a else None for a in args.split(",")] if args else []
            label, tex = getattr(self.names, method)(*vals)
            self._marks["N:" + rest], self._marks["n:" + rest] = label, tex
            return tex if code == "n" else label
        if code == "m":
            sid, _, k = rest.rpartition(":")
            return self.matrix(self.raw[sid].mats[int(k)])
        if code == "c":
            return self.number(float(rest))
        raise ValueError(f"unknown template marker {body!r}")
