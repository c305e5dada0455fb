"""A class at once: N students (default 300) on the app served by deploy/run-local.sh (nginx + replicas).

For each replica count in --replicas (default "1,2") the benchmark starts `deploy/run-local.sh R PORT` as a
subprocess, opens --sessions browser-like sessions through the balancer on 127.0.0.1:PORT, and stops it with
SIGTERM afterwards. Each session does what a tab does, in Streamlit's own protocol (as benchmarks/load_test.py):
  GET /  and  GET /_stcore/health     (cookies: nginx's routing cookie `strt`, Streamlit's `_streamlit_xsrf`)
  websocket /_stcore/stream           (with those cookies, Origin, and the XSRF token as a subprotocol)
  first page: the Network page on Mazur's example (rerun_script without widget states)
  one upload: a small JSON file PUT to the upload URL the session asks for (it must reach the same replica:
              any other answers 400 "Invalid session_id"; --no-upload to skip)
  then until --duration is over: think 5-15 s (random, seeded), then rerun with one weight typed into the
  cell of Mazur's w5 (benchmarks/wsclient.py; a new number each time, so each rerun is a new problem to solve;
  sent with the fragment id of its element, as a browser sends it), timed from sending the BackMsg to the
  ForwardMsg script_finished.
Sessions start evenly over --ramp seconds. Every loop is bounded (steps, per-run timeout, overall deadline)
and the only address ever contacted is 127.0.0.1.

Reported per configuration: sessions, reruns, rerun latency p50/p95/max, first page p50/p95, errors (app
exceptions or st.error shown, disconnects, timeouts, failed connects, failed uploads), which replica served
how many sessions and whether any routing cookie was split over two replicas (from nginx's access log), and
per replica the CPU seconds used during the load and the peak RSS (/proc/PID/stat, /proc/PID/status of each
Streamlit process and its children; PIDs from run-local.sh's replicas.tsv). The client runs on the same
machine and its own CPU time is reported too.

    python benchmarks/load_class.py [--sessions 300] [--duration 120] [--replicas 1,2] [--port P]
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsclient import AppError, Session, cell_edit, pct  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUN_LOCAL = ROOT / "deploy" / "run-local.sh"
HOST = "127.0.0.1"                      # the only address this benchmark talks to
ROUTE_COOKIE = "strt"                   # deploy/nginx.conf's routing cookie
XSRF_COOKIE = "_streamlit_xsrf"
CLK_TCK = os.sysconf("SC_CLK_TCK")
UPLOAD_BODY = json.dumps({"name": "load test upload", "note": "only checks that the upload reaches the session's "
                          "replica"}).encode()


def _http(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None,
          timeout: float = 30.0) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


class Tab(Session):
    """One browser tab: its cookies, its websocket (one Streamlit session, benchmarks/wsclient.py) and the widgets
    of its last run."""

    def __init__(self, port: int):
        super().__init__(None)
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cookie_header(self, cookies: dict[str, str] | None = None) -> str:
        return "; ".join(f"{k}={v}" for k, v in (self.cookies if cookies is None else cookies).items())

    def get(self, path: str) -> int:
        """GET path as the browser would (sending and keeping cookies); returns the status."""
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        status, hdrs, _ = _http(self.port, "GET", path, headers)
        for k, v in hdrs:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0].strip()
        return status

    async def open(self, timeout: float = 60.0) -> None:
        """Load the page (routing + XSRF cookies), then open the session's websocket through the balancer."""
        for path in ("/", "/_stcore/health"):
            status = await asyncio.to_thread(self.get, path)
            if status != 200:
                raise ConnectionError(f"GET {path} answered {status}")
        protocols = ["streamlit"] + ([self.cookies[XSRF_COOKIE]] if XSRF_COOKIE in self.cookies else [])
        self.ws = await websockets.connect(
            f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=protocols, origin=self.origin,
            additional_headers={"Cookie": self.cookie_header()}, max_size=None, open_timeout=timeout,
            ping_interval=None, close_timeout=5)

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await self.ws.close()
            except Exception:
                pass

    async def upload(self, data: bytes = UPLOAD_BODY, name: str = "problem.json",
                     cookies: dict[str, str] | None = None, timeout: float = 60.0) -> tuple[int, str]:
        """Ask the session for an upload URL and PUT a file there as the browser does; -> (status, body).

        `cookies` replaces the tab's cookies for the PUT (to send it with another tab's routing cookie)."""
        request_id = uuid.uuid4().hex
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(timeout):
            while True:
                fwd = await self.recv()
                if fwd.WhichOneof("type") == "file_urls_response" and fwd.file_urls_response.response_id == request_id:
                    break
        if fwd.file_urls_response.error_msg or not fwd.file_urls_response.file_urls:
            return 0, fwd.file_urls_response.error_msg
        url = fwd.file_urls_response.file_urls[0].upload_url
        path = url if url.startswith("/") else "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/json\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        jar = self.cookies if cookies is None else cookies
        headers = {"Host": f"{HOST}:{self.port}", "Origin": self.origin, "Cookie": self.cookie_header(jar),
                   "X-Xsrftoken": jar.get(XSRF_COOKIE, ""),
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, _, text = await asyncio.to_thread(_http, self.port, "PUT", path, headers, body)
        return status, text.decode("utf-8", "replace")


def weight_edit(tab: Tab, student: int, step: int) -> WidgetState:
    """Mazur's w5 typed into its cell on the Network page (benchmarks/wsclient.py). Consecutive edits of one
    student differ by about 0.5, so the loss shown changes every time."""
    value = 0.2 + 0.5 * (step % 2) + ((student * 131 + step) % 1000) * 1e-4
    return cell_edit(tab, f"{value:.4f}")


# ---- the class -----------------------------------------------------------------------------------------------
@dataclass
class Replica:
    index: int
    port: int
    pid: int
    sessions: int = 0          # websockets nginx handed to it (status 101 in the access log)
    cpu_s: float = 0.0         # CPU seconds (user + system) during the load, process and children
    peak_rss_mb: float = 0.0   # VmHWM of the process + its children at the end


@dataclass
class Result:
    replicas: int
    sessions: int              # sessions asked for
    duration: float
    opened: int = 0            # sessions whose first page finished
    completed: int = 0         # sessions that ran to the end without an error
    first: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    app_errors: int = 0        # runs that showed an exception or st.error, or did not compile
    disconnects: int = 0
    timeouts: int = 0          # a run not finished within --timeout, or the overall deadline
    connect_errors: int = 0
    uploads: int = 0
    upload_errors: int = 0
    unchanged: int = 0         # edits after which the loss shown did not change (sanity)
    other_errors: list[str] = field(default_factory=list)
    split_routes: int = 0      # routing cookies seen on more than one replica (must be 0)
    routed: int = 0            # requests that carried the routing cookie
    per_replica: list[Replica] = field(default_factory=list)
    client_cpu_s: float = 0.0
    nginx_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0  # all CPUs busy during the load (/proc/stat), whoever used them
    load_wall_s: float = 0.0
    stop_rc: int | None = None
    stop_s: float = 0.0

    @property
    def other_cpu_s(self) -> float:
        """CPU used during the load by processes outside this benchmark (a shared machine skews latency)."""
        ours = self.client_cpu_s + self.nginx_cpu_s + sum(r.cpu_s for r in self.per_replica)
        return max(0.0, self.machine_cpu_s - ours)

    @property
    def errors(self) -> int:
        return (self.app_errors + self.disconnects + self.timeouts + self.connect_errors + self.upload_errors
                + len(self.other_errors))


async def student(i: int, port: int, args, t0: float, stop_at: float, res: Result) -> None:
    rng = random.Random(args.seed * 1_000_003 + i)
    await asyncio.sleep(max(0.0, t0 + args.ramp * i / max(1, args.sessions) - time.monotonic()))
    tab = Tab(port)
    try:
        try:
            await asyncio.wait_for(tab.open(args.timeout), args.timeout)
        except Exception:
            res.connect_errors += 1
            return
        res.first.append(await tab.run(timeout=args.timeout))
        res.opened += 1
        res.app_errors += bool(tab.bad)
        if args.upload:
            status, text = await tab.upload(timeout=args.timeout)
            res.uploads += 1
            if status not in (200, 204):
                res.upload_errors += 1
                if args.verbose:
                    print(f"upload {status}: {text[:200]}", file=sys.stderr)
        for step in range(1, int(args.duration / args.think[0]) + 2):   # bounded
            think = rng.uniform(*args.think)
            if time.monotonic() + think >= stop_at:
                break
            await asyncio.sleep(think)
            before = tab.metrics[:1]
            res.reruns.append(await tab.run(weight_edit(tab, i, step), timeout=args.timeout))
            res.app_errors += bool(tab.bad)
            res.unchanged += bool(before) and tab.metrics[:1] == before
        res.completed += 1
    except (TimeoutError, asyncio.TimeoutError):
        res.timeouts += 1
    except websockets.ConnectionClosed:
        res.disconnects += 1
    except AppError:
        res.app_errors += 1
    except asyncio.CancelledError:
        res.timeouts += 1
        raise
    except Exception as e:  # noqa: BLE001 - counted and shown, never hidden
        res.other_errors.append(f"{type(e).__name__}: {e}")
    finally:
        await tab.close()


async def load(port: int, args, res: Result) -> None:
    t0 = time.monotonic()
    stop_at = t0 + args.duration
    tasks = [asyncio.create_task(student(i, port, args, t0, stop_at, res)) for i in range(args.sessions)]
    deadline = args.duration + args.ramp + 2 * args.timeout + 30
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


# ---- processes: run-local.sh, /proc --------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d))
    return kids


def process_tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])          # utime, stime (fields 14 and 15 of stat)
    return total / CLK_TCK


def peak_rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            m = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text(), re.M)
        except OSError:
            continue
        total += int(m.group(1)) if m else 0
    return total / 1024


def machine_busy_s() -> float:
    """CPU seconds all CPUs have spent busy since boot (user, nice, system, irq, softirq, steal)."""
    f = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def wait_quiet(limit_s: float, share: float = 0.15, window: float = 5.0) -> float:
    """Wait (at most limit_s) for a `window` in which the machine is busy below `share` of its CPUs;
    returns the busy share of the last window (what the run started with)."""
    deadline, busy = time.monotonic() + limit_s, 1.0
    while True:
        b0 = machine_busy_s()
        time.sleep(window)
        busy = (machine_busy_s() - b0) / (window * (os.cpu_count() or 1))
        if busy < share or time.monotonic() >= deadline:
            return busy


def free_port(span: int = 1) -> int:
    """A port P with P..P+span free, below the ephemeral range (where the 2 x N client and proxy connections
    of a big run take their local ports, which a server could then not bind)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        p = rng.randrange(20000, max(20001, low - span - 1))
        if all(_free(q) for q in range(p, p + span + 1)):
            return p
    raise RuntimeError("no free port range")


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def read_replicas(state: Path) -> list[Replica]:
    rows = [line.split("\t") for line in (state / "replicas.tsv").read_text().splitlines() if line.strip()]
    return [Replica(int(i), int(p), int(pid)) for i, p, pid in rows]


def parse_access_log(path: Path) -> tuple[dict[str, int], int, int]:
    """nginx's access log (format `balancer`) -> (websockets per upstream, cookies split over >1 upstream,
    requests with a routing cookie)."""
    ws: dict[str, int] = {}
    routes: dict[str, set[str]] = {}
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"\S+ (\d{3}) (\S+) (\S+) up=(.*?) route=(\S+) rt=", line)
        if not m:
            continue
        status, _method, uri, up, route = m.groups()
        if uri == "/_stcore/stream" and status == "101":
            ws[up] = ws.get(up, 0) + 1
        if route != "-" and up != "-":
            routes.setdefault(route, set()).add(up)
    return ws, sum(len(u) > 1 for u in routes.values()), len(routes)


class Balancer:
    """deploy/run-local.sh REPLICAS PORT as a context manager: started, waited for, stopped with SIGTERM."""

    def __init__(self, replicas: int, port: int, state: Path, timeout: float = 180.0):
        self.replicas, self.port, self.state, self.timeout = replicas, port, state, timeout
        self.proc: subprocess.Popen | None = None
        self.rc: int | None = None
        self.stop_s = 0.0

    def __enter__(self) -> "Balancer":
        self.state.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, RUN_LOCAL_DIR=str(self.state), PYTHON=sys.executable)
        self.log = open(self.state / "run-local.out", "wb")
        self.proc = subprocess.Popen(["bash", str(RUN_LOCAL), str(self.replicas), str(self.port)], env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        t0 = time.monotonic()
        try:
            while not (self.state / "ready").exists():
                if self.proc.poll() is not None:
                    raise RuntimeError(f"run-local.sh exited with {self.proc.returncode}:\n{self.output()}")
                if time.monotonic() - t0 > self.timeout:
                    raise RuntimeError(f"run-local.sh not ready within {self.timeout:.0f} s:\n{self.output()}")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def output(self) -> str:
        return (self.state / "run-local.out").read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None or self.rc is not None:
            return self.rc
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:           # should not happen: run-local.sh escalates after 10 s
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.rc = self.proc.wait(timeout=10)
        self.stop_s = time.monotonic() - t0
        self.log.close()
        return self.rc

    def __exit__(self, *exc) -> None:
        self.stop()


def run_config(replicas: int, args, workdir: Path) -> Result:
    """One configuration: start the balancer with `replicas` replicas, load it, stop it, collect the numbers."""
    if args.wait_quiet:
        busy = wait_quiet(args.wait_quiet)
        print(f"    machine busy {100 * busy:.0f}% before the start", file=sys.stderr, flush=True)
    port = args.port or free_port(span=replicas + 2)
    state = workdir / f"replicas-{replicas}"
    res = Result(replicas=replicas, sessions=args.sessions, duration=args.duration)
    with Balancer(replicas, port, state) as bal:
        reps = read_replicas(state)
        nginx_pid = int((state / "nginx.pid").read_text().split()[0])
        cpu0 = {r.pid: cpu_seconds(process_tree(r.pid)) for r in reps}
        n0, c0, w0, m0 = (cpu_seconds(process_tree(nginx_pid)), time.process_time(), time.monotonic(),
                          machine_busy_s())
        asyncio.run(load(port, args, res))
        res.client_cpu_s, res.load_wall_s = time.process_time() - c0, time.monotonic() - w0
        res.machine_cpu_s = machine_busy_s() - m0
        res.nginx_cpu_s = cpu_seconds(process_tree(nginx_pid)) - n0
        for r in reps:
            tree = process_tree(r.pid)
            r.cpu_s = cpu_seconds(tree) - cpu0[r.pid]
            r.peak_rss_mb = peak_rss_mb(tree)
        time.sleep(0.5)                              # let nginx log the websockets the clients just closed
    res.stop_rc, res.stop_s = bal.rc, bal.stop_s
    ws, res.split_routes, res.routed = parse_access_log(state / "access.log")
    for r in reps:
        r.sessions = ws.get(f"{HOST}:{r.port}", 0)
    res.per_replica = reps
    return res


# ---- report -----------------------------------------------------------------------------------------------
def ms(x: float) -> str:
    return "-" if x != x else f"{x * 1000:.0f}"


def report(results: list[Result], args) -> str:
    lines = [f"{args.sessions} sessions through nginx (deploy/run-local.sh) on 127.0.0.1, ramp {args.ramp:g} s, "
             f"think {args.think[0]:g}-{args.think[1]:g} s, {args.duration:g} s per configuration, seed {args.seed}; "
             f"{os.cpu_count()} cores, client on the same machine", "",
             "| replicas | sessions | reruns | p50 ms | p95 ms | max ms | first page p50 / p95 ms | errors | "
             "app / disconnect / timeout / connect / upload | split cookies |",
             "|--:|--:|--:|--:|--:|--:|--:|--:|--|--:|"]
    for r in results:
        lines.append(f"| {r.replicas} | {r.opened}/{r.sessions} | {len(r.reruns)} | {ms(statistics.median(r.reruns) if r.reruns else float('nan'))} "
                     f"| {ms(pct(r.reruns, 0.95))} | {ms(max(r.reruns) if r.reruns else float('nan'))} "
                     f"| {ms(statistics.median(r.first) if r.first else float('nan'))} / {ms(pct(r.first, 0.95))} "
                     f"| {r.errors} | {r.app_errors} / {r.disconnects} / {r.timeouts} / {r.connect_errors} / "
                     f"{r.upload_errors} | {r.split_routes} |")
    lines += ["", "CPU during the load (seconds; % of one core over the load's wall time); CPU ms per run = the "
              "replicas' CPU / (first pages + reruns); other = CPU used by processes outside the benchmark:", "",
              "| replicas | replica | sessions | CPU s | CPU % | peak RSS MB | CPU ms per run | nginx CPU s | "
              "client CPU s | other CPU s | wall s |",
              "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        runs = len(r.first) + len(r.reruns)
        per_run = sum(p.cpu_s for p in r.per_replica) / max(1, runs) * 1000
        for k, rep in enumerate(r.per_replica):
            shared = (f"{per_run:.0f} | {r.nginx_cpu_s:.1f} | {r.client_cpu_s:.0f} | {r.other_cpu_s:.0f} | "
                      f"{r.load_wall_s:.0f}") if k == 0 else " | | | | "
            lines.append(f"| {r.replicas} | {rep.index} | {rep.sessions} | {rep.cpu_s:.0f} | "
                         f"{100 * rep.cpu_s / max(r.load_wall_s, 1e-9):.0f} | {rep.peak_rss_mb:.0f} | {shared} |")
    notes = []
    for r in results:
        if r.other_errors:
            notes.append(f"{r.replicas} replica(s), other errors: " + "; ".join(sorted(set(r.other_errors))[:5]))
        if r.unchanged:
            notes.append(f"{r.replicas} replica(s): {r.unchanged} of {len(r.reruns)} edits left the loss unchanged")
        if r.stop_rc != 0:
            notes.append(f"{r.replicas} replica(s): run-local.sh exited with {r.stop_rc} on SIGTERM")
    return "\n".join(lines + ([""] + notes if notes else []))


def parse_args(argv: list[str] | None = None):
    ap = argparse.ArgumentParser(description="a class of students on the app behind nginx (deploy/run-local.sh)")
    ap.add_argument("--sessions", type=int, default=300)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load per configuration")
    ap.add_argument("--replicas", default="1,2", help="comma-separated replica counts, run one after another")
    ap.add_argument("--port", type=int, default=0, help="balancer port (replicas on the next free ones); "
                    "default: a free one")
    ap.add_argument("--ramp", type=float, default=20.0, help="seconds over which the sessions connect")
    ap.add_argument("--think", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"))
    ap.add_argument("--timeout", type=float, default=60.0, help="limit for one run (first page or rerun)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-upload", dest="upload", action="store_false", help="skip the one upload per session")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--state-dir", type=Path, help="keep run-local.sh's state and logs (nginx access log, "
                    "replica logs) here instead of a temporary directory")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                    help="before each configuration, wait up to SECONDS for the machine to be idle (under 15%% "
                         "busy for 5 s): on a shared machine other processes' CPU skews the latencies")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.replicas = [int(x) for x in str(args.replicas).split(",") if x.strip()]
    if not (1 <= args.sessions <= 1000 and 1 <= args.duration <= 900 and 0 <= args.ramp <= 300
            and 0.5 <= args.think[0] <= args.think[1] <= 120 and args.replicas
            and all(1 <= r <= 16 for r in args.replicas) and (args.port == 0 or 1024 <= args.port <= 60000)):
        ap.error("keep it bounded: 1..1000 sessions, 1..900 s, 0..300 s ramp, 1..16 replicas")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM unwind normally, so run-local.sh (its own session) is stopped too; SIGINT may have
    # been inherited as ignored (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="load_class.") as tmp:
            for n in args.replicas:
                print(f"... {n} replica(s), {args.sessions} sessions, {args.duration:g} s", file=sys.stderr,
                      flush=True)
                results.append(run_config(n, args, args.state_dir or Path(tmp)))
    except KeyboardInterrupt as e:
        print(f"interrupted ({e}); the balancer and its replicas were stopped", file=sys.stderr)
        return 130
    out = report(results, args)
    print(out)
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.__dict__.items() if k != "per_replica"}
                                         | {"per_replica": [p.__dict__ for p in r.per_replica],
                                            "other_cpu_s": r.other_cpu_s}
                                         for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
