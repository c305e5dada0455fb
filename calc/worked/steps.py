"""The worked solution as data: an ordered list of Steps, the spine every page and printer reads.

A Step is one line of a hand calculation: `label = formula = substituted`, e.g.
    net_h1 = w1 i1 + w2 i2 + b1 * 1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775
`op` and `args` say how the value follows from the values of `depends_on` (calc.worked.ops); ids follow the
grammar documented in the README ("Step ids") and are made and parsed by calc.worked.ids.

Steps hold raw values: a RawStep is built once (value, graph, and templates with markers where numbers and
symbols go, calc.worked.template); a Step is a RawStep printed by one view of the solution (notation, digits,
value source; calc.worked.solve.Solution.view). Digits, notation and LaTeX are applied when a step is printed,
never while it is built.
"""
from __future__ import annotations

import math
from operator import attrgetter
from typing import Any

KINDS = ("given", "forward", "loss", "backward", "update", "matrix")


class RawStep:
    """A step as built: the numbers and the graph (value, depends_on, op, args) and templates (calc.worked.template)
    in place of every printed string. Shared by every view of a solution; printed by Step."""

    __slots__ = ("id", "kind", "op", "args", "depends_on", "value", "note", "sample", "layer",
                 "label", "latex", "rhs", "numbers", "shown", "text", "mats")

    def __init__(self, id: str, kind: str, op: str, value: Any, depends_on: list[str], label: str, latex: str,
                 rhs: str = "", numbers: str = "", shown: str = "", args: dict | None = None, note: str = "",
                 sample: int | None = None, layer: int | None = None, text: str | None = None,
                 mats: tuple | None = None):
        self.id, self.kind, self.op, self.value, self.depends_on = id, kind, op, value, depends_on
        self.label, self.latex, self.rhs, self.numbers, self.shown = label, latex, rhs, numbers, shown
        self.args = {} if args is None else args
        self.note, self.sample, self.layer, self.text, self.mats = note, sample, layer, text, mats

    def templates(self) -> tuple[str, str, str, str, str]:
        """(label, latex, rhs, numbers, shown) as built, markers included."""
        return self.label, self.latex, self.rhs, self.numbers, self.shown

    def __getstate__(self):
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state):
        for k, v in zip(self.__slots__, state):
            setattr(self, k, v)

    def __repr__(self) -> str:
        return f"RawStep({self.id!r}, value={self.value!r})"


def _raw_attr(name: str, doc: str) -> property:
    return property(attrgetter("raw." + name), doc=doc)


class Step:
    """One step of a view of the solution: the raw step (shared by every view) printed in the view's notation,
    digits and value source. The printed fields are rendered on first access and cached by the view.

    label        plain-text label in the view's notation (w5+, out_o1, dE_total/dw5)
    latex        LaTeX of the label symbol
    rhs          LaTeX general formula (right-hand side; '' for a given number)
    numbers      LaTeX of the formula with the numbers in ('' when there is none)
    shown        the value as printed: a given number as typed, r'\\text{saturated}', a bmatrix for a matrix step
    formula      `latex = rhs` (just latex when rhs is empty)
    substituted  `numbers = shown` (just shown when numbers is empty)
    number       the value as written inside another step's numbers (a negative value in parentheses)
    """

    __slots__ = ("raw", "_r", "_label", "_latex", "_rhs", "_numbers", "_formula", "_substituted")

    def __init__(self, raw: RawStep, renderer):
        self.raw, self._r = raw, renderer
        self._label = self._latex = self._rhs = self._numbers = self._formula = self._substituted = None

    id = _raw_attr("id", "stable id (calc.worked.ids)")
    kind = _raw_attr("kind", "one of KINDS")
    op = _raw_attr("op", "how value follows from depends_on (calc.worked.ops)")
    args = _raw_attr("args", "the op's arguments (step ids, activation, loss, ...)")
    depends_on = _raw_attr("depends_on", "ids of the steps the value is computed from")
    note = _raw_attr("note", 'e.g. "saturated", "fused form"')
    sample = _raw_attr("sample", "1-based sample, for per-sample steps")
    layer = _raw_attr("layer", "1-based layer")

    @property
    def value(self) -> Any:
        """float, nested list (matrix step), or None (saturated / unbounded)."""
        return self.raw.value

    @value.setter
    def value(self, v: Any) -> None:          # for tests that perturb a value; printed text is not re-rendered
        self.raw.value = v

    # the printed fields: rendered on first access, then kept (a view renders each string once)
    @property
    def label(self) -> str:
        s = self._label
        if s is None:
            s = self._label = self._r.fill(self.raw.label)
        return s

    @property
    def latex(self) -> str:
        s = self._latex
        if s is None:
            s = self._latex = self._r.fill(self.raw.latex)
        return s

    @property
    def rhs(self) -> str:
        s = self._rhs
        if s is None:
            s = self._rhs = self._r.fill(self.raw.rhs)
        return s

    @property
    def numbers(self) -> str:
        s = self._numbers
        if s is None:
            s = self._numbers = self._r.fill(self.raw.numbers)
        return s

    @property
    def shown(self) -> str:
        return self._r.text(self.raw.id)

    @property
    def number(self) -> str:
        return paren(self._r.text(self.raw.id))

    @property
    def formula(self) -> str:
        s = self._formula
        if s is None:
            rhs = self.rhs
            s = self._formula = f"{self.latex} = {rhs}" if rhs else self.latex
        return s

    @property
    def substituted(self) -> str:
        s = self._substituted
        if s is None:
            nums = self.numbers
            s = self._substituted = f"{nums} = {self.shown}" if nums else self.shown
        return s

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "formula": self.formula, "substituted": self.substituted,
                "value": json_safe(self.value), "depends_on": list(self.depends_on)}

    def __repr__(self) -> str:
        return f"Step({self.id!r}, {self.label!r}, value={self.value!r})"


def json_safe(v: Any) -> Any:
    """Floats that JSON can carry: NaN / inf become None (the step is marked saturated)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if hasattr(v, "tolist"):
        return json_safe(v.tolist())
    f = float(v)
    return f if math.isfinite(f) else None


def fmt(v: float | None, digits: int = 9) -> str:
    """A value to `digits` significant digits, plain decimal where reasonable (0.000438568165, not 4.4e-04)."""
    if v is None or not math.isfinite(v):
        return r"\infty" if v is not None and v > 0 else (r"-\infty" if v is not None else "?")
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    if -7 <= mag < 15:
        decimals = max(digits - 1 - mag, 0)
        s = f"{v:.{decimals}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    m, e = f"{v:.{digits - 1}e}".split("e")
    m = m.rstrip("0").rstrip(".") if "." in m else m
    return rf"{m} \times 10^{{{int(e)}}}"


MAX_DECIMALS = 15          # fixed decimals offered (float64 carries about 16 significant digits)


def fixed(v: float | None, decimals: int) -> str:
    """A value to exactly `decimals` decimals, as Mazur prints (0.593269992 -> 0.59326999 at 8); a value too large
    or too small for a plain decimal (|v| >= 1e15) falls back to fmt's significant digits; -0.000 prints as 0.000."""
    if v is None or not math.isfinite(v) or abs(v) >= 1e15:
        return fmt(v, max(decimals, 1))
    s = f"{v:.{decimals}f}"
    return s[1:] if s.startswith("-") and not s.strip("-0.") else s


def paren(s: str) -> str:
    """Wrap a negative number for use inside a product: 0.5 \\cdot (-0.2)."""
    return f"({s})" if s.startswith("-") else s


def by_id(steps: list[Step]) -> dict[str, Step]:
    return {s.id: s for s in steps}
