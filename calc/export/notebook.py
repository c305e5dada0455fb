"""Jupyter notebook (.ipynb, nbformat 4): each step a markdown cell and a NumPy code cell that
recomputes its value from the variables of earlier cells.

Code cells hold only generated code: variable names made from step ids (escape.ident), operation
names from calc's own tables, and numbers (repr of float64). User text appears only in markdown
cells, escaped. A worksheet leaves `...` where each computation goes.
"""
from __future__ import annotations

import nbformat

from calc.maths.functions import ACTIVATIONS
from calc.export.document import Line, Options, build, options
from calc.export.escape import ident, md_text
from calc.export.markdown import givens_md, header, step_math
from calc.maths.functions import LOSSES
from calc.worked.solve import Solution

HELPERS = '''import numpy as np
np.seterr(all="ignore")   # a saturated step shows inf / nan instead of stopping the notebook


def f_act(name, net, alpha=0.0):
    """out = f(net) for one unit"""
    return {"identity": lambda z: z, "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "tanh": np.tanh,
            "relu": lambda z: np.maximum(z, 0.0), "leaky_relu": lambda z: np.where(z > 0, z, alpha * z),
            "elu": lambda z: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))),
            "softplus": lambda z: np.logaddexp(0.0, z), "arctan": np.arctan}[name](np.float64(net))


def f_softmax(nets, index):
    """out_j = e^net_j / sum_k e^net_k"""
    z = np.array(nets, dtype=float)
    e = np.exp(z - z.max())
    return e[index] / e.sum()


def f_dact(name, net, out, alpha=0.0):
    """dout/dnet for one unit (kinks as PyTorch: relu'(0) = 0)"""
    return {"identity": lambda: 1.0, "sigmoid": lambda: out * (1.0 - out), "tanh": lambda: 1.0 - out * out,
            "relu": lambda: float(net > 0), "leaky_relu": lambda: 1.0 if net > 0 else alpha,
            "elu": lambda: 1.0 if net > 0 else alpha * np.exp(min(net, 0.0)),
            "softplus": lambda: 1.0 / (1.0 + np.exp(-net)), "arctan": lambda: 1.0 / (1.0 + net * net)}[name]()


def f_log(o, net, act):
    """(ln o, ln(1 - o)), from net where the activation is a sigmoid"""
    if act == "sigmoid":
        return -np.logaddexp(0.0, -net), -np.logaddexp(0.0, net)
    return np.log(o), np.log1p(-o)


def f_xlogy(t, log_o):
    return np.where(t == 0, 0.0, t * log_o)


def f_err(loss, t, o, m, lf, net=0.0, act=""):
    """one output's error term e_k"""
    if loss == "half_sse":
        return 0.5 * (t - o) ** 2
    if loss == "sse":
        return (t - o) ** 2
    if loss == "mse":
        return (t - o) ** 2 / m
    lo, l1 = f_log(o, net, act)
    if loss == "bce":
        return -(f_xlogy(t, lo) + f_xlogy(1.0 - t, l1)) * lf
    return -f_xlogy(t, lo) * lf


def f_dloss(loss, t, o, m, lf):
    """dE/dout_k of one sample's loss"""
    return {"half_sse": lambda: o - t, "sse": lambda: 2.0 * (o - t), "mse": lambda: 2.0 * (o - t) / m,
            "bce": lambda: (o - t) / (o * (1.0 - o)) * lf,
            "cce": lambda: (0.0 if t == 0 else -t / o) * lf}[loss]()


def f_loss_after(Ws, bs, acts, alphas, X, T, loss, lf, mean):
    """E recomputed with the updated parameters: forward pass of every sample, then the loss"""
    total = 0.0
    for x, t in zip(X, T):
        a = np.array(x, dtype=float)
        for W, b, act, alpha in zip(Ws, bs, acts, alphas):
            net = a @ W + b
            a = (np.array([f_softmax(net, j) for j in range(len(net))]) if act == "softmax"
                 else np.array([f_act(act, z, alpha) for z in net]))
        total += sum(f_err(loss, tk, ok, len(t), lf, zk, acts[-1]) for tk, ok, zk in zip(t, a, net))
    return total / len(X) if mean else total
'''


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
    elif op == "act" and a["activation"] == "softmax":
        expr = f"f_softmax([{', '.join(v(n) for n in a['nets'])}], {int(a['index'])})"
    elif op == "act":
        expr = f"f_act({_name(a['activation'], ACTIVATIONS)!r}, {v(a['net'])}, {_num(a['alpha'])})"
    elif op == "err":
        act = a["activation"] if a["activation"] in ACTIVATIONS else ""
        expr = (f"f_err({_name(a['loss'], LOSSES)!r}, {v(a['t'])}, {v(a['o'])}, {int(a['m'])}, {lf}, "
                f"{v(a['net'])}, {act!r})")
    elif op in ("sum", "mean"):
        expr = " + ".join(deps) or "0.0"
        expr = f"({expr}) / {len(deps)}" if op == "mean" else expr
    elif op == "dloss":
        expr = (f"f_dloss({_name(a['loss'], LOSSES)!r}, {v(a['t'])}, {v(a['o'])}, {int(a['m'])}, {lf})"
                f" / {int(a['scale'])}")
    elif op == "dact":
        expr = f"f_dact({_name(a['activation'], ACTIVATIONS)!r}, {v(a['net'])}, {v(a['out'])}, {_num(a['alpha'])})"
    elif op == "jac":
        expr = f"{v(a['k'])} * (1.0 - {v(a['k'])})" if a["same"] else f"-{v(a['k'])} * {v(a['j'])}"
    elif op == "mul":
        expr = " * ".join(deps)
    elif op == "sumprod":
        expr = " + ".join(f"{deps[k]} * {deps[k + 1]}" for k in range(0, len(deps), 2))
    elif op == "fused":
        o, t = v(a["o"]), v(a["t"])
        core = {"sigmoid_bce": f"({o} - {t})", "sigmoid_cce": f"-{t} * (1.0 - {o})",
                "softmax_cce": f"({o} * ({' + '.join(v(x) for x in a['targets'])}) - {t})"}[a["kind"]]
        expr = f"{core} * {lf} / {int(a['scale'])}"
    elif op == "update":
        expr = f"{v(a['w'])} - {v(a['eta'])} * {v(a['g'])}"
    elif op == "copy":
        expr = v(a["src"])
    elif op == "recompute":
        expr = _loss_after(sol)
    elif op == "matrix" and st.value is not None and all(e is not None for r in a["entries"] for e in r):
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


def _literal(value) -> str:
    if value is None:
        return "np.nan"
    if isinstance(value, list):
        return "np.array(" + repr([[float(x) for x in r] if isinstance(r, list) else float(r) for r in value]) + ")"
    return f"np.float64({_num(value)})"


def _loss_after(sol: Solution) -> str:
    spec = sol.spec
    Ws, bs = [], []
    for l, layer in enumerate(spec.layers, start=1):
        n_in = layer.weights.shape[0]
        Ws.append("np.array([" + ", ".join("[" + ", ".join(ident(f"nw.l{l}.i{i}.u{j}") for j in range(1, layer.units + 1))
                                         + "]" for i in range(1, n_in + 1)) + "])")
        if layer.bias_mode == "none":
            bs.append(f"np.zeros({layer.units})")
        elif layer.bias_mode == "shared":
            bs.append(f"np.full({layer.units}, {ident(f'nb.l{l}')})")
        else:
            bs.append("np.array([" + ", ".join(ident(f"nb.l{l}.u{j}") for j in range(1, layer.units + 1)) + "])")
    X = [[ident(f"x.s{s}.u{j}") for j in range(1, spec.inputs.shape[1] + 1)] for s in range(1, spec.n_samples + 1)]
    T = [[ident(f"t.s{s}.u{k}") for k in range(1, spec.targets.shape[1] + 1)] for s in range(1, spec.n_samples + 1)]
    acts = [_name(l.activation, ACTIVATIONS) for l in spec.layers]
    alphas = [float(l.alpha) for l in spec.layers]
    mean = spec.reduction == "mean" and spec.n_samples > 1
    return (f"f_loss_after([{', '.join(Ws)}], [{', '.join(bs)}], {acts!r}, {alphas!r}, "
            f"{str(X).replace(chr(39), '')}, {str(T).replace(chr(39), '')}, {_name(spec.loss, LOSSES)!r}, "
            f"{_num(spec.log_factor)}, {mean})")


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> .ipynb JSON text (nbformat 4, validated)."""
    doc = build(sol, options(opts, **kw))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell("\n".join(header(doc))), nbformat.v4.new_code_cell(HELPERS),
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
