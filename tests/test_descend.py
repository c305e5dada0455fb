"""calc.descent.descend: seed 001's gradient descent on y = theta^2 and the refusals of issue 8.

The expected values are the seed's correct ones, checked by hand: theta_{k+1} = theta_k - alpha * 2 theta_k
= (1 - 2 alpha) theta_k, so from -4: alpha 0.1 -> -3.2, -2.56, -2.048; alpha 1.5 -> 8, -16, 32;
alpha 0.01 -> -3.92, -3.8416. The preset's published values are what the slides printed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from calc.descent.descend import DescentError, descend, main, to_markdown, update_latex
from calc.parse.text import ParseError

ROOT = Path(__file__).resolve().parents[1]
PRESET = json.loads((ROOT / "calc" / "presets" / "descent_theta_squared.json").read_text(encoding="utf-8"))
REL = 1e-14


@pytest.mark.parametrize("rate,steps,thetas", [("0.1", 3, [-4, -3.2, -2.56, -2.048]),
                                               ("1.5", 3, [-4, 8, -16, 32]),
                                               ("0.01", 2, [-4, -3.92, -3.8416])])
def test_seed_values(rate, steps, thetas):
    r = descend("theta^2", "-4", rate, steps)
    assert list(r.thetas) == pytest.approx(thetas, rel=REL)
    assert list(r.values) == pytest.approx([t * t for t in thetas], rel=REL)
    assert list(r.grads) == pytest.approx([2 * t for t in thetas[:-1]], rel=REL)
    assert r.stopped is None and r.derivative == "2*theta"


def test_preset_correct_values_and_the_slides_misprints():
    for run in PRESET["runs"]:
        r = descend(PRESET["expression"], PRESET["start"], run["rate"], run["steps"])
        for key in ("thetas", "values", "grads"):
            assert list(getattr(r, key)) == pytest.approx(run["correct"][key], rel=REL)
        for label, printed in run["published"].items():
            k = int(label.split("_")[1])
            agrees = abs(float(printed["theta"]) - r.thetas[k]) < 1e-9
            assert agrees == printed["agrees"] == run["published_notes"][label].startswith("Right"), label
            assert float(printed["grad"]) == pytest.approx(r.grads[k - 1], rel=REL) or not printed["agrees"]
    wrong = {(run["rate"], label) for run in PRESET["runs"] for label, p in run["published"].items()
             if float(p["theta"]) != pytest.approx(run["correct"]["thetas"][int(label[-1])], rel=REL)}
    assert wrong == {("0.1", "theta_3"), ("0.01", "theta_1"), ("0.01", "theta_2")}  # -3.012, -3.98, -3.9996


def test_update_written_with_numbers():
    r = descend("theta^2", -4, 0.1, 3)
    assert update_latex(r, 0, 6) == r"\theta_1 = -4 - 0.1 \cdot (-8) = -3.2"
    assert update_latex(r, 2, 6) == r"\theta_3 = -2.56 - 0.1 \cdot (-5.12) = -2.048"
    md = to_markdown(r)
    assert "| 2 | -2.56 | 6.5536 | -5.12 | $\\theta_3 = -2.56 - 0.1 \\cdot (-5.12) = -2.048$ | -2.048 |" in md


def test_other_functions_against_hand_derivatives():
    r = descend("theta^2 - 3*theta", 0, 0.25, 2)  # f' = 2 theta - 3: 0 -> 0.75 -> 1.125
    assert list(r.thetas) == pytest.approx([0, 0.75, 1.125], rel=REL)
    r = descend("log(1 + exp(theta))", 0, 1, 1)  # f' = sigmoid(theta) = 0.5 at 0
    assert r.grads[0] == pytest.approx(0.5, rel=REL) and r.thetas[1] == pytest.approx(-0.5, rel=REL)


def test_divergence_stops_naming_the_step():
    r = descend("theta^2", -4, 1.5, 1000)  # |theta_k| = 4 * 2^k; theta^2 overflows past 1.34e154
    assert r.stopped.startswith("step 510: f(theta_510) is not finite")
    assert len(r.thetas) == len(r.values) == len(r.grads) + 1 == 510
    assert r.thetas[-1] == pytest.approx(4 * 2.0**509, rel=REL)


def test_undefined_at_the_start_is_refused():
    with pytest.raises(DescentError, match=r"step 0.*theta_0 = -1: log\(-1\) is undefined"):
        descend("log(theta)", -1, 0.1, 3)


def test_undefined_mid_run_keeps_the_finite_part():
    r = descend("log(theta)", 0.5, 1, 3)  # theta_1 = 0.5 - 1/0.5 = -1.5
    assert r.stopped.startswith("step 1: f is undefined at theta_1 = -1.5")
    assert list(r.thetas) == [0.5] and r.grads == () and r.values == pytest.approx((-0.6931471805599453,))


def test_abs_at_zero_uses_sign_zero_and_says_so():
    r = descend("abs(theta)", 0, 0.1, 2)
    assert list(r.grads) == [0.0, 0.0] and list(r.thetas) == [0.0, 0.0, 0.0]
    assert any("sign(0) = 0" in n for n in r.notes)
    assert not descend("abs(theta)", 1, 0.1, 1).notes


def test_cli_json_shape(capsys):
    assert main(["theta^2", "--start", "-4", "--rate", "0.1", "--steps", "3", "--format", "json"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert list(data) == ["thetas", "values", "grads"] and out.err == ""
    assert data["thetas"] == pytest.approx([-4, -3.2, -2.56, -2.048], rel=REL)
    assert data["values"] == pytest.approx([16, 10.24, 6.5536, 4.194304], rel=REL)
    assert data["grads"] == pytest.approx([-8, -6.4, -5.12], rel=REL)
    assert main(["theta^2", "--start", "-4", "--rate", "0.1", "--steps", "3", "--format", "json", "--digits", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["thetas"] == [-4.0, -3.2, -2.6, -2.0]


def test_cli_divergence_json_has_no_infinity(capsys):
    assert main(["theta^2", "--start", "-4", "--rate", "1.5", "--steps", "1000", "--format", "json"]) == 1
    out = capsys.readouterr()
    data = json.loads(out.out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert len(data["thetas"]) == 510 and "step 510" in out.err


@pytest.mark.parametrize("argv,phrase", [
    (["__import__('os').system('touch {m}')"], "quotes are not allowed"),
    (["().__class__.__mro__"], "attribute access"),
    (["2theta"], "write 2*theta"),
    (["9**9**9**9"], "exponent 387420489 is too large"),
    (["theta*x"], "unknown name 'x'"),
    (["log(theta)", "--start", "-1"], "log(-1) is undefined"),
    (["theta^2", "--start", "0,5"], "--start: 0,5: use a decimal point: 0.5"),
    (["theta^2", "--rate", "nan"], "--rate: nan: not a number"),
    (["theta^2", "--steps", "1e3"], "--steps: expected a whole number"),
    (["theta^2", "--steps", "1001"], "--steps: expected a whole number from 0 to 1000"),
    (["theta^2", "--digits", "0"], "--digits"),
    (["theta^2", "--format", "yaml"], "invalid choice"),
])
def test_cli_refusals_exit_2_with_nothing_on_stdout(argv, phrase, capsys, tmp_path):
    marker = tmp_path / "pwned"
    argv = [a.replace("{m}", str(marker)) for a in argv]
    opts = {"--start": "1", "--rate": "0.1", "--steps": "3"}
    for i in range(1, len(argv), 2):
        opts[argv[i]] = argv[i + 1]
    full = [argv[0]] + [x for kv in opts.items() for x in kv]
    assert main(full) == 2
    out = capsys.readouterr()
    assert out.out == "" and phrase in out.err
    assert not marker.exists()


def test_parse_errors_surface_before_the_worker():
    with pytest.raises(ParseError, match="write 2\\*theta"):
        descend("2theta", 1, 0.1, 1)


def test_python_m_calc_descend():
    if "descend" not in (ROOT / "calc" / "__main__.py").read_text(encoding="utf-8"):
        pytest.skip("calc/__main__.py.py does not wire descend yet")
    ok = subprocess.run([sys.executable, "-m", "calc", "descend", "theta^2", "--start", "-4", "--rate", "0.01",
                         "--steps", "2", "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["thetas"] == pytest.approx([-4, -3.92, -3.8416], rel=REL)
    bad = subprocess.run([sys.executable, "-m", "calc", "descend", "__import__('os')", "--start", "1", "--rate", "0.1",
                          "--steps", "1"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and bad.stdout == "" and "quotes are not allowed" in bad.stderr
