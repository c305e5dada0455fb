"""calc.descent.worker: jobs answer, a runaway job is killed within its limit, and the next job still runs."""
from __future__ import annotations

import time

import pytest

from calc.descent import worker
from calc.parse.text import ParseError

HUGE = "((theta+1)**50+1)**50"  # accepted by the parser; its expansion has 2501 terms with huge coefficients


def test_jobs_answer_with_sympy_results():
    assert worker.run("diff", {"text": "theta**2 - 3*theta"}) == {"text": "2*theta - 3", "latex": "2 \\theta - 3"}
    assert worker.run("diff", {"text": "abs(theta)"})["text"] == "sign(theta)"  # theta is real
    assert worker.run("expand", {"text": "(theta + 1)**2"})["text"] == "theta**2 + 2*theta + 1"
    assert worker.run("evaluate", {"text": "log(1 + exp(theta))", "at": 0.0}) == pytest.approx(0.6931471805599453, rel=1e-15)


def test_the_worker_reparses_and_refuses():
    with pytest.raises(ParseError, match="write 2\\*theta"):
        worker.run("diff", {"text": "2theta"})
    with pytest.raises(worker.WorkerError, match=r"log\(-2\) is undefined"):
        worker.run("evaluate", {"text": "log(theta)", "at": -2.0})
    with pytest.raises(ValueError, match="unknown job"):
        worker.run("__import__", {"text": "theta"})


@pytest.mark.parametrize("job", ["expand", "simplify"])
def test_runaway_job_times_out_and_worker_restarts(job):
    worker.run("latex", {"text": "theta"})  # warm: start-up is not part of the limit
    old = worker._state["proc"].pid
    t0 = time.monotonic()
    with pytest.raises(worker.WorkerTimeout, match="took longer than 1 s: simplify a smaller expression"):
        worker.run(job, {"text": HUGE}, timeout=1.0)
    assert time.monotonic() - t0 < 5.0
    assert worker._state["proc"].pid != old  # killed and replaced
    assert worker.run("diff", {"text": "theta**3"})["text"] == "3*theta**2"
