"""python -m calc figure SPEC --format svg|tikz|dot [--step ID] [--notation N] [--digits N] [--decimals N] [-o FILE]

The network as a computational graph (calc.figure): every unit with net and out, every weight, the biases, the
gradients, and the path of --step (a step id such as gw.l2.i1.u1, or a label such as w5) lit. Values to
--decimals decimals (default 4) or --digits significant digits. Exit 0; 2 for a bad option or problem (one
message per line on stderr, nothing written).
"""
from __future__ import annotations

import argparse
import sys

from calc.jobs.budget import BudgetError
from calc.problem.files import emit, fail
from calc.problem.spec import SpecError, load_spec


class _Parser(argparse.ArgumentParser):
    def error(self, message):                     # usage errors: one line, exit 2, no traceback
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str]) -> int:
    ap = _Parser(prog="python -m calc figure", description="the network as a computational graph")
    ap.add_argument("spec", help="problem JSON file (docs/problem-format.md)")
    ap.add_argument("--format", choices=("svg", "tikz", "dot"), default="svg")
    ap.add_argument("--step", default=None, help="light the path of this step: an id (gw.l2.i1.u1) or a label (w5)")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    ap.add_argument("--digits", type=int, default=None, help="significant digits (1-17) instead of --decimals")
    ap.add_argument("--decimals", type=int, default=4, help="decimals shown (0-12, default 4)")
    ap.add_argument("-o", "--output", default=None, help="write to this file (whole or not at all) instead of stdout")
    a = ap.parse_args(argv)
    if a.digits is not None and not 1 <= a.digits <= 17:
        print("--digits: must be from 1 to 17", file=sys.stderr)
        return 2
    if not 0 <= a.decimals <= 12:
        print("--decimals: must be from 0 to 12", file=sys.stderr)
        return 2
    from calc.figure import build_figure, to_dot, to_svg, to_tikz
    from calc.worked.solve import checked_solve
    try:
        sol = checked_solve(load_spec(a.spec), a.notation)
    except (SpecError, BudgetError) as e:
        return fail(e)
    try:
        fig = build_figure(sol, step=a.step)
    except ValueError as e:
        print(f"--{e}", file=sys.stderr)
        return 2
    text = {"svg": to_svg, "tikz": to_tikz, "dot": to_dot}[a.format](fig, digits=a.digits, decimals=a.decimals)
    return emit(text, a.output)
