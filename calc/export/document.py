"""The worked solution as a printable document: sections of Lines, shared by every format's printer.

A Line is one step split for printing, `lhs = formula = numbers = value`, with the chain-rule factors
paired (symbol over number) for aligned printing. Options pick what shows: digits, notation,
general formulas on or off, exact values, which steps are worked in full (the rest go to a table,
as Mazur works w5 and w1 in full), and worksheet blanks in place of every computed value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from calc.maths.functions import LOSSES
from calc.worked import ids
from calc.worked import notation as nt
from calc.worked.solve import Solution
from calc.worked.steps import Step
from calc.worked.template import FLOAT_DIGITS

BLANK = "blank"


@dataclass(frozen=True)
class Options:
    digits: int | None = None            # significant digits shown (None: the solution's own)
    decimals: int | None = None          # fixed decimals shown in place of digits (Mazur prints 0.59326999 at 8)
    notation: str | None = None          # mazur | layer | hagan (None: the solution's own)
    symbolic: bool = True                # show the general formula before the numbers
    exact: bool = False                  # add exact values (calc.symbolic.formulas), where available
    full: tuple[str, ...] = ()           # labels or ids worked in full with their chain; () = every step
    worksheet: bool = False              # blanks in place of computed values (students fill them in)
    answer_key: bool = False             # the worksheet's key: every value, titled "Answer key"
    matrix: bool = True                  # include the matrix view
    seed: int | None = None              # printed on generated exercise sheets
    slides: bool = False                 # markdown only: a Marp deck, one step per slide
    title: str | None = None             # user text (escaped by each printer); default the problem's name
    answer_decimals: int = 4             # worksheets, keys and LMS quizzes: every answer rounded to this many decimals
    deck: str = "full"                   # beamer only: full (a frame per step) or lecture (a frame per phase)

    def merged(self, **kw) -> "Options":
        known = {k: v for k, v in kw.items() if k in self.__dataclass_fields__ and v is not None}
        unknown = set(kw) - set(self.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown export option(s): {', '.join(sorted(unknown))}")
        if isinstance(known.get("full"), str):
            known["full"] = tuple(x.strip() for x in known["full"].split(",") if x.strip())
        return replace(self, **known)


def options(opts: Options | None = None, **kw) -> Options:
    return (opts or Options()).merged(**kw)


@dataclass
class Line:
    step: Step
    lhs: str                              # LaTeX symbol (generated)
    formula: str                          # LaTeX general right-hand side, or ''
    numbers: str                          # LaTeX with the numbers, or ''
    value: str                            # LaTeX value, or BLANK
    exact: str = ""                       # LaTeX exact value, or ''
    factors: list[tuple[str, str]] | None = None   # chain-rule (symbol, number) pairs

    @property
    def blank(self) -> bool:
        return self.value == BLANK


@dataclass
class Section:
    title: str                            # generated text
    lines: list[Line] = field(default_factory=list)   # worked in full
    table: list[Line] = field(default_factory=list)   # the rest: symbol and value


@dataclass
class Document:
    sol: Solution
    opts: Options
    title: str                            # user text: escape when printing
    heading: str                          # generated: "Worksheet", "Answer key" or ""
    summary: str                          # generated: architecture, loss, learning rate
    givens: list[Line]
    sections: list[Section]
    warnings: list[str]                   # may quote user values: escape when printing
    notes: str                            # user text


class ExactValues:
    """A value source for Solution.view: step id -> the exact digits of calc.symbolic.exact.exact_solution
    (`exact`: {id: ExactStep}, computed at `digits`), None where there is none."""

    def __init__(self, exact: dict, digits: int):
        self.exact, self.digits = exact, digits

    def __call__(self, sid: str) -> str | None:
        v = getattr(self.exact.get(sid), "value_str", None)
        return v if isinstance(v, str) else None


def exact_view(sol: Solution, digits: int) -> Solution:
    """`sol` printed to `digits` significant digits. Above 17 (FLOAT_DIGITS) every computed value comes from exact
    arithmetic (calc.symbolic.exact), never from float64 padding; ValueError for a summarised network, which has
    no scalar chain to compute exactly."""
    if digits <= FLOAT_DIGITS:
        return sol.view(digits=digits)
    if isinstance(sol.values, ExactValues) and sol.values.digits == digits == sol.digits:
        return sol
    if sol.summarised:
        raise ValueError(f"digits: {digits} significant digits need exact values, and this network is summarised "
                         f"to the matrix view (no scalar steps to compute exactly); use {FLOAT_DIGITS} digits or "
                         "fewer")
    from calc.symbolic.exact import exact_solution
    return sol.view(digits=digits, values=ExactValues(exact_solution(sol, digits), digits))


def exact_results(sol: Solution, digits: int) -> dict:
    """{step id: ExactStep} at `digits`: those of an exact view when it has them, else computed."""
    if isinstance(sol.values, ExactValues) and sol.values.digits == digits:
        return sol.values.exact
    from calc.symbolic.exact import exact_solution
    return exact_solution(sol, digits)


def prepare(sol: Solution, opts: Options) -> Solution:
    """The solution viewed in the requested notation and digits or decimals (Solution.view: nothing is re-solved);
    above 17 digits with exact values (exact_view)."""
    spec = sol.spec
    name = opts.notation or sol.notation.name
    if name not in nt.available(spec):
        raise ValueError(f"notation: {name!r} is not available for this network; choose one of "
                         f"{', '.join(nt.available(spec))}")
    digits = opts.digits or sol.digits
    if not 1 <= digits <= 30:
        raise ValueError("digits: must be from 1 to 30")
    if opts.decimals is not None:           # fixed decimals: float64 values (at most 15 decimals)
        return sol.view(notation=name, digits=min(digits, FLOAT_DIGITS), decimals=opts.decimals)
    if digits > FLOAT_DIGITS:
        if isinstance(sol.values, ExactValues) and sol.values.digits == digits == sol.digits:
            return sol if name == sol.notation.name else sol.view(notation=name, values=sol.values)
        return exact_view(sol.view(notation=name), digits)
    return sol.view(notation=name, digits=digits)


def split(step: Step) -> tuple[str, str, str]:
    """(formula rhs, numbers rhs, shown value) of a step: its general formula's right-hand side, the formula with
    the numbers in, and the value as printed (the view's parts, never cut out of the printed strings)."""
    return step.rhs, step.numbers, step.shown


def factors(sol: Solution, st: Step) -> list[tuple[str, str]] | None:
    """The chain-rule factors of a product step as (symbol, number) pairs: each factor as the formula writes it
    (dE_o1/dnet_o1 * dnet_o1/dout_h1) over its dependency's number, in order (None unless the step is a product
    of two or more); each dependency's own symbol when the formula's factors do not pair up with them."""
    if st.op != "mul" or len(st.depends_on) < 2:
        return None
    deps = [sol.index[d] for d in st.depends_on]
    syms = [f.strip() for f in top_split(st.rhs, r" \cdot ")]
    if len(syms) != len(deps) or not all(syms):
        syms = [d.latex for d in deps]
    return [(f, d.number) for f, d in zip(syms, deps)]


def top_split(tex: str, sep: str) -> list[str]:
    """Split LaTeX at `sep` outside braces, parentheses and environments."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        if tex.startswith(r"\begin", i):
            depth += 1
        elif tex.startswith(r"\end", i):
            depth -= 1
        ch = tex[i]
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth == 0 and tex.startswith(sep, i):
            parts.append(tex[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(tex[start:])
    return parts


def full_ids(sol: Solution, names: tuple[str, ...]) -> set[str] | None:
    """The steps worked in full: each named step (a weight names its update) and everything it uses."""
    if not names:
        return None
    idx, by_label = sol.index, sol.by_label()
    todo = ["loss"] if "loss" in idx else []   # the total error is always worked
    for n in names:
        st = idx.get(n) or by_label.get(n)
        if st is None:
            raise ValueError(f"steps: no step {n!r} in this solution (use a label such as "
                             f"{next((s.label for s in sol.steps if s.kind == 'update'), 'w1+')} or a step id)")
        if st.kind == "given" and ids.is_param(st.id) and ids.new(st.id) in idx:
            st = idx[ids.new(st.id)]
        todo.append(st.id)
    seen: set[str] = set()
    while todo:
        sid = todo.pop()
        if sid in seen or idx[sid].kind == "given":
            continue
        seen.add(sid)
        todo.extend(idx[sid].depends_on)
    return seen


def section_of(st: Step, n_layers: int) -> str:
    if st.kind == "forward":
        return "Forward pass"
    if st.id == ids.LOSS_AFTER:
        return "After the update"
    if st.kind == "loss":
        return "Loss"
    if st.kind in ("backward", "update"):
        return "Backward pass: output layer" if st.layer == n_layers else f"Backward pass: hidden layer {st.layer}"
    return "Matrix form"


def exact_values(sol: Solution, digits: int) -> tuple[dict[str, str], str]:
    """{step id: LaTeX exact value} from calc.symbolic.exact (those of an exact view when it has them), and a note
    when they are unavailable."""
    try:
        res = exact_results(sol, digits)
    except Exception as e:  # the exact column is optional: degrade to the rounded values
        return {}, f"exact values unavailable ({type(e).__name__})"
    if not isinstance(res, dict):
        return {}, "exact values unavailable (unexpected result)"
    out = {}
    for sid, v in res.items():
        tex = _exact_tex(v)
        if tex:
            out[str(sid)] = tex
    return out, ""


_NUMERIC = re.compile(r"-?[0-9./ ]+(e-?[0-9]+)?\Z")


def _exact_tex(v) -> str:
    """LaTeX of one exact value: a compact closed form (151/400), else its correctly rounded digits."""
    expr, digits = getattr(v, "expr", v), getattr(v, "value_str", None)
    if hasattr(expr, "free_symbols") and len(str(expr)) <= 40:
        import sympy
        return sympy.latex(expr) + r" \quad \text{(exact)}"
    if isinstance(digits, str) and _NUMERIC.match(digits):
        return digits + r" \quad \text{(exact, rounded)}"
    return ""


def build(sol: Solution, opts: Options) -> Document:
    sol = prepare(sol, opts)
    spec = sol.spec
    full = full_ids(sol, opts.full)
    exact, exact_note = exact_values(sol, sol.digits) if opts.exact else ({}, "")
    givens, sections = [], {}
    for st in sol.steps:
        if st.kind == "matrix" and not opts.matrix:
            continue
        formula, numbers, value = split(st)
        if not opts.symbolic:
            formula = ""
        ex = exact.get(st.id, "")
        line = Line(st, st.latex, formula, numbers, value, "" if ex.split(r" \quad")[0] == value else ex)
        if st.kind == "given":
            givens.append(line)
            continue
        if opts.worksheet:
            line.numbers, line.value, line.exact = "", BLANK, ""
        elif opts.symbolic:
            line.factors = factors(sol, st)
        sec = sections.setdefault(section_of(st, len(spec.layers)), Section(section_of(st, len(spec.layers))))
        (sec.lines if full is None or st.id in full else sec.table).append(line)
    heading = "Worksheet" if opts.worksheet else ("Answer key" if opts.answer_key else "")
    layers = ", ".join(l.activation for l in spec.layers)
    summary = (f"Network {'-'.join(str(n) for n in spec.sizes)}, activations {layers}, "
               f"loss: {LOSSES[spec.loss].title}, "
               f"learning rate {spec.text('eta', spec.learning_rate)}, {spec.n_samples} sample(s), "
               f"{spec.update_order} update, notation {sol.notation.name}")
    warnings = [str(w) for w in sol.warnings] + ([exact_note] if exact_note else [])
    notes = spec.extra.get("notes", "") if isinstance(spec.extra, dict) else ""
    title = opts.title if opts.title is not None else (spec.name or "Worked solution")
    return Document(sol, opts, title, heading, summary, givens, list(sections.values()), warnings,
                    notes if isinstance(notes, str) else "")


def plain_value(v) -> str:
    """A value as plain text for tables that are not LaTeX (CSV, notebook echo)."""
    return "" if v is None else repr(v)
