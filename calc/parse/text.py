"""The safe parser for everything a user types: number cells and expressions of one variable.

Nothing typed is ever run as Python. text -> normalised text (Unicode minus -> -, ½ -> (1/2), θ -> theta)
-> tokens from our own regex (^ -> **, refusals with reasons) -> ast.parse(mode="eval") -> a node
whitelist that builds SymPy objects directly (a literal becomes Rational(Fraction(text)): "0.15" -> 3/20).
Caps: 200 characters, 100 nodes, parentheses 20 deep, |exponent| <= 50, |literal| <= 1e6 in expressions,
exact integers under 4096 bits, plain decimals of at most 1,000 digits; a constant's value is checked before
exp/log/sqrt/sin see it. A number cell typed as an expression becomes a float only through
calc.parse.enclose.float_value: interval arithmetic at rising precision (capped at 8192 bits and a time budget)
until the float64 is sure, so cancellation is exact, a divisor or log argument that is 0 is refused saying so,
overflow is refused and underflow is a truthful warning (Number.warning).

    parse_number("0.15")               -> Number(0.15, "0.15")   regex + float fast path, no SymPy import
    parse_number("\u22120.5")          -> Number(-0.5, "-0.5", "Unicode minus read as -")
    parse_expression("theta^2 - 3theta")  -> ParseError("theta^2 - 3theta: implicit multiplication: write 3*theta")
"""
from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from calc.parse.errors import (MAX_BITS, MAX_CHARS, MAX_DIGITS, MAX_EXPONENT, MAX_LITERAL, MAX_NODES, MAX_PARENS,  # noqa: F401
                               ParseError, underflow_warning)
CONSTANTS = ("e", "pi")
NUMBER_FUNCTIONS = ("sqrt", "exp", "ln", "log")
FUNCTIONS = NUMBER_FUNCTIONS + ("sin", "cos", "tan", "sinh", "cosh", "tanh", "atan", "arctan", "abs")

_D = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # an unsigned decimal literal, ASCII digits only
_PLAIN = re.compile(r"[+-]?" + _D)
_TOKEN = re.compile(rf"(?P<ws>[ \t\r\n]+)|(?P<num>{_D})|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|//|[-+*/^(),.])")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_COMMA = re.compile(r"[+-]?([0-9]*),([0-9]+)")
_SWAP = {"\u2212": ("-", "Unicode minus read as -"), "\u2013": ("-", "en dash read as -"),
         "\u00d7": ("*", "\u00d7 read as *"), "\u00b7": ("*", "\u00b7 read as *"), "\u22c5": ("*", "\u22c5 read as *"),
         "\u00f7": ("/", "\u00f7 read as /"), "\u03b8": ("theta", "\u03b8 read as theta"), "\u03c0": ("pi", "\u03c0 read as pi")}
_SUPER = dict(zip("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b", "0123456789-"))
_CHAR_WHY = {"'": "quotes are not allowed: type a number or expression, not text", '"': "quotes are not allowed: type a number or expression, not text",
             "[": "square brackets are not allowed (no lists or subscripts)", "]": "square brackets are not allowed (no lists or subscripts)",
             "{": "braces are not allowed", "}": "braces are not allowed", "=": "'=' is not allowed (no assignments or comparisons)",
             ":": "':' is not allowed (no lambdas, slices or walrus)"}


@dataclass(frozen=True)
class Number:
    """A parsed number cell: float64 value (correctly rounded from the exact value), canonical ASCII text that
    rebuilds the exact value, visible note of a normalisation, and a warning (underflow to 0) or None."""
    value: float
    text: str
    note: str | None = None
    warning: str | None = field(default=None, compare=False)  # e.g. "... underflows to 0 in float64: ..."

    def exact(self) -> Any:
        """The exact SymPy value of `text` through the same whitelist builder (Rational("0.15") = 3/20)."""
        if _PLAIN.fullmatch(self.text):
            if abs(Decimal(self.text).adjusted()) > 1000:
                raise ParseError(f"{self.text}: the exponent is too large to keep the value exactly")
            import sympy
            f = Fraction(self.text)
            return sympy.Rational(f.numerator, f.denominator)
        return _parse(self.text, None)[0]


@dataclass(frozen=True)
class Expression:
    """A parsed expression of one real variable: SymPy form, canonical text (re-parses to `expr`), note."""
    expr: Any
    text: str
    variable: str = "theta"
    note: str | None = None

    @property
    def symbol(self) -> Any:
        import sympy
        return sympy.Symbol(self.variable, real=True)


def parse_number(text: str, field: str = "") -> Number:
    """A number cell -> Number; `field` is kept on the error as err.field (callers prefix the location)."""
    if isinstance(text, str) and len(text) <= MAX_DIGITS and _PLAIN.fullmatch(text):
        value = float(text)              # fast path: the common plain decimal (nonzero and finite)
        if value != 0 and value - value == 0:
            return Number(value, text)
    try:
        if isinstance(text, str) and _PLAIN.fullmatch(text):  # 0, overflow, underflow, too many digits
            return _plain(text, text, None)
        if not isinstance(text, str):
            raise ParseError(f"expected text, got {type(text).__name__}")
        s, note = _normalise(text)
        if not s:
            raise ParseError("empty cell: type a number")
        if _PLAIN.fullmatch(s):
            return _plain(s, s, note)
        if len(s) > MAX_CHARS:
            raise ParseError(f"{len(s)} characters: the limit is {MAX_CHARS}")
        _refuse_commas(s)
        expr, canon = _parse(s, None)
        from calc.parse.enclose import float_value
        value, warning = float_value(expr, s)
        return Number(value, canon, note, warning)
    except ParseError as err:
        err.field = field
        raise
    except (ArithmeticError, RecursionError, MemoryError) as err:  # a last guard: never a traceback for a cell
        e = ParseError(f"{_clip(text) if isinstance(text, str) else text!r}: cannot be computed "
                       f"({type(err).__name__}{': ' + str(err) if str(err) else ''})")
        e.field = field
        raise e from None


def check_digits(text: str) -> None:
    """ParseError for a plain decimal of more than MAX_DIGITS digits (before Python's 4300-digit int limit)."""
    if len(text) > MAX_DIGITS:
        mantissa = text.split("e")[0].split("E")[0]
        n = sum(c.isdigit() for c in mantissa)
        if n > MAX_DIGITS:
            raise ParseError(f"a number with {n:,} digits: the limit is {MAX_DIGITS:,} digits "
                             f"(round it, or write it with an exponent such as 1.2345e4999)")


def underflow_note(text: str, value: float) -> str | None:
    """The warning for a plain decimal that is not 0 but rounds to 0 in float64 (None otherwise)."""
    if value == 0 and any(c in "123456789" for c in text.split("e")[0].split("E")[0]):
        return underflow_warning(_clip(text))
    return None


def _plain(s: str, text: str, note: str | None) -> Number:
    check_digits(s)
    value = _finite(float(s), s)
    return Number(value, text, note, underflow_note(s, value) if value == 0 else None)


def _clip(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...{text[-12:]} ({len(text):,} characters)"


def parse_expression(text: str, variable: str = "theta") -> Expression:
    """Text of one variable -> Expression (SymPy expr of Symbol(variable, real=True), canonical text, note)."""
    if not isinstance(variable, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", variable) \
            or variable in CONSTANTS + FUNCTIONS:
        raise ParseError(f"variable {variable!r} is not a usable name")
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    s, note = _normalise(text)
    if not s:
        raise ParseError(f"empty expression: type a function of {variable}")
    expr, canon = _parse(s, variable)
    return Expression(expr, canon, variable, note)


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise ParseError(f"{_clip(text)} overflows float64 to infinity: float64 stops at 1.8e308")
    return value


def _normalise(text: str) -> tuple[str, str | None]:
    """Visible normalisations (with notes) and refusals of invisible or non-ASCII characters."""
    notes: list[str] = []
    if not text.isascii():
        out: list[str] = []
        run = ""  # a run of superscript characters, flushed as **2 or **(-1)
        for i, ch in enumerate(text + " "):
            if ch in _SUPER:
                run += ch
                continue
            if run:
                power = "".join(_SUPER[c] for c in run)
                if not out or out[-1][-1:] in "-+*/^( " or not power.lstrip("-").isdigit():
                    raise ParseError(f"{text.strip()}: a superscript needs a base and digits")
                out.append(f"**({power})" if "-" in power else f"**{power}")
                notes.append(f"superscript {run} read as {out[-1]}")
                run = ""
            if ch.isascii():
                out.append(ch)
            elif ch in _SWAP:
                out.append(_SWAP[ch][0])
                notes.append(_SWAP[ch][1])
            elif unicodedata.decomposition(ch).startswith("<fraction>"):
                if out and out[-1][-1:].isdigit():
                    raise ParseError(f"{text.strip()}: write a mixed number with +, e.g. 1 + 1/2, or as a decimal")
                num, den = "".join(chr(int(h, 16)) for h in unicodedata.decomposition(ch).split()[1:]).split("\u2044")
                out.append(f"({num}/{den})")
                notes.append(f"{ch} read as {num}/{den}")
            else:
                out.append(_odd_char(ch, i, notes))
        s = "".join(out)
    else:
        s = text
    bad = next((c for c in s if ord(c) < 32 and c not in "\t\r\n" or ord(c) == 127), None)
    if bad is not None:
        raise ParseError(f"control character U+{ord(bad):04X} is not allowed")
    return s.strip(" \t\r\n"), "; ".join(dict.fromkeys(notes)) or None


def _odd_char(ch: str, i: int, notes: list[str]) -> str:
    """A non-ASCII character that is neither swapped nor a glyph: a space (noted) or a refusal."""
    cat, name = unicodedata.category(ch), unicodedata.name(ch, "unnamed")
    if cat == "Zs":
        notes.append("non-breaking space removed" if ch in "\u00a0\u202f\u2007" else f"U+{ord(ch):04X} ({name.lower()}) read as a space")
        return " "
    if cat in ("Cf", "Cc", "Zl", "Zp") or ch in "\u115f\u1160\u3164":
        raise ParseError(f"invisible character U+{ord(ch):04X} ({name.lower()}) at position {i + 1}: delete it")
    if cat == "Nd" or "DIGIT" in name:
        raise ParseError(f"use ASCII digits 0-9: {ch!r} ({name.lower()}) is not accepted")
    raise ParseError(f"unexpected character {ch!r} (U+{ord(ch):04X} {name.lower()})")


def _refuse_commas(s: str) -> None:
    if "," not in s:
        return
    if _THOUSANDS.fullmatch(s) and ("." in s or s.count(",") > 1):
        raise ParseError(f"{s}: no thousands separators: write {s.replace(',', '')}")
    m = _COMMA.fullmatch(s)
    if m and len(m.group(2)) == 3 and m.group(1)[:1] not in ("", "0"):
        raise ParseError(f"{s}: no commas in numbers: write {s.replace(',', '.')} if the comma is a decimal point, "
                         f"or {s.replace(',', '')} (no thousands separators)")
    if m:
        raise ParseError(f"{s}: use a decimal point: {s.replace(',', '.')}")


def _parse(s: str, variable: str | None) -> tuple[Any, str]:
    """Normalised text -> (SymPy expression, canonical text); variable None means a number cell."""
    if len(s) > MAX_CHARS:
        raise ParseError(f"{len(s)} characters: the limit is {MAX_CHARS}")
    funcs = FUNCTIONS if variable else NUMBER_FUNCTIONS
    names = set(CONSTANTS) | ({variable} if variable else set())
    toks = _tokens(s)
    _check_tokens(toks, names, set(funcs), variable, s)
    source = " ".join("**" if t == "^" else t for _, t, _ in toks)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ParseError(_syntax_why(toks, s)) from None
    nodes = [n for n in ast.walk(tree) if not isinstance(n, (ast.expr_context, ast.operator, ast.unaryop))]
    for node in nodes:
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant)) or \
                isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)) or \
                isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise ParseError(f"{s}: {type(node).__name__} is not allowed here" if not isinstance(node, ast.Tuple)
                             else f"{s}: empty parentheses")
    if len(nodes) > MAX_NODES + 1:
        raise ParseError(f"{s}: too many terms ({len(nodes) - 1} parts; the limit is {MAX_NODES})")
    from calc.parse.tree import TreeBuilder, bad_values   # SymPy is imported only here
    try:
        expr = TreeBuilder(source, s, variable).build(tree.body)
    except (TypeError, ArithmeticError, RecursionError) as e:  # SymPy's own failures: a message, never a trace
        raise ParseError(f"{s}: cannot be computed ({type(e).__name__})") from None
    if expr.has(*bad_values()):
        raise ParseError(f"{s}: undefined (division by zero, log(0) or a non-real value)")
    return expr, _canonical(toks, set(funcs))


def _tokens(s: str) -> list[tuple[str, str, bool]]:
    """(kind, text, space_before) for each token; any character outside the grammar is refused."""
    out, i, space = [], 0, False
    while i < len(s):
        m = _TOKEN.match(s, i)
        if m is None:
            ch = s[i]
            raise ParseError(f"{s}: " + _CHAR_WHY.get(ch, f"{ch!r} is not allowed: use numbers, + - * / ^ ( ) and names"))
        i = m.end()
        if m.lastgroup == "ws":
            space = True
            continue
        out.append((m.lastgroup, m.group(), space))
        space = False
    return out


def _check_tokens(toks: list, names: set, funcs: set, variable: str | None, s: str) -> None:
    """Refusals that need a reason: commas, attribute dots, adjacency (2theta, 5e, 0x10, 1_000), names, parentheses."""
    depth, prev = 0, None
    for kind, t, spaced in toks:
        if t == ",":
            raise ParseError(f"{s}: commas are not allowed: use a decimal point (0.5), no thousands separators; "
                             "each function takes one argument")
        if t == ".":
            raise ParseError(f"{s}: '.' is only a decimal point here (no attribute access)")
        if t == "//":
            raise ParseError(f"{s}: // is not allowed: use / for division")
        depth += (t == "(") - (t == ")")
        if depth > MAX_PARENS:
            raise ParseError(f"{s}: parentheses nested more than {MAX_PARENS} deep")
        if depth < 0:
            raise ParseError(f"{s}: unbalanced parentheses: ')' without '('")
        pk, pt = prev[:2] if prev else (None, None)
        if pk == "num" and kind == "num":
            raise ParseError(f"{s}: a number has more than one decimal point" if t.startswith(".") and not spaced
                             else f"{s}: no spaces or thousands separators inside a number: write {pt}{t}")
        if pk == "num" and kind == "name" and not spaced:
            lit = pt + t
            if pt == "0" and t[0] in "xXoObB":
                try:
                    hint = f"write {int(lit.replace('_', ''), 0)}"
                except ValueError:
                    hint = "write the decimal value"
                raise ParseError(f"{lit}: hexadecimal, octal and binary numbers are not accepted: {hint}")
            if t[0] == "_":
                raise ParseError(f"{s}: no underscores in numbers: write {re.sub(r'(?<=[0-9])_+(?=[0-9])', '', s)}")
            if t in ("e", "E"):
                raise ParseError(f"{s}: the exponent after {pt}e is missing: write e.g. {pt}e0, or {pt}*e to multiply by e")
        if kind == "name" and t not in names and t not in funcs:
            raise ParseError(_unknown(t, variable, names, funcs))
        if pk == "name" and pt in funcs and t != "(":
            raise ParseError(f"{s}: {pt} needs parentheses: write {pt}({t if kind != 'op' else '...'})")
        if (pk == "num" or pk == "name" or pt == ")") and (kind in ("num", "name") or t == "("):
            if not (pk == "name" and pt in funcs):
                raise ParseError(f"{s}: implicit multiplication: write {pt}*{t}" + ("...)" if t == "(" else ""))
        prev = (kind, t, spaced)
    if depth:
        raise ParseError(f"{s}: unbalanced parentheses: missing ')'")
    if prev and prev[1] in funcs:
        raise ParseError(f"{s}: {prev[1]} needs parentheses: write {prev[1]}(...)")


def _unknown(t: str, variable: str | None, names: set, funcs: set) -> str:
    low = t.lower()
    if low == "nan":
        return f"{t}: not a number (NaN is not accepted)"
    if low in ("inf", "infinity"):
        return f"{t}: infinity is not accepted: type a finite number"
    if variable is None:
        return f"{t!r} is not a number (allowed names: e, pi, sqrt(), exp(), ln(), log())"
    hint = " (names are case-sensitive)" if low in {n.lower() for n in names | funcs} else ""
    return (f"unknown name {t!r}{hint}: the only variable is {variable}; allowed are e, pi and "
            f"{', '.join(sorted(funcs))}")


def _syntax_why(toks: list, s: str) -> str:
    if toks and toks[-1][0] == "op" and toks[-1][1] != ")":
        return f"{s}: ends with an operator"
    if toks and toks[0][1] in ("*", "/", "**", "^"):
        return f"{s}: starts with an operator"
    return f"{s}: malformed expression: check the operators between the terms"


def _canonical(toks: list, funcs: set) -> str:
    """Tokens -> ASCII text: ^ as **, spaces around binary + and -, redundant outer parentheses dropped."""
    while len(toks) > 2 and toks[0][1] == "(" and toks[-1][1] == ")":
        depth = 0
        for i, (_, t, _) in enumerate(toks):
            depth += (t == "(") - (t == ")")
            if depth == 0:
                break
        if i != len(toks) - 1:
            break
        toks = toks[1:-1]
    out, prev = [], None
    for kind, t, _ in toks:
        binary = prev is not None and (prev[0] == "num" or prev[1] == ")" or prev[0] == "name" and prev[1] not in funcs)
        out.append(f" {t} " if t in "+-" and binary else "**" if t == "^" else t)
        prev = (kind, t)
    return "".join(out)
