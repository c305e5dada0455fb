"""Straight-line Python for one training step of a small network, generated from its SHAPE only.

The only module that generates code. The source is built from internal data and nothing else: the layer
sizes (ints), the activation / loss names (each checked against a fixed whitelist below), the bias modes,
the update order and the batch size. No number and no user text ever enters the source: parameters,
samples, eta, alpha and the 1/n and 1/ln10 factors are arguments. The step formulas are those of
calc.engine.numeric (same stable forms), unrolled per sample and unit:
    z = sum_i a_i w_ij + b_j ; a = f(z) ; delta_L = dE/dz (fused where it simplifies) ;
    dE/da_prev_i = sum_j delta_j w_ij (w+ under sequential order) ; w+ = w - eta * sum_s a_i delta_j
Math errors (math.exp overflow, log 0, 0 division) raise; the caller hands such steps to calc.engine.numeric.
"""
from __future__ import annotations

import math
import types
from functools import lru_cache

_ACTS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan", "softmax")
_LOSSES = ("half_sse", "sse", "mse", "bce", "cce")
_MODES = ("unit", "shared", "none")
_ORDERS = ("simultaneous", "sequential")
_GLOBALS = {"exp": math.exp, "log": math.log, "log1p": math.log1p, "expm1": math.expm1, "tanh": math.tanh,
            "atan": math.atan, "__builtins__": {"abs": abs, "max": max, "min": min}}

Shape = tuple  # (sizes, activations, bias_modes, loss, reduction, update_biases, order)


def shape_of(spec) -> Shape:
    """The structural key of a spec: everything the generated source depends on, and nothing numeric."""
    return (tuple(int(s) for s in spec.sizes), tuple(layer.activation for layer in spec.layers),
            tuple(layer.bias_mode for layer in spec.layers), spec.loss, spec.reduction, bool(spec.update_biases),
            spec.update_order)


def _check(shape: Shape) -> None:
    sizes, acts, modes, loss, reduction, _, order = shape
    if not (reduction in ("sum", "mean") and all(isinstance(s, int) and s > 0 for s in sizes) and all(a in _ACTS for a in acts)
            and all(m in _MODES for m in modes) and loss in _LOSSES and order in _ORDERS):
        raise ValueError("codegen: unsupported network shape")


def _s(*parts) -> str:
    """A generated identifier from ints only, e.g. _s('z', 0, 1, 2) -> 'z_0_1_2'."""
    return "_".join([parts[0]] + [str(int(p)) for p in parts[1:]])


def _sum(terms: list[str]) -> str:
    return " + ".join(terms) if terms else "0.0"


class _Gen:
    def __init__(self, shape: Shape, batch: int):
        _check(shape)
        self.sizes, self.acts, self.modes, self.loss, self.reduction, self.upd_b, self.order = shape
        self.L, self.n = len(self.acts), int(batch)
        self.lines: list[str] = []

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    # -- parameters: P = [W_1 row-major, b_1 (units | 1 | none), W_2, ...] ---------------------------------
    def w(self, l, i, j):
        return _s("w", l, i, j)

    def b(self, l, j):
        return {"unit": _s("b", l, j), "shared": _s("b", l, 0), "none": None}[self.modes[l]]

    def params(self) -> list[str]:
        names = []
        for l in range(self.L):
            names += [self.w(l, i, j) for i in range(self.sizes[l]) for j in range(self.sizes[l + 1])]
            names += {"unit": [_s("b", l, j) for j in range(self.sizes[l + 1])], "shared": [_s("b", l, 0)],
                      "none": []}[self.modes[l]]
        return names

    def a(self, s, l, j):
        """Activation j of layer l (l = -1: the inputs) for sample s."""
        return _s("x", s, j) if l < 0 else _s("a", s, l, j)

    # -- forward ---------------------------------------------------------------------------------------
    def forward(self, s: int) -> None:
        for l in range(self.L):
            act, units = self.acts[l], self.sizes[l + 1]
            al = _s("al", l)
            for j in range(units):
                z = _s("z", s, l, j)
                terms = [f"{self.a(s, l - 1, i)} * {self.w(l, i, j)}" for i in range(self.sizes[l])]
                bias = self.b(l, j)
                self.emit(f"{z} = ({_sum(terms)})" + (f" + {bias}" if bias else ""))
                a = self.a(s, l, j)
                if act == "identity":
                    self.emit(f"{a} = {z}")
                elif act in ("sigmoid", "softplus"):
                    e = _s("e", s, l, j)
                    self.emit(f"{e} = exp(-abs({z}))")
                    if act == "sigmoid":
                        self.emit(f"{a} = 1.0 / (1.0 + {e}) if {z} >= 0.0 else {e} / (1.0 + {e})")
                    else:
                        self.emit(f"{a} = max({z}, 0.0) + log1p({e})")
                elif act == "tanh":
                    self.emit(f"{a} = tanh({z})")
                elif act == "arctan":
                    self.emit(f"{a} = atan({z})")
                elif act == "relu":
                    self.emit(f"{a} = {z} if {z} > 0.0 else 0.0")
                elif act == "leaky_relu":
                    self.emit(f"{a} = {z} if {z} > 0.0 else {al} * {z}")
                elif act == "elu":
                    self.emit(f"{a} = {z} if {z} > 0.0 else {al} * expm1({z})")
            if act == "softmax":
                m, tot = _s("m", s, l), _s("S", s, l)
                self.emit(f"{m} = max({', '.join(_s('z', s, l, j) for j in range(units))})")
                for j in range(units):
                    self.emit(f"{_s('e', s, l, j)} = exp({_s('z', s, l, j)} - {m})")
                self.emit(f"{tot} = {_sum([_s('e', s, l, j) for j in range(units)])}")
                for j in range(units):
                    self.emit(f"{self.a(s, l, j)} = {_s('e', s, l, j)} / {tot}")

    def dact(self, s: int, l: int, j: int) -> str:
        """f'(z) for an elementwise activation (calc.engine.activations' df)."""
        act, z, a, e = self.acts[l], _s("z", s, l, j), self.a(s, l, j), _s("e", s, l, j)
        return {"identity": "1.0", "sigmoid": f"{a} * (1.0 - {a})", "tanh": f"1.0 - {a} * {a}",
                "relu": f"(1.0 if {z} > 0.0 else 0.0)", "leaky_relu": f"(1.0 if {z} > 0.0 else {_s('al', l)})",
                "elu": f"(1.0 if {z} > 0.0 else {_s('al', l)} * exp(min({z}, 0.0)))",
                "softplus": f"(1.0 / (1.0 + {e}) if {z} >= 0.0 else {e} / (1.0 + {e}))",
                "arctan": f"1.0 / (1.0 + {z} * {z})"}[act]

    # -- loss ------------------------------------------------------------------------------------------
    def logs(self, s: int, k: int) -> tuple[str, str]:
        """(ln o_k, ln(1 - o_k)) from the net where the output activation allows it (calc.engine.losses)."""
        L, act = self.L - 1, self.acts[-1]
        z, o = _s("z", s, L, k), self.a(s, L, k)
        if act == "sigmoid":
            e = _s("e", s, L, k)
            return f"(-(max(-{z}, 0.0) + log1p({e})))", f"(-(max({z}, 0.0) + log1p({e})))"
        if act == "softmax":
            m, tot, units = _s("m", s, L), _s("S", s, L), self.sizes[-1]
            rest = _sum([_s("e", s, L, j) for j in range(units) if j != k])
            return f"(({z} - {m}) - log({tot}))", f"(log({rest}) - log({tot}))"
        return f"log({o})", f"log1p(-{o})"

    def term(self, s: int, k: int) -> str:
        t, o, m = _s("t", s, k), self.a(s, self.L - 1, k), self.sizes[-1]
        if self.loss == "half_sse":
            return f"0.5 * ({t} - {o}) ** 2"
        if self.loss == "sse":
            return f"({t} - {o}) ** 2"
        if self.loss == "mse":
            return f"({t} - {o}) ** 2 / {m}"
        lo, l1 = self.logs(s, k)
        if self.loss == "cce":
            return f"-(0.0 if {t} == 0.0 else {t} * {lo}) * lf"
        return f"-((0.0 if {t} == 0.0 else {t} * {lo}) + (0.0 if 1.0 - {t} == 0.0 else (1.0 - {t}) * {l1})) * lf"

    # -- backward --------------------------------------------------------------------------------------
    def output_delta(self, s: int) -> None:
        L, act, loss, m = self.L - 1, self.acts[-1], self.loss, self.sizes[-1]
        for k in range(m):
            t, o, d = _s("t", s, k), self.a(s, L, k), _s("d", s, L, k)
            if loss == "bce" and act == "sigmoid":
                self.emit(f"{d} = ({o} - {t}) * lf * scale")
            elif loss == "cce" and act == "softmax":
                tsum = _sum([_s("t", s, j) for j in range(m)])
                self.emit(f"{d} = ({o} * ({tsum}) - {t}) * lf * scale")
            elif loss == "cce" and act == "sigmoid":
                self.emit(f"{d} = -{t} * (1.0 - {o}) * lf * scale")
            else:
                g = {"half_sse": f"{o} - {t}", "sse": f"2.0 * ({o} - {t})", "mse": f"2.0 * ({o} - {t}) / {m}",
                     "bce": f"({o} - {t}) / ({o} * (1.0 - {o})) * lf",
                     "cce": f"(0.0 if {t} == 0.0 else -{t} / {o} * lf)"}[loss]
                self.emit(f"{_s('g', s, L, k)} = ({g}) * scale")
        if not ((loss == "bce" and act == "sigmoid") or (loss == "cce" and act in ("softmax", "sigmoid"))):
            self.deltas_from_g(s, L)

    def deltas_from_g(self, s: int, l: int) -> None:
        """delta = g * f'(z), or through the softmax Jacobian: delta_j = sum_k g_k o_k (I_kj - o_j)."""
        units = self.sizes[l + 1]
        for j in range(units):
            d, g = _s("d", s, l, j), _s("g", s, l, j)
            if self.acts[l] == "softmax":
                aj = self.a(s, l, j)
                terms = [f"{_s('g', s, l, k)} * ({self.a(s, l, k)} * ({'1.0' if k == j else '0.0'} - {aj}))"
                         for k in range(units)]
                self.emit(f"{d} = {_sum(terms)}")
            else:
                self.emit(f"{d} = {_s('g', s, l, j)} * ({self.dact(s, l, j)})")

    def backward(self) -> list[str]:
        """Emit gradients and updates layer by layer from the output; return the new parameter names."""
        new: dict[str, str] = {}
        for s in range(self.n):
            self.output_delta(s)
        for l in range(self.L - 1, -1, -1):
            nin, units = self.sizes[l], self.sizes[l + 1]
            for i in range(nin):
                for j in range(units):
                    gw = _sum([f"{self.a(s, l - 1, i)} * {_s('d', s, l, j)}" for s in range(self.n)])
                    nw = _s("nw", l, i, j)
                    self.emit(f"{nw} = {self.w(l, i, j)} - eta * ({gw})")
                    new[self.w(l, i, j)] = nw
            mode = self.modes[l]
            if mode != "none" and self.upd_b:
                cols = [[j] for j in range(units)] if mode == "unit" else [list(range(units))]
                for c, js in enumerate(cols):
                    gb = _sum([_s("d", s, l, j) for s in range(self.n) for j in js])
                    nb = _s("nb", l, c)
                    self.emit(f"{nb} = {_s('b', l, c)} - eta * ({gb})")
                    new[_s("b", l, c)] = nb
            if l == 0:
                break
            for s in range(self.n):
                for i in range(self.sizes[l]):
                    back = [f"{_s('d', s, l, j)} * {new[self.w(l, i, j)] if self.order == 'sequential' else self.w(l, i, j)}"
                            for j in range(units)]
                    self.emit(f"{_s('g', s, l - 1, i)} = {_sum(back)}")
                self.deltas_from_g(s, l - 1)
        return [new.get(p, p) for p in self.params()]

    def source(self, grad: bool) -> str:
        head = ["def step(X, T, H, P):"]
        ps = self.params()
        if ps:
            self.emit(f"{', '.join(ps)}, = P")
        xs = [_s("x", s, i) for s in range(self.n) for i in range(self.sizes[0])]
        ts = [_s("t", s, k) for s in range(self.n) for k in range(self.sizes[-1])]
        self.emit(f"{', '.join(xs)}, = X")
        self.emit(f"{', '.join(ts)}, = T")
        self.emit(f"eta, scale, lf, {''.join(_s('al', l) + ', ' for l in range(self.L))}= H")
        for s in range(self.n):
            self.forward(s)
        for s in range(self.n):
            self.emit(f"{_s('E', s)} = {_sum([self.term(s, k) for k in range(self.sizes[-1])])}")
        total = _sum([_s('E', s) for s in range(self.n)])
        self.emit(f"loss = ({total}) / {self.n}" if self.reduction == "mean" else f"loss = {total}")
        if not grad:
            self.emit("return loss")
        else:
            new = self.backward()
            # 0 * (sum of the new parameters) is 0 unless one is inf or nan: then the loss flags the step
            self.emit(f"return loss + 0.0 * ({_sum(new)}), [{', '.join(new)}]")
        return "\n".join(head + self.lines) + "\n"


@lru_cache(maxsize=64)
def _compiled(shape: Shape, batch: int, grad: bool):
    src = _Gen(shape, batch).source(grad)
    module = compile(src, f"<calc.train.codegen {'step' if grad else 'loss'} n={batch}>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, dict(_GLOBALS), "step"), src


def step_function(shape: Shape, batch: int):
    """step(X, T, H, P) -> (E(P) flagged, P+): loss of the batch before the update and the updated parameters.

    P flat parameters (W row-major then b, layer by layer), X / T the batch flattened row by row,
    H = (eta, scale, lf, alpha_1, ..., alpha_L) with scale = 1/batch for a mean, 1 for a sum.
    """
    return _compiled(shape, batch, True)[0]


def loss_function(shape: Shape, batch: int):
    """loss(X, T, H, P) -> E(P) over the given samples (same argument layout as step_function)."""
    return _compiled(shape, batch, False)[0]


def source(shape: Shape, batch: int, grad: bool = True) -> str:
    """The generated source, for reading and for tests."""
    return _compiled(shape, batch, grad)[1]
