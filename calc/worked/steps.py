"""The worked solution as data: an ordered list of Steps, the spine every page and printer reads.

A Step is one line of a hand calculation: `label = formula = substituted`, e.g.
    net_h1 = w1 i1 + w2 i2 + b1 * 1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775
`op` and `args` say how the value follows from the values of `depends_on` (so calc.symbolic.formulas can
replay the chain exactly); ids follow the grammar documented in the README ("Step ids").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

KINDS = ("given", "forward", "loss", "backward", "update", "matrix")


@dataclass
class Step:
    id: str
    label: str                      # plain-text label in the chosen notation (w5+, out_o1, dE_total/dw5)
    formula: str                    # LaTeX: label = general formula
    substituted: str                # LaTeX: the formula with numbers = value
    value: Any                      # float, nested list (matrix step), or None (saturated / unbounded)
    depends_on: list[str]
    kind: str                       # one of KINDS
    op: str = "given"               # how value follows from depends_on (see calc.worked.solve)
    args: dict = field(default_factory=dict)
    latex: str = ""                 # LaTeX of the label symbol
    note: str = ""                  # e.g. "saturated", "fused form"
    sample: int | None = None       # 1-based sample, for per-sample steps
    layer: int | None = None        # 1-based layer

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "formula": self.formula, "substituted": self.substituted,
                "value": json_safe(self.value), "depends_on": list(self.depends_on)}


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


def paren(s: str) -> str:
    """Wrap a negative number for use inside a product: 0.5 \\cdot (-0.2)."""
    return f"({s})" if s.startswith("-") else s


def by_id(steps: list[Step]) -> dict[str, Step]:
    return {s.id: s for s in steps}
