"""Gradient descent on a typed function f(theta) (seed 001):  theta_{k+1} = theta_k - alpha * f'(theta_k).

f is parsed by calc.parse.text; f' = diff(f, theta) comes from SymPy in the time-limited worker (calc.descent.worker),
and f, f' are evaluated in float64 by `evaluate`, a walk over the SymPy tree with the math module (no
lambdify). The iteration stops, naming the step, where f or f' is undefined or a value is not finite.
Convention at the kink of abs: d|theta|/dtheta = sign(theta) with sign(0) = 0 (stated in a note).

    python -m calc descend "theta^2" --start -4 --rate 0.1 --steps 3    # thetas -4, -3.2, -2.56, -2.048
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

from calc.descent import worker
from calc.descent.kernel import DescentError, Undefined, descend_job, evaluate  # noqa: F401
from calc.descent.worker import WorkerError, WorkerTimeout
from calc.parse.text import Expression, Number, ParseError, parse_expression, parse_number

MAX_STEPS = 1000
DEFAULT_DIGITS = 10


@dataclass(frozen=True)
class DescentRow:
    """One step: theta_k, f(theta_k), f'(theta_k), the update written with numbers (LaTeX), theta_{k+1}."""
    k: int
    theta: float
    value: float
    grad: float
    update: str
    next_theta: float


@dataclass(frozen=True)
class DescentResult:
    """thetas[0..N], values[0..N], grads[0..N-1]; N < steps when `stopped` names why the run ended early."""
    text: str
    variable: str
    derivative: str
    f_latex: str
    df_latex: str
    start: float
    rate: float
    steps: int
    thetas: tuple[float, ...]
    values: tuple[float, ...]
    grads: tuple[float, ...]
    notes: tuple[str, ...] = ()
    stopped: str | None = None

    def rows(self, digits: int = DEFAULT_DIGITS) -> list[DescentRow]:
        return [DescentRow(k, self.thetas[k], self.values[k], g, update_latex(self, k, digits), self.thetas[k + 1])
                for k, g in enumerate(self.grads)]

    def json_dict(self, digits: int | None = None) -> dict:
        """{"thetas", "values", "grads"}, full float64 unless digits (significant) is given."""
        r = (lambda x: x) if digits is None else (lambda x: float(f"{x:.{digits}g}"))
        return {"thetas": [r(x) for x in self.thetas], "values": [r(x) for x in self.values],
                "grads": [r(x) for x in self.grads]}


def descend(expr_text: str, start: Any, rate: Any, steps: Any, variable: str = "theta",
            timeout: float = 2.0) -> DescentResult:
    """Run `steps` updates theta <- theta - rate * f'(theta) from `start` (numbers or cell text).

    Raises ParseError (a refused input, its field named) or DescentError (refused at the start, or the SymPy
    worker timed out, died or failed: the message names f and says what happened); never WorkerError."""
    f = parse_expression(expr_text, variable)
    t0, a, n = _number(start, "--start"), _number(rate, "--rate"), _count(steps, "--steps", MAX_STEPS)
    try:
        out = worker.run("descend", {"text": f.text, "variable": variable, "start": t0, "rate": a, "steps": n},
                         timeout)
    except WorkerTimeout as e:   # the worker was killed and restarted; say which input and what to do
        raise DescentError(f"f({variable}) = {f.text}: the descent {e}, or fewer steps") from None
    except WorkerError as e:     # the worker died (killed, out of memory) or the job failed inside it
        raise DescentError(f"f({variable}) = {f.text}: the descent could not be computed: {e}") from None
    if "error" in out:
        raise DescentError(out["error"])
    notes = ([f.note] if f.note else []) + out["notes"]
    if a == 0:
        notes.append("the learning rate is 0: theta never changes")
    elif a < 0:
        notes.append("the learning rate is negative: this climbs (gradient ascent)")
    return DescentResult(f.text, variable, out["df_text"], out["f_latex"], out["df_latex"], t0, a, n,
                         tuple(out["thetas"]), tuple(out["values"]), tuple(out["grads"]), tuple(notes), out["stopped"])


def _number(v: Any, field: str) -> float:
    if isinstance(v, Number):
        return v.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not math.isfinite(v):
            raise DescentError(f"{field}: {v} is not a finite number")
        return float(v)
    try:
        return parse_number(v, field).value
    except ParseError as e:
        raise ParseError(f"{field}: {e}") from None


def _count(v: Any, field: str, cap: int, low: int = 0) -> int:
    if isinstance(v, str) and re.fullmatch(r"[0-9]{1,6}", v.strip(" ")):
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= cap:
        raise DescentError(f"{field}: expected a whole number from {low} to {cap}, got {v!r}")
    return v


def _num(x: float, digits: int, paren: bool = False) -> str:
    """A float as LaTeX with `digits` significant digits: 1e+20 -> 1 \\times 10^{20}; (-8) when paren."""
    t = f"{x:.{digits}g}"
    if "e" in t:
        m, ex = t.split("e")
        t = f"{m} \\times 10^{{{int(ex)}}}"
    return f"({t})" if paren and x < 0 else t


def update_latex(r: DescentResult, k: int, digits: int = DEFAULT_DIGITS) -> str:
    """\\theta_1 = -4 - 0.1 \\cdot (-8) = -3.2"""
    v = "\\" + r.variable if r.variable in ("theta", "alpha", "beta", "gamma", "phi", "psi", "omega") else r.variable
    sub = str(k + 1) if k + 1 < 10 else f"{{{k + 1}}}"
    return (f"{v}_{sub} = {_num(r.thetas[k], digits)} - {_num(r.rate, digits, True)} \\cdot "
            f"{_num(r.grads[k], digits, True)} = {_num(r.thetas[k + 1], digits)}")


def to_markdown(r: DescentResult, digits: int = DEFAULT_DIGITS) -> str:
    """The descent as a Markdown table: k, theta_k, f(theta_k), f'(theta_k), the update, theta_{k+1}."""
    v, g = r.variable, (lambda x: f"{x:.{digits}g}")
    lines = [f"Gradient descent on f({v}) = `{r.text}`, f'({v}) = `{r.derivative}`", "",
             f"{v}_0 = {g(r.start)}, learning rate {g(r.rate)}, {r.steps} steps", "",
             f"| k | {v}_k | f({v}_k) | f'({v}_k) | update | {v}_k+1 |", "|---:|---:|---:|---:|:---|---:|"]
    lines += [f"| {w.k} | {g(w.theta)} | {g(w.value)} | {g(w.grad)} | ${w.update}$ | {g(w.next_theta)} |"
              for w in r.rows(digits)]
    n = len(r.grads)
    lines.append(f"| {n} | {g(r.thetas[n])} | {g(r.values[n])} |  |  |  |")
    lines += [""] + [f"- note: {t}" for t in r.notes] if r.notes else []
    lines += ["", f"**Stopped:** {r.stopped}"] if r.stopped else []
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """python -m calc descend EXPR --start T0 --rate A --steps N [--format json|markdown] [--digits D]

    Exit 0 ok; 1 stopped early (the finite part is printed, the reason on stderr); 2 refused input."""
    ap = argparse.ArgumentParser(prog="python -m calc descend", description="gradient descent on f(theta)")
    ap.add_argument("expr", help="f of one variable, e.g. 'theta^2 - 3*theta'")
    ap.add_argument("--start", required=True, help="theta_0")
    ap.add_argument("--rate", required=True, help="learning rate alpha")
    ap.add_argument("--steps", required=True, help=f"number of updates (0-{MAX_STEPS})")
    ap.add_argument("--format", choices=("json", "markdown"), default="markdown")
    ap.add_argument("--digits", default=None, help="significant digits shown (1-17); JSON is full float64 without it")
    ap.add_argument("--variable", default="theta")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    try:
        digits = None if a.digits is None else _count(a.digits, "--digits", 17, 1)
        r = descend(a.expr, a.start, a.rate, a.steps, a.variable)
    except (ParseError, DescentError, WorkerError) as e:
        print(f"descend: {e}", file=sys.stderr)
        return 2
    if a.format == "json":
        print(json.dumps(r.json_dict(digits), allow_nan=False))
    else:
        print(to_markdown(r, digits or DEFAULT_DIGITS))
    if r.stopped:
        print(f"descend: stopped at {r.stopped}", file=sys.stderr)
        return 1
    return 0
