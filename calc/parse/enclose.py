"""The float64 value of a typed constant, sure of its digits: interval arithmetic at rising precision.

SymPy's evalf can hand back digits it does not have: sqrt(exp(1000)+1) - sqrt(exp(1000)) at 30 digits is
-7.66e53 (the true value is 3.56e-218), log(1 + 1e-200) is 0 at any precision (the argument is rounded to 1
first), and 1/log(1 + 1e-100) is a ZeroDivisionError. So a constant is enclosed instead: each node of its SymPy
tree becomes an interval [lo, hi] of binary floats rounded outward (mpmath.libmp.libmpi, which keeps every
true value inside), at 80 bits of working precision, then 256, 1024, 4096 and 8192 (the cap, about 2,466
digits), until the answer is sure:

    value    both ends round to the same float64, so every number between does: the float is correctly rounded
    sign     the interval lies on one side of 0, or is exactly [0, 0]

A divisor, a log argument or a square root argument whose sign is not sure yet is tried at the next precision;
at the cap the refusal says what and why ("division by zero: -3 + log(8)/log(2) is 0, or within 6.5e-903 of 0").
The whole search runs under a wall-clock budget (BUDGET_SECONDS), checked at every node.

    float_value(sqrt(exp(1000) + 1) - sqrt(exp(1000)), s)  -> (3.562288203370643e-218, None)
    float_value(log(1 + 10**-200), s)                       -> (1e-200, None)
    float_value(exp(-1000), s)                              -> (0.0, "... underflows to 0 in float64: ...")
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable

from mpmath.libmp import (fnan, fninf, finf, from_float, from_int, fzero, mpf_abs, mpf_div, mpf_e, mpf_lt, mpf_mul,
                          mpf_sign, to_str)
from mpmath.libmp import libmpi as I
from mpmath.libmp import round_ceiling, round_floor

from calc.parse.errors import BUDGET_SECONDS, MAX_PRECISION, PRECISIONS, ParseError, underflow_warning

Interval = tuple  # (lo, hi): raw mpf tuples
_ONE = (from_int(1), from_int(1))
_ZERO = (fzero, fzero)
_BIG_ARG = from_int(2**24)   # exp/sinh/cosh/sin/cos/tan arguments beyond this size are not computed
FLOAT_DIGITS = round(MAX_PRECISION * math.log10(2))


class _Unsure(Exception):
    """A sign a node needs cannot be told at this precision; `why(bound)` is the refusal if it stays so."""

    def __init__(self, why: Callable[[str], str], iv: Interval):
        super().__init__()
        self.why, self.iv = why, iv


class _Run:
    def __init__(self, source: str, deadline: float | None):
        self.source = source
        self.deadline = time.monotonic() + BUDGET_SECONDS if deadline is None else deadline

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise ParseError(f"{self.source}: its value could not be established within the time budget "
                             f"({BUDGET_SECONDS:g} s): simplify the expression")


def enclose(expr: Any, source: str, settled: Callable[[Interval], bool],
            deadline: float | None = None) -> tuple[Interval, bool]:
    """(interval holding the exact value of `expr`, whether `settled` holds for it) at the first precision where
    it does, else at the cap. ParseError when a node is undefined (log of a negative number) or stays unsure."""
    run = _Run(source, deadline)
    iv, unsure = None, None
    for prec in PRECISIONS:
        try:
            iv = _iv(expr, prec, run)
        except _Unsure as u:
            unsure = u
            continue
        except ParseError:
            raise
        except (ArithmeticError, ValueError, RecursionError) as e:  # mpmath's own refusals: a message, not a trace
            raise ParseError(f"{source}: cannot be computed ({type(e).__name__}"
                             f"{': ' + str(e) if str(e) else ''})") from None
        unsure = None
        if settled(iv):
            return iv, True
    if unsure is not None:
        raise ParseError(f"{source}: " + unsure.why(bound(unsure.iv)))
    return iv, False


# ---- what "sure" means -----------------------------------------------------------------------------------

def settled_float(iv: Interval) -> bool:
    """Both ends round to the same float64 (0.0 == -0.0: a value within 2.4e-324 of 0 is 0 either way)."""
    a, b = to_float(iv[0]), to_float(iv[1])
    return a == b


def settled_sign(iv: Interval) -> bool:
    return mpf_sign(iv[0]) > 0 or mpf_sign(iv[1]) < 0 or iv[0] == iv[1] == fzero


def settled_approx(iv: Interval) -> bool:
    """The size known to 9 digits with a sure sign, or the value within 1e-300 of 0 (for the parser's range
    checks: exp of > 1000, |exponent| > 50; signs that matter are decided by settled_sign)."""
    a, b = to_float(iv[0]), to_float(iv[1])
    if abs(a) < 1e-300 and abs(b) < 1e-300:
        return True
    return settled_sign(iv) and (a == b or abs(b - a) <= 1e-9 * max(abs(a), abs(b)))


def sign(iv: Interval) -> int:
    """-1, 0 or 1 of a settled_sign interval."""
    return 1 if mpf_sign(iv[0]) > 0 else -1 if mpf_sign(iv[1]) < 0 else 0


def approx(iv: Interval) -> float:
    """A float of a settled_approx interval with the exact value's sign: a tiny nonzero value is +-5e-324, not 0."""
    a, b = to_float(iv[0]), to_float(iv[1])
    v = a if a == b else a / 2 + b / 2
    s = sign(iv) if settled_sign(iv) else 0
    return math.copysign(5e-324, s) if v == 0 and s else v


# ---- the float64 of a typed constant ---------------------------------------------------------------------

def float_value(expr: Any, source: str, deadline: float | None = None) -> tuple[float, str | None]:
    """(correctly rounded float64 of the exact constant `expr`, a warning or None); ParseError when it is
    undefined, beyond float64, or its digits cannot be established within the precision cap and time budget."""
    if expr.is_Rational:
        p, q = int(expr.p), int(expr.q)
        try:
            v = p / q
        except OverflowError:
            raise ParseError(f"{source} overflows float64 to infinity: it is about {about_rational(p, q)}, "
                             f"beyond float64's largest number 1.8e308") from None
        if v == 0 and p:
            return v, underflow_warning(source, about_rational(p, q))
        return v, None
    iv, ok = enclose(expr, source, settled_float, deadline)
    if not ok:
        raise ParseError(f"{source}: its digits cannot be established: even with {FLOAT_DIGITS:,} digits of "
                         f"working precision it is only known to lie between {to_str(iv[0], 3)} and "
                         f"{to_str(iv[1], 3)} (its terms cancel): simplify the expression")
    v = to_float(iv[0])
    if math.isinf(v):
        raise ParseError(f"{source} overflows float64 to infinity: it is about {about(iv)}, beyond float64's "
                         f"largest number 1.8e308")
    if v == 0:
        if not settled_sign(iv):      # [-tiny, +tiny]: 0 to float64 either way, maybe exactly 0
            return 0.0, f"{source} is 0, or within {bound(iv)} of 0: read as 0"
        if sign(iv):
            return v, underflow_warning(source, about(iv))
    return v, None


def mpf_value(expr: Any, digits: int, source: str | None = None) -> Any:
    """mpmath.mpf of the exact constant `expr` with `digits` sure significant digits (for exact arithmetics that
    would otherwise trust expr.evalf(digits)); ParseError as float_value."""
    import mpmath
    source = source or _short(expr)
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q) if expr.q != 1 else mpmath.mpf(int(expr.p))
    tol = 10.0 ** -(digits + 2)

    def settled(iv: Interval) -> bool:
        if iv[0] == iv[1]:
            return True
        if not settled_sign(iv):
            return False
        width, size = mpf_abs(I.mpi_delta(iv, 64)), mpf_abs(iv[0])
        return mpf_lt(width, mpf_mul(size, from_float(tol), 64, round_ceiling)) if size != fzero else False

    iv, ok = enclose(expr, source, settled)
    if not ok:
        raise ParseError(f"{source}: {digits} digits cannot be established (it is 0, or within {bound(iv)} of 0)")
    return mpmath.mp.make_mpf(I.mpi_mid(iv, max(64, int(digits * 3.33) + 64)))


# ---- the interval of each node ---------------------------------------------------------------------------

def _iv(e: Any, prec: int, run: _Run) -> Interval:
    run.tick()
    if e.is_Rational:
        p, q = int(e.p), int(e.q)
        if q == 1:
            x = from_int(p)
            return x, x
        n, d = from_int(p), from_int(q)
        return mpf_div(n, d, prec, round_floor), mpf_div(n, d, prec, round_ceiling)
    name = type(e).__name__
    if name == "Pi":
        return I.mpi_pi(prec)
    if name == "Exp1":
        return mpf_e(prec, round_floor), mpf_e(prec, round_ceiling)
    if e.is_Add or e.is_Mul:
        op = I.mpi_add if e.is_Add else I.mpi_mul
        out = None
        for a in e.args:
            x = _iv(a, prec, run)
            out = x if out is None else op(out, x, prec)
        return out
    if e.is_Pow:
        return _pow(e.args[0], e.args[1], prec, run)
    if len(e.args) != 1 or not e.args[0].is_number:
        raise ParseError(f"{run.source}: {name} cannot be evaluated here")
    arg = e.args[0]
    x = _iv(arg, prec, run)
    if name == "log":
        if mpf_sign(x[1]) < 0 or x[1] == fzero and x[0] != fzero:
            raise ParseError(f"{run.source}: log of {about(x)} is undefined (log needs a positive number)")
        if x == _ZERO:
            raise ParseError(f"{run.source}: log of 0 is undefined ({_short(arg)} is exactly 0)")
        if mpf_sign(x[0]) <= 0:
            raise _Unsure(lambda b: f"log of 0 is undefined, and {_short(arg)} is 0, or within {b} of 0 "
                                    f"(not told apart from 0 with {FLOAT_DIGITS:,} digits)", x)
        return I.mpi_log(x, prec)
    if name in ("exp", "sinh", "cosh", "tanh", "sin", "cos", "tan"):
        _not_huge(name, arg, x, run)
    if name == "exp":
        return I.mpi_exp(x, prec)
    if name in ("sinh", "cosh", "tanh"):
        c, s = I.mpi_cosh_sinh(x, prec)
        return c if name == "cosh" else s if name == "sinh" else I.mpi_div(s, c, prec)
    if name in ("sin", "cos"):
        return (I.mpi_sin if name == "sin" else I.mpi_cos)(x, prec)
    if name == "tan":
        t = I.mpi_tan(x, prec)
        if fninf in t or finf in t or fnan in t:
            raise _Unsure(lambda b: f"tan({_short(arg)}) is at a pole (cos = 0), or too close to one to tell", x)
        return t
    if name == "atan":
        return I.mpi_atan(x, prec)
    if name == "Abs":
        return I.mpi_abs(x)
    raise ParseError(f"{run.source}: {name} cannot be evaluated here")


def _pow(base: Any, ex: Any, prec: int, run: _Run) -> Interval:
    x = _iv(base, prec, run)
    if ex.is_Integer:
        n = int(ex)
        if n >= 0:
            return I.mpi_pow_int(x, n, prec)
        _divisor(base, x, run)
        return I.mpi_div(_ONE, I.mpi_pow_int(x, -n, prec), prec)
    if ex.is_Rational and ex.q == 2 and abs(ex.p) == 1:  # sqrt, 1/sqrt
        if mpf_sign(x[1]) < 0:
            raise ParseError(f"{run.source}: sqrt of {about(x)} is not a real number")
        if x == _ZERO:
            if ex.p < 0:
                raise ParseError(f"{run.source}: division by zero (1/sqrt of {_short(base)}, which is 0)")
            return _ZERO
        if mpf_sign(x[0]) < 0:
            raise _Unsure(lambda b: f"sqrt of a negative number is not real, and {_short(base)} is 0, or within {b} "
                                    f"of 0 (its sign not told with {FLOAT_DIGITS:,} digits)", x)
        r = I.mpi_sqrt(x, prec)
        if ex.p > 0:
            return r
        _divisor(base, x, run)
        return I.mpi_div(_ONE, r, prec)
    y = _iv(ex, prec, run)
    if x == _ZERO:
        if mpf_sign(y[0]) > 0:
            return _ZERO
        if mpf_sign(y[1]) < 0:
            raise ParseError(f"{run.source}: division by zero (0 to a negative power)")
        raise _Unsure(lambda b: f"0 to the power {_short(ex)}, which is 0, or within {b} of 0", y)
    if mpf_sign(x[1]) < 0:
        raise ParseError(f"{run.source}: a negative number ({about(x)}) to a fractional power is not real")
    if mpf_sign(x[0]) <= 0:
        raise _Unsure(lambda b: f"{_short(base)} is raised to a fractional power, but its sign is not told: it is "
                                f"0, or within {b} of 0", x)
    z = I.mpi_mul(y, I.mpi_log(x, prec), prec)
    _not_huge("exp", ex, z, run)
    return I.mpi_exp(z, prec)


def _divisor(node: Any, x: Interval, run: _Run) -> None:
    if x == _ZERO:
        raise ParseError(f"{run.source}: division by zero ({_short(node)} is 0)")
    if mpf_sign(x[0]) <= 0 <= mpf_sign(x[1]):
        raise _Unsure(lambda b: f"division by zero: {_short(node)} is 0, or within {b} of 0 (not told apart from "
                                f"0 with {FLOAT_DIGITS:,} digits)", x)


def _not_huge(name: str, arg: Any, x: Interval, run: _Run) -> None:
    """exp/sinh/cosh/sin/cos/tan of an argument beyond 2**24 in size: refused if sure, else tried more precisely."""
    lo, hi = mpf_abs(x[0]), mpf_abs(x[1])
    if mpf_lt(_BIG_ARG, lo) and mpf_lt(_BIG_ARG, hi) and mpf_sign(x[0]) == mpf_sign(x[1]):
        raise ParseError(f"{run.source}: {name} of about {about(x)} is out of range (arguments up to 1.6e7)")
    if mpf_lt(_BIG_ARG, lo) or mpf_lt(_BIG_ARG, hi):
        raise _Unsure(lambda b: f"{name}({_short(arg)}): its argument is not known well enough to compute it", x)


# ---- floats and text of interval ends --------------------------------------------------------------------

def to_float(m: tuple) -> float:
    """Correctly rounded float64 of an mpf (int true division rounds correctly, subnormals included)."""
    if m == fzero:
        return 0.0
    if m == finf:
        return math.inf
    if m == fninf:
        return -math.inf
    if m == fnan:
        return math.nan
    s, man, exp, bc = m
    man, mag = int(man), exp + bc
    if mag > 1100:
        v = math.inf
    elif mag < -1100:
        v = 0.0
    else:
        try:
            v = float(man << exp) if exp >= 0 else man / (1 << -exp)
        except OverflowError:
            v = math.inf
    return -v if s else v


def _text(m: tuple) -> str:
    if m in (fzero, finf, fninf, fnan):
        return {fzero: "0", finf: "inf", fninf: "-inf", fnan: "nan"}[m]
    s, man, exp, bc = m
    if abs(exp + bc) > 10**6:
        return f"{'-' if s else ''}10^{int((exp + bc) * math.log10(2)):,}"
    t = to_str(m, 3)
    return t.replace("e+", "e").replace(".0e", "e").removesuffix(".0")


def about(iv: Interval) -> str:
    """The value of a narrow interval to 3 digits."""
    return _text(iv[0] if iv[0] == iv[1] else I.mpi_mid(iv, 64))


def bound(iv: Interval) -> str:
    """max(|lo|, |hi|), for "within 6.5e-903 of 0"."""
    a, b = mpf_abs(iv[0]), mpf_abs(iv[1])
    return _text(b if mpf_lt(a, b) else a)


def about_rational(p: int, q: int) -> str:
    return _text(mpf_div(from_int(p), from_int(q), 64, round_floor))


def _short(v: Any) -> str:
    import sympy
    t = sympy.sstr(v)
    return t if len(t) <= 40 else t[:37] + "..."
