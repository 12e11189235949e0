"""Helpers for scripts/reliability/load.sh (standard library only).

  load.py setup BASE_URL OUT_DIR --sse N
      Signs up the tenants and users the run needs: ceil(N/200) tenants (the
      server allows 256 event streams per tenant), ceil(N/10) users spread
      over them (16 streams per user; 10 are used), each tenant's owner from
      sign-up and the others added as members who then log in; two `member`
      API keys per tenant; one `echo` task per user that stops at its
      approval (so that its event stream stays open). Waits until those tasks
      wait, and writes OUT_DIR/load-state.json plus the wrk inputs
      load-logins.txt (email<TAB>password), load-keys.txt (API keys) and
      load-tokens.txt (API keys and session tokens).
  load.py plan RATE MIX OUT_DIR
      Prints one line per request type: TYPE RATE CONNECTIONS INPUT_FILE.
      MIX is `type=weight,...` (types: login, submit, list_tasks, list_repos,
      me).
  load.py monitor PID OUT.ndjson
      Every second: the process's VmRSS, VmHWM, threads, open descriptors and
      CPU seconds, and the machine's CPU use and load average, one JSON line
      each, until SIGTERM or the process ends.
  load.py sse STATE.json OUT.json READY_FILE STOP_FILE
      Opens the N event streams (raw asyncio, HTTP/1.1, chunked), writes
      READY_FILE once every stream is open or has failed, holds them until
      STOP_FILE exists, then cancels the tasks they watch and times how long
      each stream takes to deliver `task.canceled`. Writes OUT.json.
  load.py report OUT_DIR OUT.json
      Reads the wrk results, the stream figures, the memory samples and the
      run's facts (LOAD_* in the environment, else OUT_DIR/load-run.json,
      which load.sh writes), writes OUT.json, prints a summary and exits
      1 when a gate fails.
"""

import asyncio
import json
import math
import re
import os
import secrets
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

STREAMS_PER_USER = 10      # the server allows 16
STREAMS_PER_TENANT = 200   # the server allows 256
TYPES = ("login", "submit", "list_tasks", "list_repos", "me")


def call(base, method, path, token=None, body=None, expect=(200, 201, 202), timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for attempt in range(20):
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        # A 429 here is the password-hashing queue being full: wait and retry.
        if status == 429 and 429 not in expect:
            time.sleep(0.5 * (attempt + 1))
            continue
        break
    if status not in expect:
        sys.exit(f"load setup: {method} {path} answered {status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


# --------------------------------------------------------------------------- setup

def setup(base, out_dir, n_sse):
    rnd = secrets.token_hex(4)
    n_tenants = max(1, math.ceil(n_sse / STREAMS_PER_TENANT))
    n_users = max(n_tenants, math.ceil(n_sse / STREAMS_PER_USER))
    pool = ThreadPoolExecutor(8)

    def signup(t):
        email = f"load-owner-{t}-{rnd}@example.com"
        password = f"pw-{secrets.token_hex(12)}"
        s = call(base, "POST", "/api/auth/signup",
                 body={"email": email, "password": password, "tenant_name": f"Load tenant {t}"})
        keys = [call(base, "POST", "/api/api-keys", s["token"], {"name": f"load {i}", "role": "member"})["secret"]
                for i in range(2)]
        return {"id": s["tenant"]["id"], "owner_token": s["token"], "keys": keys,
                "users": [{"email": email, "password": password, "token": s["token"], "role": "owner"}]}

    tenants = list(pool.map(signup, range(n_tenants)))

    def add_member(arg):
        t, u = arg
        tenant = tenants[t]
        email = f"load-member-{t}-{u}-{rnd}@example.com"
        password = f"pw-{secrets.token_hex(12)}"
        call(base, "POST", "/api/tenant/members", tenant["owner_token"],
             {"email": email, "role": "member", "password": password})
        s = call(base, "POST", "/api/auth/login", body={"email": email, "password": password,
                                                        "tenant_id": tenant["id"]})
        return t, {"email": email, "password": password, "token": s["token"], "role": "member"}

    wanted = [(i % n_tenants) for i in range(n_tenants, n_users)]
    members = list(pool.map(add_member, [(t, i) for i, t in enumerate(wanted)]))
    for t, m in members:
        tenants[t]["users"].append(m)

    # One task per user, waiting for its approval; the user's streams watch it.
    def make_task(arg):
        tenant, user = arg
        r = call(base, "POST", "/api/tasks", tenant["owner_token"],
                 {"kind": "echo", "input": {"message": "held open", "rounds": 1, "require_approval": True}})
        user["task"] = r["task_id"]

    list(pool.map(make_task, [(t, u) for t in tenants for u in t["users"]]))
    users = [dict(u, tenant=t["id"]) for t in tenants for u in t["users"]]
    # Spread the streams over the users, each tenant below its cap.
    for i, u in enumerate(users):
        u["streams"] = 0
    for i in range(n_sse):
        users[i % len(users)]["streams"] += 1
    settle(base, tenants, timeout=180)

    with open(os.path.join(out_dir, "load-logins.txt"), "w") as fh:
        fh.writelines(f"{u['email']}\t{u['password']}\n" for u in users)
    keys = [k for t in tenants for k in t["keys"]]
    with open(os.path.join(out_dir, "load-keys.txt"), "w") as fh:
        fh.writelines(f"{k}\n" for k in keys)
    with open(os.path.join(out_dir, "load-tokens.txt"), "w") as fh:
        fh.writelines(f"{k}\n" for k in keys + [u["token"] for u in users])
    state = {"base": base, "tenants": [{k: t[k] for k in ("id", "owner_token", "keys")} for t in tenants],
             "users": users, "sse": n_sse}
    with open(os.path.join(out_dir, "load-state.json"), "w") as fh:
        json.dump(state, fh, indent=1)
    print(f"load setup: {len(tenants)} tenants, {len(users)} users, {len(keys)} API keys, "
          f"{len(users)} held tasks, {n_sse} streams planned")


def settle(base, tenants, timeout):
    deadline = time.monotonic() + timeout
    while True:
        waiting = sum(len(call(base, "GET", "/api/tasks?status=waiting_approval&limit=200", t["owner_token"])["tasks"])
                      for t in tenants)
        want = sum(len(t["users"]) for t in tenants)
        if waiting >= want:
            return
        if time.monotonic() > deadline:
            sys.exit(f"load setup: only {waiting} of {want} held tasks reached waiting_approval in {timeout}s")
        time.sleep(0.5)


# --------------------------------------------------------------------------- plan

def plan(rate, mix, out_dir):
    weights = {}
    for part in mix.split(","):
        name, _, w = part.partition("=")
        name = name.strip()
        if name not in TYPES:
            sys.exit(f"load plan: unknown request type {name!r} in LOAD_MIX (types: {', '.join(TYPES)})")
        weights[name] = float(w)
    total = sum(weights.values())
    inputs = {"login": "load-logins.txt", "submit": "load-keys.txt"}
    for name, w in weights.items():
        if w <= 0:
            continue
        r = rate * w / total
        # Enough connections to keep the rate with responses of up to 250 ms
        # (more only queue at the server; a slower server shows as missed
        # slots and a lower achieved rate).
        conns = max(8, min(512, math.ceil(r * 0.25)))
        print(name, f"{r:.3f}", conns, os.path.join(out_dir, inputs.get(name, "load-tokens.txt")))


# --------------------------------------------------------------------------- monitor

def monitor(pid, out_path):
    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    tick = os.sysconf("SC_CLK_TCK")
    with open(out_path, "w") as out:
        nxt = time.monotonic()
        while not stop:
            try:
                status = open(f"/proc/{pid}/status").read()
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                fds = len(os.listdir(f"/proc/{pid}/fd"))
            except (FileNotFoundError, ProcessLookupError):
                break
            try:
                cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
                load1 = float(open("/proc/loadavg").read().split()[0])
            except (OSError, ValueError):
                cpu, load1 = [0] * 8, None
            out.write(json.dumps({
                "t": time.time(),
                # The whole machine: busy and total CPU seconds (all cores), load average.
                "host_busy_s": (sum(cpu[:8]) - cpu[3] - cpu[4]) / tick,
                "host_total_s": sum(cpu[:8]) / tick,
                "load1": load1,
                "rss_kb": int(fields["VmRSS"].split()[0]),
                "hwm_kb": int(fields["VmHWM"].split()[0]),
                "threads": int(fields["Threads"]),
                "fds": fds,
                "cpu_s": (int(stat[11]) + int(stat[12])) / tick,
            }) + "\n")
            out.flush()
            nxt += 1.0
            time.sleep(max(0.0, nxt - time.monotonic()))


# --------------------------------------------------------------------------- sse

FINAL = ("task.done", "task.failed", "task.canceled")


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))
    return v[k]


class Sse:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.connect_ms = []
        self.failures = {}
        self.failure_samples = []
        self.open = 0
        self.max_open = 0
        self.events = 0
        self.keepalives = 0
        self.bytes = 0
        self.dropped = 0           # closed by the server before the stop
        self.holding = True
        self.final_at = {}         # stream index -> (monotonic time, event kind)
        self.final_waiters = {}

    def fail(self, why, detail=""):
        self.failures[why] = self.failures.get(why, 0) + 1
        if len(self.failure_samples) < 10:
            self.failure_samples.append(f"{why}: {detail}"[:400])

    async def stream(self, idx, token, task, gate):
        path = f"/api/tasks/{task}/events"
        writer = None
        try:
            async with gate:
                t0 = time.monotonic()
                try:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port, limit=1 << 20), 30)
                    writer.write((f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                                  f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
                                  f"Cache-Control: no-cache\r\n\r\n").encode())
                    await writer.drain()
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
                    self.fail(f"connect: {type(e).__name__}", str(e))
                    return
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
                if status != 200:
                    body = b""
                    try:
                        body = await asyncio.wait_for(reader.read(500), 2)
                    except Exception:
                        pass
                    self.fail(f"status {status}", body.decode("utf-8", "replace"))
                    return
                self.connect_ms.append((time.monotonic() - t0) * 1000)
            self.open += 1
            self.max_open = max(self.max_open, self.open)
            try:
                await self.read_events(idx, reader, headers.get("transfer-encoding", "").lower() == "chunked")
            finally:
                self.open -= 1
        except Exception as e:  # counted, never raised: one stream must not stop the others
            self.fail(f"stream: {type(e).__name__}", str(e))
        finally:
            if writer is not None:
                writer.close()

    async def read_events(self, idx, reader, chunked):
        buf = ""
        while True:
            try:
                if chunked:
                    size_line = await reader.readline()
                    if not size_line:
                        break
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        break
                    data = await reader.readexactly(size + 2)
                    data = data[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        break
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            self.bytes += len(data)
            buf += data.decode("utf-8", "replace")
            while "\n\n" in buf:
                block, buf = buf.split("\n\n", 1)
                kind, is_event = None, False
                for line in block.split("\n"):
                    if line.startswith(":"):
                        continue
                    if line.startswith("event:"):
                        kind, is_event = line[6:].strip(), True
                    elif line.startswith("data:") or line.startswith("id:"):
                        is_event = True
                if not is_event:
                    self.keepalives += 1
                    continue
                self.events += 1
                if kind in FINAL and idx not in self.final_at:
                    self.final_at[idx] = (time.monotonic(), kind)
        if self.holding:
            self.dropped += 1
            self.fail("closed by the server during the hold", f"stream {idx}")


async def sse_main(state_path, out_path, ready_path, stop_path):
    with open(state_path) as fh:
        state = json.load(fh)
    u = urllib.parse.urlsplit(state["base"])
    sse = Sse(u.hostname, u.port)
    plan_ = [(u_["token"], u_["task"]) for u_ in state["users"] for _ in range(u_["streams"])]
    gate = asyncio.Semaphore(64)   # streams being opened at once
    t_start = time.monotonic()
    tasks = [asyncio.create_task(sse.stream(i, tok, task, gate)) for i, (tok, task) in enumerate(plan_)]
    # Ready once every stream is open or has failed.
    while len(sse.connect_ms) + sum(sse.failures.values()) < len(plan_) and time.monotonic() - t_start < 300:
        await asyncio.sleep(0.1)
    ramp_s = time.monotonic() - t_start
    with open(ready_path, "w") as fh:
        json.dump({"connected": len(sse.connect_ms), "failed": sum(sse.failures.values()), "ramp_s": ramp_s}, fh)
    print(f"load sse: {len(sse.connect_ms)} of {len(plan_)} streams open in {ramp_s:.1f}s", flush=True)

    hold_start = time.monotonic()
    min_open = sse.open
    events_at_ready = sse.events
    while not os.path.exists(stop_path):
        await asyncio.sleep(0.2)
        min_open = min(min_open, sse.open)
    hold_s = time.monotonic() - hold_start
    open_at_stop = sse.open
    events_during_hold = sse.events - events_at_ready
    sse.holding = False

    # Cancel every held task (a waiting task is canceled at once, without a
    # worker) and time each stream's `task.canceled`.
    loop = asyncio.get_running_loop()
    owner = {t["id"]: t["owner_token"] for t in state["tenants"]}
    sent_at, cancel_failed = {}, []

    def cancel(user):
        t0 = time.monotonic()
        try:
            call(state["base"], "POST", f"/api/tasks/{user['task']}/cancel", owner[user["tenant"]], {})
        except SystemExit as e:
            cancel_failed.append(str(e))
        return user["task"], t0

    with ThreadPoolExecutor(8) as ex:
        for task, t0 in await asyncio.gather(*(loop.run_in_executor(ex, cancel, u_) for u_ in state["users"])):
            sent_at[task] = t0
    deadline = time.monotonic() + 60
    while len(sse.final_at) < open_at_stop and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    delivery = [(sse.final_at[i][0] - sent_at[plan_[i][1]]) * 1000 for i in sse.final_at]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    r = lambda x: None if x is None else round(x, 2)
    out = {
        "target": len(plan_),
        "users": len(state["users"]),
        "tenants": len(state["tenants"]),
        "connected": len(sse.connect_ms),
        "failed": sum(sse.failures.values()),
        "failures": sse.failures,
        "failure_samples": sse.failure_samples,
        "ramp_s": r(ramp_s),
        "connect_ms": {"p50": r(pct(sse.connect_ms, 50)), "p99": r(pct(sse.connect_ms, 99)),
                       "max": r(max(sse.connect_ms, default=None))},
        "max_open": sse.max_open,
        "hold_s": r(hold_s),
        "min_open_during_hold": min_open,
        "open_at_stop": open_at_stop,
        "dropped_during_hold": sse.dropped,
        "events_received": sse.events,
        "events_during_hold": events_during_hold,
        "keepalives_received": sse.keepalives,
        "bytes_received": sse.bytes,
        "cancel": {
            "tasks": len(state["users"]),
            "failed_requests": cancel_failed[:5],
            "final_events_received": len(sse.final_at),
            "kinds": sorted({k for _, k in sse.final_at.values()}),
            "missing": open_at_stop - len(sse.final_at),
            "delivery_ms": {"p50": r(pct(delivery, 50)), "p99": r(pct(delivery, 99)),
                            "max": r(max(delivery, default=None))},
        },
    }
    with open(out_path, "w") as fh:
        json.dump(out, fh, indent=2)
    print(f"load sse: held {min_open} (min) of {len(sse.connect_ms)} for {hold_s:.0f}s; "
          f"{len(sse.final_at)} task.canceled delivered, p99 {out['cancel']['delivery_ms']['p99']} ms", flush=True)


# --------------------------------------------------------------------------- report

def read_json(path, default=None):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def rnd2(x):
    return None if x is None else round(x, 2)


def slope_mb_per_min(samples):
    if len(samples) < 3:
        return None
    xs = [s["t"] for s in samples]
    ys = [s["rss_kb"] / 1024 for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 60


def floor_samples(samples, window=5.0):
    """The lowest sample of each `window` seconds: the RSS floor, without the
    transient peaks of short-lived large buffers (argon2 takes 19 MiB a hash)."""
    out, bucket, start = [], [], None
    for s in samples:
        if start is None or s["t"] - start >= window:
            if bucket:
                out.append(min(bucket, key=lambda x: x["rss_kb"]))
            bucket, start = [], s["t"]
        bucket.append(s)
    if bucket:
        out.append(min(bucket, key=lambda x: x["rss_kb"]))
    return out


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if v else None


def report(out_dir, out_json):
    # The run's facts: load.sh exports them and keeps a copy in
    # load-run.json, so that the report can be made again from the files.
    env = read_json(os.path.join(out_dir, "load-run.json"), {})
    env.update({k: v for k, v in os.environ.items() if k.startswith("LOAD_")})
    t0, t1 = float(env["LOAD_T_START"]), float(env["LOAD_T_END"])
    secs = t1 - t0
    types = {}
    totals = {"requests": 0, "status_2xx": 0, "status_429": 0, "status_5xx": 0, "status_other": 0,
              "socket_errors": 0, "missed_slots": 0}
    target_rates = {}
    for line in env.get("LOAD_PLAN", "").strip().splitlines():
        name, rate, conns, _ = line.split()
        target_rates[name] = (float(rate), int(conns))
    for name, (rate, conns) in target_rates.items():
        w = read_json(os.path.join(out_dir, f"load-wrk-{name}.json"))
        if w is None:
            types[name] = {"error": "wrk wrote no result (see load-wrk-%s.txt)" % name}
            totals["socket_errors"] += 1
            continue
        st = {k: int(v) for k, v in w["statuses"].items()}
        s2 = sum(v for k, v in st.items() if k.startswith("2"))
        s429 = st.get("429", 0)
        s5 = sum(v for k, v in st.items() if k.startswith("5"))
        other = sum(st.values()) - s2 - s429 - s5
        sock = sum(w["errors"][k] for k in ("connect", "read", "write", "timeout"))
        dur = w["duration_us"] / 1e6
        lat = w["latency_us"]
        types[name] = {
            "target_rps": round(rate, 2), "connections": conns,
            "requests": w["requests"], "achieved_rps": round(w["requests"] / dur, 2) if dur else None,
            "latency_ms": {k: round(lat[k] / 1000, 2) for k in ("p50", "p90", "p99", "p999", "max", "mean")},
            "statuses": dict(sorted(st.items())),
            "status_429": s429, "status_5xx": s5, "status_other_non_2xx": other,
            "socket_errors": {k: w["errors"][k] for k in ("connect", "read", "write", "timeout")},
            "missed_slots": w["missed_slots"],
        }
        totals["requests"] += w["requests"]
        totals["status_2xx"] += s2
        totals["status_429"] += s429
        totals["status_5xx"] += s5
        totals["status_other"] += other
        totals["socket_errors"] += sock
        totals["missed_slots"] += w["missed_slots"]
    totals["achieved_rps"] = round(totals["requests"] / secs, 2) if secs else None
    totals["target_rps"] = float(env.get("LOAD_RATE", 0))

    # Memory: samples while wrk ran; the slope over its second half.
    samples = []
    try:
        with open(os.path.join(out_dir, "load-rss.ndjson")) as fh:
            samples = [json.loads(l) for l in fh if l.strip()]
    except FileNotFoundError:
        pass
    during = [s for s in samples if t0 <= s["t"] <= t1]
    half = [s for s in during if s["t"] >= t0 + secs / 2]
    before = [s for s in samples if s["t"] < t0]
    mb = lambda kb: round(kb / 1024, 1)
    window = round(min(5.0, max(1.0, secs / 12)), 2)
    memory = {
        "samples": len(samples),
        "rss_mb_idle": mb(samples[0]["rss_kb"]) if samples else None,
        "rss_mb_at_load_start": mb(before[-1]["rss_kb"]) if before else (mb(during[0]["rss_kb"]) if during else None),
        "rss_mb_peak": mb(max(s["rss_kb"] for s in samples)) if samples else None,
        "rss_mb_at_load_end": mb(during[-1]["rss_kb"]) if during else None,
        "rss_mb_last": mb(samples[-1]["rss_kb"]) if samples else None,
        # Least squares over the second half of the run: of the minima of each
        # floor_window_s (the floor; `flat` is judged on it), and of every sample.
        "slope_mb_per_min_second_half": rnd2(slope_mb_per_min(floor_samples(half, window))),
        "slope_mb_per_min_second_half_all_samples": rnd2(slope_mb_per_min(half)),
        "slope_mb_per_min_whole_run": rnd2(slope_mb_per_min(floor_samples(during, window))),
        "floor_window_s": window,
        # Median of the run's last third minus that of its first third.
        "growth_mb_first_to_last_third": (
            round((median([s["rss_kb"] for s in during if s["t"] >= t0 + 2 * secs / 3])
                   - median([s["rss_kb"] for s in during if s["t"] <= t0 + secs / 3])) / 1024, 1)
            if len(during) >= 6 else None),
        "fds_at_load_start": (before[-1] if before else during[0])["fds"] if (before or during) else None,
        "fds_peak": max((s["fds"] for s in samples), default=None),
        "fds_last": samples[-1]["fds"] if samples else None,
        "threads_peak": max((s["threads"] for s in samples), default=None),
        "server_cpu_s_during_load": round(during[-1]["cpu_s"] - during[0]["cpu_s"], 1) if len(during) > 1 else None,
    }
    def cores(rows):
        return round((rows[-1]["cpu_s"] - rows[0]["cpu_s"]) / (rows[-1]["t"] - rows[0]["t"]), 2) if len(rows) > 1 else None

    t_ready = float(env.get("LOAD_T_READY", t0))
    idle_streams = [s for s in samples if t_ready <= s["t"] <= t0]
    host = [s for s in during if "host_total_s" in s]
    cpu = {
        # What the open streams cost with no requests (each re-reads the store
        # every 2 s without news), and what the server used under load.
        "server_cores_streams_open_no_load": cores(idle_streams),
        "server_cores_during_load": cores(during),
        "host_busy_pct_during_load": (round(100 * (host[-1]["host_busy_s"] - host[0]["host_busy_s"])
                                            / (host[-1]["host_total_s"] - host[0]["host_total_s"]), 1)
                                      if len(host) > 1 and host[-1]["host_total_s"] > host[0]["host_total_s"] else None),
        "load_average_1m_max": max((s.get("load1") or 0 for s in samples), default=None),
    }
    limit = float(env.get("LOAD_RSS_SLOPE_MAX", "5"))
    memory["flat_threshold_mb_per_min"] = limit
    sl = memory["slope_mb_per_min_second_half"]
    memory["flat"] = sl is not None and sl <= limit
    # Every second's figures, for a plot: seconds since load start, MB, fds.
    memory["series"] = [[round(s["t"] - t0, 1), mb(s["rss_kb"]), s["fds"]] for s in samples]

    sse = read_json(os.path.join(out_dir, "load-sse.json"), {})
    log = os.path.join(out_dir, "load-server.log")
    panics, errors_logged, error_samples = 0, 0, []
    warns_logged, warn_samples = 0, {}
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    try:
        with open(log, errors="replace") as fh:
            for line in fh:
                line = ansi.sub("", line)
                if "panicked at" in line:
                    panics += 1
                if " ERROR " in line or '"level":"ERROR"' in line:
                    errors_logged += 1
                    if len(error_samples) < 10:
                        error_samples.append(line.strip()[:400])
                elif " WARN " in line:
                    warns_logged += 1
                    # One sample per message (the text after the level).
                    msg = line.split(" WARN ", 1)[1].strip()[:300]
                    key = msg[:60]
                    if key not in warn_samples and len(warn_samples) < 10:
                        warn_samples[key] = msg
    except FileNotFoundError:
        pass

    server = {"alive_after_run": env.get("LOAD_SERVER_UP") == "1", "panics": panics,
              "error_lines_logged": errors_logged, "error_samples": error_samples,
              "warn_lines_logged": warns_logged, "warn_samples": list(warn_samples.values()),
              "tasks_after_run": read_json(os.path.join(out_dir, "load-task-counts.json"))}
    gates = []
    if totals["status_5xx"]:
        gates.append(f"{totals['status_5xx']} responses with 5xx")
    if totals["socket_errors"]:
        gates.append(f"{totals['socket_errors']} socket errors (connect/read/write/timeout)")
    if totals["status_other"]:
        gates.append(f"{totals['status_other']} unexpected non-2xx responses (not 429, not 5xx): the load is not what it claims")
    if sse.get("connected", 0) < int(env.get("LOAD_SSE", 0)):
        gates.append(f"{sse.get('connected', 0)} of {env.get('LOAD_SSE')} event streams connected")
    if sse.get("dropped_during_hold"):
        gates.append(f"{sse['dropped_during_hold']} event streams closed by the server during the run")
    if not server["alive_after_run"]:
        gates.append("the server was not answering /readyz after the run")
    if panics:
        gates.append(f"{panics} panic(s) in the server log")
    if env.get("LOAD_GATE_MEMORY") == "1" and not memory["flat"]:
        gates.append(f"memory not flat: {sl} MB/min over the second half (limit {limit})")

    result = {
        "ok": not gates,
        "failed_gates": gates,
        "settings": {"secs": float(env.get("LOAD_SECS", 0)), "rate": float(env.get("LOAD_RATE", 0)),
                     "sse": int(env.get("LOAD_SSE", 0)), "mix": env.get("LOAD_MIX"),
                     "workers": env.get("LOAD_WORKERS"), "rust_log": env.get("LOAD_RUST_LOG")},
        "duration_s": round(secs, 2),
        "totals": totals,
        "types": types,
        "sse": sse,
        "memory": memory,
        "cpu": cpu,
        "server": server,
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "binary": env.get("LOAD_BIN"),
                    "build": env.get("LOAD_BUILD"), "wrk": env.get("LOAD_WRK_VERSION"),
                    "ulimit_n": env.get("LOAD_ULIMIT_N"),
                    "note": "load generators (wrk, the stream driver) share the machine's cores with the server"},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0)),
    }
    with open(out_json, "w") as fh:
        json.dump(result, fh, indent=2)

    print(f"load: {totals['requests']} requests in {secs:.1f}s = {totals['achieved_rps']} req/s "
          f"(target {totals['target_rps']}), 429: {totals['status_429']}, 5xx: {totals['status_5xx']}, "
          f"other non-2xx: {totals['status_other']}, socket errors: {totals['socket_errors']}, "
          f"missed slots: {totals['missed_slots']}")
    for name, t in types.items():
        if "latency_ms" in t:
            print(f"  {name:<11} {t['achieved_rps']:>8} req/s (target {t['target_rps']}), "
                  f"p50 {t['latency_ms']['p50']} ms, p99 {t['latency_ms']['p99']} ms, max {t['latency_ms']['max']} ms, "
                  f"statuses {t['statuses']}")
        else:
            print(f"  {name:<11} {t['error']}")
    if sse:
        print(f"  streams     {sse.get('connected')} of {sse.get('target')} open (connect p50 "
              f"{sse['connect_ms']['p50']} ms, p99 {sse['connect_ms']['p99']} ms), min held {sse.get('min_open_during_hold')}, "
              f"dropped {sse.get('dropped_during_hold')}, cancel delivery p50 {sse['cancel']['delivery_ms']['p50']} ms "
              f"p99 {sse['cancel']['delivery_ms']['p99']} ms ({sse['cancel']['final_events_received']} delivered)")
    print(f"  memory      RSS idle {memory['rss_mb_idle']} MB, load start {memory['rss_mb_at_load_start']} MB, "
          f"peak {memory['rss_mb_peak']} MB, load end {memory['rss_mb_at_load_end']} MB, "
          f"slope (2nd half) {memory['slope_mb_per_min_second_half']} MB/min; fds {memory['fds_at_load_start']} -> "
          f"{memory['fds_last']}")
    print(f"  cpu         server {cpu['server_cores_during_load']} cores under load, "
          f"{cpu['server_cores_streams_open_no_load']} with only the streams open; machine busy "
          f"{cpu['host_busy_pct_during_load']}% (load average up to {cpu['load_average_1m_max']})")
    print(f"  server      alive {server['alive_after_run']}, panics {panics}, ERROR lines {errors_logged}, "
          f"WARN lines {warns_logged}; tasks after the run {server['tasks_after_run']}")
    if gates:
        print("load: FAILED: " + "; ".join(gates))
        sys.exit(1)
    print("load: passed")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == "setup":
        n = int(a[a.index("--sse") + 1]) if "--sse" in a else 1000
        setup(a[1], a[2], n)
    elif cmd == "plan":
        plan(float(a[1]), a[2], a[3])
    elif cmd == "monitor":
        monitor(int(a[1]), a[2])
    elif cmd == "sse":
        asyncio.run(sse_main(a[1], a[2], a[3], a[4]))
    elif cmd == "report":
        report(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
