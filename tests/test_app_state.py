"""AppTest: the user's work and what the app says about it (issue 13): the problem in the address, name and notes,
no stale sidebar / picker / class set, CSV targets, and each bad cell's message beside its own grid.

Expected values are independent: the token in the address is decoded by calc.problem.share, losses come from a
plain-NumPy pass, cell names are Mazur's (w2 = i2 -> h1, w5 = h1 -> o1), texts are written by hand.
"""
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.presets import load_preset  # noqa: E402
from calc.problem import share  # noqa: E402
from calc.problem.fields import Cell, cell_name, locate, shape_name  # noqa: E402
from calc.worked import notation as nt  # noqa: E402

APP = "../streamlit_app.py"


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def router() -> AppTest:
    """The router's order (state, sidebar place, the page, the sidebar filled) on every run: AppTest runs a page
    file directly after its first run (Streamlit's pages/ folder), without streamlit_app.py and its sidebar."""
    def script():
        import runpy
        import sys
        sys.path.insert(0, "__ROOT__")
        import streamlit as st
        from pages import common as C
        C.init_state()
        slot = C.sidebar()
        try:
            data = st.session_state.pop("to_upload", b"")
            if data:
                C.handle_upload(data)
            runpy.run_path("__ROOT__/pages/" + st.session_state.get("page", "network") + ".py", run_name="__main__")
        finally:
            C.sidebar_fill(slot)

    import inspect
    import textwrap
    src = textwrap.dedent(inspect.getsource(script).split("\n", 1)[1]).replace("__ROOT__", str(ROOT))
    return AppTest.from_string(src, default_timeout=60).run()


def cell(at, key: str):
    """A grid cell's text input by its key without the version: cell_w1_1_0 = layers[0].weights[1][0]."""
    return at.text_input(key=f"{key}_v{at.session_state['version']}")


def address(at):
    return share.decode(at.query_params[share.PARAM])


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def sidebar(at) -> str:
    return "\n".join([t.value for t in at.sidebar.text] + [c.value for c in at.sidebar.caption])


def build(at, sizes: str) -> AppTest:
    at.text_input(key="shape_sizes").set_value(sizes)
    return at.button[[b.label for b in at.button].index("Build this network")].click().run()


# ---- the address ------------------------------------------------------------------------------------------------
def test_every_change_is_in_the_address_and_survives_a_page_switch():
    at = app()
    assert address(at).to_dict() == load_preset("mazur").to_dict()
    cell(at, "cell_w2_0_0").set_value("0.3").run()                  # w5
    assert address(at).layers[1].weights[0, 0] == 0.3
    at.switch_page("pages/solution.py").run()
    assert not at.exception and address(at).layers[1].weights[0, 0] == 0.3
    fresh = AppTest.from_file(APP, default_timeout=60)               # a reload: a new session with the address
    fresh.query_params[share.PARAM] = at.query_params[share.PARAM]
    fresh.run()
    assert fresh.session_state["spec"].layers[1].weights[0, 0] == 0.3 and not fresh.error


def test_a_problem_too_large_for_a_link_keeps_the_last_good_address_and_says_so_once():
    import json
    at = router()
    good = at.query_params[share.PARAM]
    d = load_preset("dog_breed").to_dict()
    d["notes"] = "".join(f"{k * 7919 % 1000003:x}" for k in range(4000))     # incompressible: over 8 KB
    at.session_state["to_upload"] = json.dumps(d).encode()
    at.run()
    assert at.session_state["spec"].extra["notes"] == d["notes"]              # loaded
    assert at.query_params[share.PARAM] == good                               # the address keeps the last good one
    warned = [w.value for w in at.sidebar.warning]
    assert len(warned) == 1 and "8 KB" in warned[0]
    at.run()
    assert not at.sidebar.warning and "too large" in sidebar(at)            # once; then a caption
    assert at.query_params[share.PARAM] == good


# ---- name and notes ----------------------------------------------------------------------------------------------
def test_build_your_own_is_named_after_its_shape_and_drops_the_examples_notes():
    at = build(router(), "3, 2, 1")
    spec = at.session_state["spec"]
    assert spec.sizes == [3, 2, 1]
    assert spec.name == "3-2-1 network, sigmoid, half_sse" and "notes" not in spec.extra
    assert "3-2-1 network, sigmoid, half_sse" in sidebar(at)
    v = at.session_state["version"]
    at.selectbox(key=f"set_act1_v{v}").set_value("tanh").run()
    at.selectbox(key=f"set_act2_v{v}").set_value("sigmoid").run()
    at.selectbox(key=f"set_loss_v{v}").set_value("bce").run()
    assert at.session_state["spec"].name == "3-2-1 network, tanh/sigmoid, bce"       # follows its shape
    assert "3-2-1 network, tanh/sigmoid, bce" in sidebar(at)
    assert address(at).name == "3-2-1 network, tanh/sigmoid, bce"


def test_a_name_and_notes_typed_by_the_user_are_kept_and_exported():
    at = build(router(), "3, 2, 1")
    name_key = next(t.key for t in at.text_input if t.key.startswith("meta_name_"))
    at.text_input(key=name_key).set_value("Homework 3 <b>net</b>").run()
    notes_key = next(t.key for t in at.text_area if t.key.startswith("meta_notes_"))
    at.text_area(key=notes_key).set_value("Do w1 by hand.").run()
    spec = at.session_state["spec"]
    assert spec.name == "Homework 3 <b>net</b>" and spec.extra["notes"] == "Do w1 by hand."
    assert "Homework 3 <b>net</b>" in [t.value for t in at.sidebar.text]            # plain text
    at = build(at, "3, 3, 1")                                                        # the user's name stays
    assert at.session_state["spec"].name == "Homework 3 <b>net</b>"
    assert address(at).extra["notes"] == "Do w1 by hand."
    from calc.export import export
    from calc.worked.solve import solve
    md = export(solve(at.session_state["spec"]), "markdown")
    assert "Homework 3" in md and "Do w1 by hand." in md
    name_key = next(t.key for t in at.text_input if t.key.startswith("meta_name_"))
    at.text_input(key=name_key).set_value("").run()                                  # empty: back to its shape
    assert at.session_state["spec"].name == "3-3-1 network, sigmoid, half_sse"


# ---- stale state -------------------------------------------------------------------------------------------------
def test_the_sidebar_shows_an_edit_to_eta_at_once():
    at = router()
    at.text_input(key=f"set_eta_v{at.session_state['version']}").set_value("0.9").run()
    assert "eta 0.9" in sidebar(at) and "eta 0.5" not in sidebar(at)


def test_the_sidebar_shows_an_uploaded_problem_on_the_same_run():
    from calc.presets import preset_path
    at = router()
    assert "Mazur" in sidebar(at)
    at.session_state["to_upload"] = preset_path("dog_breed").read_bytes()
    at.run()
    assert load_preset("dog_breed").name in sidebar(at) and "Mazur" not in sidebar(at)


def test_the_example_picker_shows_the_example_loaded_and_none_once_it_changed():
    at = app()
    assert at.selectbox(key="preset_pick").value == "mazur"
    at.selectbox(key="preset_pick").set_value("dog_breed").run()
    assert at.selectbox(key="preset_pick").value == "dog_breed"
    at = build(at, "2, 2, 3")
    assert at.selectbox(key="preset_pick_edited").value is None              # a built network: no example
    at.selectbox(key="preset_pick_edited").set_value("mazur").run()
    assert at.selectbox(key="preset_pick").value == "mazur" and at.session_state["spec"].name.startswith("Mazur")
    cell(at, "cell_w1_0_0").set_value("0.16").run()
    assert at.selectbox(key="preset_pick_edited").value is None              # edited: no longer the example
    assert at.session_state["spec"].layers[0].weights[0, 0] == 0.16


def test_a_lagging_request_carrying_the_old_pick_does_not_reload_the_example():
    """The race that lost the first cells typed after a page load: the edit makes the problem no longer the
    example (the page then draws the picker preset_pick_edited), and a request sent before the browser drew that
    still carries the old pick, so Streamlit calls the old picker's callback. It must not reload the example; a
    new pick in the picker drawn last still does."""
    def script():
        import sys
        sys.path.insert(0, "__ROOT__")
        import streamlit as st
        from pages import common as C
        from pages import network
        C.init_state()
        late = st.session_state.pop("late_pick", None)
        if late:
            st.session_state[late[0]] = late[1]
            network._on_preset(late[0])                  # as Streamlit calls it before the run

    import inspect
    import textwrap
    src = textwrap.dedent(inspect.getsource(script).split("\n", 1)[1]).replace("__ROOT__", str(ROOT))
    at = AppTest.from_string(src, default_timeout=60).run()
    at.session_state["picker_drawn"] = ("preset_pick_edited", None)       # what the page drew after an edit
    at.session_state["late_pick"] = ("preset_pick", "mazur")               # the old picker, a step behind
    at.run()
    assert at.session_state["version"] == 1
    at.session_state["late_pick"] = ("preset_pick_edited", "dog_breed")    # a real pick
    at.run()
    assert at.session_state["version"] == 2 and at.session_state["spec"].name == load_preset("dog_breed").name
    at.session_state["picker_drawn"] = ("preset_pick", "dog_breed")
    at.session_state["late_pick"] = ("preset_pick", "dog_breed")           # the value it already showed
    at.run()
    assert at.session_state["version"] == 2


def test_the_class_set_download_matches_the_inputs():
    at = router()
    at.session_state["page"] = "export"
    at.run()
    at.number_input(key="gen_n").set_value(2).run()
    at.button(key="gen_go").click().run()
    dl = [b for b in at.get("download_button") if b.proto.label.startswith("Download 2 variants")]
    assert len(dl) == 1, [b.proto.label for b in at.get("download_button")]
    at.text_input(key="gen_arch").set_value("2-3-1").run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert not any("variant" in lb for lb in labels)
    assert any("generate it again" in c.value for c in at.caption)


# ---- CSV targets -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"0.2;0.8\n", b"0.2\t0.8\n", b"0.2,0.8\n", b"t1;t2\n0.2;0.8\n"])
def test_csv_targets_with_semicolons_tabs_or_commas(data):
    rows, note = share.targets_from_csv(data, outputs=2, samples=1)
    assert rows == [["0.2", "0.8"]]
    assert (note is not None and "header" in note) == data.startswith(b"t1")


def test_a_one_row_csv_with_a_bad_cell_is_data_not_a_header():
    rows, note = share.targets_from_csv(b"0.2,abc\n", outputs=2, samples=1)
    assert rows == [["0.2", "abc"]] and note is None            # read as data: the bad cell is refused later
    from calc.problem.spec import SpecError
    with pytest.raises(SpecError, match="0 rows"):
        share.targets_from_csv(b"x,y\n", outputs=2, samples=1)     # no cell is a number: a header, then no rows


# ---- cell-located messages ---------------------------------------------------------------------------------------
def test_a_bad_cell_is_named_as_its_grid_names_it_beside_that_grid():
    at = app()
    cell(at, "cell_w1_1_0").set_value("abc").run()                   # Mazur's w2 = i2 -> h1
    msgs = errors(at)
    assert len(msgs) == 1 and msgs[0].startswith("Weights W(1)")
    assert "w2 (i2 -> h1)" in msgs[0] and "abc" in msgs[0]
    assert cell(at, "cell_w1_1_0").label.startswith("⚠") and not cell(at, "cell_w1_0_0").label.startswith("⚠")
    assert at.session_state["spec"].layers[0].weights[1, 0] == 0.2   # nothing applied
    cell(at, "cell_x_0_1").set_value("1/0").run()                    # a second grid: its own message
    msgs = errors(at)
    assert any(m.startswith("Inputs") and "i2, sample 1" in m for m in msgs), msgs
    assert any(m.startswith("Weights W(1)") for m in msgs)


def test_cell_names_follow_the_notation():
    spec = load_preset("mazur")
    mazur, layer = nt.make(spec, "mazur"), nt.make(spec, "layer")
    assert locate("layers[1].weights[0][0]") == Cell("w", 2, 1, 1)
    assert cell_name(mazur, locate("layers[1].weights[0][0]")) == "w5 (h1 -> o1)"
    assert cell_name(mazur, locate("layers[1].weights[0][1]")) == "w7 (h1 -> o2)"
    assert cell_name(layer, locate("layers[0].weights[1][0]")) == "w(1)_2,1 (x_2 -> a(1)_1)"
    assert cell_name(mazur, locate("inputs[1]", single_sample=True)) == "i2, sample 1"
    assert cell_name(layer, locate("targets[2][0]")) == "t_1, sample 3"
    assert cell_name(mazur, locate("layers[0].biases")) == "b1 (shared)"
    assert locate("layers[0].weights") is None and locate("learning_rate") is None
    assert shape_name(spec) == "2-2-2 network, sigmoid, half_sse"


def test_a_large_matrix_is_edited_as_text_one_row_per_line():
    at = build(app(), "2, 10, 1")                                   # W(1) is 2 x 10: a text area
    v = at.session_state["version"]
    area = at.text_area(key=f"cell_w1_0_0_v{v}_area")
    rows = [[0.1 * (j + 1) for j in range(10)], [-0.05 * (j + 1) for j in range(10)]]
    area.set_value("\n".join(" ".join(f"{x:g}" for x in r) for r in rows)).run()
    assert not errors(at)
    assert np.allclose(at.session_state["spec"].layers[0].weights, rows, rtol=0, atol=1e-15)
    at.text_area(key=f"cell_w1_0_0_v{v}_area").set_value("1 2 3").run()
    msgs = errors(at)
    assert len(msgs) == 1 and "1 lines; write 2" in msgs[0]
    assert np.allclose(at.session_state["spec"].layers[0].weights, rows, rtol=0, atol=1e-15)   # kept


def test_hagan_grids_are_transposed_but_each_cell_edits_its_own_weight():
    at = app()
    at.selectbox(key="notation_network").set_value("hagan").run()
    cell(at, "cell_w1_1_0").set_value("0.7").run()                   # weights[1][0]: from p_2 to a(1)_1
    w = at.session_state["spec"].layers[0].weights
    assert w[1, 0] == 0.7 and w[0, 1] == 0.25 and not errors(at)
    assert cell(at, "cell_w1_1_0").label == "w(1)_1,2"              # Hagan's W(1) is to x from: row 1, column 2
    cell(at, "cell_w1_0_1").set_value("x").run()                     # weights[0][1]: w(1)_2,1
    assert any("w(1)_2,1 (p_1 -> a(1)_2)" in m for m in errors(at)), errors(at)
