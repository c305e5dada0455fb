"""Time from `streamlit run` to the first page shown in headless Chromium: the app against a hello-world script.

Per trial: start a fresh `python -m streamlit run` (t = 0), poll /_stcore/health, open the root URL in an already
launched browser (launching Chromium is not counted), and record
  healthy   the server answers /_stcore/health
  title     the page's title (h1) is on screen: the first page shown
  settled   the first script run has finished (no running indicator; for the app, Mazur's loss is shown)
Median of --trials fresh starts, app and baseline alternating, printed as a table (never asserted).

    python benchmarks/first_paint.py [--trials 3]
Target (issue 5): the first page within 5 s of `streamlit run`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import helpers as H  # noqa: E402

HELLO = 'import streamlit as st\n\nst.title("Hello")\nst.write("world")\n'


def trial(browser, script: Path, cwd: Path, done_text: str, log_dir: Path) -> tuple[float, float, float]:
    port = H.free_port()
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    t0 = time.perf_counter()
    proc = H.start_streamlit(script, port, log_dir / f"{script.stem}-{port}.log", cwd=cwd)
    try:
        H.wait_healthy(proc, port, timeout=120)
        healthy = time.perf_counter() - t0
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=120_000)
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=120_000)
        title = time.perf_counter() - t0
        page.get_by_text(done_text).first.wait_for(timeout=120_000)
        H.settle(page, quiet_ms=0, timeout_ms=120_000)
        settled = time.perf_counter() - t0
    finally:
        ctx.close()
        H.stop(proc)
    return healthy, title, settled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="time to first page after `streamlit run`")
    ap.add_argument("--trials", type=int, default=3)
    n = ap.parse_args(argv).trials
    exe = H.chromium_path()
    if exe is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    res: dict[str, list[tuple[float, float, float]]] = {"hello": [], "app": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        hello = tmp / "hello.py"
        hello.write_text(HELLO)
        browser = p.chromium.launch(executable_path=exe, args=H.CHROMIUM_ARGS)
        for _ in range(n):
            res["hello"].append(trial(browser, hello, tmp, "world", tmp))
            res["app"].append(trial(browser, ROOT / "streamlit_app.py", ROOT, "0.298371109", tmp))
        browser.close()
    names = {"hello": "baseline: hello-world script", "app": "the app (Network page, Mazur's example)"}
    print(f"Time from `streamlit run` to the first page in headless Chromium, median of {n} fresh starts\n")
    print(f"| {'script':<42} | {'healthy s':>9} | {'title s':>9} | {'settled s':>9} |")
    print(f"|{'-' * 44}|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|")
    for key in ("hello", "app"):
        cols = [statistics.median(t[i] for t in res[key]) for i in range(3)]
        print(f"| {names[key]:<42} | " + " | ".join(f"{c:9.2f}" for c in cols) + " |")
    print("\nhealthy = /_stcore/health answers; title = the page's h1 is shown; settled = the first run finished."
          "\nTarget: the first page within 5 s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
