"""Warm reruns under Streamlit's AppTest: the app's pages against a trivial one-widget script (printed, never asserted).

A warm rerun = at.run() again on an AppTest that has already run the page once (caches filled, modules imported):
what a user waits for after touching a widget that does not change the problem. "edit" rows change one weight
per rerun (a new problem each time, so the solve is not cached), as a grid edit does.

    python benchmarks/bench_app.py [--repeats 15]
Target (issue 5): the worked-solution page's warm rerun on Mazur's problem within 0.5 s.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "streamlit_app.py")
BASELINE = 'import streamlit as st\n\nst.number_input("x", value=1.0, key="x")\n'


def timed(at: AppTest, repeats: int, before: Callable[[AppTest, int], None] | None = None) -> list[float]:
    out = []
    for k in range(repeats):
        if before:
            before(at, k)
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return out


def app_on(page: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    at.run()                       # one more: a warm start
    return at


def edit_w5(at: AppTest, k: int) -> None:
    """A grid edit of w5 (layer 2, row out_h1, column out_o1), a different number each time."""
    if k:                          # the previous edit really made a new problem
        assert at.session_state["spec"].layers[1].weights[0, 0] == float(f"0.4{k:03d}")
    key = f"ed_w2_v{at.session_state['version']}_mazur"
    at.session_state[key] = {"edited_rows": {"0": {"out_o1": f"0.4{k + 1:03d}"}}, "added_rows": [], "deleted_rows": []}


def row(name: str, times: list[float], base: float | None) -> str:
    med = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    ratio = f"{med / base:7.1f}x" if base else "      -"
    return f"| {name:<48} | {med * 1000:9.1f} | {p95 * 1000:9.1f} | {min(times) * 1000:9.1f} | {ratio} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="AppTest warm-rerun timings")
    ap.add_argument("--repeats", type=int, default=15)
    n = ap.parse_args(argv).repeats
    logging.getLogger("streamlit").setLevel(logging.ERROR)   # AppTest's "missing ScriptRunContext" chatter
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "baseline.py"
        script.write_text(BASELINE)
        at = AppTest.from_file(str(script)).run()
        at.run()
        base = timed(at, n)
    b = statistics.median(base)
    rows = [row("baseline: one number_input (trivial script)", base, None)]
    sol = app_on("pages/solution.py")
    rows.append(row("Worked solution, Mazur, warm rerun", timed(sol, n), b))
    rows.append(row("Worked solution, Mazur, central differences on",
                    timed(sol, n, lambda a, k: a.toggle(key="central_on").set_value(True)), b))
    net = app_on(None)
    rows.append(row("Network, Mazur, warm rerun", timed(net, n), b))
    rows.append(row("Network, Mazur, edit w5 (new problem each run)", timed(net, n, edit_w5), b))
    tr = app_on("pages/training.py")
    rows.append(row("Training, Mazur 10,000 updates, warm rerun", timed(tr, n), b))
    print(f"AppTest warm reruns, {n} runs each (Streamlit AppTest, this machine; x = median / baseline median)\n")
    print(f"| {'script':<48} | {'median ms':>9} | {'p95 ms':>9} | {'min ms':>9} | {'vs base':>7} |")
    print(f"|{'-' * 50}|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|{'-' * 8}:|")
    print("\n".join(rows))
    print("\nTarget: the worked-solution warm rerun within 500 ms.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
