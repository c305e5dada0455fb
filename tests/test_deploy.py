"""deploy/: the class setup (nginx in front of several Streamlit replicas) works, stays sticky and stops cleanly.

  - a small class (40 sessions, 2 replicas, ~30 s) through deploy/run-local.sh: no errors, both replicas
    serve sessions, every routing cookie stays on one replica, every upload reaches its session
  - the balancer: security headers, the routing cookie, and an upload sent with another replica's cookie is
    refused (so the stickiness above is what makes uploads work)
  - run-local.sh stops every child on SIGTERM, and everything when a child dies
  - the rendered nginx config passes `nginx -t` and differs from deploy/nginx.conf only in the marked lines
  - the compose file and the Kubernetes manifests parse and carry the probes / affinity / upgrade settings
    (`docker compose config` where docker compose exists)

nginx is Debian's (`apt-get install nginx`); without it the tests that need it skip, unless REQUIRE_NGINX=1
(as in CI), which makes them fail instead.
"""
from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
RUN_LOCAL = DEPLOY / "run-local.sh"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
SECURITY_HEADERS = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def need_nginx() -> None:
    if os.access(NGINX, os.X_OK):
        return
    if os.environ.get("REQUIRE_NGINX") == "1":
        pytest.fail(f"REQUIRE_NGINX=1 but there is no nginx at {NGINX}")
    pytest.skip(f"no nginx at {NGINX} (apt-get install nginx; REQUIRE_NGINX=1 makes this a failure)")


@pytest.fixture(scope="module")
def L():
    """benchmarks/load_class.py as a module (the benchmark's own client, cookies and protocol)."""
    spec = importlib.util.spec_from_file_location("load_class", ROOT / "benchmarks" / "load_class.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["load_class"] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("load_class", None)


def bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def session_members(sids: set[int]) -> dict[int, str]:
    """Live (non-zombie) processes whose session id is in `sids` -> their command name."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if rest[0] != "Z" and int(rest[3]) in sids:      # state (field 3), ppid, pgrp, session (field 6)
            out[int(d)] = name
    return out


def wait_gone(sids: set[int], timeout: float = 5.0) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    left = session_members(sids)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = session_members(sids)
    return left


# ---- (a) a small class ---------------------------------------------------------------------------------
def in_thread(fn, *args):
    """fn(*args) in a fresh thread: the browser tests' Playwright keeps an event loop running in this one, where
    asyncio.run would refuse to start."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as ex:
        return ex.submit(fn, *args).result()


def test_small_class_on_two_replicas(L, tmp_path):
    need_nginx()
    args = L.parse_args(["--sessions", "40", "--duration", "30", "--ramp", "8", "--think", "4", "8",
                         "--replicas", "2", "--timeout", "30"])
    res = in_thread(L.run_config, 2, args, tmp_path)
    detail = (f"app {res.app_errors}, disconnects {res.disconnects}, timeouts {res.timeouts}, connect "
              f"{res.connect_errors}, uploads {res.upload_errors}, other {res.other_errors[:3]}")
    assert res.errors == 0, detail
    assert res.opened == res.completed == 40, detail
    assert len(res.reruns) >= 40                     # every session edited a weight at least once
    assert res.unchanged == 0                        # ... and every edit changed the loss shown
    assert res.uploads == 40                         # every upload reached the session's replica (204)
    per = {r.port: r.sessions for r in res.per_replica}
    assert len(per) == 2 and all(n > 0 for n in per.values()), per          # both replicas served sessions
    assert sum(per.values()) == 40, per                                     # one websocket per session
    assert res.routed >= 40 and res.split_routes == 0                       # no cookie went to two replicas
    assert all(r.cpu_s > 0 and r.peak_rss_mb > 50 for r in res.per_replica)  # /proc was read for real
    assert res.stop_rc == 0
    assert wait_gone({r.pid for r in res.per_replica}) == {}
    assert all(bindable(r.port) for r in res.per_replica)


# ---- (b) the balancer's headers and stickiness; SIGTERM stops every child -------------------------------------
def _route_of(L, port: int, state: Path, cookie: str) -> str:
    """The replica nginx sends this routing cookie to (from the access log line of a probe)."""
    tab = L.Tab(port)
    tab.cookies = {L.ROUTE_COOKIE: cookie}
    assert tab.get("/_stcore/health") == 200
    for _ in range(50):
        for line in reversed((state / "access.log").read_text().splitlines()):
            if f"route={cookie} " in line:
                return re.search(r" up=(\S+) ", line).group(1)
        time.sleep(0.05)
    raise AssertionError(f"no access log line for cookie {cookie}")


def test_balancer_sticky_headers_and_sigterm(L, tmp_path):
    need_nginx()
    import asyncio
    import http.client

    port = L.free_port(span=4)
    state = tmp_path / "state"
    bal = L.Balancer(2, port, state).__enter__()
    try:
        reps = L.read_replicas(state)
        nginx_pid = int((state / "nginx.pid").read_text().split()[0])

        # the page: security headers, and the routing cookie on the first response only
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        for k, v in SECURITY_HEADERS.items():
            assert r.getheader(k) == v, k
        set_cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        assert len(set_cookie) == 1 and re.fullmatch(r"strt=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax",
                                                     set_cookie[0]), set_cookie
        conn.request("GET", "/_stcore/health", headers={"Cookie": set_cookie[0].split(";")[0]})
        r = conn.getresponse()
        assert r.read() == b"ok" and r.getheader("X-Frame-Options") == "SAMEORIGIN"
        assert not any(v.startswith("strt=") for k, v in r.getheaders() if k.lower() == "set-cookie")
        conn.close()

        # two routing cookies that nginx sends to different replicas
        routes: dict[str, str] = {}
        for _ in range(60):
            c = secrets.token_hex(16)
            routes.setdefault(_route_of(L, port, state, c), c)
            if len(routes) == 2:
                break
        assert sorted(routes) == sorted(f"127.0.0.1:{r.port}" for r in reps), routes
        mine, other = routes[f"127.0.0.1:{reps[0].port}"], routes[f"127.0.0.1:{reps[1].port}"]

        async def tab_uploads():
            tab = L.Tab(port)
            tab.cookies = {L.ROUTE_COOKIE: mine}
            await tab.open()
            try:
                await tab.run(timeout=60)
                assert not tab.bad and tab.session_id
                own = await tab.upload()
                foreign = await tab.upload(cookies=dict(tab.cookies, **{L.ROUTE_COOKIE: other}))
            finally:
                await tab.close()
            return own, foreign

        own, foreign = in_thread(asyncio.run, tab_uploads())
        assert own[0] == 204, own                                    # with its cookie: its replica
        assert foreign[0] == 400 and "Invalid session_id" in foreign[1], foreign   # the other replica

        # every process started: the replicas (their own sessions) and nginx's master and workers
        sids = {r.pid for r in reps} | {nginx_pid}
        before = session_members(sids)
        assert {r.pid for r in reps} <= set(before) and nginx_pid in before
        assert sum(1 for name in before.values() if name == "nginx") >= 2, before
    finally:
        rc = bal.stop(timeout=30)
    assert rc == 0, bal.output()
    assert wait_gone(sids) == {}
    assert all(bindable(p) for p in [port] + [r.port for r in reps])
    assert not (state / "ready").exists()
    assert "SIGTERM: stopping nginx and 2 replica(s)" in bal.output()


def test_run_local_stops_everything_when_a_replica_dies(L, tmp_path):
    need_nginx()
    port = L.free_port(span=3)
    state = tmp_path / "state"
    bal = L.Balancer(1, port, state).__enter__()
    try:
        (rep,) = L.read_replicas(state)
        nginx_pid = int((state / "nginx.pid").read_text().split()[0])
        sids = {rep.pid, nginx_pid}
        assert rep.pid in session_members(sids)
        os.kill(rep.pid, signal.SIGKILL)
        rc = bal.proc.wait(timeout=20)
    finally:
        bal.stop(timeout=30)
    assert rc == 1
    assert "replica 1 (pid" in bal.output() and "exited" in bal.output()
    assert wait_gone(sids) == {}
    assert bindable(port)


# ---- (e) the rendered nginx config -------------------------------------------------------------------------
def test_rendered_nginx_config_passes_nginx_t_and_only_marked_lines_change(tmp_path):
    need_nginx()
    out = subprocess.run(["bash", str(RUN_LOCAL), "--print-config", "3", "18080"], capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout
    conf = tmp_path / "nginx.conf"
    conf.write_text(out)
    t = subprocess.run([NGINX, "-t", "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr"], capture_output=True,
                       text=True)
    assert t.returncode == 0, t.stderr
    assert "test is successful" in t.stderr

    template = (DEPLOY / "nginx.conf").read_text().splitlines()
    rendered = [ln for ln in out.splitlines() if ln != "user root;"]
    servers = [ln for ln in rendered if "# @replicas" in ln]
    assert [re.search(r"server (\S+) ", ln).group(1) for ln in servers] == \
        ["127.0.0.1:18081", "127.0.0.1:18082", "127.0.0.1:18083"]
    assert [ln for ln in rendered if "# @listen" in ln][0].strip().startswith("listen 127.0.0.1:18080;")
    unmarked = [ln for ln in template if "# @" not in ln]
    assert [ln for ln in rendered if "# @" not in ln] == unmarked


def test_run_local_refuses_a_template_without_its_markers(tmp_path):
    (tmp_path / "deploy").mkdir()
    shutil.copy(RUN_LOCAL, tmp_path / "deploy" / "run-local.sh")
    text = (DEPLOY / "nginx.conf").read_text()
    (tmp_path / "deploy" / "nginx.conf").write_text(text.replace("# @listen", ""))
    r = subprocess.run(["bash", str(tmp_path / "deploy" / "run-local.sh"), "--print-config", "2", "18080"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "@listen" in r.stderr


def test_nginx_conf_settings():
    text = (DEPLOY / "nginx.conf").read_text()
    directives = {ln.split("#")[0].strip() for ln in text.splitlines()}
    for d in ["hash $route_key consistent;", "proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
              "proxy_set_header Connection $connection_upgrade;", "proxy_set_header Host $http_host;",
              "proxy_read_timeout 3600s;", "client_max_body_size 2m;",
              "add_header X-Frame-Options SAMEORIGIN always;",
              "add_header Content-Security-Policy \"frame-ancestors 'self'\" always;",
              "add_header X-Content-Type-Options nosniff always;", "add_header Referrer-Policy same-origin always;",
              "add_header Set-Cookie $route_set_cookie;"]:
        assert d in directives, d
    assert re.search(r'map \$cookie_strt \$route_key \{\s*""\s+\$remote_addr;\s*default\s+\$cookie_strt;', text)


# ---- (c) compose and Kubernetes manifests; the Dockerfile ----------------------------------------------------
def _yaml(path: Path) -> list:
    yaml = pytest.importorskip("yaml")
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def test_compose_file():
    (c,) = _yaml(DEPLOY / "compose.yaml")
    app, nginx = c["services"]["app"], c["services"]["nginx"]
    assert app["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert app["deploy"]["replicas"] == "${REPLICAS:-2}"
    assert "ports" not in app and app["expose"] == ["8501"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    assert nginx["ports"] == ["${PORT:-8080}:8080"]
    assert "-p" in nginx["command"] and "/etc/nginx/nginx.conf" in nginx["command"]
    assert re.search(r"^\s*listen 8080;\s*# @listen", (DEPLOY / "nginx.conf").read_text(), re.M)
    assert re.search(r"^\s*server app:8501 .*# @replicas", (DEPLOY / "nginx.conf").read_text(), re.M)


def test_kubernetes_manifests():
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in _yaml(f)]
    kinds = {d["kind"]: d for d in docs}
    assert {"Deployment", "Service", "Ingress"} <= set(kinds)
    dep, svc, ing = kinds["Deployment"], kinds["Service"], kinds["Ingress"]
    pod = dep["spec"]["template"]["spec"]
    (ctr,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert ctr[probe]["httpGet"] == {"path": "/_stcore/health", "port": 8501}, probe
    assert ctr["resources"]["requests"]["cpu"] and ctr["resources"]["requests"]["memory"]
    assert ctr["resources"]["limits"]["memory"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert ctr["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"containerPort": 8501, "name": "http"} in ctr["ports"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    (sport,) = svc["spec"]["ports"]
    assert sport["targetPort"] == 8501
    ann = ing["metadata"]["annotations"]
    assert ann["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert ann["nginx.ingress.kubernetes.io/session-cookie-name"]
    assert int(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert ann["nginx.ingress.kubernetes.io/proxy-body-size"] == "2m"
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == svc["metadata"]["name"] and backend["port"]["name"] == sport["name"]
    ns, name = ann["nginx.ingress.kubernetes.io/custom-headers"].split("/")
    headers = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name)
    assert headers["metadata"]["namespace"] == ns == ing["metadata"]["namespace"]
    assert headers["data"] == SECURITY_HEADERS
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {ns}


def test_dockerfile():
    lines = [ln.strip() for ln in (DEPLOY / "Dockerfile").read_text().splitlines()]
    assert "FROM python:3.11-slim" in lines
    user = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert any(ln.startswith("HEALTHCHECK") for ln in lines)
    text = (DEPLOY / "Dockerfile").read_text()
    assert "http://127.0.0.1:8501/_stcore/health" in text
    for part in ("streamlit_app.py", "calc/", "pages/", ".streamlit/", "requirements.txt"):
        assert re.search(rf"^COPY {re.escape(part)} ", text, re.M), part
    cmd = [ln for ln in lines if ln.startswith("CMD ")][-1]
    for arg in ('"--server.address", "0.0.0.0"', '"--server.port", "8501"', '"--server.headless", "true"'):
        assert arg in cmd
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "*" in ignore and "!calc/" in ignore and "!pages/" in ignore


# ---- (d) docker compose, where it exists -----------------------------------------------------------------------
def test_docker_compose_config():
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose is not installed")
    r = subprocess.run([docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
