"""A student's answers: a written number with the precision its digits claim, how it compares with a value
(rounded, truncated, transposed or miscopied digits), the `label = value` lines, and the result records.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from calc.check.labels import LabelError, LabelIndex, Ref
from calc.parse.text import ParseError, parse_number
from calc.worked.solve import Solution
from calc.problem.spec import Problem

VERDICTS = ("right", "rounded", "follows", "wrong")
_PLAIN = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$")


class AnswerError(ValueError):
    """Unusable answers: one located Problem per bad line (CLI: exit 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):                   # pickled whole, from a worker process back to the page
        return self.__class__, (self.problems,)


# ---- one number as written ----------------------------------------------------------------------
@dataclass(frozen=True)
class Given:
    """A number as the student wrote it: value, the unit of its last digit (None: exact), the digits text."""
    text: str
    value: float
    ulp: float | None
    decimals: int | None            # digits after the point of a plain decimal (no exponent)
    precision: str                  # "4 decimals", "3 significant digits", "exactly"
    sig_digits: int | None = None   # significant digits written (None: exact)


def read_given(text: str, where: str = "") -> Given:
    """'0.3590' -> Given(0.359, ulp 1e-4, '4 decimals'); '3/4' -> exact. ParseError names `where`."""
    raw = str(text).strip()
    num = parse_number(raw, where)
    m = _PLAIN.match(num.text)
    if not m or (not m.group(2) and not m.group(3)):
        return Given(raw, num.value, None, None, "exactly")
    dec = len(m.group(3) or "")
    exp = int(m.group(4) or 0)
    if m.group(3) is None and exp == 0:
        return Given(raw, num.value, None, None, "exactly")   # an integer: exact
    ulp = 10.0 ** (exp - dec)
    sig = len((m.group(2) + (m.group(3) or "")).lstrip("0")) or 1
    if m.group(4) is None:
        return Given(raw, num.value, ulp, dec, f"{dec} decimal{'s' if dec != 1 else ''}", sig)
    return Given(raw, num.value, ulp, None, f"{sig} significant digit{'s' if sig != 1 else ''}", sig)


def compare(g: Given, v: float | None) -> str | None:
    """'round' if g is v rounded to the digits written, 'trunc' if only truncated, else None."""
    if v is None or not math.isfinite(v):
        return None
    x = g.value
    if g.ulp is None:
        return "round" if abs(v - x) <= 1e-12 * max(1.0, abs(v)) else None
    eps = 1e-9 * g.ulp + 8 * 2.2e-16 * max(abs(v), abs(x)) + 1e-15   # float noise, never a digit
    if abs(v - x) <= g.ulp / 2 + eps:
        return "round"
    if (x == 0 or (x > 0) == (v > 0)) and abs(x) - eps <= abs(v) < abs(x) + g.ulp - eps:
        return "trunc"
    return None


def show(v: float | None) -> str:
    """A value for messages: 9 significant digits, plain text."""
    if v is None or not math.isfinite(v):
        return "(not finite)"
    return f"{v:.10g}"


def _digits_like(g: Given, v: float) -> list[str]:
    """v written with the student's number of decimals, rounded and truncated (plain decimals only)."""
    if g.decimals is None or not math.isfinite(v) or abs(v) > 1e12:
        return []
    d = g.decimals
    r = f"{abs(v):.{d}f}"
    t = f"{math.trunc(abs(v) * 10 ** d + 1e-9) / 10 ** d:.{d}f}"
    return list(dict.fromkeys([r, t]))


def transposed(g: Given, v: float) -> str | None:
    """The correct digits if g is v with two adjacent digits swapped, else None."""
    mine = g.text.lstrip("+-")
    for ref in _digits_like(g, v):
        a, b = ref.lstrip("0") or "0", mine.lstrip("0") or "0"
        if len(ref) == len(mine):
            a, b = ref, mine
        if len(a) != len(b):
            continue
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]] \
                and a[diff[0]].isdigit() and a[diff[1]].isdigit():
            return ("-" if v < 0 else "") + ref
    return None


def miscopied(g: Given, v: float) -> str | None:
    """The correct digits if g differs from v (to the digits written) in exactly one digit, else None."""
    mine = g.text.lstrip("+-")
    if sum(ch.isdigit() for ch in mine.lstrip("0.")) < 3:
        return None
    for ref in _digits_like(g, v):
        if len(ref) == len(mine) and sum(a != b for a, b in zip(ref, mine)) == 1 and (v < 0) == (g.value < 0):
            return ("-" if v < 0 else "") + ref
    return None


# ---- answers --------------------------------------------------------------------------------------
def parse_answers(text: str) -> list[tuple[int, str, str]]:
    """Pasted text (`label = value` or `label: value` per line; blank lines and # comments ignored) or JSON
    {label: value} -> [(line, label, value text)]. AnswerError names each bad line."""
    stripped = text.strip()
    if stripped.startswith("{"):
        import json
        try:
            d = json.loads(stripped, parse_float=str, parse_int=str)
        except ValueError as e:
            raise AnswerError([Problem("answers", f"not valid JSON: {e}")]) from None
        if not isinstance(d, dict):
            raise AnswerError([Problem("answers", "JSON answers must be an object {label: value}")])
        out = []
        for k, v in d.items():
            if isinstance(v, bool) or not isinstance(v, str):
                raise AnswerError([Problem(str(k), f"not a number: {v!r}")])
            out.append((0, str(k), v))
        return out
    out, problems = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        m = re.match(r"^([^=:]+?)\s*[=:]\s*(.*)$", body)
        if not m or not m.group(2).strip():
            problems.append(Problem(f"line {n}", f"expected 'label = value', got {body!r}"))
            continue
        out.append((n, m.group(1).strip(), m.group(2).strip()))
    if problems:
        raise AnswerError(problems)
    return out


@dataclass
class Entry:
    label: str                      # as the student wrote it
    ref: Ref
    given: Given
    line: int = 0


def resolve_answers(answers, index: LabelIndex) -> list[Entry]:
    """[(line, label, text)] or {label: text} -> Entries; AnswerError lists every unknown label and bad number."""
    if isinstance(answers, dict):
        answers = [(0, k, str(v)) for k, v in answers.items()]
    problems, out, seen = [], [], {}
    for line, label, text in answers:
        where = f"line {line}" if line else label
        try:
            ref = index.resolve(label)
        except LabelError as e:
            problems.append(Problem(where, str(e)))
            continue
        try:
            g = read_given(text, where)
        except ParseError as e:
            problems.append(Problem(where, f"{label}: not a number: {text!r} ({e})"))
            continue
        key = (ref.step_id, ref.steps)
        if key in seen:
            problems.append(Problem(where, f"{label} is given twice (also as {seen[key]})"))
            continue
        seen[key] = label
        out.append(Entry(label.strip(), ref, g, line))
    if problems:
        raise AnswerError(problems)
    return out


# ---- the judgement --------------------------------------------------------------------------------
@dataclass
class Result:
    label: str                      # as the student wrote it
    step: str                       # the solution's label
    step_id: str
    given: str
    expected: float | None
    verdict: str
    cause: str | None
    note: str = ""                  # how a right value matches ("rounded to 4 decimals")
    slips: list[str] = field(default_factory=list)
    reproduced: float | None = None   # the value the diagnosis gives (the student's chain)

    def as_dict(self) -> dict:
        from calc.worked.steps import json_safe
        return {"label": self.label, "given": self.given, "expected": json_safe(self.expected),
                "verdict": self.verdict, "cause": self.cause}


@dataclass
class Report:
    results: list[Result]
    first_wrong: str | None
    solution: Solution

    @property
    def ok(self) -> bool:
        return all(r.verdict in ("right", "rounded") for r in self.results)

    def to_dict(self) -> dict:
        return {"results": [r.as_dict() for r in self.results], "first_wrong": self.first_wrong}


def judge_exact(g: Given, v: float) -> tuple[str, str | None, str] | None:
    """(verdict, cause, note) when g matches the exact value v, else None."""
    how = compare(g, v)
    if how == "round":
        trunc = g.ulp is not None and compare(Given(g.text, g.value, g.ulp, g.decimals, g.precision), v) == "round" \
            and abs(g.value) <= abs(v) < abs(g.value) + g.ulp
        both = " (rounded or truncated: the same digits)" if trunc and abs(v - g.value) > 1e-15 else ""
        return "right", None, (f"rounded to {g.precision}{both}" if g.ulp else "exactly right")
    if how == "trunc":
        r = _digits_like(g, v)
        return ("rounded", f"{show(v)} truncated to {g.precision} (rounded it is {'-' if v < 0 else ''}{r[0]}): "
                           "truncating is not a mistake", "")
    return None
