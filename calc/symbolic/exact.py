"""Exact values of every step: the op DAG of calc.worked.solve replayed from the numbers as written.

value(step) = op(values of depends_on), with the given numbers read exactly (calc.parse.text: "0.15" -> 3/20).
Three replays share one definition of each op (calc.symbolic.exact_ops.Replay.op), each in its own arithmetic:
    Fraction  exact while every op is rational (inputs, first-layer nets, updates of rational steps...);
    mpmath    every value at digits + GUARD significant digits (correct to `digits`, not float64 padded);
    SymPy     the exact expression, built on first access of ExactStep.expr, while its tree stays
              within EXPR_CAP nodes (else None): out_h1 = 1/(1 + e^{-151/400}).
Kinks follow PyTorch (relu'(0) = 0, leaky_relu'(0) = elu'(0) = alpha): the branch is taken from the exact
sign of net. 1 - out of a sigmoid/softmax unit is computed from the nets (no cancellation near out = 1).
agree: |exact - numpy| <= 1e-12 max(1, |exact|); saturated steps (value None) are not compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any, Callable

import mpmath
import sympy

from calc.symbolic.exact_ops import Replay, Frac, Irrational, MP, Sym
from calc.parse.text import parse_number

TOL = 1e-12
GUARD = 25          # extra decimal digits carried by the mpmath replay
EXPR_CAP = 40       # largest exact SymPy expression kept (tree size); beyond it ExactStep.expr is None


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
    lv = {st.id: _exact_text(spec.texts.get(st.id), st.value) for st in sol.steps
          if st.kind == "given" and st.value is not None}
    return lv, {l: _exact_text(spec.texts.get(f"alpha.l{l}"), layer.alpha)
                for l, layer in enumerate(spec.layers, start=1)}


def _exact_text(text: str | None, value: float) -> Any:
    """A number as written -> Fraction (rational) or SymPy expression; floats without text via their repr."""
    if text is None:
        return Fraction(repr(float(value)))
    ex = parse_number(text).exact()
    if isinstance(ex, sympy.Rational):
        return Fraction(int(ex.p), int(ex.q))
    return ex


def _size(st, sizes: dict[str, int]) -> int:
    return 1 + sum(sizes.get(d, 1) for d in st.depends_on)


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


@dataclass
class _Run:
    mp: dict[str, Any] = field(default_factory=dict)
    frac: dict[str, Fraction | None] = field(default_factory=dict)
    sym: Callable[[str], Any] | None = None     # step id -> exact SymPy expression (lazy, memoised)


def replay(sol, digits: int = 9) -> _Run:
    """Fraction and mpmath replays over the scalar steps (matrix and summarised loss steps skipped); SymPy lazily."""
    lv, alphas = leaves(sol)
    run = _Run()
    signs: dict[str, bool] = {}
    mp = Replay(sol, MP(digits + GUARD), lv, alphas, signs)
    fr = Replay(sol, Frac(), lv, alphas, signs)
    sizes: dict[str, int] = {}
    for st in sol.steps:
        if st.op == "matrix" or (st.op == "given" and st.id not in lv):
            continue
        if not all(d in mp.v for d in st.depends_on):
            continue
        # Fraction first: exact, and it fixes the sign of a rational net exactly
        q = None
        if all(fr.v.get(d) is not None for d in st.depends_on) and (st.op != "given" or isinstance(lv[st.id], Fraction)):
            try:
                q = fr.op(st)
            except (Irrational, ZeroDivisionError, TypeError):
                q = None
        fr.v[st.id] = q
        x = mp.op(st)
        mp.v[st.id] = x
        if st.op == "affine":
            signs[st.id] = (q > 0) if q is not None else bool(x > 0)
        run.frac[st.id] = q
        run.mp[st.id] = x
        sizes[st.id] = 1 if q is not None or st.op == "given" else _size(st, sizes)
    run.sym = _LazySym(sol, Replay(sol, Sym(), lv, alphas, signs), run.frac, sizes).get
    return run


class _LazySym:
    """Exact SymPy expressions on demand: Rationals where the Fraction replay succeeded, else the op over
    the dependencies' expressions while the tree stays under EXPR_CAP nodes."""

    def __init__(self, sol, R: Replay, frac: dict, sizes: dict[str, int]):
        self.index, self.R, self.frac, self.sizes = sol.index, R, frac, sizes

    def get(self, sid: str) -> Any:
        v = self.R.v
        if sid in v:
            return v[sid]
        q, st = self.frac.get(sid), self.index[sid]
        if q is not None:
            v[sid] = sympy.Rational(q.numerator, q.denominator)
        elif st.op == "given":
            v[sid] = self.R.B.num(self.R.leaves[sid])
        elif self.sizes.get(sid, EXPR_CAP + 1) > EXPR_CAP or st.op in ("recompute", "matrix"):
            v[sid] = None
        elif any(self.get(d) is None for d in st.depends_on):
            v[sid] = None
        else:
            v[sid] = self.R.op(st)
        return v[sid]


def _compare(exact, numeric) -> tuple[bool | None, float | None]:
    if numeric is None or exact is None:
        return None, None
    diff = abs(float(exact - numeric) if not isinstance(exact, Fraction) else float(exact - Fraction(numeric)))
    rel = diff / max(1.0, abs(float(exact)))
    return rel <= TOL, rel


def exact_solution(sol, digits: int = 9) -> dict[str, ExactStep]:
    """step id -> ExactStep for every step; matrix steps compare entry-wise through args.entries."""
    run = replay(sol, digits)
    out: dict[str, ExactStep] = {}
    for st in sol.steps:
        if st.op == "matrix":
            out[st.id] = _matrix(st, out)
            continue
        if st.id not in run.mp:
            out[st.id] = ExactStep(None, None, None, None)     # summarised view: no scalar chain to replay
            continue
        q, x = run.frac[st.id], run.mp[st.id]
        agree, rel = _compare(q if q is not None else x, st.value)
        out[st.id] = ExactStep(None, fmt_exact(q if q is not None else x, digits), agree, rel, x,
                               lazy=lambda sid=st.id: run.sym(sid))
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
