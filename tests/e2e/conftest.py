"""Fixtures for the browser tests: one Streamlit server and one headless Chromium for the whole session.

Without Debian's chromium (or Python Playwright) the tests skip; with REQUIRE_BROWSER=1 (set by .ci/run) they fail.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import helpers as H  # noqa: E402

SCREENSHOTS = HERE / "screenshots"


def _unavailable(why: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Base URL of `streamlit run streamlit_app.py` on a free port; the server is killed at the end."""
    port = H.free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    proc = H.start_streamlit("streamlit_app.py", port, log)
    try:
        H.wait_healthy(proc, port, timeout=90)
    except RuntimeError as e:
        H.stop(proc)
        pytest.fail(f"{e}\n--- server log ---\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)
    yield f"http://127.0.0.1:{port}"
    H.stop(proc)


@pytest.fixture(scope="session")
def browser():
    exe = H.chromium_path()
    if exe is None:
        _unavailable("chromium is not installed (shutil.which('chromium') is None)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=H.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser context (own cookies, own Streamlit session); any JavaScript dialog fails the test."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(H.STEP_TIMEOUT_MS)
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.dialogs = dialogs
    yield pg
    ctx.close()
    assert not dialogs, f"a JavaScript dialog fired: {dialogs}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
