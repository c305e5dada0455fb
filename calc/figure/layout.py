"""Where everything goes, in figure units (calc.figure.boxes: 1 unit = 1 pt of a 10 pt monospace font).

Layer columns are left-aligned stacks of unit boxes, centred (or spread over the tallest column: both are
tried); a shared bias box sits above its column, the loss box after the outputs. The gap between two columns
starts at 1.4 times the widest edge label; each edge label goes at the first of FRACTIONS along its edge where
its box overlaps no box placed so far and no other edge of its layer passes within half its height of its
centre (so it is clear which edge it names). When some label finds no place the gap grows (GROW); when it still
does not fit, that layer's weights are drawn as a table under the graph (rows = from, columns = to; each cell
`w = value` over dE/dw) and its edges carry no labels. Of the unit spacings tried (SPACING) the layout with the
fewest tables, then the narrowest, wins. So no two label boxes overlap, by construction; Layout.boxes lists
them all for tests to check.
"""
from __future__ import annotations

import math

from calc.figure.boxes import LINE_H, MARGIN, PAD, VGAP, Box, Layout, Wire, size, text_of
from calc.figure.model import Element, Figure

FRACTIONS = (0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.25, 0.75, 0.35, 0.65, 0.15, 0.85, 0.45, 0.55, 0.1, 0.9)
GROW = (1.0, 1.25, 1.5, 1.8, 2.2, 2.7, 3.3)
SPACING = (16.0, 32.0, 56.0, 88.0, 128.0, 180.0)      # vertical gaps between unit boxes tried


def layout(fig: Figure, digits: int | None = None, decimals: int = 4,
           fit: tuple[float, float] | None = None) -> Layout:
    """The layout with the fewest weight tables over the unit spacings in SPACING, columns centred or spread;
    then the narrowest (height counted 1.6 times, a spread layout 20% more: for screens), or with `fit` = (width,
    height) of a page the one that can be drawn largest on it (for print)."""
    if digits is not None and not 1 <= digits <= 17:
        raise ValueError("digits: must be from 1 to 17")
    if not 0 <= decimals <= 12:
        raise ValueError("decimals: must be from 0 to 12")
    key = (_geometry(fig, digits, decimals), fit)
    chosen = _CHOSEN.get(key)
    if chosen is not None:          # the same sizes choose the same spacing: lay out that one only
        return _layout(fig, digits, decimals, *chosen)
    tries = [(_layout(fig, digits, decimals, gap, spread), 1.2 if spread else 1.0, (gap, spread))
             for spread in (False, True) for gap in SPACING]
    if fit:
        best = min(tries, key=lambda t: (len(t[0].tables), -min(fit[0] / t[0].width, fit[1] / t[0].height)))
    else:
        best = min(tries, key=lambda t: (len(t[0].tables), t[1] * max(t[0].width, 1.6 * t[0].height)))
    if len(_CHOSEN) >= 4096:
        _CHOSEN.clear()
    _CHOSEN[key] = best[2]
    return best[0]


_CHOSEN: dict = {}      # the sizes of everything drawn -> the (unit gap, spread) the search chose for them


def _geometry(fig: Figure, digits: int | None, decimals: int) -> tuple:
    """Everything a layout depends on: the structure and the size of every text (box sizes come from text lengths
    alone), not the texts themselves. Two problems of one shape whose printed values have the same lengths (a new
    weight, at 4 decimals) are laid out the same way."""
    return (len(fig.title), len(fig.legend), tuple(fig.wires), tuple(sorted(fig.path)),
            tuple((k, e.kind, e.layer, e.src, e.dst, tuple(len(text_of(ln, fig, digits, decimals)) for ln in e.lines))
                  for k, e in fig.elements.items()))


def _layout(fig: Figure, digits: int | None, decimals: int, unit_gap: float, spread: bool) -> Layout:
    out = Layout()
    printed = {k: [(text_of(ln, fig, digits, decimals), ln.role, ln.step) for ln in e.lines]
               for k, e in fig.elements.items()}

    def box(e: Element, x: float, y: float) -> Box:
        w, h = size([t for t, _, _ in printed[e.key]])
        return Box(e.key, e.kind, x, y, w, h, printed[e.key], e.key in fig.path)

    head = [Box("title", "title", MARGIN, MARGIN, *size([fig.title]), [(fig.title, "name", None)]),
            Box("legend", "title", MARGIN, MARGIN + LINE_H + 2 * PAD, *size([fig.legend]),
                [(fig.legend, "plain", None)])]
    top = head[-1].y + head[-1].h + 2 * VGAP
    cols = fig.columns()
    stacks: list[list[Box]] = []                          # per column: bias box (if any) then units, y from 0
    for l, units in enumerate(cols):
        items = ([fig.elements[f"b{l}"]] if f"b{l}" in fig.elements else []) + units
        y, stack = 0.0, []
        for e in items:
            b = box(e, 0.0, y)
            y += b.h + (VGAP * 1.5 if e.kind == "bias" else unit_gap)
            stack.append(b)
        stacks.append(stack)
    tallest = max(s[-1].y + s[-1].h for s in stacks)
    for s in stacks:               # centre each column, or spread it over the tallest one
        spare = tallest - (s[-1].y + s[-1].h)
        for k, b in enumerate(s):
            b.y += top + (spare * k / (len(s) - 1) if spread and len(s) > 1 else spare / 2)
    placed: list[Box] = list(head)
    x = MARGIN
    for l, stack in enumerate(stacks):
        if l > 0:
            x = _pair(fig, out, placed, stacks[l - 1], stack, l, x, printed)
        for b in stack:
            b.x = x
        placed += stack
        x += max(b.w for b in stack)
    loss = box(fig.elements["E"], x + 3 * VGAP, 0.0)
    loss.y = top + tallest / 2 - loss.h / 2
    while any(loss.overlaps(b, 2.0) for b in placed):
        loss.x += VGAP
    placed.append(loss)
    by_key = {b.key: b for b in placed}
    for a, b, dashed in fig.wires:
        s, d = by_key[a], by_key[b]
        if not dashed:
            out.wires.append(Wire(f"{a}>{b}", s.x + s.w, s.cy, d.x, d.cy, False, a in fig.path and b in fig.path))
        else:   # a shared bias: down a trunk just left of its column, then into each unit's left side
            trunk = d.x - VGAP / 2
            out.wires.append(Wire(f"{a}>{b}", s.x + PAD, s.y + s.h, d.x, d.y + LINE_H,
                                  True, False, ((s.x + PAD, s.y + s.h + VGAP / 2), (trunk, s.y + s.h + VGAP / 2),
                                                (trunk, d.y + LINE_H))))
    for e in fig.elements.values():
        if e.kind == "edge":
            s, d = by_key[e.src], by_key[e.dst]
            out.wires.append(Wire(e.key, s.x + s.w, s.cy, d.x, d.cy, False, e.key in fig.path))
    bottom = max(b.y + b.h for b in placed) + 2 * VGAP
    for l in out.tables:
        bottom = _table(fig, placed, l, bottom, printed) + 2 * VGAP
    out.boxes = placed
    out.width = max(b.x + b.w for b in placed) + MARGIN
    out.height = max(b.y + b.h for b in placed) + MARGIN
    return out


def crosses(b: Box, x0: float, y0: float, x1: float, y1: float) -> bool:
    """The segment (x0, y0)-(x1, y1) passes within half the box's height of its centre (through its middle)."""
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((b.cx - x0) * dx + (b.cy - y0) * dy) / (dx * dx + dy * dy or 1.0)))
    return math.hypot(b.cx - x0 - t * dx, b.cy - y0 - t * dy) < b.h / 2


def _pair(fig: Figure, out: Layout, placed: list[Box], left: list[Box], right: list[Box], l: int, x: float,
          printed: dict) -> float:
    """Place layer l's edge labels between the columns `left` (already at x - its width) and `right`; returns
    the x of the right column. Falls back to a weight table (out.tables) when the labels do not fit."""
    edges = [e for e in fig.elements.values() if e.kind == "edge" and e.layer == l]
    if not edges:
        return x + 3 * VGAP
    sizes = {e.key: size([t for t, _, _ in printed[e.key]]) for e in edges}
    base = 1.4 * max(w for w, _ in sizes.values()) + VGAP
    by_key = {b.key: b for b in left}
    ends = [b.key for b in left]
    for grow in GROW:
        gap = base * grow
        rx = x + gap
        rkeys = {b.key: b for b in right}
        trial: list[Box] = []
        ok = True
        for e in sorted(edges, key=lambda e: (ends.index(e.src), e.dst)):
            s, d = by_key[e.src], rkeys[e.dst]
            x0, y0, x1, y1 = s.x + s.w, s.cy, rx, d.cy
            w, h = sizes[e.key]
            spot = None
            moved = [Box(b.key, b.kind, rx, b.y, b.w, b.h, b.lines) for b in right]
            others = [(by_key[o.src].x + by_key[o.src].w, by_key[o.src].cy, rx, rkeys[o.dst].cy)
                      for o in edges if o is not e]
            for t in FRACTIONS:
                cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                cand = Box(e.key, "edge", cx - w / 2, cy - h / 2, w, h, printed[e.key], e.key in fig.path)
                if not any(cand.overlaps(o, 2.0) for o in placed + trial + moved) and \
                        not any(crosses(cand, *seg) for seg in others):
                    spot = cand
                    break
            if spot is None:
                ok = False
                break
            trial.append(spot)
        if ok:
            placed += trial
            return rx
    out.tables.append(l)
    return x + base


def _table(fig: Figure, placed: list[Box], l: int, top: float, printed: dict) -> float:
    """Layer l's weights as a grid of boxes under the graph (rows = from, columns = to); returns its bottom."""
    src = [e for e in fig.columns()[l - 1]]
    dst = [e for e in fig.columns()[l]]
    cells = {(i, j): printed[f"e{l}.{i}.{j}"] for i in range(1, len(src) + 1) for j in range(1, len(dst) + 1)}
    cw = max(size([t for t, _, _ in c])[0] for c in cells.values())
    ch = max(size([t for t, _, _ in c])[1] for c in cells.values())
    heads_r = [e.lines[0].text for e in src]
    heads_c = [e.lines[0].text for e in dst]
    corner = f"weights into layer {l}, from (rows) to (columns): w = value over dE/dw"
    title = Box(f"t{l}", "head", MARGIN, top, *size([corner]), [(corner, "name", None)])
    hw = size(heads_r)[0]
    cw = max(cw, size(heads_c)[0])
    y0 = top + title.h + 2
    placed.append(title)
    for j, h in enumerate(heads_c, start=1):
        placed.append(Box(f"t{l}.c{j}", "head", MARGIN + hw + 2 + (j - 1) * (cw + 2), y0, cw, LINE_H + 2 * PAD,
                          [(h, "name", None)]))
    y = y0 + LINE_H + 2 * PAD + 2
    for i, h in enumerate(heads_r, start=1):
        placed.append(Box(f"t{l}.r{i}", "head", MARGIN, y, hw, ch, [(h, "name", None)]))
        for j in range(1, len(dst) + 1):
            key = f"e{l}.{i}.{j}"
            placed.append(Box(key, "cell", MARGIN + hw + 2 + (j - 1) * (cw + 2), y, cw, ch, cells[(i, j)],
                              key in fig.path))
        y += ch + 2
    return y
