"""The bad-input catalogue, through the calc API and the CLI: every row gets a located message, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from calc.presets import preset_path
from calc.worked.solve import solve
from calc.problem.spec import SpecError, load_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]


def base(**kw) -> dict:
    d = json.loads(preset_path("mazur").read_text())
    d.update(kw)
    return d


def problems(d) -> list[str]:
    with pytest.raises(SpecError) as e:
        spec_from_dict(d)
    return [str(p) for p in e.value.problems]


def warnings(d) -> list[str]:
    return [str(w) for w in spec_from_dict(d).warnings]


def layers(*edits):
    ls = base()["layers"]
    for k, key, value in edits:
        ls[k][key] = value
    return ls


@pytest.mark.parametrize("cell,needle", [
    ("abc", "layers[0].weights[0][1]"), ("", "layers[0].weights[0][1]"), ("nan", "layers[0].weights[0][1]"),
    ("inf", "layers[0].weights[0][1]"), ("1e309", "layers[0].weights[0][1]"), (True, "expected a number, got true"),
    (None, "expected a number, got null"), ([1], "expected a number, got a list"),
])
def test_bad_cells_are_located(cell, needle):
    ls = base()["layers"]
    ls[0]["weights"][0][1] = cell
    msgs = problems(base(layers=ls))
    assert any(needle in m and m.startswith("layers[0].weights[0][1]") for m in msgs), msgs


def test_json_constants_nan_and_infinity_are_refused():
    for text in ['{"inputs": [NaN, 1]', '{"inputs": [Infinity, 1]', '{"inputs": [1e400, 1]']:
        doc = text + ', "targets": [0.01, 0.99], "layers": ' + json.dumps(base()["layers"]) + \
            ', "loss": "half_sse", "learning_rate": 0.5}'
        with pytest.raises(SpecError) as e:
            load_spec(doc)
        assert [p.field for p in e.value.problems] == ["inputs[0]"], e.value.problems
        assert "finite" in str(e.value)


def test_underflow_warns():
    assert any("underflows to 0" in w for w in warnings(base(inputs=["1e-400", 0.1])))


def test_huge_weights_overflow_later_with_a_located_message():
    spec = spec_from_dict(base(inputs=[1, 1], layers=layers((0, "weights", [[1e308, 1e308], [1e308, 1e308]]))))
    with pytest.raises(SpecError) as e:
        solve(spec)
    assert "overflows" in str(e.value) and e.value.problems[0].field.startswith("layers[")


@pytest.mark.parametrize("edit,needle", [
    (dict(layers=layers((1, "weights", [[0.4, 0.5], [0.45, 0.55], [1, 2]]))),
     "layers[1].weights: 3 rows, but layer 0 has 2 units"),
    (dict(layers=layers((0, "biases", [0.1, 0.2, 0.3]))), "layers[0].biases: 3 biases, but the layer has 2 units"),
    (dict(layers=layers((0, "weights", [[0.15, 0.25], [0.2]]))), "layers[0].weights: ragged matrix"),
    (dict(layers=[]), "layers: needs at least one layer"),
    (dict(layers=layers((0, "weights", []))), "layers[0].weights: is empty"),
    (dict(inputs=[0.05, 0.1, 0.2]), "layers[0].weights: 2 rows, but the inputs have 3 values"),
    (dict(targets=[0.01]), "targets: 1 values per sample, but the output layer (layers[1]) has 2 units"),
    (dict(inputs=[[0.05, 0.1], [0.2]], targets=[[0.01, 0.99], [0, 1]]), "inputs: rows have different lengths"),
    (dict(inputs=[[0.05, 0.1]], targets=[[0.01, 0.99], [0, 1]]), "targets: 2 samples, but inputs has 1"),
    (dict(layers=[base()["layers"][0]] * 21), "layers: 21 layers; the limit is 20"),
])
def test_shapes(edit, needle):
    msgs = problems(base(**edit))
    assert any(m.startswith(needle) for m in msgs), msgs


@pytest.mark.parametrize("edit,needle", [
    (dict(layers=layers((1, "weights", [[0.4], [0.45]]), (1, "activation", "softmax")), targets=[1]),
     "layers[1].activation: softmax on a one-unit layer"),
    (dict(loss="bce", targets=[1.5, 0]), "targets[0][0]: bce targets must lie in [0, 1]"),
    (dict(loss="bce", layers=layers((1, "activation", "tanh"))), "loss: bce needs outputs in (0, 1)"),
    (dict(loss="cce", layers=layers((1, "activation", "relu"))), "loss: cce needs outputs in (0, 1)"),
    (dict(learning_rate=-0.5), "learning_rate: must be >= 0"),
    (dict(learning_rate="nan"), "learning_rate: "),
    (dict(learning_rate="fast"), "learning_rate: "),
    (dict(log_base=2, loss="bce"), 'log_base: must be "e" or 10'),
    (dict(loss="mae"), 'loss: unknown value "mae"'),
    (dict(layers=layers((0, "activation", "sigmod"))), "layers[0].activation: unknown value \"sigmod\" (did you mean 'sigmoid'?)"),
    (dict(update_biases="false"), "update_biases: must be true or false"),
    (dict(reduction="avg"), 'reduction: unknown value "avg"'),
])
def test_semantics(edit, needle):
    msgs = problems(base(**edit))
    assert any(m.startswith(needle) for m in msgs), msgs


def test_warnings_and_did_you_mean():
    assert any(w.startswith("learning_rate: is 0") for w in warnings(base(learning_rate=0)))
    assert any("did you mean 'learning_rate'" in w for w in warnings(base(learnig_rate=0.1)))
    assert any("cce targets sum to 0.5" in w for w in warnings(base(loss="cce", targets=[0.25, 0.25],
                                                                   layers=layers((1, "activation", "softmax")))))
    assert any("bce on softmax" in w for w in warnings(base(loss="bce", layers=layers((1, "activation", "softmax")))))
    sol = solve(spec_from_dict(base(inputs=[1e4, 1e4])))
    assert any("saturated" in str(w) for w in sol.warnings)


def test_uploads_binary_oversize_and_not_an_object():
    for data, needle in [(b"\x89PNG\r\n\x1a\n\x00\x00", "binary"), (b"{" + b" " * 1_000_001 + b"}", "limit"),
                         (b"\xff\xfe{", "UTF-8"), (b"[1, 2]", "expected a JSON object"), (b"{nope", "not valid JSON")]:
        with pytest.raises(SpecError) as e:
            load_spec(data)
        assert needle in str(e.value), (needle, str(e.value))


def test_numbers_keep_their_written_text_and_round_trip():
    spec = spec_from_dict(base(learning_rate="1/2", inputs=[0.05, "0.10"]))
    assert spec.learning_rate == 0.5 and spec.texts["eta"] == "1/2"
    again = spec_from_dict(json.loads(spec.to_json()))
    assert again.texts["eta"] == "1/2" and again.to_dict() == spec.to_dict()
    assert (again.inputs == spec.inputs).all()


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "calc", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, timeout=120)


def test_cli_invalid_spec_exits_2_with_one_line_per_problem(tmp_path):
    bad = base(inputs=[0.05, "abc"], learning_rate=-1)
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    r = run_cli("solve", str(tmp_path / "bad.json"), "--format", "json")
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("inputs[1]: ") and lines[1].startswith("learning_rate: must be >= 0")
    assert "Traceback" not in r.stderr


def test_cli_missing_file_and_bad_options_exit_2(tmp_path):
    r = run_cli("solve", str(tmp_path / "nope.json"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("solve", str(preset_path("mazur")), "--format", "yaml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cli("train", str(preset_path("mazur")), "--steps", "10", "--batch-size", "2")
    assert r.returncode == 2 and "--batch-size" in r.stderr


def test_cli_saturated_json_has_no_nan(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(base(inputs=[1e4, 1e4], loss="bce", targets=[0, 1])))
    r = run_cli("solve", str(tmp_path / "s.json"), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "NaN" not in r.stdout and "Infinity" not in r.stdout
    res = json.loads(r.stdout)
    assert any(w["message"].find("saturated") >= 0 for w in res["warnings"])
