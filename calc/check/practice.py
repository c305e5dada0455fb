"""Practice mode: the student works the pass step by step, typing each value before it is revealed.

Each answer is judged by the checker (calc.check.diagnose) with the student's earlier answers pinned, so their own
values carry forward as on paper: a value is "follows" when value = op(the student's values of its dependencies)
and one of those was wrong. Written to fewer digits than the chosen hand precision, a value means its zeros
(0.6 at 4 decimals is 0.6000). Verdicts:
    right     the value as a calculator gives it (its last digit at most 1e-8 of max(1, |value|)), or exactly
    rounded   right at the hand precision (0.5933 for 0.593269992 at 4 decimals), or what the student's own
              rounded values give: not a mistake
    follows   wrong only because an earlier value of theirs is wrong
    wrong     the checker's likely slip named
    revealed, skipped   not answered (no point); the value that follows from their numbers carries forward
Score: one point per right, rounded or follows; the first wrong step is kept.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from calc.check import slips as sl
from calc.check.answers import Entry, Given, Result, judge_exact, read_given, show
from calc.check.diagnose import Diagnoser
from calc.check.labels import Ref
from calc.maths.arith import Rounding
from calc.parse.text import ParseError, parse_number
from calc.worked import ids

POINTS = ("right", "rounded", "follows")
PLANS = ("all", "one of each kind", "a weight's chain")
_PLAIN = re.compile(r"^[+-]?(\d*)(?:\.(\d*))?$")


class PracticeError(ValueError):
    """A typed value that cannot be judged; str() names the step."""


@dataclass(frozen=True)
class Precision:
    """The hand precision: k decimals (or k significant digits), rounded half up or truncated."""
    k: int = 4
    unit: str = "decimals"          # "decimals" | "digits"
    truncate: bool = False

    @property
    def rounding(self) -> Rounding:
        return Rounding(self.k, "truncate" if self.truncate else "round", self.unit)

    @property
    def label(self) -> str:
        """'4 decimals, rounded'"""
        unit = "decimals" if self.unit == "decimals" else "significant digits"
        return f"{self.k} {unit}, {'truncated' if self.truncate else 'rounded'}"

    def show(self, v: float | None) -> str:
        """v at this precision, plain text: 0.593269992 -> '0.5933'."""
        if v is None or not math.isfinite(v):
            return "(not finite)"
        return format(self.rounding.apply(Decimal(repr(float(v)))), "f")

    def written(self, text: str, where: str = "") -> str:
        """The typed number as judged: a plain decimal with fewer digits than the precision gets its zeros
        (0.6 -> 0.6000 at 4 decimals); other forms (3/4, 4.39e-4) are judged to their own digits."""
        raw = str(text).strip()
        if not raw:
            raise PracticeError(f"{where}: type a value (or Reveal or Skip)")
        try:
            num = parse_number(raw, where)
        except ParseError as e:
            raise PracticeError(f"{where}: not a number: {raw!r} ({e})") from None
        m = _PLAIN.match(num.text)
        if not m or not (m.group(1) or m.group(2)):
            return num.text
        whole, dec = m.group(1), m.group(2) or ""
        if self.unit == "decimals":
            pad = self.k - len(dec)
        else:
            pad = self.k - (len((whole + dec).lstrip("0")) or 1)
        if pad <= 0:
            return num.text
        return num.text + ("" if "." in num.text else ".") + "0" * pad


@dataclass
class Attempt:
    """One step done: what was typed, as judged (padded), the verdict and why."""
    step_id: str
    label: str
    typed: str
    written: str
    verdict: str                    # right | rounded | follows | wrong | revealed | skipped
    why: str
    expected: float | None
    hinted: bool = False


@dataclass
class PracticeSession:
    """The state of one practice pass: the steps planned (ids, in the worked solution's order), the hand precision,
    the attempts so far and the steps the student asked a hint for. Plain data, no problem inside."""
    plan: list[str]
    precision: Precision = field(default_factory=Precision)
    attempts: list[Attempt] = field(default_factory=list)
    hinted: set[str] = field(default_factory=set)

    @property
    def current(self) -> str | None:
        """The id of the next step to work, None when done."""
        return self.plan[len(self.attempts)] if len(self.attempts) < len(self.plan) else None

    @property
    def done(self) -> bool:
        return self.current is None

    @property
    def answers(self) -> list[tuple[str, str]]:
        """[(step id, the value as judged)] of the steps the student answered."""
        return [(a.step_id, a.written) for a in self.attempts if a.written]

    @property
    def verdicts(self) -> dict[str, str]:
        return {a.step_id: a.verdict for a in self.attempts if a.written}

    @property
    def pins(self) -> dict[str, float]:
        """{step id: the student's value}: what carries forward."""
        return {sid: read_given(text).value for sid, text in self.answers}

    @property
    def score(self) -> tuple[int, int]:
        """(points, steps done): a point for each right, rounded or follows."""
        return sum(a.verdict in POINTS for a in self.attempts), len(self.attempts)

    @property
    def first_wrong(self) -> Attempt | None:
        return next((a for a in self.attempts if a.verdict == "wrong"), None)

    def record(self, step_id: str, label: str, typed: str, written: str, res: Result) -> Attempt:
        """Keep the checker's judgement of the current step (calc.check.diagnose Result) and move on."""
        if step_id != self.current:
            raise PracticeError(f"{label}: not the current step")
        g = read_given(written)
        verdict, why = res.verdict, res.cause or res.note
        if verdict == "right" and res.expected is not None and abs(g.value - res.expected) <= 1e-12 * max(
                1.0, abs(res.expected)):
            why = "exactly right"
        elif verdict == "right" and not full_digits(g, res.expected):
            verdict = "rounded"
            why = (f"{show(res.expected)} {res.note}: right at the hand precision (hand calculation, "
                   f"{self.precision.label}), not a mistake")
        a = Attempt(step_id, label, typed, written, verdict, why, res.expected, step_id in self.hinted)
        self.attempts.append(a)
        return a

    def reveal(self, step_id: str, label: str, expected: float | None, why: str = "") -> Attempt:
        return self._pass(step_id, label, "revealed", expected, why)

    def skip(self, step_id: str, label: str, expected: float | None) -> Attempt:
        return self._pass(step_id, label, "skipped", expected, "")

    def _pass(self, step_id: str, label: str, verdict: str, expected, why: str) -> Attempt:
        if step_id != self.current:
            raise PracticeError(f"{label}: not the current step")
        a = Attempt(step_id, label, "", "", verdict, why, expected, step_id in self.hinted)
        self.attempts.append(a)
        return a


def full_digits(g: Given, v: float | None) -> bool:
    """g carries v as a calculator does (its last digit at most 1e-8 of max(1, |v|): Mazur's printed 0.082167041),
    or is exactly v."""
    if v is None or g.ulp is None or abs(g.value - v) <= 1e-12 * max(1.0, abs(v)):
        return True
    return g.ulp <= 1.0001e-8 * max(1.0, abs(v))


# ---- which steps, in which order ---------------------------------------------------------------------
def workable(sol) -> list:
    """The scalar steps a student works, in the worked solution's order: no given numbers, no matrices, and no
    saturated step (a value that is not a number: the worked solution prints it as "saturated")."""
    return [s for s in sol.steps if s.kind not in ("given", "matrix") and s.value is not None]


def parameters(sol) -> dict[str, str]:
    """{update step id: its parameter's label}: the weights and biases a chain can be asked for (w5, b1)."""
    out = {}
    for s in workable(sol):
        if ids.kind(s.id) in ("nw", "nb"):
            p = sol.index.get(ids.param(s.id))
            out[s.id] = p.label if p is not None else s.label
    return out


def make_plan(sol, mode: str = "all", target: str | None = None) -> list[str]:
    """Step ids to work: every step; the first step of each kind in each layer; or the chain of one update
    (target: its step id, e.g. nw.l2.i1.u1 for w5+): the steps it is computed from, then itself."""
    steps = workable(sol)
    if mode == "all":
        return [s.id for s in steps]
    if mode == "one of each kind":
        seen, out = set(), []
        for s in steps:
            kind, p = ids.parse(s.id)
            if (kind, p.get("l")) not in seen:
                seen.add((kind, p.get("l")))
                out.append(s.id)
        return out
    if mode == "a weight's chain":
        if target not in sol.index:
            raise PracticeError(f"chain: unknown step {target!r}")
        need, todo = {target}, [target]
        while todo:
            for d in sol.index[todo.pop()].depends_on:
                if d not in need and d in sol.index:
                    need.add(d)
                    todo.append(d)
        return [s.id for s in steps if s.id in need]
    raise PracticeError(f"steps: unknown choice {mode!r} (one of: {', '.join(PLANS)})")


# ---- judging, hints, the value revealed --------------------------------------------------------------
def judge(spec, sol, answers: list[tuple[str, str]], verdicts: dict[str, str], notation: str | None = None) -> Result:
    """The checker's verdict on the last of `answers` [(step id, text)], with the earlier ones pinned (the
    student's own values) and their verdicts kept as they were given (as on paper)."""
    entries = [Entry(sol.index[sid].label, Ref(sid, sol.index[sid].label), read_given(text, sol.index[sid].label))
               for sid, text in answers]
    d = Diagnoser(spec, sol, entries, notation)
    d.verdicts.update(verdicts)
    return d.judge(d.by_id[answers[-1][0]])


def judge_json(spec_json: str, notation: str | None, answers: tuple, verdicts: tuple) -> Result:
    """judge() of a canonical JSON problem (picklable: a job for calc.jobs.door)."""
    from calc.problem.spec import parse_json_text, spec_from_dict
    from calc.worked.solve import solve
    spec = spec_from_dict(parse_json_text(spec_json, limit=None))
    return judge(spec, solve(spec, notation=notation), list(answers), dict(verdicts), notation)


def quick(sol, step_id: str, written: str) -> bool:
    """The value is right to the digits written: judged at once, no slip is searched for."""
    return judge_exact(read_given(written), sol.index[step_id].value) is not None


def estimate(spec, quick: bool = False):
    """The cost of one judgement: a right value costs one look; any other value up to a few hundred re-runs of
    the pass (each slip and pair of slips, hand roundings in decimal arithmetic, pinned and not): a worker's job."""
    from calc.jobs.budget import Estimate, pass_work
    work = 10 * pass_work(spec) if quick else 4e5 * pass_work(spec)
    shape = f"{'-'.join(map(str, spec.sizes))} network, {spec.n_samples:,} sample{'s' if spec.n_samples != 1 else ''}"
    return Estimate("practice check", work, shape, "the network or the samples")


def answer(session: PracticeSession, spec, sol, text: str, notation: str | None = None) -> Attempt:
    """Judge `text` as the current step's value and record it (the whole round in one call)."""
    sid = session.current
    if sid is None:
        raise PracticeError("the pass is done: start again")
    label = sol.index[sid].label
    written = session.precision.written(text, label)
    res = judge(spec, sol, session.answers + [(sid, written)], session.verdicts, notation)
    return session.record(sid, label, text.strip(), written, res)


def chain_values(spec, sol, session: PracticeSession) -> dict[str, float]:
    """{step id: value} that follows from the student's own values (theirs where given)."""
    return sl.evaluate(spec, sl.EXACT, [s.id for s in workable(sol)], session.pins)


@dataclass(frozen=True)
class Hint:
    factors: list[tuple[str, str, str]]    # (label, value as text, where from: given | yours | from your numbers)
    latex: str                             # the formula with the student's numbers in ('' if it has none)


def hint(spec, sol, session: PracticeSession, chain: dict[str, float] | None = None) -> Hint:
    """The current step's inputs named with the student's numbers, and its formula with them substituted."""
    sid = session.current
    if sid is None:
        raise PracticeError("the pass is done: no step to hint")
    session.hinted.add(sid)
    chain = chain_values(spec, sol, session) if chain is None else chain
    mine = dict(session.answers)

    def text(d: str) -> str | None:         # into LaTeX: only plain decimals (a typed 3/4 is printed as a number)
        if d in mine:
            return mine[d] if _PLAIN.match(mine[d]) else show(read_given(mine[d]).value)
        return session.precision.show(chain[d]) if d in chain else None

    factors = []
    for d in sol.index[sid].depends_on:
        st = sol.index[d]
        if st.kind == "given":
            factors.append((st.label, st.raw.text or show(st.value), "given"))
        elif d in mine:
            factors.append((st.label, mine[d], "yours"))
        elif d in chain:
            factors.append((st.label, session.precision.show(chain[d]), "from your numbers"))
    return Hint(factors, sol.view(values=text).index[sid].numbers)


def revealed(spec, sol, session: PracticeSession, chain: dict[str, float] | None = None
             ) -> tuple[float | None, float | None]:
    """(the value that follows from the student's numbers, the correct value) of the current step."""
    sid = session.current
    chain = chain_values(spec, sol, session) if chain is None else chain
    return chain.get(sid), sol.index[sid].value


def reveal(session: PracticeSession, spec, sol) -> Attempt:
    """Show the current step's value (what the student's own numbers give, and the correct value if that differs)
    and move on; no point."""
    sid = session.current
    if sid is None:
        raise PracticeError("the pass is done: nothing to reveal")
    mine, correct = revealed(spec, sol, session)
    label = sol.index[sid].label
    why = f"{label} = {session.precision.show(mine)} with your numbers ({show(mine)})"
    if mine is not None and correct is not None and abs(mine - correct) > 1e-12 * max(1.0, abs(correct)):
        why += f"; the correct value is {show(correct)}"
    return session.reveal(sid, label, correct, why)


def skip(session: PracticeSession, sol) -> Attempt:
    sid = session.current
    if sid is None:
        raise PracticeError("the pass is done: nothing to skip")
    return session.skip(sid, sol.index[sid].label, sol.index[sid].value)
