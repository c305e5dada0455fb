"""Markdown with $...$ math: the worked solution as a document (renders on GitHub and in Jupyter)."""
from __future__ import annotations

from calc.solve import Solution

SECTIONS = (("forward", "Forward pass"), ("loss", "Loss"), ("backward", "Backward pass"), ("update", "Updates"),
            ("matrix", "Matrix form"))


def escape_text(s: str) -> str:
    """User text as literal Markdown text: backslash-escape every markup character."""
    out = []
    for ch in s:
        if ch in "\\`*_{}[]()#+-.!|<>$&~\"'":
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def render(sol: Solution) -> str:
    spec = sol.spec
    lines = [f"# {escape_text(spec.name) if spec.name else 'Worked solution'}", ""]
    arch = " - ".join(str(n) for n in spec.sizes)
    lines.append(f"Network {arch}, activations {', '.join(l.activation for l in spec.layers)}, loss `{spec.loss}`, "
                 f"learning rate {spec.text('eta', spec.learning_rate)}, {spec.n_samples} sample(s), "
                 f"{spec.update_order} update.")
    for w in sol.warnings:
        lines.append(f"> warning: {escape_text(str(w))}")
    lines.append("")
    for kind, title in SECTIONS:
        steps = [s for s in sol.steps if s.kind == kind]
        if not steps:
            continue
        lines += [f"## {title}", ""]
        for st in steps:
            note = f" *({escape_text(st.note)})*" if st.note else ""
            lines.append(f"- **{escape_text(st.label)}** (`{st.id}`): $${st.formula} = {st.substituted}$${note}"
                         if kind == "matrix" else
                         f"- **{escape_text(st.label)}**: ${st.formula}$ ; ${st.substituted}$" + note)
        lines.append("")
    return "\n".join(lines)
