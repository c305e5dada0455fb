"""Beamer lecture deck (`export --format beamer --deck lecture`): one frame per phase, built up with overlays.

Frames: title; the network and the givens; the forward pass (one overlay per layer) and the loss, of the first sample; the output layer and
each hidden layer (one weight worked by the chain rule, one overlay per factor:
dE/dw = dE/dout * dout/dnet * dnet/dw, the factor being introduced \\alert-ed, the figure beside it highlighting
that factor's path); the updates; a summary table (each weight, its factors, dE/dw and w+). Everything printed
comes from the document's Lines (calc.export.document), so notation, digits, decimals and worksheet blanks
follow the options. Every block is scaled down to its box when too large (\\calcfit), so nothing runs over.
"""
from __future__ import annotations

from calc.export.document import Document, Line
from calc.export.escape import latex_text
from calc.export.latex import value_tex
from calc.worked import ids

FIT = r"""\newsavebox\calcfitbox
\newcommand{\calcfit}[3]{\sbox\calcfitbox{#3}%
\ifdim\wd\calcfitbox>#1\relax\sbox\calcfitbox{\resizebox{#1}{!}{\usebox\calcfitbox}}\fi%
\ifdim\dimexpr\ht\calcfitbox+\dp\calcfitbox\relax>#2\relax%
\sbox\calcfitbox{\resizebox*{!}{#2}{\usebox\calcfitbox}}\fi%
\usebox\calcfitbox}"""
MAX_FULL_UNITS = 2        # forward pass: units of a layer worked in full; the rest as values
MAX_FULL_ERRORS = 3       # loss: error terms worked in full
MAX_OVERLAY_FACTORS = 4   # a chain with more factors shows them all at once
MAX_TERMS = 4             # hidden layer: terms of dE/dout shown before the sum
SUMMARY_ROWS = 16         # summary rows per page


def frame(title: str, body: str) -> str:
    return "\n".join([r"\begin{frame}[t]", rf"\frametitle{{{title}}}", body, r"\end{frame}"])


def fit(body: str, width: str = r"\linewidth", height: str = r"0.78\textheight") -> str:
    return rf"\calcfit{{{width}}}{{{height}}}{{{body}}}"


def eq(line: Line, alert: str = "", value: bool = True, one_row: bool = False) -> str:
    """lhs = formula = numbers = value of one step as display math: two aligned rows (lhs = formula, then
    = numbers = value) unless short or `one_row`."""
    lhs = rf"\alert{alert}{{{line.lhs}}}" if alert else line.lhs
    tail = [p for p in (line.numbers, value_tex(line) if value else "") if p]
    parts = [line.formula] if line.formula else []
    if one_row or not parts or not tail or len(line.formula) + len(" ".join(tail)) < 70:
        return "$\\displaystyle " + " = ".join([lhs] + parts + tail) + "$"
    rest = [" = ".join(tail)] if len(" ".join(tail)) < 80 else tail      # a long substitution: value on its own row
    return (r"$\displaystyle \begin{aligned} " + f"{lhs} &= {parts[0]}" + "".join(r" \\ &= " + x for x in rest)
            + r" \end{aligned}$")


def stack(rows: list[str]) -> str:
    """Rows (text or math) one under the other, left-aligned, in a box \\calcfit can measure."""
    return (r"{\renewcommand{\arraystretch}{1.25}\begin{tabular}{@{}l@{}}" + r" \\[8pt] ".join(rows)
            + r"\end{tabular}}")


WIDE = 2.2                # a figure wider than this (width / height) goes across the top, else beside the math


def columns(fig: str, body: str, aspect: float = 1.5) -> str:
    """The figure beside the math (across the top when the figure is WIDE)."""
    if aspect >= WIDE:
        return "\n".join([r"\centering", fit(fig, r"\textwidth", r"0.34\textheight"), r"\par\smallskip",
                          r"\raggedright", fit(body, r"\textwidth", r"0.50\textheight")])
    return "\n".join([r"\begin{columns}[T]", r"\begin{column}{0.47\textwidth}\centering",
                      fit(fig, r"\linewidth", r"0.8\textheight"), r"\end{column}",
                      r"\begin{column}{0.51\textwidth}", fit(r"\large " + body, r"\linewidth", r"0.8\textheight"),
                      r"\end{column}", r"\end{columns}"])


class Deck:
    """The lecture frames of one Document; figure(step_id | None) -> a tikzpicture of the network."""

    def __init__(self, doc: Document, figure, aspect: float = 1.5):
        self.doc, self.sol, self.figure, self.aspect = doc, doc.sol, figure, aspect
        self.lines = {l.step.id: l for sec in doc.sections for l in sec.lines + sec.table}
        self.lines.update({l.step.id: l for l in doc.givens})
        self.spec = doc.sol.spec
        self.L = len(self.spec.layers)

    def figs(self, steps: list[str | None]) -> str:
        """One figure per overlay (each highlighting its step), or one when all are the same."""
        if len(set(steps)) == 1:
            return self.figure(steps[0])
        return "\n".join(rf"\only<{k}>{{{self.figure(s)}}}" for k, s in enumerate(steps, start=1))

    # ---- frames --------------------------------------------------------------------------------------------
    def network(self) -> str:
        givens = r"\parbox{0.9\textwidth}{\raggedright " + ", \\quad ".join(
            f"${g.lhs} = {g.value}$" for g in self.doc.givens) + ".}"
        return frame("The network and the given values", columns(self.figure(None), givens, self.aspect))

    def forward(self) -> str:
        blocks, steps = [], []
        n1 = 1
        for l, layer in enumerate(self.spec.layers, start=1):
            rows = [rf"\textbf{{Layer {l}}} ({latex_text(layer.activation)})"]
            rest = []
            for j in range(1, layer.units + 1):
                net, out = self.lines.get(ids.net(n1, l, j)), self.lines.get(ids.out(n1, l, j))
                if net is None or out is None:
                    continue
                if j <= (MAX_FULL_UNITS if layer.units <= MAX_FULL_UNITS else 1):
                    rows += [eq(net, f"<{l}>" if j == 1 else ""), eq(out, f"<{l}>" if j == 1 else "")]
                else:
                    rest.append(f"{net.lhs} = {value_tex(net)},\\ {out.lhs} = {value_tex(out)}")
            rows += [f"${r}$" for r in rest]
            blocks.append(rf"\only<{l}>{{{stack(rows)}}}")
            steps.append(ids.out(n1, l, 1))
        return frame("Forward pass", columns(self.figs(steps), "\n".join(blocks), self.aspect))

    def loss(self) -> str:
        errs = [l for sid, l in self.lines.items() if l.step.kind == "loss" and sid not in (ids.LOSS, ids.LOSS_AFTER)]
        rows = [eq(l) for l in errs[:MAX_FULL_ERRORS]]
        if errs[MAX_FULL_ERRORS:]:
            rows.append("$" + r", \quad ".join(f"{l.lhs} = {value_tex(l)}" for l in errs[MAX_FULL_ERRORS:]) + "$")
        if ids.LOSS in self.lines:
            rows.append(eq(self.lines[ids.LOSS], "<1>"))
        fig = self.figure(ids.LOSS if ids.LOSS in self.lines else None)
        return frame("Loss", columns(fig, stack(rows), self.aspect))

    def worked_weight(self, l: int) -> tuple[int, int]:
        """(i, j) of the weight worked in full in layer l: the first one named by --steps, else w from unit 1 to
        unit 1 (Mazur works w5 and w1)."""
        by_label = {l_.label: l_.id for l_ in self.sol.steps}
        for name in self.doc.opts.full:
            sid = by_label.get(name, name)
            k, q = ids.parse(sid) if ids.is_id(sid) else ("", {})
            if k in ("w", "nw", "gw") and q.get("l") == l:
                return q["i"], q["u"]
        return 1, 1

    def derivation(self, sid: str, l: int, alert: str) -> str:
        """How one factor is computed: its step (a hidden unit's dE/dout after its terms, one row each)."""
        line = self.lines[sid]
        part = []
        if line.step.op == "sum" and l < self.L:
            wide = self.aspect >= WIDE        # the math has the whole width: one row per term
            terms = [self.lines[t] for t in line.step.depends_on[:MAX_TERMS] if t in self.lines]
            # the first term with its general form, the others with their numbers
            part = [eq(x, one_row=wide) if k == 0 else
                    "$\\displaystyle " + " = ".join(y for y in (x.lhs, x.numbers, value_tex(x)) if y) + "$"
                    for k, x in enumerate(terms)]
            return stack(part + [eq(line, alert, one_row=wide)])
        return stack([eq(line, alert)])

    def layer(self, l: int) -> str:
        """One weight of layer l by the chain rule: the chain at the top, an overlay per factor (its number appears
        in the chain, alerted, and its derivation below), then dE/dw and the update."""
        i, j = self.worked_weight(l)
        g = self.lines.get(ids.gw(l, i, j))
        if g is None:
            return ""
        deps = [d for d in g.step.depends_on if d in self.lines]
        n = len(deps) if 1 < len(deps) <= MAX_OVERLAY_FACTORS else 1
        if g.factors and n > 1 and len(g.factors) == n:
            syms = r" \cdot ".join(rf"\alert<{k}>{{{s}}}" for k, (s, _) in enumerate(g.factors, start=1))
            dot = r" \cdot "
            nums = "".join(rf"\uncover<{k}->{{{dot if k > 1 else ''}\alert<{k}>{{{x}}}}}"
                           for k, (_, x) in enumerate(g.factors, start=1))
            rows = [rf"$\displaystyle \begin{{aligned}} {g.lhs} &= {syms} \\ &= {nums} \end{{aligned}}$"]
        else:
            rows = [eq(g, value=False)]
        if n > 1:
            rows += [rf"\only<{k}>{{{self.derivation(d, l, f'<{k}>')}}}" for k, d in enumerate(deps, start=1)]
        else:
            rows += [self.derivation(d, l, "") for d in deps]
        rows.append(rf"\uncover<{n}->{{$\displaystyle {g.lhs} = \alert<{n}>{{{value_tex(g)}}}$}}")
        title = "Output layer" if l == self.L else f"Hidden layer {l}"
        w = self.lines.get(ids.w(l, i, j))
        sym = w.lhs if w is not None else ""
        figs = self.figs(deps[:n] if n > 1 else [ids.gw(l, i, j)])
        return frame(rf"{title}: ${sym}$ by the chain rule", columns(figs, stack(rows), self.aspect))

    def updates(self) -> str:
        rows = []
        for l in range(self.L, 0, -1):
            i, j = self.worked_weight(l)
            if ids.nw(l, i, j) in self.lines:
                rows.append(eq(self.lines[ids.nw(l, i, j)], one_row=True))
            for sid, line in self.lines.items():
                k, q = ids.parse(sid) if ids.is_id(sid) else ("", {})
                if k == "nb" and q.get("l") == l:
                    rows.append(eq(line, one_row=True))
                    break                         # one bias per layer: the rest in the summary
        if ids.LOSS_AFTER in self.lines:
            rows.append(eq(self.lines[ids.LOSS_AFTER], "<1>", one_row=True))
        rows.append(r"\small Every other weight: the same rule, in the summary table.")
        return frame("Updates", r"\centering " + fit(stack(rows), r"\textwidth"))

    def summary_rows(self) -> list[str]:
        rows = []
        for st in self.sol.steps:
            k, q = ids.parse(st.id) if ids.is_id(st.id) else ("", {})
            if st.kind != "update" or k not in ("nw", "nb") or "s" in q:
                continue
            old = self.lines.get(ids.param(st.id))
            grad = self.lines.get(ids.grad(st.id))
            new = self.lines.get(st.id)
            if old is None or grad is None or new is None:
                continue
            facs = r" \cdot ".join(x for _, x in grad.factors) if grad.factors else grad.numbers
            rows.append(rf"${old.lhs}$ & ${old.value}$ & ${facs or '-'}$ & ${value_tex(grad)}$ & ${value_tex(new)}$ \\")
        return rows

    def summary(self) -> list[str]:
        rows = self.summary_rows()
        if not rows:
            return []
        E = self.lines[ids.LOSS].lhs if ids.LOSS in self.lines else "E"
        head = [r"\begin{tabular}{lllll}", r"\toprule",
                rf"& value & factors & $\partial {E} / \partial w$ & $w^{{+}}$ \\", r"\midrule"]
        tail = [r"\bottomrule", r"\end{tabular}"]
        pages = [rows[k:k + SUMMARY_ROWS] for k in range(0, len(rows), SUMMARY_ROWS)]
        out = []
        for p, part in enumerate(pages, start=1):
            tab = r"\footnotesize " + "\n".join(head + part + tail)
            title = "Summary" + (f" ({p}/{len(pages)})" if len(pages) > 1 else "")
            out.append(frame(title, r"\centering " + fit(tab, r"\textwidth", r"0.82\textheight")))
        return out

    def frames(self) -> list[str]:
        out = [self.network(), self.forward(), self.loss()]
        out += [self.layer(l) for l in range(self.L, 0, -1)]
        out.append(self.updates())
        out += self.summary()
        return [f for f in out if f]
