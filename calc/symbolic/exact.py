"""Exact values of every step: the one engine (calc.engine.numeric) run in exact arithmetic on the numbers as written.

    value(step) = the same forward/backward lines as float64, in calc.maths.arith.Exact: the given numbers read
    exactly (calc.parse: "0.15" -> 3/20), Fractions while every op is rational (inputs, first-layer nets, ...),
    mpmath at digits + GUARD significant digits after that (correct to `digits`, not float64 padded);
    expr: the exact SymPy value (calc.maths.arith.Sym), built on first access from one SymPy pass, kept while its
    tree stays within EXPR_CAP operations (else None): out_h1 = 1/(1 + e^{-151/400}).
Kinks follow PyTorch (relu'(0) = 0, leaky_relu'(0) = elu'(0) = alpha) on the exact sign of net.
agree: |exact - numpy| <= 1e-12 max(1, |exact|); saturated steps (value None) are not compared.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any, Callable

import mpmath
import sympy

from calc.engine.numeric import run
from calc.engine.typed import exact_text
from calc.maths.arith import Exact, Sym, X
from calc.worked.lookup import Lookup

TOL = 1e-12
GUARD = 45          # extra decimal digits carried by the exact pass (cancellation near saturation eats some)
EXPR_CAP = 40       # largest exact SymPy expression kept (operations); beyond it ExactStep.expr is None


class ExactStep:
    """One step's exact side: expr (exact SymPy value, built on first access; None when too large),
    value_str (`digits` significant digits; matrix steps: nested lists of strings), agree
    (|exact - numpy| <= 1e-12 max(1, |exact|); None when not compared), rel_diff, mp (mpmath value)."""

    __slots__ = ("_expr", "_lazy", "value_str", "agree", "rel_diff", "mp")

    def __init__(self, expr: Any = None, value_str: Any = None, agree: bool | None = None,
                 rel_diff: float | None = None, mp: Any = None, lazy: Callable[[], Any] | None = None):
        self._expr, self._lazy = expr, lazy
        self.value_str, self.agree, self.rel_diff, self.mp = value_str, agree, rel_diff, mp

    @property
    def expr(self) -> Any:
        if self._lazy is not None:
            self._expr, self._lazy = self._lazy(), None
        return self._expr

    def __repr__(self) -> str:
        return (f"ExactStep(expr={self.expr!r}, value_str={self.value_str!r}, agree={self.agree}, "
                f"rel_diff={self.rel_diff})")


def leaves(sol) -> tuple[dict[str, Any], dict[int, Any]]:
    """Each given step's number as written, exact (Fraction, or a SymPy irrational), and each layer's alpha."""
    spec = sol.spec
    lv = {st.id: exact_text(spec.texts.get(st.id), st.value) for st in sol.steps
          if st.kind == "given" and st.value is not None}
    return lv, {l: exact_text(spec.texts.get(f"alpha.l{l}"), layer.alpha)
                for l, layer in enumerate(spec.layers, start=1)}


def fmt_exact(x, digits: int) -> str:
    """`digits` significant digits of an exact value: a Fraction correctly rounded (half even), an mpf rounded
    once from its binary value (good to digits + GUARD), a SymPy Float from its decimal text; plain decimal
    text, trailing zeros dropped."""
    if x == 0:
        return "0"
    ctx = Context(prec=digits, rounding=ROUND_HALF_EVEN)
    if isinstance(x, Fraction):
        d = Context(prec=digits + 40).divide(Decimal(x.numerator), Decimal(x.denominator))
    elif isinstance(x, sympy.Float):
        d = Decimal(str(x))
    else:
        d = Decimal(mpmath.nstr(x, digits, min_fixed=-mpmath.inf, max_fixed=mpmath.inf, strip_zeros=False))
    return _plain(ctx.plus(d))


def _plain(d: Decimal) -> str:
    """Plain decimal text (0.000438567734, not 4.38567734E-4), trailing zeros dropped."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _exact_pass(sol, digits: int):
    """The engine in exact arithmetic at digits + GUARD, as a Lookup of step values (None for a summarised view)."""
    if sol.summarised:
        return None
    return Lookup(sol.spec, run(sol.spec, A=Exact(digits + GUARD)))


class _LazySym:
    """Exact SymPy values from one SymPy pass of the engine, run on first use (Rationals stay Rationals)."""

    def __init__(self, sol):
        self.sol, self.look = sol, None

    def get(self, sid: str) -> Any:
        if self.look is None:
            try:
                self.look = Lookup(self.sol.spec, run(self.sol.spec, A=Sym(cap=EXPR_CAP)))
            except ArithmeticError:
                self.look = False
        if self.look is False:
            return None
        v = self.look.get(sid)
        return None if v is None or v.e is None else v.e


def _compare(exact: X, numeric) -> tuple[bool | None, float | None]:
    if numeric is None or exact is None:
        return None, None
    diff = abs(float(exact - Fraction(float(numeric))))
    rel = diff / max(1.0, abs(float(exact)))
    return rel <= TOL, rel


def exact_solution(sol, digits: int = 9) -> dict[str, ExactStep]:
    """step id -> ExactStep for every step; matrix steps compare entry-wise through args.entries."""
    look = _exact_pass(sol, digits)
    sym = _LazySym(sol)
    out: dict[str, ExactStep] = {}
    for st in sol.steps:
        if st.op == "matrix":
            out[st.id] = _matrix(st, out)
            continue
        x = None if look is None else look.get(st.id)
        if x is None:
            out[st.id] = ExactStep(None, None, None, None)     # summarised view: no scalar chain
            continue
        agree, rel = _compare(x, st.value)
        q = x.q if x.q is not None else x.m
        out[st.id] = ExactStep(None, fmt_exact(q, digits), agree, rel, x.m, lazy=lambda sid=st.id: sym.get(sid))
    return out


def _matrix(st, done: dict[str, ExactStep]) -> ExactStep:
    grid = st.args.get("entries")
    if not grid:
        return ExactStep(None, None, None, None)
    cells = [[done.get(i) for i in row] for row in grid]
    strs = [[c.value_str if c else None for c in row] for row in cells]
    if isinstance(st.value, list) and st.value and not isinstance(st.value[0], list):
        strs = [x for row in strs for x in row]        # a bias gradient: a flat list, like the step's value
    flags = [c.agree for row in cells for c in row if c is not None and c.agree is not None]
    rels = [c.rel_diff for row in cells for c in row if c is not None and c.rel_diff is not None]
    return ExactStep(None, strs, all(flags) if flags else None, max(rels) if rels else None)


def show(sol, step_id: str, digits: int = 9) -> str:
    """The value of one step to `digits` significant digits, computed at that precision."""
    if not 1 <= digits <= 30:
        raise ValueError("digits: must be from 1 to 30")
    res = exact_solution(sol, digits)
    if step_id not in res:
        raise KeyError(f"no step {step_id!r}")
    v = res[step_id].value_str
    if v is None:
        raise ValueError(f"step {step_id!r} has no exact value (summarised view)")
    return v if isinstance(v, str) else str(v)


def annotate_json(sol, out: dict, digits: int = 9) -> dict:
    """Adds "exact" (`digits` significant digits; nested lists for matrix steps) and "agree" to out["steps"]."""
    res = exact_solution(sol, max(1, min(int(digits), 30)))
    for d in out.get("steps", []):
        e = res.get(d["id"])
        d["exact"] = None if e is None else e.value_str
        d["agree"] = None if e is None else e.agree
    return out
