"""Label parsing for the checker: a label as a student types it -> the step id of the worked solution.

Grammar: `label` is a step label in the notation of the worked solution (Mazur's w5+, out_o1, E_total,
dE_total/dw5 for a 2-2-2 network; z(2)_1, a(2)_1, delta(2)_1, dE/dw(2)_1,2 otherwise), optionally prefixed
`train[N].` (the value after N updates, e.g. `train[10000].E_total`). Matching ignores case, spaces, `_`,
`*` and `^`; `'`, `_new` and `new` at the end mean `+` (w5' = w5_new = w5+); ∂ -> d, δ -> delta, η -> eta.
Aliases: `dE/dX` = `dE_total/dX` (the loss in a derivative's numerator may be written E, E_total or Etotal);
`delta_o1` / `delta_h1` = dE_total/dnet_o1 (delta); `dE_o1/dnet_o1` and `dE_o1/dout_o1` for an output unit
(the slides' form); `E` = `E_total`, `E+` = `E_total+`. Labels of the other notations are accepted when they are
unambiguous. A step id of the worked solution (README "Step ids": `gw.l2.i1.u1`, `nw.l2.i1.u1`, `out.s1.l2.u1`,
`loss`, `b.l1`, ...) is accepted too, also after `train[N].`: it is matched as written first (before any label),
then ignoring case (after the labels), and never through the label normalisation above (so `loss_after` stays an id,
not `lossafter`). An unknown label raises LabelError with the closest labels ("did you mean"); an unknown
id-looking label (one with a dot, `gw.l9.i1.u1`) gets the closest step ids instead.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from calc.worked import notation as nt
from calc.problem.spec import Spec

_TRAIN = re.compile(r"^\s*train\s*\[\s*([0-9][0-9_,]*)\s*\]\s*\.\s*(.+)$", re.IGNORECASE)
_SWAP = {"\u2202": "d", "\u03b4": "delta", "\u0394": "delta", "\u03b7": "eta", "\u2212": "-", "\u2019": "'",
         "\u2032": "'"}


class LabelError(ValueError):
    """An unknown label; str(err) names it and suggests the closest known labels."""

    def __init__(self, label: str, suggestions: list[str], what: str = "label"):
        self.label, self.suggestions = label, suggestions
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else "; see the labels of the worked solution"
        super().__init__(f"unknown {what} {label!r}{hint}")


@dataclass(frozen=True)
class Ref:
    """A resolved label: the step id, the label as the solution writes it, and train[N] (None: this pass)."""
    step_id: str
    label: str
    steps: int | None = None


def norm(label: str) -> str:
    """Canonical key: lower case; no spaces, '_', '*', '^'; trailing ', _new, new -> +."""
    s = "".join(_SWAP.get(ch, ch) for ch in str(label)).strip().lower()
    s = re.sub(r"[\s_*^]", "", s)
    s = re.sub(r"(?:'|new|\(new\))$", "+", s)
    s = s.replace("{", "").replace("}", "")
    return s


def _aliases(label: str, loss: str) -> list[str]:
    """Other ways to write `label` (already in the solution's spelling)."""
    out = []
    m = re.match(rf"^d{re.escape(loss)}(\[s\d+\])?/(.+)$", label)
    if m:
        for alt in ("E", "E_total", "Etotal", "L"):
            out.append(f"d{alt}{m.group(1) or ''}/{m.group(2)}")
        tail = m.group(2)
        d = re.match(r"^dnet_([a-z]\d+)(\[s\d+\])?$", tail)
        if d:
            out.append(f"delta_{d.group(1)}{d.group(2) or ''}")
            if d.group(1).startswith("o"):
                out.append(f"dE_{d.group(1)}/dnet_{d.group(1)}{d.group(2) or ''}")
        d = re.match(r"^dout_(o\d+)(\[s\d+\])?$", tail)
        if d:
            out.append(f"dE_{d.group(1)}/dout_{d.group(1)}{d.group(2) or ''}")
    if label in (loss, f"{loss}+") or re.match(rf"^{re.escape(loss)}\[s\d+\]$", label):
        rest = label[len(loss):]
        for alt in ("E", "E_total", "Etotal", "L"):
            out.append(alt + rest)
        if rest == "+":
            out += ["E_after", "E_total_after", "loss_after"]
    return out


class LabelIndex:
    """Every scalar step's label (and aliases) -> step id, for one problem and notation."""

    def __init__(self, steps, spec: Spec, notation: str | None = None):
        self.notation = notation or nt.default_notation(spec)
        self.labels: dict[str, str] = {}       # step id -> label in the chosen notation
        self._map: dict[str, str] = {}         # normalised key -> step id
        self._shown: dict[str, str] = {}       # normalised key -> a label to suggest
        scalar = [s for s in steps if s.kind != "matrix"]
        loss = nt.make(spec, self.notation).loss()[0]
        for s in scalar:
            self.labels[s.id] = s.label
            self._add(s.label, s.id, strong=True)
        for s in scalar:
            for a in _aliases(s.label, loss):
                self._add(a, s.id)
        # the other notations' labels, where they are unambiguous
        others: dict[str, set[str]] = {}
        for name in nt.available(spec):
            if name == self.notation:
                continue
            names = nt.make(spec, name)
            for s in scalar:
                lab = _relabel(s, names)
                if lab:
                    others.setdefault(norm(lab), set()).add(s.id)
        for key, ids in others.items():
            if len(ids) == 1 and key not in self._map:
                self._map[key] = next(iter(ids))
        self.matrix = {norm(s.label): s.label for s in steps if s.kind == "matrix"}
        # step ids, kept apart from the normalised labels: exact spelling, then ignoring case (when unambiguous)
        self.ids: set[str] = {s.id for s in scalar}
        folded: dict[str, set[str]] = {}
        for sid in self.ids:
            folded.setdefault(sid.lower(), set()).add(sid)
        self._ids_folded = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
        self.matrix_ids = {s.id.lower() for s in steps if s.kind == "matrix"}

    def _add(self, label: str, sid: str, strong: bool = False) -> None:
        key = norm(label)
        if strong or key not in self._map:
            self._map[key] = sid
            self._shown.setdefault(key, label)

    def resolve(self, label: str) -> Ref:
        """`label` -> Ref; LabelError (with suggestions) when unknown."""
        m = _TRAIN.match(label)
        if m:
            n = int(re.sub(r"[_,]", "", m.group(1)))
            inner = self.resolve(m.group(2))
            return Ref(inner.step_id, f"train[{n}].{inner.label}", n)
        raw = str(label).strip()
        if raw in self.ids:                                 # a step id as written
            return Ref(raw, self.labels[raw])
        key = norm(label)
        if key in self._map:
            sid = self._map[key]
            return Ref(sid, self.labels[sid])
        if raw.lower() in self._ids_folded:                 # a step id in another case
            sid = self._ids_folded[raw.lower()]
            return Ref(sid, self.labels[sid])
        if key in self.matrix or raw.lower() in self.matrix_ids:
            raise LabelError(label, []) from None
        if "." in raw:
            near = self._near_ids(raw)
            if near:
                raise LabelError(label, near, "label or step id")
        close = difflib.get_close_matches(key, list(self._map), n=3, cutoff=0.6)
        sugg = []
        for c in close:
            lab = self.labels[self._map[c]]
            if lab not in sugg:
                sugg.append(lab)
        raise LabelError(label, sugg)

    def _near_ids(self, raw: str) -> list[str]:
        """The step ids closest to an unknown id-looking label, each with its label: `gw.l2.i1.u1 (dE_total/dw5)`.
        Ids of the same kind (the part before the first dot) come first when there are any."""
        want = raw.lower()
        kind = want.split(".", 1)[0]
        folded = {sid.lower(): sid for sid in self.ids}
        same = [k for k in folded if k.split(".", 1)[0] == kind]
        close = difflib.get_close_matches(want, same or list(folded), n=3, cutoff=0.5)
        if not close and same:
            close = difflib.get_close_matches(want, list(folded), n=3, cutoff=0.5)
        return [f"{folded[c]} ({self.labels[folded[c]]})" for c in close]

    def is_matrix(self, label: str) -> bool:
        raw = str(label).strip()
        return norm(label) in self.matrix or (raw not in self.ids and raw.lower() in self.matrix_ids)


def _relabel(step, names: nt.Notation) -> str | None:
    """The label of `step` in another notation (by its id), or None when the id is not a plain unit quantity."""
    parts = dict(re.findall(r"([a-z]+)(\d+)", step.id.split(".", 1)[1] if "." in step.id else ""))
    kind = step.id.split(".")[0]
    s = int(parts["s"]) if "s" in parts else None
    L = int(parts.get("l", 0)) if "l" in parts else None
    try:
        if kind == "net":
            return names.net(L, int(parts["u"]), s)[0]
        if kind == "out":
            return names.out(L, int(parts["u"]), s)[0]
        if kind == "delta":
            return names.delta(L, int(parts["u"]), s)[0]
        if kind == "w":
            return names.w(L, int(parts["i"]), int(parts["u"]))[0]
        if kind == "nw":
            return names.w_new(L, int(parts["i"]), int(parts["u"]))[0]
        if kind == "gw" and s is None:
            return names.dE_dw(L, int(parts["i"]), int(parts["u"]))[0]
        if kind == "err":
            return names.err(int(parts["u"]), s)[0]
        if step.id == "loss":
            return names.loss()[0]
        if step.id == "loss_after":
            return names.loss_after()[0]
    except (KeyError, IndexError, TypeError):
        return None
    return None
