"""Check a student's numbers: judge each against the digits written, find the first wrong step, name the slip.

Verdicts (each value is judged to the digits the student wrote):
    right    the exact value rounded to the digits written (0.3589 and 0.359 for 0.35891648; not 0.3590)
    rounded  right up to rounding, not a mistake: the exact value truncated to the digits written, or the value
             that follows from the student's own rounded earlier values, or from intermediates rounded or
             truncated to k decimals (a hand calculation)
    follows  wrong only because an earlier value the student gave is wrong: it is what their own earlier values
             give, step by step (value = op(the student's values of its dependencies))
    wrong    none of the above; the cause names the slip that reproduces it, if one does (calc.check.slips)
Integers and fractions (1/3) are read as exact values. The first wrong step is the first "wrong" value in
dependency order (the order of the worked solution).
"""
from __future__ import annotations

from calc.check import slips as sl
from calc.check.answers import (  # noqa: F401  (Given, compare, show are part of this module's API)
    AnswerError, Given, Report, compare, parse_answers, read_given, resolve_answers, show)
from calc.check.diagnose import Diagnoser
from calc.check.labels import LabelIndex
from calc.worked.solve import solve
from calc.problem.files import fail
from calc.problem.spec import Problem, Spec, SpecError


def check(spec: Spec, answers, notation: str | None = None) -> Report:
    """Judge every answer ([(line, label, text)] or {label: text}); AnswerError for unusable answers."""
    sol = solve(spec, notation=notation)
    index = LabelIndex(sol.steps, spec, notation)
    entries = resolve_answers(answers, index)
    return Diagnoser(spec, sol, entries, notation).run()


def _shown(r) -> str:
    """The label as written; a value given by step id also gets the solution's label: `nw.l2.i1.u1 (w5+)`."""
    def bare(x: str) -> str:
        return x.split("].", 1)[-1].strip() if x.lower().startswith("train") and "]." in x else x.strip()
    written, step = bare(r.label), bare(r.step)
    return f"{r.label} ({step})" if written.lower() == r.step_id.lower() and written != step else r.label


def render_text(rep: Report) -> str:
    """One line per value: label, the number as written, verdict, and why."""
    rows = []
    w = max([len(_shown(r)) for r in rep.results] + [5])
    g = max([len(r.given) for r in rep.results] + [5])
    for r in rep.results:
        mark = "  <- first wrong step" if r.label == rep.first_wrong else ""
        why = r.cause or r.note
        exp = "" if r.verdict == "right" else f"; expected {show(r.expected)}"
        rows.append(f"{_shown(r):<{w}}  {r.given:<{g}}  {r.verdict:<7}  {why}{exp}{mark}")
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

    from calc.problem.spec import load_spec

    class _P(argparse.ArgumentParser):
        def error(self, message):
            print(f"{self.prog}: {message}", file=sys.stderr)
            raise SystemExit(2)

    ap = _P(prog="python -m calc check", description="judge a student's numbers against the worked solution")
    ap.add_argument("spec", help="problem JSON file (docs/problem-format.md)")
    ap.add_argument("answers", help="answers: one 'label = value' per line, or JSON {label: value}; a label may "
                                    "also be a step id (gw.l2.i1.u1, nw.l2.i1.u1; README, \"Step ids\")")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        spec = load_spec(a.spec)
    except SpecError as e:
        return fail(e)
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
    except (AnswerError, SpecError) as e:
        return fail(e)
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


def hand_chain(spec: Spec, k: int, truncate: bool = False, notation: str | None = None, style: str = "step") -> list[dict]:
    """The exact chain beside the chain with every intermediate rounded (or truncated) to k decimals."""
    sol = solve(spec, notation=notation)
    ids = [s.id for s in sol.steps if s.kind not in ("matrix", "given")]
    rounded = sl.evaluate(spec, sl.rounding(k, truncate, "decimals", style), ids)
    return [{"step": sol.index[i].label, "exact": sol.index[i].value, f"{'truncated' if truncate else 'rounded'} "
             f"to {k} decimals": rounded.get(i),
             "difference": None if rounded.get(i) is None or sol.index[i].value is None
             else rounded[i] - sol.index[i].value} for i in ids]
