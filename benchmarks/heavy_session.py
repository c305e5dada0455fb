"""What a heavy session leaves behind: the server's CPU and memory 15 s after a user who opened a heavy link leaves.

A websocket client (Streamlit's own protocol, 127.0.0.1 only) opens the app with ?p= carrying a 2-256-256-2
network with 5,000 samples (a compressible share link), waits --stay seconds on the page while it computes,
then closes the connection. From then on the server process and its children (the job workers) are sampled
for --after seconds: CPU seconds used and resident memory. The same run with a Mazur link is the baseline.
A second client opening Mazur's page while the heavy one computes measures what the heavy session costs others.

    python benchmarks/heavy_session.py [--stay 5] [--after 15]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import helpers as H  # noqa: E402

from calc.presets import load_preset  # noqa: E402
from calc.problem import share  # noqa: E402
from calc.problem.spec import spec_from_dict  # noqa: E402

DONE = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def heavy_token() -> str:
    return share.encode(spec_from_dict(H.heavy_problem()))


def tree(pid: int) -> list[int]:
    """pid and every descendant (from /proc)."""
    kids: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def usage(pid: int) -> tuple[dict[int, float], float, int, float]:
    """({pid: CPU seconds}, resident MB of all, processes, resident MB of the server process alone)."""
    cpu: dict[int, float] = {}
    rss = own = 0.0
    for p in tree(pid):
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            cpu[p] = (int(f[11]) + int(f[12])) / TICK
            mb = int(open(f"/proc/{p}/statm").read().split()[1]) * PAGE / 1e6
            rss += mb
            own += mb if p == pid else 0.0
        except (OSError, IndexError, ValueError):
            continue
    return cpu, rss, len(cpu), own


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two samples by the processes alive at the second (new ones from 0)."""
    return sum(c - before.get(p, 0.0) for p, c in after.items())


async def visit(port: int, token: str, stay: float) -> tuple[float | None, bool]:
    """Open the app with ?p=token; stay `stay` s (or until the page finishes); (seconds to finish, refused?)."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = f"{share.PARAM}={token}"
        msg.rerun_script.page_script_hash = ""
        t0 = time.perf_counter()
        await ws.send(msg.SerializeToString())
        refused = False
        try:
            while True:
                left = stay - (time.perf_counter() - t0)
                if left <= 0:
                    return None, refused
                fwd = ForwardMsg()
                fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=left))
                kind = fwd.WhichOneof("type")
                if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    el = fwd.delta.new_element
                    if el.WhichOneof("type") == "alert" and el.alert.format == el.alert.ERROR:
                        refused = True
                if kind == "script_finished" and fwd.script_finished == DONE:
                    return time.perf_counter() - t0, refused
        except asyncio.TimeoutError:
            return None, refused


async def scenario(port: int, pid: int, token: str, stay: float, after: float) -> dict:
    mazur = share.encode(load_preset("mazur"))
    await visit(port, mazur, 60)                    # warm: the first page of a fresh process
    cpu0, rss0, _, own0 = usage(pid)
    heavy = asyncio.create_task(visit(port, token, stay))
    await asyncio.sleep(min(1.0, stay / 2))
    other, _ = await visit(port, mazur, 60)         # another user's page while the heavy one works
    done, refused = await heavy
    t_close = time.perf_counter()
    cpu1, _, _, _ = usage(pid)
    await asyncio.sleep(after)
    cpu2, rss2, procs, own2 = usage(pid)
    return {"heavy finished (s)": "left first" if done is None else f"{done:.1f}",
            "heavy refused": refused, "other user's page (s)": other,
            "CPU s during the visit": spent(cpu0, cpu1), f"CPU % in the {after:g} s after": 100 * spent(cpu1, cpu2) / after,
            "server RSS MB before": own0, f"server RSS MB {after:g} s after": own2,
            f"all processes RSS MB {after:g} s after": rss2, "processes after": procs,
            "closed at": t_close}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stay", type=float, default=5.0)
    ap.add_argument("--after", type=float, default=15.0)
    a = ap.parse_args()
    rows = []
    for name, token, stay in (("baseline: Mazur's link", share.encode(load_preset("mazur")), a.stay),
                              ("heavy link: 2-256-256-2, 5,000 samples, stays", heavy_token(), a.stay),
                              ("heavy link, leaves after 1 s (job cancelled)", heavy_token(), 1.0)):
        port = H.free_port()
        log = Path(tempfile.mkdtemp()) / "server.log"
        proc = H.start_streamlit(ROOT / "streamlit_app.py", port, log)
        try:
            H.wait_healthy(proc, port, 90)
            r = asyncio.run(scenario(port, proc.pid, token, stay, a.after))
            rows.append((name, r))
        finally:
            H.stop(proc)
    keys = [k for k in rows[0][1] if k != "closed at"]
    print("| link | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, r in rows:
        cells = [f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
