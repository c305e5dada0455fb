"""Losses: one record each, the per-output error term next to its derivative dE/dout.

Per sample, E = sum_k e_k (for mse, e_k already carries the 1/m). `lf` is 1/ln(base) for bce/cce
(log10 x = ln x / ln 10), 1 otherwise. Logarithms are taken from the net input where the output
activation allows it (log sigma(z) = -softplus(-z), log softmax = z - logsumexp z), so a saturated
output still gives a finite loss.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from calc.engine.activations import log_softmax, softplus


def _log_outputs(out: np.ndarray, net: np.ndarray, act: str) -> tuple[np.ndarray, np.ndarray]:
    """(ln o, ln(1 - o)) computed stably from the net input."""
    if act == "sigmoid":
        return -softplus(-net), -softplus(net)
    if act == "softmax":
        log_o = log_softmax(net)
        # ln(1 - o_k) = logsumexp_{j != k} z_j - logsumexp_j z_j
        z = net - np.max(net, axis=-1, keepdims=True)
        e = np.exp(z)
        rest = e @ (1.0 - np.eye(e.shape[-1]))     # sum of the other classes, no cancellation
        with np.errstate(divide="ignore"):
            log_rest = np.log(rest) - np.log(np.sum(e, axis=-1, keepdims=True))
        return log_o, log_rest
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(out), np.log1p(-out)


def _xlogy(t: np.ndarray, log_o: np.ndarray) -> np.ndarray:
    """t * ln o with 0 * ln 0 = 0 (a target of 0 contributes nothing)."""
    return np.where(t == 0, 0.0, t * np.where(np.isfinite(log_o), log_o, -745.0))


@dataclass(frozen=True)
class Loss:
    name: str
    term: Callable[..., np.ndarray]     # (t, o, net, act, lf) -> e_k per output
    dout: Callable[..., np.ndarray]     # (t, o, lf) -> dE/do_k (may be inf where saturated)
    tex_term: Callable[[str, str, int, str], str]   # (t, o, m, log) -> LaTeX of e_k
    tex_dout: Callable[[str, str, int, str], str]   # (t, o, m, log) -> LaTeX of dE/do_k
    log: bool = False


def _bce_d(t, o, lf):
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (o - t) / (o * (1.0 - o)) * lf
    return np.where(np.isfinite(d), d, np.inf)


def _cce_d(t, o, lf):
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(t == 0, 0.0, -t / o) * lf
    return np.where(np.isfinite(d), d, np.inf)


def _ln(log: str) -> str:
    return r"\ln" if log == "e" else r"\log_{10}"


def _lnf(log: str) -> str:
    return "" if log == "e" else r" \ln 10"


LOSSES: dict[str, Loss] = {x.name: x for x in [
    Loss("half_sse", lambda t, o, net, act, lf: 0.5 * (t - o) ** 2, lambda t, o, lf: o - t,
         lambda t, o, m, lg: rf"\tfrac{{1}}{{2}} ({t} - {o})^{{2}}", lambda t, o, m, lg: rf"-({t} - {o})"),
    Loss("sse", lambda t, o, net, act, lf: (t - o) ** 2, lambda t, o, lf: 2.0 * (o - t),
         lambda t, o, m, lg: rf"({t} - {o})^{{2}}", lambda t, o, m, lg: rf"-2 ({t} - {o})"),
    Loss("mse", lambda t, o, net, act, lf: (t - o) ** 2 / t.shape[-1], lambda t, o, lf: 2.0 * (o - t) / t.shape[-1],
         lambda t, o, m, lg: rf"\tfrac{{1}}{{{m}}} ({t} - {o})^{{2}}", lambda t, o, m, lg: rf"-\tfrac{{2}}{{{m}}} ({t} - {o})"),
    Loss("bce", lambda t, o, net, act, lf: 0.0 - (_xlogy(t, _log_outputs(o, net, act)[0])
                                            + _xlogy(1.0 - t, _log_outputs(o, net, act)[1])) * lf,
         _bce_d,
         lambda t, o, m, lg: rf"-[{t} {_ln(lg)} {o} + (1 - {t}) {_ln(lg)} (1 - {o})]",
         lambda t, o, m, lg: rf"\frac{{{o} - {t}}}{{{o} (1 - {o}){_lnf(lg)}}}", log=True),
    Loss("cce", lambda t, o, net, act, lf: 0.0 - _xlogy(t, _log_outputs(o, net, act)[0]) * lf, _cce_d,
         lambda t, o, m, lg: rf"-{t} {_ln(lg)} {o}", lambda t, o, m, lg: rf"-\frac{{{t}}}{{{o}{_lnf(lg)}}}", log=True),
]}


def fused_delta(loss: str, act: str, t: np.ndarray, o: np.ndarray, lf: float) -> np.ndarray | None:
    """dE/dnet at the output in closed form where it simplifies (before the 1/n of a mean), else None.

    sigmoid + bce: (o - t) lf ; softmax + cce: (o sum_k t_k - t) lf (= o - t for one-hot targets);
    sigmoid + cce: -t (1 - o) lf.
    """
    if loss == "bce" and act == "sigmoid":
        return (o - t) * lf
    if loss == "cce" and act == "softmax":
        return (o * np.sum(t, axis=-1, keepdims=True) - t) * lf
    if loss == "cce" and act == "sigmoid":
        return -t * (1.0 - o) * lf
    return None
