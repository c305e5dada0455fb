"""The numbers of gradient descent on a typed function: f and f' evaluated in float64 by a walk over the SymPy
tree with the math module (no lambdify), and the descent table as a worker job.

    theta_{k+1} = theta_k - alpha * f'(theta_k)
"""
from __future__ import annotations

import math
from typing import Any

from calc.parse.text import Expression

_MATH = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": math.sinh,
         "cosh": math.cosh, "tanh": math.tanh, "atan": math.atan, "Abs": abs}


class DescentError(ValueError):
    """Refused before the first step (undefined or not finite at theta_0, bad option); str() is the message."""


class Undefined(ArithmeticError):
    """f or f' has no real value at this point (log of <= 0, division by zero, sqrt of < 0)."""


def evaluate(e: Any, x: float, seen: set) -> float:
    """float64 value of a SymPy expression of one symbol at x; adds "sign0" to `seen` when sign(0) is used."""
    if e.is_Symbol:
        return x
    if e.is_Number or e.is_NumberSymbol:
        return float(e)
    args = [evaluate(a, x, seen) for a in e.args]
    name = type(e).__name__
    try:
        if name == "Add":
            return math.fsum(args) if all(map(math.isfinite, args)) else sum(args)
        if name == "Mul":
            return math.prod(args)
        if name == "Pow":
            b, y = args
            if b == 0 and y < 0:
                raise Undefined("division by zero")
            if b < 0 and not y.is_integer():
                raise Undefined(f"({b:.6g})^{y:.6g} is not real")
            return math.sqrt(b) if y == 0.5 else b ** int(y) if y.is_integer() and abs(y) < 2**31 else b ** y
        if name == "sign":
            if args[0] == 0:
                seen.add("sign0")
            return float((args[0] > 0) - (args[0] < 0))
        if name == "log" and args[0] <= 0:
            raise Undefined(f"log({args[0]:.6g}) is undefined (log needs a positive argument)")
        if name in _MATH:
            return _MATH[name](args[0])
    except OverflowError:
        return math.inf
    except ZeroDivisionError:
        raise Undefined("division by zero") from None
    raise Undefined(f"{name} cannot be evaluated numerically")


def descend_job(f: Expression, payload: dict) -> dict:
    """Worker job: the descent table as plain lists (runs in calc.descent.worker's process)."""
    import sympy
    df = f.expr.diff(f.symbol)
    start, rate, steps = float(payload["start"]), float(payload["rate"]), int(payload["steps"])
    thetas, values, grads, kinks, stopped = [start], [], [], [], None
    for k in range(steps + 1):
        th, seen, what = thetas[k], set(), "f"
        try:
            if not math.isfinite(th):
                raise Undefined(f"theta_{k} is not finite: the descent diverged (rate {rate:g} is too large)")
            values.append(_finite(evaluate(f.expr, th, seen), f"f(theta_{k})", th, k))
            if k == steps:
                break
            what = "f'"
            grads.append(_finite(evaluate(df, th, seen), f"f'(theta_{k})", th, k))
        except Undefined as u:
            why = str(u) if str(u).startswith(("theta_", "f(", "f'(")) else f"{what} is undefined at theta_{k} = {th:.6g}: {u}"
            if k == 0:
                return {"error": f"at the start (step 0): {why}"}
            stopped = f"step {k}: {why}"
            if what == "f":  # keep the finite part: thetas[0..k-1], values[0..k-1], grads[0..k-2]
                thetas.pop()
                grads.pop()
            break
        if "sign0" in seen:
            kinks.append(str(k))
        thetas.append(th - rate * grads[-1])
    notes = [f"step {', '.join(kinks)}: abs is not differentiable at 0; the convention sign(0) = 0 is used "
             "(the gradient of |u| at u = 0 is taken as 0)"] if kinks else []
    return {"text": f.text, "variable": f.variable, "df_text": sympy.sstr(df), "f_latex": sympy.latex(f.expr),
            "df_latex": sympy.latex(df), "thetas": thetas, "values": values, "grads": grads, "notes": notes,
            "stopped": stopped}


def _finite(v: float, what: str, th: float, k: int) -> float:
    if not math.isfinite(v):
        raise Undefined(f"{what} is not finite in float64 at theta_{k} = {th:.6g} (overflow)")
    return v
