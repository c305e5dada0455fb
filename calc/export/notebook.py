"""Jupyter notebook (.ipynb, nbformat 4): each step a markdown cell and a NumPy code cell that
recomputes its value from the variables of earlier cells.

The first code cell defines helpers generated from the records of calc.maths.functions (f_act_sigmoid,
f_err_half_sse, ...: see `helpers`), so each step's cell recomputes it with the formulas the engine used.
Code cells hold only generated code: variable names made from step ids (escape.ident), helper names made
from record names, and numbers (repr of float64). User text appears only in markdown cells, escaped.
A worksheet leaves `...` where each computation goes.
"""
from __future__ import annotations

import nbformat
import numpy as np

from calc.maths.code import NumpyCode
from calc.maths.functions import ACTIVATIONS, LOSSES, output_logs, softmax_jacobian
from calc.export.document import Line, Options, build, options
from calc.export.escape import ident, md_text
from calc.export.markdown import givens_md, header, step_math
from calc.worked import ids
from calc.worked.solve import Solution

PRELUDE = """import numpy as np
np.seterr(all="ignore")   # a saturated step shows inf / nan instead of stopping the notebook
"""

LOSS_AFTER = '''
def f_loss_after(Ws, bs, f_acts, alphas, X, T, f_err, lf, mean):
    """E recomputed with the updated parameters: the forward pass of every sample (one per row), then the loss"""
    a = np.array(X, dtype=float)
    for W, b, f_act, alpha in zip(Ws, bs, f_acts, alphas):
        net = a @ W + b
        a = f_act(net, alpha)
    t = np.array(T, dtype=float)
    total = np.sum(f_err(t, a, t.shape[-1], lf, net))
    return total / len(X) if mean else total
'''


def helpers(spec) -> str:
    """The helper cell: NumPy functions generated from the records of the problem's activations and loss
    (calc.maths.functions evaluated in calc.maths.code.NumpyCode), so every cell recomputes its step with the
    very formulas the engine used:
        f_act_<a>(net, alpha), f_dact_<a>(net, out, alpha)    each activation of the network (F, DF)
        f_jac(o_k, o_j), f_jac_same(o_k)                       a vector activation's Jacobian entries
        f_err_<l>(t, o, m, lf, net), f_dloss_<l>(t, o, m, lf)  the loss (its term with the output's logs; dout)
        f_fused_<l>_<a>(t, o, tsum, lf)                        the loss's closed form at the output, if it has one
    """
    A = NumpyCode()
    out = ACTIVATIONS[_name(spec.layers[-1].activation, ACTIVATIONS)]
    loss = LOSSES[_name(spec.loss, LOSSES)]
    parts = [PRELUDE]
    for name in dict.fromkeys(layer.activation for layer in spec.layers):
        rec = ACTIVATIONS[_name(name, ACTIVATIONS)]
        parts.append(A.function(f"f_act_{name}", ["net", "alpha"], rec.F, doc=f"out = f(net) ({name})"))
        parts.append(A.function(f"f_dact_{name}", ["net", "out", "alpha"], rec.DF,
                                doc=f"dout/dnet ({name}{', the Jacobian diagonal' if rec.vector else ''})"))
    if any(ACTIVATIONS[layer.activation].vector for layer in spec.layers):
        def jac(A, ok, oj):     # row k of the Jacobian of the outputs (o_k, o_j)
            return softmax_jacobian(A, np.concatenate([ok, oj], axis=-1))[..., 0, :]
        parts.append(A.function("f_jac", ["o_k", "o_j"], lambda A, ok, oj: jac(A, ok, oj)[..., 1:],
                                doc="dout_k/dnet_j for j != k"))
        parts.append(A.function("f_jac_same", ["o_k"], lambda A, ok: jac(A, ok, ok)[..., :1], doc="dout_k/dnet_k"))

    def err(A, t, o, m, lf, net):
        if out.vector:      # one unit of a vector activation: the logs of its output
            def logs():
                return A.log(o), A.log(1 - o)
        else:
            def logs():
                return output_logs(A, out, net, o)
        return loss.term(A, t, o, logs, m, lf)
    parts.append(A.function(f"f_err_{loss.name}", ["t", "o", "m", "lf", "net"], err,
                            doc=f"one output's error term ({loss.name}, {out.name} output)"))
    parts.append(A.function(f"f_dloss_{loss.name}", ["t", "o", "m", "lf"], loss.dout,
                            doc=f"dE/dout_k of one sample's loss ({loss.name})"))
    fused = (loss.fused or {}).get(out.name)
    if fused is not None:
        parts.append(A.function(f"f_fused_{loss.name}_{out.name}", ["t", "o", "tsum", "lf"], fused,
                                doc=f"dE/dnet_k in closed form ({loss.name} on a {out.name} output)"))
    parts.append(LOSS_AFTER)
    return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"


def _num(v) -> str:
    return repr(float(v))


def code_for(line: Line, sol: Solution) -> str:
    """`name = expression` recomputing the step from earlier variables (generated names and numbers only)."""
    st, v = line.step, ident
    a = st.args
    deps = [v(d) for d in st.depends_on]
    lf = _num(sol.spec.log_factor)
    op = st.op
    if op == "affine":
        expr = " + ".join(f"{v(w)} * {v(x)}" for w, x in a["pairs"]) + (f" + {v(a['bias'])}" if a.get("bias") else "")
    elif op == "act" and ACTIVATIONS[_name(a["activation"], ACTIVATIONS)].vector:
        expr = (f"f_act_{a['activation']}(np.array([{', '.join(v(n) for n in a['nets'])}]), "
                f"{_num(_alpha(sol, st))})[{int(a['index'])}]")
    elif op == "act":
        expr = f"f_act_{_name(a['activation'], ACTIVATIONS)}({v(a['net'])}, {_num(a['alpha'])})"
    elif op == "err":
        expr = f"f_err_{_name(a['loss'], LOSSES)}({v(a['t'])}, {v(a['o'])}, {int(a['m'])}, {lf}, {v(a['net'])})"
    elif op in ("sum", "mean"):
        expr = " + ".join(deps) or "0.0"
        expr = f"({expr}) / {len(deps)}" if op == "mean" else expr
    elif op == "dloss":
        expr = (f"f_dloss_{_name(a['loss'], LOSSES)}({v(a['t'])}, {v(a['o'])}, {int(a['m'])}, {lf})"
                f" / {int(a['scale'])}")
    elif op == "dact":
        expr = (f"f_dact_{_name(a['activation'], ACTIVATIONS)}({v(a['net'])}, {v(a['out'])}, "
                f"{_num(a['alpha'])})")
    elif op == "jac":
        expr = f"f_jac_same({v(a['k'])})" if a["same"] else f"f_jac({v(a['k'])}, {v(a['j'])})"
    elif op == "mul":
        expr = " * ".join(deps)
    elif op == "sumprod":
        expr = " + ".join(f"{deps[k]} * {deps[k + 1]}" for k in range(0, len(deps), 2))
    elif op == "fused":
        loss, act = sol.spec.loss, sol.spec.layers[-1].activation
        if a["kind"] != f"{act}_{loss}" or act not in (LOSSES[_name(loss, LOSSES)].fused or {}):
            raise ValueError(f"no fused form {a['kind']!r}")
        tsum = " + ".join(v(x) for x in a["targets"])
        expr = f"f_fused_{loss}_{act}({v(a['t'])}, {v(a['o'])}, {tsum}, {lf}) / {int(a['scale'])}"
    elif op == "update":
        expr = f"{v(a['w'])} - {v(a['eta'])} * {v(a['g'])}"
    elif op == "copy":
        expr = v(a["src"])
    elif op == "recompute":
        expr = _loss_after(sol)
    elif (op == "matrix" and st.value is not None and a.get("entries") is not None      # None: no scalar steps
          and all(e is not None for r in a["entries"] for e in r)):
        rows = [[v(e) for e in r] for r in a["entries"]]
        flat = not isinstance(st.value[0], list)
        expr = "np.array(" + (str([x for r in rows for x in r]) if flat else str(rows)).replace("'", "") + ")"
    else:                                            # a given number, or a summarised value
        expr = _literal(st.value)
    return f"{v(st.id)} = {expr}\n{v(st.id)}"


def _name(name: str, table: dict) -> str:
    if name not in table:
        raise ValueError(f"unknown operation {name!r}")
    return name


def _alpha(sol: Solution, st) -> float:
    return float(sol.spec.layers[st.layer - 1].alpha) if st.layer else 0.0


def _literal(value) -> str:
    if value is None:
        return "np.nan"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return "np.array(" + repr([[float(x) for x in r] if isinstance(r, list) else float(r) for r in value]) + ")"
    return f"np.float64({_num(value)})"


def _loss_after(sol: Solution) -> str:
    spec = sol.spec
    Ws, bs = [], []
    for l, layer in enumerate(spec.layers, start=1):
        n_in = layer.weights.shape[0]
        Ws.append("np.array([" + ", ".join("[" + ", ".join(ident(ids.nw(l, i, j)) for j in range(1, layer.units + 1))
                                         + "]" for i in range(1, n_in + 1)) + "])")
        if layer.bias_mode == "none":
            bs.append(f"np.zeros({layer.units})")
        elif layer.bias_mode == "shared":
            bs.append(f"np.full({layer.units}, {ident(ids.nb(l))})")
        else:
            bs.append("np.array([" + ", ".join(ident(ids.nb(l, j)) for j in range(1, layer.units + 1)) + "])")
    X = [[ident(ids.x(s, j)) for j in range(1, spec.inputs.shape[1] + 1)] for s in range(1, spec.n_samples + 1)]
    T = [[ident(ids.t(s, k)) for k in range(1, spec.targets.shape[1] + 1)] for s in range(1, spec.n_samples + 1)]
    f_acts = [f"f_act_{_name(l.activation, ACTIVATIONS)}" for l in spec.layers]
    alphas = [float(l.alpha) for l in spec.layers]
    mean = spec.reduction == "mean" and spec.n_samples > 1
    return (f"f_loss_after([{', '.join(Ws)}], [{', '.join(bs)}], [{', '.join(f_acts)}], {alphas!r}, "
            f"{str(X).replace(chr(39), '')}, {str(T).replace(chr(39), '')}, f_err_{_name(spec.loss, LOSSES)}, "
            f"{_num(spec.log_factor)}, {mean})")


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> .ipynb JSON text (nbformat 4, validated)."""
    doc = build(sol, options(opts, **kw))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell("\n".join(header(doc))), nbformat.v4.new_code_cell(helpers(sol.spec)),
             nbformat.v4.new_markdown_cell("\n".join(givens_md(doc))),
             nbformat.v4.new_code_cell("\n".join(f"{ident(g.step.id)} = {_literal(g.step.value)}" for g in doc.givens))]
    order = {s.id: k for k, s in enumerate(doc.sol.steps)}
    lines = sorted((l for sec in doc.sections for l in sec.lines + sec.table), key=lambda l: order[l.step.id])
    title = {l.step.id: sec.title for sec in doc.sections for l in sec.lines + sec.table}
    last = None
    for line in lines:
        md = [f"### {md_text(title[line.step.id])}", ""] if title[line.step.id] != last else []
        last = title[line.step.id]
        note = f" *({md_text(line.step.note)})*" if line.step.note else ""
        cells.append(nbformat.v4.new_markdown_cell("\n".join(md + [f"**{md_text(line.step.label)}**{note}", "",
                                                                    step_math(line)])))
        code = (f"{ident(line.step.id)} = ...  # compute it from the variables above" if line.blank
                else code_for(line, doc.sol))
        cells.append(nbformat.v4.new_code_cell(code))
    nb.cells = cells
    nbformat.validate(nb)
    return nbformat.writes(nb)


def code_cells(text: str) -> list[str]:
    """The code cells of a notebook's JSON text, in order."""
    return [c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
