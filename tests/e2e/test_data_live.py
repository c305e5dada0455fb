"""The Data page in Chromium: a long run's loss and accuracy curves are drawn while it trains (chunk by chunk),
then the whole report appears with the accuracy a plain run of calc.train.fit gives."""
from __future__ import annotations

import time

import helpers as H

from calc.data.table import load
from calc.train import fit as F


def test_the_curves_grow_while_a_long_run_trains(page, app_url, screenshots):
    H.open_page(page, app_url, "data", wait_text="Test accuracy")
    box = page.get_by_label("Epochs")
    box.fill("1500")
    box.press("Enter")
    seen = set()                                # the epochs the live progress line named
    charts_while_training = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        live = page.get_by_text("Training: epoch", exact=False)
        if live.count():
            try:
                text = live.first.inner_text(timeout=500)
            except Exception:                   # redrawn between two calls
                text = ""
            if "of 1500" in text:
                seen.add(text.split("epoch")[1].split("of")[0].strip())
                charts_while_training = max(charts_while_training,
                                            page.locator('[data-testid="stVegaLiteChart"]').count())
        elif len(seen) >= 2 and page.get_by_text("Train accuracy").count():
            break
        page.wait_for_timeout(100)
    assert len(seen) >= 2, f"the progress named the epochs {seen}"          # more than one chunk was drawn
    assert charts_while_training >= 2                                     # loss and accuracy, drawn while training
    H.settle(page)
    page.screenshot(path=str(screenshots / "data_live_done.png"), full_page=False)
    opts = F.FitOptions(layers=(7, 8, 3), activations=("relu", "softmax"), epochs=1500, batch_size=16,
                        test_fraction=0.3, seed=1, standardize=True)
    report = F.fit(load("seeds"), opts, "seeds")
    shown = page.locator('[data-testid="stMetric"]', has_text="Test accuracy").inner_text()
    assert f"{100 * report['test_accuracy']:.4g} %" in shown
