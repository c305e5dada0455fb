"""AppTest of the Check page, and its pure helpers."""
import sys
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.check.check import check  # noqa: E402
from calc.presets import load_preset  # noqa: E402
from pages.check import editor_answers, results_frame  # noqa: E402

APP = "../streamlit_app.py"


def test_editor_answers_keeps_filled_cells():
    df = pd.DataFrame({"step": ["out_o1", "w5+", "w6+"], "your value": ["0.7514", "", None]})
    assert editor_answers(df) == [(1, "out_o1", "0.7514")]


def test_results_frame_marks_first_wrong():
    rep = check(load_preset("mazur"), {"out_o1": "0.78", "E_o1": "0.29645"})
    df = results_frame(rep)
    assert list(df["verdict"]) == ["wrong", "follows"] and list(df["first wrong"]) == ["yes", ""]


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/check.py").run()
    assert not at.exception
    return at


def test_check_page_pasted_text():
    at = _page()
    at.radio(key="check_mode").set_value("Paste text").run()
    at.text_area(key="check_text").set_value("out_o1 = 0.78\nE_o1 = 0.29645\nw5+ = 0.3589\n").run()
    assert not at.exception
    res = next(d.value for d in at.dataframe if "verdict" in d.value.columns and "why" in d.value.columns)
    by = dict(zip(res["label"], res["verdict"]))
    assert by == {"out_o1": "wrong", "E_o1": "follows", "w5+": "right"}
    assert any("out_o1 = 0.78" in t.value for t in at.text)


def test_check_page_label_typo_is_a_message():
    at = _page()
    at.radio(key="check_mode").set_value("Paste text").run()
    at.text_area(key="check_text").set_value("out_01 = 0.75\n").run()
    assert not at.exception
    assert any("did you mean" in t.value for t in at.text)


def test_check_page_editor_column():
    at = _page()
    version = at.session_state["version"] if "version" in at.session_state else 0
    key = f"check_editor_{version}_mazur"
    from calc.worked.solve import solve
    labels = [s.label for s in solve(load_preset("mazur")).steps if s.kind not in ("matrix", "given")]
    row = labels.index("w5+")
    at.session_state[key] = {"edited_rows": {row: {"your value": "0.3620"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    res = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert list(res["label"]) == ["w5+"] and list(res["verdict"]) == ["wrong"]


def test_check_page_hand_mode_and_audit():
    at = _page()
    at.number_input(key="check_hand_k").set_value(2).run()
    assert not at.exception
    hand = next(d.value for d in at.dataframe if "rounded to 2 decimals" in d.value.columns)
    row = hand[hand["step"] == "net_h2"].iloc[0]
    assert row["rounded to 2 decimals"] == 0.39 and abs(row["exact"] - 0.3925) < 1e-12
    audit = next(d.value for d in at.dataframe if "printed" in d.value.columns)
    by = dict(zip(audit["label"], audit["verdict"]))
    assert by["E_total+"] == "wrong" and by["dE_o2/dout_h1"] == "rounded" and by["w5+"] == "right"
