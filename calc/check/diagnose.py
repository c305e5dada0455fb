"""The diagnosis: judge answers in dependency order and find the slip that reproduces a wrong number.

Every candidate is the one engine re-run with a switch (calc.check.slips); each variant is evaluated once.
Tiers for a wrong value: one slip (from the student's own earlier numbers), intermediates rounded to k
decimals (not a mistake), adjacent digits transposed, two slips, a slip plus transposed digits, an addition
slip in a sum of terms, one digit miscopied.
"""
from __future__ import annotations

from calc.check import slips as sl
from calc.check.answers import Entry, Given, Report, Result, compare, judge_exact, miscopied, show, transposed
from calc.worked.solve import Solution
from calc.problem.spec import Spec, SpecError

SUMS = ("sum", "mean", "affine", "sumprod")


class Diagnoser:
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
        self.exact_pinned = sl.EXACT_PINNED

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
        hit = judge_exact(g, v)
        if hit:
            return self.result(e, v, hit[0], hit[1], hit[2], reproduced=v)
        if self.sol.index[sid].kind == "given":
            t = transposed(g, v)
            why = f"the problem gives {self.label(sid)} = {show(v)}"
            return self.result(e, v, "wrong", why + (f"; two adjacent digits transposed ({t})" if t else ""),
                               slips=["digits_transposed"] if t else [])
        ups = sorted(self.frontier(sid), key=self.order.get)
        bad = [u for u in ups if self.verdicts.get(u) in ("wrong", "follows")]
        if ups:     # 1. what the student's own earlier numbers give, worked exactly
            pv = self.values(self.exact_pinned, True).get(sid)
            if compare(g, pv):
                return self._from_yours(e, v, pv, ups, bad, "")
        hit = self._hand(sid, g, pinned_ok=bool(ups))     # 2. a hand calculation (not a mistake)
        if hit:
            c, pv, pinned = hit
            if pinned and ups:
                return self._from_yours(e, v, pv, ups, bad, f", worked by {c.text}")
            shown = f"{pv:.{g.decimals}f}" if g.decimals is not None else show(pv)
            return self.result(e, v, "rounded", f"{c.text}: it gives {shown} (rounding intermediates is "
                                                "not a mistake)", slips=c.slips, reproduced=pv)
        return self.diagnose(e, v)

    def _from_yours(self, e: Entry, v, pv, ups: list[str], bad: list[str], how: str) -> Result:
        """A value that the student's own earlier numbers give: follows from a wrong one, else rounded."""
        if bad:
            yours = ", ".join(f"{self.by_id[u].label} = {self.by_id[u].given.text}" for u in bad[-3:])
            return self.result(e, v, "follows", f"follows from your {yours} (it is {show(pv)} with your "
                                                f"numbers{how}: not a second mistake)", reproduced=pv)
        used = ", ".join(f"{self.by_id[u].label} = {self.by_id[u].given.text}" for u in ups[-3:])
        return self.result(e, v, "rounded", f"computed from your rounded {used}{how} it is {show(pv)}: "
                                            "rounding intermediates is not a mistake", reproduced=pv)

    def _hand(self, sid: str, g: Given, pinned_ok: bool):
        """(candidate, value, pinned?) of the first hand calculation that gives g: rounded or truncated to k
        decimals or k significant digits, k from the digits written (at least 2) to 9; the student's own earlier
        numbers first."""
        for c in self.hand_candidates(g):
            for pin in ((True, False) if pinned_ok else (False,)):
                pv = self.values(c, pin).get(sid)
                if compare(g, pv):
                    return c, pv, pin
        return None

    def hand_candidates(self, g: Given) -> list:
        sig = g.sig_digits or 2
        dec = g.decimals if g.decimals is not None else 2
        out = []
        for unit, lo in (("decimals", max(2, dec)), ("digits", max(2, sig))):
            for k in range(lo, 10):
                for trunc in (True, False):
                    for style in ("op", "step", "calculator"):
                        key = ("hand", k, trunc, unit, style)
                        if key not in self._cache:
                            self._cache[key] = sl.rounding(k, trunc, unit, style)
                        out.append(self._cache[key])
        return out

    def diagnose(self, e: Entry, v: float) -> Result:
        """Tiers, simplest first; a slip is tried on the student's own earlier numbers before on the exact ones."""
        sid, g = e.ref.step_id, e.given
        pinned = self.values(sl.EXACT, True).get(sid)
        # 1. one slip, from the student's own earlier numbers (or from the exact ones, if it keeps their forward pass)
        hit = self._best(self._singles, sid, g)
        if hit:
            return self._slip(e, v, *hit)
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

    def _because(self, c: sl.Candidate, pv: float, g: Given) -> str:
        how = compare(g, pv)
        tail = f" (truncated to {g.precision})" if how == "trunc" else ""
        return f"likely slip: {c.text}; that gives {show(pv)}{tail}"

    # -- values after N updates ---------------------------------------------------------------------------
    def judge_train(self, e: Entry) -> Result:
        from calc.train.loop import train
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
        hit = judge_exact(g, v)
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
