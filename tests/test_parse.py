"""calc.parse.text: the bad-input catalogue of issue 8, exact values, code-execution payloads, random text.

Expected values are independent of the parser: float() of the written decimal, Fraction arithmetic,
math.exp / math.sqrt, and SymPy objects built by hand.
"""
from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.parse.text import Expression, Number, ParseError, parse_expression, parse_number

ROOT = Path(__file__).resolve().parents[1]
TH = sympy.Symbol("theta", real=True)

# ---- number cells: accepted ----------------------------------------------------------------------

ACCEPTED = [  # text, value, canonical text, note (or None), exact value
    ("0.15", 0.15, "0.15", None, sympy.Rational(3, 20)),
    ("\u22120.5", -0.5, "-0.5", "Unicode minus read as -", sympy.Rational(-1, 2)),
    ("\u20130.5", -0.5, "-0.5", "en dash read as -", sympy.Rational(-1, 2)),
    ("1/3", 1 / 3, "1/3", None, sympy.Rational(1, 3)),
    ("2.5e-3", 0.0025, "2.5e-3", None, sympy.Rational(1, 400)),
    ("e^-2", math.exp(-2), "e**-2", None, sympy.exp(-2)),
    ("exp(-2)", math.exp(-2), "exp(-2)", None, sympy.exp(-2)),
    ("sqrt(2)", math.sqrt(2), "sqrt(2)", None, sympy.sqrt(2)),
    ("2^-3", 0.125, "2**-3", None, sympy.Rational(1, 8)),
    ("\u00bd", 0.5, "1/2", "\u00bd read as 1/2", sympy.Rational(1, 2)),
    ("\u2153", 1 / 3, "1/3", "\u2153 read as 1/3", sympy.Rational(1, 3)),
    ("\u2152", 0.1, "1/10", "\u2152 read as 1/10", sympy.Rational(1, 10)),
    ("  0.25  ", 0.25, "0.25", None, sympy.Rational(1, 4)),
    ("\u00a00.25\u00a0", 0.25, "0.25", "non-breaking space removed", sympy.Rational(1, 4)),
    ("1e308", 1e308, "1e308", None, sympy.Integer(10) ** 308),
    ("1e-400", 0.0, "1e-400", None, sympy.Rational(1, 10**400)),
    ("-4", -4.0, "-4", None, sympy.Integer(-4)),
    ("ln(2)", math.log(2), "ln(2)", None, sympy.log(2)),
    ("pi/4", math.pi / 4, "pi/4", None, sympy.pi / 4),
]


@pytest.mark.parametrize("text,value,canon,note,exact", ACCEPTED)
def test_number_accepted(text, value, canon, note, exact):
    n = parse_number(text)
    assert n == Number(value, canon, note)
    assert n.exact() == exact
    assert parse_number(n.text).value == value  # the canonical text rebuilds the same number


def test_exact_is_from_text_not_from_the_float():
    assert parse_number("0.15").exact() == sympy.Rational(3, 20) != sympy.Rational(0.15)
    assert parse_number("0.1").exact() - sympy.Rational(1, 10) == 0
    assert parse_number("1/3").exact() * 3 == 1
    assert parse_number("2.5e-3").exact() == sympy.Rational(Fraction("2.5e-3").numerator, 400)


def test_values_are_correctly_rounded():
    assert parse_number("1/10").value == 0.1
    assert parse_number("0.1 + 0.2").value == 0.3  # exact 3/10, unlike float 0.1 + 0.2
    assert parse_number("2/3").value == float(Fraction(2, 3))


def test_plain_decimals_do_not_import_sympy():
    code = ("import sys; from calc.parse.text import parse_number; "
            "[parse_number(t) for t in ('0.15', '-4', '2.5e-3', '1e308')]; "
            "assert 'sympy' not in sys.modules, 'sympy imported'")
    import subprocess
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# ---- number cells: refused, each with its reason ---------------------------------------------------

REFUSED = [
    ("abc", "'abc' is not a number"),
    ("", "empty cell: type a number"),
    ("   ", "empty cell: type a number"),
    ("nan", "not a number (NaN"),
    ("inf", "infinity is not accepted"),
    ("-inf", "infinity is not accepted"),
    ("Infinity", "infinity is not accepted"),
    ("1e309", "1e309 overflows float64 to infinity"),
    ("0,5", "0,5: use a decimal point: 0.5"),
    ("1,000.5", "no thousands separators: write 1000.5"),
    ("1,000", "no commas in numbers"),
    ("3/0", "division by zero"),
    ("0x10", "hexadecimal, octal and binary numbers are not accepted: write 16"),
    ("True", "'True' is not a number"),
    ("None", "'None' is not a number"),
    ("0.1.2", "more than one decimal point"),
    ("5e", "the exponent after 5e is missing"),
    ("1_000", "no underscores in numbers: write 1000"),
    ("0.5\u200b", "invisible character U+200B"),
    ("\ufeff1", "invisible character U+FEFF"),
    ("\uff11\uff12", "use ASCII digits 0-9"),
    ("\u0663", "use ASCII digits 0-9"),
    ("1 000", "no spaces or thousands separators inside a number: write 1000"),
    ("sqrt(-1)", "not a real number"),
    ("log(0)", "log of 0 is undefined"),
    ("2^1000", "exponent 1000 is too large"),
    ("theta", "'theta' is not a number"),
    ("sin(1)", "'sin' is not a number"),
    ("1\u00bd", "write a mixed number with +"),
    ("exp(1000)", "overflows float64"),
    ("10^50*10^50*10^50*10^50*10^50*10^50*10^50", "overflows float64 to infinity"),
]


@pytest.mark.parametrize("text,phrase", REFUSED)
def test_number_refused(text, phrase):
    with pytest.raises(ParseError) as err:
        parse_number(text)
    assert phrase in str(err.value)


def test_non_text_refused_and_field_kept():
    for v in (None, True, 0.5):
        with pytest.raises(ParseError, match="expected text"):
            parse_number(v)
    with pytest.raises(ParseError) as err:
        parse_number("abc", field="layers[0].weights[1][2]")
    assert err.value.field == "layers[0].weights[1][2]"


# ---- expressions -------------------------------------------------------------------------------------

EXPRESSIONS = [  # text, SymPy built by hand, canonical text
    ("theta**2", TH**2, "theta**2"),
    ("theta^2 - 3*theta", TH**2 - 3 * TH, "theta**2 - 3*theta"),
    ("log(1 + exp(theta))", sympy.log(1 + sympy.exp(TH)), "log(1 + exp(theta))"),
    ("abs(theta)", sympy.Abs(TH), "abs(theta)"),
    ("sin(theta) + cos(theta)*tanh(theta)", sympy.sin(TH) + sympy.cos(TH) * sympy.tanh(TH),
     "sin(theta) + cos(theta)*tanh(theta)"),
    ("-theta^2", -TH**2, "-theta**2"),
    ("2^-3*theta", TH / 8, "2**-3*theta"),
    ("0.15*theta", sympy.Rational(3, 20) * TH, "0.15*theta"),
    ("e^theta", sympy.exp(TH), "e**theta"),
    ("((theta+1)**50+1)**50", ((TH + 1)**50 + 1)**50, "((theta + 1)**50 + 1)**50"),
]


@pytest.mark.parametrize("text,expected,canon", EXPRESSIONS)
def test_expression_accepted(text, expected, canon):
    e = parse_expression(text)
    assert e.expr == expected and e.text == canon and e.note is None
    assert parse_expression(e.text).expr == e.expr  # canonical text round-trips


def test_glyphs_are_read_with_a_note():
    e = parse_expression("\u03b8\u00b2 \u2212 3\u00b7\u03b8")
    assert e.expr == TH**2 - 3 * TH and e.text == "theta**2 - 3*theta"
    assert e.note == ("\u03b8 read as theta; superscript \u00b2 read as **2; Unicode minus read as -; "
                      "\u00b7 read as *")
    assert parse_expression("x^2 + 1", variable="x").expr == sympy.Symbol("x", real=True)**2 + 1


EXPR_REFUSED = [
    ("2theta", "implicit multiplication: write 2*theta"),
    ("2\u03b8", "implicit multiplication: write 2*theta"),
    ("2(theta + 1)", "implicit multiplication: write 2*("),
    ("(theta+1)(theta-1)", "implicit multiplication: write )*("),
    ("theta x", "unknown name 'x'"),
    ("theta*y + 1", "unknown name 'y'"),
    ("x^2", "unknown name 'x': the only variable is theta"),
    ("Theta^2", "case-sensitive"),
    ("sin theta", "sin needs parentheses: write sin(theta)"),
    ("9**9**9**9", "exponent 387420489 is too large: |exponent| <= 50"),
    ("theta**(10**9)", "exponent 1000000000 is too large"),
    ("theta^51", "|exponent| <= 50"),
    ("1e999999", "capped at 1e6"),
    ("2000000*theta", "capped at 1e6"),
    ("theta + " * 30 + "theta", "the limit is 200"),
    ("(" * 21 + "theta" + ")" * 21, "nested more than 20 deep"),
    ("+".join(["1"] * 60), "too many terms"),
    ("theta/(theta - theta)", "division by zero"),
    ("log(0)*theta", "undefined"),
    ("sqrt(-2)*theta", "not a real number"),
    ("theta +", "ends with an operator"),
    ("log(theta, 10)", "commas are not allowed"),
    ("theta // 2", "use / for division"),
    ("", "empty expression"),
    ("theta\u200b", "invisible character"),
]


@pytest.mark.parametrize("text,phrase", EXPR_REFUSED)
def test_expression_refused(text, phrase):
    with pytest.raises(ParseError) as err:
        parse_expression(text)
    assert phrase in str(err.value)


# ---- code-execution payloads: refused, and nothing ran ------------------------------------------------

def payloads(marker: str) -> list[str]:
    return [
        f"__import__('os').system('touch {marker}')",
        f'__import__("os").system("touch {marker}")',
        "().__class__.__mro__[-1].__subclasses__()",
        "Integer(1).__class__.__mro__[-1].__subclasses__()",
        f"Integer(1).__class__.__mro__[-1].__subclasses__()[0].__init__.__globals__['sys'].modules['os'].system('touch {marker}')",
        "theta.__class__",
        "theta.real",
        "lambda: 1",
        f"(lambda: __import__('os').system('touch {marker}'))()",
        "[x for x in (1, 2)]",
        "sum(theta for theta in theta)",
        "{1: 2}",
        "'abc'",
        'f"{theta}"',
        "(y := 1)",
        "theta[0]",
        "exec('1')",
        "eval('1')",
        "open('/etc/passwd')",
        "import os",
        "theta if 1 else 2",
        "not theta",
        "theta and 1",
        "theta < 1",
        "*theta",
        "sin(*theta)",
        "sin(x=theta)",
        "globals()",
        "getattr(theta, 'real')",
        "theta; 1",
        "theta # comment",
        "theta @ theta",
        "`theta`",
        "\\x41",
    ]


def test_payloads_refused_and_nothing_ran(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    import os
    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a) or 0)
    before = set(sys.modules)
    for text in payloads(str(marker)):
        with pytest.raises(ParseError):
            parse_expression(text)
        with pytest.raises(ParseError):
            parse_number(text)
    assert not marker.exists()
    assert called == []
    assert not {m for m in set(sys.modules) - before if not m.startswith(("sympy", "mpmath"))}


# ---- random text: a result or ParseError, nothing else -------------------------------------------------

ALPHABET = "0123456789.eE+-*/^() ,_xθπ½²\u2212\u00a0\u200bthetasqrtlogabpi"
TOKENS = ["theta", "e", "pi", "sqrt(", "exp(", "log(", "abs(", "sin(", "(", ")", "+", "-", "*", "/", "^", "**",
          "0.5", "1e3", "9", "1/3", " ", "50", "2theta", "x", ".", "1_0", "0x1", "\u2212"]


def _one(text: str) -> None:
    for fn in (parse_number, parse_expression):
        try:
            out = fn(text)
        except ParseError as e:
            assert str(e)
        else:
            assert isinstance(out, (Number, Expression))
            if isinstance(out, Number):
                assert math.isfinite(out.value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_random_text_parses_or_refuses(text):
    _one(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=40), st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)))
def test_grammar_text_parses_or_refuses(text):
    _one(text)

