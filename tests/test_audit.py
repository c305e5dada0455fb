"""The published-example audit reports exactly the facts of the calc engine issue (issue 3)."""
from __future__ import annotations

import pytest

from calc.check.audit import audit_descent, audit_preset


@pytest.fixture(scope="module")
def mazur():
    return audit_preset("mazur")


@pytest.fixture(scope="module")
def three():
    return audit_preset("three_layer_softmax")


def test_mazur_facts(mazur):
    wrong = {r.label for r in mazur.rows if r.verdict == "wrong"}
    assert wrong == {"E_total+", "train[10000].E_total", "train[10000].out_o1", "train[10000].out_o2"}
    r = mazur.row("E_total+")
    assert r.slips == ["sequential"] and "0.2910279239" in r.cause
    r = mazur.row("train[10000].E_total")
    assert r.slips == ["update_count"] and "9,999 updates" in r.cause
    assert mazur.row("train[10000].out_o1").slips == ["sequential"]
    r = mazur.row("dE_o2/dout_h1")
    assert r.verdict == "rounded" and "rounded to 9 decimals" in r.cause and "not a mistake" in r.cause
    assert all(r.verdict == "right" for r in mazur.rows if r.label not in wrong | {"dE_o2/dout_h1"})


def test_three_layer_facts(three):
    for u in (1, 2, 3):
        assert three.row(f"a(3)_{u}").slips == ["softmax_linear"]
    assert "z / sum(z)" in three.row("a(3)_1").cause
    e1 = three.row("E_1")
    assert {"log_base", "digits_transposed"} <= set(e1.slips) and "0.568958" in e1.cause
    assert set(three.row("E_3").slips) == {"log_base", "bce_on_softmax"}
    e = three.row("E")
    assert e.slips == ["addition"] and "0.966248" in e.cause
    # 0.985: log10 bce on softmax outputs + digits transposed in one term + an addition slip
    assert {"softmax_linear", "log_base", "bce_on_softmax", "digits_transposed", "addition"} <= three.slips
    assert three.row("z(2)_3").verdict == "wrong" and "4.004" in three.row("z(2)_3").cause
    assert three.row("a(2)_1").verdict == "rounded" and "truncated" in three.row("a(2)_1").cause
    # the output nets come from the second-layer outputs as printed [0.938, 0.94, 0.98]
    assert three.row("z(3)_1").verdict == "rounded" and "0.938" in three.row("z(3)_1").cause


def test_dog_breed_facts():
    a = audit_preset("dog_breed")
    for lab in ("E_o1[s1]", "E_total[s1]", "E_total[s2]"):
        assert a.row(lab).verdict == "rounded" and "truncated to 2 decimals" in a.row(lab).cause
    assert a.row("E_total").verdict == "right"          # 1.41588 -> 1.4
    assert a.row("out_o1[s3]").verdict == "wrong"       # 0.322218, printed 0.33
    assert any(c.startswith("log base 10") for c in a.conventions)


def test_descent_typos():
    a = audit_descent()
    if a is None:
        pytest.skip("no gradient-descent preset")
    by = {r.label: r for r in a.rows}
    assert by["rate 0.1: theta_3"].verdict == "wrong" and "-2.048" in by["rate 0.1: theta_3"].cause
    assert by["rate 0.01: theta_1"].verdict == "wrong" and "-3.92" in by["rate 0.01: theta_1"].cause
    r = by["rate 0.01: theta_2"]
    assert {"wrong_gradient", "update_added"} <= set(r.slips) and "-7.84" in r.cause
    assert all(by[f"rate 1.5: theta_{k}"].verdict == "right" for k in (1, 2, 3))
