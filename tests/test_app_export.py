"""The Export page in AppTest: a download per format, worksheet mode, bad options, the class zip."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not (ROOT / "streamlit_app.py").exists(), reason="the router is not there yet")


@pytest.fixture
def at():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file("../streamlit_app.py", default_timeout=120)
    at.run()
    at.switch_page("pages/export.py")
    at.run()
    assert not at.exception
    return at


def labels(at):
    return [b.label for b in at.get("download_button")]


def test_downloads_for_every_format(at):
    assert set(labels(at)) == {"Markdown", "Marp slides (Markdown)", "LaTeX handout", "Beamer slides",
                               "Jupyter notebook", "CSV of every step"}
    at.radio(key="exp_mode").set_value("worksheet").run()        # worksheets add the LMS quizzes
    assert not at.exception and len(labels(at)) == 9
    assert {"Moodle XML quiz", "GIFT quiz (Moodle)", "QTI 1.2 quiz (Canvas, zip)"} <= set(labels(at))
    at.number_input(key="exp_round").set_value(2).run()
    assert not at.exception and len(labels(at)) == 9


def test_quiz_job_of_the_page_rounds_as_asked():
    import xml.etree.ElementTree as ET
    from calc.export import lms
    from calc.export.document import Options
    from calc.presets import preset_path
    quiz = lms.quizzes(preset_path("mazur").read_text(), None, Options(worksheet=True, answer_decimals=2))
    assert sorted(quiz) == ["gift", "moodle", "qti"] and zipfile.ZipFile(io.BytesIO(quiz["qti"])).testzip() is None
    got = {q.findtext("name/text").split(" ", 1)[1]: q.findtext("answer/text")
           for q in ET.fromstring(quiz["moodle"]).findall("question[@type='numerical']")}
    assert got["out_o1"] == "0.75" and got["w5+"] == "0.36"          # Mazur's 0.75136507 and 0.35891648


def test_bad_steps_are_named_as_text(at):
    at.text_input(key="exp_full").input("w5, <b>w99</b>").run()
    assert not at.exception
    assert any("w99" in t.value for t in at.text)
    assert not labels(at)


def test_generator_zip(at):
    at.number_input(key="gen_n").set_value(3).run()
    at.button(key="gen_go").click().run()
    assert not at.exception
    assert any("3 variants" in l for l in labels(at))


def test_page_helpers():
    from calc.export.document import Options
    from calc.export.cli import class_set, zip_bytes
    from calc.export import generate as gen
    files = class_set(gen.variants("2-2-2", "sigmoid", "half_sse", 1, 2), "csv", Options())
    z = zipfile.ZipFile(io.BytesIO(zip_bytes(files)))
    assert sorted(z.namelist()) == sorted(f"exercise_seed{s}{x}" for s in (1, 2) for x in (".csv", "_key.csv", ".json"))


# ---- number formats, the lecture deck, rounding and the class-set quizzes (what the CLI offers) -------------------
@pytest.fixture
def media(monkeypatch):
    """{file id: bytes} of every download the page registers (AppTest keeps its media store only during a run)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage as Store
    kept, load = {}, Store.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):
        fid = load(self, data, mimetype, kind, filename)
        kept[fid] = self._files_by_id[fid].content
        return fid

    monkeypatch.setattr(Store, "load_and_get_id", keep)
    return kept


def download(at, media, label: str) -> bytes:
    """The bytes behind the download button labelled `label` (or starting with it)."""
    (b,) = [b for b in at.get("download_button") if b.proto.label.startswith(label)]
    return media[b.proto.url.rsplit("/", 1)[1].split(".")[0]]


def last_value(markdown: str, label: str) -> str:
    """The value a Markdown document prints for a step: the last '&= ...' line of its block."""
    block = markdown.split(f"**{label}**", 1)[1].split("\n**", 1)[0]
    return [l for l in block.splitlines() if l.lstrip().startswith("&=")][-1].split("&=")[1].strip()


def test_fixed_decimals_as_mazur_prints(at, media):
    at.run()
    md = download(at, media, "Markdown").decode()
    assert last_value(md, r"out\_h1") == "0.593269992"                # 9 significant digits (the default)
    at.radio(key="exp_numbers").set_value("decimals").run()
    assert not at.exception and at.number_input(key="exp_decimals").value == 8
    md = download(at, media, "Markdown").decode()
    assert last_value(md, r"out\_h1") == "0.59326999"                 # Mazur's post: out_h1 = 0.593269992 -> 8 dp
    assert last_value(md, r"net\_h1") == "0.37750000"                 # fixed decimals keep trailing zeros
    at.number_input(key="exp_decimals").set_value(3).run()
    assert last_value(download(at, media, "Markdown").decode(), r"out\_h1") == "0.593"


def test_lecture_deck_has_overlays_and_fewer_frames(at, media):
    from calc.export.beamer import frame_count
    at.radio(key="exp_deck").set_value("full").run()
    full = download(at, media, "Beamer slides").decode()
    at.radio(key="exp_deck").set_value("lecture").run()
    assert not at.exception
    lecture = download(at, media, "Beamer slides").decode()
    assert frame_count(full) == 71                                     # the step-per-frame deck of Mazur's pass
    assert 8 <= frame_count(lecture) <= 16 and frame_count(lecture) < frame_count(full)
    assert any(o in lecture for o in (r"\pause", r"\only<", r"\onslide<")) and not r"\only<" in full
    assert "0.593269992" in lecture                                    # the numbers are Mazur's, at 9 digits


def test_rounding_reaches_worksheet_key_and_quizzes(at, media):
    import xml.etree.ElementTree as ET
    at.radio(key="exp_mode").set_value("worksheet")
    at.number_input(key="exp_round").set_value(2).run()
    assert not at.exception
    assert "Round every answer to 2 decimals" in download(at, media, "Markdown").decode()
    quiz = ET.fromstring(download(at, media, "Moodle XML quiz"))
    got = {q.findtext("name/text").split(" ", 1)[1]: q.findtext("answer/text")
           for q in quiz.findall("question[@type='numerical']")}
    assert got["out_h1"] == "0.59" and got["w5+"] == "0.36"          # 0.593269992 and 0.35891648 to 2 dp
    at.radio(key="exp_mode").set_value("key").run()
    key = download(at, media, "Markdown").decode()
    table = key.split("## Answers, rounded to 2 decimals", 1)[1]
    assert r"$\mathrm{out}_{h1}$ | 0.59 |" in table and r"$\mathrm{out}_{h2}$ | 0.60 |" in table   # 0.596884378


def test_class_set_moodle_one_category_per_seed_with_the_solve_values(at, media):
    import re
    import xml.etree.ElementTree as ET
    from calc.export import generate as gen
    from calc.worked.solve import solve
    at.number_input(key="gen_seed").set_value(5).run()
    at.number_input(key="gen_n").set_value(3).run()
    at.selectbox(key="gen_fmt").set_value("moodle").run()
    at.button(key="gen_go").click().run()
    assert not at.exception
    root = ET.fromstring(download(at, media, "Download 3 variants (Moodle XML quiz)"))
    cats = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert cats == [f"$course$/backprop/seed {s}" for s in (5, 6, 7)]
    sols = {s: solve(spec) for s, spec in gen.variants("2-2-2", "sigmoid,sigmoid", "half_sse", 5, 3)}
    seed, checked = None, 0
    for q in root.findall("question"):
        if q.get("type") == "category":
            seed = int(q.findtext("category/text").rsplit(" ", 1)[1])
            continue
        ref = q.findtext("idnumber")
        m = re.fullmatch(r"(.+)\[(\d+),(\d+)\]", ref)
        v = sols[seed].index[m.group(1) if m else ref].value
        if m:                                       # a matrix cell: row, column (1-based); a vector is one row
            rows = v if isinstance(v[0], list) else [v]
            v = rows[int(m.group(2)) - 1][int(m.group(3)) - 1]
        answer, tol = float(q.findtext("answer/text")), float(q.findtext("answer/tolerance"))
        assert abs(answer - v) <= tol and 0.5e-4 <= tol < 5e-4, (seed, ref, answer, v, tol)
        assert answer == round(v, 4) or abs(answer - v) <= 0.5e-4 + 1e-12     # rounded to 4 decimals
        checked += 1
    assert checked >= 3 * 20                        # every blank of three 2-2-2 worksheets


def test_class_set_gift_and_qti_from_the_page(at, media):
    at.number_input(key="gen_n").set_value(2).run()
    at.number_input(key="exp_round").set_value(3).run()
    at.selectbox(key="gen_fmt").set_value("gift").run()
    at.button(key="gen_go").click().run()
    gift = download(at, media, "Download 2 variants (GIFT").decode()
    assert gift.count("$CATEGORY:") == 2 and "seed 1" in gift and "seed 2" in gift
    assert "Round every answer to 3 decimals" in gift
    at.selectbox(key="gen_fmt").set_value("qti").run()
    assert not any(b.proto.label.startswith("Download") for b in at.get("download_button"))   # inputs changed
    at.button(key="gen_go").click().run()
    z = zipfile.ZipFile(io.BytesIO(download(at, media, "Download 2 variants (QTI")))
    assert "imsmanifest.xml" in z.namelist() and len([n for n in z.namelist() if n.endswith(".xml")]) == 3
