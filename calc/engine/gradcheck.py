"""Central differences: the independent numeric check beside every backprop gradient.

dE/dw ~ (E(w + h) - E(w - h)) / 2h, each parameter nudged alone (simultaneous order: under sequential
order the earlier deltas are by definition not dE/dW).
"""
from __future__ import annotations

import numpy as np

from calc.engine.numeric import forward
from calc.problem.spec import Spec


def central_differences(spec: Spec, h: float = 1e-6) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """(dE/dW per layer, dE/db per layer: (units,) per unit, (1,) shared, None) by central differences."""
    weights = [layer.weights.copy() for layer in spec.layers]
    biases = [None if layer.biases is None else layer.biases.copy() for layer in spec.layers]

    def loss() -> float:
        return forward(spec, weights, biases, check=False).loss

    gw, gb = [], []
    for k, layer in enumerate(spec.layers):
        g = np.zeros_like(weights[k])
        for idx in np.ndindex(g.shape):
            w0 = weights[k][idx]
            weights[k][idx] = w0 + h
            up = loss()
            weights[k][idx] = w0 - h
            down = loss()
            weights[k][idx] = w0
            g[idx] = (up - down) / (2 * h)
        gw.append(g)
        if layer.bias_mode == "none":
            gb.append(None)
            continue
        cols = [[j] for j in range(layer.units)] if layer.bias_mode == "unit" else [list(range(layer.units))]
        g = np.zeros(len(cols))
        for c, units in enumerate(cols):
            b0 = biases[k].copy()
            biases[k][units] = b0[units] + h
            up = loss()
            biases[k][units] = b0[units] - h
            down = loss()
            biases[k] = b0
            g[c] = (up - down) / (2 * h)
        gb.append(g)
    return gw, gb
