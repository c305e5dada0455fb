"""python -m calc export: a problem (or a generated exercise) printed as markdown, marp, latex, beamer,
notebook or csv; --worksheet / --answer-key; --variants N writes a class set to a folder or a .zip.

    python -m calc export SPEC --format latex [-o FILE] [--digits N | --decimals N] [--notation mazur|layer|hagan]
        [--no-symbolic] [--exact] [--steps w5,w1] [--worksheet | --answer-key] [--no-matrix] [--deck full|lecture]
    python -m calc export --generate 2-2-2 --activations sigmoid,sigmoid --loss half_sse --seed 7
        [--learning-rate 0.5] [--weight-decimals 2] [--bias shared|unit|none] --format latex [-o FILE]
    python -m calc export (SPEC | --generate ...) --variants N --format latex -o DIR_OR_ZIP
        (with SPEC, the variants take its architecture, activations and loss; seeds seed..seed+N-1)
    python -m calc export (SPEC | --generate ...) --format moodle|gift|qti [--round N] [--variants N] [-o FILE]
        (an LMS quiz of the worksheet's blanks; a class set is one file, a category or assessment per seed)
Exit status 0 written; 2 bad options or an invalid problem (a message on stderr, nothing written).
"""
from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

from calc.export import ALIASES, FORMATS, export
from calc.export import LMS
from calc.worked.steps import MAX_DECIMALS
from calc.jobs import budget
from calc.problem.files import WriteError, fail, write_atomic
from calc.export.document import Options
from calc.problem.spec import SpecError, load_spec


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m calc export", description=__doc__.split("\n")[0])
    ap.add_argument("spec", nargs="?", help="problem JSON file (omit with --generate)")
    ap.add_argument("--format", choices=tuple(FORMATS) + tuple(ALIASES) + LMS, default="markdown")
    ap.add_argument("-o", "--output", help="file (one document) or folder / .zip (with --variants)")
    ap.add_argument("--digits", type=int, default=None, help="significant digits shown (1-30)")
    ap.add_argument("--decimals", type=int, default=None,
                    help=f"fixed decimals shown in place of significant digits (0-{MAX_DECIMALS}), as Mazur prints")
    ap.add_argument("--deck", choices=("full", "lecture"), default="full",
                    help="beamer: one frame per step (full) or one frame per phase with overlays (lecture)")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    ap.add_argument("--no-symbolic", action="store_true", help="numbers only, no general formulas")
    ap.add_argument("--exact", action="store_true", help="add exact values (when calc.symbolic.formulas is present)")
    ap.add_argument("--steps", default="", help="labels or ids worked in full, e.g. w5,w1 (the rest as a table)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--worksheet", action="store_true", help="blanks in place of the values")
    mode.add_argument("--answer-key", action="store_true", help="the worksheet's key")
    ap.add_argument("--no-matrix", action="store_true", help="leave out the matrix view")
    ap.add_argument("--generate", metavar="ARCH", help="draw an exercise for sizes like 2-2-2 instead of SPEC")
    ap.add_argument("--activations", default="sigmoid", help="one per layer, comma-separated (or one for all)")
    ap.add_argument("--loss", default="half_sse")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--learning-rate", type=float, default=0.5)
    ap.add_argument("--weight-decimals", type=int, default=2, choices=(1, 2),
                    help="decimals of the generated exercise's numbers")
    ap.add_argument("--bias", choices=("shared", "unit", "none"), default="shared")
    ap.add_argument("--variants", type=int, default=None, help="N exercises (worksheet + key each) for a class")
    ap.add_argument("--round", type=int, default=4, metavar="N",
                    help="worksheets, keys and LMS quizzes: round every answer to N decimals (1-10, default 4)")
    return ap


def class_set(specs: list, fmt: str, opts: Options) -> dict[str, str]:
    """{file name: text}: per variant a worksheet, an answer key and the problem JSON."""
    from calc.worked.solve import solve
    ext = FORMATS[fmt][1]
    files = {}
    for seed, spec in specs:
        sol = solve(spec)
        stem = f"exercise_seed{seed}"
        files[f"{stem}.{ext}"] = export(sol, fmt, opts, worksheet=True, answer_key=False, seed=seed)
        files[f"{stem}_key.{ext}"] = export(sol, fmt, opts, worksheet=False, answer_key=True, seed=seed)
        files[f"{stem}.json"] = spec.to_json()
    return files


def zip_bytes(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(files.items()):
            z.writestr(name, text)
    return buf.getvalue()


def write_set(files: dict[str, str], target: str) -> None:
    """A class set as one .zip or as files in a folder; each file written whole or not at all."""
    if target.endswith(".zip"):
        write_atomic(target, zip_bytes(files))
        return
    d = Path(target)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(f"{d}: cannot make the folder ({e.strerror or e})") from None
    for name, text in files.items():
        write_atomic(d / name, text)


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if (a.spec is None) == (a.generate is None):
        print("python -m calc export: give a SPEC file or --generate ARCH (one of them)", file=sys.stderr)
        return 2
    if a.digits is not None and not 1 <= a.digits <= 30:
        print("--digits: must be from 1 to 30", file=sys.stderr)
        return 2
    if a.decimals is not None and not 0 <= a.decimals <= MAX_DECIMALS:
        print(f"--decimals: must be from 0 to {MAX_DECIMALS}", file=sys.stderr)
        return 2
    a.format = ALIASES.get(a.format, a.format)
    if a.variants is not None and not a.output:
        print("--variants: needs -o DIR or -o FILE.zip", file=sys.stderr)
        return 2
    opts = Options(digits=a.digits, notation=a.notation, symbolic=not a.no_symbolic, exact=a.exact,
                   full=tuple(x.strip() for x in a.steps.split(",") if x.strip()), worksheet=a.worksheet,
                   answer_key=a.answer_key, matrix=not a.no_matrix, decimals=a.decimals, deck=a.deck)
    if not 1 <= a.round <= 10:
        print("--round: must be from 1 to 10 decimals", file=sys.stderr)
        return 2
    opts = Options(**{**opts.__dict__, "answer_decimals": a.round})
    from calc.export import generate as gen
    from calc.worked.solve import solve
    try:
        if a.spec is not None:
            spec = load_spec(a.spec)
            for w in spec.warnings:
                print(f"warning: {w}", file=sys.stderr)
            arch = spec.sizes
            acts = [l.activation for l in spec.layers]
            loss = spec.loss
        else:
            arch, acts, loss = a.generate, a.activations, a.loss
        kw = dict(learning_rate=a.learning_rate, decimals=a.weight_decimals, bias=a.bias)
        if a.spec is not None:
            from calc.worked.solve import estimated_steps, over_caps
            budget.export(spec, 0 if over_caps(spec) else estimated_steps(spec), a.exact or (a.digits or 0) > 17,
                          a.variants or 1).check()
        if a.variants is not None:
            specs = gen.variants(arch, acts, loss, a.seed, a.variants, **kw)
            if a.format in LMS:                  # one quiz file: a category (QTI: an assessment) per seed
                from calc.export import lms
                write_atomic(a.output, lms.class_set(specs, a.format, opts))
                print(f"wrote {a.variants} variant(s) to {a.output}", file=sys.stderr)
                return 0
            write_set(class_set(specs, a.format, opts), a.output)
            print(f"wrote {a.variants} variant(s) to {a.output}", file=sys.stderr)
            return 0
        if a.spec is None:
            spec = gen.generate(arch, acts, loss, a.seed, **kw)
            opts = Options(**{**opts.__dict__, "seed": a.seed})
        text = export(solve(spec, notation=a.notation), a.format, opts)
    except SpecError as e:
        return fail(e)
    except (ValueError, OSError, ArithmeticError) as e:       # BudgetError and WriteError are among these
        print(str(e), file=sys.stderr)
        return 2
    try:
        if a.output:
            write_atomic(a.output, text)
        elif isinstance(text, bytes):             # qti: a zip
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except OSError as e:
        print(str(e) if isinstance(e, WriteError) else f"stdout: not written ({e.strerror or e})", file=sys.stderr)
        return 2
    return 0
