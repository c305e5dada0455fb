"""Every slip of the catalogue, generated with the engine's own switches on several networks, is diagnosed as
that slip at the first wrong step (calc.check.slips + calc.check.check)."""
from __future__ import annotations

import dataclasses

import pytest

from calc.check import slips
from calc.check.check import check
from calc.presets import load_preset
from calc.worked.solve import solve
from calc.problem.spec import spec_from_dict


def _nets() -> dict:
    m = load_preset("mazur")
    out = {"mazur": m, "mazur_bias": dataclasses.replace(m, update_biases=True)}
    out["sig_3_2_2"] = spec_from_dict({"inputs": [0.3, -0.2, 0.8], "targets": [0.2, 0.7], "layers": [
        {"weights": [[0.1, -0.4], [0.35, 0.2], [-0.25, 0.45]], "biases": [0.1, -0.2], "activation": "sigmoid"},
        {"weights": [[0.3, -0.6], [0.5, 0.25]], "biases": [0.05, 0.15], "activation": "sigmoid"}],
        "loss": "half_sse", "learning_rate": 0.3, "update_biases": True})
    out["tanh_mse_2s"] = spec_from_dict({"inputs": [[0.5, -0.3], [0.1, 0.9]], "targets": [[0.4, 0.1], [0.8, 0.3]],
                                         "layers": [
        {"weights": [[0.2, -0.5, 0.3], [0.6, 0.1, -0.2]], "biases": 0.1, "activation": "tanh"},
        {"weights": [[0.3, -0.1], [0.2, 0.4], [-0.35, 0.15]], "biases": 0.2, "activation": "sigmoid"}],
        "loss": "mse", "reduction": "mean", "learning_rate": 0.7, "update_biases": True})
    out["sig_bce_2s"] = spec_from_dict({"inputs": [[0.5, -0.3], [0.1, 0.9]], "targets": [[1, 0], [0, 1]], "layers": [
        {"weights": [[0.2, -0.5], [0.6, 0.1]], "biases": [0.1, 0.3], "activation": "sigmoid"},
        {"weights": [[0.3, -0.1], [0.25, 0.4]], "biases": [0.2, -0.1], "activation": "sigmoid"}],
        "loss": "bce", "reduction": "sum", "learning_rate": 0.2, "update_biases": True})
    for p in ("dog_breed", "three_layer_softmax", "classifier_4_5_3"):
        out[p] = load_preset(p)
    adam = ("adam", ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8))
    for name in ("mazur_bias", "sig_3_2_2"):       # issue 16: optimizers and L2
        base = out[name]
        out[f"{name}_adam"] = dataclasses.replace(base, optimizer=adam)
        out[f"{name}_l2"] = dataclasses.replace(base, l2=(0.05, True, False))
        out[f"{name}_l2full"] = dataclasses.replace(base, l2=(0.1, False, True))
    return out


NETS = _nets()
# the same family in the list: "a weight matrix transposed or two weight indices swapped"
FAMILY = {"transposed": {"transposed", "weights_swapped"}}


def written(v: float) -> str:
    """As a careful student writes it: 10 decimals (scientific for tiny values)."""
    return f"{v:.10f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.9e}"


def answers_under(spec, cand) -> dict[str, str]:
    """Every computed step of the worked solution, as the slip makes it."""
    sol = solve(spec)
    ids = [s.id for s in sol.steps if s.kind not in ("matrix", "given")]
    vals = slips.evaluate(spec, cand, ids)
    return {sol.index[i].label: written(vals[i]) for i in ids if i in vals}


def _cases():
    """(slip, network) for each engine slip: Mazur's network and at least two others where the slip applies."""
    cases = []
    for slip in [s for s in slips.CATALOGUE if s not in ("rounding", "digits_transposed", "addition", "update_count",
                                                         "digit_typo", "simultaneous")]:
        nets = [n for n, spec in NETS.items() if any(c.slips[0] == slip for c in slips.candidates(spec))]
        for n in nets[:3]:
            cases.append((slip, n))
    return cases


CASES = _cases()


def test_every_engine_slip_has_three_networks():
    per = {}
    for slip, n in CASES:
        per.setdefault(slip, []).append(n)
    assert set(per) == set(slips.CATALOGUE) - {"rounding", "digits_transposed", "addition", "update_count",
                                               "digit_typo", "simultaneous"}
    for slip, nets in per.items():
        assert len(nets) >= 2, slip
        if slip not in ("softmax_linear", "softmax_diagonal", "bce_on_softmax", "log_base", "reduction_samples",
                        "shared_bias_per_unit"):
            assert nets[0].startswith("mazur"), slip


@pytest.mark.parametrize("slip,net", CASES)
def test_slip_is_diagnosed(slip, net):
    spec = NETS[net]
    cand = next(c for c in slips.candidates(spec) if c.slips[0] == slip)
    rep = check(spec, answers_under(spec, cand))
    first = next(r for r in rep.results if r.verdict == "wrong")
    assert rep.first_wrong == first.label
    assert set(first.slips) & FAMILY.get(slip, {slip}), (first.label, first.cause)
    # later values are explained by the same slip or follow from the student's earlier values
    others = [(r.label, r.slips) for r in rep.results if r.verdict == "wrong" and not set(r.slips) & FAMILY.get(slip, {slip})]
    assert not others


def test_simultaneous_where_sequential_is_asked():
    spec = dataclasses.replace(NETS["mazur"], update_order="sequential")
    cand = next(c for c in slips.candidates(spec) if c.slips[0] == "simultaneous")
    first = next(r for r in check(spec, answers_under(spec, cand)).results if r.verdict == "wrong")
    assert first.slips == ["simultaneous"] and first.label == "dE_o1/dout_h1"


def test_mazur_sequential_names_the_hidden_term_and_the_follow_ups():
    spec = NETS["mazur"]
    cand = next(c for c in slips.candidates(spec) if c.slips[0] == "sequential")
    rep = check(spec, answers_under(spec, cand))
    by = {r.label: r for r in rep.results}
    assert rep.first_wrong == "dE_o1/dout_h1"
    # dE_o1/dout_h1 = delta_o1 * w5+ = 0.138498562 * 0.35891648 (not * w5 = 0.4)
    assert abs(float(by["dE_o1/dout_h1"].given) - 0.138498562 * 0.35891648) < 1e-8
    assert by["dE_total/dout_h1"].verdict == "follows" and "dE_o1/dout_h1" in by["dE_total/dout_h1"].cause


@pytest.mark.parametrize("net", ["mazur", "sig_3_2_2", "dog_breed"])
def test_digits_transposed(net):
    spec = NETS[net]
    sol = solve(spec)
    ans = {s.label: written(s.value) for s in sol.steps if s.kind not in ("matrix", "given") and s.value is not None}
    # transpose two adjacent distinct digits of the first loss term
    lab = next(s.label for s in sol.steps if s.id == "err.s1.u1")
    txt = ans[lab]
    i = next(i for i in range(2, len(txt) - 1) if txt[i] != txt[i + 1] and txt[i].isdigit() and txt[i + 1].isdigit())
    ans[lab] = txt[:i] + txt[i + 1] + txt[i] + txt[i + 2:]
    rep = check(spec, ans)
    assert rep.first_wrong == lab
    r = next(r for r in rep.results if r.label == lab)
    assert r.slips == ["digits_transposed"] and txt in r.cause


@pytest.mark.parametrize("net,sid", [("mazur", "loss"), ("mazur", "dout.s1.l1.u1"), ("sig_3_2_2", "loss"),
                                     ("dog_breed", "loss.s2")])
def test_addition_slip(net, sid):
    spec = NETS[net]
    sol = solve(spec)
    ans = {s.label: written(s.value) for s in sol.steps if s.kind not in ("matrix", "given") and s.value is not None}
    lab = sol.index[sid].label
    ans[lab] = written(sol.index[sid].value + 0.01)      # a carry dropped
    rep = check(spec, ans)
    r = next(r for r in rep.results if r.label == lab)
    assert rep.first_wrong == lab and r.slips == ["addition"]


@pytest.mark.parametrize("net", ["mazur", "sig_3_2_2", "tanh_mse_2s"])
def test_one_update_too_few_or_many(net):
    from calc.train.loop import train
    spec = NETS[net]
    res = train(spec, 6, keep={4, 5, 6})
    lab = solve(spec).index["loss"].label
    few = solve(res.snapshots[4]).index["loss"].value
    many = solve(res.snapshots[6]).index["loss"].value
    rep = check(spec, {f"train[5].{lab}": written(few)})
    assert rep.results[0].slips == ["update_count"] and "too few" in rep.results[0].cause
    rep = check(spec, {f"train[5].{lab}": written(many)})
    assert rep.results[0].slips == ["update_count"] and "too many" in rep.results[0].cause


@pytest.mark.parametrize("net,k", [("mazur", 4), ("sig_3_2_2", 5), ("classifier_4_5_3", 6)])
def test_intermediates_rounded_is_not_a_mistake(net, k):
    spec = NETS[net]
    sol = solve(spec)
    ids = [s.id for s in sol.steps if s.kind not in ("matrix", "given")]
    vals = slips.evaluate(spec, slips.rounding(k, truncate=False), ids)
    ans = {sol.index[i].label: f"{vals[i]:.{k}f}" for i in ids if i in vals and i != "loss_after"}
    rep = check(spec, ans)
    assert rep.first_wrong is None and rep.ok
    assert any(r.verdict == "rounded" for r in rep.results)


def test_sigma_prime_written_as_out_is_named():
    """Mazur's dout_o1/dnet_o1 written as out_o1 itself (0.75136507, his printed out_o1) instead of
    out_o1 (1 - out_o1) = 0.186815602: the (1 - out) factor forgotten."""
    from calc.check.check import check
    rep = check(NETS["mazur"], {"out_o1": "0.75136507", "dout_o1/dnet_o1": "0.75136507"})
    first = next(r for r in rep.results if r.verdict == "wrong")
    assert "dact_is_out" in first.slips, (first.label, first.cause)


def test_the_old_weight_copied_as_the_new_one_is_named():
    """Mazur's w5+ written as w5 itself (0.4, the given weight) instead of 0.35891648."""
    from calc.check.check import check
    rep = check(NETS["mazur"], {"out_h1": "0.5933", "E_total": "0.2984", "dE_total/dw5": "0.0822", "w5+": "0.40"})
    first = next(r for r in rep.results if r.verdict == "wrong")
    assert first.label == "w5+" and "update_not_applied" in first.slips, (first.label, first.cause)
