"""python -m calc fit: train a classifier on a table of data (seed 003) and report how well it does.

    python -m calc fit (DATA.csv | --data seeds) --layers 7-8-3 [--activations relu,softmax] [--loss cce]
        --epochs N [--batch-size B] [--test-fraction F] [--seed S] [--standardize] [--learning-rate ETA]
        [--optimizer sgd|momentum|nesterov|rmsprop|adam] [--reduction mean|sum] [--no-stratify]
        [--format markdown|json] [--worked-update K] [-o FILE]

The data: calc.data.table (the last column is the class). What happens, all reproducible from the seed S:
1. The split: with F > 0, round(F x rows of the class) rows of each class go to the test set (stratified; with
   --no-stratify, round(F x rows) rows of one permutation of all rows), chosen by numpy.random.default_rng of the
   first child of numpy.random.SeedSequence(S); both sets keep the file's order.
2. --standardize: every feature becomes (x - mean) / std with the mean and std (ddof 0) of the TRAINING rows
   (a constant column keeps std 1); the test rows are scaled with the same numbers.
3. The weights: He uniform, U(-sqrt(6/fan_in), +sqrt(6/fan_in)), for layers with a ReLU-like activation
   (relu, leaky_relu, elu, silu), Glorot uniform, U(-sqrt(6/(fan_in+fan_out)), ...), for the others, drawn layer
   by layer (rows x units) from default_rng of the second child of SeedSequence(S); biases 0.
4. A problem of docs/problem-format.md: the training rows as inputs, one-hot targets, those weights, the loss
   (reduction mean by default), the learning rate, and "optimizer": {"name": ...} when it is not sgd.
5. calc.train.loop.train: epochs x ceil(n_train / B) updates of batch size B, shuffle seed S (each epoch visits
   the training rows in the order default_rng(S) permutes them), a snapshot at the end of every epoch.
6. Per epoch (epoch 0 = the initial weights): the loss and the accuracy (argmax of the outputs) on both sets;
   the confusion matrix of the test set after the last epoch.

The report (--format json) is one object:
    data         {"source", "rows", "features", "columns", "classes", "train_rows", "test_rows"}
    options      every option used (layers, activations, loss, reduction, epochs, batch_size, test_fraction, seed,
                 standardize, stratify, learning_rate, optimizer)
    updates_per_epoch, updates
    history      one record per epoch 0..N: {"epoch", "update", "train_loss", "test_loss", "train_accuracy",
                 "test_accuracy"} (update = the updates done by the end of that epoch)
    train_loss, test_loss, train_accuracy, test_accuracy     after the last epoch
    confusion    test set, rows = true class, columns = predicted class, in the order of data.classes
    layers       [{"activation", "weights", "biases"}] the final parameters (weights: inputs x units)
    standardization   {"mean": [...], "std": [...]} of the training rows, or null
    stopped      null, or why training stopped early (a non-finite value; then the exit status is 1)
    warnings     [{"field", "message"}]
With --test-fraction 0 there is no test set: test_loss, test_accuracy and confusion are null.
--worked-update K prints instead the worked solution of update K (the result contract of `python -m calc solve`):
the K-th mini-batch with the parameters after K-1 updates; with sgd its new_weights are the parameters after K.
Errors: one located message per line on stderr and exit 2 (also over the job budget, calc.jobs.budget.train).
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from calc.problem.files import emit, fail
from calc.data.table import DataError, Table, load, read_table
from calc.engine.numeric import forward
from calc.jobs import budget
from calc.jobs.budget import BudgetError, Estimate
from calc.problem.model import ACTIVATIONS, LOSSES, MAX_SAMPLES
from calc.problem.spec import Problem, Spec, SpecError, spec_from_dict
from calc.train.loop import MAX_STEPS

OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
RELU_LIKE = ("relu", "leaky_relu", "elu", "silu")
MAX_UPDATES = MAX_STEPS         # updates of one run


@dataclass(frozen=True)
class FitOptions:
    """Everything that decides a run (hashable: a cache key)."""
    layers: tuple[int, ...]
    activations: tuple[str, ...] = ()       # empty: relu for every hidden layer, softmax for the output layer
    loss: str = "cce"
    epochs: int = 100
    batch_size: int | None = None           # None: every training row in one batch
    test_fraction: float = 0.3
    seed: int = 0
    standardize: bool = False
    learning_rate: float = 0.1
    optimizer: str = "sgd"
    reduction: str = "mean"
    stratify: bool = True

    def acts(self) -> tuple[str, ...]:
        return self.activations or ("relu",) * (len(self.layers) - 2) + ("softmax",)

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["layers"], d["activations"] = list(self.layers), list(self.acts())
        return d


def parse_layers(text: str) -> tuple[int, ...]:
    """"7-8-3" (or 7,8,3 or 7x8x3) -> (7, 8, 3); SpecError at --layers otherwise."""
    parts = [p.strip() for p in text.replace(",", "-").replace("x", "-").split("-")]
    if len(parts) < 2 or not all(p.isdigit() and 1 <= int(p) <= 10_000 for p in parts):
        raise SpecError([Problem("--layers", f"expected the sizes of the layers, inputs first, like 7-8-3; got "
                                             f"{text[:60]!r}")])
    return tuple(int(p) for p in parts)


def parse_activations(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split(",") if a.strip())


# ---- the steps ------------------------------------------------------------------------------------------------------
def split(y: np.ndarray, n_classes: int, test_fraction: float, seed: int, stratify: bool = True):
    """(train indices, test indices), each in the file's order."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    if stratify:
        test = []
        for c in range(n_classes):
            rows = np.flatnonzero(y == c)
            test.append(rng.permutation(rows)[:int(round(test_fraction * len(rows)))])
        test = np.concatenate(test) if test else np.array([], dtype=np.int64)
    else:
        test = rng.permutation(len(y))[:int(round(test_fraction * len(y)))]
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def training_scale(X_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (ddof 0) of each column of the training rows; a constant column gets std 1."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def init_params(sizes: tuple[int, ...], activations: tuple[str, ...], seed: int):
    """He uniform weights for ReLU-like layers, Glorot uniform for the others; biases 0."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    ws, bs = [], []
    for fan_in, fan_out, act in zip(sizes, sizes[1:], activations):
        limit = math.sqrt(6.0 / fan_in) if act in RELU_LIKE else math.sqrt(6.0 / (fan_in + fan_out))
        ws.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)))
        bs.append(np.zeros(fan_out))
    return ws, bs


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    t = np.zeros((len(y), n_classes))
    t[np.arange(len(y)), y] = 1.0
    return t


@dataclass
class Prepared:
    """A run before training: the split and scaled data, the problem (spec) with the initial weights."""
    opts: FitOptions
    table: Table
    source: str
    train_idx: np.ndarray
    test_idx: np.ndarray
    X_train: np.ndarray
    X_test: np.ndarray
    mean: np.ndarray | None
    std: np.ndarray | None
    spec: Spec
    problem: dict

    @property
    def n_train(self) -> int:
        return len(self.train_idx)

    @property
    def batch(self) -> int:
        return self.opts.batch_size or self.n_train

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.batch)

    @property
    def updates(self) -> int:
        return self.opts.epochs * self.updates_per_epoch

    @property
    def y_train(self) -> np.ndarray:
        return self.table.y[self.train_idx]

    @property
    def y_test(self) -> np.ndarray:
        return self.table.y[self.test_idx]


def check_options(table: Table, o: FitOptions) -> list[Problem]:
    """Located problems of the options for this table (before anything is computed)."""
    p = []
    n_feat, n_cls, rows = table.X.shape[1], len(table.classes), table.X.shape[0]
    if len(o.layers) < 2:
        p.append(Problem("--layers", "at least two sizes: the inputs and the outputs, like 7-8-3"))
    else:
        if o.layers[0] != n_feat:
            p.append(Problem("--layers", f"the first size is the number of inputs: the data has {n_feat} feature "
                                         f"column{'s' if n_feat != 1 else ''}, got {o.layers[0]}"))
        if o.layers[-1] != n_cls:
            p.append(Problem("--layers", f"the last size is the number of outputs: the data has {n_cls} classes, got "
                                         f"{o.layers[-1]}"))
        acts = o.acts()
        if len(acts) != len(o.layers) - 1:
            p.append(Problem("--activations", f"one per layer after the inputs: {len(o.layers) - 1} for "
                                              f"{'-'.join(map(str, o.layers))}, got {len(acts)}"))
        for a in acts:
            if a not in ACTIVATIONS:
                p.append(Problem("--activations", f"unknown activation {a[:40]!r} (one of {', '.join(ACTIVATIONS)})"))
    if o.loss not in LOSSES:
        p.append(Problem("--loss", f"must be one of {', '.join(LOSSES)}, got {o.loss[:40]!r}"))
    if o.reduction not in ("mean", "sum"):
        p.append(Problem("--reduction", f"must be mean or sum, got {o.reduction[:40]!r}"))
    if o.optimizer not in OPTIMIZER_NAMES:
        p.append(Problem("--optimizer", f"must be one of {', '.join(OPTIMIZER_NAMES)}, got {o.optimizer[:40]!r}"))
    if not (isinstance(o.test_fraction, (int, float)) and 0 <= o.test_fraction < 1):
        p.append(Problem("--test-fraction", f"must be from 0 (no test set) to below 1, got {o.test_fraction}"))
    if not (isinstance(o.learning_rate, (int, float)) and math.isfinite(o.learning_rate) and o.learning_rate >= 0):
        p.append(Problem("--learning-rate", f"must be a finite number >= 0, got {o.learning_rate}"))
    if not 0 <= o.seed < 2 ** 63:
        p.append(Problem("--seed", f"must be a whole number from 0, got {o.seed}"))
    if o.epochs < 1:
        p.append(Problem("--epochs", f"must be at least 1, got {o.epochs}"))
    if p:
        return p
    n_test = _n_test(table, o)
    n_train = rows - n_test
    if n_train < 1:
        p.append(Problem("--test-fraction", f"{o.test_fraction} leaves no training row of {rows}"))
    elif n_train > MAX_SAMPLES:
        p.append(Problem("--test-fraction", f"{n_train:,} training rows; training takes at most {MAX_SAMPLES:,} "
                                            "(use a larger test fraction or fewer rows)"))
    elif o.batch_size is not None and not 1 <= o.batch_size <= n_train:
        p.append(Problem("--batch-size", f"must be from 1 to the number of training rows ({n_train}), got "
                                         f"{o.batch_size}"))
    elif o.epochs * math.ceil(n_train / (o.batch_size or n_train)) > MAX_UPDATES:
        u = math.ceil(n_train / (o.batch_size or n_train))
        p.append(Problem("--epochs", f"{o.epochs:,} epochs of {u:,} updates is {o.epochs * u:,} updates; the limit is "
                                     f"{MAX_UPDATES:,} (fewer epochs or a larger batch size)"))
    return p


def _n_test(table: Table, o: FitOptions) -> int:
    if o.stratify:
        counts = np.bincount(table.y, minlength=len(table.classes))
        return int(sum(int(round(o.test_fraction * c)) for c in counts))
    return int(round(o.test_fraction * table.X.shape[0]))


def prepare(table: Table, opts: FitOptions, source: str = "data") -> Prepared:
    """Split, scale, initialise and build the problem; SpecError with located messages when it cannot be."""
    problems = check_options(table, opts)
    if problems:
        raise SpecError(problems)
    n_cls = len(table.classes)
    tr, te = split(table.y, n_cls, opts.test_fraction, opts.seed, opts.stratify)
    Xtr, Xte = table.X[tr], table.X[te]
    mean = std = None
    if opts.standardize:
        mean, std = training_scale(Xtr)
        Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std
    acts = opts.acts()
    ws, bs = init_params(opts.layers, acts, opts.seed)
    d = {"name": f"training on {source}"[:200], "inputs": Xtr.tolist(),
         "targets": one_hot(table.y[tr], n_cls).tolist(),
         "layers": [{"weights": w.tolist(), "biases": b.tolist(), "activation": a} for w, b, a in zip(ws, bs, acts)],
         "loss": opts.loss, "reduction": opts.reduction, "learning_rate": float(opts.learning_rate)}
    if opts.optimizer != "sgd":
        d["optimizer"] = {"name": opts.optimizer}
    spec = spec_from_dict(d)
    return Prepared(opts, table, source, tr, te, Xtr, Xte, mean, std, spec, d)


def estimate(prep: Prepared, updates: int | None = None) -> Estimate:
    """The job's cost (calc.jobs.budget.train) for `updates` (default: all of them)."""
    return budget.train(prep.spec, prep.updates if updates is None else updates, prep.batch)


def _params(spec: Spec):
    return [layer.weights for layer in spec.layers], [layer.biases for layer in spec.layers]


def evaluate(spec: Spec, X: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[float | None, float | None, np.ndarray]:
    """(loss, accuracy, predicted classes) of the parameters in `spec` on the rows X with classes y."""
    if len(y) == 0:
        return None, None, np.array([], dtype=np.int64)
    w, b = _params(spec)
    t = one_hot(y, n_classes)
    rows = dataclasses.replace(spec, inputs=X, targets=t)      # the reduction (mean) is over these rows
    with np.errstate(all="ignore"):
        f = forward(rows, w, b, X, t, check=False)
    pred = np.argmax(f.outs[-1], axis=1)
    loss = float(f.loss)
    return (loss if math.isfinite(loss) else None), float(np.mean(pred == y)), pred


def confusion(y: np.ndarray, pred: np.ndarray, n_classes: int) -> list[list[int]]:
    """Rows = true class, columns = predicted class."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (y, pred), 1)
    return m.tolist()


def _ticking(progress: Callable[[float, str], None] | None, seconds: float, label: str, fn: Callable):
    """fn() while a thread reports the time spent against the estimate (train() has no progress hook)."""
    if progress is None:
        return fn()
    done = threading.Event()

    def tick():
        t0 = time.monotonic()
        while not done.wait(0.1):
            spent = time.monotonic() - t0
            s = max(seconds, 0.1)       # linear to 70% at the estimate, then creeping towards 90%
            f = 0.7 * spent / s if spent <= s else 0.7 + 0.2 * (1 - math.exp(-(spent - s) / s))
            progress(f, f"{label} {spent:.0f} s (estimated {seconds:.0f} s)")

    t = threading.Thread(target=tick, daemon=True)
    t.start()
    try:
        return fn()
    finally:
        done.set()
        t.join()


@dataclass
class Chunk:
    """Epochs e0+1..e1 of a run (and epoch 0 when e0 = 0): one history record per epoch, the parameters (and the
    optimizer's state) after epoch e1 to go on from, the test set's predicted classes then, and why training stopped
    early (None: it did not)."""
    e0: int
    e1: int
    records: list[dict]
    state: Spec
    pred: np.ndarray
    stopped: str | None = None


def epoch_chunks(epochs: int, seconds: float, per_chunk: float = 0.25, most: int = 40,
                 least: int = 10) -> list[tuple[int, int]]:
    """(e0, e1) ranges covering epochs 1..N: one for a run estimated under 0.05 s, else at least `least` (or one per
    epoch) and about `per_chunk` estimated seconds each, at most `most`. The app trains chunk by chunk and draws the
    curves after each."""
    n = 1 if seconds < 0.05 else int(min(epochs, most, max(least, math.ceil(seconds / per_chunk))))
    cuts = [round(epochs * i / n) for i in range(n + 1)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def run_epochs(prep: Prepared, state: Spec | None, e0: int, e1: int,
               progress: Callable[[float, str], None] | None = None) -> Chunk:
    """Train epochs e0+1..e1 from `state` (the parameters after e0 epochs; None = the initial ones at e0 = 0) and
    evaluate both sets after each epoch. Chunks of a run give exactly the numbers of the whole run."""
    from calc.train.loop import train
    u = prep.updates_per_epoch
    start = prep.spec if state is None else state
    keep = {e * u for e in range(e0, e1 + 1)}
    est = estimate(prep, (e1 - e0) * u).check()
    res = _ticking(progress, est.seconds, "training",
                   lambda: train(start, e1 * u, prep.batch, prep.opts.seed, keep=keep, start=e0 * u))
    n_cls = len(prep.table.classes)
    records, last = [], (start, None)
    epochs = [e for e in range(e0 if e0 == 0 else e0 + 1, e1 + 1) if e * u in res.snapshots]
    for i, e in enumerate(epochs):
        if progress is not None:
            progress(0.9 + 0.1 * i / max(len(epochs), 1), "evaluating")
        snap = res.snapshots[e * u]
        tr_loss, tr_acc, _ = evaluate(snap, prep.X_train, prep.y_train, n_cls)
        te_loss, te_acc, pred = evaluate(snap, prep.X_test, prep.y_test, n_cls)
        rel = e * u - e0 * u
        hist = res.history[rel] if rel < len(res.history) else tr_loss
        records.append({"epoch": e, "update": e * u, "train_loss": _num(hist), "test_loss": te_loss,
                        "train_accuracy": tr_acc, "test_accuracy": te_acc})
        last = (snap, pred)
    if progress is not None:
        progress(1.0, "done")
    state, pred = last
    if pred is None:          # stopped in the chunk's first epoch: the predictions of the parameters it started from
        pred = evaluate(state, prep.X_test, prep.y_test, n_cls)[2]
    return Chunk(e0, e1, records, state, pred, res.stopped)


def report(prep: Prepared, chunks: list[Chunk]) -> dict:
    """The report (the JSON object of the module docstring) of a run trained as `chunks` (in order)."""
    opts, table = prep.opts, prep.table
    n_cls = len(table.classes)
    history = [r for c in chunks for r in c.records]
    final, pred = chunks[-1].state, chunks[-1].pred
    stopped = next((c.stopped for c in chunks if c.stopped), None)
    end = history[-1]
    layers = [{"activation": layer.activation, "weights": _safe(layer.weights), "biases": _safe(layer.biases)}
              for layer in final.layers]
    return {
        "data": {"source": prep.source, "rows": int(table.X.shape[0]), "features": int(table.X.shape[1]),
                 "columns": list(table.columns), "classes": list(table.classes), "train_rows": prep.n_train,
                 "test_rows": int(len(prep.test_idx))},
        "options": opts.as_dict(),
        "updates_per_epoch": prep.updates_per_epoch, "updates": prep.updates,
        "history": history,
        "train_loss": end["train_loss"], "test_loss": end["test_loss"],
        "train_accuracy": end["train_accuracy"], "test_accuracy": end["test_accuracy"],
        "confusion": confusion(prep.y_test, pred, n_cls) if len(prep.test_idx) else None,
        "layers": layers,
        "standardization": None if prep.mean is None else {"mean": _safe(prep.mean), "std": _safe(prep.std)},
        "stopped": stopped,
        "warnings": [w.as_dict() for w in prep.spec.warnings],
    }


def fit(table: Table, opts: FitOptions, source: str = "data",
        progress: Callable[[float, str], None] | None = None) -> dict:
    """Train and report (the JSON object of the module docstring). Raises SpecError or BudgetError before training."""
    prep = prepare(table, opts, source)
    return report(prep, [run_epochs(prep, None, 0, opts.epochs, progress)])     # run_epochs checks the budget


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _safe(a) -> list | None:
    if a is None:
        return None
    return [_safe(x) for x in a] if np.ndim(a) > 1 else [_num(x) for x in np.ravel(a)]


def batch_of_update(prep: Prepared, k: int) -> np.ndarray:
    """The training-row indices (into the training set) of update k (1-based), as calc.train.loop visits them."""
    from calc.train.loop import batches
    return next(itertools.islice(batches(prep.n_train, prep.batch, k, prep.opts.seed), k - 1, None))


def update_spec(prep: Prepared, k: int) -> Spec:
    """The problem of update k: its mini-batch with the parameters after k - 1 updates (raises SpecError when
    training stopped before)."""
    from calc.train.loop import train
    if not 1 <= k <= prep.updates:
        raise SpecError([Problem("--worked-update", f"must be an update from 1 to {prep.updates:,} "
                                                    f"({prep.opts.epochs} epochs x {prep.updates_per_epoch}), got {k}")])
    estimate(prep, k - 1).check()
    res = train(prep.spec, k - 1, prep.batch, prep.opts.seed, keep={k - 1})
    snap = res.snapshots.get(k - 1)
    if snap is None:
        raise SpecError([Problem("--worked-update", f"training stopped before update {k}: {res.stopped}")])
    d = snap.to_dict()
    idx = batch_of_update(prep, k)
    d["inputs"] = [d["inputs"][i] for i in idx]
    d["targets"] = [d["targets"][i] for i in idx]
    d["name"] = f"update {k} of {prep.spec.name}"[:200]
    # the optimizer's state after k - 1 updates travels with the snapshot: the worked update shows it
    return dataclasses.replace(spec_from_dict(d), opt_state=snap.opt_state)


def worked_update(prep: Prepared, k: int, digits: int = 9):
    """The worked solution (calc.worked.solve.Solution) of update k."""
    from calc.worked.solve import estimated_steps, over_caps, solve
    spec = update_spec(prep, k)
    budget.solve(spec, 0 if over_caps(spec) else estimated_steps(spec)).check()
    return solve(spec, digits=digits)


# ---- the command ----------------------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


class TerminalBar:
    """A one-line progress bar on stderr (drawn only when stderr is a terminal)."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.lock = threading.Lock()
        self.shown = False

    def __call__(self, fraction: float, text: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(round(fraction * self.width))
        with self.lock:
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:3.0f}% {text[:40]:<40}")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        with self.lock:
            if self.shown:
                self.stream.write("\r" + " " * (self.width + 48) + "\r")
                self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m calc fit", description="train a classifier on a table of data (last column = class) "
                 "and report loss and accuracy per epoch, the test set's confusion matrix and the final weights")
    ap.add_argument("file", nargs="?", default=None, help="CSV file (commas, semicolons or whitespace; the last "
                    "column is the class; an optional header row)")
    ap.add_argument("--data", default=None, help="a data set shipped with the project instead of a file: seeds")
    ap.add_argument("--layers", required=True, help="sizes, inputs first, e.g. 7-8-3")
    ap.add_argument("--activations", default="", help="one per layer after the inputs, e.g. relu,softmax "
                    "(default: relu for hidden layers, softmax for the output)")
    ap.add_argument("--loss", default="cce")
    ap.add_argument("--reduction", choices=("mean", "sum"), default="mean")
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--batch-size", type=int, default=None, help="rows per update (default: every training row)")
    ap.add_argument("--test-fraction", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--standardize", action="store_true", help="scale features by the training rows' mean and std")
    ap.add_argument("--no-stratify", dest="stratify", action="store_false",
                    help="split by one permutation of all rows instead of per class")
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="sgd")
    ap.add_argument("--format", choices=("markdown", "json"), default="markdown")
    ap.add_argument("--worked-update", type=int, default=None, metavar="K",
                    help="print the worked solution of update K (its mini-batch, the weights after K-1 updates)")
    ap.add_argument("-o", "--output", default=None, help="write to this file (whole or not at all) instead of stdout")
    return ap


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if (a.file is None) == (a.data is None):
        print("python -m calc fit: give a data file or --data NAME (one of them)", file=sys.stderr)
        return 2
    bar = TerminalBar() if sys.stderr.isatty() and a.worked_update is None else None
    try:
        layers = parse_layers(a.layers)
        opts = FitOptions(layers=layers, activations=parse_activations(a.activations), loss=a.loss,
                          epochs=a.epochs, batch_size=a.batch_size, test_fraction=a.test_fraction, seed=a.seed,
                          standardize=a.standardize, learning_rate=a.learning_rate, optimizer=a.optimizer,
                          reduction=a.reduction, stratify=a.stratify)
        if a.data is not None:
            table, source = load(a.data), a.data
        else:
            table = read_table(Path(a.file))
            source = Path(a.file).name
        if a.worked_update is not None:
            prep = prepare(table, opts, source)
            sol = worked_update(prep, a.worked_update)
            if a.format == "json":
                text = json.dumps(sol.to_dict(), allow_nan=False)
            else:
                from calc.export.markdown import render
                text = render(sol, digits=9)
            return emit(text, a.output)
        report = fit(table, opts, source, progress=bar)
    except (DataError, SpecError, BudgetError) as e:
        return fail(e)
    finally:
        if bar is not None:
            bar.close()
    text = json.dumps(report, allow_nan=False) if a.format == "json" else markdown(report)
    rc = emit(text, a.output)
    if rc:
        return rc
    if report["stopped"]:
        print(f"training stopped at {report['stopped']}", file=sys.stderr)
        return 1
    return 0


# ---- the Markdown report ----------------------------------------------------------------------------------------
def _f(v, digits: int = 6) -> str:
    return "-" if v is None else f"{v:.{digits}g}"


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def thin(history: list[dict], rows: int = 25) -> list[dict]:
    """About `rows` evenly spaced epochs, the first and the last included."""
    if len(history) <= rows:
        return history
    step = math.ceil((len(history) - 1) / (rows - 1))
    picked = history[::step]
    return picked if picked[-1] is history[-1] else picked + [history[-1]]


def markdown(r: dict) -> str:
    from calc.export.escape import md_text
    d, o = r["data"], r["options"]
    classes = [md_text(c) for c in d["classes"]]
    lines = [f"# Training on {md_text(d['source'])}", "",
             f"{d['rows']} rows, {d['features']} features, {len(classes)} classes ({', '.join(classes)}); "
             f"{d['train_rows']} training rows, {d['test_rows']} test rows "
             f"({'stratified' if o['stratify'] else 'plain'} split, seed {o['seed']}"
             f"{', standardized by the training rows' if o['standardize'] else ''}).", "",
             f"Network {'-'.join(map(str, o['layers']))} ({', '.join(o['activations'])}), loss {o['loss']} "
             f"({o['reduction']}), optimizer {o['optimizer']}, learning rate {o['learning_rate']:g}, batch size "
             f"{o['batch_size'] or d['train_rows']}: {r['updates_per_epoch']} updates per epoch, {o['epochs']} epochs, "
             f"{r['updates']:,} updates.", "",
             "| epoch | update | train loss | test loss | train accuracy | test accuracy |",
             "|---:|---:|---:|---:|---:|---:|"]
    for h in thin(r["history"]):
        lines.append(f"| {h['epoch']} | {h['update']} | {_f(h['train_loss'])} | {_f(h['test_loss'])} | "
                     f"{_pct(h['train_accuracy'])} | {_pct(h['test_accuracy'])} |")
    lines += ["", f"After {r['history'][-1]['epoch']} epochs: train accuracy {_pct(r['train_accuracy'])}, "
                  f"test accuracy {_pct(r['test_accuracy'])}; train loss {_f(r['train_loss'])}, "
                  f"test loss {_f(r['test_loss'])}.", ""]
    if r["stopped"]:
        lines += [f"Training stopped early: {md_text(r['stopped'])}", ""]
    if r["confusion"] is not None:
        lines += ["## Confusion matrix of the test set (rows = true class, columns = predicted)", "",
                  "| true class / predicted | " + " | ".join(classes) + " |", "|---|" + "---:|" * len(classes)]
        lines += [f"| {c} | " + " | ".join(str(v) for v in row) + " |" for c, row in zip(classes, r["confusion"])]
        lines.append("")
    lines += ["## Final weights", ""]
    for k, layer in enumerate(r["layers"], start=1):
        w = layer["weights"]
        lines += [f"### Layer {k} ({layer['activation']}): weights {len(w)} x {len(w[0])}, rows = inputs", "",
                  "| | " + " | ".join(f"unit {j}" for j in range(1, len(w[0]) + 1)) + " |",
                  "|---|" + "---:|" * len(w[0])]
        src = [md_text(c) for c in d["columns"]] if k == 1 else [f"unit {i}" for i in range(1, len(w) + 1)]
        lines += [f"| {s} | " + " | ".join(_f(v, 9) for v in row) + " |" for s, row in zip(src, w)]
        if layer["biases"] is not None:
            lines.append("| bias | " + " | ".join(_f(v, 9) for v in layer["biases"]) + " |")
        lines.append("")
    if r["warnings"]:
        lines += ["## Warnings", ""] + [f"- {md_text(w['field'])}: {md_text(w['message'])}" for w in r["warnings"]]
    return "\n".join(lines)
