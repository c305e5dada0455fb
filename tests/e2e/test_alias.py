"""/network (a bookmark, or an address someone shared) opens the Network page with the problem in its link, instead
of Streamlit's "Page not found"."""
from __future__ import annotations

import helpers as H

from calc.presets import load_preset
from calc.problem import share


def test_network_address_opens_the_landing_page_with_its_problem(page, app_url):
    spec = load_preset("dog_breed")
    token = share.encode(spec)
    page.goto(f"{app_url}/network?p={token}", wait_until="domcontentloaded", timeout=H.LOAD_TIMEOUT_MS)
    page.locator('[data-testid="stMainBlockContainer"] h1', has_text="Network").first.wait_for(
        timeout=H.LOAD_TIMEOUT_MS)
    H.settle(page)
    assert not page.get_by_text("Page not found").count()
    assert page.locator('[data-testid="stSidebar"]').get_by_text(spec.name[:30]).count()
    assert "p=" in page.url
