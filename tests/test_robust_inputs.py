"""No input stalls or crashes: typed constants are evaluated exactly before they become floats, and every error
path ends in a located message (the CLI exits 2 with `field: message`, the app shows st.error naming the cell).

Expected values are computed here independently of calc: mpmath at 60 digits through closed forms without
cancellation (sqrt(e^1000 + 1) - sqrt(e^1000) = 1/(sqrt(e^1000 + 1) + e^500), log(1 + x) = log1p(x)).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import pytest

from calc.descent import worker
from calc.descent.descend import DescentError, descend, main as descend_main
from calc.parse.text import ParseError, parse_expression, parse_number
from calc.problem.model import SpecError
from calc.problem.share import targets_from_csv
from calc.problem.validate import validate

ROOT = Path(__file__).resolve().parents[1]
MAZUR = json.loads((ROOT / "calc" / "presets" / "mazur.json").read_text(encoding="utf-8"))
CELL = "layers[0].weights[0][0]"
BIG = "1" * 5000


def mp(f):
    with mpmath.workdps(60):
        return f()


CANCEL = "sqrt(exp(1000)+1) - sqrt(exp(1000))"
CANCEL_VALUE = mp(lambda: float(1 / (mpmath.sqrt(mpmath.exp(1000) + 1) + mpmath.exp(500))))
LOG1P_VALUE = mp(lambda: float(mpmath.log1p(mpmath.mpf("1e-200"))))
INV_LOG1P_VALUE = mp(lambda: float(1 / mpmath.log1p(mpmath.mpf("1e-100"))))


# ---- exact values before floats ----------------------------------------------------------------------------

def test_cancellation_is_computed_exactly():
    assert 3.5e-218 < CANCEL_VALUE < 3.6e-218
    assert CANCEL_VALUE == pytest.approx(mp(lambda: float(mpmath.exp(-500) / 2)), rel=1e-12)  # ~ e^-500 / 2
    n = parse_number(CANCEL)
    assert n.value == CANCEL_VALUE and n.warning is None


def test_log_of_one_plus_tiny_is_tiny_not_zero():
    assert LOG1P_VALUE == 1e-200                  # representable in float64: no underflow
    n = parse_number("log(1+1e-200)")
    assert n.value == LOG1P_VALUE and n.warning is None
    spec = validate({**MAZUR, "layers": _layers("log(1+1e-200)")})
    assert spec.layers[0].weights[0, 0] == 1e-200
    assert not [w for w in spec.warnings if "underflow" in str(w)]


def test_reciprocal_of_log_one_plus_tiny_is_defined():
    # ln(1 + 1e-100) is about 1e-100, not 0: 1/ln(1 + 1e-100) = 1e100 + 1/2 - ..., a float64 of 1e100
    assert INV_LOG1P_VALUE == 1e100
    assert parse_number("1/ln(1+1e-100)").value == INV_LOG1P_VALUE


@pytest.mark.parametrize("text,why", [
    ("1/(log(8)/log(2)-3)", "division by zero: -3 + log(8)/log(2) is 0, or within"),
    ("(log(8)/log(2)-3)^-1", "division by zero"),
    ("log(log(8)/log(2)-3)", "log of 0 is undefined"),
    ("sqrt(log(8)/log(2)-3)", "sqrt of a negative number is not real"),
    ("log(-1e-400)", "log of -1e-400 is undefined"),
    ("sqrt(-exp(-1000))", "sqrt of -5.08e-435 is not a real number"),
    ("log(0)", "log of 0 is undefined"),
    ("3/0", "division by zero"),
    ("1/(sqrt(8)-2*sqrt(2))", "division by zero"),
])
def test_undefined_values_are_refused_saying_why(text, why):
    with pytest.raises(ParseError) as e:
        parse_number(text, field=CELL)
    assert why in str(e.value) and e.value.field == CELL


def test_undefined_constants_in_expressions_are_refused():
    with pytest.raises(ParseError, match="division by zero"):
        parse_expression("theta/(log(8)/log(2)-3)")
    with pytest.raises(ParseError, match=r"tan\(pi/2\) is undefined"):   # was a TypeError from SymPy
        parse_expression("cosh(exp(pi) - tan(pi/2)*theta)^2")
    assert str(parse_expression("theta + log(1+1e-30)").expr).startswith("theta + log(")


@pytest.mark.parametrize("text,size", [("exp(1000)", "1.97e434"), ("exp(1000)^50", "5.3e21714"),
                                       ("1e200*1e200", "1e400")])
def test_overflow_is_refused_with_its_size(text, size):
    with pytest.raises(ParseError) as e:
        parse_number(text)
    assert "overflows float64 to infinity" in str(e.value) and size in str(e.value)


def test_underflow_is_named_truthfully():
    size = mp(lambda: mpmath.nstr(mpmath.exp(-1000), 3))       # 5.08e-435
    n = parse_number("exp(-1000)")
    assert n.value == 0.0 and f"about {size}" in n.warning and "5e-324" in n.warning
    spec = validate({**MAZUR, "layers": _layers("exp(-1000)")})
    assert any(w.field == CELL and f"about {size}" in w.message for w in spec.warnings)
    assert parse_number("1e-400").warning.startswith("1e-400 underflows to 0")
    assert parse_number("1e-300").warning is None and parse_number("0").warning is None


def test_an_exact_zero_that_cannot_be_proved_reads_as_zero():
    n = parse_number("log(8)/log(2) - 3")          # exactly 0; |value| < 1e-300 is 0 in float64 either way
    assert n.value == 0.0 and "is 0, or within" in n.warning


def test_digits_that_cannot_be_established_are_refused_within_the_budget():
    t0 = time.monotonic()
    with pytest.raises(ParseError, match="digits cannot be established"):
        parse_number("sqrt(exp(1000)^50+1) - sqrt(exp(1000)^50)")   # needs ~22,000 digits: over the cap
    assert time.monotonic() - t0 < 3.0


def test_plain_decimals_keep_the_fast_path():
    assert parse_number("0.15").value == 0.15
    t0 = time.perf_counter()
    for _ in range(2000):
        parse_number("0.15")
    assert (time.perf_counter() - t0) / 2000 < 50e-6


@pytest.mark.parametrize("text", [BIG, "0." + BIG, "-" + BIG + "e-4990"], ids=["int", "fraction", "exponent"])
def test_more_than_1000_digits_refused_before_pythons_limit(text):
    with pytest.raises(ParseError) as e:
        parse_number(text, field=CELL)
    assert "the limit is 1,000 digits" in str(e.value) and e.value.field == CELL
    assert len(str(e.value)) < 200                       # the number is not echoed


# ---- validate(): SpecError and nothing else ----------------------------------------------------------------

def _layers(cell) -> list:
    layers = json.loads(json.dumps(MAZUR["layers"]))
    layers[0]["weights"][0][0] = cell
    return layers


@pytest.mark.parametrize("cell,phrase", [
    (BIG, "the limit is 1,000 digits"), (10**5000, "the limit is 1,000 digits"), (10**400, "not a finite float64"),
    ("1/(log(8)/log(2)-3)", "division by zero"), ("exp(1000)", "overflows float64"), ("1e999999", "overflows"),
], ids=["5000-digit text", "5000-digit int", "400-digit int", "zero divisor", "exp(1000)", "1e999999"])
def test_validate_raises_only_located_spec_errors(cell, phrase):
    with pytest.raises(SpecError) as e:
        validate({**MAZUR, "layers": _layers(cell)})
    assert [p.field for p in e.value.problems] == [CELL] and phrase in str(e.value)


# ---- the CLI: exit 2, `field: message`, no traceback -------------------------------------------------------

def _solve(tmp_path, cell, *flags, raw: str | None = None):
    path = tmp_path / "problem.json"
    path.write_text(raw if raw is not None else json.dumps({**MAZUR, "layers": _layers(cell)}), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "calc", "solve", str(path), *flags], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.mark.parametrize("cell,phrase", [
    ("1/(log(8)/log(2)-3)", "division by zero"),
    ("log(log(8)/log(2)-3)", "log of 0 is undefined"),
    (BIG, "the limit is 1,000 digits"),
    ("0." + BIG, "the limit is 1,000 digits"),
    ("exp(1000)", "overflows float64 to infinity"),
    ("sqrt(exp(1000)^50+1) - sqrt(exp(1000)^50)", "digits cannot be established"),
], ids=["zero divisor", "log of zero", "5000-digit int", "5001-digit fraction", "exp(1000)", "cancels beyond the cap"])
def test_cli_bad_cell_exits_2_naming_the_field(tmp_path, cell, phrase):
    done = _solve(tmp_path, cell)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert any(line.startswith(f"{CELL}: ") and phrase in line for line in done.stderr.splitlines()), done.stderr


def test_cli_5000_digit_json_literal_exits_2(tmp_path):
    raw = json.dumps(MAZUR).replace("[[0.15, 0.25]", f"[[{BIG}, 0.25]", 1)
    done = _solve(tmp_path, None, raw=raw)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{CELL}: a number with 5,000 digits")


@pytest.mark.parametrize("cell", ["1/ln(1+1e-100)", CANCEL])
def test_cli_accepts_defined_values(tmp_path, cell):
    done = _solve(tmp_path, cell, "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("cell", [1e200, 1e300, "pi**50"])
def test_cli_exact_with_huge_weights(tmp_path, cell):
    done = _solve(tmp_path, cell, "--exact")
    assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("cell", [1e200, 1e300, "pi**50", "1/ln(1+1e-100)"])
def test_cli_expand_with_huge_weights(tmp_path, cell):
    done = _solve(tmp_path, cell, "--expand", "w1")
    assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr[-2000:]
    if done.returncode == 2:
        assert done.stderr.startswith("--expand: ")


# ---- targets CSV -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,where,phrase", [
    (b"0.1,0.2\n0.3," + b"1" * 140_000 + b"\n", "targets.csv line 2, column 2", "longer than 128 KB"),
    (b'0.1,0.2\n"' + b"1" * 200_000 + b'",0.3\n', "targets.csv line 2, column 1", "longer than 128 KB"),
    (b"0.1,0.2\n0.3,0\x004\n", "targets.csv line 2, column 2", "NUL byte"),
    (b"0.1,0.2\n\xff\xfe0.3,0.4\n", "targets.csv line 2", "not UTF-8"),
])
def test_csv_errors_name_the_line_and_column(data, where, phrase):
    with pytest.raises(SpecError) as e:
        targets_from_csv(data, 2, 2)
    assert [p.field for p in e.value.problems] == [where] and phrase in str(e.value)


def test_csv_huge_class_index_is_refused_not_a_valueerror():
    with pytest.raises(SpecError, match="is not a class index"):
        targets_from_csv(b"9" * 5000 + b"\n", 2, 1)


# ---- descent: a killed or timed-out worker is a DescentError ----------------------------------------------

@pytest.fixture
def killed_worker(monkeypatch):
    """The worker process is killed after it is ready and before it answers: the job dies with it."""
    ready = worker._ensure_ready

    def ready_then_killed(*a, **k):
        ready(*a, **k)
        worker._state["proc"].kill()
        worker._state["proc"].join(5)

    monkeypatch.setattr(worker, "_ensure_ready", ready_then_killed)


def test_killed_worker_gives_a_descent_error(killed_worker):
    with pytest.raises(DescentError) as e:
        descend("theta^2 + theta/8", -4, 0.1, 3)
    assert str(e.value).startswith("f(theta) = theta**2 + theta/8: ") and "worker stopped" in str(e.value)


def test_killed_worker_cli_exits_2(killed_worker, capsys):
    assert descend_main(["theta^2 + theta/8", "--start", "-4", "--rate", "0.1", "--steps", "3"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    assert out.err.startswith("descend: f(theta) = theta**2 + theta/8: the descent could not be computed: ")


def test_timed_out_worker_gives_a_descent_error_and_the_next_run_works():
    with pytest.raises(DescentError, match=r"f\(theta\) = theta\*\*3: the descent took longer than"):
        descend("theta^3", 1, 0.01, 3, timeout=1e-9)
    assert descend("theta^2", "-4", "0.1", 3).thetas[-1] == pytest.approx(-2.048, rel=1e-14)


# ---- the app ------------------------------------------------------------------------------------------------

def _app_cell(text: str):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90).run()
    v = at.session_state["version"]
    at.text_input(key=f"cell_w1_1_0_v{v}").set_value(text)      # layers[0].weights[1][0] (pages/grid.py)
    return at.run()


APP_CELL = "layers[0].weights[1][0]"


@pytest.mark.parametrize("text,phrase", [(BIG, "the limit is 1,000 digits"),
                                         ("1/(log(8)/log(2)-3)", "division by zero")],
                         ids=["5000 digits", "zero divisor"])
def test_app_refuses_the_cell_by_name(text, phrase):
    at = _app_cell(text)
    assert not at.exception
    msg = "\n".join(e.value for e in at.error)
    assert APP_CELL in msg and phrase in msg, msg
    assert len(msg) < 1000


def test_app_reads_one_over_log_one_plus_tiny_exactly():
    at = _app_cell("1/ln(1+1e-100)")      # defined: about 1e100, so no error (not a ZeroDivisionError)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["spec"].layers[0].weights[1, 0] == INV_LOG1P_VALUE


def test_descent_page_shows_a_killed_worker_as_an_error(killed_worker):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90).run()
    at.switch_page("pages/descent.py").run()
    at.text_input(key="gd_expr").set_value("theta^2 + theta/16").run()
    assert not at.exception
    msg = "\n".join(e.value for e in at.error)
    assert "Cannot run gradient descent" in msg and "f(theta) = theta**2 + theta/16" in msg, msg


def test_parse_number_result_is_finite_or_refused_for_hostile_constants():
    for text in ["exp(exp(exp(exp(1))))", "((pi^50)^50)^50", "pi^pi^pi", "sqrt(sqrt(sqrt(sqrt(2))))", "(1e-300)^2"]:
        try:
            assert math.isfinite(parse_number(text).value)
        except ParseError as e:
            assert str(e)
