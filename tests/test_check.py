"""calc.check.check: verdicts to the digits written, "follows", labels with typos, the CLI's exit codes and JSON."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from calc.check.check import AnswerError, check, compare, main, parse_answers, read_given
from calc.check.labels import LabelIndex
from calc.presets import load_preset, preset_path
from calc.worked.solve import solve

MAZUR = load_preset("mazur")
ROOT = Path(__file__).resolve().parents[1]


def one(answers, spec=MAZUR):
    rep = check(spec, answers)
    return {r.label: r for r in rep.results}, rep


def test_verdicts_follow_the_digits_written():
    # w5+ = 0.35891648 (Mazur's slides)
    by, rep = one({"w5+": "0.3589"})
    assert by["w5+"].verdict == "right" and by["w5+"].note.startswith("rounded to 4 decimals")
    assert one({"w5+": "0.359"})[0]["w5+"].verdict == "right"
    # 0.3590 is not 0.35891648 to 4 decimals, but every intermediate truncated to 4 decimals gives it (issue 11)
    by, rep = one({"w5+": "0.3590"})
    assert by["w5+"].verdict == "rounded" and rep.first_wrong is None
    assert by["w5+"].cause.startswith("hand calculation, truncated to 4 decimals")
    assert by["w5+"].given == "0.3590"      # the digits as written
    by, rep = one({"w5+": "0.3620"})
    assert by["w5+"].verdict == "wrong" and rep.first_wrong == "w5+"


def test_truncation_is_rounded_not_right():
    # out_o1 = 0.75136507: 0.7513 is truncated (rounded it is 0.7514)
    by, _ = one({"out_o1": "0.7513"})
    assert by["out_o1"].verdict == "rounded" and "truncated to 4 decimals" in by["out_o1"].cause
    assert one({"out_o1": "0.7514"})[0]["out_o1"].verdict == "right"


def test_scientific_and_fractions():
    assert compare(read_given("3.5101878e-05"), 3.5101878e-05) == "round"
    assert compare(read_given("4.3857e-4"), 0.000438568) == "round"
    assert compare(read_given("3/4"), 0.75) == "round" and compare(read_given("3/4"), 0.7500001) is None
    assert read_given("0.3590").precision == "4 decimals"
    by, _ = one({"dE/dw1": "4.386e-4"})
    assert by["dE/dw1"].verdict == "right"


def test_follows_from_an_earlier_wrong_value():
    # out_o1 written 0.78 (wrong: no slip or hand calculation gives it); E_o1 = 1/2 (0.01 - 0.78)^2 = 0.29645 follows
    by, rep = one({"out_o1": "0.78", "E_o1": "0.29645", "dE_total/dout_o1": "0.77"})
    assert by["out_o1"].verdict == "wrong" and rep.first_wrong == "out_o1"
    assert by["E_o1"].verdict == "follows" and "out_o1" in by["E_o1"].cause
    assert by["dE_total/dout_o1"].verdict == "follows"


def test_computed_from_own_rounded_values_is_rounded():
    # out_o1 = 0.7514 (right to 4 decimals); E_o1 = 1/2 (0.01 - 0.7514)^2 = 0.27483698
    by, rep = one({"out_o1": "0.7514", "E_o1": "0.27483698"})
    assert by["E_o1"].verdict == "rounded" and rep.ok


def test_first_wrong_in_dependency_order_not_input_order():
    _, rep = one({"w5+": "0.5", "out_o1": "0.85"})
    assert rep.first_wrong == "out_o1"


@pytest.mark.parametrize("typo,suggest", [("out_01", "out_o1"), ("dE/dwS", "dE_total/dw"), ("w55+", "w5+"),
                                          ("E_totl", "E_total")])
def test_label_typos_get_did_you_mean(typo, suggest):
    with pytest.raises(AnswerError) as e:
        check(MAZUR, {typo: "0.5"})
    assert "did you mean" in str(e.value) and suggest in str(e.value)


def test_label_aliases():
    ix = LabelIndex(solve(MAZUR).steps, MAZUR)
    assert ix.resolve("dE/dw5").step_id == "gw.l2.i1.u1"
    assert ix.resolve("delta_o1").step_id == ix.resolve("dE_o1/dnet_o1").step_id == "delta.s1.l2.u1"
    assert ix.resolve("  W5 + ").step_id == ix.resolve("w5'").step_id == ix.resolve("w5_new").step_id == "nw.l2.i1.u1"
    assert ix.resolve("E").step_id == "loss" and ix.resolve("E_total+").step_id == "loss_after"
    assert ix.resolve("train[10000].E_total").steps == 10000


def test_parse_answers_text_and_json():
    txt = "# mine\nw5+ = 0.3589\n\nout_o1: 0.7514\ndE/dw1 = 0.000439  # hidden\n"
    assert parse_answers(txt) == [(2, "w5+", "0.3589"), (4, "out_o1", "0.7514"), (5, "dE/dw1", "0.000439")]
    assert parse_answers('{"w5+": 0.3590}') == [(0, "w5+", "0.3590")]   # JSON numbers keep their digits
    with pytest.raises(AnswerError) as e:
        parse_answers("w5+ 0.3\n")
    assert "line 1" in str(e.value)


def _cli(tmp_path, answers: str, *extra) -> tuple[int, str, str]:
    f = tmp_path / "answers.txt"
    f.write_text(answers, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "calc", "check", str(preset_path("mazur")), str(f), *extra],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_cli_exit_codes_and_json(tmp_path):
    rc, out, _ = _cli(tmp_path, "w5+ = 0.3589\nout_o1: 0.7514\ndE/dw1 = 0.000439\n", "--format", "json")
    assert rc == 0
    d = json.loads(out)
    assert set(d) == {"results", "first_wrong"} and d["first_wrong"] is None
    assert all(set(r) == {"label", "given", "expected", "verdict", "cause"} for r in d["results"])
    rc, out, _ = _cli(tmp_path, "out_o1 = 0.78\nE_o1 = 0.29645\nw5+ = 0.3590\n", "--format", "json")
    d = json.loads(out)
    assert rc == 1 and d["first_wrong"] == "out_o1"
    by = {r["label"]: r for r in d["results"]}
    assert by["E_o1"]["verdict"] == "follows" and by["w5+"]["given"] == "0.3590"
    assert abs(by["out_o1"]["expected"] - 0.75136507) < 1e-8


def test_cli_unusable_input(tmp_path):
    rc, out, err = _cli(tmp_path, "w5+ = 0.3589\nout_01 = 0.75\n")
    assert rc == 2 and out == "" and "line 2" in err and "did you mean" in err and "Traceback" not in err
    rc, out, err = _cli(tmp_path, "w5+ = 0.35.89\n")
    assert rc == 2 and "line 1" in err and "Traceback" not in err
    assert main([str(preset_path("mazur")), str(tmp_path / "missing.txt")]) == 2


def test_cli_text_names_the_first_wrong_step(tmp_path):
    rc, out, _ = _cli(tmp_path, "dE_total/dout_o1 = -0.74136507\n")
    assert rc == 1 and "first wrong step: dE_total/dout_o1" in out and "sign of (target - out)" in out


def test_cli_notation_option(tmp_path):
    rc, out, _ = _cli(tmp_path, "a(2)_1 = 0.75136507\n", "--notation", "layer", "--format", "json")
    assert rc == 0 and json.loads(out)["results"][0]["verdict"] == "right"


# ---- step ids in place of labels ---------------------------------------------------------------------------
# Mazur's published numbers: dE_total/dw5 = 0.082167041, w5+ = 0.35891648, out_o1 = 0.75136507
BY_ID = "gw.l2.i1.u1 = 0.082167041\nnw.l2.i1.u1 = 0.35891648\nout.s1.l2.u1 = 0.75136507\n"


def test_step_ids_resolve_like_labels():
    sol = solve(MAZUR)
    for notation in ("mazur", "layer", "hagan"):
        ix = LabelIndex(sol.steps, MAZUR, notation)
        for sid in ("gw.l2.i1.u1", "nw.l2.i1.u1", "out.s1.l2.u1", "net.s1.l1.u2", "delta.s1.l2.u1", "loss",
                    "loss_after", "b.l1", "eta"):
            assert ix.resolve(sid).step_id == sid
        assert ix.resolve("GW.L2.I1.U1").step_id == "gw.l2.i1.u1"     # ignoring case after the exact spelling
        assert ix.resolve(" Loss_After ").step_id == "loss_after"
        ref = ix.resolve("train[10000].loss")
        assert ref.step_id == "loss" and ref.steps == 10000
    ix = LabelIndex(sol.steps, MAZUR)
    assert ix.resolve("nw.l2.i1.u1").label == "w5+" and ix.resolve("gw.l2.i1.u1").label == "dE_total/dw5"
    # the label rules are unchanged
    assert ix.resolve("w5_new").step_id == "nw.l2.i1.u1" and ix.resolve("dE/dw5").step_id == "gw.l2.i1.u1"


def test_step_ids_all_right_api_and_cli(tmp_path):
    by, rep = one(dict(line.split(" = ") for line in BY_ID.splitlines()))
    assert rep.ok and rep.first_wrong is None
    assert {r.label: r.verdict for r in rep.results} == dict.fromkeys(("gw.l2.i1.u1", "nw.l2.i1.u1", "out.s1.l2.u1"),
                                                                      "right")
    assert by["nw.l2.i1.u1"].step == "w5+" and by["gw.l2.i1.u1"].step == "dE_total/dw5"
    assert check(MAZUR, parse_answers(BY_ID), notation="layer").ok
    rc, out, err = _cli(tmp_path, BY_ID)
    assert rc == 0 and err == "" and "no wrong values" in out and "nw.l2.i1.u1 (w5+)" in out
    rc, out, _ = _cli(tmp_path, BY_ID, "--format", "json", "--notation", "hagan")
    assert rc == 0 and [r["verdict"] for r in json.loads(out)["results"]] == ["right"] * 3


def test_a_wrong_value_by_id_is_reported_with_its_label(tmp_path):
    by, rep = one({"nw.l2.i1.u1": "0.3620"})
    assert by["nw.l2.i1.u1"].verdict == "wrong" and rep.first_wrong == "nw.l2.i1.u1"
    assert by["nw.l2.i1.u1"].step == "w5+" and abs(by["nw.l2.i1.u1"].expected - 0.35891648) < 1e-8
    rc, out, _ = _cli(tmp_path, "out.s1.l2.u1 = 0.75136507\nnw.l2.i1.u1 = 0.3620\n")
    assert rc == 1 and "first wrong step: nw.l2.i1.u1 (w5+)" in out


def test_an_unknown_id_gets_the_nearest_ids(tmp_path):
    with pytest.raises(AnswerError) as e:
        check(MAZUR, {"gw.l9.i1.u1": "0.08"})
    assert "did you mean" in str(e.value) and "gw.l2.i1.u1" in str(e.value)
    rc, out, err = _cli(tmp_path, "out.s1.l2.u1 = 0.75136507\ngw.l9.i1.u1 = 0.082167041\n")
    assert rc == 2 and out == "" and "line 2" in err and "did you mean" in err and "gw.l2.i1.u1" in err
    assert "Traceback" not in err


def test_json_answers_with_id_keys(tmp_path):
    f = tmp_path / "answers.json"
    f.write_text('{"gw.l2.i1.u1": 0.082167041, "nw.l2.i1.u1": 0.35891648, "out.s1.l2.u1": 0.75136507}',
                 encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "calc", "check", str(preset_path("mazur")), str(f), "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    d = json.loads(p.stdout)
    assert p.returncode == 0 and d["first_wrong"] is None
    assert {r["label"]: r["verdict"] for r in d["results"]} == {"gw.l2.i1.u1": "right", "nw.l2.i1.u1": "right",
                                                               "out.s1.l2.u1": "right"}
    assert check(MAZUR, parse_answers(f.read_text(encoding="utf-8"))).ok


@pytest.mark.parametrize("name", ["mazur", "three_layer_softmax", "dog_breed"])
def test_ids_and_labels_do_not_collide(name):
    spec = load_preset(name)
    from calc.worked import notation as nt
    for notation in nt.available(spec):
        sol = solve(spec, notation=notation)
        ix = LabelIndex(sol.steps, spec, notation)
        for s in sol.steps:
            if s.kind == "matrix":
                continue
            assert ix.resolve(s.id).step_id == s.id and ix.resolve(s.id.upper()).step_id == s.id
            assert ix.resolve(s.label).step_id == s.id, (notation, s.label)
