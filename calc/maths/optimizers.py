"""The update rules, one record each over an arithmetic (PyTorch's definitions; state starts at zero, t counts from 1).

    sgd       p+ = p - eta g
    momentum  vel = mu vel + g                      p+ = p - eta vel              (torch.optim.SGD, dampening 0)
    nesterov  vel = mu vel + g                      p+ = p - eta (g + mu vel)
    rmsprop   v = alpha v + (1 - alpha) g^2         p+ = p - eta g / (sqrt(v) + eps)
    adam      m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2 ; m^ = m / (1 - b1^t) ; v^ = v / (1 - b2^t)
              p+ = p - eta m^ / (sqrt(v^) + eps)
g is dE/dp of the whole loss (the L2 term included). `step` returns the new parameter and the named
intermediates in the order a person writes them (the worked solution's optimizer steps, ids vel. m. v. mhat. vhat.).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Optimizer:
    name: str
    state: tuple[str, ...]            # the state carried from one update to the next
    step: Callable                    # (A, p, g, state: dict, hp: dict, eta, t) -> (p+, {name: value} in order)
    tex: dict                         # intermediate -> LaTeX right-hand side in {g}, {p}, {prev} and the symbols
    tex_update: str                   # p+ = ..., in {p}, {g} and the intermediates' symbols


def _sgd(A, p, g, s, hp, eta, t):
    return p - eta * g, {}


def _momentum(A, p, g, s, hp, eta, t):
    vel = hp["momentum"] * s["vel"] + g
    return p - eta * vel, {"vel": vel}


def _nesterov(A, p, g, s, hp, eta, t):
    vel = hp["momentum"] * s["vel"] + g
    return p - eta * (g + hp["momentum"] * vel), {"vel": vel}


def _rmsprop(A, p, g, s, hp, eta, t):
    v = hp["alpha"] * s["v"] + (1 - hp["alpha"]) * (g * g)
    return p - eta * g / (A.sqrt(v) + hp["eps"]), {"v": v}


def _adam(A, p, g, s, hp, eta, t):
    m = hp["beta1"] * s["m"] + (1 - hp["beta1"]) * g
    v = hp["beta2"] * s["v"] + (1 - hp["beta2"]) * (g * g)
    mhat = m / (1 - hp["beta1"] ** t)
    vhat = v / (1 - hp["beta2"] ** t)
    return p - eta * mhat / (A.sqrt(vhat) + hp["eps"]), {"m": m, "v": v, "mhat": mhat, "vhat": vhat}


OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in [
    Optimizer("sgd", (), _sgd, {}, r"{p} - \eta \cdot {g}"),
    Optimizer("momentum", ("vel",), _momentum, {"vel": r"\mu \cdot {prev} + {g}"}, r"{p} - \eta \cdot {vel}"),
    Optimizer("nesterov", ("vel",), _nesterov, {"vel": r"\mu \cdot {prev} + {g}"},
              r"{p} - \eta \left({g} + \mu \cdot {vel}\right)"),
    Optimizer("rmsprop", ("v",), _rmsprop, {"v": r"\alpha \cdot {prev} + (1 - \alpha) \cdot {g}^{2}"},
              r"{p} - \eta \frac{{g}}{\sqrt{{v}} + \epsilon}"),
    Optimizer("adam", ("m", "v"), _adam,
              {"m": r"\beta_1 \cdot {prev} + (1 - \beta_1) \cdot {g}",
               "v": r"\beta_2 \cdot {prev} + (1 - \beta_2) \cdot {g}^{2}",
               "mhat": r"\frac{{m}}{1 - \beta_1^{t}}", "vhat": r"\frac{{v}}{1 - \beta_2^{t}}"},
              r"{p} - \eta \frac{{mhat}}{\sqrt{{vhat}} + \epsilon}"),
]}
