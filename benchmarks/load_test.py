"""Many users on one server: websocket clients speaking Streamlit's own protocol, the app against a trivial script.

Each simulated user opens /_stcore/stream on 127.0.0.1 (its own Streamlit session), runs the first page, then every
--every seconds changes a number: a BackMsg rerun_script whose ClientState carries the new widget value. A rerun is
timed from sending that BackMsg to the ForwardMsg script_finished (FINISHED_SUCCESSFULLY).
  app       the Network page on Mazur's example; the change = w5 typed into its cell (benchmarks/wsclient.py), a new
            number each time, so every solve is a new problem
  baseline  a one-widget script (st.number_input); the change = a new number in it
Users start spread over the first period; the run lasts --seconds (bounded: only 127.0.0.1, --users <= 100).
Printed as a table (never asserted). Target (issue 5): 30 users, one change each per 10 s, p95 rerun under 1 s.

    python benchmarks/load_test.py [--users 30] [--every 10] [--seconds 60]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import helpers as H  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsclient import Session, cell_edit, pct  # noqa: E402

BASELINE = 'import streamlit as st\n\nx = st.number_input("x", value=1.0, key="x")\nst.write(x * 2)\n'


@dataclass
class Stats:
    first: list[float] = field(default_factory=list)      # first page, per user
    reruns: list[float] = field(default_factory=list)     # each change -> script_finished
    failed: int = 0                                       # runs that showed an exception or an st.error
    unchanged: int = 0                                    # app: the loss did not move after an edit


def app_change(client: Session, k: int) -> WidgetState:
    return cell_edit(client, f"0.4{k:04d}")


def baseline_change(client: Session, k: int) -> WidgetState:
    w = WidgetState(id=client.ids["x"])
    w.double_value = 1.0 + k
    return w


async def user(port: int, change, start: float, every: float, stop_at: float, stats: Stats, app: bool, uid: int):
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        c = Session(ws)
        stats.first.append(await c.run())
        k, next_at = 0, time.monotonic() + every
        while True:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                return
            k += 1
            before = list(c.metrics)
            stats.reruns.append(await c.run(change(c, uid * 1000 + k)))
            stats.failed += bool(c.bad)
            stats.unchanged += app and c.metrics[:1] == before[:1]
            next_at += every


async def load(port: int, change, users: int, every: float, seconds: float, app: bool) -> Stats:
    stats = Stats()
    t0 = time.monotonic()
    rnd = random.Random(0)
    starts = sorted(t0 + rnd.uniform(0, every) for _ in range(users))
    await asyncio.gather(*(user(port, change, s, every, t0 + seconds, stats, app, i + 1)
                           for i, s in enumerate(starts)))
    return stats


def scenario(script: Path, cwd: Path, change, args, app: bool, log_dir: Path) -> Stats:
    port = H.free_port()
    proc = H.start_streamlit(script, port, log_dir / f"{script.stem}.log", cwd=cwd)
    try:
        H.wait_healthy(proc, port, timeout=120)
        return asyncio.run(load(port, change, args.users, args.every, args.seconds, app))
    finally:
        H.stop(proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="multi-user load on one Streamlit server")
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--every", type=float, default=10.0, help="seconds between one user's changes")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each scenario")
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 100 and 1 <= args.seconds <= 300):
        ap.error("keep it bounded: 1..100 users, 1..300 seconds")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "baseline.py"
        base.write_text(BASELINE)
        rows = [("baseline: one number_input", scenario(base, tmp, baseline_change, args, False, tmp)),
                ("app: Network page, edit a weight", scenario(ROOT / "streamlit_app.py", ROOT, app_change, args,
                                                              True, tmp))]
    print(f"{args.users} users on one server, each changing a number every {args.every:g} s for {args.seconds:g} s "
          f"(websocket clients, Streamlit's protocol, 127.0.0.1)\n")
    print(f"| {'script':<34} | {'reruns':>6} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} | {'first page p50 ms':>17} |"
          f" {'errors':>6} |")
    print(f"|{'-' * 36}|{'-' * 7}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 18}:|{'-' * 7}:|")
    for name, s in rows:
        r = s.reruns
        print(f"| {name:<34} | {len(r):>6} | {statistics.median(r) * 1000:8.0f} | {pct(r, 0.95) * 1000:8.0f} | "
              f"{max(r) * 1000:8.0f} | {statistics.median(s.first) * 1000:17.0f} | {s.failed:>6} |")
    app = rows[1][1]
    print(f"\nTarget: app p95 rerun under 1000 ms. Sanity: {len(app.reruns) - app.unchanged} of {len(app.reruns)} "
          "app edits changed the loss shown (each edit is a new problem).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
