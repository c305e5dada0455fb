"""Label boxes, wires and the printed text of a figure (calc.figure.layout places them).

Text width is estimated as len(text) * CHAR_W in figure units (1 unit = 1 pt of a 10 pt monospace font:
DejaVu Sans Mono is 6.02 units a character, cmtt10 5.25 pt, so the estimate bounds both); a line is LINE_H high.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from calc.figure.model import Figure, Line

CHAR_W, LINE_H, PAD, MARGIN, VGAP = 6.1, 13.0, 4.0, 12.0, 16.0


@dataclass
class Box:
    """A label box: top-left (x, y), size (w, h), its lines as printed (text, role, step id)."""
    key: str
    kind: str                      # unit | edge | bias | loss | layer | cell | head | title
    x: float
    y: float
    w: float
    h: float
    lines: list[tuple[str, str, str | None]]
    lit: bool = False

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, o: "Box", pad: float = 0.0) -> bool:
        return (self.x < o.x + o.w + pad and o.x < self.x + self.w + pad and
                self.y < o.y + o.h + pad and o.y < self.y + self.h + pad)


@dataclass
class Wire:
    """A line from (x0, y0) to (x1, y1), through `via` points first: an edge (key e...), a bias or loss wire."""
    key: str
    x0: float
    y0: float
    x1: float
    y1: float
    dashed: bool = False
    lit: bool = False
    via: tuple[tuple[float, float], ...] = ()

    def points(self) -> list[tuple[float, float]]:
        return [(self.x0, self.y0), *self.via, (self.x1, self.y1)]


@dataclass
class Layout:
    boxes: list[Box] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    tables: list[int] = field(default_factory=list)       # layers whose weights are drawn as a table


def number(v: float | None, digits: int | None = None, decimals: int = 4) -> str:
    """A value as printed: `digits` significant digits, else `decimals` decimals; '?' for a missing value."""
    if v is None or not math.isfinite(float(v)):
        return "?"
    s = f"{float(v):.{digits}g}" if digits else f"{float(v):.{decimals}f}"
    return "0" + s[2:] if s.startswith("-0") and float(s) == 0 else s


def text_of(line: Line, fig: Figure, digits: int | None, decimals: int) -> str:
    if line.step is None:
        return line.text
    v = number(fig.values.get(line.step), digits, decimals)
    return f"{line.text} = {v}" if line.text else v


def size(lines: list[str]) -> tuple[float, float]:
    return max(len(t) for t in lines) * CHAR_W + 2 * PAD, len(lines) * LINE_H + 2 * PAD
