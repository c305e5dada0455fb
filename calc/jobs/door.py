"""The engine's door: estimate a job, refuse it over budget, run it inline if it is small, else in a killable
worker while the caller polls (and is free to stop polling: the job is then cancelled and its process killed).

    door.run(budget.train(spec, 1000), tasks.train, spec_json, 1000, None, None, (), progress=bar)
progress(fraction, seconds) is called while a worker job runs; if it raises (Streamlit stops or reruns the
script when the user leaves or changes the input), the job is cancelled before the exception goes on.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from calc.jobs import pool
from calc.jobs.budget import BudgetError, Estimate  # noqa: F401  (BudgetError is part of this API)
from calc.jobs.cache import RESULTS


def run(est: Estimate, fn: Callable, *args, progress: Callable[[float, float], None] | None = None,
        key: Any = None, poll: float = 0.1, timeout: float | None = None) -> Any:
    """fn(*args) within the budget; cached under `key` (when given) in the process-wide bounded cache."""
    if key is not None:
        hit = RESULTS.get(key, _MISS)
        if hit is not _MISS:
            return hit
    est.check()
    if est.inline:
        value = fn(*args)
    else:
        fut = pool.submit(fn, *args, timeout=timeout)
        t0 = time.monotonic()
        try:
            while not fut.done():
                time.sleep(poll)
                if progress is not None:
                    spent = time.monotonic() - t0
                    progress(min(0.95, spent / max(est.seconds, 0.1)), spent)
            value = pool.result(fut)
        finally:
            if not fut.done():
                fut.cancel()
    return value if key is None else RESULTS.put(key, value)


_MISS = object()
