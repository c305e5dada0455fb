"""AppTest of the Practice page: type values, press Check, see verdicts, the score and the first wrong step.

Expected numbers are Mazur's printed values (seed 001): net_h1 0.3775, out_h1 0.593269992.
"""
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

APP = "../streamlit_app.py"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/practice.py").run()
    assert not at.exception
    return at


def _submit(at: AppTest, n: int, text: str, button: str = "Check") -> AppTest:
    at.text_input(key=f"practice_value_{n}").set_value(text)
    next(b for b in at.button if b.label == button and b.form_id == f"practice_form_{n}").click().run()
    assert not at.exception
    return at


def _texts(at: AppTest) -> str:
    return "\n".join([t.value for t in at.text] + [e.value for e in at.error] + [s.value for s in at.success]
                     + [i.value for i in at.info] + [w.value for w in at.warning])


def _tex(at: AppTest) -> list[str]:
    return [x.value.strip().strip("$").strip() for x in at.latex]


def _done(at: AppTest):
    return next(d.value for d in at.dataframe if "verdict" in d.value.columns)


def test_first_step_shows_the_general_formula_not_the_value():
    at = _page()
    tex = _tex(at)
    assert tex == [r"\mathrm{net}_{h1} = w_{1} i_{1} + w_{2} i_{2} + b_{1} \cdot 1"]
    assert "0.3775" not in "\n".join(tex)
    assert at.metric[0].value == "0 / 0"


def test_right_rounded_wrong_follows_score_and_first_wrong():
    at = _page()
    _submit(at, 0, "0.3775")                       # net_h1, Mazur's printed value: right
    assert "right" in _texts(at) and at.metric[0].value == "1 / 1"
    assert _tex(at)[0].startswith(r"\mathrm{net}_{h2} =")
    _submit(at, 1, "0.3925")                       # net_h2: right
    _submit(at, 2, "0.6")                          # out_h1 = 0.6000 at 4 decimals: wrong (0.5933)
    _submit(at, 3, "0.5969")                       # out_h2 = 0.596884378 to 4 decimals: rounded
    # net_o1 from the student's out_h1 = 0.6: 0.4 * 0.6 + 0.45 * 0.596884378 + 0.6 = 1.10859797
    _submit(at, 4, "1.1086")
    df = _done(at)
    assert list(df["verdict"]) == ["right", "right", "wrong", "rounded", "follows"]
    assert list(df["first wrong"]) == ["", "", "yes", "", ""]
    assert at.metric[0].value == "4 / 5"
    assert "first wrong step: out_h1 = 0.6000" in _texts(at)


def test_hint_reveal_and_skip():
    at = _page()
    _submit(at, 0, "0.3775")
    _submit(at, 1, "", "Hint")                     # net_h2: its inputs, with the given numbers
    hint = next(d.value for d in at.dataframe if "from" in d.value.columns)
    assert dict(zip(hint["step"], hint["value"])) == {"w3": "0.25", "i1": "0.05", "w4": "0.3", "i2": "0.1",
                                                      "b1": "0.35"}
    assert r"0.25 \cdot 0.05 + 0.3 \cdot 0.1 + 0.35 \cdot 1" in _tex(at)
    _submit(at, 1, "", "Reveal")
    assert "0.3925" in _texts(at)
    _submit(at, 2, "", "Skip")
    df = _done(at)
    assert list(df["verdict"]) == ["right", "revealed", "skipped"]
    assert at.metric[0].value == "1 / 3"


def test_unreadable_value_is_a_message_naming_the_step():
    at = _page()
    _submit(at, 0, "zero point four")
    assert any("net_h1" in t.value and "not a number" in t.value for t in at.text)
    assert at.metric[0].value == "0 / 0"


def test_chain_of_w5_and_a_new_problem_starts_fresh():
    at = _page()
    at.selectbox(key="practice_steps").set_value("a weight's chain").run()
    at.selectbox(key="practice_param").set_value("nw.l2.i1.u1").run()
    assert at.subheader[0].value == "Step 1 of 11: net_h1"
    _submit(at, 0, "0.3775")
    assert at.metric[0].value == "1 / 1"
    at.session_state["practice"]["problem"] = "another problem"    # as if another problem were loaded
    at.run()
    assert at.metric[0].value == "0 / 0"


def test_precision_two_decimals_and_start_again():
    at = _page()
    at.selectbox(key="practice_precision").set_value("2 decimals, rounded").run()
    assert at.metric[0].value == "0 / 0"
    _submit(at, 0, "0.38")                         # net_h1 = 0.3775 to 2 decimals
    _submit(at, 1, "0.39")                         # net_h2 = 0.3925 to 2 decimals (half up: 0.39)
    _submit(at, 2, "0.59")                         # out_h1 = 0.593269992
    _submit(at, 3, "0.6")                          # out_h2 = 0.596884378: 0.6 means 0.60 here
    df = _done(at)
    assert list(df["verdict"]) == ["rounded"] * 4 and list(df["you wrote"]) == ["0.38", "0.39", "0.59", "0.60"]
    next(b for b in at.button if b.label == "Start again").click().run()
    assert not at.exception and at.metric[0].value == "0 / 0"
    assert at.text_input(key="practice_value_0").value == ""
