"""Make docs/screenshot-solution.png: the Worked solution page on Mazur's example in headless Chromium (1400 px wide).

    python docs/make_screenshot.py [--tab "Forward pass"]
Starts its own `streamlit run streamlit_app.py` on a free 127.0.0.1 port and stops it afterwards.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import helpers as H  # noqa: E402

OUT = ROOT / "docs" / "screenshot-solution.png"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tab", default="Forward pass", help="the tab of the worked solution to show")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    exe = H.chromium_path()
    if exe is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    port = H.free_port()
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = H.start_streamlit("streamlit_app.py", port, log)
    try:
        H.wait_healthy(proc, port, timeout=90)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=H.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            H.open_page(page, f"http://127.0.0.1:{port}", "solution", "Digits shown")
            page.get_by_role("tab", name=args.tab).click()
            H.settle(page)
            main_box = page.locator('[data-testid="stMainBlockContainer"]')
            height = int(main_box.evaluate("e => e.getBoundingClientRect().bottom")) + 8
            page.set_viewport_size({"width": 1400, "height": max(700, height)})
            H.settle(page)
            height = int(main_box.evaluate("e => e.getBoundingClientRect().bottom")) - 40
            page.screenshot(path=str(args.out), clip={"x": 0, "y": 0, "width": 1400, "height": max(700, height)})
            browser.close()
    finally:
        H.stop(proc)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
