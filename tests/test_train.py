"""calc.train.loop: the published training values, batch / mini-batch / stochastic descent against an independent
NumPy loop written here, shuffling, divergence, the CLI, and the fast paths against the reference path.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calc.maths import functions
from calc.maths.functions import ACTIVATIONS, LOSSES as LOSS_RECORDS
from calc.train import codegen
from calc.presets import load_preset, preset_path
from calc.problem.spec import SpecError, spec_from_dict
from calc.train.loop import MAX_STEPS, batches, check_options, choose_engine, train

ROOT = Path(__file__).resolve().parents[1]
FAST = ("scalar", "vector")


def mazur(order: str = "simultaneous"):
    d = json.loads(preset_path("mazur").read_text(encoding="utf-8"))
    d["update_order"] = order
    return spec_from_dict(d)


def near(printed: str):
    """Half a unit in the last printed digit (significant digits for a number in e-notation)."""
    from decimal import Decimal
    return pytest.approx(float(printed), abs=0.5 * 10.0 ** Decimal(printed).as_tuple().exponent)


# ---------------------------------------------------------------------------------------------------
# published values (seed 001 / Mazur's post; the conventions that yield each are in the preset's notes)

@pytest.mark.parametrize("engine", FAST)
def test_mazur_simultaneous_published(engine):
    res = train(mazur(), 10_000, engine=engine)
    assert res.stopped is None and len(res.history) == 10_001
    assert res.history[1] == near("0.2910277737")
    assert res.history[10_000] == near("3.5101878e-05")
    assert res.history[9_999] == near("0.0000351085")          # what the slides print "after 10,000"
    assert res.outs[0, 0] == near("0.0159136204")
    assert res.outs[0, 1] == near("0.9840642735")
    assert res.spec.layers[0].biases[0] == 0.35 and res.spec.layers[1].biases[0] == 0.6   # update_biases false


@pytest.mark.parametrize("engine", FAST)
def test_mazur_sequential_published(engine):
    res = train(mazur("sequential"), 10_000, engine=engine)
    assert res.history[1] == near("0.2910279239")
    assert res.history[1] == near("0.291027924")                # the slides' E_total+
    assert res.outs[0, 0] == near("0.015912196")
    assert res.outs[0, 1] == near("0.984065734")


def test_mazur_first_update_is_the_published_step():
    res = train(mazur(), 1, engine="reference")
    w = res.spec.layers[1].weights
    assert w[0, 0] == near("0.35891648") and w[1, 0] == near("0.408666186")      # w5+, w6+
    assert w[0, 1] == near("0.511301270") and w[1, 1] == near("0.561370121")     # w7+, w8+
    assert res.spec.layers[0].weights[0, 0] == near("0.149780716")                # w1+


# ---------------------------------------------------------------------------------------------------
# batch, mini-batch, stochastic: an independent loop (identity hidden, softmax + cce in log10, no biases)

def dog_loop(spec_dict: dict, steps: int, b: int, seed: int | None = None):
    x, t = np.array(spec_dict["inputs"], float), np.array(spec_dict["targets"], float)
    w1, w2 = (np.array(layer["weights"], float) for layer in spec_dict["layers"])
    eta, n, mean = spec_dict["learning_rate"], len(x), spec_dict.get("reduction") == "mean"

    def loss(w1, w2, xs, ts):
        z = xs @ w1 @ w2
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        per = -(ts * np.log10(p)).sum(axis=1)
        return per.mean() if mean else per.sum()

    rng = np.random.default_rng(seed) if seed is not None else None
    hist, done = [loss(w1, w2, x, t)], 0
    while done < steps:
        order = rng.permutation(n) if rng is not None else np.arange(n)
        for s in range(0, n, b):
            if done == steps:
                break
            xs, ts = x[order[s:s + b]], t[order[s:s + b]]
            h = xs @ w1
            z = h @ w2
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            d2 = (p - ts) / math.log(10) / (len(xs) if mean else 1)
            d1 = d2 @ w2.T
            w2, w1 = w2 - eta * h.T @ d2, w1 - eta * xs.T @ d1
            hist.append(loss(w1, w2, x, t))
            done += 1
    return hist, w1, w2


@pytest.mark.parametrize("engine", FAST + ("reference",))
@pytest.mark.parametrize("b", [1, 2, 3])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_dog_breed_descent_variants(engine, b, reduction):
    d = json.loads(preset_path("dog_breed").read_text(encoding="utf-8"))
    d["reduction"], d["learning_rate"] = reduction, 0.7
    res = train(spec_from_dict(d), 8, batch_size=b, engine=engine)
    hist, w1, w2 = dog_loop(d, 8, b)
    assert len(res.history) == 9
    np.testing.assert_allclose(res.history, hist, rtol=1e-12)
    np.testing.assert_allclose(res.spec.layers[0].weights, w1, rtol=1e-12)
    np.testing.assert_allclose(res.spec.layers[1].weights, w2, rtol=1e-12)
    assert res.history[0] == pytest.approx(1.41588 / (3 if reduction == "mean" else 1), abs=5e-6)


def test_batch_size_changes_the_path():
    spec = load_preset("dog_breed")
    h = {b: train(spec, 6, batch_size=b).history for b in (1, 2, 3)}
    assert h[1] != h[2] != h[3] and h[3] == train(spec, 6).history


@pytest.mark.parametrize("engine", FAST + ("reference",))
def test_shuffle_seed_epoch_order(engine):
    d = json.loads(preset_path("dog_breed").read_text(encoding="utf-8"))
    spec = spec_from_dict(d)
    for b in (1, 2):
        res = train(spec, 7, batch_size=b, shuffle_seed=11, engine=engine)
        hist, w1, _ = dog_loop(d, 7, b, seed=11)
        np.testing.assert_allclose(res.history, hist, rtol=1e-12)
        np.testing.assert_allclose(res.spec.layers[0].weights, w1, rtol=1e-12)
    again = train(spec, 7, batch_size=1, shuffle_seed=11, engine=engine).history
    assert again == train(spec, 7, batch_size=1, shuffle_seed=11, engine=engine).history
    assert again != train(spec, 7, batch_size=1, shuffle_seed=12, engine=engine).history


def test_batches_visit_each_epoch_in_the_generators_order():
    rng = np.random.default_rng(5)
    p1, p2, p3 = rng.permutation(5), rng.permutation(5), rng.permutation(5)
    got = [list(i) for i in batches(5, 2, 8, 5)]
    assert got == [list(p1[0:2]), list(p1[2:4]), list(p1[4:]), list(p2[0:2]), list(p2[2:4]), list(p2[4:]),
                   list(p3[0:2]), list(p3[2:4])]
    assert [list(i) for i in batches(3, 2, 4, None)] == [[0, 1], [2], [0, 1], [2]]


@pytest.mark.parametrize("b", [0, 4, -1])
def test_batch_size_out_of_range_is_refused(b):
    with pytest.raises(SpecError) as e:
        train(load_preset("dog_breed"), 3, batch_size=b)
    assert e.value.problems[0].field == "--batch-size" and "3" in e.value.problems[0].message


def test_steps_out_of_range_is_refused():
    assert check_options(load_preset("mazur"), MAX_STEPS + 1, None)[0].field == "--steps"
    assert check_options(load_preset("mazur"), -1, None)[0].field == "--steps"


# ---------------------------------------------------------------------------------------------------
# divergence: w_k = (-19)^k for E = (w x - 0)^2, x = 1, eta = 10, so E_k = 361^k overflows at k = 121

DIVERGE = {"inputs": [1.0], "targets": [0.0], "loss": "sse", "learning_rate": 10.0,
           "layers": [{"weights": [[1.0]], "biases": None, "activation": "identity"}]}


@pytest.mark.parametrize("engine", FAST + ("reference", "auto"))
def test_huge_learning_rate_stops_at_the_first_non_finite_step(engine):
    k_inf = next(k for k in range(400) if not math.isfinite(361.0 ** k if k < 121 else math.inf))
    assert k_inf == 121
    res = train(spec_from_dict(DIVERGE), 500, engine=engine)
    assert res.stopped is not None and res.stopped.startswith(f"step {k_inf}:")
    assert len(res.history) == k_inf and all(math.isfinite(h) for h in res.history)
    assert res.history[-1] == pytest.approx(361.0 ** (k_inf - 1), rel=1e-12)
    assert res.spec.layers[0].weights[0, 0] == pytest.approx((-19.0) ** (k_inf - 1), rel=1e-12)


def test_divergence_in_a_hidden_network_is_caught_by_every_engine():
    d = {"inputs": [[1.0, -2.0], [0.5, 3.0]], "targets": [[1.0], [-1.0]], "loss": "sse", "learning_rate": 3.0,
         "layers": [{"weights": [[1.0, -1.0], [0.5, 2.0]], "biases": [0.1, 0.2], "activation": "leaky_relu"},
                    {"weights": [[1.0], [2.0]], "biases": 0.3, "activation": "identity"}]}
    spec = spec_from_dict(d)
    ref = train(spec, 300, engine="reference")
    assert ref.stopped is not None
    for engine in FAST:
        res = train(spec, 300, engine=engine)
        assert res.stopped == ref.stopped and len(res.history) == len(ref.history)
        np.testing.assert_allclose(res.history, ref.history, rtol=1e-9)


# ---------------------------------------------------------------------------------------------------
# CLI

def cli(*args: str):
    return subprocess.run([sys.executable, "-m", "calc", "train", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_train_json_shape():
    r = cli("calc/presets/mazur.json", "--steps", "10000", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"history", "layers", "warnings"}
    assert len(out["history"]) == 10_001 and out["history"][1] == near("0.2910277737")
    assert [set(layer) for layer in out["layers"]] == [{"weights", "biases", "out"}] * 2
    assert out["layers"][1]["out"][0][0] == near("0.0159136204")
    assert out["layers"][1]["weights"][0][0] != 0.4 and out["layers"][0]["biases"] == 0.35


def test_cli_divergence_exits_1(tmp_path):
    p = tmp_path / "diverge.json"
    p.write_text(json.dumps(DIVERGE), encoding="utf-8")
    r = cli(str(p), "--steps", "500", "--format", "json")
    assert r.returncode == 1 and "step 121" in r.stderr
    assert len(json.loads(r.stdout)["history"]) == 121


@pytest.mark.parametrize("b", ["0", "2"])
def test_cli_bad_batch_size_exits_2(b):
    r = cli("calc/presets/mazur.json", "--steps", "3", "--batch-size", b)
    assert r.returncode == 2 and r.stdout == "" and "--batch-size" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------------------
# the fast paths give the reference path's numbers

ACTS = list(ACTIVATIONS)          # every record: a new activation is in the sweep without an edit here
LOSSES = list(LOSS_RECORDS)
PROBS = [a for a, r in ACTIVATIONS.items() if r.probability]      # the outputs a log loss accepts


def random_spec(i: int, rng: np.random.Generator):
    """Network i of a deterministic sweep: activations, losses, bias modes and orders cycle with i."""
    loss = LOSSES[i % len(LOSSES)]
    n_layers = 1 + i % 3
    sizes = [int(rng.integers(1, 4))] + [int(rng.integers(2, 4)) for _ in range(n_layers)]
    layers = []
    for k in range(n_layers):
        act = ACTS[(i + i // 3 + 4 * k) % len(ACTS)]
        if k == n_layers - 1 and LOSS_RECORDS[loss].log:
            act = PROBS[(i // 5) % len(PROBS)]
        mode = ("unit", "shared", "none")[(i + k) % 3]
        layer = {"weights": rng.normal(0, 0.8, (sizes[k], sizes[k + 1])).tolist(), "activation": act,
                 "biases": rng.normal(0, 0.5, sizes[k + 1]).tolist() if mode == "unit" else
                 float(rng.normal()) if mode == "shared" else None}
        if ACTIVATIONS[act].alpha is not None:
            layer["alpha"] = float(rng.uniform(0.05, 1.5))
        layers.append(layer)
    n = 1 + i % 4
    if loss == "cce" or (loss == "bce" and ACTIVATIONS[layers[-1]["activation"]].vector):
        t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif loss == "bce":
        t = rng.uniform(0, 1, (n, sizes[-1])).round(2)
    else:
        t = rng.normal(0, 1, (n, sizes[-1]))
    return spec_from_dict({
        "inputs": rng.normal(0, 1, (n, sizes[0])).tolist(), "targets": t.tolist(), "layers": layers, "loss": loss,
        "log_base": ("e", "10")[(i // 3) % 2], "reduction": ("sum", "mean")[(i // 2) % 2],
        "learning_rate": float(rng.uniform(0.05, 0.6)), "update_biases": bool((i // 4) % 2),
        "update_order": ("simultaneous", "sequential")[(i // 7) % 2]})


def close(a, b, rtol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), np.max(np.abs(b), initial=0.0) * 1e-3))


@pytest.mark.parametrize("i", range(72))
def test_fast_paths_match_the_reference(i):
    rng = np.random.default_rng(1000 + i)
    spec = random_spec(i, rng)
    b = 1 + (i // 9) % spec.n_samples
    seed = None if i % 2 else i
    ref = train(spec, 6, batch_size=b, shuffle_seed=seed, engine="reference")
    for engine in FAST:
        res = train(spec, 6, batch_size=b, shuffle_seed=seed, engine=engine)
        assert res.stopped == ref.stopped and len(res.history) == len(ref.history)
        assert close(res.history, ref.history), (engine, res.history, ref.history)
        for got, want in zip(res.spec.layers, ref.spec.layers):
            assert close(got.weights, want.weights)
            if want.biases is not None:
                assert close(got.biases, want.biases)
        assert close(res.outs, ref.outs)


def test_the_sweep_covers_every_feature():
    specs = [random_spec(i, np.random.default_rng(1000 + i)) for i in range(72)]
    assert {layer.activation for s in specs for layer in s.layers[:-1]} == set(ACTS)
    assert {s.layers[-1].activation for s in specs} == set(ACTS)
    assert {s.loss for s in specs} == set(LOSSES)
    assert {layer.bias_mode for s in specs for layer in s.layers} == {"unit", "shared", "none"}
    assert {(s.update_order, s.reduction, s.log_base, s.update_biases) for s in specs} >= {
        ("sequential", "mean", "10", True), ("simultaneous", "sum", "e", False)}
    assert {s.n_samples for s in specs} == {1, 2, 3, 4}


def test_snapshots_and_trained_spec():
    spec = load_preset("mazur")
    res = train(spec, 10, keep={0, 5, 10})
    assert set(res.snapshots) == {0, 5, 10}
    five = train(spec, 5)
    np.testing.assert_array_equal(res.snapshots[5].layers[1].weights, five.spec.layers[1].weights)
    # the trained spec writes its trained weights, not the texts of the initial ones
    w = res.spec.to_dict()["layers"][0]["weights"][0][0]
    assert float(w) == res.spec.layers[0].weights[0, 0] != 0.15


def test_engine_choice_and_generated_source():
    assert choose_engine(load_preset("mazur")) == "scalar"
    big = spec_from_dict({"inputs": np.ones((210, 7)).tolist(), "targets": np.zeros((210, 3)).tolist(),
                          "loss": "half_sse", "learning_rate": 0.1,
                          "layers": [{"weights": np.ones((7, 16)).tolist(), "activation": "sigmoid"},
                                     {"weights": np.ones((16, 3)).tolist(), "activation": "sigmoid"}]})
    assert choose_engine(big) == "vector"
    src = codegen.source(codegen.shape_of(load_preset("mazur")), 1)
    assert "0.15" not in src and "0.35" not in src and "0.5" not in src.replace("0.5 *", "")  # data is never in it
    with pytest.raises(ValueError):
        codegen.step_function(((2, 2), ("sigmoid); import os; (",), ("unit",), "sse", "sum", True,
                               "simultaneous"), 1)


# ---------------------------------------------------------------------------------------------------
# the generated step is the records evaluated as code: every activation, in a hidden and the output layer

def record_cases() -> list[tuple[str, str, str]]:
    """(hidden, output, loss): every activation before every activation (a squared-error loss, cycling), and every
    activation before each probability output under each log loss."""
    plain = [name for name, rec in LOSS_RECORDS.items() if not rec.log]
    logs = [name for name, rec in LOSS_RECORDS.items() if rec.log]
    cases = [(h, o, plain[(i + j) % len(plain)]) for i, h in enumerate(ACTS) for j, o in enumerate(ACTS)]
    return cases + [(h, o, loss) for h in ACTS for o in PROBS for loss in logs]


def record_spec(k: int, hidden: str, out: str, loss: str):
    rng = np.random.default_rng(5000 + k)
    n, sizes = 1 + k % 3, [2, 3, 3]
    layers = []
    for l, act in enumerate((hidden, out)):
        mode = ("unit", "shared", "none")[(k + l) % 3]
        layer = {"weights": rng.normal(0, 0.9, (sizes[l], sizes[l + 1])).tolist(), "activation": act,
                 "biases": rng.normal(0, 0.5, sizes[l + 1]).tolist() if mode == "unit" else
                 float(rng.normal(0, 0.5)) if mode == "shared" else None}
        if ACTIVATIONS[act].alpha is not None:
            layer["alpha"] = float(rng.uniform(0.05, 1.5))
        layers.append(layer)
    if loss == "cce" or ACTIVATIONS[out].vector:
        t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif LOSS_RECORDS[loss].log:
        t = rng.uniform(0, 1, (n, sizes[-1])).round(2)
    else:
        t = rng.normal(0, 1, (n, sizes[-1]))
    return spec_from_dict({
        "inputs": rng.normal(0, 1, (n, sizes[0])).tolist(), "targets": t.tolist(), "layers": layers, "loss": loss,
        "log_base": ("e", "10")[k % 2], "reduction": ("sum", "mean")[(k // 2) % 2],
        "learning_rate": float(rng.uniform(0.05, 0.6)), "update_biases": bool((k // 4) % 2 == 0),
        "update_order": ("simultaneous", "sequential")[(k // 3) % 2]})


def generated_vs_engine(spec) -> None:
    """One generated step over the whole batch against calc.engine.numeric.run: E, W+, b+, and E after the step."""
    from calc.engine.numeric import run
    from calc.train.fast import ScalarModel
    model = ScalarModel(spec, spec.n_samples)
    loss, new = model.step_all(model.start())
    ws, bs = model.arrays(new)
    ref = run(spec)
    assert close(loss, ref.loss), (loss, ref.loss)
    for k in range(len(spec.layers)):
        assert close(ws[k], ref.new_w[k]), (k, ws[k], ref.new_w[k])
        if ref.new_b[k] is not None:
            assert close(bs[k], ref.new_b[k]), (k, bs[k], ref.new_b[k])
    assert close(model.loss(new), ref.loss_after)


@pytest.mark.parametrize("k", range(len(record_cases())))
def test_generated_step_is_the_records_for_every_activation_and_loss(k):
    hidden, out, loss = record_cases()[k]
    generated_vs_engine(record_spec(k, hidden, out, loss))


def test_record_cases_cover_every_record_and_option():
    cases = record_cases()
    specs = [record_spec(k, *c) for k, c in enumerate(cases)]
    assert {h for h, _, _ in cases} == {o for _, o, _ in cases} == set(ACTIVATIONS)
    assert {loss for _, _, loss in cases} == set(LOSS_RECORDS)
    assert {(s.layers[-1].activation, s.loss) for s in specs if s.loss in ("bce", "cce")} >= {
        ("sigmoid", "bce"), ("softmax", "cce"), ("sigmoid", "cce"), ("softmax", "bce")}
    assert {layer.bias_mode for s in specs for layer in s.layers} == {"unit", "shared", "none"}
    assert {(s.update_order, s.reduction, s.log_base, s.update_biases) for s in specs} >= {
        (o, r, b, u) for o in ("simultaneous", "sequential") for r in ("sum", "mean") for b in ("e", "10")
        for u in (True, False)}


def test_codegen_knows_no_activation_or_loss_by_name():
    """No activation or loss is named in the code generators: their code comes from the records."""
    for path, names in (("calc/train/codegen.py", list(ACTIVATIONS) + list(LOSS_RECORDS)),
                        ("calc/train/fast.py", list(ACTIVATIONS) + list(LOSS_RECORDS)),
                        ("calc/export/notebook.py", list(ACTIVATIONS) + list(LOSS_RECORDS)),
                        ("calc/export/generate.py", list(ACTIVATIONS))):
        text = (ROOT / path).read_text(encoding="utf-8")
        for name in names:
            assert f'"{name}"' not in text and f"'{name}'" not in text, (path, name)


def cube_record():
    """A throwaway activation, written once as a record (f = z^3, f' = 3 z^2)."""
    return functions.Activation("cube", lambda A, z, al: z * z * z, lambda A, z, o, al: 3 * z * z,
                                lambda n, a: rf"{n}^{{3}}", lambda n, o, a: rf"3 {n}^{{2}}", "cube", in_net=True)


def cube_spec(loss: str = "half_sse", out: str = "cube", n: int = 2):
    """A spec validated with sigmoid layers, then given the cube activation (so validation needs no edit)."""
    import dataclasses
    rng = np.random.default_rng(77)
    d = {"inputs": rng.normal(0, 0.7, (n, 2)).tolist(), "learning_rate": 0.1, "loss": loss, "update_biases": True,
         "targets": (np.eye(2)[rng.integers(0, 2, n)] if loss == "cce" else rng.uniform(0.1, 0.9, (n, 2))).tolist(),
         "layers": [{"weights": rng.normal(0, 0.7, (2, 2)).tolist(), "biases": [0.1, -0.2], "activation": "sigmoid"},
                    {"weights": rng.normal(0, 0.7, (2, 2)).tolist(), "biases": 0.3, "activation": "sigmoid"}]}
    spec = spec_from_dict(d)
    acts = ("cube", out)
    return dataclasses.replace(spec, layers=tuple(dataclasses.replace(layer, activation=a)
                                                  for layer, a in zip(spec.layers, acts)))


@pytest.mark.parametrize("out, loss", [("cube", "half_sse"), ("cube", "mse"), ("softmax", "cce"), ("sigmoid", "bce")])
def test_a_new_record_is_generated_code_without_another_edit(monkeypatch, out, loss):
    monkeypatch.setitem(functions.ACTIVATIONS, "cube", cube_record())
    spec = cube_spec(loss, out)
    generated_vs_engine(spec)
    src = codegen.source(codegen.shape_of(spec), spec.n_samples)
    assert re.search(r"(\w+) \* \1 \* \1", src) and re.search(r"3\.0 \* (\w+) \* \1", src)   # z z z, 3 z z
    res, ref = train(spec, 5, engine="scalar"), train(spec, 5, engine="reference")
    assert close(res.history, ref.history)


# ---------------------------------------------------------------------------------------------------
# calc.maths.code: the records as source, in both flavours, against the float64 arithmetic

GRID = [-800.0, -30.0, -2.5, -1e-3, 0.0, 1e-3, 0.7, 3.0, 30.0, 800.0]


def run_function(src: str, name: str, namespace: dict):
    ns = dict(namespace)
    exec(compile(src, f"<{name}>", "exec"), ns)     # test code running generated code
    return ns[name]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_code_flavours_compute_what_float64_does(name):
    from calc.maths.code import NumpyCode, PythonCode
    rec, alpha = ACTIVATIONS[name], 0.3
    z = np.array([GRID])
    with np.errstate(all="ignore"):
        want_f, want_df = rec.f(z, alpha), rec.df(z, rec.f(z, alpha), alpha)
    f = run_function(NumpyCode().function("f", ["net", "alpha"], rec.F), "f", {"np": np})
    df = run_function(NumpyCode().function("df", ["net", "out", "alpha"], rec.DF), "df", {"np": np})
    with np.errstate(all="ignore"):
        assert np.allclose(f(z, alpha), want_f, rtol=1e-15, atol=0) and np.allclose(df(z, want_f, alpha), want_df)
    if rec.vector:          # scalar Python: one row of Code, one output each
        A = PythonCode()
        nets = A.vars([[f"z_{j}" for j in range(len(GRID))]])
        lines, exprs = A.finish(list(rec.F(A, nets, A.var("alpha"))[0]))
        src = "def f(Z, alpha):\n    " + ", ".join(f"z_{j}" for j in range(len(GRID))) + ", = Z\n" + "".join(
            f"    {ln}\n" for ln in lines) + f"    return [{', '.join(exprs)}]\n"
        got = run_function(src, "f", PythonCode.GLOBALS)(GRID, alpha)
        assert np.allclose(got, want_f[0], rtol=1e-15, atol=0)
        return
    f = run_function(PythonCode().function("f", ["net", "alpha"], rec.F), "f", PythonCode.GLOBALS)
    df = run_function(PythonCode().function("df", ["net", "out", "alpha"], rec.DF), "df", PythonCode.GLOBALS)
    for k, v in enumerate(GRID):   # no math error at +-800: a branch's own work is done only when it is taken
        assert f(v, alpha) == pytest.approx(want_f[0, k], rel=1e-15, abs=0)
        assert df(v, want_f[0, k], alpha) == pytest.approx(want_df[0, k], rel=1e-15, abs=1e-300)


def test_code_shares_subexpressions_and_refuses_numbers_as_names():
    from calc.maths.code import PythonCode
    silu = ACTIVATIONS["silu"]
    src = PythonCode().function("df", ["net", "out", "alpha"], silu.DF)
    assert src.count("exp(") == 1 and src.count("abs(") == 1          # sigmoid(z) written twice, computed once
    A = PythonCode()
    for bad in ("v3", "1x", "x; import os", "exp", "lambda", "x y"):
        with pytest.raises(ValueError):
            A.var(bad)
    with pytest.raises(TypeError):
        bool(A.var("x"))            # a Code value has no truth value: a record branches with A.where
    with pytest.raises(TypeError):
        A.var("x") > 0
    with pytest.raises(TypeError):
        A.var("x") ** 0.5
