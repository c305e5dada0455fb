"""AppTest: the Network page and the shared state (presets, grid edits, bad cells, uploads, links, page switches)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.problem import share  # noqa: E402
from calc.engine.gradcheck import central_differences  # noqa: E402
from tests.apptools import shows  # noqa: E402
from calc.presets import load_preset, preset_ids, preset_path  # noqa: E402
from calc.problem.spec import spec_from_dict  # noqa: E402

APP = "../streamlit_app.py"
W5_PLUS = 0.35891648          # Mazur's printed w5+ (seed 001)


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def edit(at, kind: str, layer, row: int, col: str, text: str):
    """Type `text` into the cell (row, column `col`, e.g. "out_h1" = column 0) of a grid (pages/grid.py)."""
    import re
    v = at.session_state["version"]
    j = int(re.search(r"(\d+)$", col).group(1)) - 1
    at.text_input(key=f"cell_{kind}{'' if layer is None else layer}_{row}_{j}_v{v}").set_value(text)
    return at.run()


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_opens_on_mazur_and_shows_w5_plus():
    at = app().run()
    assert not at.exception
    assert at.session_state["spec"].name.startswith("Mazur")
    assert shows(at, W5_PLUS)
    assert not at.error


def _independent_numbers(pid: str) -> list[float]:
    """Printed values of the preset's source that the engine reproduces, or a loss from a plain NumPy pass."""
    spec = load_preset(pid)
    data = json.loads(preset_path(pid).read_text())
    notes = data.get("published_notes", {})
    vals = []
    for label, text in spec.published.items():
        if label not in notes and not label.startswith("train["):
            try:
                vals.append(float(text))
            except ValueError:
                pass
    if vals:
        return vals[:3]
    a = spec.inputs
    for layer in spec.layers:
        z = a @ layer.weights + (0 if layer.biases is None else layer.biases)
        a = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0), "identity": lambda z: z,
             "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)}[layer.activation](z)
    assert spec.loss == "cce"
    per = -(spec.targets * np.log(a)).sum(axis=1) / (np.log(10.0) if spec.log_base == "10" else 1.0)
    return [per.mean() if spec.reduction == "mean" else per.sum()]


@pytest.mark.parametrize("pid", preset_ids())
def test_each_preset_loads_and_shows_its_key_numbers(pid):
    at = app().run()
    at.selectbox(key="preset_pick").set_value(pid).run()
    assert not at.exception and not at.error
    assert at.session_state["spec"].name == load_preset(pid).name
    at.switch_page("pages/solution.py").run()
    assert not at.exception
    expected = _independent_numbers(pid)
    assert expected
    for value in expected:
        assert shows(at, value, rel=5e-9 if value != round(value, 4) else 1e-9), (pid, value)


def test_a_grid_edit_changes_the_solution():
    at = app().run()
    at = edit(at, "w", 2, 0, "out_o1", "0.5")            # w5 = h1 -> o1
    assert not at.exception and not at.error
    spec = at.session_state["spec"]
    assert spec.layers[1].weights[0, 0] == 0.5
    gw, _ = central_differences(spec)                       # independent: central differences
    expected = 0.5 - 0.5 * gw[1][0, 0]
    assert not shows(at, W5_PLUS)
    assert shows(at, expected, rel=1e-7)
    at.switch_page("pages/solution.py").run()
    assert shows(at, expected, rel=1e-7)


def test_a_fraction_and_unicode_minus_are_read():
    at = app().run()
    at = edit(at, "w", 1, 0, "out_h1", "1/3")
    at = edit(at, "x", None, 0, "i2", "\u22120.5")
    assert not at.error
    spec = at.session_state["spec"]
    assert spec.layers[0].weights[0, 0] == pytest.approx(1 / 3, rel=1e-15)
    assert spec.inputs[0, 1] == -0.5


def test_a_bad_cell_names_the_cell_and_keeps_the_last_good_problem():
    at = app().run()
    at = edit(at, "w", 1, 1, "out_h1", "abc")             # w2 = i2 -> h1 = weights[1][0] of layer 0
    assert not at.exception
    msg = errors(at)
    assert "layers[0].weights[1][0]" in msg and "abc" in msg
    assert at.session_state["spec"].layers[0].weights[1, 0] == 0.2
    assert shows(at, W5_PLUS)
    at.switch_page("pages/solution.py").run()
    assert not at.error and shows(at, W5_PLUS)


def test_a_bad_learning_rate_is_refused():
    at = app().run()
    v = at.session_state["version"]
    at.text_input(key=f"set_eta_v{v}").set_value("-0.5").run()
    assert "learning_rate" in errors(at)
    assert at.session_state["spec"].learning_rate == 0.5
    at.text_input(key=f"set_eta_v{v}").set_value("0.25").run()
    assert not at.error and at.session_state["spec"].learning_rate == 0.25


def test_upload_handler_loads_a_spec_and_refuses_bad_files():
    def script():
        import sys
        sys.path.insert(0, "__ROOT__")
        import streamlit as st
        from pages import common as C
        C.init_state()
        data = st.session_state.get("to_upload", b"")
        if data:
            st.session_state["result"] = [str(p) for p in C.handle_upload(data)]
        st.text(C.current().name)

    at = AppTest.from_string(_source(script).replace("__ROOT__", str(ROOT)), default_timeout=60)
    at.session_state["to_upload"] = preset_path("dog_breed").read_bytes()
    at.run()
    assert not at.exception
    assert at.session_state["result"] == []
    assert at.session_state["spec"].name == load_preset("dog_breed").name
    for bad, words in [(b"\x00\x01\x02", "binary"), (b'{"inputs": [NaN]}', "not a finite"),
                       (b"x" * 1_000_001, "limit"), (b"{not json", "not valid JSON")]:
        at.session_state["to_upload"] = bad
        at.run()
        assert not at.exception
        assert any(words in r for r in at.session_state["result"]), (bad[:10], at.session_state["result"])
        assert words in errors(at)
        assert at.session_state["spec"].name == load_preset("dog_breed").name   # untouched


def _source(fn) -> str:
    import inspect
    import textwrap
    body = inspect.getsource(fn).split("\n", 1)[1]
    return textwrap.dedent(body)


def test_a_share_link_loads_the_problem():
    d = load_preset("mazur").to_dict()
    d["layers"][1]["weights"][0][0] = 0.5
    d["name"] = "linked <script>alert(1)</script>"
    at = app()
    at.query_params["p"] = share.encode(spec_from_dict(d))
    at.run()
    assert not at.exception and not at.error
    spec = at.session_state["spec"]
    assert spec.layers[1].weights[0, 0] == 0.5 and spec.name == d["name"]
    assert any(t.value == d["name"] for t in at.text)                        # shown as plain text
    assert not any("<script>" in m.value for m in at.markdown)


def test_a_broken_share_link_says_so_and_shows_mazur():
    at = app()
    at.query_params["p"] = "bm90IGEgcHJvYmxlbQ"
    at.run()
    assert not at.exception
    assert "share link" in errors(at)
    assert at.session_state["spec"].name.startswith("Mazur")


def test_switching_pages_keeps_the_problem_and_the_edit():
    at = app().run()
    at.selectbox(key="preset_pick").set_value("dog_breed").run()
    at = edit(at, "x", None, 0, at.dataframe[0].value.columns[0] if False else "i1", "0.25")
    name = load_preset("dog_breed").name
    assert at.session_state["spec"].inputs[0, 0] == 0.25
    for page in ["pages/solution.py", "pages/matrix.py", "pages/training.py", "pages/network.py"]:
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.session_state["spec"].name == name and at.session_state["spec"].inputs[0, 0] == 0.25, page


def test_cce_targets_not_summing_to_one_warn_and_normalise():
    at = app().run()
    at.selectbox(key="preset_pick").set_value("classifier_4_5_3").run()
    cols = [f"target_o{k}" for k in range(1, 4)]
    at = edit(at, "t", None, 0, cols[0], "1")
    at = edit(at, "t", None, 0, cols[1], "1")
    assert "sum to" in "\n".join(w.value for w in at.warning)
    at.button(key="normalise").click().run()
    t = at.session_state["spec"].targets
    assert t.sum() == pytest.approx(1.0) and not at.exception


def test_build_your_own_resizes_and_keeps_numbers():
    at = app().run()
    at.text_input(key="shape_sizes").set_value("2, 3, 2")
    at.button[[b.label for b in at.button].index("Build this network")].click().run()
    assert not at.exception and not at.error
    spec = at.session_state["spec"]
    assert spec.sizes == [2, 3, 2] and spec.layers[0].weights[0, 0] == 0.15
    at.text_input(key="shape_sizes").set_value("2; 2")
    at.button[[b.label for b in at.button].index("Build this network")].click().run()
    assert "units per layer" in errors(at) and at.session_state["spec"].sizes == [2, 3, 2]


def test_optimizer_and_l2_controls():
    """Adam and an L2 term chosen on the Network page reach the problem and the worked update (issue 16)."""
    import math
    at = app().run()
    v = at.session_state["version"]
    at.selectbox(key=f"set_opt_v{v}").set_value("adam").run()
    assert not at.exception
    at.toggle(key=f"set_l2_v{v}").set_value(True).run()
    at.text_input(key=f"set_l2lam_v{v}").set_value("0.05").run()
    assert not at.exception, [e.message for e in at.exception]
    spec = at.session_state["spec"]
    assert spec.optimizer[0] == "adam" and spec.l2 == (0.05, True, False)
    g = 0.0821670405642307 + 0.05 * 0.4                  # dE/dw5 with the L2 term
    w5 = 0.4 - 0.5 * g / (math.sqrt(g * g) + 1e-8)        # Adam's first step: eta * sign(g)
    at.switch_page("pages/solution.py").run()
    assert not at.exception
    tex = "\n".join(x.value for x in at.latex)
    assert r"\hat{m}_{w_{5}}" in tex and f"{w5:.9g}"[:8] in tex
