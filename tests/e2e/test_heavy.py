"""Issue 12 in a real browser: while one session opens a heavy link, another session's first page shows its
numbers, and the heavy page shows a result or a refusal, never an exception box."""
from __future__ import annotations

import time

import helpers as H
from calc.problem import share
from calc.problem.spec import spec_from_dict


def heavy_link() -> str:
    return share.encode(spec_from_dict(H.heavy_problem()))


def test_a_heavy_link_does_not_stall_another_session(browser, app_url):
    token = heavy_link()
    heavy_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    other_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        heavy = heavy_ctx.new_page()
        heavy.set_default_timeout(H.LOAD_TIMEOUT_MS)
        heavy.goto(f"{app_url}/solution?{share.PARAM}={token}")
        time.sleep(1.0)                                  # the heavy session is now working
        other = other_ctx.new_page()
        other.set_default_timeout(H.LOAD_TIMEOUT_MS)
        t0 = time.monotonic()
        H.open_page(other, app_url, "", wait_text="At a glance")
        H.wait_tex_value(other, r"w_{5}^{+}", 0.35891648)   # Mazur's printed w5+, on the other user's page
        other_seconds = time.monotonic() - t0
        # the heavy page ends with numbers or a refusal, never an exception box
        heavy.wait_for_function(
            "() => document.querySelector('[data-testid=stMetric]') || "
            "[...document.querySelectorAll('[data-testid=stAlert]')].some(a => /Not computed|failed|reduce/.test(a.innerText))",
            timeout=H.LOAD_TIMEOUT_MS)
        H.settle(heavy)
        assert heavy.locator("[data-testid=stException]").count() == 0
        assert other_seconds < 30, other_seconds
    finally:
        heavy_ctx.close()
        other_ctx.close()


def test_no_third_party_assets(browser, app_url):
    """Every request the app's pages make goes to the app's own server (issue 12: no third-party assets)."""
    from urllib.parse import urlparse
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    hosts: set[str] = set()
    ctx.on("request", lambda req: hosts.add(urlparse(req.url).netloc))
    try:
        page = ctx.new_page()
        page.set_default_timeout(H.LOAD_TIMEOUT_MS)
        for path, wait in (("", "At a glance"), ("solution", "Digits shown"), ("activations", None)):
            H.open_page(page, app_url, path, wait_text=wait)
    finally:
        ctx.close()
    own = urlparse(app_url).netloc
    assert hosts and hosts <= {own}, hosts - {own}
