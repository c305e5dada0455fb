"""Fast training loops: the same update as calc.engine.numeric, without building a Spec per step.

Two models share one driver (calc.train.loop picks one):
    ScalarModel  straight-line Python generated from the network's shape (calc.train.codegen): small networks
    VectorModel  NumPy on preallocated lists of arrays: larger networks or batches
Both implement  step(P, idx) -> (E_batch(P) flagged, P+)  and  loss(P) -> E_all(P) ; the flag is nan when a
new parameter is not finite. Any math error or non-finite value hands the rest of the run back to the
reference loop in calc.train.loop from two steps earlier, so where and why training stops is decided there.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from calc.train import codegen
from calc.maths.arith import FLOAT
from calc.maths.functions import ACTIVATIONS, LOSSES, fused_delta, output_logs, softmax_vjp
from calc.problem.spec import Spec


class Trouble(Exception):
    """A step the fast path does not vouch for: resume with the reference loop at `start` from `params`."""

    def __init__(self, start: int, params, history: list[float], snaps: dict):
        super().__init__(f"hand over after step {start}")
        self.start, self.params = start, params
        self.history = history[:start]          # E_0 .. E_{start-1}; the reference loop adds E_start on
        self.snaps = {k: v for k, v in snaps.items() if k <= start}


def n_params(spec: Spec) -> int:
    return sum(layer.weights.size + {"unit": layer.units, "shared": 1, "none": 0}[layer.bias_mode]
               for layer in spec.layers)


class ScalarModel:
    """P = flat list of floats: W_1 row-major, b_1 (per unit | one shared | nothing), W_2, ..."""

    def __init__(self, spec: Spec, batch_size: int):
        self.spec, self.shape = spec, codegen.shape_of(spec)
        n = spec.n_samples
        self.xr = [[float(v) for v in row] for row in spec.inputs]
        self.tr = [[float(v) for v in row] for row in spec.targets]
        self.X = [v for row in self.xr for v in row]
        self.T = [v for row in self.tr for v in row]
        alphas = tuple(float(layer.alpha) for layer in spec.layers)
        self.H = {b: (float(spec.learning_rate), 1.0 / b if spec.reduction == "mean" else 1.0, spec.log_factor) + alphas
                  for b in {batch_size, n % batch_size or batch_size, n}}
        self._steps = {b: codegen.step_function(self.shape, b) for b in self.H}
        self.step_all = partial(self._steps[n], self.X, self.T, self.H[n])     # step_all(P) -> (E(P), P+)
        self.loss = partial(codegen.loss_function(self.shape, n), self.X, self.T, self.H[n])   # loss(P) -> E(P)

    def start(self) -> list[float]:
        p: list[float] = []
        for layer in self.spec.layers:
            p += [float(v) for v in layer.weights.ravel()]
            if layer.bias_mode == "unit":
                p += [float(v) for v in layer.biases]
            elif layer.bias_mode == "shared":
                p.append(float(layer.biases[0]))
        return p

    def arrays(self, P: list[float]):
        """(weights, biases) as calc.engine.numeric keeps them (a shared bias repeated per unit)."""
        ws, bs, at = [], [], 0
        for layer in self.spec.layers:
            r, c = layer.weights.shape
            ws.append(np.array(P[at:at + r * c], dtype=np.float64).reshape(r, c))
            at += r * c
            if layer.bias_mode == "unit":
                bs.append(np.array(P[at:at + c], dtype=np.float64))
                at += c
            elif layer.bias_mode == "shared":
                bs.append(np.full(c, P[at], dtype=np.float64))
                at += 1
            else:
                bs.append(None)
        return ws, bs

    def step(self, P, idx):
        X = [v for i in idx for v in self.xr[i]]
        T = [v for i in idx for v in self.tr[i]]
        return self._steps[len(idx)](X, T, self.H[len(idx)], P)


class VectorModel:
    """P = (list of W arrays, list of b arrays or None); the formulas of calc.engine.numeric.backward, vectorised."""

    def __init__(self, spec: Spec, batch_size: int):
        self.spec = spec
        self.acts = [(ACTIVATIONS[layer.activation], layer.activation, layer.alpha) for layer in spec.layers]
        self.fs = [ACTIVATIONS[layer.activation].f for layer in spec.layers]
        self.modes = [layer.bias_mode for layer in spec.layers]
        self.units = [layer.units for layer in spec.layers]
        self.lossf = LOSSES[spec.loss]
        self.lf, self.eta, self.mean = spec.log_factor, spec.learning_rate, spec.reduction == "mean"
        self.seq, self.upd_b = spec.update_order == "sequential", spec.update_biases
        self.X, self.T = spec.inputs, spec.targets

    def start(self):
        return ([layer.weights.copy() for layer in self.spec.layers],
                [None if layer.biases is None else layer.biases.copy() for layer in self.spec.layers])

    def arrays(self, P):
        return [w.copy() for w in P[0]], [None if b is None else b.copy() for b in P[1]]

    def _forward(self, P, x):
        nets, outs, a = [], [], x
        for f, (_, _, alpha), w, b in zip(self.fs, self.acts, P[0], P[1]):
            z = a @ w
            if b is not None:
                z += b
            a = f(z, alpha)
            nets.append(z)
            outs.append(a)
        return nets, outs

    def _reduce(self, nets, outs, t) -> float:
        act = self.acts[-1][0]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = self.lossf.term(FLOAT, t, outs[-1], lambda: output_logs(FLOAT, act, nets[-1], outs[-1]),
                                    t.shape[-1], self.lf)
        s = terms.sum(axis=1)
        return float(s.mean() if self.mean else s.sum())

    def loss(self, P) -> float:
        nets, outs = self._forward(P, self.X)
        return self._reduce(nets, outs, self.T)

    def step_all(self, P):
        return self._step(P, self.X, self.T)

    def step(self, P, idx):
        return self._step(P, self.X[idx], self.T[idx])

    def _step(self, P, x, t):
        """delta_L, then W+ = W - eta A^T delta and delta_{l-1} = (delta W^T) f'(Z) back to the first layer."""
        W, B = P
        nets, outs = self._forward(P, x)
        loss = self._reduce(nets, outs, t)
        L = len(W)
        scale = 1.0 / x.shape[0] if self.mean else 1.0
        act, name, alpha = self.acts[-1]
        o, z = outs[-1], nets[-1]
        fused = fused_delta(FLOAT, self.spec.loss, name, t, o, self.lf)
        if fused is not None:
            delta = fused * scale
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                g = self.lossf.dout(FLOAT, t, o, t.shape[-1], self.lf) * scale
            delta = (softmax_vjp(FLOAT, g, o) if act.vector and act.jacobian
                     else g * act.df(z, o, alpha))
        new_w, new_b, chk = [None] * L, [None] * L, 0.0
        for k in range(L - 1, -1, -1):
            a_prev = x if k == 0 else outs[k - 1]
            new_w[k] = W[k] - self.eta * (a_prev.T @ delta)
            chk += new_w[k].sum()
            mode = self.modes[k]
            if mode == "none":
                new_b[k] = None
            elif not self.upd_b:
                new_b[k] = B[k]
            else:
                step = delta.sum(axis=0) if mode == "unit" else np.full(self.units[k], delta.sum())
                new_b[k] = B[k] - self.eta * step
                chk += new_b[k].sum()
            if k == 0:
                break
            g = delta @ (new_w[k] if self.seq else W[k]).T
            act, name, alpha = self.acts[k - 1]
            o = outs[k - 1]
            delta = (softmax_vjp(FLOAT, g, o) if act.vector and act.jacobian
                     else g * act.df(nets[k - 1], o, alpha))
        return loss + 0.0 * float(chk), (new_w, new_b)


def run(model, steps: int, batch_size: int, order, keep: set[int]):
    """history (E_0..E_N), final P, {k: P_k}; raises Trouble to hand a step to the reference loop.

    `order` is None for full-batch descent without shuffling, else an iterator of sample indices per update.
    """
    n = model.spec.n_samples
    P, prev, snaps = model.start(), None, {}
    if keep and 0 in keep:
        snaps[0] = P
    hist: list[float] = []
    step_all, loss_of = model.step_all, model.loss
    with np.errstate(all="ignore"):
        if batch_size == n:        # E(P_{k-1}) comes with update k: one forward pass per step
            for k in range(1, steps + 1):
                if order is not None:
                    next(order)    # a permutation of the whole batch only reorders a sum
                try:
                    loss, new = step_all(P)
                except (ArithmeticError, ValueError):
                    raise Trouble(max(k - 2, 0), prev if k >= 2 else P, hist, snaps) from None
                if loss - loss != 0.0:
                    raise Trouble(max(k - 2, 0), prev if k >= 2 else P, hist, snaps)
                hist.append(loss)
                prev, P = P, new
                if keep and k in keep:
                    snaps[k] = P
            try:
                last = loss_of(P)
            except (ArithmeticError, ValueError):
                last = float("nan")
            if last - last != 0.0:
                raise Trouble(max(steps - 1, 0), prev if steps >= 1 else P, hist, snaps)
            hist.append(last)
            return hist, P, snaps
        try:
            hist.append(model.loss(P))
        except (ArithmeticError, ValueError):
            raise Trouble(0, P, hist, snaps) from None
        for k in range(1, steps + 1):
            idx = next(order)
            try:
                flag, new = model.step(P, idx)
                loss = model.loss(new)
            except (ArithmeticError, ValueError):
                raise Trouble(k - 1, P, hist, snaps) from None
            if flag - flag != 0.0 or loss - loss != 0.0:
                raise Trouble(k - 1, P, hist, snaps)
            hist.append(loss)
            P = new
            if keep and k in keep:
                snaps[k] = P
    return hist, P, snaps
