"""python -m calc solve | train | fit | check | check-class | export | figure | descend (see the README for each command's options).

A problem (SPEC) is a JSON file in the format of docs/problem-format.md, which also gives the result contract of
`solve --format json` and `train --format json`; examples in calc/presets/.

Exit status: 0 ok; 1 a result that is not ok (training stopped at a non-finite value, a wrong answer);
2 unusable input (one located message per line on stderr, nothing on stdout).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from calc.jobs import budget
from calc.jobs.budget import BudgetError
from calc.problem.files import emit, fail
from calc.problem.spec import SpecError, load_spec


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one line, no traceback
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def _warn(spec) -> None:
    for w in spec.warnings:
        print(f"warning: {w}", file=sys.stderr)


def cmd_solve(argv: list[str]) -> int:
    ap = _Parser(prog="python -m calc solve", description="one forward and backward pass, worked step by step")
    ap.add_argument("spec", help="problem JSON file (docs/problem-format.md)")
    ap.add_argument("--format", choices=("json", "markdown"), default="markdown")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    ap.add_argument("--digits", type=int, default=9, help="significant digits shown (1-30)")
    ap.add_argument("--exact", action="store_true", help="add exact SymPy values and agreement flags")
    ap.add_argument("-o", "--output", default=None, help="write to this file (whole or not at all) instead of stdout")
    ap.add_argument("--expand", metavar="PARAM", default=None,
                    help="also give dE/dPARAM fully expanded (a weight or bias label such as w1, or an id such as "
                         "w.l1.i1.u1; networks of at most 20 parameters)")
    a = ap.parse_args(argv)
    if not 1 <= a.digits <= 30:
        print("--digits: must be from 1 to 30", file=sys.stderr)
        return 2
    from calc.worked.solve import checked_solve
    try:
        spec = load_spec(a.spec)
        if a.expand:
            budget.expanded(spec).check()
        sol = checked_solve(spec, a.notation, a.digits, a.exact or a.digits > 17)
    except (SpecError, BudgetError) as e:
        return fail(e)
    from calc.export.document import exact_results, exact_view
    try:
        sol = exact_view(sol, a.digits)      # above 17 digits every printed value from exact arithmetic
    except ValueError as e:
        print(f"--{e}", file=sys.stderr)
        return 2
    expanded = None
    if a.expand:
        expanded = _expand(sol, a.expand)
        if isinstance(expanded, str):
            print(f"--expand: {expanded}", file=sys.stderr)
            return 2
    exact = a.exact or a.digits > 17
    if a.format == "json":
        out = sol.to_dict()
        if exact:                            # "exact" and "agree" beside each step (calc.symbolic.exact)
            res = exact_results(sol, a.digits)
            for d in out["steps"]:
                e = res.get(d["id"])
                d["exact"] = None if e is None else e.value_str
                d["agree"] = None if e is None else e.agree
        if expanded:
            out["expanded"] = expanded
        text = json.dumps(out, allow_nan=False)
    else:
        from calc.export.markdown import render
        text = render(sol, digits=a.digits, exact=exact)
        if expanded:
            text += (f"\n\n## {expanded['label']} fully expanded\n\n$$ {expanded['latex']} $$\n\n"
                     f"At the given numbers: {expanded['value']} (expanded) = {expanded['chain']} (chain of factors), "
                     f"relative difference {expanded['rel_diff']:.1e}.")
    return emit(text, a.output)


def _expand(sol, param: str) -> dict | str:
    """The expanded derivative of one weight or bias, or a message saying why not."""
    from calc.worked import ids
    step = sol.index.get(param) or next((s for s in sol.steps if s.kind == "given" and s.label == param), None)
    if step is None or not ids.is_param(step.id):
        names = ", ".join(s.label for s in sol.steps if s.kind == "given" and ids.is_param(s.id))[:300]
        return f"{param!r} is not a weight or bias of this network (labels: {names})"
    from calc.symbolic.expanded import check_expanded, expanded_gradient
    try:
        _, latex = expanded_gradient(sol.spec, step.id)
        value, chain, rel = check_expanded(sol.spec, step.id, digits=min(max(sol.digits, 9), 30))
    except ValueError as e:
        return str(e)
    grad = sol.index[ids.grad(step.id)]
    return {"param": step.id, "label": grad.label, "latex": f"{grad.latex} = {latex}", "value": value,
            "chain": chain, "rel_diff": rel}


def cmd_train(argv: list[str]) -> int:
    ap = _Parser(prog="python -m calc train", description="repeat the update N times")
    ap.add_argument("spec", help="problem JSON file (docs/problem-format.md)")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--shuffle-seed", type=int, default=None)
    ap.add_argument("--format", choices=("json", "markdown"), default="json")
    ap.add_argument("-o", "--output", default=None, help="write to this file (whole or not at all) instead of stdout")
    a = ap.parse_args(argv)
    from calc.train.loop import train
    try:
        spec = load_spec(a.spec)
        budget.train(spec, a.steps, a.batch_size).check()
        res = train(spec, a.steps, a.batch_size, a.shuffle_seed)
    except (SpecError, BudgetError) as e:
        return fail(e)
    if a.format == "json":
        text = json.dumps(res.to_dict(), allow_nan=False)
    else:
        lines = ["| step | loss |", "|---:|---:|"]
        for k, h in enumerate(res.history):
            if k < 10 or k == len(res.history) - 1 or k % max(1, len(res.history) // 20) == 0:
                lines.append(f"| {k} | {h:.10g} |")
        text = "\n".join(lines)
    rc = emit(text, a.output)
    if rc:
        return rc
    if res.stopped:
        print(f"training stopped at {res.stopped}", file=sys.stderr)
        return 1
    return 0


def _delegate(module: str, argv: list[str]) -> int:
    return int(importlib.import_module(module).main(argv) or 0)


COMMANDS = {
    "solve": cmd_solve,
    "train": cmd_train,
    "check": lambda argv: _delegate("calc.check.check", argv),
    "check-class": lambda argv: _delegate("calc.check.klass", argv),
    "export": lambda argv: _delegate("calc.export.cli", argv),
    "descend": lambda argv: _delegate("calc.descent.descend", argv),
    "fit": lambda argv: _delegate("calc.train.fit", argv),
    "figure": lambda argv: _delegate("calc.figure.cli", argv),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        sys.exit(0)
    except OSError as e:     # stdout on a full disk (> /dev/full) and the like: one line, no traceback
        print(f"stdout: not written ({e.strerror or e})", file=sys.stderr)
        sys.exit(2)
