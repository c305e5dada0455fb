"""Published worked examples, reproduced to the digits their sources printed (see calc/presets/).

Each expected number below is copied from the lecture notes (../shared/seeds) or, where the notes print a
wrong digit, from the correction stated in the issue tracker; the assertion is that our value, rounded to
the printed number of decimals, equals the printed number.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from calc.presets import load_preset, preset_path
from calc.worked.solve import solve
from calc.problem.spec import load_spec
from calc.train.loop import train

ROOT = Path(__file__).resolve().parents[1]


def printed(value: float, text: str) -> None:
    """value agrees with `text` to every decimal printed (half a unit in the last place)."""
    places = -Decimal(text).as_tuple().exponent
    assert abs(value - float(text)) <= 0.5 * 10.0 ** -places + 1e-15, f"{value!r} does not print as {text}"


MAZUR = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378", "net_o1": "1.105905967",
    "out_o1": "0.75136507", "out_o2": "0.772928465", "E_o1": "0.274811083", "E_o2": "0.023560026",
    "E_total": "0.298371109", "dE_total/dout_o1": "0.74136507", "dout_o1/dnet_o1": "0.186815602",
    "dnet_o1/dw5": "0.593269992", "dE_total/dw5": "0.082167041", "w5+": "0.35891648", "w6+": "0.408666186",
    "w7+": "0.511301270", "w8+": "0.561370121", "dE_total/dnet_o1": "0.138498562", "dE_o1/dout_h1": "0.055399425",
    # printed -0.019049119 (delta_o2 rounded first); the exact value is -0.0190491183
    "dE_o2/dout_h1": "-0.019049118", "dE_total/dout_h1": "0.036350306", "dout_h1/dnet_h1": "0.241300709",
    "dE_total/dw1": "0.000438568", "w1+": "0.149780716", "w2+": "0.19956143", "w3+": "0.24975114",
    "w4+": "0.29950229",
}


@pytest.fixture(scope="module")
def mazur():
    return solve(load_preset("mazur"))


@pytest.mark.parametrize("label", sorted(MAZUR))
def test_mazur_step_values(mazur, label):
    printed(mazur.by_label()[label].value, MAZUR[label])


def test_mazur_cli_json_matches_the_post():
    out = subprocess.run([sys.executable, "-m", "calc", "solve", str(preset_path("mazur")), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    res = json.loads(out)
    printed(res["loss"], "0.298371109")
    printed(res["loss_after"], "0.2910277737")                  # simultaneous order
    printed(res["layers"][1]["new_weights"][0][0], "0.35891648")  # w5+ = weights[h1][o1]
    printed(res["layers"][1]["new_weights"][1][0], "0.408666186")  # w6+ = weights[h2][o1]
    printed(res["layers"][0]["new_weights"][1][0], "0.19956143")   # w2+ = weights[i2][h1]
    printed(res["layers"][0]["out"][0][0], "0.593269992")
    assert res["layers"][1]["new_biases"] == pytest.approx(0.6)    # update_biases false
    printed(res["layers"][1]["grad_biases"], "0.100400325")        # shared bias: the sum of both deltas
    by_label = {s["label"]: s for s in res["steps"]}
    printed(by_label["dE_total/dw1"]["value"], "0.000438568")
    assert by_label["w5+"]["depends_on"] == ["w.l2.i1.u1", "eta", "gw.l2.i1.u1"]
    assert by_label["w5+"]["substituted"].startswith(r"0.4 - 0.5 \cdot 0.0821670406")


def test_mazur_orders_of_update():
    spec = load_preset("mazur")
    printed(solve(spec).run.loss_after, "0.2910277737")
    seq = dataclasses.replace(spec, update_order="sequential")
    printed(solve(seq).run.loss_after, "0.2910279239")   # the post's printed 0.291027924
    # under sequential order the hidden terms use w5+ .. w8+
    sol = solve(seq)
    assert sol.index["term.s1.l1.u1.k1"].depends_on == ["delta.s1.l2.u1", "nw.l2.i1.u1"]
    printed(sol.index["term.s1.l1.u1.k1"].value, str(round(0.138498562 * 0.35891648, 9)))


def test_mazur_after_ten_thousand_updates():
    spec = load_preset("mazur")
    sim = train(spec, 10_000)
    printed(sim.history[10_000], "0.000035101878")
    printed(sim.history[9_999], "0.0000351085")       # the post's printed "after 10,000" value
    printed(float(sim.outs[0, 0]), "0.0159136204")
    printed(float(sim.outs[0, 1]), "0.9840642735")
    seq = train(dataclasses.replace(spec, update_order="sequential"), 10_000)
    printed(float(seq.outs[0, 0]), "0.015912196")
    printed(float(seq.outs[0, 1]), "0.984065734")


def test_three_layer_relu_sigmoid_softmax():
    sol = solve(load_preset("three_layer_softmax"))
    p = sol.run
    for got, want in zip(p.fwd.nets[0][0], ["1.35", "1.27", "1.8"]):
        printed(got, want)
    for got, want in zip(p.fwd.nets[1][0], ["2.731", "2.76", "4.004"]):   # the slide prints 4.001
        printed(got, want)
    for got, want in zip(p.fwd.outs[1][0], ["0.938831", "0.940476", "0.982084"]):
        printed(got, want)
    for got, want in zip(p.fwd.nets[2][0], ["1.867068", "2.230282", "2.823036"]):
        printed(got, want)
    for got, want in zip(p.fwd.outs[2][0], ["0.198447", "0.285356", "0.516198"]):
        printed(got, want)
    printed(p.loss, "1.61723375")
    # softmax + cce: the fused delta is out - target, and the Jacobian chain beside it agrees
    for j in range(1, 4):
        assert sol.index[f"chain.s1.l3.u{j}"].value == pytest.approx(sol.index[f"delta.s1.l3.u{j}"].value, rel=1e-12)
    np.testing.assert_allclose(p.deltas[2][0], p.fwd.outs[2][0] - np.array([1, 0, 0]), rtol=1e-12)


def test_three_layer_slide_slips_reproduced_by_other_rules():
    """The slide's softmax is z / sum(z); its 0.985 adds log10 bce terms of those probabilities."""
    z = np.array([1.8658, 2.2292, 2.8204])   # the output nets as the slide printed them
    lin = z / z.sum()
    for got, want in zip(lin, ["0.269804", "0.322353", "0.407843"]):
        printed(got, want)
    shown = np.array([0.2698, 0.3223, 0.4078])               # the probabilities as the slide printed them
    terms = -np.log10(np.where([1, 0, 0], shown, 1 - shown))
    for got, want in zip(terms, ["0.568958", "0.168963", "0.227532"]):
        printed(got, want)
    printed(terms.sum(), "0.965452")


def test_dog_breed_log10_cross_entropy():
    sol = solve(load_preset("dog_breed"))
    for got, want in zip(sol.run.fwd.sample_loss, ["0.48738", "0.44534", "0.48316"]):
        printed(got, want)
    printed(sol.run.loss, "1.41588")
    printed(sol.by_label()["E_total[s1]"].value, "0.48738")
    # delta carries 1/ln 10 (log base 10): softmax + cce fused is (out - t) / ln 10
    o, t = sol.run.fwd.outs[1], load_preset("dog_breed").targets
    np.testing.assert_allclose(sol.run.deltas[1], (o - t) / np.log(10), rtol=1e-12)


@pytest.mark.parametrize("name,expected", [
    ("matmul_2x3_3x2.json", [[58, 64], [139, 154]]),
    ("matmul_3x4_4x2.json", [[170, 180], [426, 452], [682, 724]]),
])
def test_seed003_matrix_products(name, expected):
    spec = load_spec(ROOT / "tests" / "fixtures" / name)
    sol = solve(spec)
    assert sol.run.fwd.nets[0].tolist() == expected
    # the forward step shows the sum of products term by term: 1*7 + 2*9 + 3*11 = 58
    st = sol.index["net.s1.l1.u1"]
    assert st.value == expected[0][0]
    assert st.substituted.count(r"\cdot") == spec.inputs.shape[1]


def test_cli_expanded_derivative_equals_the_chain():
    run = lambda *a: subprocess.run([sys.executable, "-m", "calc", "solve", str(preset_path("mazur")), *a],
                                    capture_output=True, text=True, cwd=ROOT)
    res = json.loads(run("--format", "json", "--expand", "w1").stdout)["expanded"]
    assert res["param"] == "w.l1.i1.u1" and res["label"] == "dE_total/dw1"
    printed(float(res["value"]), "0.000438568")
    assert res["value"] == res["chain"] and res["rel_diff"] < 1e-25
    r = run("--expand", "w9")
    assert r.returncode == 2 and "not a weight or bias" in r.stderr and r.stdout == ""
    r = subprocess.run([sys.executable, "-m", "calc", "solve", str(preset_path("classifier_4_5_3")), "--expand",
                        "w1"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "at most 20 parameters" in r.stderr


def test_cli_digits_beyond_float64_come_from_exact_arithmetic():
    """--digits 20: values computed at that precision (Mazur's w5+ = 0.35891647971788461058, not float64 padding)."""
    out = subprocess.run([sys.executable, "-m", "calc", "solve", str(preset_path("mazur")), "--digits", "20"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "0.35891647971788461058" in out
    res = json.loads(subprocess.run([sys.executable, "-m", "calc", "solve", str(preset_path("mazur")), "--format",
                                     "json", "--digits", "10", "--exact"], capture_output=True, text=True, cwd=ROOT,
                                    check=True).stdout)
    step = next(s for s in res["steps"] if s["label"] == "dE_o2/dout_h1")
    assert step["exact"] == "-0.01904911826" and step["agree"] is True


@pytest.mark.parametrize("name,notation", [("hagan_1_2_1.json", "hagan"), ("hmkcode_2_2_1.json", "mazur")])
def test_other_published_examples(name, notation):
    """Two more textbook examples, every printed value by its label (Hagan's sensitivities in his notation)."""
    spec = load_spec(ROOT / "tests" / "fixtures" / "textbooks" / name)
    labels = solve(spec, notation=notation).by_label()
    assert spec.published
    for label, text in spec.published.items():
        printed(labels[label].value, text)
