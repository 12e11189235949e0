#!/usr/bin/env bash
# API fuzzing with schemathesis against /api/openapi.json (the fuzzing part of
# `make reliability`).
#
# A fresh `morningai serve` (SQLite in a temp folder, one in-process worker,
# random JWT secret and encryption key, no local repository roots) gets two
# tenants: B ("other"), whose API key, tasks (one waiting for an approval),
# FAQ, category, credential, second member and repository all carry a unique
# marker, and A, whose `member` API key authenticates every generated request.
# Then schemathesis runs every phase (examples, coverage, fuzzing, stateful)
# with the checks not_a_server_error, status_code_conformance and
# response_schema_conformance; afterwards every recorded response (body and
# headers) is scanned for B's marker, ids, e-mails and key, and B's data is
# compared with a snapshot taken before the run.
#
# fuzz_hooks.py (SCHEMATHESIS_HOOKS): mints A a new member key when the fuzzer
# revokes its own (a member may), and adds explicit examples that name B's
# objects (read, change, delete, resume, replay, feedback, tasks on B's
# repository) on every operation taking such an id. schemathesis.toml: a
# short request timeout for the task event stream, which stays open while a
# task waits. The login and public rate limits are raised so that generated
# requests reach the handlers rather than the limiter.
#
# Figures: target/reliability/fuzz.json; every failure, grouped, with a curl
# line: target/reliability/fuzz-failures.md; schemathesis' own reports
# (HAR, VCR, NDJSON, JSON, JUnit): target/reliability/fuzz-report/; the
# server's log: target/reliability/fuzz-server.log.
# Exit status 1 when there are fewer than 2,000 cases, any server error (or a
# server down after the run), any leak, any change to B's data, any response
# that does not match its schema or any undocumented status code, or any
# task event whose `data` is not a TaskEvent (schemathesis checks each
# event's fields, `id`, `event` and `data`, as `text/event-stream`'s schema
# documents them; the report checks the JSON in `data`).
#
# Nothing is excluded. The run is in a network namespace of its own (loopback
# only, `unshare --net`, root) so that `POST /api/repositories` and the index
# tasks it starts cannot send a git fetch to whatever URL the fuzzer makes up.
# Where no namespace can be made (not root, or FUZZ_NO_NETNS=1), the run uses
# the host's network and excludes `POST /api/repositories` (reported in
# fuzz.json): an index task would fetch from the generated URL.
#
# Settings (environment): MORNINGAI_BIN (default target/debug/morningai),
# FUZZ_SEED (default 20261203), FUZZ_MAX_EXAMPLES (per operation and phase,
# default 100: ~11,000 cases in ~3.5 minutes on 2 cores), FUZZ_BUDGET_SECS
# (schemathesis is interrupted after this and still writes its reports,
# default 480), FUZZ_WORKERS (default 1: with one, a seed reproduces the run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/reliability"
OUT="$ROOT/target/reliability"
VENV="$OUT/venv"
SCHEMATHESIS_VERSION=4.32.5
SEED="${FUZZ_SEED:-20261203}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-100}"
BUDGET="${FUZZ_BUDGET_SECS:-480}"
WORKERS="${FUZZ_WORKERS:-1}"
BIN="${MORNINGAI_BIN:-$ROOT/target/debug/morningai}"

if [[ "${MORNINGAI_FUZZ_IN_NETNS:-}" != 1 ]]; then
    mkdir -p "$OUT"
    # The venv is made outside the namespace: PyPI is not reachable inside.
    if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
        echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    fi
    [[ -x "$BIN" ]] || { echo "fuzz: no binary at $BIN (cargo build --bin morningai, or set MORNINGAI_BIN)" >&2; exit 2; }
    if [[ "${FUZZ_NO_NETNS:-}" != 1 ]] && [[ $EUID -eq 0 ]] && command -v unshare >/dev/null && command -v ip >/dev/null \
        && unshare --net true 2>/dev/null; then
        exec unshare --net -- env MORNINGAI_FUZZ_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$0"' "${BASH_SOURCE[0]}"
    fi
    echo "fuzz: no network namespace (needs root and unshare): POST /api/repositories is excluded" >&2
    NETNS=0
else
    NETNS=1
fi

started=$(date +%s)
DATA="$(mktemp -d "${TMPDIR:-/tmp}/morningai-fuzz.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$OUT/fuzz-server.log"
REPORT_DIR="$OUT/fuzz-report"
STATE="$OUT/fuzz-state.json"
rm -rf "$REPORT_DIR" && mkdir -p "$REPORT_DIR"

server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

# Rate limits are raised so that the fuzzer reaches the handlers behind them
# rather than testing the limiter (its 429s are documented either way).
(
    cd "$ROOT"
    unset MORNINGAI_LOCAL_REPOSITORY_ROOTS MORNINGAI_DATABASE_URL MORNINGAI_QUEUE
    export MORNINGAI_DATA_DIR="$DATA" \
        MORNINGAI_JWT_SECRET="$(openssl rand -hex 32)" \
        MORNINGAI_ENCRYPTION_KEY="$(openssl rand -hex 32)" \
        MORNINGAI_WORKERS=1 \
        MORNINGAI_ENV=development \
        MORNINGAI_LOGIN_PER_IP_PER_MINUTE=100000 \
        MORNINGAI_LOGIN_PER_ACCOUNT_PER_MINUTE=100000 \
        MORNINGAI_PUBLIC_PER_IP_PER_MINUTE=100000 \
        MORNINGAI_PUBLIC_PER_CENTRE_PER_MINUTE=100000 \
        RUST_LOG="${RUST_LOG:-info}"
    exec "$BIN" serve --addr "127.0.0.1:$PORT"
) >"$SERVER_LOG" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
    if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "fuzz: the server exited; see $SERVER_LOG" >&2; tail -20 "$SERVER_LOG" >&2; exit 1; }
    sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "fuzz: $BASE/readyz never answered 200" >&2; exit 1; }

setup_args=()
exclude=()
if [[ $NETNS == 1 ]]; then
    setup_args+=(--with-repository)
else
    exclude+=(--exclude-operation-id create_repository)
fi
python3 "$HERE/fuzz.py" setup "$BASE" "$STATE" "${setup_args[@]}"

echo "fuzz: schemathesis $SCHEMATHESIS_VERSION against $BASE/api/openapi.json (seed $SEED, $MAX_EXAMPLES examples, budget ${BUDGET}s)"
st_status=0
(
    cd "$OUT"
    export MORNINGAI_FUZZ_STATE="$STATE" PYTHONPATH="$HERE" SCHEMATHESIS_HOOKS=fuzz_hooks NO_PROXY='127.0.0.1,localhost'
    timeout --signal=INT --kill-after=60 "$BUDGET" \
        "$VENV/bin/schemathesis" --config-file "$HERE/schemathesis.toml" run "$BASE/api/openapi.json" \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$MAX_EXAMPLES" \
        --seed "$SEED" \
        --generation-database none \
        --workers "$WORKERS" \
        --continue-on-failure \
        --request-timeout 60 \
        --suppress-health-check all \
        --output-sanitize false \
        --no-color \
        --report har,vcr,ndjson,json,junit \
        --report-dir "$REPORT_DIR" \
        "${exclude[@]}"
) >"$OUT/fuzz-schemathesis.log" 2>&1 || st_status=$?
tail -40 "$OUT/fuzz-schemathesis.log"
echo "fuzz: schemathesis exited $st_status (1: it found failures; 124/130: interrupted at the time budget)"

# The server must still be up: a crash counts as a server error.
FUZZ_SERVER_UP=1
if ! curl -fsS "$BASE/readyz" >/dev/null 2>&1; then
    echo "fuzz: the server is down after the run; see $SERVER_LOG" >&2
    FUZZ_SERVER_UP=0
fi
panics=$(grep -c "panicked at" "$SERVER_LOG" || true)
echo "fuzz: $panics panic(s) in $SERVER_LOG"

FUZZ_SERVER_UP=$FUZZ_SERVER_UP FUZZ_NETNS=$NETNS FUZZ_EXCLUDED="$([[ $NETNS == 1 ]] || echo 'POST /api/repositories')" \
    "$VENV/bin/python" "$HERE/fuzz.py" report "$STATE" "$REPORT_DIR" "$OUT/fuzz.json" "$OUT/fuzz-failures.md" "$(( $(date +%s) - started ))"
