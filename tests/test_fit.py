"""Training on data (seed 003): the table reader and the shipped seeds data, the split and the scaling, `python -m
calc fit` (the documented command reaches >= 85% test accuracy), the worked solution of one update, the Data page."""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calc.data.table import MAX_BYTES, MAX_ROWS, DataError, load, read_table, summary
from calc.train import fit as F

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "calc" / "data" / "seeds" / "seeds_dataset.txt"
DOC_ARGS = ["--standardize", "--epochs", "200", "--batch-size", "16", "--learning-rate", "0.1", "--test-fraction",
            "0.3", "--seed", "1"]
DOC = F.FitOptions(layers=(7, 8, 3), activations=("relu", "softmax"), loss="cce", epochs=200, batch_size=16,
                   test_fraction=0.3, seed=1, standardize=True, learning_rate=0.1)


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "calc", "fit", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def problems(text, **kw) -> list[str]:
    with pytest.raises(DataError) as e:
        read_table(text, **kw)
    return [str(p) for p in e.value.problems]


# ---- the data -------------------------------------------------------------------------------------------------------
def test_the_shipped_seeds_file_is_the_published_one_with_its_attribution():
    assert hashlib.md5(SEEDS.read_bytes()).hexdigest() == "3c34f71e05a98433eb26c4dcb149710d"
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "Charytanowicz" in readme
    raw = SEEDS.read_bytes()
    assert not raw.endswith(b"\n") and b"\t\t" in raw           # the quirks the reader copes with


def test_the_seeds_data_reads_as_published():
    X, y, classes, columns = load("seeds")
    assert X.shape == (210, 7) and X.dtype == np.float64 and y.shape == (210,)
    assert X[0].tolist() == [15.26, 14.84, 0.871, 5.763, 3.312, 2.221, 5.22]
    assert y[0] == 0 and sorted(set(y.tolist())) == [0, 1, 2] and np.bincount(y).tolist() == [70, 70, 70]
    assert classes == ["Kama", "Rosa", "Canadian"] and len(columns) == 7 and columns[0] == "area"
    raw = read_table(SEEDS)                                      # the file itself: labels as written
    assert raw.classes == ["1", "2", "3"] and raw.columns == [f"x{j}" for j in range(1, 8)]
    assert np.array_equal(raw.X, X) and np.array_equal(raw.y, y)
    assert read_table(str(SEEDS)).X.shape == (210, 7)            # a path as a string
    assert read_table(SEEDS.read_bytes()).X.shape == (210, 7)    # the bytes
    assert summary(load("seeds"))["per_class"] == {"Kama": 70, "Rosa": 70, "Canadian": 70}


def test_a_csv_with_a_header_and_string_classes():
    t = read_table('\ufefflength, width ,"species, latin"\n5.1,3.5,setosa\n7.0,3.2,versicolor\n\n4.9,3.0,setosa')
    assert t.columns == ["length", "width"] and t.classes == ["setosa", "versicolor"]
    assert t.X.tolist() == [[5.1, 3.5], [7.0, 3.2], [4.9, 3.0]] and t.y.tolist() == [0, 1, 0]


def test_a_csv_without_header_with_numeric_classes_sorted_by_value():
    t = read_table("1,2,10\n3,4,2\n5,6,2.0\n7,8,-1\n")
    assert t.columns == ["x1", "x2"] and t.classes == ["-1", "2", "10"]     # by value; 2 and 2.0 are one class
    assert t.y.tolist() == [2, 1, 1, 0]


def test_semicolons_with_decimal_commas_and_whitespace_tables():
    t = read_table("a;b;klasse\n1,5;-2;x\n3;4,25;y\n")
    assert t.X.tolist() == [[1.5, -2.0], [3.0, 4.25]] and t.columns == ["a", "b"]
    t = read_table("1.5  2\t\t a\n 3 4 b")                       # runs of spaces and tabs, no final newline
    assert t.X.tolist() == [[1.5, 2.0], [3.0, 4.0]] and t.classes == ["a", "b"]


def test_repeated_header_names_are_made_unique():
    assert read_table("a,a,c\n1,2,x\n3,4,y\n").columns == ["a", "a (2)"]


@pytest.mark.parametrize("text,where,what", [
    ("1,2,a\n3,x,b\n", "data line 2, column 2 (x2)", "not a number: 'x'"),
    ("h1,h2,c\n1,2,a\n3,,b\n", "data line 3, column 2 (h2)", "empty"),
    ("1,2,a\n3,1e999,b\n", "data line 2, column 2 (x2)", "not a finite number"),
    ("1,2,a\n3,nan,b\n", "data line 2, column 2 (x2)", "not a number: 'nan'"),
    ("1,2,a\n\n3,4\n", "data line 3", "2 fields, expected 3 (as on line 1)"),
    ("1,2,a\n3,4,b,5\n", "data line 2", "4 fields, expected 3"),
    ("1,2,a\n3,4,\n", "data line 2, column 3 (class)", "empty class label"),
    ("", "data", "empty"),
    ("  \n\n", "data", "empty"),
    ("a,b,c\n", "data", "only a header row"),
    ("1,2,a\n3,4,a\n", "data column 3 (class)", "only one class ('a')"),
    ("1\n2\n", "data line 1", "at least one feature and the class"),
])
def test_each_error_is_located(text, where, what):
    got = problems(text)
    assert any(p.startswith(where + ":") and what in p for p in got), got


def test_more_errors_are_all_listed_and_bytes_that_are_not_utf8_are_located():
    got = problems("1,2,a\n3,x,b\n4,y,c\n5,6\n")
    assert [p.split(":")[0] for p in got] == ["data line 2, column 2 (x2)", "data line 3, column 2 (x2)",
                                              "data line 4"]
    got = problems(b"1,2,a\n3,4,\xe9\n", name="up.csv")
    assert got[0].startswith("up.csv line 2:") and "UTF-8" in got[0]


def test_size_and_row_caps(tmp_path):
    assert any("limit" in p for p in problems(b"1,2,a\n" * (MAX_BYTES // 6 + 1)))
    big = tmp_path / "big.csv"
    big.write_bytes(b"1,2,a\n" * (MAX_BYTES // 6 + 1))
    assert problems(big)[0].startswith("big.csv: ") and "5,000,000-byte limit" in problems(big)[0]
    rows = "".join(f"{i % 7},{'ab'[i % 2]}\n" for i in range(MAX_ROWS + 1))
    assert any("100,000" in p for p in problems(rows))
    assert read_table("".join(f"{i % 7},{'ab'[i % 2]}\n" for i in range(1000))).X.shape == (1000, 1)


def test_a_missing_file_and_an_unknown_data_set():
    assert "cannot be read" in problems(Path("/nonexistent/x.csv"))[0]
    with pytest.raises(DataError) as e:
        load("iris")
    assert "seeds" in str(e.value)


# ---- the split, the scaling, the initial weights ------------------------------------------------------------------
def test_the_split_is_reproducible_stratified_and_disjoint():
    t = load("seeds")
    tr, te = F.split(t.y, 3, 0.3, seed=1)
    tr2, te2 = F.split(t.y, 3, 0.3, seed=1)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    assert not np.array_equal(te, F.split(t.y, 3, 0.3, seed=2)[1])
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(210)) and not set(tr) & set(te)
    assert np.bincount(t.y[te]).tolist() == [21, 21, 21]               # round(0.3 x 70) of each class
    assert np.all(np.diff(tr) > 0) and np.all(np.diff(te) > 0)          # both keep the file's order
    tr, te = F.split(t.y, 3, 0.3, seed=1, stratify=False)
    assert len(te) == 63 and len(tr) == 147
    assert F.split(t.y, 3, 0.0, seed=1)[1].size == 0


def test_standardization_uses_the_training_rows_only():
    t = load("seeds")
    prep = F.prepare(t, DOC)
    train_rows = t.X[prep.train_idx]
    mean, std = train_rows.mean(axis=0), train_rows.std(axis=0)
    assert np.allclose(prep.X_train.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(prep.X_train.std(axis=0), 1, atol=1e-12)
    assert np.allclose(prep.mean, mean) and np.allclose(prep.std, std)
    assert np.allclose(prep.X_test, (t.X[prep.test_idx] - mean) / std)   # the test rows scaled by training numbers
    assert not np.allclose(prep.mean, t.X.mean(axis=0))                  # ... which are not the whole table's
    assert np.allclose(np.asarray(prep.problem["inputs"]), prep.X_train)
    plain = F.prepare(t, F.FitOptions(layers=(7, 8, 3), epochs=1, seed=1))
    assert plain.mean is None and np.array_equal(plain.X_train, t.X[plain.train_idx])


def test_initial_weights_are_reproducible_he_and_glorot():
    ws, bs = F.init_params((7, 8, 3), ("relu", "softmax"), 5)
    ws2, _ = F.init_params((7, 8, 3), ("relu", "softmax"), 5)
    assert all(np.array_equal(a, b) for a, b in zip(ws, ws2))
    assert ws[0].shape == (7, 8) and ws[1].shape == (8, 3) and all(not b.any() for b in bs)
    assert np.abs(ws[0]).max() <= math.sqrt(6 / 7) and np.abs(ws[1]).max() <= math.sqrt(6 / 11)
    assert not np.array_equal(ws[0], F.init_params((7, 8, 3), ("relu", "softmax"), 6)[0][0])


def test_the_problem_carries_one_hot_targets_and_the_optimizer_only_when_not_sgd():
    t = load("seeds")
    prep = F.prepare(t, DOC, "seeds")
    targets = np.asarray(prep.problem["targets"])
    assert targets.shape == (147, 3) and np.array_equal(targets.argmax(axis=1), t.y[prep.train_idx])
    assert targets.sum(axis=1).tolist() == [1.0] * 147
    assert "optimizer" not in prep.problem and prep.problem["reduction"] == "mean"
    adam = F.prepare(t, F.FitOptions(layers=(7, 8, 3), epochs=1, optimizer="adam"))
    assert adam.problem["optimizer"] == {"name": "adam"}
    assert prep.updates_per_epoch == 10 and prep.updates == 2000


@pytest.mark.parametrize("change,field", [
    ({"layers": (4, 8, 3)}, "--layers"), ({"layers": (7, 8, 2)}, "--layers"),
    ({"activations": ("relu",)}, "--activations"), ({"activations": ("relu", "nope")}, "--activations"),
    ({"loss": "nope"}, "--loss"), ({"batch_size": 148}, "--batch-size"), ({"batch_size": 0}, "--batch-size"),
    ({"test_fraction": 1.0}, "--test-fraction"), ({"test_fraction": -0.1}, "--test-fraction"),
    ({"epochs": 0}, "--epochs"), ({"epochs": 20_000}, "--epochs"), ({"learning_rate": -1.0}, "--learning-rate"),
    ({"optimizer": "lbfgs"}, "--optimizer"), ({"seed": -1}, "--seed"),
])
def test_bad_options_are_located(change, field):
    import dataclasses
    from calc.problem.spec import SpecError
    with pytest.raises(SpecError) as e:
        F.prepare(load("seeds"), dataclasses.replace(DOC, **change))
    assert any(str(p).startswith(field + ":") for p in e.value.problems), e.value.problems


# ---- fit ---------------------------------------------------------------------------------------------------------------
def test_the_documented_command_reaches_85_percent_in_process():
    r = F.fit(load("seeds"), DOC, "seeds")
    assert r["test_accuracy"] >= 0.85 and r["train_accuracy"] >= 0.85
    assert len(r["history"]) == 201 and [h["epoch"] for h in r["history"][:3]] == [0, 1, 2]
    assert r["history"][-1]["update"] == 2000 and r["updates"] == 2000 and r["stopped"] is None
    assert r["history"][-1]["train_loss"] < r["history"][0]["train_loss"]
    conf = np.array(r["confusion"])
    assert conf.shape == (3, 3) and conf.sum() == 63 and conf.sum(axis=1).tolist() == [21, 21, 21]
    assert np.trace(conf) / 63 == pytest.approx(r["test_accuracy"])
    assert [np.array(layer["weights"]).shape for layer in r["layers"]] == [(7, 8), (8, 3)]
    json.dumps(r, allow_nan=False)
    # the training loss of each epoch is the loss of that epoch's parameters on the training rows
    prep = F.prepare(load("seeds"), DOC)
    from calc.problem.spec import spec_from_dict
    d = dict(prep.problem)
    d["layers"] = [{"weights": L["weights"], "biases": L["biases"], "activation": L["activation"]} for L in r["layers"]]
    final = spec_from_dict(d)
    loss, acc, _ = F.evaluate(final, prep.X_train, prep.y_train, 3)
    assert loss == pytest.approx(r["train_loss"], rel=1e-9) and acc == pytest.approx(r["train_accuracy"])
    loss, acc, _ = F.evaluate(final, prep.X_test, prep.y_test, 3)
    assert loss == pytest.approx(r["test_loss"], rel=1e-9) and acc == pytest.approx(r["test_accuracy"])


def test_the_documented_command_on_the_cli_json():
    p = cli("--data", "seeds", "--layers", "7-8-3", "--activations", "relu,softmax", "--loss", "cce", *DOC_ARGS,
            "--format", "json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for key in ("history", "test_accuracy", "train_accuracy", "confusion", "layers"):
        assert key in r
    assert set(r["history"][0]) == {"epoch", "update", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert r["test_accuracy"] >= 0.85 and p.stderr == ""                # no progress bar when stderr is not a tty
    assert all(set(layer) == {"activation", "weights", "biases"} for layer in r["layers"])


def test_a_csv_file_markdown_report_and_no_test_set(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{'[x](javascript:1)' if a > b else 'b|c'}" for a, b in rng.normal(size=(40, 2))]
    f = tmp_path / "two.csv"
    f.write_text("u,v,label\n" + "\n".join(rows), encoding="utf-8")
    p = cli(str(f), "--layers", "2-3-2", "--epochs", "30", "--batch-size", "8", "--learning-rate", "0.5")
    assert p.returncode == 0, p.stderr
    assert "## Confusion matrix of the test set" in p.stdout and "## Final weights" in p.stdout
    assert "\\[x\\]\\(javascript:1\\)" in p.stdout and "b\\|c" in p.stdout       # user text escaped
    p = cli(str(f), "--layers", "2-2", "--activations", "softmax", "--epochs", "5", "--test-fraction", "0",
            "--format", "json")
    r = json.loads(p.stdout)
    assert p.returncode == 0 and r["confusion"] is None and r["test_accuracy"] is None
    assert r["data"]["test_rows"] == 0 and r["train_accuracy"] is not None


def test_cli_errors_exit_2_with_located_messages(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,a\n3,zz,b\n", encoding="utf-8")
    p = cli(str(bad), "--layers", "2-2", "--epochs", "1")
    assert p.returncode == 2 and p.stdout == "" and p.stderr.startswith("bad.csv line 2, column 2 (x2): not a number")
    p = cli("--data", "seeds", "--layers", "7-9", "--epochs", "1")
    assert p.returncode == 2 and p.stderr.startswith("--layers:") and "3 classes" in p.stderr
    p = cli("--layers", "7-3", "--epochs", "1")
    assert p.returncode == 2 and "--data" in p.stderr
    p = cli("--data", "seeds", "--layers", "7-8-3", "--epochs", "1", "--worked-update", "11")
    assert p.returncode == 2 and p.stderr.startswith("--worked-update:")
    env = {**os.environ, "BACKPROP_MAX_WORK": "1e5"}
    p = cli("--data", "seeds", "--layers", "7-8-3", *DOC_ARGS, env=env)
    assert p.returncode == 2 and p.stdout == "" and "budget" in p.stderr


def test_fit_is_registered_in_the_main_command():
    p = subprocess.run([sys.executable, "-m", "calc", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "fit" in p.stdout
    p = subprocess.run([sys.executable, "-m", "calc", "fit", "--help"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and "--worked-update" in p.stdout


def test_the_terminal_bar_draws_and_clears():
    out = io.StringIO()
    bar = F.TerminalBar(out, width=10)
    bar(0.5, "training")
    bar(1.0, "done")
    bar.close()
    text = out.getvalue()
    assert "[#####.....]  50% training" in text and "[##########] 100% done" in text and text.endswith("\r")
    seen = []
    F.fit(load("seeds"), F.FitOptions(layers=(7, 3), activations=("softmax",), epochs=3, seed=1),
          progress=lambda f, s: seen.append(f))
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


# ---- the worked solution of update K ----------------------------------------------------------------------------------
def _numpy_batch_loss(weights, biases, X, T) -> float:
    h = np.maximum(X @ weights[0] + biases[0], 0.0)
    z = h @ weights[1] + biases[1]
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(-(T * np.log(p)).sum(axis=1).mean())


@pytest.mark.parametrize("k", [1, 13])
def test_worked_update_k_is_the_batch_at_the_snapshot_after_k_minus_1(k):
    from calc.train.loop import train
    t = load("seeds")
    prep = F.prepare(t, DOC)
    sol = F.worked_update(prep, k)
    d = sol.to_dict()
    # independently: the snapshot after k-1 updates, and the rows of update k (10 updates of 16 rows per epoch,
    # each epoch in the order one default_rng(seed) permutes the 147 training rows)
    res = train(prep.spec, k, 16, 1, keep={k - 1, k})
    before, after = res.snapshots[k - 1], res.snapshots[k]
    rng = np.random.default_rng(1)
    order = np.concatenate([rng.permutation(147) for _ in range(2)])
    epoch, j = divmod(k - 1, 10)
    idx = order[epoch * 147:][j * 16:(j + 1) * 16]
    X, T = prep.X_train[idx], np.eye(3)[t.y[prep.train_idx][idx]]
    expect = _numpy_batch_loss([L.weights for L in before.layers], [L.biases for L in before.layers], X, T)
    assert d["loss"] == pytest.approx(expect, rel=1e-12)
    assert np.asarray(d["layers"][0]["out"]).shape == (16, 8)
    for layer, snap in zip(d["layers"], after.layers):            # sgd: its update gives the parameters after k
        assert np.allclose(layer["new_weights"], snap.weights, rtol=0, atol=1e-12)
        assert np.allclose(layer["new_biases"], snap.biases, rtol=0, atol=1e-12)


def test_worked_update_on_the_cli_is_the_solve_result():
    p = cli("--data", "seeds", "--layers", "7-8-3", *DOC_ARGS, "--format", "json", "--worked-update", "25")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert set(d) >= {"loss", "loss_after", "layers", "steps", "warnings"}
    sol = F.worked_update(F.prepare(load("seeds"), DOC), 25)
    assert d["loss"] == pytest.approx(sol.to_dict()["loss"], rel=1e-12)


# ---- the Data page ------------------------------------------------------------------------------------------------------
def test_the_data_page_trains_and_shows_curves_confusion_and_a_worked_update():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.number_input(key="data_epochs").set_value(5).run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    assert "Test accuracy" in labels and "Train loss" in labels
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2                                            # loss and accuracy, train and test
    specs = [json.loads(c.proto.spec) for c in charts]
    assert [s["encoding"]["y"]["field"] for s in specs] == ["loss", "accuracy"]
    frames = [d.value for d in at.dataframe]
    conf = next(f for f in frames if list(f.columns) == ["Kama", "Rosa", "Canadian"])
    assert conf.shape == (3, 3) and int(conf.to_numpy().sum()) == 63 and list(conf.index) == list(conf.columns)
    history = next(f for f in frames if "test_accuracy" in f.columns)
    assert history["epoch"].tolist() == [0, 1, 2, 3, 4, 5]
    report = F.fit(load("seeds"), F.FitOptions(layers=(7, 8, 3), activations=("relu", "softmax"), epochs=5,
                                               batch_size=16, test_fraction=0.3, seed=1, standardize=True), "seeds")
    assert history["test_accuracy"].tolist() == pytest.approx([h["test_accuracy"] for h in report["history"]])
    at.toggle(key="data_worked_on").set_value(True).run()
    at.number_input(key="data_update_k").set_value(3).run()
    assert not at.exception and not at.error
    sol = F.worked_update(F.prepare(load("seeds"), F.FitOptions(
        layers=(7, 8, 3), activations=("relu", "softmax"), epochs=5, batch_size=16, test_fraction=0.3, seed=1,
        standardize=True)), 3)
    from tests.apptools import shows
    assert shows(at, sol.to_dict()["loss"])


def test_the_data_page_refuses_a_bad_network_with_a_message():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.text_input(key="data_hidden").set_value("8-x").run()
    assert not at.exception and any("--layers" in e.value for e in at.error)
    at.text_input(key="data_hidden").set_value("8").run()
    at.selectbox(key="data_act_out").set_value("relu").run()          # cce on relu outputs: refused, located
    assert not at.exception and at.error


def test_the_readme_documents_the_command_the_tests_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "### Training on data (`python -m calc fit`)" in readme
    section = readme.split("### Training on data (`python -m calc fit`)")[1]
    command = " ".join(section.split("```bash")[1].split("\n")[1:3]).replace("\\", " ")
    assert command.split() == ["python", "-m", "calc", "fit", "--data", "seeds", "--layers", "7-8-3", "--activations",
                               "relu,softmax", "--loss", "cce", *DOC_ARGS]


# ---- a run in chunks (the Data page's live curves) ------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["scalar", "vector", "reference"])
def test_training_resumed_at_an_update_gives_the_whole_runs_numbers(engine):
    from calc.train.loop import train
    prep = F.prepare(load("seeds"), F.FitOptions(layers=(7, 3, 3), activations=("tanh", "softmax"), batch_size=40,
                                                 seed=3, standardize=True))
    whole = train(prep.spec, 12, 40, 5, keep={4, 8, 12}, engine=engine)
    first = train(prep.spec, 4, 40, 5, keep={4}, engine=engine)
    rest = train(first.snapshots[4], 12, 40, 5, keep={4, 8, 12}, engine=engine, start=4)
    assert sorted(rest.snapshots) == [4, 8, 12]
    assert rest.history == whole.history[4:]                     # history[i] = the loss after start + i updates
    for k in (8, 12):
        for a, b in zip(rest.snapshots[k].layers, whole.snapshots[k].layers):
            assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
    with pytest.raises(Exception, match="start"):
        train(prep.spec, 3, 40, 5, start=4)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_fit_trained_in_chunks_reports_exactly_the_whole_run(optimizer):
    opts = F.FitOptions(layers=(7, 5, 3), activations=("relu", "softmax"), epochs=7, batch_size=32, seed=2,
                        standardize=True, optimizer=optimizer, learning_rate=0.05)
    t = load("seeds")
    prep = F.prepare(t, opts, "seeds")
    chunks, state = [], None
    for e0, e1 in [(0, 2), (2, 3), (3, 7)]:
        chunks.append(F.run_epochs(prep, state, e0, e1))
        state = chunks[-1].state
    assert [r["epoch"] for c in chunks for r in c.records] == list(range(8))
    assert F.report(prep, chunks) == F.fit(t, opts, "seeds")
    if optimizer == "adam":                                      # the optimizer's state travels with the chunks
        assert state.opt_state is not None


def test_epoch_chunks_cover_every_epoch_once():
    assert F.epoch_chunks(5, 0.01) == [(0, 5)]
    for epochs, seconds in [(3, 1.0), (10, 0.2), (200, 0.17), (2000, 30.0), (7, 100.0)]:
        plan = F.epoch_chunks(epochs, seconds)
        assert plan[0][0] == 0 and plan[-1][1] == epochs
        assert all(a < b for a, b in plan) and all(p[1] == q[0] for p, q in zip(plan, plan[1:]))
        assert len(plan) == min(epochs, 40, max(10, math.ceil(seconds / 0.25)))


def test_the_data_page_trains_in_chunks_and_shows_the_whole_runs_numbers():
    from streamlit.testing.v1 import AppTest

    from calc.jobs.cache import RESULTS
    at = AppTest.from_file("../streamlit_app.py", default_timeout=180).run()
    at.switch_page("pages/data.py").run()
    at.number_input(key="data_epochs").set_value(300).run()
    assert not at.exception and not at.error
    opts = F.FitOptions(layers=(7, 8, 3), activations=("relu", "softmax"), epochs=300, batch_size=16,
                        test_fraction=0.3, seed=1, standardize=True)
    plan = F.epoch_chunks(300, F.estimate(F.prepare(load("seeds"), opts, "seeds")).seconds)
    assert len(plan) >= 10
    chunk_keys = [k for k in RESULTS.keys() if k[0] == "data-fit-chunk" and k[2] == opts]
    assert sorted((k[3], k[4]) for k in chunk_keys) == plan          # trained chunk by chunk, each cached
    history = next(d.value for d in at.dataframe if "test_accuracy" in d.value.columns)
    report = F.fit(load("seeds"), opts, "seeds")
    assert history["epoch"].tolist() == list(range(301))
    assert history["train_loss"].tolist() == [h["train_loss"] for h in report["history"]]
    assert history["test_accuracy"].tolist() == [h["test_accuracy"] for h in report["history"]]


def test_a_big_update_shows_its_updates_and_can_be_loaded():
    """Update 3 of the documented run has a batch of 16 rows (4,480 steps): the page shows its updates table with
    the batch's loss (from calc.train.fit), and the button makes it the loaded problem."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.number_input(key="data_epochs").set_value(5).run()
    at.toggle(key="data_worked_on").set_value(True).run()
    at.number_input(key="data_update_k").set_value(3).run()
    assert not at.exception and not at.error
    opts = F.FitOptions(layers=(7, 8, 3), activations=("relu", "softmax"), epochs=5, batch_size=16,
                        test_fraction=0.3, seed=1, standardize=True)
    sol = F.worked_update(F.prepare(load("seeds"), opts), 3)
    assert len(sol.steps) > 1500 and any("4,480 steps" in i.value or "steps (16 rows" in i.value for i in at.info)
    shown = {m.label: m.value for m in at.metric}
    assert float(shown[next(k for k in shown if k.startswith("Loss of the batch"))]) == pytest.approx(
        sol.to_dict()["loss"], rel=1e-8)
    at.button(key="data_update_load").click().run()
    assert at.session_state["spec"].n_samples == 16
    assert at.session_state["spec"].layers[0].weights.shape == (7, 8)
