"""Arithmetics: the number systems in which the one definition of each formula is evaluated.

A formula (calc.engine.functions) is written once with Python's operators and the functions of an
arithmetic `A` (A.exp, A.log, A.where(A.pos(x), a, b), ...). Values are NumPy arrays, samples x units:
    FLOAT   float64 arrays: the fast numbers every page shows (numerically stable primitives)
    Exact   object arrays of X: a Fraction while every op is rational, an mpmath value at `dps` digits after
            that; kinks are decided on the exact value (0.3*0.6 - 0.2*0.9 is exactly 0)
    Hand    object arrays of H: decimal arithmetic that rounds half up or truncates every result to k decimals
            or k significant digits, as a person with a calculator does
    Sym     object arrays of SymPy expressions: the formulas themselves
    Code    object arrays of Code: Python source text, for generated code and the notebook's cells
Only primitives live here (exp, log, log1p(e^x), a branch, a row max and sum); no activation or loss does.
"""
from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any, Callable

import mpmath
import numpy as np


class Float:
    """float64 NumPy arrays; every primitive in a form that cannot overflow on its own."""
    name = "float64"
    exact = False

    def const(self, q) -> float:
        return float(q)

    def array(self, rows) -> np.ndarray:
        return np.asarray(rows, dtype=np.float64)

    def exp(self, x):
        return np.exp(x)

    def expm1(self, x):
        return np.expm1(x)

    def log(self, x):
        return np.log(x)

    def log1pexp(self, x):
        """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)."""
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    def sigmoid(self, x):
        """1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) otherwise (no overflow, no 0/0)."""
        x = np.asarray(x, dtype=np.float64)
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)                    # e = e^-|x| <= 1
        num = np.maximum(e, x >= 0)         # 1 where x >= 0, else e
        e += 1.0
        return np.divide(num, e, out=num)

    def tanh(self, x):
        return np.tanh(x)

    def atan(self, x):
        return np.arctan(x)

    def sqrt(self, x):
        return np.sqrt(x)

    def pos(self, x):
        return x > 0

    def where(self, c, a, b):
        return np.where(c, a, b)

    def rowmax(self, z):
        return np.max(z, axis=-1, keepdims=True)

    def rowsum(self, z):
        return np.sum(z, axis=-1, keepdims=True)

    def is_zero(self, x):
        return x == 0

    def ln10(self):
        return math.log(10.0)


def _map(f: Callable, *arrays) -> np.ndarray:
    """Elementwise f over object arrays (broadcast)."""
    out = np.frompyfunc(f, len(arrays), 1)(*arrays)
    return out if isinstance(out, np.ndarray) else np.array(out, dtype=object)


class _Objects:
    """Shared plumbing of the arithmetics whose values are Python objects in object arrays."""
    exact = True

    def array(self, rows) -> np.ndarray:
        return _map(self.const, np.asarray(rows, dtype=object))

    def pos(self, x):
        return _map(lambda v: bool(v > 0), x)

    def where(self, c, a, b):
        c, a, b = np.broadcast_arrays(np.asarray(c, dtype=object), np.asarray(a, dtype=object),
                                      np.asarray(b, dtype=object))
        return _map(lambda ci, ai, bi: ai if ci else bi, c, a, b)

    def rowmax(self, z):
        """The softmax shift: 0 where arithmetic cannot overflow (shift invariance is exact)."""
        return self.array(np.zeros(z.shape[:-1] + (1,), dtype=np.int64))

    def rowsum(self, z):
        total = z[..., :1]
        for j in range(1, z.shape[-1]):
            total = total + z[..., j:j + 1]
        return total

    def is_zero(self, x):
        return _map(lambda v: bool(v == 0), x)

    def sigmoid(self, x):
        return 1 / (1 + self.exp(-x))

    def log1pexp(self, x):
        return self.log(1 + self.exp(x))

    def expm1(self, x):
        return self.exp(x) - 1

    def ln10(self):
        return self._ln10()


# ---- exact: Fraction while rational, then mpmath ------------------------------------------------------------
class X:
    """An exact number: `q` a Fraction while every op so far was rational (else None); `m` its mpmath value."""
    __slots__ = ("q", "m", "ctx")

    def __init__(self, q: Fraction | None, m, ctx):
        self.q, self.m, self.ctx = q, m, ctx

    @staticmethod
    def of(v, ctx) -> "X":
        if isinstance(v, X):
            return v
        if isinstance(v, (int, Fraction)):
            q = Fraction(v)
            return X(q, ctx.mpf(q.numerator) / q.denominator, ctx)
        if isinstance(v, float):
            return X.of(Fraction(v), ctx)
        if isinstance(v, Decimal):
            return X.of(Fraction(v), ctx)
        return X(None, ctx.mpf(v), ctx)     # an mpf

    def _bin(self, o, fq, fm):
        if isinstance(o, np.ndarray):
            return NotImplemented
        o = X.of(o, self.ctx)
        if self.q is not None and o.q is not None:
            try:
                q = fq(self.q, o.q)
            except ZeroDivisionError:
                raise
            return X(q, self.ctx.mpf(q.numerator) / q.denominator, self.ctx)
        return X(None, fm(self.m, o.m), self.ctx)

    def __add__(self, o):
        return self._bin(o, lambda a, b: a + b, lambda a, b: a + b)

    def __radd__(self, o):
        return X.of(o, self.ctx) + self

    def __sub__(self, o):
        return self._bin(o, lambda a, b: a - b, lambda a, b: a - b)

    def __rsub__(self, o):
        return X.of(o, self.ctx) - self

    def __mul__(self, o):
        return self._bin(o, lambda a, b: a * b, lambda a, b: a * b)

    def __rmul__(self, o):
        return X.of(o, self.ctx) * self

    def __truediv__(self, o):
        return self._bin(o, lambda a, b: a / b, lambda a, b: a / b)

    def __rtruediv__(self, o):
        return X.of(o, self.ctx) / self

    def __pow__(self, n: int):
        out = X.of(1, self.ctx)
        for _ in range(int(n)):
            out = out * self
        return out

    def __neg__(self):
        return X(None if self.q is None else -self.q, -self.m, self.ctx)

    def _cmp(self, o):
        o = X.of(o, self.ctx)
        if self.q is not None and o.q is not None:
            return (self.q > o.q) - (self.q < o.q)
        return (self.m > o.m) - (self.m < o.m)

    def __gt__(self, o):
        return self._cmp(o) > 0

    def __lt__(self, o):
        return self._cmp(o) < 0

    def __ge__(self, o):
        return self._cmp(o) >= 0

    def __le__(self, o):
        return self._cmp(o) <= 0

    def __eq__(self, o):
        return self._cmp(o) == 0

    def __hash__(self):
        return hash(self.q) if self.q is not None else hash(self.m)

    def __float__(self):
        return float(self.q) if self.q is not None else float(self.m)

    def __repr__(self):
        return f"X({self.q!r})" if self.q is not None else f"X({mpmath.nstr(self.m, 20)})"


class Exact(_Objects):
    """Exact values at `dps` significant digits once irrational: X(Fraction | None, mpf)."""
    name = "exact"

    def __init__(self, dps: int = 50):
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps

    def const(self, q) -> X:
        return X.of(q, self.ctx)

    def _fn(self, f, x, rational=None):
        def one(v):
            v = X.of(v, self.ctx)
            if rational is not None and v.q is not None:
                r = rational(v.q)
                if r is not None:
                    return X.of(r, self.ctx)
            return X(None, f(v.m), self.ctx)
        return _map(one, x)

    def exp(self, x):
        return self._fn(self.ctx.exp, x, lambda q: 1 if q == 0 else None)

    def log(self, x):
        def ln(m):
            if m <= 0:
                raise ValueError("log of a number <= 0")
            return self.ctx.log(m)
        return self._fn(ln, x, lambda q: 0 if q == 1 else None)

    def tanh(self, x):
        return self._fn(self.ctx.tanh, x, lambda q: 0 if q == 0 else None)

    def atan(self, x):
        return self._fn(self.ctx.atan, x, lambda q: 0 if q == 0 else None)

    def sqrt(self, x):
        def rational_root(q):
            if q < 0:
                return None
            a, b = _isqrt_exact(q.numerator), _isqrt_exact(q.denominator)
            return None if a is None or b is None else Fraction(a, b)
        return self._fn(self.ctx.sqrt, x, rational_root)

    def _ln10(self):
        return X(None, self.ctx.log(10), self.ctx)


# ---- hand calculation: decimals rounded or truncated after every op ------------------------------------------
class H:
    """A decimal as a person writes it: every result rounded (half up) or truncated by its Rounding."""
    __slots__ = ("d", "r")

    def __init__(self, d: Decimal, r: "Rounding"):
        self.d, self.r = d, r

    def _o(self, o) -> Decimal:
        if isinstance(o, H):
            return o.d
        if isinstance(o, Fraction):
            return Decimal(o.numerator) / Decimal(o.denominator)
        if isinstance(o, float):
            return Decimal(repr(o))
        return Decimal(o)

    def _new(self, d: Decimal) -> "H":
        return H(self.r.apply(d), self.r)

    def _op(self, o, f):
        if isinstance(o, np.ndarray):
            return NotImplemented
        return self._new(f(self.d, self._o(o)))

    def __add__(self, o):
        return self._op(o, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, o):
        return self._op(o, lambda a, b: a - b)

    def __rsub__(self, o):
        return self._op(o, lambda a, b: b - a)

    def __mul__(self, o):
        return self._op(o, lambda a, b: a * b)

    __rmul__ = __mul__

    def __truediv__(self, o):
        return self._op(o, lambda a, b: a / b)

    def __rtruediv__(self, o):
        return self._op(o, lambda a, b: b / a)

    def __pow__(self, n: int):
        return self._new(self.d ** int(n))

    def __neg__(self):
        return H(-self.d, self.r)

    def __gt__(self, o):
        return self.d > self._o(o)

    def __lt__(self, o):
        return self.d < self._o(o)

    def __ge__(self, o):
        return self.d >= self._o(o)

    def __le__(self, o):
        return self.d <= self._o(o)

    def __eq__(self, o):
        return self.d == self._o(o)

    def __hash__(self):
        return hash(self.d)

    def __float__(self):
        return float(self.d)

    def __repr__(self):
        return f"H({self.d})"


class Rounding:
    """k decimals or k significant digits, rounded half up or truncated (toward zero)."""

    def __init__(self, k: int, mode: str = "round", unit: str = "decimals"):
        if mode not in ("round", "truncate") or unit not in ("decimals", "digits") or not 1 <= k <= 30:
            raise ValueError("rounding: k from 1 to 30, mode round|truncate, unit decimals|digits")
        self.k, self.mode, self.unit = k, mode, unit
        self._how = ROUND_HALF_UP if mode == "round" else ROUND_DOWN

    def apply(self, d: Decimal) -> Decimal:
        if not d.is_finite() or d == 0:
            return d
        if self.unit == "decimals":
            return d.quantize(Decimal(1).scaleb(-self.k), rounding=self._how, context=Context(prec=200))
        exp = d.adjusted() - self.k + 1
        return d.quantize(Decimal(1).scaleb(exp), rounding=self._how, context=Context(prec=200))

    def describe(self) -> str:
        what = "rounded" if self.mode == "round" else "truncated"
        return f"{what} to {self.k} {'decimals' if self.unit == 'decimals' else 'significant digits'}"


class Hand(_Objects):
    """A hand calculation: every +, -, *, / and function-key result rounded (half up) or truncated.

    calculator=True: sigmoid and softplus come from one key (rounded once, not after each inner op).
    per_step=True: only each step's value is rounded (the engine's hook, `round_array`); inside a step the
    calculator keeps 40 digits."""
    name = "hand"

    def __init__(self, rounding: Rounding, calculator: bool = False, per_step: bool = False):
        self.rounding, self.calculator, self.per_step = rounding, calculator, per_step
        self.r = Rounding(30, "round", "digits") if per_step else rounding
        self.mp = mpmath.MPContext()
        self.mp.dps = 40

    def describe(self) -> str:
        how = ", each step's value rounded" if self.per_step else (", sigmoid on a calculator" if self.calculator
                                                                   else "")
        return f"hand calculation, {self.rounding.describe()}{how}"

    def round_array(self, a):
        """Each entry rounded as the calculation's rounding says (the per-step hook)."""
        rr = self.rounding
        return _map(lambda v: H(rr.apply(self.const(v).d), self.r), np.asarray(a, dtype=object))

    def sigmoid(self, x):
        if self.calculator:
            return self._fn(lambda m: 1 / (1 + self.mp.exp(-m)), x)
        return super().sigmoid(x)

    def log1pexp(self, x):
        if self.calculator:
            return self._fn(lambda m: self.mp.log(1 + self.mp.exp(m)), x)
        return super().log1pexp(x)

    def const(self, q) -> H:
        if isinstance(q, H):
            return q
        if isinstance(q, X):
            q = q.q if q.q is not None else Decimal(mpmath.nstr(q.m, 40))
        if isinstance(q, Fraction):
            with localcontext(Context(prec=60)):
                return H(Decimal(q.numerator) / Decimal(q.denominator), self.r)
        if isinstance(q, float):
            return H(Decimal(repr(float(q))), self.r)
        if isinstance(q, Decimal):
            return H(q, self.r)
        if hasattr(q, "_mpf_"):
            return H(Decimal(mpmath.nstr(q, 40, min_fixed=-200, max_fixed=200)), self.r)
        return H(Decimal(q), self.r)

    def _fn(self, f, x):
        def one(v):
            v = self.const(v)
            return H(self.r.apply(Decimal(mpmath.nstr(f(self.mp.mpf(str(v.d))), 40, min_fixed=-200, max_fixed=200))),
                     self.r)
        return _map(one, x)

    def exp(self, x):
        return self._fn(self.mp.exp, x)

    def log(self, x):
        def ln(m):
            if m <= 0:
                raise ValueError("log of a number <= 0")
            return self.mp.log(m)
        return self._fn(ln, x)

    def tanh(self, x):
        return self._fn(self.mp.tanh, x)

    def atan(self, x):
        return self._fn(self.mp.atan, x)

    def sqrt(self, x):
        return self._fn(self.mp.sqrt, x)

    def _ln10(self):
        return self.const(Decimal(mpmath.nstr(self.mp.log(10), 40)))


FLOAT = Float()


def _isqrt_exact(n: int) -> int | None:
    """The integer square root of n when n is a perfect square, else None."""
    import math as _m
    r = _m.isqrt(n)
    return r if r * r == n else None


def to_float(a) -> np.ndarray:
    """Any arithmetic's array -> float64 (X and H through their exact value)."""
    if isinstance(a, np.ndarray) and a.dtype != object:
        return a.astype(np.float64, copy=False)
    return np.asarray(_map(float, np.asarray(a, dtype=object)), dtype=np.float64)


def to_python(v) -> Any:
    """One value of any arithmetic as a Fraction (exact rational), an mpf, a Decimal, or a float."""
    if isinstance(v, X):
        return v.q if v.q is not None else v.m
    if isinstance(v, H):
        return v.d
    return v


# ---- SymPy: closed forms (evaluated) and textbook formulas (unevaluated) --------------------------------------
class S:
    """A SymPy expression under a Sym arithmetic: `e` the expression, or None once it grew past the cap."""
    __slots__ = ("e", "A")

    def __init__(self, e, A: "Sym"):
        self.e, self.A = e, A

    def _op(self, o, f):
        if isinstance(o, np.ndarray):
            return NotImplemented
        o = self.A.const(o)
        if self.e is None or o.e is None:
            return S(None, self.A)
        return self.A.wrap(f(self.e, o.e))

    def __add__(self, o):
        return self._op(o, self.A.add)

    def __radd__(self, o):
        return self._op(o, lambda a, b: self.A.add(b, a))

    def __sub__(self, o):
        return self._op(o, lambda a, b: self.A.add(a, self.A.neg(b)))

    def __rsub__(self, o):
        return self._op(o, lambda a, b: self.A.add(b, self.A.neg(a)))

    def __mul__(self, o):
        return self._op(o, self.A.mul)

    def __rmul__(self, o):
        return self._op(o, lambda a, b: self.A.mul(b, a))

    def __truediv__(self, o):
        return self._op(o, lambda a, b: self.A.mul(a, self.A.inv(b)))

    def __rtruediv__(self, o):
        return self._op(o, lambda a, b: self.A.mul(b, self.A.inv(a)))

    def __pow__(self, n: int):
        return S(None, self.A) if self.e is None else self.A.wrap(self.A.pow(self.e, int(n)))

    def __neg__(self):
        return S(None, self.A) if self.e is None else self.A.wrap(self.A.neg(self.e))

    def __gt__(self, o):
        return self.A.decide(self.e, self.A.const(o).e)

    def __float__(self):
        import sympy
        return float(sympy.N(self.e, 30))

    def __repr__(self):
        return f"S({self.e})"


class Sym(_Objects):
    """SymPy values. formula=True: unevaluated, in the order written (the textbook form of a formula in symbols);
    else evaluated closed forms (out_h1 = 1/(1 + e^{-151/400})) that turn opaque past `cap` tree nodes."""
    name = "sympy"

    def __init__(self, formula: bool = False, cap: int | None = None):
        import sympy
        self.sp, self.formula, self.cap = sympy, formula, cap

    # building blocks: unevaluated in formula mode, with x + 0 = x, x * 1 = x, x * 0 = 0 kept tidy
    def add(self, a, b):
        sp = self.sp
        if self.formula:
            if b == 0:
                return a
            if a == 0:
                return b
            return sp.Add(a, b, evaluate=False)
        return a + b

    def neg(self, a):
        sp = self.sp
        if not self.formula or a.is_Number:
            return -a
        return sp.Mul(sp.Integer(-1), a, evaluate=False)

    def mul(self, a, b):
        sp = self.sp
        if self.formula:
            if a == 0 or b == 0:
                return sp.Integer(0)
            if a == 1:
                return b
            if b == 1:
                return a
            if a == b:
                return sp.Pow(a, 2, evaluate=False)
            return sp.Mul(a, b, evaluate=False)
        return a * b

    def inv(self, a):
        sp = self.sp
        return sp.Pow(a, -1, evaluate=False) if self.formula else 1 / a

    def pow(self, a, n):
        return self.sp.Pow(a, n, evaluate=False) if self.formula else a ** n

    def wrap(self, e) -> S:
        if self.cap is not None and e is not None and self.sp.count_ops(e, visual=False) > self.cap:
            return S(None, self)
        return S(e, self)

    def decide(self, a, b) -> Any:
        """a > b: a Python bool where the numbers decide it, else a SymPy relation (a symbol's sign)."""
        if a is None or b is None:
            raise ArithmeticError("opaque value")
        rel = self.sp.StrictGreaterThan(a, b)
        if rel in (self.sp.true, self.sp.false):
            return bool(rel)
        if (a - b).free_symbols:
            return rel
        return bool(self.sp.N(a - b, 50) > 0)

    def const(self, q) -> S:
        sp = self.sp
        if isinstance(q, S):
            return q
        if isinstance(q, X):
            q = q.q if q.q is not None else q.m
        if isinstance(q, sp.Basic):
            return S(q, self)
        if isinstance(q, (bool, np.bool_)):
            return S(sp.Integer(int(q)), self)
        if isinstance(q, (int, np.integer)):
            return S(sp.Integer(int(q)), self)
        if isinstance(q, Fraction):
            return S(sp.Rational(q.numerator, q.denominator), self)
        if isinstance(q, (float, np.floating)):
            return S(sp.Rational(Fraction(float(q))) if not self.formula else sp.Float(float(q)), self)
        if isinstance(q, Decimal):
            return S(sp.Rational(str(q)), self)
        if hasattr(q, "_mpf_"):
            return S(sp.Float(q), self)
        raise TypeError(f"no SymPy value for {q!r}")

    def symbol(self, name: str) -> S:
        return S(self.sp.Symbol(name), self)

    def _fn(self, f, x):
        def one(v):
            v = self.const(v)
            return S(None, self) if v.e is None else self.wrap(f(v.e))
        return _map(one, x)

    def exp(self, x):
        return self._fn(lambda e: self.sp.exp(e, evaluate=not self.formula), x)

    def log(self, x):
        return self._fn(lambda e: self.sp.log(e, evaluate=not self.formula), x)

    def tanh(self, x):
        return self._fn(self.sp.tanh, x)

    def atan(self, x):
        return self._fn(self.sp.atan, x)

    def sqrt(self, x):
        return self._fn(lambda e: self.sp.sqrt(e, evaluate=not self.formula), x)

    def pos(self, x):
        return _map(lambda v: self.const(v) > 0, x)

    def where(self, c, a, b):
        sp = self.sp

        def one(ci, ai, bi):
            if isinstance(ci, (bool, np.bool_)):
                return ai if ci else bi
            ai, bi = self.const(ai), self.const(bi)
            if ai.e is None or bi.e is None:
                return S(None, self)
            return self.wrap(sp.Piecewise((ai.e, ci), (bi.e, True)))
        c, a, b = np.broadcast_arrays(np.asarray(c, dtype=object), np.asarray(a, dtype=object),
                                      np.asarray(b, dtype=object))
        return _map(one, c, a, b)

    def is_zero(self, x):
        def one(v):
            v = self.const(v)
            return v.e is not None and v.e.is_Number and v.e == 0
        return _map(one, x)

    def _ln10(self):
        return S(self.sp.log(10, evaluate=not self.formula), self)
