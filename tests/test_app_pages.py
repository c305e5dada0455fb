"""AppTest: the Worked solution, Matrix form, Training, Activation and Gradient-descent pages."""
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.engine.gradcheck import central_differences  # noqa: E402
from tests.apptools import shows  # noqa: E402
from calc.presets import load_preset  # noqa: E402

APP = "../streamlit_app.py"


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def test_solution_page_shows_mazur_numbers_and_formulas():
    at = page("pages/solution.py")
    for printed in (0.35891648, 0.298371109, 0.082167041, 0.036350306, 0.149780716):   # seed 001
        assert shows(at, printed), printed
    tex = "\n".join(x.value for x in at.latex)
    assert r"\mathrm{out}_{o1}" in tex and "0.74136507" in tex          # dE_total/dout_o1, printed
    assert shows(at, 0.055399425) and r"0.138498562 \cdot 0.4 = 0.0553994247" in tex   # hidden-sum term dE_o1/dout_h1


def test_solution_page_central_differences_and_hagan_notation():
    at = page("pages/solution.py")
    at.toggle(key="central_on").set_value(True).run()
    assert not at.exception
    upd = next(d.value for d in at.dataframe if "central difference" in d.value.columns and "old" in d.value.columns)
    gw, _ = central_differences(load_preset("mazur"))
    w5 = upd[upd["parameter"] == "w5"].iloc[0]
    assert w5["central difference"] == pytest.approx(gw[1][0, 0], rel=1e-8)
    assert w5["gradient"] == pytest.approx(gw[1][0, 0], rel=1e-7)
    at.selectbox(key="notation_solution").set_value("hagan").run()
    assert any("destination x source" in c.value for c in at.caption)
    assert shows(at, 0.35891648)
    at.number_input(key="digits_solution").set_value(4).run()
    assert not at.exception and any("0.3589" in x.value for x in at.latex)


def test_solution_page_symbolic_pane():
    at = page("pages/solution.py")
    at.toggle(key="symbolic_on").set_value(True).run()
    assert not at.exception
    infos = [i.value for i in at.info]
    if any("not installed" in i for i in infos):
        pytest.skip("calc.symbolic.formulas is not installed")
    table = next(d.value for d in at.dataframe if "exact value" in d.value.columns)
    row = table[table["step"] == "w5+"].iloc[0]
    assert row["exact value"].startswith("0.35891648") and row["agrees"] == "yes"


def test_matrix_page_shapes_and_entry_links():
    at = page("pages/matrix.py")
    shapes = next(d.value for d in at.dataframe if "shape" in d.value.columns)
    assert dict(zip(shapes["matrix"], shapes["shape"]))["Z(1)"] == "1 x 2"
    assert dict(zip(shapes["matrix"], shapes["shape"]))["dE/dW(2)"] == "2 x 2"
    sel = at.selectbox(key="entry_M.NW.l2")
    sel.set_value("nw.l2.i1.u1").run()
    assert any("0.35891648" in x.value and "w_{5}^{+}" in x.value for x in at.latex)


def test_training_page_mazur_10000_steps():
    at = page("pages/training.py")
    assert not at.exception
    # The preset's note: after 10,000 simultaneous updates E_total = 3.5101878e-05 (seed 001 printed 9,999's)
    assert shows(at, 3.5101878e-05, rel=1e-7)
    at.number_input(key="train_k").set_value(1).run()
    assert not at.exception
    assert shows(at, 0.2910277737, rel=1e-9)          # the loss after update 1 (simultaneous), seed 001 note


def test_training_page_stochastic_on_dog_breed_counts_epochs():
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.selectbox(key="preset_pick").set_value("dog_breed").run()
    at.switch_page("pages/training.py").run()
    at.radio(key="train_mode").set_value("stochastic").run()
    at.number_input(key="train_steps").set_value(30).run()
    assert not at.exception
    assert any("3 iterations (updates) per epoch; 30 updates = 10 epochs" in c.value for c in at.caption)


def test_activation_page_peaks():
    at = page("pages/activations.py")
    assert [m.value for m in at.metric][:1] == ["0.25"]                 # sigmoid' peaks at 0.25 (seed 004)
    at.get("button_group")[0].set_value("tanh").run()
    assert not at.exception
    assert [m.value for m in at.metric][:1] == ["1"]                    # tanh' peaks at 1


def test_descent_page_seed_001_rates_and_hostile_input():
    at = page("pages/descent.py")
    if any("not installed" in i.value for i in at.info):
        pytest.skip("calc.descent.descend is not installed")
    at.button(key="gd_preset_0.1").click().run()
    table = next(d.value for d in at.dataframe if "theta_k+1" in d.value.columns)
    assert table["theta_k+1"].tolist() == pytest.approx([-3.2, -2.56, -2.048])   # seed 001, rate 0.1
    at.button(key="gd_preset_1.5").click().run()
    table = next(d.value for d in at.dataframe if "theta_k+1" in d.value.columns)
    assert table["theta_k+1"].tolist() == pytest.approx([8, -16, 32])
    at.text_input(key="gd_expr").set_value("__import__('os').system('id')").run()
    assert not at.exception and at.error
    at.text_input(key="gd_expr").set_value("2theta").run()
    assert "2*theta" in at.error[0].value


def test_expanded_derivative_on_request():
    """Mazur's dE/dw1 as one expression, shown equal to the chain of factors (0.000438568, seed 001)."""
    at = page("pages/solution.py")
    at.toggle(key="symbolic_on").set_value(True).run()
    at.selectbox(key="expand_pick").set_value("w.l1.i1.u1").run()
    at.button(key="expand_go").click().run()
    assert not at.exception
    tex = "\n".join(x.value for x in at.latex)
    assert r"\frac{\partial E_{\mathrm{total}}}{\partial w_{1}} = " in tex and "e^{" in tex
    cap = "\n".join(c.value for c in at.caption)
    assert "0.000438567734" in cap and "relative difference 0.0e+00" in cap
