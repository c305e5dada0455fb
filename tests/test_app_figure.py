"""AppTest: the network figure (pages/figure_panel.py) on the Network page and in the Worked solution's Diagram tab:
the SVG is shown, picking w1 lights its path and works its chain with Mazur's printed numbers, user text in the
figure is escaped."""
import base64
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.problem import share  # noqa: E402
from calc.problem.spec import spec_from_dict  # noqa: E402
from tests.apptools import shows  # noqa: E402

APP = "../streamlit_app.py"
SVG = "{http://www.w3.org/2000/svg}"
DW1, W1_PLUS = 0.000438568, 0.149780716          # Mazur's printed dE/dw1 and w1+ (seed 001)


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def svg_text(at) -> str:
    urls = [i.url for im in at.get("image") for i in im.proto.imgs if i.url.startswith("data:image/svg+xml;base64,")]
    assert len(urls) == 1
    return base64.b64decode(urls[0].split(",", 1)[1]).decode("utf-8")


def figure(at) -> ET.Element:
    return ET.fromstring(svg_text(at))


def printed(root: ET.Element) -> dict[str, str]:
    return {t.get("data-step"): t.text for t in root.iter(SVG + "text") if t.get("data-step")}


def lit(root: ET.Element) -> set[str]:
    return {e.get("data-key") for e in root.iter() if e.get("stroke") == "#6d28d9" and ">" not in e.get("data-key")}


def test_network_page_shows_the_figure_and_w1_chain():
    at = app().run()
    assert not at.exception and not at.error
    root = figure(at)
    assert root.find(SVG + "title").text.startswith("Mazur")
    assert printed(root)["w.l2.i1.u1"] == "w5 = 0.4000" and printed(root)["out.s1.l2.u1"] == "out_o1 = 0.7514"
    assert lit(root) == set()
    at.selectbox(key="figure_pick").set_value("w.l1.i1.u1").run()
    assert not at.exception and not at.error
    root = figure(at)
    assert lit(root) == {"E", "u2.1", "u2.2", "e2.1.1", "e2.1.2", "u1.1", "e1.1.1", "u0.1"}
    assert shows(at, DW1, rel=1e-6) and shows(at, W1_PLUS, rel=5e-9)
    tex = " ".join(x.value for x in at.latex)
    assert "0.000438567734" in tex and "0.149780716" in tex          # dE/dw1 and w1+ worked, 9 digits
    assert r"\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}" in tex
    assert "w1" in at.selectbox(key="figure_pick").format_func("w.l1.i1.u1")


def test_solution_diagram_tab_has_the_figure_and_picker():
    at = app().run()
    at.switch_page("pages/solution.py").run()
    assert not at.exception
    at.selectbox(key="sol_figure_pick").set_value("w.l2.i1.u1").run()
    root = figure(at)
    assert lit(root) == {"E", "u2.1", "e2.1.1", "u1.1"}
    assert shows(at, 0.35891648, rel=5e-9) and shows(at, 0.082167041, rel=5e-9)    # Mazur's w5+ and dE/dw5


def test_user_text_in_the_figure_is_escaped():
    d = json.loads((ROOT / "calc/presets/mazur.json").read_text())
    d["name"] = '<img src=x onerror="alert(1)"> & co'
    at = app()
    at.query_params["p"] = share.encode(spec_from_dict(d))
    at.run()
    assert not at.exception
    body = svg_text(at)
    assert "<img" not in body and "&lt;img src=x" in body
    assert figure(at).find(SVG + "title").text == d["name"]


def test_a_wide_network_is_drawn_compactly_and_its_chain_still_worked():
    d = json.loads((ROOT / "calc/presets/mazur.json").read_text())
    d["layers"][0] = {"weights": [[0.1 * ((i + j) % 5) for j in range(9)] for i in range(2)], "biases": 0.35,
                      "activation": "sigmoid"}
    d["layers"][1]["weights"] = [[0.1 * (j + 1), -0.1 * j] for j in range(9)]
    d.pop("published", None)
    spec = spec_from_dict(d)
    at = app()
    at.query_params["p"] = share.encode(spec)
    at.run()
    assert not at.exception and not at.error
    assert "9 units, sigmoid" in svg_text(at)                      # one box per layer above 8 units
    at.selectbox(key="figure_pick").set_value("w.l2.i9.u1").run()   # w = h9 -> o1 = 0.9
    assert not at.exception and not at.error
    assert lit(figure(at)) == {"E", "u1", "u2"}
    from calc.engine.gradcheck import central_differences
    gw, _ = central_differences(spec)                               # independent: central differences
    assert shows(at, float(gw[1][8, 0]), rel=1e-6)
