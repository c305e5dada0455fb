"""Edit-to-update as a person feels it (issue "The app as a person uses it", item 8): in headless Chromium, the time
from committing a new weight in the Network page's grid (the Enter key in w5's cell) to the moment the
At-a-glance metric "After one update" shows the new problem's value, against the same measure on a one-widget
Streamlit app (st.number_input -> st.metric) served in the same run under the app's own config.

Both are measured in the page itself: a MutationObserver on the metric's value stamps performance.now() when its text
changes; the start stamp is taken right before the key press. Each trial types a new number (so each rerun is a new
problem to solve). Printed as a Markdown table (median, p90, max and the ratio of medians); never asserted.

    python benchmarks/edit_latency.py [--trials 15] [--warmup 3]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

BASELINE = '''import streamlit as st
x = st.number_input("x", value=1.0, key="x")
st.metric("double", f"{2 * x:.9g}")
'''

WATCH = """([label]) => {
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')].find(m => m.innerText.includes(label));
  const value = metric.querySelector('[data-testid="stMetricValue"]');
  window.__old = value.innerText; window.__t1 = null;
  const obs = new MutationObserver(() => {
    const now = [...document.querySelectorAll('[data-testid="stMetric"]')].find(m => m.innerText.includes(label));
    const v = now && now.querySelector('[data-testid="stMetricValue"]');
    if (v && v.innerText !== window.__old && window.__t1 === null) { window.__t1 = performance.now(); obs.disconnect(); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
  window.__t0 = null;
}"""


def measure(page, label: str, prepare, commit) -> float:
    """prepare() gets the edit ready; commit() sends it; ms from the commit to the metric's new text."""
    prepare()
    page.evaluate(WATCH, [label])
    page.evaluate("() => { window.__t0 = performance.now(); }")
    commit()
    page.wait_for_function("() => window.__t1 !== null", timeout=60_000)
    ms = page.evaluate("() => window.__t1 - window.__t0")
    H.settle(page, quiet_ms=300)
    return ms


def app_trials(page, base: str, n: int) -> list[float]:
    H.open_page(page, base, "network", wait_text="After one update")
    cell = page.get_by_label("w5", exact=True)          # pages/grid.py: one text input per cell, named as the grid
    out = []
    for k in range(n):
        value = f"0.{41 + k:02d}"
        out.append(measure(page, "After one update", lambda: cell.fill(value), lambda: cell.press("Enter")))
    return out


def baseline_trials(page, base: str, n: int) -> list[float]:
    page.goto(base, wait_until="domcontentloaded")
    page.get_by_text("double").first.wait_for(timeout=60_000)
    H.settle(page)
    box = page.get_by_label("x")
    out = []
    for k in range(n):
        out.append(measure(page, "double", lambda: box.fill(str(2 + k)), lambda: box.press("Enter")))
    return out


def serve(script: Path, tmp: Path):
    port = H.free_port()
    proc = H.start_streamlit(script, port, tmp / f"{script.stem}.log", cwd=script.parent)
    H.wait_healthy(proc, port, timeout=120)
    return proc, f"http://127.0.0.1:{port}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    exe = H.chromium_path()
    if exe is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        tmp = Path(d)
        (tmp / "baseline").mkdir()
        (tmp / "baseline" / "baseline.py").write_text(BASELINE)
        shutil.copytree(ROOT / ".streamlit", tmp / "baseline" / ".streamlit")
        browser = p.chromium.launch(executable_path=exe, args=H.CHROMIUM_ARGS)
        for name, script, trials in (("one-widget app (st.number_input -> st.metric)", tmp / "baseline" / "baseline.py",
                                      baseline_trials),
                                     ("Network page: w5 typed into its cell", ROOT / "streamlit_app.py",
                                      app_trials)):
            proc, base = serve(script, tmp)
            try:
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                ms = trials(page, base, args.warmup + args.trials)[args.warmup:]
            finally:
                H.stop(proc)
            ms.sort()
            rows.append((name, statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], ms[-1]))
        browser.close()
    base_med = rows[0][1]
    print(f"edit-to-update in Chromium, {args.trials} trials after {args.warmup} warm-up ones\n")
    print("| what | median ms | p90 ms | max ms | x baseline |")
    print("|---|--:|--:|--:|--:|")
    for name, med, p90, mx in rows:
        print(f"| {name} | {med:.0f} | {p90:.0f} | {mx:.0f} | {med / base_med:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
