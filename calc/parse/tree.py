"""The second half of the safe parser: a whitelisted Python AST -> SymPy objects, node by node.

calc.parse.text has already refused every token and node type outside the whitelist; here each literal becomes
an exact Rational from its text (Rational(Fraction("0.15")) = 3/20), and sizes are checked before SymPy
evaluates anything big: |exponent| <= 50, exact numbers under 4096 bits, a constant's value checked before
exp, log, sqrt or sin see it. Signs that decide a refusal (a divisor, a log or sqrt argument, a base under a
negative or fractional power) are sure: calc.parse.enclose decides them by interval arithmetic up to its
precision cap, and an exact zero it cannot tell from 0 is refused saying so.
"""
from __future__ import annotations

import ast
import math
import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

from calc.parse.errors import BUDGET_SECONDS, MAX_BITS, MAX_EXPONENT, MAX_LITERAL, ParseError


def to_float(expr: Any, s: str) -> float:
    """float64 of an exact number, correctly rounded and sure of its digits (calc.parse.enclose.float_value)."""
    from calc.parse.enclose import float_value
    return float_value(expr, s)[0]


def bad_values() -> tuple:
    import sympy
    return sympy.zoo, sympy.oo, -sympy.oo, sympy.nan, sympy.I


class TreeBuilder:
    """Whitelisted AST -> SymPy, node by node; sizes are checked before SymPy evaluates anything big."""

    def __init__(self, source: str, shown: str, variable: str | None):
        import sympy  # source: the token text ast parsed (offsets); shown: the user's text, for messages
        self.sp, self.src, self.source, self.variable = sympy, source, shown, variable
        self.symbol = sympy.Symbol(variable, real=True) if variable else None
        self.deadline = time.monotonic() + BUDGET_SECONDS
        self.funcs = {"sqrt": sympy.sqrt, "exp": sympy.exp, "ln": sympy.log, "log": sympy.log, "sin": sympy.sin,
                      "cos": sympy.cos, "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
                      "atan": sympy.atan, "arctan": sympy.atan, "abs": sympy.Abs}

    def build(self, node: ast.AST) -> Any:
        sp = self.sp
        if isinstance(node, ast.Constant):
            return self.literal(ast.get_source_segment(self.src, node) or "")
        if isinstance(node, ast.Name):
            return {"e": sp.E, "pi": sp.pi}.get(node.id) or self.symbol
        if isinstance(node, ast.UnaryOp):
            v = self.build(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                return self.power(a, b)
            if isinstance(node.op, ast.Div) and (b.is_zero or not b.free_symbols and self.sign(
                    b, lambda bd: f"division by zero: {_short(b)} is 0, or within {bd} of 0") == 0):
                raise ParseError(f"{self.source}: division by zero")
            self.size(a), self.size(b)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)] if not isinstance(node.op, ast.Div) else a / b
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.funcs:
            name = node.func.id
            if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
                raise ParseError(f"{self.source}: {name}() takes exactly one argument")
            arg = self.build(node.args[0])
            if not arg.free_symbols:
                if name in ("log", "ln") and self.sign(arg, lambda bd: f"{name} of 0 is undefined, and "
                                                       f"{_short(arg)} is 0, or within {bd} of 0") <= 0:
                    raise ParseError(f"{self.source}: {name} of {self.about(arg)} is undefined (log needs a positive number)")
                if name == "sqrt" and self.sign(arg, lambda bd: f"sqrt of a negative number is not real, and "
                                                 f"{_short(arg)} is 0, or within {bd} of 0") < 0:
                    raise ParseError(f"{self.source}: sqrt of {self.about(arg)} is not a real number")
                if name in ("exp", "sinh", "cosh") and abs(self.approx(arg)) > 1000:
                    raise ParseError(f"{self.source}: {name} of a number beyond 1000 in size overflows float64")
                if name in ("sin", "cos", "tan") and abs(self.approx(arg)) > MAX_LITERAL:
                    raise ParseError(f"{self.source}: {name} of {self.about(arg)} is not accepted (|argument| <= 1e6)")
            out = self.funcs[name](arg)
            if not arg.free_symbols and out.has(*bad_values()):  # tan(pi/2) = zoo: refused before SymPy builds on it
                raise ParseError(f"{self.source}: {name}({_short(arg)}) is undefined (not a finite real number)")
            return out
        raise ParseError(f"{self.source}: {type(node).__name__} is not allowed here")

    def literal(self, text: str) -> Any:
        """A decimal literal from its text, exactly: Rational(Fraction("0.15")) = 3/20; capped in expressions."""
        d = Decimal(text)
        if self.variable and d > MAX_LITERAL:
            raise ParseError(f"{text}: numbers in an expression are capped at 1e6 in size")
        if self.variable and d and d.adjusted() < -30:
            raise ParseError(f"{text}: numbers in an expression must be at least 1e-30 (or 0)")
        if d and abs(d.adjusted()) > 400:
            raise ParseError(f"{text}: too large or too small to compute with exactly (write it as a plain decimal)")
        f = Fraction(text)
        return self.sp.Rational(f.numerator, f.denominator)

    def power(self, b: Any, x: Any) -> Any:
        """b**x with |numeric x| <= 50, no 0**negative, no negative**fraction, exact results under 4096 bits."""
        if not x.free_symbols:
            xv = self.approx(x)
            if abs(xv) > MAX_EXPONENT:
                raise ParseError(f"{self.source}: exponent {_short(x)} is too large: |exponent| <= {MAX_EXPONENT}")
            if not b.free_symbols and (xv < 0 or not x.is_integer):
                bs = self.sign(b, (lambda bd: f"division by zero: {_short(b)} is 0, or within {bd} of 0") if xv < 0
                               else (lambda bd: f"{_short(b)} is raised to a fractional power, but its sign is not "
                                                f"told: it is 0, or within {bd} of 0"))
                if bs == 0 and xv < 0:
                    raise ParseError(f"{self.source}: division by zero (0 to a negative power)")
                if bs < 0 and not x.is_integer:
                    raise ParseError(f"{self.source}: a negative number to a fractional power is not real")
            if b.is_Rational and x.is_Rational and max(b.p.bit_length(), b.q.bit_length()) * abs(xv) > MAX_BITS:
                raise ParseError(f"{self.source}: {_short(b)}**{_short(x)} is too large to compute exactly")
        return self.size(b ** x)

    def size(self, v: Any) -> Any:
        if v.is_Rational and max(v.p.bit_length(), v.q.bit_length()) > MAX_BITS:
            raise ParseError(f"{self.source}: a number in this expression has more than 1200 digits")
        return v

    def approx(self, v: Any) -> float:
        """A constant's float value, its sign sure (a tiny nonzero value is +-5e-324; inf beyond float64)."""
        if v.is_Rational:
            try:
                f = v.p / v.q
            except OverflowError:
                return math.inf if v.p > 0 else -math.inf
            return math.copysign(5e-324, v.p) if f == 0 and v.p else f
        from calc.parse import enclose as E
        iv, ok = E.enclose(v, self.source, E.settled_approx, self.deadline)
        if not ok:
            raise ParseError(f"{self.source}: {_short(v)} cannot be computed to enough digits (it is only known to "
                             f"lie between {E.about((iv[0], iv[0]))} and {E.about((iv[1], iv[1]))})")
        return E.approx(iv)

    def sign(self, v: Any, unsure) -> int:
        """-1, 0 or 1 of a constant, sure (interval arithmetic up to the precision cap); ParseError with
        unsure(bound) when it cannot be told from 0."""
        if v.is_Rational:
            return (v.p > 0) - (v.p < 0)
        from calc.parse import enclose as E
        iv, ok = E.enclose(v, self.source, E.settled_sign, self.deadline)
        if not ok:
            raise ParseError(f"{self.source}: {unsure(E.bound(iv))} (not told apart from 0 with "
                             f"{E.FLOAT_DIGITS:,} digits)")
        return E.sign(iv)

    def about(self, v: Any) -> str:
        """A constant to 3 digits, for messages."""
        if v.is_Rational:
            f = v.p / v.q if max(v.p.bit_length(), v.q.bit_length()) < 1000 else 0.0
            if f or not v.p:
                return f"{f:.6g}"
        from calc.parse import enclose as E
        try:
            iv, _ = E.enclose(v, self.source, E.settled_approx, self.deadline)
        except ParseError:
            return _short(v)
        return E.about(iv)


def _short(v: Any) -> str:
    t = str(v)
    return t if len(t) <= 30 else t[:27] + "..."
