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
