"""Check a student's numbers: judge each against the digits written, find the first wrong step, name the slip.

Verdicts (each value is judged to the digits the student wrote):
    right    the exact value rounded to the digits written (0.3589 and 0.359 for 0.35891648; not 0.3590)
    rounded  right up to rounding, not a mistake: the exact value truncated to the digits written, or the value
             that follows from the student's own rounded earlier values, or from intermediates rounded or
             truncated to k decimals (a hand calculation)
    follows  wrong only because an earlier value the student gave is wrong: it is what their own earlier values
             give, step by step (value = op(the student's values of its dependencies))
    wrong    none of the above; the cause names the slip that reproduces it, if one does (calc.slips)
Integers and fractions (1/3) are read as exact values. The first wrong step is the first "wrong" value in
dependency order (the order of the worked solution).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from calc import slips as sl
from calc.labels import LabelError, LabelIndex, Ref
from calc.parse import ParseError, parse_number
from calc.solve import Solution, solve
from calc.spec import Problem, Spec, SpecError

VERDICTS = ("right", "rounded", "follows", "wrong")
SUMS = ("sum", "mean", "affine", "sumprod")
_PLAIN = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$")


class AnswerError(ValueError):
    """Unusable answers: one located Problem per bad line (CLI: exit 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---- one number as written ----------------------------------------------------------------------
@dataclass(frozen=True)
class Given:
    """A number as the student wrote it: value, the unit of its last digit (None: exact), the digits text."""
    text: str
    value: float
    ulp: float | None
    decimals: int | None            # digits after the point of a plain decimal (no exponent)
    precision: str                  # "4 decimals", "3 significant digits", "exactly"


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
    if m.group(4) is None:
        return Given(raw, num.value, ulp, dec, f"{dec} decimal{'s' if dec != 1 else ''}")
    sig = len((m.group(2) + (m.group(3) or "")).lstrip("0")) or 1
    return Given(raw, num.value, ulp, None, f"{sig} significant digit{'s' if sig != 1 else ''}")


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
        from calc.steps import json_safe
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


def check(spec: Spec, answers, notation: str | None = None) -> Report:
    """Judge every answer ([(line, label, text)] or {label: text}); AnswerError for unusable answers."""
    sol = solve(spec, notation=notation)
    index = LabelIndex(sol.steps, spec, notation)
    entries = resolve_answers(answers, index)
    return _Diagnoser(spec, sol, entries, notation).run()


def _judge_exact(g: Given, v: float) -> tuple[str, str | None, str] | None:
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


class _Diagnoser:
    """Judges entries in dependency order, with every variant evaluated once (cached)."""

    def __init__(self, spec: Spec, sol: Solution, entries: list[Entry], notation: str | None):
        self.spec, self.sol, self.notation = spec, sol, notation
        self.steps = [s for s in sol.steps if s.kind != "matrix"]
        self.ids = [s.id for s in self.steps]
        self.order = {sid: n for n, sid in enumerate(self.ids)}
        self.exact = {s.id: s.value for s in self.steps}
        net = [e for e in entries if e.ref.steps is None]
        self.entries = sorted(net, key=lambda e: self.order[e.ref.step_id])
        self.train_entries = sorted([e for e in entries if e.ref.steps is not None],
                                    key=lambda e: (e.ref.steps, self.order[e.ref.step_id]))
        self.pins = {e.ref.step_id: e.given.value for e in self.entries}
        self.by_id = {e.ref.step_id: e for e in self.entries}
        self._cache: dict = {}
        self._anc: dict[str, set[str]] = {}
        self.verdicts: dict[str, str] = {}
        self._singles = sl.candidates(spec, notation)
        self._pairs: list | None = None

    # -- helpers ----------------------------------------------------------------------------------
    def values(self, cand: sl.Candidate, pinned: bool) -> dict[str, float]:
        key = (id(cand), pinned)
        if key not in self._cache:
            self._cache[key] = (cand, sl.evaluate(self.spec, cand, self.ids, self.pins if pinned else None))
        return self._cache[key][1]

    def ancestors(self, sid: str) -> set[str]:
        if sid not in self._anc:
            out: set[str] = set()
            for d in self.sol.index[sid].depends_on:
                if d in self.order:
                    out.add(d)
                    out |= self.ancestors(d)
            self._anc[sid] = out
        return self._anc[sid]

    def frontier(self, sid: str) -> set[str]:
        """The student's given values that sid's value is computed from directly (not through another one)."""
        out: set[str] = set()
        for d in self.sol.index[sid].depends_on:
            if d in self.by_id:
                out.add(d)
            elif d in self.order:
                out |= self.frontier(d)
        return out

    def label(self, sid: str) -> str:
        return self.sol.index[sid].label

    def pairs(self) -> list:
        if self._pairs is None:
            self._pairs = sl.pairs(self._singles)
        return self._pairs

    # -- the run --------------------------------------------------------------------------------------
    def run(self) -> Report:
        results = [self.judge(e) for e in self.entries]
        results += [self.judge_train(e) for e in self.train_entries]
        first = next((r.label for r in results if r.verdict == "wrong"), None)
        return Report(results, first, self.sol)

    def result(self, e: Entry, expected, verdict, cause, note="", slips=(), reproduced=None) -> Result:
        self.verdicts[e.ref.step_id] = verdict
        return Result(e.label, e.ref.label, e.ref.step_id, e.given.text, expected, verdict, cause, note,
                      list(slips), reproduced)

    def judge(self, e: Entry) -> Result:
        sid, g = e.ref.step_id, e.given
        v = self.exact.get(sid)
        hit = _judge_exact(g, v)
        if hit:
            return self.result(e, v, hit[0], hit[1], hit[2], reproduced=v)
        if self.sol.index[sid].kind == "given":
            t = transposed(g, v)
            why = f"the problem gives {self.label(sid)} = {show(v)}"
            return self.result(e, v, "wrong", why + (f"; two adjacent digits transposed ({t})" if t else ""),
                               slips=["digits_transposed"] if t else [])
        ups = sorted(self.frontier(sid), key=self.order.get)
        if ups:
            pv = self.values(sl.EXACT, True).get(sid)
            how = compare(g, pv)
            if how:
                bad = [u for u in ups if self.verdicts.get(u) in ("wrong", "follows")]
                if bad:
                    yours = ", ".join(f"{self.by_id[u].label} = {self.by_id[u].given.text}" for u in bad[-3:])
                    return self.result(e, v, "follows", f"follows from your {yours} (it is {show(pv)} with your "
                                                         "numbers: not a second mistake)", reproduced=pv)
                used = ", ".join(f"{self.by_id[u].label} = {self.by_id[u].given.text}" for u in ups[-3:])
                return self.result(e, v, "rounded", f"computed from your rounded {used} it is {show(pv)}: "
                                                    "rounding intermediates is not a mistake", reproduced=pv)
        return self.diagnose(e, v)

    def diagnose(self, e: Entry, v: float) -> Result:
        """Tiers, simplest first; a slip is tried on the student's own earlier numbers before on the exact ones."""
        sid, g = e.ref.step_id, e.given
        pinned = self.values(sl.EXACT, True).get(sid)
        # 1. one slip, from the student's own earlier numbers (or from the exact ones, if it keeps their forward pass)
        hit = self._best(self._singles, sid, g)
        if hit:
            return self._slip(e, v, *hit)
        # 2. intermediates rounded or truncated to k decimals: not a mistake
        for k in range(max(1, g.decimals or 1), 13):
            for trunc in (False, True):
                c = self._rounding(k, trunc)
                for pin in (True, False):
                    pv = self.values(c, pin).get(sid)
                    if compare(g, pv) and (pin or self._respects(c, sid)):
                        return self.result(e, v, "rounded", f"{c.text}: it gives {show(pv)}", slips=c.slips,
                                           reproduced=pv)
        # 3. the right value (or what the student's own numbers give) with two adjacent digits transposed
        for bv in (v, pinned):
            t = bv is not None and transposed(g, bv)
            if t:
                return self.result(e, v, "wrong", f"two adjacent digits transposed: {t} written as {g.text}",
                                   slips=["digits_transposed"], reproduced=bv)
        # 4. two slips at once
        hit = self._best(self.pairs(), sid, g)
        if hit:
            return self._slip(e, v, *hit)
        # 5. a slip, and two adjacent digits transposed in the printed number
        for c in self._singles + self.pairs():
            pv = self.values(c, True).get(sid)
            t = pv is not None and transposed(g, pv)
            if t:
                return self.result(e, v, "wrong", f"likely slip: {c.text}, which gives {t}; written with two "
                                                  f"adjacent digits transposed as {g.text}",
                                   slips=list(c.slips) + ["digits_transposed"], reproduced=pv)
        # 6. an addition slip: the terms (the student's own where given) add up to something else
        st = self.sol.index[sid]
        computed = [d for d in st.depends_on if self.sol.index[d].kind != "given"]
        if st.op in SUMS and all(d in self.by_id for d in computed):
            words = "your terms" if computed else "its terms"
            return self.result(e, v, "wrong", f"an addition slip: {words} add up to {show(pinned)}, not {g.text}",
                               slips=["addition"], reproduced=pinned)
        # 7. one digit miscopied from the right value or a slip's value
        for c in [sl.EXACT] + self._singles + self.pairs():
            for pin in (True, False):
                pv = self.values(c, pin).get(sid)
                t = miscopied(g, pv) if pv is not None else None
                if t and (pin or self._respects(c, sid)):
                    pre = "" if c is sl.EXACT else f"likely slip: {c.text}, which gives {show(pv)}; "
                    return self.result(e, v, "wrong", f"{pre}one digit miscopied: {t} written as {g.text}",
                                       slips=list(c.slips) + ["digit_typo"], reproduced=pv)
        return self.result(e, v, "wrong", f"no known slip reproduces {g.text} (the right value is {show(v)})")

    def _best(self, cands, sid: str, g: Given):
        """(candidate, value) reproducing g that explains the most of the student's values, or None."""
        hits = []
        for c in cands:
            for pinned in (True, False):
                pv = self.values(c, pinned).get(sid)
                if compare(g, pv) and (pinned or self._respects(c, sid)):
                    hits.append((c, pv))
                    break
        return max(hits, key=lambda h: self._score(h[0]), default=None)

    def _respects(self, c: sl.Candidate, sid: str) -> bool:
        """A candidate worked from the exact numbers must still give the student's forward-pass values."""
        vals = self.values(c, False)
        return all(compare(self.by_id[u].given, vals.get(u)) for u in self.ancestors(sid)
                   if u in self.by_id and self.sol.index[u].kind in ("forward", "given"))

    def _slip(self, e: Entry, v: float, c: sl.Candidate, pv: float) -> Result:
        return self.result(e, v, "wrong", self._because(c, pv, e.given), slips=c.slips, reproduced=pv)

    def _score(self, c: sl.Candidate) -> int:
        """How many of the student's values this candidate reproduces (the most consistent explanation wins)."""
        vals = self.values(c, True)
        return sum(1 for e in self.entries if compare(e.given, vals.get(e.ref.step_id)))

    def _rounding(self, k: int, trunc: bool) -> sl.Candidate:
        key = ("round", k, trunc)
        if key not in self._cache:
            self._cache[key] = sl.rounding(k, trunc)
        return self._cache[key]

    def _because(self, c: sl.Candidate, pv: float, g: Given) -> str:
        how = compare(g, pv)
        tail = f" (truncated to {g.precision})" if how == "trunc" else ""
        return f"likely slip: {c.text}; that gives {show(pv)}{tail}"

    # -- values after N updates ---------------------------------------------------------------------------
    def judge_train(self, e: Entry) -> Result:
        from calc.train import train
        n, sid, g = e.ref.steps, e.ref.step_id, e.given
        changes = [sl.EXACT] + [c for c in self._singles if not c.switches and not c.layer_changes
                                and c.slips[0] in ("sequential", "simultaneous", "eta_missing", "eta_twice",
                                                   "bias_updated", "bias_not_updated", "log_base", "reduction_samples")]
        snaps = {}
        for c in changes:
            key = ("train", id(c), n)
            if key not in self._cache:
                try:
                    res = train(c.spec(self.spec), n + 1, keep={n - 1, n, n + 1} - {-1})
                except SpecError:
                    res = None
                self._cache[key] = res
            res = self._cache[key]
            if res is None:
                continue
            for k, snap in res.snapshots.items():
                snaps[(id(c), k)] = (c, sl.evaluate(snap, c, [sid]).get(sid))
        v = snaps.get((id(sl.EXACT), n), (None, None))[1]
        hit = _judge_exact(g, v)
        if hit:
            return self.result(e, v, hit[0], hit[1], hit[2], reproduced=v)
        for k in (n - 1, n + 1):
            pv = snaps.get((id(sl.EXACT), k), (None, None))[1]
            if compare(g, pv):
                word = "too few" if k < n else "too many"
                return self.result(e, v, "wrong", f"one update {word}: {show(pv)} is the value after {k:,} updates",
                                   slips=["update_count"], reproduced=pv)
        for (cid, k), (c, pv) in snaps.items():
            if c is not sl.EXACT and compare(g, pv):
                extra = "" if k == n else f", and one update {'too few' if k < n else 'too many'} ({k:,} updates)"
                return self.result(e, v, "wrong", f"likely slip: {c.text}{extra}; that gives {show(pv)}",
                                   slips=list(c.slips) + ([] if k == n else ["update_count"]), reproduced=pv)
        return self.result(e, v, "wrong", f"expected {show(v)} after {n:,} updates; no known slip reproduces {g.text}")


# ---- the command line -------------------------------------------------------------------------------
def render_text(rep: Report) -> str:
    """One line per value: label, the number as written, verdict, and why."""
    rows = []
    w = max([len(r.label) for r in rep.results] + [5])
    g = max([len(r.given) for r in rep.results] + [5])
    for r in rep.results:
        mark = "  <- first wrong step" if r.label == rep.first_wrong else ""
        why = r.cause or r.note
        exp = "" if r.verdict == "right" else f"; expected {show(r.expected)}"
        rows.append(f"{r.label:<{w}}  {r.given:<{g}}  {r.verdict:<7}  {why}{exp}{mark}")
    if rep.first_wrong:
        first = next(r for r in rep.results if r.label == rep.first_wrong)
        rows.append(f"first wrong step: {first.label} ({first.step}); {first.cause}")
    else:
        rows.append("no wrong values" + ("" if rep.ok else " (some follow from others)"))
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    """python -m calc check SPEC ANSWERS [--format text|json] [--notation N]: 0 all right, 1 not, 2 unusable."""
    import argparse
    import json
    import sys

    from calc.spec import load_spec

    class _P(argparse.ArgumentParser):
        def error(self, message):
            print(f"{self.prog}: {message}", file=sys.stderr)
            raise SystemExit(2)

    ap = _P(prog="python -m calc check", description="judge a student's numbers against the worked solution")
    ap.add_argument("spec", help="problem JSON file")
    ap.add_argument("answers", help="answers: one 'label = value' per line, or JSON {label: value}")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        spec = load_spec(a.spec)
    except SpecError as e:
        for p in e.problems:
            print(str(p), file=sys.stderr)
        return 2
    try:
        with open(a.answers, "rb") as fh:
            raw = fh.read(1_000_001)
        if len(raw) > 1_000_000:
            raise AnswerError([Problem("answers", "over the 1,000,000-byte limit")])
        text = raw.decode("utf-8-sig")
        rep = check(spec, parse_answers(text), notation=a.notation)
    except OSError as e:
        print(f"answers: cannot read {a.answers}: {e.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print("answers: not UTF-8 text", file=sys.stderr)
        return 2
    except AnswerError as e:
        for p in e.problems:
            print(str(p), file=sys.stderr)
        return 2
    except SpecError as e:
        for p in e.problems:
            print(str(p), file=sys.stderr)
        return 2
    if not rep.results:
        print("answers: no values given", file=sys.stderr)
        return 2
    if a.format == "json":
        print(json.dumps(rep.to_dict(), allow_nan=False))
    else:
        print(render_text(rep))
    return 0 if rep.ok else 1


# ---- chains side by side ----------------------------------------------------------------------------
def side_by_side(spec: Spec, rep: Report) -> list[dict]:
    """Every scalar step: the correct value, the student's value (if given), the value their own numbers give
    (their chain), and whether this is the first wrong step."""
    sol = rep.solution
    ids = [s.id for s in sol.steps if s.kind not in ("matrix", "given")]
    mine = {r.step_id: r for r in rep.results if not r.label.startswith("train[")}
    theirs = sl.evaluate(spec, sl.EXACT, ids, {sid: read_given(r.given).value for sid, r in mine.items()})
    first = next((r.step_id for r in rep.results if r.label == rep.first_wrong), None)
    rows = []
    for sid in ids:
        r = mine.get(sid)
        rows.append({"step": sol.index[sid].label, "correct": sol.index[sid].value,
                     "your value": r.given if r else "",
                     "your chain": read_given(r.given).value if r else theirs.get(sid),
                     "verdict": r.verdict if r else "", "first wrong": sid == first})
    return rows


def hand_chain(spec: Spec, k: int, truncate: bool = False, notation: str | None = None) -> list[dict]:
    """The exact chain beside the chain with every intermediate rounded (or truncated) to k decimals."""
    sol = solve(spec, notation=notation)
    ids = [s.id for s in sol.steps if s.kind not in ("matrix", "given")]
    rounded = sl.evaluate(spec, sl.rounding(k, truncate), ids)
    return [{"step": sol.index[i].label, "exact": sol.index[i].value, f"{'truncated' if truncate else 'rounded'} "
             f"to {k} decimals": rounded.get(i),
             "difference": None if rounded.get(i) is None or sol.index[i].value is None
             else rounded[i] - sol.index[i].value} for i in ids]
