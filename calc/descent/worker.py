"""One warm SymPy worker process for work on user expressions (diff, simplify, numbers), with a time limit.

    run("diff", {"text": "theta**2"})  ->  {"text": "2*theta", "latex": "2 \\theta"}

A job that runs longer than `timeout` seconds gets its process killed (a thread cannot be killed, and
ProcessPoolExecutor does not kill) and a fresh warm one started; the caller gets WorkerTimeout
"took longer than 2 s: simplify a smaller expression". Only a job NAME from JOBS crosses the pipe,
never code; the payload carries the canonical text of an expression that the worker re-parses with
calc.parse.text.parse_expression. Processes come from a forkserver that has imported SymPy once, so a
restart costs a fork, not the ~0.5 s SymPy import. Jobs are serialised by a lock (one worker).
"""
from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Callable

from calc.parse.text import Expression, ParseError, parse_expression

DEFAULT_TIMEOUT = 2.0
MEMORY_LIMIT = 3 << 30  # bytes of address space for the worker (a runaway expand fails instead of swapping)
# "__main__" first, as multiprocessing's own default: the forkserver imports the main script once, so each
# new worker does not re-import it (scripts need the usual `if __name__ == "__main__":` guard).
_PRELOAD = ["__main__", "sympy", "calc.parse.text", "calc.descent.descend", "calc.descent.worker"]


class WorkerError(RuntimeError):
    """The worker could not answer (crashed, ran out of memory, or a job failed); str() is the message."""


class WorkerTimeout(WorkerError):
    """A job ran past its time limit; the worker was killed and restarted."""


# ---- jobs: run inside the worker process only -------------------------------------------------

def _expr(payload: dict) -> Expression:
    return parse_expression(payload["text"], payload.get("variable", "theta"))


def _shown(value: Any) -> dict:
    import sympy
    return {"text": sympy.sstr(value), "latex": sympy.latex(value)}


def _job_latex(payload: dict) -> dict:
    return _shown(_expr(payload).expr)


def _job_diff(payload: dict) -> dict:
    """d/dtheta of the expression (theta real, so d|theta|/dtheta = sign(theta))."""
    e = _expr(payload)
    return _shown(e.expr.diff(e.symbol))


def _job_simplify(payload: dict) -> dict:
    import sympy
    return _shown(sympy.simplify(_expr(payload).expr))


def _job_expand(payload: dict) -> dict:
    return _shown(_expr(payload).expr.expand())


def _job_evaluate(payload: dict) -> float:
    """f(at) in float64 through calc.descent.descend's evaluator (no lambdify); ValueError if undefined there."""
    from calc.descent.kernel import Undefined, evaluate
    e = _expr(payload)
    try:
        return evaluate(e.expr, float(payload["at"]), set())
    except Undefined as u:
        raise ValueError(str(u)) from None


def _job_descend(payload: dict) -> dict:
    from calc.descent.kernel import descend_job
    return descend_job(_expr(payload), payload)


JOBS: dict[str, Callable[[dict], Any]] = {"latex": _job_latex, "diff": _job_diff, "simplify": _job_simplify,
                                          "expand": _job_expand, "evaluate": _job_evaluate, "descend": _job_descend}


def _serve(conn) -> None:
    """The worker's loop: receive (job name, payload), send ("ok" | "refused" | "error", result)."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))
    except (ImportError, ValueError, OSError):
        pass
    import sympy  # noqa: F401  (already imported by the forkserver; a spawned worker pays it once here)
    conn.send(("ready", None))
    while True:
        try:
            name, payload = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", JOBS[name](payload)))
        except ParseError as e:
            conn.send(("refused", str(e)))
        except MemoryError:
            conn.send(("error", "ran out of memory: simplify a smaller expression"))
        except Exception as e:  # a job's own failure travels back as a message, never a traceback
            conn.send(("error", str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"))


# ---- the parent side -----------------------------------------------------------------------------

_LOCK = threading.Lock()
_state: dict[str, Any] = {"proc": None, "conn": None, "ready": False}


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _start() -> None:
    ctx = _context()
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="calc-sympy-worker")
    proc.start()
    child.close()
    _state.update(proc=proc, conn=parent, ready=False)


def _stop() -> None:
    proc, conn = _state["proc"], _state["conn"]
    if proc is not None:
        proc.kill()
        proc.join(5)
    if conn is not None:
        conn.close()
    _state.update(proc=None, conn=None, ready=False)


def _restart() -> None:
    _stop()
    _start()  # warm the next one now, so the next job does not wait for it


def _how_it_ended() -> str:
    proc = _state["proc"]
    if proc is None:
        return ""
    proc.join(0.5)
    code = proc.exitcode
    return f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}" if code else ""


def _ensure_ready(startup: float = 60.0) -> None:
    if _state["proc"] is None or not _state["proc"].is_alive():
        _restart()
    if not _state["ready"]:
        try:
            if not _state["conn"].poll(startup):
                raise EOFError
            _state["conn"].recv()
        except (EOFError, OSError):
            _stop()
            raise WorkerError(f"the SymPy worker did not start within {startup:g} s") from None
        _state["ready"] = True


def run(job_name: str, payload: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Run JOBS[job_name](payload) in the warm worker within `timeout` seconds (start-up not counted).

    Raises ParseError when the worker's parser refuses the payload, WorkerTimeout after killing and
    restarting an over-time worker, WorkerError when the job failed or the worker died."""
    if job_name not in JOBS:
        raise ValueError(f"unknown job {job_name!r}; known: {', '.join(JOBS)}")
    with _LOCK:
        _ensure_ready()
        conn = _state["conn"]
        try:
            conn.send((job_name, payload))
            done = conn.poll(timeout)
            answer = conn.recv() if done else None
        except (EOFError, OSError):
            how = _how_it_ended()
            _restart()
            raise WorkerError(f"the SymPy worker stopped ({how or 'out of memory, or killed'}); it has been "
                              "restarted: try again, or simplify the expression") from None
        if answer is None:
            _restart()
            raise WorkerTimeout(f"took longer than {timeout:g} s: simplify a smaller expression")
    status, result = answer
    if status == "ok":
        return result
    if status == "refused":
        raise ParseError(result)
    raise WorkerError(result)


def shutdown() -> None:
    """Stop the worker (tests, or a server shutting down); the next run() starts a new one."""
    with _LOCK:
        _stop()
