"""Limits of the engine's door, each a setting: an environment variable overrides the default.

    BACKPROP_JOB_SECONDS      20       wall time of one job in a worker, then it is killed
    BACKPROP_JOB_MEMORY_MB    1536     address space of a worker process (RLIMIT_AS), then the job fails
    BACKPROP_WORKERS          2        worker processes at most, shared by every session of a server process
    BACKPROP_MAX_WORK         2e9      multiply-adds one job may cost (forward + backward, all samples, all steps)
    BACKPROP_INLINE_WORK      2e6      below this a job runs directly (no worker round trip)
    BACKPROP_MAX_STEPS_SHOWN  30000    scalar steps of a worked solution (beyond: matrices only)
    BACKPROP_CACHE_MB         256      bytes of results kept per server process (least recently used dropped)
    BACKPROP_CACHE_ENTRIES    256      results kept per server process
"""
from __future__ import annotations

import os


def _num(name: str, default: float) -> float:
    try:
        v = float(os.environ.get(name, default))
    except ValueError:
        return default
    return v if v > 0 else default


JOB_SECONDS = _num("BACKPROP_JOB_SECONDS", 20)
JOB_MEMORY_MB = _num("BACKPROP_JOB_MEMORY_MB", 1536)
WORKERS = int(_num("BACKPROP_WORKERS", 2))
MAX_WORK = _num("BACKPROP_MAX_WORK", 2e9)
INLINE_WORK = _num("BACKPROP_INLINE_WORK", 2e6)
MAX_STEPS_SHOWN = int(_num("BACKPROP_MAX_STEPS_SHOWN", 30_000))
CACHE_MB = _num("BACKPROP_CACHE_MB", 256)
CACHE_ENTRIES = int(_num("BACKPROP_CACHE_ENTRIES", 256))
