#!/usr/bin/env bash
# Load test (the load part of `make reliability`): a mixed API load at a
# fixed rate with wrk, while event-stream (SSE) subscribers hold their
# streams open on the same process; latency, errors, memory and descriptors.
#
# A fresh `morningai serve` (release build, SQLite in a temp folder, the
# in-process queue with MORNINGAI_WORKERS workers, random JWT secret and
# encryption key, no repository roots; log-in, sign-up and public rate limits
# and the tenants' task quota (MORNINGAI_TASKS_PER_HOUR, 600 by default: 100
# tasks/s would reach it in seconds) raised so that the load reaches the
# handlers rather than the limiters) gets
# ceil(LOAD_SSE/200) tenants and ceil(LOAD_SSE/10) users (owners by sign-up,
# members added and logged in), two member API keys per tenant and one `echo`
# task per user that stops at its approval (load.py setup).
#
# Then, in order:
#   1. load.py monitor samples the server's VmRSS, descriptors, threads and
#      CPU time every second, from before the streams until the end;
#   2. load.py sse opens LOAD_SSE streams (GET /api/tasks/{id}/events; 10 per
#      user and 200 per tenant, under the server's 16 and 256) and holds them;
#   3. one wrk process per request type, all at once for LOAD_SECS, each paced
#      (load.lua) to its share of LOAD_RATE:
#        login      POST /api/auth/login (argon2: CPU-bound, one hash per core
#                   at a time, 429 when its queue is full: counted apart)
#        submit     POST /api/tasks, an `echo` task of 1 round (no network;
#                   the queue fills faster than 2 workers drain it: expected)
#        list_tasks GET /api/tasks?limit=20
#        list_repos GET /api/repositories
#        me         GET /api/auth/me
#      with API keys and session tokens of every tenant;
#   4. the streams are still open when wrk ends (any closed earlier counts);
#      the held tasks are then canceled and each stream's `task.canceled` is
#      timed (fan-out delivery under 1,000 listeners).
# The default mix, login=2,submit=10,list_tasks=40,list_repos=10,me=38, is a
# busy API: log-ins are a small share (each costs ~20-50 ms of a core; 10%
# at 1,000 req/s would ask for more than the 2 cores hash), reads dominate.
#
# Figures: target/reliability/load.json (achieved req/s; per type p50/p90/
# p99/max latency, status codes, 429s, socket errors, missed pacing slots;
# the streams' connect p50/p99, hold, drops, events, cancel delivery p50/p99;
# RSS idle/start/peak/end and its slope in MB/min over the second half of
# the run, descriptors; the server's CPU under load and with only the streams
# open, the machine's CPU use and load average, which show whether something
# else was running; the machine and the binary), with wrk's own
# output in load-wrk-TYPE.txt, the samples in load-rss.ndjson, the run's
# settings and times in load-run.json (`python3 scripts/reliability/load.py
# report target/reliability target/reliability/load.json` makes the report
# again) and the server's log in load-server.log.
# Exit status 1 when any response is a 5xx, any socket error or timeout
# (10 s), any non-2xx other than 429 (the load would not be what it says),
# fewer than LOAD_SSE streams open, a stream closed during the run, the
# server down after the run or "panicked at" in its log (and, with
# LOAD_GATE_MEMORY=1, an RSS slope above LOAD_RSS_SLOPE_MAX MB/min).
# The load generators run on the same machine as the server: on 2 cores
# they take a share of its CPU; load.json reports the achieved rate as is.
#
# Settings (environment): MORNINGAI_BIN (default target/release/morningai:
# load figures come from a release build), LOAD_SECS (default 60),
# LOAD_RATE (requests/s, default 1000), LOAD_SSE (streams, default 1000),
# LOAD_MIX (weights, default above), LOAD_WORKERS (MORNINGAI_WORKERS,
# default 2), LOAD_RUST_LOG (the server's RUST_LOG, default info),
# LOAD_RSS_SLOPE_MAX (MB/min, default 5), LOAD_GATE_MEMORY (default 0).
# wrk is installed with apt-get when missing and running as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/reliability"
OUT="$ROOT/target/reliability"
export LOAD_SECS="${LOAD_SECS:-60}" LOAD_RATE="${LOAD_RATE:-1000}" LOAD_SSE="${LOAD_SSE:-1000}"
export LOAD_MIX="${LOAD_MIX:-login=2,submit=10,list_tasks=40,list_repos=10,me=38}"
export LOAD_WORKERS="${LOAD_WORKERS:-2}" LOAD_RUST_LOG="${LOAD_RUST_LOG:-info}"
BIN="${MORNINGAI_BIN:-$ROOT/target/release/morningai}"
mkdir -p "$OUT"

[[ -x "$BIN" ]] || { echo "load: no binary at $BIN (cargo build --release --bin morningai, or set MORNINGAI_BIN)" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "load: installing wrk (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
    else
        echo "load: wrk is missing: install it (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk)" >&2
        exit 2
    fi
fi
# wrk runs its Lua with LuaJIT's ffi (a monotonic clock for pacing).
wrk_version="$(wrk -v 2>&1 | head -1 || true)"

# Descriptors: every stream is one on each side, plus wrk's connections.
want_fds=$(( LOAD_SSE * 2 + 4096 ))
ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < LOAD_SSE + 1024 )); then
    echo "load: ulimit -n is $(ulimit -n), too low for $LOAD_SSE streams (raise the hard limit)" >&2
    exit 2
fi

case "$BIN" in
    */release/*|*-release) build=release ;;
    */debug/*) build=debug ;;
    *) build=unknown ;;
esac
export LOAD_BUILD="${LOAD_BUILD:-$build}"
if [[ $LOAD_BUILD != release ]]; then
    echo "load: warning: $BIN is a $LOAD_BUILD build; load figures should come from a release build" >&2
fi

DATA="$(mktemp -d "${TMPDIR:-/tmp}/morningai-load.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$OUT/load-server.log"
STATE="$OUT/load-state.json"
READY="$OUT/load-sse.ready"
STOP="$OUT/load-sse.stop"
rm -f "$OUT"/load-wrk-*.json "$OUT"/load-wrk-*.txt "$OUT/load-sse.json" "$OUT/load.json" \
    "$OUT/load-rss.ndjson" "$OUT/load-task-counts.json" "$OUT/load-run.json" "$READY" "$STOP"

server_pid= monitor_pid= sse_pid=
wrk_pids=()
cleanup() {
    for pid in "${wrk_pids[@]}" $sse_pid $monitor_pid; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$DATA" "$READY" "$STOP"
}
trap cleanup EXIT

(
    cd "$ROOT"
    unset MORNINGAI_LOCAL_REPOSITORY_ROOTS MORNINGAI_DATABASE_URL MORNINGAI_QUEUE
    export MORNINGAI_DATA_DIR="$DATA" \
        MORNINGAI_JWT_SECRET="$(openssl rand -hex 32)" \
        MORNINGAI_ENCRYPTION_KEY="$(openssl rand -hex 32)" \
        MORNINGAI_WORKERS="$LOAD_WORKERS" \
        MORNINGAI_ENV=development \
        MORNINGAI_ALLOW_SIGNUP=true \
        MORNINGAI_LOGIN_PER_IP_PER_MINUTE=1000000 \
        MORNINGAI_LOGIN_PER_ACCOUNT_PER_MINUTE=1000000 \
        MORNINGAI_PUBLIC_PER_IP_PER_MINUTE=1000000 \
        MORNINGAI_PUBLIC_PER_CENTRE_PER_MINUTE=1000000 \
        MORNINGAI_TASKS_PER_HOUR=100000000 \
        RUST_LOG="$LOAD_RUST_LOG"
    exec "$BIN" serve --addr "127.0.0.1:$PORT"
) >"$SERVER_LOG" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
    if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "load: the server exited; see $SERVER_LOG" >&2; tail -20 "$SERVER_LOG" >&2; exit 1; }
    sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "load: $BASE/readyz never answered 200" >&2; exit 1; }
echo "load: $BIN ($LOAD_BUILD) on $BASE, pid $server_pid; $(nproc) cores; $wrk_version"

python3 "$HERE/load.py" monitor "$server_pid" "$OUT/load-rss.ndjson" &
monitor_pid=$!
python3 "$HERE/load.py" setup "$BASE" "$OUT" --sse "$LOAD_SSE"

python3 "$HERE/load.py" sse "$STATE" "$OUT/load-sse.json" "$READY" "$STOP" &
sse_pid=$!
for _ in $(seq 1 3000); do
    [[ -f "$READY" ]] && break
    kill -0 "$sse_pid" 2>/dev/null || { echo "load: the stream driver exited early" >&2; exit 1; }
    sleep 0.1
done
[[ -f "$READY" ]] || { echo "load: the streams were not all open after 300 s" >&2; exit 1; }
export LOAD_T_READY="$(date +%s.%N)"
sleep 6   # samples with the streams open and no requests: what idle streams cost

PLAN="$(python3 "$HERE/load.py" plan "$LOAD_RATE" "$LOAD_MIX" "$OUT")"
export LOAD_PLAN="$PLAN"
echo "load: ${LOAD_SECS}s at $LOAD_RATE req/s with $LOAD_SSE streams open; per type (rate, connections):"
export LOAD_T_START="$(date +%s.%N)"
while read -r type rate conns input; do
    echo "  $type $rate req/s, $conns connections"
    wrk -t1 -c"$conns" -d"${LOAD_SECS}s" --timeout 10s -s "$HERE/load.lua" "$BASE" \
        -- "$type" "$rate" "$input" "$OUT/load-wrk-$type.json" 1 >"$OUT/load-wrk-$type.txt" 2>&1 &
    wrk_pids+=($!)
done <<<"$PLAN"
wrk_status=0
for pid in "${wrk_pids[@]}"; do
    wait "$pid" || wrk_status=$?
done
wrk_pids=()
export LOAD_T_END="$(date +%s.%N)"
[[ $wrk_status == 0 ]] || echo "load: a wrk process exited $wrk_status (see $OUT/load-wrk-*.txt)" >&2

touch "$STOP"
wait "$sse_pid" || echo "load: the stream driver exited $?" >&2
sse_pid=
sleep 2   # samples after the load
kill "$monitor_pid" 2>/dev/null || true
wait "$monitor_pid" 2>/dev/null || true
monitor_pid=

LOAD_SERVER_UP=0
if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then
    LOAD_SERVER_UP=1
    # The queue after the run: how far the workers got with the submitted tasks.
    python3 - "$STATE" "$OUT/load-task-counts.json" <<'EOF' || true
import json, sys, urllib.request
state = json.load(open(sys.argv[1]))
totals = {}
for t in state["tenants"]:
    req = urllib.request.Request(state["base"] + "/api/tasks/counts", headers={"Authorization": "Bearer " + t["owner_token"]})
    for k, v in json.load(urllib.request.urlopen(req, timeout=30))["counts"].items():
        totals[k] = totals.get(k, 0) + v
json.dump(totals, open(sys.argv[2], "w"))
EOF
else
    echo "load: the server is down after the run; see $SERVER_LOG" >&2
fi
export LOAD_SERVER_UP LOAD_BIN="$BIN" LOAD_WRK_VERSION="$wrk_version" LOAD_ULIMIT_N="$(ulimit -n)"
python3 -c 'import json, os, sys; json.dump({k: v for k, v in os.environ.items() if k.startswith("LOAD_")}, open(sys.argv[1], "w"), indent=1)' \
    "$OUT/load-run.json"
python3 "$HERE/load.py" report "$OUT" "$OUT/load.json"
