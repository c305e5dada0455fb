"""Tasks for tests/test_jobs.py, importable by a worker process."""
import os
import time


def sleep_and_note(path: str, seconds: float) -> int:
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(seconds)
    return os.getpid()


def allocate(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    return len(block)


def fail() -> None:
    raise ValueError("a located message from the job")
