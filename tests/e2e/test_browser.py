"""The app in real headless Chromium: Mazur's numbers, a grid edit, the JSON download, share links, screenshots.

Expected numbers come from outside the app: Mazur's printed w5+ (seed 001) and a plain-NumPy step (helpers.py).
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import helpers as H
from calc.problem import share
from calc.presets import load_preset, preset_path
from calc.problem.spec import load_spec

W5_PLUS = 0.35891648          # Mazur's printed w5+ (seed 001)
W5 = r"w_{5}^{+}"
PAGES = [("", "Network", "At a glance"), ("solution", "Worked solution", "Digits shown"),
         ("matrix", "Matrix form", None), ("training", "Training", None), ("activations", "Activation functions", None),
         ("descent", "Gradient descent", None), ("check", "Check my answers", None), ("export", "Export", None)]


def mazur_reference(w2_00: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(W1+, W2+) from the plain-NumPy step on Mazur's preset file, optionally with w5 (W2[0][0]) replaced."""
    d = json.loads(preset_path("mazur").read_text())
    (l1, l2) = d["layers"]
    w2 = np.array(l2["weights"], dtype=float)
    if w2_00 is not None:
        w2[0, 0] = w2_00
    return H.mazur_update(d["inputs"], d["targets"], l1["weights"], l1["biases"], w2, l2["biases"],
                          d["learning_rate"])


def test_reference_reproduces_mazur():
    """The oracle itself: the NumPy step gives Mazur's printed w5+ and w1+ (no browser needed)."""
    w1p, w2p = mazur_reference()
    assert w2p[0, 0] == pytest.approx(W5_PLUS, abs=5e-9)
    assert w1p[0, 0] == pytest.approx(0.149780716, abs=5e-10)


def test_opens_on_mazur_and_shows_w5_plus(page, app_url):
    H.open_page(page, app_url, "solution", "Digits shown")
    assert H.tex_value(page, W5) == pytest.approx(W5_PLUS, abs=5e-9)
    page.get_by_role("tab", name="Updates").click()
    assert page.get_by_text("0.35891648").count() >= 1            # shown as text in the update line
    assert "Mazur" in page.locator('[data-testid="stSidebar"]').inner_text()


def test_edit_a_weight_in_the_grid_changes_the_solution(page, app_url):
    H.open_page(page, app_url, "", "At a glance")
    w5 = page.get_by_label("w5", exact=True)                    # one text input per cell (pages/grid.py)
    assert w5.input_value() == "0.4"                             # w5: from out_h1 to out_o1
    w5.fill("0.3")
    w5.press("Enter")
    H.settle(page)
    assert page.get_by_label("w5", exact=True).input_value() == "0.3"
    H.go_sidebar(page, "Worked solution", "Digits shown")
    _, w2p = mazur_reference(w2_00=0.3)
    shown = H.wait_tex_value(page, W5, float(f"{w2p[0, 0]:.9g}"))
    assert abs(shown - W5_PLUS) > 1e-3                             # really a different solution
    assert H.tex_value(page, r"w_{1}^{+}") == pytest.approx(float(f"{mazur_reference(0.3)[0][0, 0]:.9g}"), rel=5e-9)


def test_download_json_matches_the_preset(page, app_url):
    H.open_page(page, app_url, "", "At a glance")
    page.get_by_role("tab", name="Open · save · share").click()
    button = page.get_by_role("button", name="Download problem (JSON)")
    button.wait_for()
    with page.expect_download(timeout=H.STEP_TIMEOUT_MS) as info:
        button.click()
    data = json.loads(open(info.value.path(), "rb").read())
    preset = json.loads(preset_path("mazur").read_text())
    for key in ("inputs", "targets", "learning_rate", "loss", "update_biases", "update_order"):
        assert data[key] == preset[key], key
    for got, want in zip(data["layers"], preset["layers"], strict=True):
        assert np.array(got["weights"], dtype=float).tolist() == want["weights"]
        assert float(got["biases"]) == want["biases"] and got["activation"] == want["activation"]
    assert load_spec(json.dumps(data)).to_dict() == load_preset("mazur").to_dict()   # same problem, round trip


def test_share_link_loads_its_problem(page, app_url):
    base = load_preset("mazur")
    w2 = base.layers[1].weights.copy()
    w2[0, 0] = 0.25
    layers = (base.layers[0], dataclasses.replace(base.layers[1], weights=w2))
    d = dataclasses.replace(base, layers=layers).to_dict()
    d["layers"][1]["weights"][0][0] = 0.25
    d["name"] = "Shared by link 0.25"
    token = share.encode(load_spec(json.dumps(d)))
    H.open_page(page, app_url, f"solution?{share.PARAM}={token}", "Digits shown")
    assert "Shared by link 0.25" in page.locator('[data-testid="stSidebar"]').inner_text()
    _, w2p = mazur_reference(w2_00=0.25)
    H.wait_tex_value(page, W5, float(f"{w2p[0, 0]:.9g}"))
    assert abs(H.tex_value(page, W5) - W5_PLUS) > 1e-3


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "[x](javascript:alert(1)) <img src=x onerror=alert(2)>"])
def test_hostile_name_in_a_share_link_is_plain_text(page, app_url, hostile):
    d = load_preset("mazur").to_dict()
    d["name"] = hostile
    token = share.encode(load_spec(json.dumps(d)))
    for path in ("", "export"):
        H.open_page(page, app_url, f"{path}?{share.PARAM}={token}")
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text(hostile, exact=True).wait_for()    # shown literally, markup and all
        page.wait_for_timeout(500)                             # give any injected handler a chance to fire
        injected = page.evaluate("""() => ({
            scripts: Array.from(document.scripts).filter(s => s.textContent.includes('alert')).length,
            js_links: document.querySelectorAll('a[href^="javascript:" i]').length,
            imgs: document.querySelectorAll('img[onerror]').length})""")
        assert injected == {"scripts": 0, "js_links": 0, "imgs": 0}, (path, injected)
    assert page.dialogs == []


def test_landing_page_is_the_network_page_with_w5_plus(page, app_url):
    """The app opens at / on the Network page (Streamlit serves the default page at / only), Mazur loaded,
    with the first output-layer update worked in one line: w5+ = 0.35891648."""
    H.open_page(page, app_url, "", "At a glance")
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() == "Network"
    assert H.tex_value(page, W5) == pytest.approx(W5_PLUS, abs=5e-9)
    assert page.get_by_text("Page not found").count() == 0


def _full_height(page) -> int:
    return int(page.evaluate("""() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer',
        'stSidebarContent'].map(t => { const e = document.querySelector(`[data-testid="${t}"]`);
        return e ? e.scrollHeight : 0; }), document.body.scrollHeight)"""))


def full_screenshot(page, path, max_height: int = 12_000) -> None:
    """Streamlit scrolls inside its main block, so grow the viewport to the content's height, then shoot."""
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(max_height, _full_height(page) + 40)})
    page.wait_for_timeout(300)
    H.settle(page)
    page.set_viewport_size({"width": width, "height": min(max_height, _full_height(page) + 40)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def test_screenshot_of_every_page(page, app_url, screenshots):
    """Every page in one session (switching through the sidebar keeps Mazur's problem); no page shows an error."""
    H.open_page(page, app_url, "", "At a glance")
    for path, title, wait_text in PAGES:
        link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)
        if path and link.count() == 0:
            continue                                           # a page not landed yet (check, export)
        if path:
            H.go_sidebar(page, title, wait_text)
        full_screenshot(page, screenshots / f"{path or 'network'}.png")
        assert page.locator('[data-testid="stException"]').count() == 0, title
        assert (screenshots / f"{path or 'network'}.png").stat().st_size > 10_000
