"""LMS quizzes (calc.export.lms): Moodle XML, GIFT and a QTI 1.2 zip carry every worksheet blank as a numerical
question whose answer is the solve value rounded to N decimals, within a tolerance of at least half a unit in the
last decimal, and wide enough for the checker's hand calculation (every intermediate rounded to N decimals)."""
from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from calc.check.check import check
from calc.export import export
from calc.export import generate as gen
from calc.export.cli import main
from calc.presets import load_preset, preset_path
from calc.problem.spec import spec_from_dict
from calc.worked.solve import solve

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CELL = re.compile(r"(.*)\[(\d+),(\d+)\]\Z")


def value_of(sol, label: str) -> float:
    """The solve value of a question's label: a step's label, or a matrix step's label with [row,column]."""
    m = CELL.match(label)
    if m:
        st = sol.by_label()[m.group(1)]
        rows = st.value if isinstance(st.value[0], list) else [st.value]
        return rows[int(m.group(2)) - 1][int(m.group(3)) - 1]
    return sol.by_label()[label].value


def moodle_answers(xml: str) -> list[tuple[str, str, float, float]]:
    """[(category, label, answer, tolerance)] of every numerical question."""
    out, cat = [], None
    for q in ET.fromstring(xml).findall("question"):
        if q.get("type") == "category":
            cat = q.findtext("category/text")
            continue
        assert q.get("type") == "numerical"
        assert q.find("questiontext").get("format") == "html" and q.findtext("questiontext/text")
        ans = q.find("answer")
        assert ans.get("fraction") == "100"
        out.append((cat, q.findtext("name/text").split(" ", 1)[1], float(ans.findtext("text")),
                    float(ans.findtext("tolerance"))))
    return out


@pytest.mark.parametrize("pid,n", [("mazur", 56 + 30),             # 56 scalar steps, 30 matrix cells
                                   ("classifier_4_5_3", None)])
def test_moodle_answers_are_the_solve_values(pid, n):
    spec = load_preset(pid)
    sol = solve(spec)
    qs = moodle_answers(export(sol, "moodle"))
    # every computed scalar step once, and every matrix cell
    scalars = [s for s in sol.steps if s.kind not in ("given", "matrix")]
    cells = sum(len(s.value) * len(s.value[0]) if isinstance(s.value[0], list) else len(s.value)
                for s in sol.steps if s.kind == "matrix")
    assert len(qs) == len(scalars) + cells
    if n is not None:
        assert len(qs) == n
    for cat, label, answer, tol in qs:
        v = value_of(sol, label)
        assert abs(answer - v) <= tol, (label, answer, v, tol)
        assert 0.5e-4 < tol < 5e-4, (label, tol)               # half a unit at 4 decimals, plus slack
        assert answer == round(answer, 4)
    root = ET.fromstring(export(sol, "moodle"))               # each question names its step id
    for q, (_, label, answer, tol) in zip(root.findall("question[@type='numerical']"), qs):
        ref = q.findtext("idnumber")
        if "[" not in ref:
            assert sol.index[ref].label == label and abs(sol.index[ref].value - answer) <= tol
    if pid == "mazur":                                         # the values Mazur's post prints
        got = {label: answer for _, label, answer, _ in qs}
        assert got["out_o1"] == 0.7514 and got["w5+"] == 0.3589 and got["E_total"] == 0.2984
        assert got["dE_total/dw5"] == 0.0822 and got["w1+"] == 0.1498


def test_tolerance_accepts_what_the_checker_calls_a_hand_calculation():
    spec = load_preset("mazur")
    qs = {label: (a, t) for _, label, a, t in moodle_answers(export(solve(spec), "moodle"))}
    # rounding every operation to 4 decimals gives E_total+ = 0.2911 (exact 0.29102777 rounds to 0.2910)
    r = check(spec, {"E_total+": "0.2911"}).results[0]
    assert r.verdict == "rounded" and "hand calculation, rounded to 4 decimals" in r.cause
    a, t = qs["E_total+"]
    assert a == 0.2910 and abs(0.2911 - a) <= t
    r = check(spec, {"E_total+": "0.2912"}).results[0]         # a real slip stays outside
    assert r.verdict == "wrong" and abs(0.2912 - a) > t


@pytest.mark.parametrize("pid", ["mazur", "dog_breed", "three_layer_softmax", "relu_sigmoid_softmax_4_3_4_2"])
def test_every_hand_calculation_of_the_checker_is_accepted(pid):
    """The checker's hand calculations (calc.check.slips: every step's value, every operation, sigmoid on a
    calculator; rounded to 4 decimals) land within each question's tolerance; the exact value does too."""
    from calc.check import slips as sl
    from calc.export.document import Options, build
    from calc.export.worksheet import answers, rounded
    spec = load_preset(pid)
    sol = solve(spec)
    items = [a for a in answers(build(sol, Options(worksheet=True))) if a.cell is None]
    for style in ("step", "op", "calculator"):
        hand = sl.evaluate(spec, sl.rounding(4, False, "decimals", style), [a.sid for a in items])
        for a in items:
            assert abs(float(a.key) - a.value) <= 0.5e-4 + 1e-12
            if hand.get(a.sid) is not None:
                assert abs(float(rounded(hand[a.sid], 4)) - float(a.key)) <= a.tolerance, (style, a.label)


def test_round_option_sets_answers_and_tolerance(tmp_path):
    out = tmp_path / "q.xml"
    assert main(["calc/presets/mazur.json", "--format", "moodle", "--round", "2", "-o", str(out)]) == 0
    got = {label: (a, t) for _, label, a, t in moodle_answers(out.read_text())}
    assert got["out_o1"][0] == 0.75 and got["w5+"][0] == 0.36
    assert all(t >= 0.005 for _, t in got.values())
    assert "Round every answer to 2 decimals" in out.read_text()


def test_class_set_one_category_per_seed(tmp_path):
    out = tmp_path / "class.xml"
    assert main(["--generate", "2-2-2", "--seed", "7", "--variants", "3", "--format", "moodle", "-o", str(out)]) == 0
    qs = moodle_answers(out.read_text())
    cats = [c for c in dict.fromkeys(c for c, *_ in qs)]
    assert cats == ["$course$/backprop/seed 7", "$course$/backprop/seed 8", "$course$/backprop/seed 9"]
    for seed in (7, 8, 9):
        sol = solve(gen.generate("2-2-2", "sigmoid", "half_sse", seed))
        mine = [(label, a, t) for c, label, a, t in qs if c == f"$course$/backprop/seed {seed}"]
        assert mine and all(abs(a - value_of(sol, label)) <= t for label, a, t in mine)
    root = ET.fromstring(out.read_text())
    assert len(root.findall("question[@type='category']")) == 3


def test_qti_zip_manifest_points_to_items_with_the_same_answers(tmp_path):
    out = tmp_path / "q.zip"
    assert main(["calc/presets/classifier_4_5_3.json", "--format", "qti", "-o", str(out)]) == 0
    z = zipfile.ZipFile(out)
    man = ET.fromstring(z.read("imsmanifest.xml"))
    hrefs = [r.get("href") for r in man.iter() if r.tag.endswith("resource")]
    assert len(hrefs) == 1 and hrefs[0] in z.namelist()
    items = ET.fromstring(z.read(hrefs[0])).iter(f"{QTI}item")
    sol = solve(load_preset("classifier_4_5_3"))
    moodle = moodle_answers(export(sol, "moodle"))
    n = 0
    for item, (_, label, answer, tol) in zip(items, moodle):
        n += 1
        assert item.get("title").split(" ", 1)[1] == label
        assert item.find(f".//{QTI}render_fib").get("fibtype") == "Decimal"
        assert item.find(f".//{QTI}response_num") is not None
        lo = float(item.find(f".//{QTI}vargte").text)
        hi = float(item.find(f".//{QTI}varlte").text)
        v = value_of(sol, label)
        assert lo <= v <= hi and abs((lo + hi) / 2 - answer) < 1e-9 and hi - lo <= 2 * tol + 1e-12
    assert n == len(moodle) > 250


def test_qti_class_set_one_assessment_per_seed(tmp_path):
    out = tmp_path / "c.zip"
    assert main(["--generate", "2-2-2", "--seed", "3", "--variants", "2", "--format", "qti", "-o", str(out)]) == 0
    z = zipfile.ZipFile(out)
    man = ET.fromstring(z.read("imsmanifest.xml"))
    assert sorted(r.get("identifier") for r in man.iter() if r.tag.endswith("resource")) == ["backprop_3",
                                                                                           "backprop_4"]


GIFT = re.compile(r"^::(?P<name>(?:\\.|[^:\\])*)::(?P<text>(?:\\.|[^{\\])*)\{#(?P<v>-?[0-9.]+):(?P<t>[0-9.]+)\}$")


def gift_parse(text: str) -> list[tuple[str, str, float, float]]:
    """[(name, text, value, tolerance)] with GIFT escapes undone."""
    out = []
    for line in text.splitlines():
        if line.startswith("::"):
            m = GIFT.match(line)
            assert m, line
            un = lambda s: re.sub(r"\\(.)", r"\1", s).strip()   # noqa: E731
            out.append((un(m["name"]), un(m["text"]), float(m["v"]), float(m["t"])))
    return out


def test_gift_round_trips_and_escapes():
    sol = solve(load_preset("mazur"))
    parsed = gift_parse(export(sol, "gift"))
    moodle = moodle_answers(export(sol, "moodle"))
    assert [(n.split(" ", 1)[1], v, t) for n, _, v, t in parsed] == [(l, a, t) for _, l, a, t in moodle]
    for name, _, v, t in parsed:
        assert abs(v - value_of(sol, name.split(" ", 1)[1])) <= t
    raw = json.loads(preset_path("mazur").read_text())
    raw["name"] = "a{b}=c~d#e:f\\g <x> & 'y'"
    sol2 = solve(spec_from_dict(raw))
    parsed = gift_parse(export(sol2, "gift"))
    assert parsed and parsed[0][1].startswith("a{b}=c~d#e:f\\g <x> & 'y'")
    root = ET.fromstring(export(sol2, "moodle"))             # XML escaping: parses, the name comes back whole
    body = root.findtext("question[@type='numerical']/questiontext/text")
    assert "<x>" not in body and "a{b}=c~d#e:f\\g <x> & 'y'" in html.unescape(body)   # user text is HTML-escaped


def test_qti_to_stdout_is_a_zip(capsysbinary):
    assert main(["calc/presets/mazur.json", "--format", "qti"]) == 0
    data = capsysbinary.readouterr().out
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] == "imsmanifest.xml"
