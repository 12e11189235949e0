"""The fault-injection part of the reliability suite (driven by faults.sh;
standard library only). See faults.sh for what runs and how to read it.

  faults.py run OUT_DIR        runs the phases in FAULT_PHASES, writes
                               OUT_DIR/faults.json, exits 1 when a property fails

Every process it starts (PostgreSQL, Redis, the fake model server, the fake
forge, `morningai serve` and `morningai worker`) is its own, on its own port
and data folder, and is stopped by its pid; nothing else on the machine is
touched.
"""

import base64
import glob
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("MORNINGAI_BIN", os.path.join(ROOT, "target", "debug", "morningai"))


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


SEED = env_int("FAULT_SEED", 20261204)
KILLS = env_int("FAULT_KILLS", 50)
KILL_TASKS = env_int("FAULT_KILL_TASKS", 30)
KILL_WORKERS = env_int("FAULT_KILL_WORKERS", 3)
KILL_SLOTS = env_int("FAULT_KILL_SLOTS", 2)          # MORNINGAI_WORKERS of each worker process
KILLS_PER_TASK_MAX = env_int("FAULT_KILLS_PER_TASK_MAX", 3)
KILL_PR_EVERY = env_int("FAULT_KILL_PR_EVERY", 4)    # every Nth kill waits for a pull request in flight
KILL_EXHAUST = env_int("FAULT_KILL_EXHAUST", 5)      # kills of one chosen task (its job has 5 attempts); 0: none
KILL_BUDGET = env_int("FAULT_KILL_BUDGET_SECS", 360)
LEASE = env_int("FAULT_LEASE_SECS", 5)
PR_DELAY = env_float("FAULT_FORGE_PR_DELAY", 1.0)
LOAD_SECS = env_int("FAULT_LOAD_SECS", 20)
REDIS_DOWN = env_int("FAULT_REDIS_DOWN_SECS", 5)
REDIS_EPHEMERAL = os.environ.get("FAULT_REDIS_EPHEMERAL", "1") == "1"
PG_DOWN = env_int("FAULT_PG_DOWN_SECS", 20)
PG_CLIENT_TIMEOUT = env_float("FAULT_PG_CLIENT_TIMEOUT", 15)
PG_MAX_LATENCY = env_float("FAULT_PG_MAX_LATENCY_SECS", 11)
DISK_MB = env_int("FAULT_DISK_MB", 24)
MODEL_TASKS = env_int("FAULT_MODEL_TASKS", 3)
MODEL_TIMEOUT = env_int("FAULT_LLM_TIMEOUT_SECS", 2)
MODEL_DEADLINE = env_int("FAULT_MODEL_DEADLINE_SECS", 240)
DRAIN_SECS = env_int("FAULT_DRAIN_SECS", 180)
PHASES = [p.strip() for p in os.environ.get("FAULT_PHASES", "kill,redis,pg,disk,model").split(",") if p.strip()]

FINAL = ("done", "failed", "canceled")
rng = random.Random(SEED)


def say(*a):
    print("faults:", *a, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


# --------------------------------------------------------------------------- processes

class Procs:
    """Every process this run started; stopped by pid at the end."""

    def __init__(self):
        self.items = []
        self.cleanups = []

    def start(self, name, argv, log_path, env=None, cwd=None):
        fh = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd or ROOT,
                             start_new_session=True)
        fh.close()
        self.items.append((name, p))
        return p

    def stop(self, p, sig=signal.SIGTERM, wait=10):
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(wait)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)

    def stop_all(self):
        for _, p in reversed(self.items):
            try:
                self.stop(p, wait=8)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
        self.items = []
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                say(f"cleanup: {e}")
        self.cleanups = []


procs = Procs()


def base_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MORNINGAI_")}
    env.update({
        "MORNINGAI_ENV": "development",
        "MORNINGAI_LOGIN_PER_IP_PER_MINUTE": "100000",
        "MORNINGAI_LOGIN_PER_ACCOUNT_PER_MINUTE": "100000",
        "MORNINGAI_PUBLIC_PER_IP_PER_MINUTE": "100000",
        "MORNINGAI_PUBLIC_PER_CENTRE_PER_MINUTE": "100000",
        "MORNINGAI_JWT_SECRET": secrets.token_hex(32),
        "MORNINGAI_ENCRYPTION_KEY": secrets.token_hex(32),
        "MORNINGAI_EMBED_PROVIDER": "none",
        "MORNINGAI_LLM_PROVIDER": "openai",
        "MORNINGAI_OPENAI_API_KEY": "fake-key",
        "MORNINGAI_CHAT_MODEL": "fake-model",
        "MORNINGAI_LLM_CONCURRENCY": "8",
        "MORNINGAI_JOB_LEASE_SECS": str(LEASE),
        "MORNINGAI_SHUTDOWN_GRACE_SECS": "3",
        "MORNINGAI_QUEUE_TENANT_CONCURRENCY": "0",
        "MORNINGAI_PUBLISH_PER_HOUR": "100000",
        "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    return env


def start_serve(env, log_path):
    port = free_port()
    e = dict(env, MORNINGAI_ADDR=f"127.0.0.1:{port}")
    p = procs.start("serve", [BIN, "serve"], log_path, e)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError(f"morningai serve exited ({p.returncode}); see {log_path}")
        st, _, _ = http("GET", base + "/readyz", timeout=3)
        if st == 200:
            return p, base
        time.sleep(0.3)
    raise RuntimeError(f"morningai serve never became ready; see {log_path}")


def start_worker(env, log_path):
    return procs.start("worker", [BIN, "worker"], log_path, env)


def panics(paths):
    n, lines = 0, []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if "panicked at" in line:
                    n += 1
                    if len(lines) < 5:
                        lines.append(line.strip()[:400])
    return n, lines


# --------------------------------------------------------------------------- HTTP

def http(method, url, body=None, token=None, timeout=30):
    """(status, parsed JSON or text, seconds); status None on a transport
    error or timeout (the text then says which)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as e:
        return None, f"{type(e).__name__}: {getattr(e, 'reason', e)}", time.time() - t0
    dt = time.time() - t0
    try:
        return status, json.loads(raw) if raw else None, dt
    except ValueError:
        return status, raw.decode("utf-8", "replace")[:500], dt


class Api:
    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, timeout=30):
        return http(method, self.base + path, body, self.token, timeout)

    def must(self, method, path, body=None, expect=(200, 201, 202, 204), timeout=30):
        st, js, _ = self.call(method, path, body, timeout)
        if st not in expect:
            raise RuntimeError(f"{method} {path} answered {st}: {str(js)[:400]}")
        return js

    def signup(self, label):
        rnd = secrets.token_hex(6)
        js = self.must("POST", "/api/auth/signup", {"email": f"{label}-{rnd}@example.com",
                                                    "password": f"pw-{secrets.token_hex(10)}",
                                                    "tenant_name": f"Faults {label} {rnd}"})
        self.token = js["token"]
        return js

    def task(self, tid):
        st, js, _ = self.call("GET", f"/api/tasks/{tid}", timeout=10)
        return js if st == 200 else None

    def wait_final(self, ids, deadline_secs, poll=1.0):
        """{task id: task} once every task is final or the deadline passes."""
        deadline = time.time() + deadline_secs
        last = {}
        pending = list(ids)
        while pending and time.time() < deadline:
            still = []
            for tid in pending:
                t = self.task(tid)
                if t:
                    last[tid] = t
                if not t or t["status"] not in FINAL:
                    still.append(tid)
            pending = still
            if pending:
                time.sleep(poll)
        return last, pending


def is_error_body(js):
    return isinstance(js, dict) and isinstance(js.get("error"), dict) \
        and isinstance(js["error"].get("code"), str) and isinstance(js["error"].get("message"), str)


# --------------------------------------------------------------------------- PostgreSQL and Redis

class Postgres:
    def __init__(self, work):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        self.bindir = os.path.dirname(bins[-1]) if bins else os.path.dirname(shutil.which("initdb") or "")
        if not os.path.exists(os.path.join(self.bindir, "initdb")):
            raise RuntimeError("no initdb (install postgresql)")
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        r = self.as_pg([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                        "--no-locale", "-E", "UTF8", "--no-sync"])
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stdout[-500:]}")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as fh:
            fh.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                     "max_connections = 300\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start()
        procs.cleanups.append(lambda: self.stop("immediate"))

    def as_pg(self, argv):
        if self.root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, capture_output=True, text=True, cwd="/")

    def start(self):
        r = self.as_pg([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"),
                        "-w", "-t", "60", "start"])
        if r.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {r.stdout[-500:]} {r.stderr[-500:]}")

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.as_pg([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"])

    def url(self, db="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self, name):
        self.sql("postgres", f"CREATE DATABASE {name}")
        return self.url(name)

    def sql(self, db, query):
        r = subprocess.run(["psql", self.url(db), "-XAtqF", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()[:400]}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]


class Redis:
    def __init__(self, work, name, persistent):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.persistent = persistent
        self.start()
        procs.cleanups.append(self.stop)

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--pidfile", os.path.join(self.dir, "redis.pid"), "--logfile", os.path.join(self.dir, "log"),
                "--daemonize", "yes", "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "everysec"] if self.persistent else ["--appendonly", "no"]
        subprocess.run(args, check=True, capture_output=True)
        for _ in range(100):
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not come up")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), capture_output=True, text=True)
        return r.stdout.strip()

    def pid(self):
        try:
            with open(os.path.join(self.dir, "redis.pid")) as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.pid()
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)  # a graceful SHUTDOWN: the AOF is flushed
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


# --------------------------------------------------------------------------- fakes

def start_fake_openai(out, name, env_extra=None):
    port = free_port()
    e = dict(os.environ, **(env_extra or {}))
    procs.start(f"{name}-openai", [sys.executable, os.path.join(HERE, "fake_openai.py"), str(port),
                                   os.path.join(out, f"faults-{name}-openai.jsonl")],
                os.path.join(out, f"faults-{name}-openai.log"), e)
    if not wait_port(port):
        raise RuntimeError("the fake model server did not start")
    return port


DEMO_FILES = {
    "README.md": "# Demo service\n\nA small demo web service used by the fault suite.\n\n"
                 "## Running\n\nRun `python -m demo` to start it. Configuration comes from the "
                 "environment: `DEMO_PORT` (default 8000) and `DEMO_DEBUG`.\n\n"
                 "## Tests\n\nRun `python -m pytest`.\n",
    "demo/__init__.py": '"""The demo service."""\n',
    "demo/__main__.py": "import os\n\nfrom demo.server import serve\n\n\ndef main():\n"
                        "    port = int(os.environ.get(\"DEMO_PORT\", \"8000\"))\n"
                        "    debug = os.environ.get(\"DEMO_DEBUG\") == \"1\"\n    serve(port, debug)\n\n\n"
                        "if __name__ == \"__main__\":\n    main()\n",
    "demo/server.py": "from http.server import BaseHTTPRequestHandler, HTTPServer\n\n\n"
                      "class Handler(BaseHTTPRequestHandler):\n    def do_GET(self):\n"
                      "        self.send_response(200)\n        self.end_headers()\n"
                      "        self.wfile.write(b\"ok\")\n\n\ndef serve(port, debug=False):\n"
                      "    \"\"\"Serves the demo on `port` until interrupted.\"\"\"\n"
                      "    HTTPServer((\"127.0.0.1\", port), Handler).serve_forever()\n",
    "tests/test_server.py": "from demo.server import Handler\n\n\ndef test_handler_exists():\n"
                            "    assert Handler is not None\n",
    "pyproject.toml": "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n",
}


def start_fake_forge(out, work, name, token):
    root = os.path.join(work, f"{name}-git")
    src = os.path.join(work, f"{name}-src")
    os.makedirs(os.path.join(root, "acme"))
    for path, text in DEMO_FILES.items():
        full = os.path.join(src, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(text)
    git = ["git", "-c", "user.name=Fault Suite", "-c", "user.email=faults@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run(git + ["init", "-q", src], check=True)
    subprocess.run(git + ["-C", src, "add", "."], check=True)
    subprocess.run(git + ["-C", src, "commit", "-qm", "Demo service"], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", src, os.path.join(root, "acme", "demo.git")], check=True)
    port = free_port()
    e = dict(os.environ, FAKE_FORGE_TOKEN=token, FAKE_FORGE_PR_DELAY=str(PR_DELAY))
    procs.start(f"{name}-forge", [sys.executable, os.path.join(HERE, "fake_forge.py"), str(port), root,
                                  os.path.join(out, f"faults-{name}-forge.jsonl")],
                os.path.join(out, f"faults-{name}-forge.log"), e)
    if not wait_port(port):
        raise RuntimeError("the fake forge did not start")
    return port


def forge_stats(port):
    st, js, _ = http("GET", f"http://127.0.0.1:{port}/_stats", timeout=10)
    return js if st == 200 else {}


# --------------------------------------------------------------------------- phase: SIGKILL workers

def phase_kill(out, work):
    res = {"property": "SIGKILL a worker mid-task: every accepted task finishes exactly once, no duplicate side effects"}
    pg = Postgres(work) if not hasattr(phase_kill, "pg") else phase_kill.pg
    phase_kill.pg = pg
    db = pg.create_db("faults_kill")
    token = secrets.token_hex(16)
    forge = start_fake_forge(out, work, "kill", token)
    oai = start_fake_openai(out, "kill", {"FAKE_OPENAI_MODE": "slow"})
    data = os.path.join(work, "kill-data")
    os.makedirs(data)
    env = base_env()
    env.update({
        "MORNINGAI_DATABASE_URL": db, "MORNINGAI_QUEUE": "database", "MORNINGAI_DATA_DIR": data,
        "MORNINGAI_OPENAI_BASE_URL": f"http://127.0.0.1:{oai}/v1", "MORNINGAI_LLM_TIMEOUT_SECS": "30",
        "MORNINGAI_GIT_ALLOW_HTTP": "true", "MORNINGAI_GIT_PRIVATE_HOSTS": "127.0.0.1",
        "MORNINGAI_FORGE_API_URL": f"http://127.0.0.1:{forge}/api/v3",
    })
    logs = [os.path.join(out, "faults-kill-serve.log")] + \
        [os.path.join(out, f"faults-kill-worker-{i}.log") for i in range(KILL_WORKERS)]
    for p in logs:
        open(p, "w").close()
    _, base = start_serve(dict(env, MORNINGAI_WORKERS="0"), logs[0])
    wenv = dict(env, MORNINGAI_WORKERS=str(KILL_SLOTS))
    workers = {i: start_worker(wenv, logs[1 + i]) for i in range(KILL_WORKERS)}
    api = Api(base)
    api.signup("kill")
    api.must("POST", "/api/credentials", {"kind": "git_token", "host": f"127.0.0.1:{forge}", "secret": token,
                                          "label": "fake forge"}, expect=(201,))
    repo = api.must("POST", "/api/repositories", {"name": "demo", "source": f"http://127.0.0.1:{forge}/acme/demo.git"},
                    expect=(202,))
    repo_id = repo["repository"]["id"]
    done, pending = api.wait_final([repo["task_id"]], 120)
    it = done.get(repo["task_id"]) or {}
    if it.get("status") != "done":
        raise RuntimeError(f"the index task did not finish: {it.get('status')} {it.get('error')}")

    tasks = {}   # id -> {"trace": ..., "i": n}

    def submit(i):
        st, js, _ = api.call("POST", "/api/tasks", {"kind": "doc", "input": {
            "repository_id": repo_id, "question": f"How do I run and configure the demo service? (run {i})",
            "publish": True}})
        if st == 202:
            tasks[js["task_id"]] = {"trace": js["trace_id"], "i": i}
        else:
            res.setdefault("submit_errors", []).append(f"{st}: {str(js)[:200]}")
        return st

    # A first task alone shows the pipeline works (and how long a task takes).
    t0 = time.time()
    submit(0)
    probe_id = next(iter(tasks))
    got, _ = api.wait_final([probe_id], 180)
    probe = got.get(probe_id) or {}
    res["probe_task"] = {"status": probe.get("status"), "error": probe.get("error"), "secs": round(time.time() - t0, 1)}
    if probe.get("status") != "done":
        raise RuntimeError(f"a doc task without faults did not finish: {probe.get('status')} {probe.get('error')}")
    n = 1
    for _ in range(KILL_TASKS):
        submit(n)
        n += 1
    # One task is killed every time it runs, KILL_EXHAUST times: with 5
    # attempts per task job, its job runs out of attempts; the task must
    # still end (failed, with an error), not stay `running` for ever.
    exhaust = None
    if KILL_EXHAUST:
        # A long echo task (it runs whenever claimed): killed each time.
        exhaust = api.must("POST", "/api/tasks", {"kind": "echo", "input": {
            "message": "killed until its job runs out of attempts", "rounds": 120, "delay_ms": 1000}, "priority": 100},
            expect=(202,))["task_id"]

    def capped(tid):
        if tid == exhaust:
            return kills_per_task.get(tid, 0) >= KILL_EXHAUST
        return kills_per_task.get(tid, 0) >= KILLS_PER_TASK_MAX

    def started_jobs():
        rows = pg.sql("faults_kill", "SELECT worker_id, payload->>'task_id' FROM jobs "
                                     "WHERE status = 'started' AND kind = 'task.run' AND worker_id IS NOT NULL")
        out_ = []
        for wid, tid in rows:
            parts = wid.rsplit("-", 2)
            if len(parts) == 3 and parts[1].isdigit():
                out_.append((int(parts[1]), tid))
        return out_

    kills = []
    kills_per_task = {}
    pr_window_kills = 0
    t_kill = time.time()
    while len(kills) < KILLS and time.time() - t_kill < KILL_BUDGET:
        # Keep the queue fed.
        open_tasks = pg.sql("faults_kill", "SELECT count(*) FROM tasks WHERE status IN ('queued', 'running')")[0][0]
        if int(open_tasks) < KILL_WORKERS * KILL_SLOTS + 2:
            for _ in range(KILL_WORKERS * KILL_SLOTS):
                submit(n)
                n += 1
        live = {w.pid: i for i, w in workers.items() if w.poll() is None}
        target = None
        how = "running task"
        if exhaust and not capped(exhaust):
            for pid, tid in started_jobs():
                if tid == exhaust and pid in live:
                    target, how = (pid, tid), "exhausting the attempts of one task"
        if target is None and KILL_PR_EVERY and (len(kills) + 1) % KILL_PR_EVERY == 0:
            # Wait (a little) for a pull request being answered, and kill the
            # worker that asked for it.
            until = time.time() + 12
            by_trace = {v["trace"].replace("-", "")[:8]: k for k, v in tasks.items()}
            while time.time() < until and target is None:
                heads = (forge_stats(forge).get("in_flight") or {}).keys()
                want = {by_trace.get(h.split("/", 1)[-1][:8]) for h in heads} - {None}
                for pid, tid in started_jobs():
                    if tid in want and pid in live and not capped(tid):
                        target, how = (pid, tid), "pull request in flight"
                        break
                if target is None:
                    time.sleep(0.05)
        if target is None:
            jobs = started_jobs()
            full = {pid for pid, tid in jobs if capped(tid)}
            cands = [(pid, tid) for pid, tid in jobs if pid in live and pid not in full]
            if not cands:
                time.sleep(0.2)
                continue
            target = rng.choice(cands)
        pid, tid = target
        slot = live[pid]
        held = [t for p, t in started_jobs() if p == pid]
        if any(capped(t) for t in held) or tid not in held:
            time.sleep(0.05)
            continue  # the worker took another job meanwhile: choose again
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        workers[slot].wait(10)
        node = None
        try:
            node = pg.sql("faults_kill", f"SELECT data->>'node' FROM task_events WHERE task_id = '{tid}' "
                                         "AND kind = 'node.started' ORDER BY seq DESC LIMIT 1")[0][0]
        except (IndexError, RuntimeError):
            pass
        for t in held:
            kills_per_task[t] = kills_per_task.get(t, 0) + 1
        if how == "pull request in flight":
            pr_window_kills += 1
        kills.append({"t": round(time.time() - t_kill, 2), "pid": pid, "tasks": held, "node": node, "how": how})
        workers[slot] = start_worker(wenv, logs[1 + slot])
        time.sleep(rng.uniform(0.3, 1.5))
    res["kill_secs"] = round(time.time() - t_kill, 1)

    # Drain.
    t_drain = time.time()
    final, stuck = api.wait_final([t for t in tasks if t != exhaust], DRAIN_SECS, poll=1.0)
    res["drain_secs"] = round(time.time() - t_drain, 1)
    if exhaust:
        got, _ = api.wait_final([exhaust], max(30, 6 * LEASE))
        final.update(got)
        et = got.get(exhaust) or {}
        ejob = pg.sql("faults_kill", f"SELECT status, attempts, max_attempts, coalesce(last_error, '') FROM jobs "
                                     f"WHERE payload->>'task_id' = '{exhaust}' ORDER BY enqueued_at_ms DESC LIMIT 1")
        res["exhausted_task"] = {"task": exhaust, "kills": kills_per_task.get(exhaust, 0), "status": et.get("status"),
                                 "error": et.get("error"), "job": ejob[0] if ejob else None}

    # What happened, from the database and the forge.
    ev = {}
    for tid, kind, cnt in pg.sql("faults_kill", "SELECT task_id, kind, count(*) FROM task_events "
                                                "WHERE kind IN ('task.done', 'task.failed', 'task.canceled') "
                                                "GROUP BY task_id, kind"):
        ev.setdefault(tid, {})[kind] = int(cnt)
    versions = {}
    for tid, cnt, pubs in pg.sql("faults_kill", "SELECT task_id, count(*), count(publication) FROM document_versions "
                                                "GROUP BY task_id"):
        versions[tid] = (int(cnt), int(pubs))
    jobs_failed = pg.sql("faults_kill", "SELECT payload->>'task_id', last_error FROM jobs "
                                        "WHERE kind = 'task.run' AND status = 'failed'")
    fs = forge_stats(forge)
    prs_by_trace, attempts_by_trace, commits_by_trace = {}, {}, {}
    for pr in fs.get("prs", []):
        key = pr["head"].split("/", 1)[-1][:8]
        prs_by_trace[key] = prs_by_trace.get(key, 0) + 1
    for a in fs.get("attempts", []):
        key = a["head"].split("/", 1)[-1][:8]
        attempts_by_trace.setdefault(key, []).append(a["status"])
    for p in fs.get("pushes", []):
        if p["ref"].startswith("refs/heads/morningai/") and not p["new"].startswith("0000000"):
            key = p["ref"].split("/", 3)[-1][:8]
            commits_by_trace.setdefault(key, set()).add(p["new"])
    per_task = []
    duplicates, lost, failed = [], [], []
    for tid, meta in tasks.items():
        trace8 = meta["trace"].replace("-", "")[:8]
        t = final.get(tid) or {}
        row = {
            "task": tid, "status": t.get("status"), "error": (t.get("error") or "")[:300] or None,
            "kills": kills_per_task.get(tid, 0), "done_events": ev.get(tid, {}).get("task.done", 0),
            "failed_events": ev.get(tid, {}).get("task.failed", 0),
            "document_versions": versions.get(tid, (0, 0))[0], "publications": versions.get(tid, (0, 0))[1],
            "pull_requests": prs_by_trace.get(trace8, 0), "pr_attempts": attempts_by_trace.get(trace8, []),
            "pushed_commits": len(commits_by_trace.get(trace8, ())),
        }
        per_task.append(row)
        if tid == exhaust:
            continue  # judged on its own below
        if row["status"] not in FINAL:
            lost.append(tid)
        elif row["status"] != "done":
            failed.append(tid)
        if row["done_events"] > 1 or row["pull_requests"] > 1 or row["pushed_commits"] > 1 \
                or row["document_versions"] > 1 or (row["done_events"] + row["failed_events"]) > 1:
            duplicates.append(tid)
        elif row["status"] == "done" and (row["done_events"] != 1 or row["pull_requests"] != 1
                                          or row["pushed_commits"] != 1 or row["publications"] != 1):
            duplicates.append(tid)  # done, but its side effects are not exactly one each
    n_panics, panic_lines = panics(logs)
    res.update({
        "kills": len(kills), "kills_in_pr_window": pr_window_kills,
        "kills_per_task_max": max(kills_per_task.values() or [0]),
        "tasks_interrupted": len(kills_per_task),
        "tasks_accepted": len(tasks), "tasks_done": sum(1 for r in per_task if r["status"] == "done"),
        "tasks_failed": len(failed), "tasks_lost": len(lost), "tasks_with_duplicates": len(duplicates),
        "pull_requests": len(fs.get("prs", [])), "pull_request_attempts": len(fs.get("attempts", [])),
        "pull_request_attempts_refused": sum(1 for a in fs.get("attempts", []) if a["status"] != 201),
        "pushed_ref_updates": len(fs.get("pushes", [])),
        "jobs_failed_for_good": len(jobs_failed),
        "panics": n_panics, "panic_lines": panic_lines,
        "failed_tasks": [r for r in per_task if r["task"] in failed][:10],
        "lost_tasks": [r for r in per_task if r["task"] in lost][:10],
        "duplicate_tasks": [r for r in per_task if r["task"] in duplicates][:10],
        "jobs_failed_examples": [{"task": a, "last_error": b} for a, b in jobs_failed[:5]],
        "kill_log": kills,
    })
    with open(os.path.join(out, "faults-kill-tasks.json"), "w") as fh:
        json.dump(per_task, fh, indent=1)
    checks = {
        "kills_reached": len(kills) >= KILLS,
        "no_task_lost": not lost,
        "every_task_done": not failed,
        "no_duplicate_side_effects": not duplicates,
        "no_panics": n_panics == 0,
    }
    if exhaust:
        checks["task_whose_job_ran_out_of_attempts_ends"] = res["exhausted_task"]["status"] in FINAL
    return res, checks


# --------------------------------------------------------------------------- load helper

class Load(threading.Thread):
    """Submits echo tasks every `every` seconds until stopped; keeps every answer."""

    def __init__(self, api, every=0.2, rounds=2, delay_ms=200, timeout=20):
        super().__init__(daemon=True)
        self.api, self.every, self.rounds, self.delay_ms, self.timeout = api, every, rounds, delay_ms, timeout
        self.stop_ev = threading.Event()
        self.accepted, self.answers = [], []
        self.i = 0

    def run(self):
        while not self.stop_ev.is_set():
            self.i += 1
            t = time.time()
            st, js, dt = self.api.call("POST", "/api/tasks", {"kind": "echo", "input": {
                "message": f"load {self.i}", "rounds": self.rounds, "delay_ms": self.delay_ms}}, timeout=self.timeout)
            self.answers.append({"t": t, "status": st, "secs": round(dt, 3),
                                 "code": js["error"]["code"] if is_error_body(js) else None,
                                 "body": None if st == 202 else str(js)[:200]})
            if st == 202:
                self.accepted.append(js["task_id"])
            self.stop_ev.wait(max(0.0, self.every - (time.time() - t)))


# --------------------------------------------------------------------------- phase: Redis restart

def redis_round(out, work, pg, persistent):
    tag = "redis" if persistent else "redis-ephemeral"
    dbname = "faults_redis" if persistent else "faults_redis_eph"
    db = pg.create_db(dbname)
    redis = Redis(work, tag, persistent)
    data = os.path.join(work, f"{tag}-data")
    os.makedirs(data)
    env = base_env()
    env.update({"MORNINGAI_DATABASE_URL": db, "MORNINGAI_QUEUE": "redis",
                "MORNINGAI_REDIS_URL": f"redis://127.0.0.1:{redis.port}",
                "MORNINGAI_REDIS_PREFIX": f"faults{secrets.token_hex(3)}",
                "MORNINGAI_DATA_DIR": data, "MORNINGAI_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    logs = [os.path.join(out, f"faults-{tag}-serve.log"), os.path.join(out, f"faults-{tag}-worker-0.log"),
            os.path.join(out, f"faults-{tag}-worker-1.log")]
    for p in logs:
        open(p, "w").close()
    serve, base = start_serve(dict(env, MORNINGAI_WORKERS="0"), logs[0])
    ws = [start_worker(dict(env, MORNINGAI_WORKERS="2"), logs[i]) for i in (1, 2)]
    api = Api(base)
    api.signup(tag)
    load = Load(api)
    load.start()
    time.sleep(LOAD_SECS * 0.3)
    t_stop = time.time()
    redis.stop()
    time.sleep(REDIS_DOWN)
    redis.start()
    t_start = time.time()
    time.sleep(max(1, LOAD_SECS * 0.7 - REDIS_DOWN))
    load.stop_ev.set()
    load.join()
    t_drain = time.time()
    final, stuck = api.wait_final(load.accepted, DRAIN_SECS if persistent else 60)
    drain = round(time.time() - t_drain, 1)
    during = [a for a in load.answers if t_stop <= a["t"] <= t_start]
    statuses = {}
    for a in load.answers:
        statuses[str(a["status"])] = statuses.get(str(a["status"]), 0) + 1
    n_panics, panic_lines = panics(logs)
    alive = serve.poll() is None and all(w.poll() is None for w in ws)
    stuck_status = {}
    for tid in stuck:
        s = (final.get(tid) or {}).get("status")
        stuck_status[str(s)] = stuck_status.get(str(s), 0) + 1
    res = {
        "redis_persistence": "appendonly yes, appendfsync everysec" if persistent else "none (no AOF, no RDB)",
        "restart": f"SIGTERM (graceful SHUTDOWN), down {REDIS_DOWN}s, started again on the same port and folder",
        "submitted": len(load.answers), "accepted": len(load.accepted), "answers_by_status": statuses,
        "accepted_while_down": sum(1 for a in during if a["status"] == 202), "answers_while_down": len(during),
        "done": sum(1 for t in final.values() if t["status"] == "done"),
        "failed": sum(1 for t in final.values() if t["status"] in ("failed", "canceled")),
        "lost": len(stuck), "lost_by_status": stuck_status, "drain_secs": drain,
        "processes_alive": alive, "panics": n_panics, "panic_lines": panic_lines,
    }
    for p in [serve] + ws:
        procs.stop(p)
    return res


def phase_redis(out, work):
    pg = getattr(phase_kill, "pg", None) or Postgres(work)
    phase_kill.pg = pg
    res = {"property": "restart Redis under load: 0 accepted tasks lost"}
    r = redis_round(out, work, pg, True)
    res.update(r)
    checks = {
        "no_task_lost": r["lost"] == 0,
        "every_task_done": r["failed"] == 0 and r["done"] == r["accepted"],
        "accepts_while_redis_down": r["answers_while_down"] == 0 or r["accepted_while_down"] > 0,
        "processes_alive": r["processes_alive"],
        "no_panics": r["panics"] == 0,
    }
    if REDIS_EPHEMERAL:
        # Informational: the same restart against a Redis without persistence
        # (the README asks for `appendonly yes`; this shows why).
        res["ephemeral_redis"] = redis_round(out, work, pg, False)
    return res, checks


# --------------------------------------------------------------------------- phase: PostgreSQL restart

def phase_pg(out, work):
    pg = getattr(phase_kill, "pg", None) or Postgres(work)
    phase_kill.pg = pg
    db = pg.create_db("faults_pg")
    data = os.path.join(work, "pg-data")
    os.makedirs(data)
    env = base_env()
    env.update({"MORNINGAI_DATABASE_URL": db, "MORNINGAI_QUEUE": "database", "MORNINGAI_DATA_DIR": data,
                "MORNINGAI_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    logs = [os.path.join(out, "faults-pg-serve.log"), os.path.join(out, "faults-pg-worker-0.log"),
            os.path.join(out, "faults-pg-worker-1.log")]
    for p in logs:
        open(p, "w").close()
    serve, base = start_serve(dict(env, MORNINGAI_WORKERS="0"), logs[0])
    ws = [start_worker(dict(env, MORNINGAI_WORKERS="2"), logs[i]) for i in (1, 2)]
    api = Api(base)
    api.signup("pg")
    probes = []
    stop_probe = threading.Event()

    def probe(path, auth):
        while not stop_probe.is_set():
            t = time.time()
            st, js, dt = http("GET", base + path, token=api.token if auth else None, timeout=PG_CLIENT_TIMEOUT)
            probes.append({"t": t, "path": path, "status": st, "secs": round(dt, 3),
                           "error_body": is_error_body(js),
                           "code": js["error"]["code"] if is_error_body(js) else None,
                           "body": None if st == 200 else str(js)[:200]})
            stop_probe.wait(max(0.0, 0.25 - (time.time() - t)))

    threads = [threading.Thread(target=probe, args=(p, a), daemon=True)
               for p, a in (("/readyz", False), ("/api/tasks?limit=1", True), ("/api/auth/me", True))]
    for th in threads:
        th.start()
    load = Load(api, every=0.25, timeout=PG_CLIENT_TIMEOUT)
    load.start()
    time.sleep(5)
    t_stop = time.time()
    pg.stop("fast")
    t_stopped = time.time()
    time.sleep(PG_DOWN)
    pg.start()
    t_start = time.time()
    # Recovery: the first 200 from /readyz after the restart.
    t_ready = None
    while time.time() - t_start < 60:
        st, _, _ = http("GET", base + "/readyz", timeout=5)
        if st == 200:
            t_ready = time.time()
            break
        time.sleep(0.2)
    time.sleep(8)
    load.stop_ev.set()
    load.join()
    stop_probe.set()
    for th in threads:
        th.join()
    final, stuck = api.wait_final(load.accepted, DRAIN_SECS)
    # Requests sent while the database was down (from a moment after the
    # stop until the start); one may still succeed when the database comes
    # back while it waits.
    down = [p for p in probes if t_stopped + 0.2 <= p["t"] < t_start]
    down_ready = [p for p in down if p["path"] == "/readyz"]
    down_api = [p for p in down if p["path"] != "/readyz"]
    down_load = [a for a in load.answers if t_stopped + 0.2 <= a["t"] < t_start]
    lat = sorted(p["secs"] for p in down + down_load)

    def tally(items):
        c = {}
        for p in items:
            k = f"{p['status']} {p.get('code') or ''}".strip()
            c[k] = c.get(k, 0) + 1
        return c

    hung = [p for p in down + down_load if p["status"] is None]
    max_lat = max([p["secs"] for p in down + down_load] or [0])
    n_panics, panic_lines = panics(logs)
    alive = serve.poll() is None and all(w.poll() is None for w in ws)
    bad_api = [p for p in down_api + down_load
               if not ((p["status"] == 503 and p.get("code")) or (p["status"] and p["status"] < 300))]
    ready_lied = [p for p in down_ready if p["status"] == 200 and p["t"] + p["secs"] < t_start]
    examples = {}
    for p in down_api + down_load:
        k = f"{p['status']} {p.get('code') or ''}"
        examples.setdefault(k, p.get("body"))
    res = {
        "property": "restart PostgreSQL under load: not ready, 503 with a clear error meanwhile, recovers by itself, 0 lost, 0 panics",
        "stop": f"pg_ctl stop -m fast, down {PG_DOWN}s, pg_ctl start",
        "readyz_while_down": tally(down_ready), "api_reads_while_down": tally(down_api),
        "task_creates_while_down": tally(down_load), "answer_examples_while_down": examples,
        "requests_without_answer_while_down": len(hung), "max_latency_while_down_secs": max_lat,
        "median_latency_while_down_secs": lat[len(lat) // 2] if lat else None,
        "readyz_max_latency_while_down_secs": max([p["secs"] for p in down_ready] or [0]),
        "requests_sent_while_down": len(down) + len(down_load),
        "recovery_secs_after_start": round(t_ready - t_start, 2) if t_ready else None,
        "accepted": len(load.accepted), "done": sum(1 for t in final.values() if t["status"] == "done"),
        "failed": sum(1 for t in final.values() if t["status"] in ("failed", "canceled")),
        "lost": len(stuck),
        "failed_examples": [(t["id"], t.get("error")) for t in final.values() if t["status"] != "done"][:5],
        "processes_alive": alive, "panics": n_panics, "panic_lines": panic_lines,
    }
    checks = {
        "not_ready_while_down": any(p["status"] == 503 for p in down_ready) and not ready_lied,
        "api_503_json_while_down": bool(down_api) and not bad_api,
        "no_hang_while_down": not hung and max_lat <= PG_MAX_LATENCY,
        "recovers_without_restart": t_ready is not None and alive,
        "no_task_lost": not stuck,
        "every_task_done": res["failed"] == 0,
        "no_panics": n_panics == 0,
    }
    for p in [serve] + ws:
        procs.stop(p)
    return res, checks


# --------------------------------------------------------------------------- phase: full disk (SQLite)

def phase_disk(out, work):
    mnt = os.path.join(work, "disk")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0755", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"skipped": f"cannot mount a tmpfs (needs root): {r.stderr.strip()}"}, {}
    procs.cleanups.append(lambda: subprocess.run(["umount", "-l", mnt], capture_output=True))
    data = os.path.join(mnt, "data")
    os.makedirs(data)
    env = base_env()
    env.update({"MORNINGAI_DATA_DIR": data, "MORNINGAI_WORKERS": "1",
                "MORNINGAI_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    log = os.path.join(out, "faults-disk-serve.log")
    open(log, "w").close()
    serve, base = start_serve(env, log)
    api = Api(base)
    api.signup("disk")
    created = 0
    for i in range(5):
        api.must("POST", "/api/faqs", {"question": f"Before the disk filled up, question {i}?",
                                       "answer": f"Answer {i}.", "status": "published"}, expect=(201,))
        created += 1
    t = api.must("POST", "/api/tasks", {"kind": "echo", "input": {"message": "before"}}, expect=(202,))
    api.wait_final([t["task_id"]], 30)
    # Fill the disk.
    filler = os.path.join(mnt, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    free = shutil.disk_usage(mnt).free
    attempts = []

    acked = []  # (table, column, value, op, when): every write answered 2xx

    def ack(st, js, op, when, body):
        if not st or st >= 300 or not isinstance(js, dict):
            return
        if op == "create task":
            acked.append(("tasks", "id", js.get("task_id"), op, when))
        elif op == "signup":
            acked.append(("users", "email", body["email"], op, when))
        elif js.get("id"):
            acked.append(("faqs" if op == "create faq" else "api_keys", "id", js["id"], op, when))

    def attempt(name, method, path, body):
        st, js, dt = api.call(method, path, body, timeout=30)
        ack(st, js, name, "while full", body)
        attempts.append({"op": name, "status": st, "secs": round(dt, 2), "error_body": is_error_body(js),
                         "code": js["error"]["code"] if is_error_body(js) else None,
                         "message": js["error"]["message"] if is_error_body(js) else (str(js)[:200] if st and st >= 300 else None)})
        return st

    for i in range(3):
        attempt("create faq", "POST", "/api/faqs", {"question": f"While the disk is full {i} " + "x" * 900 + "?",
                                                    "answer": "y" * 20000, "status": "published"})
        attempt("create task", "POST", "/api/tasks", {"kind": "echo", "input": {"message": "z" * 5000}})
        attempt("signup", "POST", "/api/auth/signup", {"email": f"full-{i}-{secrets.token_hex(4)}@example.com",
                                                      "password": "pw-" + secrets.token_hex(8), "tenant_name": "Full"})
        attempt("create api key", "POST", "/api/api-keys", {"name": f"full {i}", "role": "member"})
    reads = []
    for path in ("/readyz", "/api/faqs", "/api/tasks?limit=5"):
        st, js, dt = api.call("GET", path, timeout=30)
        reads.append({"path": path, "status": st})
    alive_full = serve.poll() is None
    writes_ok_while_full = sum(1 for a in attempts if a["status"] and a["status"] < 300)
    # Free the space again; the same server must take writes again.
    os.remove(filler)
    time.sleep(1)
    after = []
    for i in range(3):
        body = {"question": f"After the disk was freed {i}?", "answer": "ok", "status": "published"}
        st, js, _ = api.call("POST", "/api/faqs", body)
        ack(st, js, "create faq", "after freeing", body)
        after.append(st)
        time.sleep(0.5)
    t2 = api.call("POST", "/api/tasks", {"kind": "echo", "input": {"message": "after"}})
    ack(t2[0], t2[1], "create task", "after freeing", None)
    # Every acknowledged write, as the API sees it now.
    api_missing = []
    for table, col, val, op, when in acked:
        if table == "tasks" and api.call("GET", f"/api/tasks/{val}")[0] == 404:
            api_missing.append(f"{op} ({when}): GET /api/tasks/{val} answers 404")
        if table == "faqs" and api.call("GET", f"/api/faqs/{val}")[0] == 404:
            api_missing.append(f"{op} ({when}): GET /api/faqs/{val} answers 404")
    task_after = None
    if t2[0] == 202:
        got, _ = api.wait_final([t2[1]["task_id"]], 60)
        task_after = (got.get(t2[1]["task_id"]) or {}).get("status")
    alive_after = serve.poll() is None
    procs.stop(serve)
    dbfile = os.path.join(data, "morningai.db")
    integ = subprocess.run(["sqlite3", dbfile, "PRAGMA integrity_check;"], capture_output=True, text=True)
    fk = subprocess.run(["sqlite3", dbfile, "PRAGMA foreign_key_check;"], capture_output=True, text=True)
    db_missing = []
    for table, col, val, op, when in acked:
        if col == "id":
            q = f"SELECT count(*) FROM {table} WHERE lower(hex(id)) = '{str(val).replace('-', '').lower()}';"
        else:
            q = f"SELECT count(*) FROM {table} WHERE {col} = '{val}';"
        got = subprocess.run(["sqlite3", dbfile, q], capture_output=True, text=True).stdout.strip()
        if got != "1":
            db_missing.append(f"{op} ({when}) answered 2xx, {table} {val}: not in the database after stop")
    # The server starts again on the same folder.
    serve2, _ = start_serve(env, log)
    restart_ok = serve2.poll() is None
    procs.stop(serve2)
    before_rows = subprocess.run(["sqlite3", dbfile, "SELECT count(*) FROM faqs WHERE question LIKE 'Before the disk%';"],
                                 capture_output=True, text=True).stdout.strip()
    n_panics, panic_lines = panics([log])
    disk_full_logged = 0
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if "disk is full" in line or "No space left" in line or "SQLITE_FULL" in line:
                disk_full_logged += 1
    failing = [a for a in attempts if not (a["status"] and a["status"] < 300)]
    clear = [a for a in failing if a["error_body"] and a["status"] and a["status"] >= 500 and a["code"] != "internal"]
    codes = {}
    for a in attempts:
        k = f"{a['op']}: {a['status']} {a.get('code') or ''}".strip()
        codes[k] = codes.get(k, 0) + 1
    res = {
        "property": "a full disk for SQLite: clear errors, no corruption, recovery",
        "filesystem": f"tmpfs of {DISK_MB} MiB holding MORNINGAI_DATA_DIR (SQLite database, WAL), filled with a file",
        "free_bytes_when_full": free, "writes_while_full": len(attempts),
        "writes_accepted_while_full": writes_ok_while_full, "answers_while_full": codes,
        "answer_examples": {f"{a['op']} {a['status']}": a["message"] for a in attempts},
        "reads_while_full": reads, "server_alive_while_full": alive_full,
        "log_lines_naming_a_full_disk": disk_full_logged,
        "writes_after_freeing": after, "task_after_freeing": task_after, "server_alive_after": alive_after,
        "integrity_check": integ.stdout.strip() or integ.stderr.strip(),
        "foreign_key_check": fk.stdout.strip() or "ok",
        "rows_written_before_kept": f"{before_rows}/{created}",
        "acknowledged_writes": len(acked), "acknowledged_but_missing_in_api": api_missing,
        "acknowledged_but_missing_in_database": db_missing, "restarts_on_the_same_folder": restart_ok,
        "panics": n_panics, "panic_lines": panic_lines,
    }
    checks = {
        "server_survives": alive_full and alive_after,
        "errors_are_json_5xx": bool(failing) and all(a["error_body"] and a["status"] and a["status"] >= 500 for a in failing),
        "errors_are_clear": bool(failing) and len(clear) == len(failing),
        "no_corruption": res["integrity_check"] == "ok" and before_rows == str(created) and restart_ok,
        "acknowledged_writes_kept": not api_missing and not db_missing,
        "recovers_after_freeing": all(s == 201 for s in after) and task_after == "done",
        "no_panics": n_panics == 0,
    }
    subprocess.run(["umount", "-l", mnt], capture_output=True)
    return res, checks


# --------------------------------------------------------------------------- phase: model faults

MODEL_MODES = {
    # mode: (acceptable final statuses, what the error should mention)
    "hang": (("failed", "done"), r"time|timed out|timeout"),
    "http500": (("failed", "done"), r"500|server"),
    "cut": (("failed", "done"), r"stream|DONE|ended|chunk|connection|decod|body"),
    "stall": (("failed", "done"), r"time|timed out|timeout"),
    "flaky": (("done",), None),
    "ok": (("done",), None),
}


def phase_model(out, work):
    pg = getattr(phase_kill, "pg", None) or Postgres(work)
    phase_kill.pg = pg
    db = pg.create_db("faults_model")
    oai = start_fake_openai(out, "model", {"FAKE_OPENAI_MODE": "ok"})
    data = os.path.join(work, "model-data")
    os.makedirs(data)
    env = base_env()
    env.update({"MORNINGAI_DATABASE_URL": db, "MORNINGAI_QUEUE": "database", "MORNINGAI_DATA_DIR": data,
                "MORNINGAI_OPENAI_BASE_URL": f"http://127.0.0.1:{oai}/v1",
                "MORNINGAI_LLM_TIMEOUT_SECS": str(MODEL_TIMEOUT), "MORNINGAI_LLM_CONCURRENCY": "64"})
    logs = [os.path.join(out, "faults-model-serve.log"), os.path.join(out, "faults-model-worker.log")]
    for p in logs:
        open(p, "w").close()
    serve, base = start_serve(dict(env, MORNINGAI_WORKERS="0"), logs[0])
    worker = start_worker(dict(env, MORNINGAI_WORKERS="16"), logs[1])
    api = Api(base)
    api.signup("model")
    nonce = secrets.token_hex(4)
    submitted = {}
    t0 = time.time()
    for mode in MODEL_MODES:
        for i in range(MODEL_TASKS):
            js = api.must("POST", "/api/tasks", {"kind": "chat", "input": {
                "question": f"[fault:{mode}] What does the demo do? ({nonce} {i})", "max_tokens": 64}}, expect=(202,))
            submitted[js["task_id"]] = mode
    final, stuck = api.wait_final(list(submitted), MODEL_DEADLINE, poll=1.0)
    per_mode = {}
    bad = []
    for tid, mode in submitted.items():
        t = final.get(tid) or {}
        finished = t.get("finished_at")
        m = per_mode.setdefault(mode, {"statuses": {}, "errors": [], "max_secs": 0})
        st = t.get("status")
        m["statuses"][str(st)] = m["statuses"].get(str(st), 0) + 1
        if t.get("error") and len(m["errors"]) < 2:
            m["errors"].append(t["error"][:300])
        if t.get("created_at") and t.get("finished_at"):
            from datetime import datetime
            secs = (datetime.fromisoformat(t["finished_at"].replace("Z", "+00:00"))
                    - datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))).total_seconds()
            m["max_secs"] = max(m["max_secs"], round(secs, 1))
        allowed, pattern = MODEL_MODES[mode]
        if st not in allowed:
            bad.append((tid, mode, st, "status"))
        elif st == "failed" and (not t.get("error") or (pattern and not re.search(pattern, t["error"], re.I))):
            bad.append((tid, mode, st, "error does not say what happened"))
        _ = finished
    fault_secs = round(time.time() - t0, 1)
    # The worker must still take work afterwards.
    after = [api.must("POST", "/api/tasks", {"kind": "chat", "input": {
        "question": f"[fault:ok] Still there? ({nonce} after {i})"}}, expect=(202,))["task_id"] for i in range(2)]
    got, stuck_after = api.wait_final(after, 60)
    after_ok = all((got.get(t) or {}).get("status") == "done" for t in after)
    st_stats = http("GET", f"http://127.0.0.1:{oai}/_stats")[1] or {}
    n_panics, panic_lines = panics(logs)
    alive = serve.poll() is None and worker.poll() is None
    res = {
        "property": "the model server faulting (hangs, 500s, cut streams): tasks fail or retry cleanly",
        "llm_timeout_secs": MODEL_TIMEOUT, "tasks_per_mode": MODEL_TASKS, "per_mode": per_mode,
        "stuck": [(t, submitted[t]) for t in stuck], "unclean": bad, "secs_until_all_final": fault_secs,
        "tasks_after_faults_done": after_ok, "model_server_requests": st_stats.get("stats"),
        "worker_alive": alive, "panics": n_panics, "panic_lines": panic_lines,
    }
    checks = {
        "none_stuck": not stuck,
        "fail_or_retry_cleanly": not bad,
        "worker_healthy_after": after_ok and alive,
        "no_panics": n_panics == 0,
    }
    for p in (serve, worker):
        procs.stop(p)
    return res, checks


# --------------------------------------------------------------------------- main

PHASE_FNS = {"kill": phase_kill, "redis": phase_redis, "pg": phase_pg, "disk": phase_disk, "model": phase_model}


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "run":
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    if not os.access(BIN, os.X_OK):
        sys.exit(f"faults: no binary at {BIN} (set MORNINGAI_BIN)")
    work = tempfile.mkdtemp(prefix="morningai-faults.", dir="/tmp")
    os.chmod(work, 0o755)
    report = {"binary": BIN, "seed": SEED, "phases": {}, "failures": []}
    started = time.time()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name in PHASES:
            if name not in PHASE_FNS:
                report["failures"].append(f"{name}: unknown phase")
                continue
            say(f"phase {name} ...")
            t = time.time()
            try:
                res, checks = PHASE_FNS[name](out, work)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - a phase that cannot run is a failure of its own
                import traceback
                res, checks = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()[-2000:]}, \
                    {"phase_ran": False}
            res["secs"] = round(time.time() - t, 1)
            res["checks"] = checks
            report["phases"][name] = res
            for k, ok in checks.items():
                if not ok:
                    report["failures"].append(f"{name}.{k}")
            say(f"phase {name}: {'ok' if all(checks.values()) else 'FAILED ' + ', '.join(k for k, v in checks.items() if not v)}"
                f" ({res['secs']}s)")
            with open(os.path.join(out, "faults.json"), "w") as fh:
                json.dump(report, fh, indent=2, default=str)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    report["secs"] = round(time.time() - started, 1)
    report["ok"] = not report["failures"]
    with open(os.path.join(out, "faults.json"), "w") as fh:
        json.dump(report, fh, indent=2, default=str)
    summary(report)
    sys.exit(0 if report["ok"] else 1)


def summary(report):
    p = report["phases"]
    lines = []
    if "kill" in p and "kills" in p["kill"]:
        k = p["kill"]
        lines.append(f"kill:  {k['kills']} SIGKILLs ({k['kills_in_pr_window']} with a pull request in flight), "
                     f"{k['tasks_accepted']} tasks: {k['tasks_done']} done, {k['tasks_failed']} failed, "
                     f"{k['tasks_lost']} lost, {k['tasks_with_duplicates']} with duplicate side effects; "
                     f"{k['pull_requests']} PRs; drained in {k['drain_secs']}s")
    if "redis" in p and "accepted" in p["redis"]:
        r = p["redis"]
        lines.append(f"redis: {r['accepted']} accepted ({r['accepted_while_down']} while down), {r['done']} done, "
                     f"{r['lost']} lost")
        if "ephemeral_redis" in r:
            e = r["ephemeral_redis"]
            lines.append(f"redis (no persistence, informational): {e['accepted']} accepted, {e['done']} done, {e['lost']} lost")
    if "pg" in p and "accepted" in p["pg"]:
        g = p["pg"]
        lines.append(f"pg:    readyz while down {g['readyz_while_down']}, API {g['api_reads_while_down']}, "
                     f"creates {g['task_creates_while_down']}, max latency {g['max_latency_while_down_secs']}s, "
                     f"recovered {g['recovery_secs_after_start']}s after start, {g['accepted']} accepted, "
                     f"{g['lost']} lost")
    if "disk" in p and "answers_while_full" in p["disk"]:
        d = p["disk"]
        lines.append(f"disk:  {d['answers_while_full']}, integrity {d['integrity_check']}, after freeing {d['writes_after_freeing']}")
    if "model" in p and "per_mode" in p["model"]:
        m = p["model"]
        lines.append("model: " + "; ".join(f"{k} {v['statuses']}" for k, v in m["per_mode"].items()))
    for line in lines:
        say(line)
    say("failures: " + (", ".join(report["failures"]) or "none"))


if __name__ == "__main__":
    main()
