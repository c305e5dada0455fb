"""A bounded pool of killable worker processes (pebble's ProcessPool): a job over its time is killed, a job nobody
waits for any more is cancelled (its process killed), and a worker's memory is capped (RLIMIT_AS).

    fut = submit(fn, *args)        # fn: a module-level function of calc (picklable), args picklable
    fut.result(timeout) / fut.cancel() / fut.done()
Workers come from a forkserver that imported NumPy once, so a job starts in milliseconds, never a fork of a
threaded server.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.spawn
import resource
import threading

from pebble import ProcessPool

from calc.jobs import settings

_pool: ProcessPool | None = None
_lock = threading.Lock()


def _no_main(get_preparation_data):
    """Workers never re-import the parent's __main__: under Streamlit that is the app script itself (it would run
    in every worker), under a plain script it needs a main guard. Jobs are module-level functions of calc."""
    def prepare(name):
        data = get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data
    prepare.no_main = True
    return prepare


if not getattr(multiprocessing.spawn.get_preparation_data, "no_main", False):
    multiprocessing.spawn.get_preparation_data = _no_main(multiprocessing.spawn.get_preparation_data)


class JobFailed(RuntimeError):
    """The worker died, ran out of memory or of time; str() says which, for the user."""


def _limit_memory(mb: float) -> None:
    limit = int(mb * 1024 * 1024)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def pool() -> ProcessPool:
    global _pool
    with _lock:
        if _pool is None or not _pool.active:
            ctx = multiprocessing.get_context("forkserver")
            try:
                ctx.set_forkserver_preload(["numpy", "calc.tasks"])
            except (ValueError, RuntimeError):
                pass
            # max_tasks=1: each job gets a fresh worker (forked from the warm forkserver in milliseconds), so the
            # memory of a large job goes back to the system when it ends
            _pool = ProcessPool(max_workers=settings.WORKERS, max_tasks=1, initializer=_limit_memory,
                                initargs=(settings.JOB_MEMORY_MB,), context=ctx)
        return _pool


def submit(fn, *args, timeout: float | None = None):
    """Schedule fn(*args) in a worker; killed after `timeout` seconds (default: the setting)."""
    return pool().schedule(fn, args=args, timeout=timeout or settings.JOB_SECONDS)


def result(fut, seconds: float | None = None):
    """The job's value, or JobFailed with a reason a person can act on."""
    from concurrent.futures import CancelledError, TimeoutError as FutTimeout

    from concurrent.futures.process import BrokenProcessPool

    from pebble import ProcessExpired
    try:
        return fut.result(timeout=seconds)
    except FutTimeout:
        raise JobFailed(f"stopped after {settings.JOB_SECONDS:g} s (this server's limit per job): make the job "
                        "smaller") from None
    except TimeoutError:
        raise JobFailed(f"stopped after {settings.JOB_SECONDS:g} s (this server's limit per job): make the job "
                        "smaller") from None
    except CancelledError:
        raise JobFailed("cancelled") from None
    except MemoryError:
        raise JobFailed(f"ran out of memory (this server allows {settings.JOB_MEMORY_MB:g} MB per job): make the "
                        "job smaller") from None
    except ProcessExpired as e:
        raise JobFailed(f"the worker process ended unexpectedly (exit code {e.exitcode}), usually out of memory: "
                        "make the job smaller") from None
    except BrokenProcessPool:
        shutdown()
        raise JobFailed("the worker processes could not start; try again") from None


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()
            _pool.join(timeout=5)
            _pool = None
