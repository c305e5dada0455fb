"""The Practice page in real Chromium, by keyboard only: type Mazur's first two values, Enter, see "right".

Expected numbers: Mazur's printed net_h1 = 0.3775 and net_h2 = 0.3925 (seed 001).
"""
from __future__ import annotations

import helpers as H


def _type_value(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.wait_for()
    box.focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    H.settle(page)


def _verdict(page) -> str:
    return page.locator('[data-testid="stAlert"]').first.inner_text()


def test_practice_by_keyboard(page, app_url):
    H.open_page(page, app_url, "practice", "Hand precision")
    tex = H.tex_sources(page)
    assert any(r"\mathrm{net}_{h1} = w_{1} i_{1}" in t for t in tex)
    assert not any("0.3775" in t for t in tex)                  # the value is not shown before it is typed
    _type_value(page, "net_h1 =", "0.3775")
    page.get_by_label("net_h2 =", exact=True).wait_for()
    assert _verdict(page).startswith("right")
    assert "1 / 1" in page.locator('[data-testid="stMetric"]').first.inner_text()
    _type_value(page, "net_h2 =", "0.3925")
    page.get_by_label("out_h1 =", exact=True).wait_for()
    assert _verdict(page).startswith("right")
    assert "2 / 2" in page.locator('[data-testid="stMetric"]').first.inner_text()
    # a wrong third value: the slip-free verdict, and the first wrong step kept
    _type_value(page, "out_h1 =", "0.6")
    page.get_by_label("out_h2 =", exact=True).wait_for()
    assert _verdict(page).startswith("wrong")
    assert "first wrong step: out_h1 = 0.6000" in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
