"""Issue 12 at the command line: a failed write leaves the old file intact and says why (exit 2, no traceback);
a job over its budget is refused with what to reduce (exit 2)."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from calc.problem.files import WriteError, write_atomic

ROOT = Path(__file__).resolve().parents[1]
MAZUR = str(ROOT / "calc/presets/mazur.json")


def cli(*args, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return subprocess.run([sys.executable, "-m", "calc", *args], capture_output=True, text=True, cwd=ROOT,
                          preexec_fn=small_files if limit_bytes else None, timeout=300)


@pytest.mark.parametrize("args", [["solve", MAZUR], ["solve", MAZUR, "--format", "json"],
                                  ["train", MAZUR, "--steps", "10"]]
                         + [["export", MAZUR, "--format", f] for f in ("latex", "beamer", "markdown", "marp",
                                                                       "notebook", "csv")])
def test_dev_full_is_a_message_not_a_traceback(args):
    r = cli(*args, "-o", "/dev/full")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "/dev/full: not written (No space left on device)" in r.stderr


def test_stdout_on_a_full_disk():
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "calc", "solve", MAZUR], stdout=full, stderr=subprocess.PIPE,
                           text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "No space left" in r.stderr


def test_a_failed_write_leaves_the_old_file(tmp_path):
    out = tmp_path / "solution.md"
    out.write_text("the previous handout\n")
    r = cli("export", MAZUR, "--format", "markdown", "-o", str(out), limit_bytes=2048)
    assert r.returncode == 2 and "the previous file, if any, is unchanged" in r.stderr
    assert out.read_text() == "the previous handout\n"
    assert [p.name for p in tmp_path.iterdir()] == ["solution.md"]         # no temporary file left behind
    r = cli("export", MAZUR, "--format", "markdown", "-o", str(out))
    assert r.returncode == 0 and "0.35891648" in out.read_text()


def test_write_atomic_keeps_mode_and_replaces_whole(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("old")
    f.chmod(0o640)
    write_atomic(f, "new text")
    assert f.read_text() == "new text" and (f.stat().st_mode & 0o777) == 0o640
    with pytest.raises(WriteError, match="not written"):
        write_atomic(tmp_path / "no" / "such" / "dir.txt", "x")


def test_a_job_over_budget_is_refused(tmp_path):
    from tests.e2e.helpers import heavy_problem
    d = heavy_problem()
    p = tmp_path / "heavy.json"
    p.write_text(json.dumps(d))
    r = cli("train", str(p), "--steps", "100000")
    assert r.returncode == 2 and "over this server's budget" in r.stderr and "reduce the number of updates" in r.stderr
    assert r.stdout == ""
    r = cli("solve", str(p), "--exact")
    assert r.returncode == 2 and "turn exact values off" in r.stderr
