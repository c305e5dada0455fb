"""Class-wide checking: every student's numbers judged by calc.check.check, counted per step, slips grouped.

ANSWERS.csv has a header row: a `student` column, then one column per label or step id (the labels `check`
accepts; an empty cell is a value not given). An optional `seed` column gives each student their own variant
of a generated exercise: the problem is then a Generator (the options of `python -m calc export --generate`)
and each student's problem is generate(..., seed=their seed); with one fixed problem (a SPEC) a `seed` column
is an error.

    check_class(spec_or_generator, rows, notation=None) -> ClassReport
        rows: the CSV (bytes or text), or a list of {column: cell} dicts (the header is the first dict's keys)
    ClassReport.to_dict() == {"students": N, "steps": [{"label", "right", "rounded", "follows", "wrong"}],
                              "slips": [{"cause", "students": [...]}]}
Steps are in the order of the worked solution (values after N updates last); a slip group is a catalogue text
(calc.check.slips.CATALOGUE) of a wrong value's slip, or "no known slip", with the students who made it (in the
file's order), the most common first (ties by the cause's text).

Reading is robust and reports every problem at once (ClassError, one located Problem each): UTF-8 with or
without a BOM, comma, semicolon or tab delimiter sniffed from the header row (with semicolons a decimal comma
0,3589 reads as 0.3589), a header row with a `student` column required, unknown columns listed with a "did you
mean", a bad number named by its row (and student) and column, at most 1,000,000 bytes and 2,000 students.

    python -m calc check-class SPEC ANSWERS.csv [--format json|markdown|csv] [--notation N]
    python -m calc check-class --generate 2-2-2 --activations sigmoid,sigmoid --loss half_sse
        [--learning-rate 0.5] [--weight-decimals 2] [--bias shared|unit|none] [--seed S] ANSWERS.csv [...]
Exit 0 when every answer of every student is right or rounded, 1 otherwise, 2 for unusable input.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Callable

from calc.check.answers import VERDICTS, AnswerError, Result, read_given
from calc.check.labels import LabelError, LabelIndex
from calc.check.slips import BENIGN, CATALOGUE
from calc.parse.text import ParseError
from calc.problem.files import fail
from calc.problem.spec import Problem, Spec, SpecError

MAX_BYTES = 1_000_000
MAX_STUDENTS = 2_000
MAX_MESSAGES = 100
NO_SLIP = "no known slip"
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?[0-9]*,[0-9]+(?:[eE][+-]?[0-9]+)?\s*$")
_SEED = re.compile(r"^\s*\+?([0-9]{1,18})(?:\.0*)?\s*$")


class ClassError(AnswerError):
    """An unusable class file or problem: every located Problem at once (CLI: exit 2, one line each)."""

    def __init__(self, problems: list[Problem]):
        problems = sorted(problems, key=_row_of)          # in the file's order (stable: the header's first)
        if len(problems) > MAX_MESSAGES:
            more = len(problems) - MAX_MESSAGES
            problems = problems[:MAX_MESSAGES] + [Problem("answers", f"... and {more:,} more problems")]
        super().__init__(problems)


def _row_of(p: Problem) -> int:
    m = re.match(r"^row ([0-9]+)", p.field)
    return int(m.group(1)) if m else 0


# ---- the problem: one SPEC, or a generator of variants ----------------------------------------------------------
@dataclass(frozen=True)
class Generator:
    """The options of `python -m calc export --generate`: each student's problem is spec(their seed)."""
    arch: str
    activations: str = "sigmoid"
    loss: str = "half_sse"
    learning_rate: float = 0.5
    decimals: int = 2
    bias: str = "shared"
    seed: int = 0                 # the seed of students without a `seed` column

    def spec(self, seed: int) -> Spec:
        from calc.export.generate import generate
        return generate(self.arch, self.activations, self.loss, seed, learning_rate=self.learning_rate,
                        decimals=self.decimals, bias=self.bias)


# ---- reading ANSWERS.csv ----------------------------------------------------------------------------------------
@dataclass
class Table:
    """The header's cells and the data rows: (row number, cells); the header is row 1, as in a spreadsheet."""
    columns: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str = ","


def _sniff(text: str) -> str:
    """The delimiter of the header row: the most frequent of comma, semicolon and tab outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    bare = re.sub(r'"[^"]*"', "", first)
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_table(data: bytes | str) -> Table:
    """CSV bytes or text -> Table; ClassError for an unreadable file (size, encoding, no header)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if len(data) > MAX_BYTES:
            raise ClassError([Problem("answers", f"{len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            row = data[:e.start].count(b"\n") + 1
            raise ClassError([Problem("answers", f"not UTF-8 text (row {row}, byte {e.start:,}); save the file as "
                                                 "CSV UTF-8")]) from None
    else:
        text = str(data)
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise ClassError([Problem("answers", f"over the {MAX_BYTES:,}-byte limit")])
        text = text.lstrip("\ufeff")
    text = text.replace("\x00", "")
    if not text.strip():
        raise ClassError([Problem("answers", "the file is empty: a header row (student, then one column per label "
                                             "or step id) and one row per student are needed")])
    delim = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, skipinitialspace=False)
    records: list[tuple[int, list[str]]] = []
    n = 0
    try:
        for cells in reader:
            n += 1
            if not any(c.strip() for c in cells):
                continue
            if delim == ";":
                cells = [c.replace(",", ".") if _DECIMAL_COMMA.match(c) else c for c in cells]
            records.append((n, cells))
    except csv.Error as e:
        raise ClassError([Problem(f"row {n + 1}", f"not readable as CSV ({e})")]) from None
    if not records:
        raise ClassError([Problem("answers", "no rows")])
    (_, header), rows = records[0], records[1:]
    return Table([c.strip() for c in header], rows, delim)


def _table_of(rows) -> Table:
    if isinstance(rows, Table):
        return rows
    if isinstance(rows, (bytes, bytearray, memoryview, str)):
        return read_table(rows)
    rows = list(rows)
    if not rows or not isinstance(rows[0], dict):
        raise ClassError([Problem("answers", "expected the CSV text or a list of {column: value} rows")])
    cols: list[str] = []
    for r in rows:
        cols += [str(k) for k in r if str(k) not in cols]
    return Table(cols, [(k + 2, ["" if r.get(c) is None else str(r.get(c)) for c in cols])
                        for k, r in enumerate(rows)])


# ---- the report ---------------------------------------------------------------------------------------------------
@dataclass
class StudentResult:
    """One student's judged values (Results of calc.check.check, in dependency order)."""
    student: str
    row: int
    seed: int | None
    results: list[Result]
    first_wrong: str | None

    @property
    def ok(self) -> bool:
        return all(r.verdict in ("right", "rounded") for r in self.results)

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.results if r.verdict == verdict)

    @property
    def first(self) -> Result | None:
        return next((r for r in self.results if r.label == self.first_wrong and r.verdict == "wrong"), None)


@dataclass
class ClassReport:
    students: list[StudentResult]
    steps: list[dict] = field(default_factory=list)      # [{"label", "right", "rounded", "follows", "wrong"}]
    slips: list[dict] = field(default_factory=list)      # [{"cause", "students": [...]}]
    generated: bool = False                              # each student their own seed's variant

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.students)

    def to_dict(self) -> dict:
        return {"students": len(self.students),
                "steps": [{k: s[k] for k in ("label",) + VERDICTS} for s in self.steps],
                "slips": [{"cause": g["cause"], "students": list(g["students"])} for g in self.slips]}

    def student_rows(self) -> list[dict]:
        """Per student: the counts and the first wrong step (label as written, the solution's label, the cause)."""
        out = []
        for s in self.students:
            f = s.first
            row = {"student": s.student}
            if self.generated:
                row["seed"] = s.seed
            row.update({v: s.count(v) for v in VERDICTS})
            row["first wrong step"] = "" if f is None else (f.label if f.label == f.step else f"{f.label} ({f.step})")
            row["cause"] = "" if f is None else (f.cause or "")
            out.append(row)
        return out


def _causes(r: Result) -> list[str]:
    ids = [s for s in r.slips if s not in BENIGN]
    return list(dict.fromkeys(CATALOGUE.get(s, s) for s in ids)) or [NO_SLIP]


_TRAIN = re.compile(r"^train\[([0-9]+)\]\.")


def summarise(students: list[StudentResult], order: dict[str, int], generated: bool = False) -> ClassReport:
    """Counts per step (in the solution's order) and the slip groups (most common first, ties by cause)."""
    counts: dict[str, dict] = {}
    keys: dict[str, tuple] = {}
    groups: dict[str, list[str]] = {}
    for s in students:
        for r in s.results:
            c = counts.setdefault(r.step, {"label": r.step, **{v: 0 for v in VERDICTS}})
            c[r.verdict] += 1
            m = _TRAIN.match(r.step)
            keys[r.step] = (1, int(m.group(1)), order.get(r.step_id, 10**9)) if m else \
                (0, 0, order.get(r.step_id, 10**9))
            if r.verdict == "wrong":
                for cause in _causes(r):
                    who = groups.setdefault(cause, [])
                    if s.student not in who:
                        who.append(s.student)
    steps = [counts[k] for k in sorted(counts, key=lambda k: (keys[k], k))]
    slips = [{"cause": c, "students": who} for c, who in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return ClassReport(students, steps, slips, generated)


# ---- the check ---------------------------------------------------------------------------------------------------
@dataclass
class _Row:
    n: int                        # the row number in the file (the header is row 1)
    name: str
    seed: int | None
    cells: list[str]


def _where(n: int, student: str) -> str:
    return f"row {n} (student {student!r})" if student else f"row {n}"


def _header(table: Table, generated: bool, problems: list[Problem]) -> tuple[int | None, int | None, set[int]]:
    """(the student column, the seed column, columns named twice); the header's problems appended."""
    cols = table.columns
    low = [c.lower() for c in cols]
    if "student" not in low:
        problems.append(Problem("row 1 (header)", "a header row is required: the first row must name the columns "
                                                  "(student, then one column per label or step id)"
                                if any(_is_number(c) for c in cols) else
                                "no 'student' column: the header must have one (student, then one column per "
                                "label or step id)"))
    st_col = low.index("student") if "student" in low else None
    seed_col = low.index("seed") if "seed" in low else None
    if seed_col is not None and not generated:
        problems.append(Problem("row 1 (header), column 'seed'",
                                "a seed column gives each student their own generated variant, but here every "
                                "student has the same problem: remove the column, or check against the generator "
                                "(python -m calc check-class --generate ARCH --activations ... --loss ... "
                                "ANSWERS.csv)"))
    seen: dict[str, int] = {}
    twice: set[int] = set()
    for k, c in enumerate(cols):
        if not c:
            if any(k < len(cells) and cells[k].strip() for _, cells in table.rows):
                problems.append(Problem(f"row 1 (header), column {k + 1}", "no label for a column that has values"))
        elif c.lower() in seen:
            twice.add(k)
            j = seen[c.lower()]
            problems.append(Problem("row 1 (header)", f"columns {j + 1} ({cols[j]!r}) and {k + 1} ({c!r}) have the "
                                                      "same name"))
        else:
            seen[c.lower()] = k
    return st_col, seed_col, twice


def _students(table: Table, st_col: int | None, seed_col: int | None, gen: Generator | None,
              problems: list[Problem]) -> list[_Row]:
    """Every data row: its student's name and seed; missing, repeated names and bad seeds appended to problems."""
    cols, out, names = table.columns, [], {}
    for n, cells in table.rows:
        if len(cells) > len(cols) and any(c.strip() for c in cells[len(cols):]):
            problems.append(Problem(f"row {n}", f"{len(cells)} cells, but the header names {len(cols)} columns"))
        cells = cells + [""] * (len(cols) - len(cells))
        name = cells[st_col].strip() if st_col is not None else ""
        if st_col is not None and not name:
            problems.append(Problem(f"row {n}", "no student name (column 'student')"))
        elif name in names:
            problems.append(Problem(_where(n, name), f"the same student as row {names[name]}"))
        elif name:
            names[name] = n
        seed = None
        if gen is not None:
            seed = gen.seed if seed_col is None else None
            if seed_col is not None:
                m = _SEED.match(cells[seed_col])
                got = cells[seed_col].strip()
                if m:
                    seed = int(m.group(1))
                else:
                    problems.append(Problem(f"{_where(n, name)}, column 'seed'",
                                            f"not a seed: {got!r} (a whole number >= 0)" if got else
                                            "no seed: every student needs the seed of their variant"))
        out.append(_Row(n, name, seed, cells))
    return out


def _columns(index: LabelIndex, cols: list[str], skip: set[int], generated: bool,
             problems: list[Problem]) -> dict[int, str]:
    """{column: its label} for the label and step id columns; unknown ones in one message with "did you mean"."""
    labels: dict[int, str] = {}
    unknown: list[str] = []
    same: dict[tuple, str] = {}
    for k, c in enumerate(cols):
        if not c or k in skip:
            continue
        try:
            ref = index.resolve(c)
        except LabelError as e:
            hint = f"did you mean {' or '.join(e.suggestions)}?" if e.suggestions else "no close label"
            unknown.append(f"{c!r} ({hint})")
            continue
        key = (ref.step_id, ref.steps)
        if key in same:
            problems.append(Problem("row 1 (header)", f"columns {same[key]!r} and {c!r} are the same step "
                                                      f"({ref.label})"))
            continue
        same[key] = c
        labels[k] = c
    if unknown:
        problems.insert(0, Problem("row 1 (header)", f"unknown column{'s' if len(unknown) > 1 else ''} "
                                                     f"{', '.join(unknown)}; the columns are student"
                                                     f"{', seed' if generated else ''}, then labels or step ids of "
                                                     "the worked solution"))
    return labels


def _answers(rows: list[_Row], labels: dict[int, str], problems: list[Problem]) -> list[list[tuple[int, str, str]]]:
    """Each student's filled cells as check's answers [(0, label, text)]; bad numbers appended to problems."""
    out = []
    for row in rows:
        mine = []
        for k, c in labels.items():
            text = row.cells[k].strip()
            if not text:
                continue
            try:
                read_given(text)
            except ParseError as e:
                problems.append(Problem(f"{_where(row.n, row.name)}, column {c!r}", str(e)))
                continue
            mine.append((0, c, text))
        out.append(mine)
    return out


def check_class(spec_or_generator: Spec | Generator, rows, notation: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> ClassReport:
    """Judge every student with calc.check.check.check; ClassError lists every problem of the file at once.
    progress(done, total) is called after each student."""
    from calc.check.check import check
    from calc.worked import notation as nt
    from calc.worked.solve import solve

    table = _table_of(rows)
    gen = spec_or_generator if isinstance(spec_or_generator, Generator) else None
    problems: list[Problem] = []
    st_col, seed_col, twice = _header(table, gen is not None, problems)
    students = _students(table, st_col, seed_col, gen, problems)
    if len(students) > MAX_STUDENTS:
        raise ClassError(problems + [Problem(f"row {students[MAX_STUDENTS].n}", f"{len(students):,} students is "
                                             f"over the limit of {MAX_STUDENTS:,} per file")])
    if not students:
        problems.append(Problem("answers", "no students: only a header row"))

    # the problems: one spec, or one per seed
    if gen is None:
        first, specs = spec_or_generator, {None: spec_or_generator}
    else:
        seeds = list(dict.fromkeys(r.seed for r in students if r.seed is not None)) or [gen.seed]
        try:
            first = gen.spec(seeds[0])
        except ValueError as e:
            raise ClassError(problems + [Problem("--generate", str(e))]) from None
        specs = {seeds[0]: first}
        for r in students:
            if r.seed is not None and r.seed not in specs:
                try:
                    specs[r.seed] = gen.spec(r.seed)
                except ValueError as e:
                    problems.append(Problem(f"{_where(r.n, r.name)}, column 'seed'", f"seed {r.seed}: {e}"))
    if notation is not None and notation not in nt.available(first):
        raise ClassError(problems + [Problem("--notation", f"{notation} is not available for this network (use "
                                                           f"{' or '.join(nt.available(first))})")])
    sol = solve(first, notation=notation)
    labels = _columns(LabelIndex(sol.steps, first, notation), table.columns, {st_col, seed_col} | twice,
                      gen is not None, problems)
    answers = _answers(students, labels, problems)
    if students and not any(answers) and not problems:
        problems.append(Problem("answers", "no values given: every answer cell is empty"))
    if problems:
        raise ClassError(problems)

    # the judgement (a set of answers seen before is not judged again)
    done: dict[tuple, tuple] = {}
    out: list[StudentResult] = []
    for k, (r, mine) in enumerate(zip(students, answers)):
        key = (r.seed, tuple(mine))
        if key not in done:
            try:
                rep = check(specs[r.seed], mine, notation=notation)
            except (AnswerError, SpecError) as e:
                problems += [Problem(_where(r.n, r.name), p.message) for p in e.problems]
                done[key] = ([], None)
            else:
                done[key] = (rep.results, rep.first_wrong)
        results, fw = done[key]
        out.append(StudentResult(r.name, r.n, r.seed, results, fw))
        if progress is not None:
            progress(k + 1, len(students))
    if problems:
        raise ClassError(problems)
    return summarise(out, {s.id: i for i, s in enumerate(sol.steps)}, generated=gen is not None)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# ---- output ---------------------------------------------------------------------------------------------------------
def render_markdown(rep: ClassReport) -> str:
    """The per-step table, the slip groups and each student's first wrong step (user text escaped)."""
    from calc.export.escape import md_text
    total = {v: sum(s[v] for s in rep.steps) for v in VERDICTS}
    lines = [f"# Class check: {len(rep.students)} student{'s' if len(rep.students) != 1 else ''}", "",
             f"{sum(total.values())} values: " + ", ".join(f"{total[v]} {v}" for v in VERDICTS) + ".", "",
             "| step | right | rounded | follows | wrong |", "|---|---:|---:|---:|---:|"]
    for s in rep.steps:
        lines.append(f"| {md_text(s['label'])} | " + " | ".join(str(s[v]) for v in VERDICTS) + " |")
    lines += ["", "## Slips (most common first)", ""]
    if not rep.slips:
        lines.append("No wrong values.")
    for g in rep.slips:
        n = len(g["students"])
        lines.append(f"- {md_text(g['cause'])} ({n} student{'s' if n != 1 else ''}): "
                     + ", ".join(md_text(x) for x in g["students"]))
    lines += ["", "## Students", ""]
    head = ["student"] + (["seed"] if rep.generated else []) + list(VERDICTS) + ["first wrong step", "cause"]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join("---" if h in ("student", "first wrong step", "cause")
                                                            else "---:" for h in head) + "|"]
    for row in rep.student_rows():
        lines.append("| " + " | ".join(md_text(row[h]) if isinstance(row[h], str) else str(row[h]) for h in head)
                     + " |")
    return "\n".join(lines) + "\n"


def render_csv(rep: ClassReport) -> str:
    """One row per step: label, the four counts, and the students whose first wrong step it is."""
    from calc.export.escape import csv_text
    firsts: dict[str, list[str]] = {}
    for s in rep.students:
        f = s.first
        if f is not None:
            firsts.setdefault(f.step, []).append(s.student)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["label", *VERDICTS, "first wrong for"])
    for s in rep.steps:
        w.writerow([csv_text(s["label"]), *(s[v] for v in VERDICTS),
                    csv_text("; ".join(firsts.get(s["label"], [])))])
    return buf.getvalue()


# ---- the command line ----------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """python -m calc check-class (SPEC | --generate ARCH ...) ANSWERS.csv: 0 all right, 1 not, 2 unusable."""
    import argparse
    import json
    import sys

    from calc.problem.spec import load_spec

    class _P(argparse.ArgumentParser):
        def error(self, message):
            print(f"{self.prog}: {message}", file=sys.stderr)
            raise SystemExit(2)

    ap = _P(prog="python -m calc check-class", usage="python -m calc check-class (SPEC | --generate ARCH "
            "[--activations A] [--loss L] [...]) ANSWERS.csv [--format json|markdown|csv] [--notation N]",
            description="judge a class's numbers (one row per student) against the worked solution")
    ap.add_argument("files", nargs="*", metavar="SPEC ANSWERS.csv",
                    help="the problem JSON file (omit with --generate) and the class's answers (CSV: a student "
                         "column, then one column per label or step id, an optional seed column with --generate)")
    ap.add_argument("--format", choices=("json", "markdown", "csv"), default="markdown")
    ap.add_argument("--notation", choices=("mazur", "layer", "hagan"), default=None)
    ap.add_argument("--generate", metavar="ARCH", help="each student's problem is a generated exercise (sizes like "
                                                       "2-2-2), of the seed in their row's seed column")
    ap.add_argument("--activations", default=None, help="one per layer, comma-separated (or one for all)")
    ap.add_argument("--loss", default=None)
    ap.add_argument("--learning-rate", type=float, default=None)
    ap.add_argument("--weight-decimals", "--decimals", dest="decimals", type=int, choices=(1, 2), default=None,
                    help="decimals of the generated numbers (export's --weight-decimals; --decimals: the old name)")
    ap.add_argument("--bias", choices=("shared", "unit", "none"), default=None)
    ap.add_argument("--seed", type=int, default=None, help="the seed of every student when there is no seed column")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    gen_opts = {"--activations": a.activations, "--loss": a.loss, "--learning-rate": a.learning_rate,
                "--weight-decimals": a.decimals, "--bias": a.bias, "--seed": a.seed}
    if a.generate is None:
        stray = [k for k, v in gen_opts.items() if v is not None]
        if stray:
            print(f"{ap.prog}: {', '.join(stray)} only with --generate ARCH", file=sys.stderr)
            return 2
        if len(a.files) != 2:
            print(f"{ap.prog}: give SPEC and ANSWERS.csv (or --generate ARCH ... ANSWERS.csv)", file=sys.stderr)
            return 2
        try:
            problem: Spec | Generator = load_spec(a.files[0])
        except SpecError as e:
            return fail(e)
        answers_path = a.files[1]
    else:
        if len(a.files) != 1:
            print(f"{ap.prog}: with --generate give only ANSWERS.csv (not a SPEC file too)", file=sys.stderr)
            return 2
        if a.seed is not None and a.seed < 0:
            print("--seed: a whole number >= 0", file=sys.stderr)
            return 2
        problem = Generator(a.generate, a.activations or "sigmoid", a.loss or "half_sse",
                            0.5 if a.learning_rate is None else a.learning_rate, a.decimals or 2, a.bias or "shared",
                            a.seed or 0)
        answers_path = a.files[0]
    try:
        with open(answers_path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as e:
        print(f"answers: cannot read {answers_path}: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        rep = check_class(problem, raw, notation=a.notation)
    except (AnswerError, SpecError) as e:
        return fail(e)
    if a.format == "json":
        text = json.dumps(rep.to_dict(), allow_nan=False) + "\n"
    elif a.format == "csv":
        text = render_csv(rep)
    else:
        text = render_markdown(rep)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as e:
        print(f"stdout: not written ({e.strerror or e})", file=sys.stderr)
        return 2
    return 0 if rep.ok else 1
