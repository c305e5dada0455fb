"""The engine's door (calc.jobs): estimates, refusals that say what to reduce, killable workers, cancellation."""
import os
import time

import pytest

from calc.jobs import budget, door, pool, settings
from calc.jobs.budget import BudgetError, Estimate
from calc.jobs.pool import JobFailed
from calc.presets import load_preset
from calc.problem.spec import spec_from_dict
from tests import jobtasks

BIG = Estimate("test job", settings.INLINE_WORK * 10, "sizes", "something")


def _wide(units: int, samples: int):
    return spec_from_dict({"inputs": [[0.1, 0.2]] * samples, "targets": [[0.5, 0.5]] * samples,
                           "learning_rate": 0.5, "loss": "half_sse",
                           "layers": [{"weights": [[0.01] * units] * 2, "activation": "sigmoid"},
                                      {"weights": [[0.01] * units] * units, "activation": "sigmoid"},
                                      {"weights": [[0.01, 0.02]] * units, "activation": "sigmoid"}]})


def test_estimates_scale_with_the_work():
    mazur = load_preset("mazur")
    assert budget.pass_work(mazur) == 3 * (4 + 4) + 10 * 6           # 2-2-2, one sample
    assert budget.train(mazur, 1000).work == pytest.approx(1.2 * 1000 * budget.pass_work(mazur))
    assert budget.train(mazur, 10).inline and budget.solve(mazur, 83).inline
    heavy = _wide(256, 5000)
    with pytest.raises(BudgetError, match="reduce the number of updates"):
        budget.train(heavy, 100_000).check()
    with pytest.raises(BudgetError, match="over this server's budget"):
        budget.central(heavy).check()
    assert not budget.solve(heavy).inline


def test_a_job_over_its_time_is_killed(tmp_path):
    note = tmp_path / "pid"
    fut = pool.submit(jobtasks.sleep_and_note, str(note), 30, timeout=1.0)
    with pytest.raises(JobFailed, match="stopped after"):
        pool.result(fut)
    pid = int(note.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker process is still alive")


def test_a_job_nobody_waits_for_is_cancelled(tmp_path):
    note = tmp_path / "pid"

    class Gone(Exception):
        pass

    def progress(fraction, spent):
        if note.exists() and spent > 0.3:
            raise Gone                  # as Streamlit stops a script when the user leaves or changes the input

    t0 = time.monotonic()
    with pytest.raises(Gone):
        door.run(BIG, jobtasks.sleep_and_note, str(note), 30, progress=progress)
    assert time.monotonic() - t0 < 10
    pid = int(note.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("the cancelled job's process is still alive")


def test_a_job_over_its_memory_fails_with_a_message():
    fut = pool.submit(jobtasks.allocate, int(settings.JOB_MEMORY_MB * 2))
    with pytest.raises(JobFailed, match="memory|ended unexpectedly"):
        pool.result(fut)
    assert pool.result(pool.submit(jobtasks.allocate, 10)) == 10 * 1024 * 1024   # the pool still works


def test_errors_of_the_job_reach_the_caller():
    with pytest.raises(ValueError, match="located message"):
        door.run(BIG, jobtasks.fail)


def test_results_are_cached_by_key():
    key = ("test", time.time())
    a = door.run(BIG, jobtasks.allocate, 1, key=key)
    t0 = time.monotonic()
    assert door.run(BIG, jobtasks.allocate, 1, key=key) == a
    assert time.monotonic() - t0 < 0.05


def test_located_errors_come_back_whole_from_a_worker():
    from calc import tasks
    from calc.problem.spec import SpecError
    bad = '{"inputs": [0.1], "targets": [0.5], "learning_rate": 0.5, "loss": "half_sse", ' \
          '"layers": [{"weights": [["abc"]], "activation": "sigmoid"}]}'
    with pytest.raises(SpecError) as e:
        door.run(BIG, tasks.solve, bad, None, 9)
    assert [p.field for p in e.value.problems] == ["layers[0].weights[0][0]"]
