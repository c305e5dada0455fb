"""Browser-test helpers: start the app, wait for Streamlit to settle, read numbers out of KaTeX, edit a grid cell.

Also an independent reference for Mazur's 2-2-2 network (plain NumPy, not calc): sigmoid units, one shared bias
per layer, E = 1/2 sum (t - out)^2, and the update w+ = w - eta * dE/dw with dE/dw_ij = out_i * delta_j.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOAD_TIMEOUT_MS = 90_000      # a first page on a busy 2-core machine
STEP_TIMEOUT_MS = 60_000      # one rerun after an edit
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


# ---- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: str | Path, port: int, log_path: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """`python -m streamlit run script` on 127.0.0.1:port, in its own process group (so it is killed whole)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(log_path, "wb")
    return subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 60.0) -> float:
    """Poll /_stcore/health until it answers ok; returns the seconds waited. RuntimeError if the server dies."""
    t0 = time.perf_counter()
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"streamlit did not answer {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server we started (its process group: the server and any worker it spawned)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def chromium_path() -> str | None:
    return shutil.which("chromium")


# ---- waiting for Streamlit ------------------------------------------------------------------------
_BUSY_JS = ("() => !!document.querySelector('[data-testid=\"stStatusWidget\"], [data-stale=\"true\"], "
            ".stSpinner, [data-testid=\"stSkeleton\"]')")


def settle(page, quiet_ms: int = 700, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
    """Wait until Streamlit shows no running indicator, stale element or skeleton for `quiet_ms` in a row."""
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        if page.evaluate(_BUSY_JS):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"Streamlit was still running after {timeout_ms} ms")


def open_page(page, base: str, path: str = "", wait_text: str | None = None) -> None:
    """Go to base/path (a new session), wait for `wait_text` (or the title) and for the run to finish."""
    page.goto(f"{base}/{path.lstrip('/')}", wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_MS)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=LOAD_TIMEOUT_MS)
    if wait_text:
        page.get_by_text(wait_text, exact=False).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page, timeout_ms=LOAD_TIMEOUT_MS)


def go_sidebar(page, title: str, wait_text: str | None = None) -> None:
    """Switch page through the sidebar (same session, so the loaded problem is kept)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.locator('[data-testid="stMainBlockContainer"] h1', has_text=title).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    if wait_text:
        page.get_by_text(wait_text, exact=False).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page)


# ---- reading numbers ------------------------------------------------------------------------------------
def tex_sources(page) -> list[str]:
    """The TeX source of every KaTeX formula on the page (KaTeX keeps it in a MathML annotation)."""
    return page.locator('annotation[encoding="application/x-tex"]').evaluate_all("els => els.map(e => e.textContent)")


def tex_value(page, lhs: str) -> float | None:
    r"""The value at the end of the aligned line that starts with `lhs` (e.g. `w_{5}^{+}`), or None."""
    for src in tex_sources(page):
        body = re.sub(r"^\\begin\{aligned\}|\\end\{aligned\}$", "", src.strip()).strip()
        for line in re.split(r"\\\\(?:\[[^\]]*\])?", body):
            line = line.strip()
            if line.startswith(lhs + " &=") or line.startswith(lhs + " ="):
                m = re.search(r"=\s*(" + _NUMBER + r")\s*$", line)
                if m:
                    return float(m.group(1))
    return None


def wait_tex_value(page, lhs: str, expected: float, rel: float = 5e-9, timeout_ms: int = STEP_TIMEOUT_MS) -> float:
    """Poll until the line `lhs` shows `expected` (to `rel`); returns the value shown (AssertionError if never)."""
    deadline = time.monotonic() + timeout_ms / 1000
    got = None
    while time.monotonic() < deadline:
        got = tex_value(page, lhs)
        if got is not None and abs(got - expected) <= rel * max(1.0, abs(expected)):
            return got
        page.wait_for_timeout(200)
    raise AssertionError(f"{lhs} shows {got}, expected {expected!r}")


# ---- editing a data editor (glide-data-grid draws on a canvas) -----------------------------------------
def grid_cells(grid) -> dict[tuple[int, int], str]:
    """{(column, row): text} from the grid's accessible mirror (glide-cell-<col>-<row>; column 0 = row labels)."""
    out = {}
    for cid, text in grid.locator('[id^="glide-cell-"]').evaluate_all(
            "els => els.map(e => [e.id, e.textContent])"):
        _, _, c, r = cid.split("-")
        out[(int(c), int(r))] = text
    return out


def edit_cell(page, grid, row: int, col: int, text: str, header_px: int = 36, row_px: int = 35) -> None:
    """Type `text` into data cell (row, col) (0-based, col counted without the row-label column).

    Select the top-right cell by a click on the canvas, move there with the arrow keys, open the overlay editor
    with Enter, replace its text and commit with Enter. Typing straight onto a selected cell loses the first key.
    """
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    n_cols = max(c for c, _ in grid_cells(grid))
    grid.click(position={"x": box["width"] - 12, "y": header_px + row_px // 2})
    for _ in range(n_cols - 1 - col):
        page.keyboard.press("ArrowLeft")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    editor = page.locator("textarea.gdg-input")
    editor.wait_for(timeout=10_000)
    editor.fill(text)
    page.keyboard.press("Enter")


# ---- the independent reference ------------------------------------------------------------------------
def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def mazur_update(x, t, w1, b1, w2, b2, eta) -> tuple[np.ndarray, np.ndarray]:
    """One gradient step of the 2-2-2 sigmoid net (row = from, column = to): returns (W1+, W2+)."""
    x, t, w1, w2 = (np.asarray(a, dtype=float) for a in (x, t, w1, w2))
    h = _sig(x @ w1 + b1)
    o = _sig(h @ w2 + b2)
    d_o = (o - t) * o * (1 - o)            # dE/dnet_o
    d_h = (w2 @ d_o) * h * (1 - h)         # dE/dnet_h, through the old output weights
    return w1 - eta * np.outer(x, d_h), w2 - eta * np.outer(h, d_o)


# ---- a heavy problem (issue 12): 2-256-256-2 with 5,000 samples, a 1.8 KB share link -----------------------------
def heavy_problem(units: int = 256, samples: int = 5000) -> dict:
    """The problem dict of the heavy link the robustness issue replayed (repeated rows compress well)."""
    return {"inputs": [[0.1, 0.2]] * samples, "targets": [[0.5, 0.5]] * samples, "learning_rate": 0.5,
            "loss": "half_sse",
            "layers": [{"weights": [[0.01] * units] * 2, "activation": "sigmoid"},
                       {"weights": [[0.01] * units] * units, "activation": "sigmoid"},
                       {"weights": [[0.01, 0.02]] * units, "activation": "sigmoid"}]}
