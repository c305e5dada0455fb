"""AppTest: the bad-cell catalogue typed into the weight grid. Each refused cell gets an st.error naming the
cell and the last good problem stays; each normalised cell is read to the right value."""
import math

import pytest
from streamlit.testing.v1 import AppTest

from calc.presets import load_preset

APP = "../streamlit_app.py"
CELL = "layers[0].weights[1][0]"     # w2 = i2 -> h1, row 1 / column out_h1 of the first grid


def edit_w2(text: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    v = at.session_state["version"]
    at.text_input(key=f"cell_w1_1_0_v{v}").set_value(text)     # one text input per cell (pages/grid.py)
    return at.run()


@pytest.mark.parametrize("text", ["abc", "", "   ", "nan", "inf", "-inf", "1e309", "0,5", "1,000.5", "3/0", "0x10",
                                  "True", "None", "0.1.2", "5e", "1_000", "0.5\u200b", "\uff10.\uff15",
                                  "\u0660.\u0665", "__import__('os')"])
def test_refused_cells_name_the_cell_and_keep_the_problem(text):
    at = edit_w2(text)
    assert not at.exception
    msg = "\n".join(e.value for e in at.error)
    assert CELL in msg, (text, msg)
    assert at.session_state["spec"].layers[0].weights[1, 0] == load_preset("mazur").layers[0].weights[1, 0]


@pytest.mark.parametrize("text,value", [("\u22120.5", -0.5), ("\u20130.5", -0.5), ("1/3", 1 / 3), ("\u00bd", 0.5),
                                        ("e^-2", math.exp(-2)), ("sqrt(2)", math.sqrt(2)), ("2^-3", 0.125),
                                        ("\u00a00.25", 0.25), ("2.5e-3", 0.0025)])
def test_normalised_cells_are_read(text, value):
    at = edit_w2(text)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["spec"].layers[0].weights[1, 0] == pytest.approx(value, rel=1e-15)
