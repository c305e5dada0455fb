"""Writing a user's file so that a failure leaves the old file intact: write a temporary file beside it, flush it
to disk, then rename it over the target (atomic on POSIX). A failure (disk full, a size limit, no permission)
removes the temporary file and says why in one line, naming the file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


class WriteError(OSError):
    """A file could not be written; str() is the user-facing message (the CLI prints it and exits 2)."""


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if target.exists() and not target.is_file():                    # a device (/dev/full), a folder, a FIFO
        _write_special(target, raw)
        return
    folder = target.parent if str(target.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise WriteError(f"{target}: not written ({e.strerror or e}); the previous file, if any, is unchanged") \
            from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write_special(target: Path, raw: bytes) -> None:
    try:
        with open(target, "wb") as fh:
            fh.write(raw)
            fh.flush()
    except OSError as e:
        raise WriteError(f"{target}: not written ({e.strerror or e})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fail(err: Exception) -> int:
    """Unusable input for a command: its located problems (err.problems, a SpecError or the like), one a line, or
    its message (a BudgetError), on stderr; the exit status 2."""
    import sys
    for line in [str(p) for p in err.problems] if hasattr(err, "problems") else [str(err)]:
        print(line, file=sys.stderr)
    return 2


def emit(text: str, output: str | None) -> int:
    """A command's result to a file (written whole or not at all) or to stdout: 0, or 2 after a one-line message
    on stderr (a full disk, a size limit, a closed stdout)."""
    import sys
    text = text if text.endswith("\n") else text + "\n"
    try:
        if output:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except WriteError as e:
        print(str(e), file=sys.stderr)
        return 2
    except OSError as e:
        print(f"stdout: not written ({e.strerror or e})", file=sys.stderr)
        return 2
    return 0
