"""Above the step view's caps every page still works (issue 12): numbers, matrices, training, exports; never a crash.

Networks: 2-20-2 (units over 16), 2-2-2 with 40 samples (samples over 32), 8 layers (layers over 6).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.problem.spec import spec_from_dict  # noqa: E402
from calc.engine.numeric import run  # noqa: E402

APP = "../streamlit_app.py"
PAGES = ["pages/network.py", "pages/solution.py", "pages/matrix.py", "pages/training.py", "pages/export.py",
         "pages/check.py"]


def big(sizes, samples, seed=1):
    rng = np.random.default_rng(seed)
    layers = [{"weights": np.round(rng.uniform(-0.5, 0.5, (a, b)), 2).tolist(),
               "biases": np.round(rng.uniform(-0.2, 0.2, b), 2).tolist(), "activation": "sigmoid"}
              for a, b in zip(sizes, sizes[1:])]
    return {"name": f"heavy {'-'.join(map(str, sizes))} x {samples}",
            "inputs": np.round(rng.uniform(0, 1, (samples, sizes[0])), 2).tolist(),
            "targets": np.round(rng.uniform(0.1, 0.9, (samples, sizes[-1])), 2).tolist(),
            "layers": layers, "loss": "half_sse", "learning_rate": 0.5}


CASES = {"units": big([2, 20, 2], 1), "samples": big([2, 2, 2], 40), "layers": big([2] * 9, 1)}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_above_the_caps(case, page):
    d = CASES[case]
    spec = spec_from_dict(d)
    loss = float(run(spec).loss)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["pending_upload"] = json.dumps(d)
    at.run()
    from pages import common as C  # noqa: F401
    at.session_state["spec"] = spec
    from pages.common import canonical
    at.session_state["spec_json"] = canonical(spec)
    at.session_state["version"] = 99
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    if page in ("pages/solution.py", "pages/network.py"):
        shown = [float(m.value) for m in at.metric if m.value.replace(".", "", 1).replace("e-", "").isdigit()]
        assert any(abs(x - loss) < 1e-6 * max(1, loss) for x in shown), (shown, loss)
    if page == "pages/matrix.py":
        assert any("bmatrix" in x.value for x in at.latex)


def test_clear_cache_from_a_client_is_refused():
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.caching import cache_data

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert getattr(AppSession._handle_clear_cache_request, "refused", False)

    calls = []

    @cache_data
    def f(x):
        calls.append(x)
        return x

    f(1)
    AppSession._handle_clear_cache_request(object())       # what a client's clear_cache message runs
    f(1)
    assert calls == [1]                                     # still cached


def test_the_result_cache_is_bounded_in_bytes_and_entries():
    from calc.jobs.cache import BoundedCache
    c = BoundedCache(max_bytes=10_000, max_entries=5)
    for k in range(20):
        c.put(k, b"x" * 1_500)
    assert len(c) <= 5 and c.nbytes <= 10_000
    assert c.get(19) is not None and c.get(0) is None       # least recently used dropped first
    c.put("huge", b"x" * 20_000)                            # larger than the whole cache: not kept
    assert c.get("huge") is None
