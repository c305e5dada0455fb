"""calc.check.klass: a class checked at once (ANSWERS.csv, one row per student), with slips built in by hand:
per-step counts, slip groups, generated variants by seed, robust CSV reading, the CLI and the Class tab."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from calc.check.klass import (MAX_STUDENTS, NO_SLIP, ClassError, Generator, check_class, read_table, render_csv,
                              render_markdown)
from calc.check.slips import CATALOGUE
from calc.export.generate import generate
from calc.presets import load_preset, preset_path
from calc.worked.solve import solve

ROOT = Path(__file__).resolve().parents[1]
MAZUR = load_preset("mazur")
MAZUR_FILE = str(preset_path("mazur"))
SIGMA_AT_NET = CATALOGUE["dact_at_net"]
UPDATE_ADDED = CATALOGUE["update_added"]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "calc", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def solved():
    """Mazur's exact values as the CLI prints them (`python -m calc solve ... --format json`), by label."""
    out = run_cli("solve", MAZUR_FILE, "--format", "json")
    assert out.returncode == 0, out.stderr
    return {s["label"]: s["value"] for s in json.loads(out.stdout)["steps"]}


def by_hand():
    """Mazur's forward pass and the slipped numbers, worked independently in plain Python."""
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))            # noqa: E731
    i1, i2, t1 = 0.05, 0.10, 0.01
    w1, w2, w3, w4, b1 = 0.15, 0.20, 0.25, 0.30, 0.35
    w5, w6, b2, eta = 0.40, 0.45, 0.60, 0.5
    h1, h2 = sig(w1 * i1 + w2 * i2 + b1), sig(w3 * i1 + w4 * i2 + b1)
    net_o1 = w5 * h1 + w6 * h2 + b2
    o1 = sig(net_o1)
    g5 = (o1 - t1) * o1 * (1 - o1) * h1                   # the right dE_total/dw5
    g5_net = (o1 - t1) * net_o1 * (1 - net_o1) * h1      # sigma' taken at net: out(1 - out) -> net(1 - net)
    return {"out_o1": o1, "g5": g5, "w5+": w5 - eta * g5, "g5_net": g5_net, "w5+_net": w5 - eta * g5_net,
            "w5+_added": w5 + eta * g5, "w5": w5, "eta": eta}


def mazur_class(solved) -> str:
    h = by_hand()
    assert abs(h["g5"] - solved["dE_total/dw5"]) < 1e-12 and abs(h["out_o1"] - solved["out_o1"]) < 1e-12
    rows = [
        ["student", "out_o1", "dE/dw5", "w5+", "gw.l1.i1.u1"],
        ["ana", repr(solved["out_o1"]), repr(solved["dE_total/dw5"]), repr(solved["w5+"]),
         repr(solved["dE_total/dw1"])],
        # sigma' taken at net in the output layer, carried into dE/dw5 and w5+
        ["ben", f"{h['out_o1']:.6f}", f"{h['g5_net']:.6f}", f"{h['w5+_net']:.6f}", ""],
        # the update added: w + eta g
        ["cara", f"{h['out_o1']:.6f}", f"{h['g5']:.6f}", f"{h['w5+_added']:.6f}", ""],
        # every value truncated to 4 decimals by hand: rounded, not wrong
        ["dan", "0.7513", "0.0820", "0.3590", ""],
        # a wrong dE/dw5 that no slip reproduces, and the w5+ that follows from it
        ["eve", f"{h['out_o1']:.6f}", "0.0900", f"{h['w5'] - h['eta'] * 0.09:.4f}", ""],
        # the same slip as ben, written to 4 decimals, w5+ worked from her own -0.0515
        ["fay", f"{h['out_o1']:.4f}", f"{h['g5_net']:.4f}", f"{h['w5'] - h['eta'] * round(h['g5_net'], 4):.5f}", ""],
    ]
    return "\n".join(",".join(r) for r in rows) + "\n"


def test_mazur_class_counts_and_slips(solved):
    rep = check_class(MAZUR, mazur_class(solved))
    assert [s["label"] for s in rep.steps] == ["out_o1", "dE_total/dw5", "w5+", "dE_total/dw1"]
    by = {s["label"]: s for s in rep.steps}
    assert {k: by["out_o1"][k] for k in ("right", "rounded", "follows", "wrong")} == \
        {"right": 5, "rounded": 1, "follows": 0, "wrong": 0}
    assert {k: by["dE_total/dw5"][k] for k in ("right", "rounded", "follows", "wrong")} == \
        {"right": 2, "rounded": 1, "follows": 0, "wrong": 3}
    assert {k: by["w5+"][k] for k in ("right", "rounded", "follows", "wrong")} == \
        {"right": 1, "rounded": 1, "follows": 3, "wrong": 1}
    assert {k: by["dE_total/dw1"][k] for k in ("right", "rounded", "follows", "wrong")} == \
        {"right": 1, "rounded": 0, "follows": 0, "wrong": 0}
    # slips: the most common first, ties by the cause's text
    assert rep.slips == [{"cause": SIGMA_AT_NET, "students": ["ben", "fay"]},
                         {"cause": NO_SLIP, "students": ["eve"]},
                         {"cause": UPDATE_ADDED, "students": ["cara"]}]
    assert SIGMA_AT_NET.startswith("sigma' taken at net")
    # per student: dan is all rounded (hand calculation), ana all right; first wrong steps
    st = {s.student: s for s in rep.students}
    assert st["ana"].ok and st["dan"].ok and [r.verdict for r in st["dan"].results] == ["rounded"] * 3
    assert st["ben"].first_wrong == "dE/dw5" and st["cara"].first_wrong == "w5+" and st["eve"].first_wrong == "dE/dw5"
    assert not rep.ok
    d = rep.to_dict()
    assert set(d) == {"students", "steps", "slips"} and d["students"] == 6
    assert all(set(s) == {"label", "right", "rounded", "follows", "wrong"} for s in d["steps"])
    assert all(set(g) == {"cause", "students"} for g in d["slips"])
    json.dumps(d, allow_nan=False)


def test_same_verdicts_as_check_per_student(solved):
    from calc.check.check import check
    text = mazur_class(solved)
    rep = check_class(MAZUR, text)
    table = read_table(text)
    for (n, cells), s in zip(table.rows, rep.students):
        alone = check(MAZUR, {c: v for c, v in zip(table.columns[1:], cells[1:]) if v})
        assert [(r.label, r.verdict, r.cause) for r in alone.results] == \
            [(r.label, r.verdict, r.cause) for r in s.results]


def test_markdown_and_csv_output(solved):
    rep = check_class(MAZUR, mazur_class(solved))
    md = render_markdown(rep)
    assert "| step | right | rounded | follows | wrong |" in md and "| w5\\+ | 1 | 1 | 3 | 1 |" in md
    assert "ben, fay" in md and "## Students" in md
    csv_text = render_csv(rep).splitlines()
    assert csv_text[0] == "label,right,rounded,follows,wrong,first wrong for"
    assert "dE_total/dw5,2,1,0,3,ben; eve; fay" in csv_text and "w5+,1,1,3,1,cara" in csv_text


def test_generated_class_by_seed():
    gen = Generator("2-2-2", "sigmoid,sigmoid", "half_sse")
    rows = []
    for name, seed in (("ana", 3), ("ben", 11)):
        sol = solve(generate("2-2-2", "sigmoid,sigmoid", "half_sse", seed=seed))
        v = {s.label: s.value for s in sol.steps}
        rows.append({"student": name, "seed": str(seed), "out_o1": repr(v["out_o1"]),
                     "dE/dw5": repr(v["dE_total/dw5"]), "w5+": repr(v["w5+"]), "E_total": repr(v["E_total"])})
    assert rows[0]["w5+"] != rows[1]["w5+"]
    rep = check_class(gen, rows)
    assert rep.ok and rep.slips == [] and [s.seed for s in rep.students] == [3, 11]
    assert all(s["right"] == 2 and s["wrong"] == 0 for s in rep.steps)
    # the same numbers against the wrong variant are wrong
    swapped = [dict(rows[0], seed="11"), dict(rows[1], seed="3")]
    assert not check_class(gen, swapped).ok


def test_reading_is_robust():
    # a BOM, semicolons, a decimal comma, a blank line, a trailing empty column
    text = "\ufeffStudent;w5+;out_o1;\n\nana;0,3589;0.7514;\nben;0.3620;;\n"
    rep = check_class(MAZUR, text.encode("utf-8"))
    assert [s.student for s in rep.students] == ["ana", "ben"]
    assert [s["label"] for s in rep.steps] == ["out_o1", "w5+"]
    assert rep.students[0].ok and rep.students[1].first_wrong == "w5+"
    assert read_table("student\tw5+\nana\t0.3589\n").delimiter == "\t"


def problems_of(spec, text) -> list[str]:
    with pytest.raises(ClassError) as e:
        check_class(spec, text)
    return [str(p) for p in e.value.problems]


def test_unusable_files_are_located_and_collected():
    # every problem at once: unknown labels (one message, with a "did you mean"), bad numbers, names
    msgs = problems_of(MAZUR, "student,out_01,w5+,dE/dw9\nana,0.75,abc,1\n,0.3,0.2,\nana,1,2,3\n")
    assert msgs[0].startswith("row 1 (header): unknown columns 'out_01' (did you mean out_o1")
    assert "'dE/dw9'" in msgs[0] and sum("unknown" in m for m in msgs) == 1
    assert any(m.startswith("row 2 (student 'ana'), column 'w5+':") and "abc" in m for m in msgs)
    assert any(m.startswith("row 3:") and "no student name" in m for m in msgs)
    assert any(m.startswith("row 4 (student 'ana'):") and "same student as row 2" in m for m in msgs)
    # no student column; a first row of numbers (no header)
    assert any("no 'student' column" in m for m in problems_of(MAZUR, "name,w5+\nana,0.3589\n"))
    assert any("header row is required" in m for m in problems_of(MAZUR, "0.3589,0.7514\n0.3,0.7\n"))
    # a seed column with one fixed problem
    msgs = problems_of(MAZUR, "student,seed,w5+\nana,1,0.3589\n")
    assert any(m.startswith("row 1 (header), column 'seed':") and "--generate" in m for m in msgs)
    # two columns for one step, nothing answered, empty file, bad seeds
    assert any("are the same step" in m for m in problems_of(MAZUR, "student,w5+,nw.l2.i1.u1\nana,0.3589,0.3589\n"))
    assert any("no values given" in m for m in problems_of(MAZUR, "student,w5+\nana,\n"))
    assert any("empty" in m for m in problems_of(MAZUR, b""))
    gen = Generator("2-2-2", "sigmoid,sigmoid", "half_sse")
    msgs = problems_of(gen, "student,seed,w5+\nana,x,0.3\nben,,0.3\n")
    assert any(m.startswith("row 2 (student 'ana'), column 'seed'") for m in msgs)
    assert any(m.startswith("row 3 (student 'ben'), column 'seed'") for m in msgs)
    assert any("not UTF-8" in m for m in problems_of(MAZUR, b"student,w5+\n\xff\xfe,0.3\n"))


def test_limits():
    big = "student,w5+\n" + "".join(f"s{k},0.3589\n" for k in range(MAX_STUDENTS + 1))
    assert any(f"over the limit of {MAX_STUDENTS:,}" in m for m in problems_of(MAZUR, big))
    assert any("over the 1,000,000-byte limit" in m for m in problems_of(MAZUR, b"student,w5+\n" + b"x" * 1_000_001))


# ---- the command line ---------------------------------------------------------------------------------------------
def test_cli_exit_codes_and_json(tmp_path, solved):
    f = tmp_path / "answers.csv"
    f.write_text(mazur_class(solved), encoding="utf-8")
    out = run_cli("check-class", MAZUR_FILE, str(f), "--format", "json")
    assert out.returncode == 1, out.stderr
    d = json.loads(out.stdout)
    assert list(d) == ["students", "steps", "slips"] and d["students"] == 6
    assert all(list(s) == ["label", "right", "rounded", "follows", "wrong"] for s in d["steps"])
    assert all(list(g) == ["cause", "students"] for g in d["slips"])
    assert d["slips"][0] == {"cause": SIGMA_AT_NET, "students": ["ben", "fay"]}
    assert {"cause": UPDATE_ADDED, "students": ["cara"]} in d["slips"]
    # only the right and the rounded students: exit 0
    keep = [line for line in f.read_text().splitlines() if line.split(",")[0] in ("student", "ana", "dan")]
    f.write_text("\n".join(keep) + "\n")
    for fmt in ("json", "markdown", "csv"):
        out = run_cli("check-class", MAZUR_FILE, str(f), "--format", fmt)
        assert out.returncode == 0 and out.stdout and not out.stderr, out.stderr


def test_cli_generated_class(tmp_path):
    lines = ["student,seed,out_o1,w5+"]
    for name, seed in (("ana", 3), ("ben", 11)):
        v = {s.label: s.value for s in solve(generate("2-2-2", "sigmoid,sigmoid", "half_sse", seed=seed)).steps}
        lines.append(f"{name},{seed},{v['out_o1']!r},{v['w5+']!r}")
    f = tmp_path / "answers.csv"
    f.write_text("\n".join(lines) + "\n")
    out = run_cli("check-class", "--generate", "2-2-2", "--activations", "sigmoid,sigmoid", "--loss", "half_sse",
                  str(f), "--format", "json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["students"] == 2 and d["slips"] == [] and all(s["right"] == 2 for s in d["steps"])
    # a seed column with a SPEC: exit 2, a located message
    out = run_cli("check-class", MAZUR_FILE, str(f))
    assert out.returncode == 2 and out.stdout == "" and "row 1 (header), column 'seed'" in out.stderr
    # bad generator options, or both SPEC and --generate
    out = run_cli("check-class", "--generate", "2-2-2", "--activations", "nope", str(f))
    assert out.returncode == 2 and out.stdout == "" and "activations" in out.stderr
    out = run_cli("check-class", "--generate", "2-2-2", MAZUR_FILE, str(f))
    assert out.returncode == 2 and out.stdout == ""


@pytest.mark.parametrize("text, expect", [
    ("name,w5+\nana,0.3589\n", "no 'student' column"),
    ("student,w55+\nana,0.3589\n", "row 1 (header): unknown column 'w55+' (did you mean"),
    ("student,w5+\nana,0.3589\nben,zero point three\n", "row 3 (student 'ben'), column 'w5+'"),
    ("student,seed,w5+\nana,1,0.3589\n", "row 1 (header), column 'seed'"),
])
def test_cli_unusable_csv_exit_2(tmp_path, text, expect):
    f = tmp_path / "answers.csv"
    f.write_text(text)
    out = run_cli("check-class", MAZUR_FILE, str(f))
    assert out.returncode == 2 and out.stdout == "" and expect in out.stderr, out.stderr


def test_cli_usage_errors(tmp_path):
    out = run_cli("check-class", MAZUR_FILE)
    assert out.returncode == 2 and out.stdout == "" and "ANSWERS.csv" in out.stderr
    out = run_cli("check-class", MAZUR_FILE, str(tmp_path / "missing.csv"))
    assert out.returncode == 2 and "cannot read" in out.stderr
    out = run_cli("check-class", MAZUR_FILE, str(tmp_path / "missing.csv"), "--loss", "mse")
    assert out.returncode == 2 and "only with --generate" in out.stderr


# ---- the Class tab -------------------------------------------------------------------------------------------------
def _class_tab():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=120).run()
    at.switch_page("pages/check.py").run()
    assert not at.exception
    return at


def _frame(at, *cols):
    return next(d.value for d in at.dataframe if all(c in d.value.columns for c in cols))


def test_class_tab_shows_counts_and_slips(solved):
    at = _class_tab()
    assert [t.label for t in at.tabs] == ["One student", "Class"]
    at.file_uploader(key="check_class_upload").set_value(
        ("answers.csv", mazur_class(solved).encode("utf-8"), "text/csv")).run()
    assert not at.exception and not at.error
    steps = _frame(at, "label", "right", "rounded", "follows", "wrong")
    row = steps[steps["label"] == "w5+"].iloc[0]
    assert (row["right"], row["rounded"], row["follows"], row["wrong"]) == (1, 1, 3, 1)
    row = steps[steps["label"] == "dE_total/dw5"].iloc[0]
    assert (row["right"], row["rounded"], row["follows"], row["wrong"]) == (2, 1, 0, 3)
    slips = _frame(at, "cause", "who")
    assert list(slips["cause"])[0] == SIGMA_AT_NET and list(slips["who"])[0] == "ben, fay"
    assert UPDATE_ADDED in list(slips["cause"])
    students = _frame(at, "student", "first wrong step")
    assert list(students["student"]) == ["ana", "ben", "cara", "dan", "eve", "fay"]
    # the one-student tab is still there
    assert at.radio(key="check_mode").value == "Beside each step"


def test_class_tab_errors_name_row_and_column():
    at = _class_tab()
    bad = "student,w5+,out_01\n**bold** <b>x</b>,abc,0.7\n"
    at.file_uploader(key="check_class_upload").set_value(("answers.csv", bad.encode(), "text/csv")).run()
    assert not at.exception
    msg = " ".join(e.value for e in at.error)
    assert "row 1 (header)" in msg and "out_01" in msg and "did you mean" in msg
    assert "row 2 (student '**bold** <b>x</b>'), column 'w5+'" in msg
    assert "`" in msg            # user text only inside code spans
