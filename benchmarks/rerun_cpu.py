"""Server CPU per rerun, page by page: what one user's rerun costs the Streamlit process (issue "A class of 300").

Starts `streamlit run` on 127.0.0.1 (tests/e2e/helpers.py), opens one websocket session per page (Streamlit's own
protocol, as benchmarks/load_test.py: BackMsg rerun_script with the page's script hash, ForwardMsgs in until
script_finished; every run must show the page's title) and reruns each page --reruns times back to back after
--warmup reruns. A rerun's CPU = the server process's CPU time (utime + stime of all its threads, exited ones
included, read in nanoseconds from the process's CPU clock) from sending the rerun to its script_finished; back to
back, so whatever a run leaves to do afterwards lands in the next. The totals are checked against /proc/PID/stat.
Worker processes (calc.jobs) are not counted; Mazur's example never uses them.
  plain   a rerun with no widget changed (what any click that does not change the problem costs)
  edit    Network page: Mazur's w5 typed into its cell (benchmarks/wsclient.py), a new number each time, so every
          rerun is a new problem. Sent as a browser sends it: with the fragment id of the widget's element when the
          widget sits in an st.fragment (then only the fragment reruns).
Baselines in the same run, each on its own server: the one-widget script of benchmarks/load_test.py
(st.number_input) under Streamlit's default config, and again under the app's .streamlit/config.toml.
Printed as a Markdown table (never asserted). Budget: 300 users x one rerun per 10 s = 30 reruns/s on 2 cores,
so about 45 ms of CPU per rerun at most (leaving headroom for the websocket traffic and the OS).

    python benchmarks/rerun_cpu.py [--reruns 30] [--warmup 3] [--pages network,solution,...]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import websockets
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers as H  # noqa: E402
from load_test import BASELINE  # noqa: E402
from wsclient import Session, cell_edit, pct  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
# (title, url path as in streamlit_app.PAGES; "" = the default page): every run must show that title
PAGES = [("Network", ""), ("Worked solution", "solution"), ("Matrix form", "matrix"), ("Training", "training"),
         ("Activation functions", "activations"), ("Gradient descent", "descent"), ("Check my answers", "check"),
         ("Export", "export")]
BUDGET_MS = 45.0


# ---- the server's CPU time -------------------------------------------------------------------------------
def cpu_ns(pid: int) -> int:
    """CPU time of process `pid` (every thread, living or exited), in ns: its process CPU clock (CPUCLOCK_SCHED)."""
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def stat_ms(pid: int) -> float:
    """utime + stime of process `pid` from /proc/PID/stat, in ms (clock-tick resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / CLK_TCK


# ---- one session: benchmarks/wsclient.py --------------------------------------------------------------------
def edit_weight(s: Session, k: int) -> WidgetState:
    """Mazur's w5 typed into its cell on the Network page, a new number each time."""
    return cell_edit(s, f"0.4{k:04d}")


def edit_x(s: Session, k: int) -> WidgetState:
    w = WidgetState(id=s.ids["x"])
    w.double_value = 1.0 + k
    return w


@dataclass
class Result:
    name: str
    cpu_ms: list[float]
    wall_ms: list[float]
    stat_total_ms: float
    first_cpu_ms: float
    unchanged: int = 0


async def measure(port: int, pid: int, name: str, page: str, change, reruns: int, warmup: int,
                  title: str | None = None) -> Result:
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        s = Session(ws, page)
        c0 = cpu_ns(pid)
        await s.run()
        first = (cpu_ns(pid) - c0) / 1e6
        if s.bad:
            raise RuntimeError(f"{name}: the first run shows errors: {s.bad[:2]}")
        if title is not None and s.titles[:1] != [title]:
            raise RuntimeError(f"{name}: the first run shows {s.titles[:1]}, not the page {title!r}")
        cpu, wall, unchanged, k = [], [], 0, 0
        for i in range(warmup + reruns):
            widget = None
            if change is not None:
                k += 1
                widget = change(s, k)
            before = list(s.metrics)
            c0, st0 = cpu_ns(pid), stat_ms(pid)
            dt = await s.run(widget)
            c1, st1 = cpu_ns(pid), stat_ms(pid)
            if s.bad:
                raise RuntimeError(f"{name}: a rerun shows errors: {s.bad[:2]}")
            if title is not None and change is None and s.titles[:1] != [title]:
                raise RuntimeError(f"{name}: a rerun shows {s.titles[:1]}, not the page {title!r}")
            if i >= warmup:
                cpu.append((c1 - c0) / 1e6)
                wall.append(dt * 1000)
                unchanged += change is edit_weight and s.metrics[:1] == before[:1]
                if i == warmup:
                    st_start = st0
        return Result(name, cpu, wall, st1 - st_start, first, unchanged)


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of process `pid` in MB."""
    got = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                got[k] = int(v.split()[0]) / 1024
    return got.get("VmRSS", 0.0), got.get("VmHWM", 0.0)


@dataclass
class Server:
    results: list[Result]
    idle_ms_per_s: float
    rss_mb: tuple[float, float]


def scenario(script: Path, cwd: Path, cases, args, log: Path) -> Server:
    """Every case, in order, on one server (started in `cwd`, so `cwd`/.streamlit/config.toml applies)."""
    port = H.free_port()
    proc = H.start_streamlit(script, port, log, cwd=cwd)
    try:
        H.wait_healthy(proc, port, timeout=120)
        c0 = cpu_ns(proc.pid)
        time.sleep(1.0)
        idle = (cpu_ns(proc.pid) - c0) / 1e6
        out = []
        for name, page, change, title in cases:
            out.append(asyncio.run(measure(port, proc.pid, name, page, change, args.reruns, args.warmup, title)))
        return Server(out, idle, rss_mb(proc.pid))
    except Exception:
        sys.stderr.write(log.read_text(errors="replace")[-3000:])
        raise
    finally:
        H.stop(proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="server CPU per rerun, per page, against a one-widget script")
    ap.add_argument("--reruns", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--pages", default="", help="comma-separated url paths (network = the default page); all if empty")
    args = ap.parse_args(argv)
    if not (1 <= args.reruns <= 500 and 0 <= args.warmup <= 50):
        ap.error("keep it bounded: 1..500 reruns, 0..50 warm-up reruns")
    wanted = {p.strip() for p in args.pages.split(",") if p.strip()}
    pages = [(n, p) for n, p in PAGES if not wanted or (p or "network") in wanted]
    cases = [(f"{t}{' (/)' if not p else ''}, plain rerun", p, None, t) for t, p in pages]
    if any(p == "" for _, p in pages):
        cases.insert(1, ("Network (/), edit a weight", "", edit_weight, "Network"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain, same = tmp / "defaults", tmp / "app_config"
        for d in (plain, same):
            (d / ".streamlit").mkdir(parents=True)
            (d / "baseline.py").write_text(BASELINE)
        (same / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
        b1 = scenario(plain / "baseline.py", plain, [("baseline: one number_input, plain rerun", "", None, None),
                                                     ("baseline: one number_input, edit it", "", edit_x, None)],
                      args, tmp / "baseline.log")
        b2 = scenario(same / "baseline.py", same, [("baseline, the app's config.toml, plain rerun", "", None, None)],
                      args, tmp / "baseline_app_config.log")
        app = scenario(ROOT / "streamlit_app.py", ROOT, cases, args, tmp / "app.log")
    base_ms, same_ms = statistics.median(b1.results[0].cpu_ms), statistics.median(b2.results[0].cpu_ms)
    rows = b1.results + b2.results + app.results
    print(f"Server CPU per rerun: {args.reruns} reruns per row after {args.warmup} warm-up, one websocket session "
          f"per page, back to back (127.0.0.1, Streamlit's protocol); median and p90 of each rerun's CPU. "
          f"vs baseline = median / the one-widget script's plain-rerun median under Streamlit's default config; "
          f"vs same config = under the app's .streamlit/config.toml\n")
    print(f"| {'page':<44} | {'CPU ms median':>13} | {'CPU ms p90':>10} | {'wall ms median':>14} | "
          f"{'vs baseline':>11} | {'vs same config':>14} |")
    print(f"|{'-' * 46}|{'-' * 14}:|{'-' * 11}:|{'-' * 15}:|{'-' * 12}:|{'-' * 15}:|")
    for r in rows:
        med = statistics.median(r.cpu_ms)
        same_col = "" if r in b1.results else f"{med / same_ms:13.1f}x"
        print(f"| {r.name:<44} | {med:13.1f} | {pct(r.cpu_ms, 0.9):10.1f} | {statistics.median(r.wall_ms):14.1f} | "
              f"{med / base_ms:10.1f}x | {same_col:>14} |")
    print(f"\nBudget: about {BUDGET_MS:.0f} ms of CPU per rerun (300 users, one rerun each per 10 s, 2 cores).")
    print("Cross-check, mean CPU ms per rerun from /proc/PID/stat (10 ms ticks) vs the CPU clock: "
          + "; ".join(f"{r.stat_total_ms / len(r.cpu_ms):.0f} vs {statistics.mean(r.cpu_ms):.0f}" for r in rows))
    print(f"Idle server CPU (ms per s): baseline {b1.idle_ms_per_s:.1f}, app {app.idle_ms_per_s:.1f}. Server memory "
          f"at the end (RSS / peak MB): baseline {b1.rss_mb[0]:.0f} / {b1.rss_mb[1]:.0f}, app {app.rss_mb[0]:.0f} / "
          f"{app.rss_mb[1]:.0f}.")
    print("First page CPU ms: " + "; ".join(f"{r.name.split(',')[0]} {r.first_cpu_ms:.0f}"
                                          for r in b1.results[:1] + app.results if "edit" not in r.name))
    for r in app.results:
        if "edit" in r.name:
            print(f"Sanity: {len(r.cpu_ms) - r.unchanged} of {len(r.cpu_ms)} weight edits changed the loss shown.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
