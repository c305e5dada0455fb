"""Practice mode (calc.check.practice): verdicts from the checker, values carried forward, score and first wrong.

Independent sources: Mazur's printed values (seed 001, calc/presets/mazur.json) and the 2-2-2 network worked
here in plain Python (sigmoid units, E = 1/2 sum (t - out)^2) for values that follow from a student's own numbers.
"""
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calc.check import practice as P  # noqa: E402
from calc.presets import load_preset  # noqa: E402
from calc.worked.solve import solve  # noqa: E402

# Mazur's printed values
NET_H1, OUT_H1, OUT_H2, NET_O1, E_TOTAL = 0.3775, 0.593269992, 0.596884378, 1.105905967, 0.298371109
DE_DW5, W5_PLUS = 0.082167041, 0.35891648


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def mazur_e_total(out_h1: float) -> float:
    """E_total of Mazur's network with out_h1 replaced (the student's own number), worked by hand here."""
    out_h2 = sig(0.25 * 0.05 + 0.3 * 0.1 + 0.35)
    out_o1 = sig(0.4 * out_h1 + 0.45 * out_h2 + 0.6)
    out_o2 = sig(0.5 * out_h1 + 0.55 * out_h2 + 0.6)
    return 0.5 * (0.01 - out_o1) ** 2 + 0.5 * (0.99 - out_o2) ** 2


@pytest.fixture(scope="module")
def mazur():
    spec = load_preset("mazur")
    return spec, solve(spec)


def session(sol, ids: list[str], precision=P.Precision(4)) -> P.PracticeSession:
    return P.PracticeSession([sol.by_label()[i].id if i in sol.by_label() else i for i in ids], precision)


def test_oracle_reproduces_mazur():
    assert mazur_e_total(sig(NET_H1)) == pytest.approx(E_TOTAL, abs=5e-10)


def test_printed_values_are_right(mazur):
    spec, sol = mazur
    s = session(sol, ["net_h1", "out_h1", "E_total", "dE_total/dw5", "w5+"])
    for text in ("0.3775", "0.593269992", "0.298371109", "0.082167041", "0.35891648"):
        assert P.answer(s, spec, sol, text).verdict == "right", text
    assert s.score == (5, 5) and s.first_wrong is None and s.done


def test_four_decimals_is_rounded_and_short_values_mean_their_zeros(mazur):
    spec, sol = mazur
    s = session(sol, ["out_h1", "out_h2"])
    a = P.answer(s, spec, sol, "0.5933")
    assert a.verdict == "rounded" and "hand calculation, 4 decimals, rounded" in a.why
    b = P.answer(s, spec, sol, "0.6")                       # at 4 decimals 0.6 is 0.6000, not 0.596884378
    assert b.written == "0.6000" and b.verdict == "wrong"
    assert P.Precision(4).written("0.6") == "0.6000" and P.Precision(4).written("-1") == "-1.0000"
    assert P.Precision(3, "digits").written("0.00044") == "0.000440"
    assert P.Precision(4).written("3/4") == "3/4"           # an exact fraction keeps its own digits
    assert P.Precision(4).show(OUT_H1) == "0.5933" and P.Precision(4, truncate=True).show(0.59326999) == "0.5932"


def test_truncated_at_the_hand_precision_is_not_a_mistake(mazur):
    spec, sol = mazur
    s = session(sol, ["out_h2"], P.Precision(4, truncate=True))
    assert P.answer(s, spec, sol, "0.5968").verdict == "rounded"        # 0.596884378 truncated


def test_a_wrong_out_h1_then_e_total_from_it_follows(mazur):
    spec, sol = mazur
    s = session(sol, ["net_h1", "out_h1", "E_total"])
    assert P.answer(s, spec, sol, "0.3775").verdict == "right"
    wrong = P.answer(s, spec, sol, "0.6")
    assert wrong.verdict == "wrong"
    mine = mazur_e_total(0.6)                               # 0.2985... with the student's out_h1
    assert abs(mine - E_TOTAL) > 1e-4
    a = P.answer(s, spec, sol, f"{mine:.4f}")
    assert a.verdict == "follows" and "out_h1 = 0.6000" in a.why
    assert s.score == (2, 3) and s.first_wrong is wrong and s.first_wrong.step_id == "out.s1.l1.u1"
    assert [a.verdict for a in s.attempts] == ["right", "wrong", "follows"]


def test_sigma_prime_slip_is_named(mazur):
    spec, sol = mazur
    s = session(sol, ["out_o1", "dout_o1/dnet_o1", "dE_total/dnet_o1"])
    P.answer(s, spec, sol, "0.7514")
    at_net = NET_O1 * (1 - NET_O1)                          # sigma' = x(1 - x) taken at net_o1: -0.1171
    a = P.answer(s, spec, sol, f"{at_net:.4f}")
    assert a.verdict == "wrong" and "sigma'" in a.why and "net" in a.why
    # delta from the student's -0.1171: (out_o1 - target_o1) * (-0.1171), worked from Mazur's printed numbers
    d = P.answer(s, spec, sol, f"{(0.75136507 - 0.01) * -0.1171:.4f}")
    assert d.verdict == "follows"
    assert s.first_wrong is a and s.score == (2, 3)


def test_hint_uses_the_students_own_numbers(mazur):
    spec, sol = mazur
    s = session(sol, ["out_h1", "net_o1"])
    P.answer(s, spec, sol, "0.6")
    h = P.hint(spec, sol, s)
    assert ("out_h1", "0.6000", "yours") in h.factors and ("w5", "0.4", "given") in h.factors
    # out_h2 was not asked: it is what the student's numbers give, at the hand precision
    assert ("out_h2", "0.5969", "from your numbers") in h.factors
    assert h.latex == r"0.4 \cdot 0.6000 + 0.45 \cdot 0.5969 + 0.6 \cdot 1"
    mine, correct = P.revealed(spec, sol, s)
    assert mine == pytest.approx(0.4 * 0.6 + 0.45 * sig(0.3925) + 0.6, abs=1e-12)
    assert correct == pytest.approx(NET_O1, abs=5e-10)
    P.answer(s, spec, sol, "1.1086")
    assert s.attempts[-1].hinted and s.attempts[-1].verdict == "follows"


def test_reveal_and_skip_score_nothing_and_carry_the_chain(mazur):
    spec, sol = mazur
    s = session(sol, ["out_h1", "net_o1", "out_o1", "E_total"])
    P.answer(s, spec, sol, "0.6")
    r = P.reveal(s, spec, sol)                      # net_o1 from the student's out_h1 = 0.6, and the correct one
    mine = 0.4 * 0.6 + 0.45 * sig(0.3925) + 0.6
    assert r.verdict == "revealed" and f"net_o1 = {mine:.4f} with your numbers" in r.why
    assert "the correct value is 1.10590596" in r.why and r.expected == pytest.approx(NET_O1, abs=5e-10)
    P.skip(s, sol)
    assert s.score == (0, 3) and [a.verdict for a in s.attempts] == ["wrong", "revealed", "skipped"]
    assert s.pins == {"out.s1.l1.u1": 0.6}          # only typed values are pinned; the chain carries the rest
    assert P.answer(s, spec, sol, f"{mazur_e_total(0.6):.4f}").verdict == "follows"
    assert s.done
    with pytest.raises(P.PracticeError):
        P.skip(s, sol)


def test_plans(mazur):
    spec, sol = mazur
    everything = P.make_plan(sol)
    assert len(everything) == len([s for s in sol.steps if s.kind not in ("given", "matrix")])
    assert everything[:4] == ["net.s1.l1.u1", "net.s1.l1.u2", "out.s1.l1.u1", "out.s1.l1.u2"]
    labels = [sol.index[i].label for i in P.make_plan(sol, "a weight's chain", "nw.l2.i1.u1")]
    assert labels == ["net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "out_o1", "dE_total/dout_o1",
                      "dout_o1/dnet_o1", "dnet_o1/dw5", "dE_total/dw5", "w5+"]
    kinds = P.make_plan(sol, "one of each kind")
    assert len(kinds) < len(everything) and kinds[0] == "net.s1.l1.u1" and "nw.l1.i1.u1" in kinds
    assert P.parameters(sol)["nw.l2.i1.u1"] == "w5"
    with pytest.raises(P.PracticeError):
        P.make_plan(sol, "some")


def test_bad_input_names_the_step(mazur):
    spec, sol = mazur
    s = session(sol, ["net_h1"])
    for text, words in (("", "type a value"), ("abc", "not a number")):
        with pytest.raises(P.PracticeError) as e:
            P.answer(s, spec, sol, text)
        assert str(e.value).startswith("net_h1:") and words in str(e.value)
    assert s.attempts == []


def test_saturated_steps_are_not_asked():
    """sigmoid(80) is 1.0 in float64, so BCE's dE/dout = (1 - t) / (1 - out) - t / out is 0/0: not a number to type."""
    from calc.problem.spec import spec_from_dict
    spec = spec_from_dict({"inputs": [[1.0, 1.0]], "targets": [[1.0]], "learning_rate": 0.5, "loss": "bce",
                           "layers": [{"weights": [[40.0], [40.0]], "activation": "sigmoid"}]})
    sol = solve(spec)
    assert sig(80.0) == 1.0
    plan = P.make_plan(sol)
    assert "dout.s1.l1.u1" in sol.index and sol.index["dout.s1.l1.u1"].value is None
    assert "dout.s1.l1.u1" not in plan and all(math.isfinite(sol.index[i].value) for i in plan)
    s = P.PracticeSession(plan)
    assert P.answer(s, spec, sol, "80").verdict == "right"              # net = 40 * 1 + 40 * 1
