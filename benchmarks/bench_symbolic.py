"""Speed of the symbolic worked solution against the naive SymPy-notebook approach, in the same run.

    python benchmarks/bench_symbolic.py [--limit SECONDS]

calc: solve (NumPy steps) + calc.symbolic.formulas.worked (SymPy formula, LaTeX of the general and substituted
forms, exact value at 9 digits, agreement flag) for every step. Warm: SymPy imported and one solution
built before timing; median of 3 runs.
naive: one SymPy expression for the whole loss in the leaves, differentiated by each weight and bias,
each derivative printed to LaTeX, evaluated with the numbers (evalf(subs=...), the faster of the two
notebook idioms: .subs(...) took about 4.5 s per hidden weight of the 4-5-3 here) and its value printed;
run in a forked child under a time limit ("> limit" when exceeded). SymPy's cache is cleared before each
timed run of either approach, so repeated runs do not flatter the medians.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from calc.symbolic import formulas as symbolic  # noqa: E402
from calc.presets import load_preset  # noqa: E402
from calc.worked.solve import solve  # noqa: E402
from calc.problem.spec import spec_from_dict  # noqa: E402


def random_net(sizes: list[int], acts: list[str], loss: str, seed: int):
    """Fixed-seed weights in [-0.5, 0.5] with 2 decimals, one sample, a one-hot target for cce."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: np.round(rng.uniform(-0.5, 0.5, shape), 2).tolist()  # noqa: E731
    m = sizes[-1]
    targets = [1.0] + [0.0] * (m - 1) if loss == "cce" else np.round(rng.uniform(0.05, 0.95, m), 2).tolist()
    layers = [{"weights": r(sizes[k - 1], sizes[k]), "biases": r(sizes[k]), "activation": acts[k - 1]}
              for k in range(1, len(sizes))]
    return spec_from_dict({"inputs": r(sizes[0]), "targets": targets, "layers": layers, "loss": loss,
                           "learning_rate": 0.5})


def networks():
    return [("2-2-2 Mazur", load_preset("mazur"), True),
            ("4-5-3 sigmoid/softmax/cce", load_preset("classifier_4_5_3"), True),
            ("3-3-3-3 sigmoid", random_net([3, 3, 3, 3], ["sigmoid"] * 3, "half_sse", 3), True),
            ("7-10-3 sigmoid/softmax/cce", random_net([7, 10, 3], ["sigmoid", "softmax"], "cce", 7), False)]


def ours(spec) -> tuple[int, float]:
    """(steps, median seconds) for the complete worked solution."""
    times, n = [], 0
    for _ in range(3):
        clear_cache()
        t0 = time.perf_counter()
        sol = solve(spec)
        w = symbolic.worked(sol, 9)
        times.append(time.perf_counter() - t0)
        n = len(sol.steps)
        assert all(x.exact.agree is not False for x in w.values())
    return n, statistics.median(times)


# ---- the naive notebook ------------------------------------------------------------------------------------
def _act(name: str, zs: list) -> list:
    if name == "sigmoid":
        return [1 / (1 + sympy.exp(-z)) for z in zs]
    if name == "softmax":
        den = sum(sympy.exp(z) for z in zs)
        return [sympy.exp(z) / den for z in zs]
    if name == "tanh":
        return [sympy.tanh(z) for z in zs]
    raise ValueError(name)


def naive(spec) -> None:
    """E in symbols; for each parameter: diff, latex, subs the numbers, latex of the value."""
    x = sympy.symbols(f"x1:{spec.inputs.shape[1] + 1}")
    t = sympy.symbols(f"t1:{spec.targets.shape[1] + 1}")
    vals = dict(zip(x, spec.inputs[0])) | dict(zip(t, spec.targets[0]))
    params, a = [], list(x)
    for l, layer in enumerate(spec.layers, start=1):
        W = [[sympy.Symbol(f"w{l}_{i}{j}") for j in range(layer.units)] for i in range(len(a))]
        b = [sympy.Symbol(f"b{l}_{j}") for j in range(layer.units)]
        for i in range(len(a)):
            for j in range(layer.units):
                vals[W[i][j]] = layer.weights[i, j]
                params.append(W[i][j])
        for j in range(layer.units):
            vals[b[j]] = layer.biases[j]
            params.append(b[j])
        a = _act(layer.activation, [sum(W[i][j] * a[i] for i in range(len(a))) + b[j] for j in range(layer.units)])
    if spec.loss == "cce":
        E = -sum(tk * sympy.log(o) for tk, o in zip(t, a))
    else:
        E = sum(sympy.Rational(1, 2) * (tk - o) ** 2 for tk, o in zip(t, a))
    for p in params:
        g = sympy.diff(E, p)
        sympy.latex(g)
        sympy.latex(g.evalf(15, subs=vals))


def _child(spec, q) -> None:
    clear_cache()
    t0 = time.perf_counter()
    naive(spec)
    q.put(time.perf_counter() - t0)


def timed_naive(spec, limit: float) -> float | None:
    """Seconds for the naive approach in a forked child (SymPy already imported), None past the limit."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(spec, q))
    p.start()
    p.join(limit)
    if p.is_alive():
        p.terminate()
        p.join()
        return None
    return q.get() if not q.empty() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=60.0)
    a = ap.parse_args(argv)
    symbolic.worked(solve(load_preset("mazur")), 9)          # warm-up: imports and caches
    print("| network | steps | calc (s) | calc per step (ms) | naive notebook (s) | naive / calc |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, spec, run_naive in networks():
        n, t = ours(spec)
        if run_naive:
            tn = timed_naive(spec, a.limit)
            naive_s = f"> {a.limit:g}" if tn is None else f"{tn:.2f}"
            ratio = f"> {a.limit / t:.0f}x" if tn is None else f"{tn / t:.0f}x"
        else:
            naive_s, ratio = "not run", ""
        print(f"| {name} | {n} | {t:.3f} | {t / n * 1e3:.2f} | {naive_s} | {ratio} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
