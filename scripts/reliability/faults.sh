#!/usr/bin/env bash
# Fault injection (the faults part of `make reliability`).
#
# Every phase starts what it needs itself, on its own ports and in its own
# temp folder: a throwaway PostgreSQL (initdb, as in scripts/test-services.sh;
# the machine's shared PostgreSQL and Redis are never touched), throwaway
# redis-servers, a misbehaving OpenAI-compatible model server (fake_openai.py)
# and a GitHub-compatible forge with a git smart-HTTP server (fake_forge.py),
# then `morningai serve` with MORNINGAI_WORKERS=0 and separate `morningai
# worker` processes. Phases (FAULT_PHASES, default all, in this order):
#
#   kill   PostgreSQL, database queue, 3 worker processes (2 jobs each),
#          MORNINGAI_JOB_LEASE_SECS=5. A repository served by the fake forge
#          is registered and indexed; `doc` tasks with `publish: true` (the
#          model streams slowly, the forge answers pull requests after 1 s)
#          are submitted and kept coming, and a worker holding a running task
#          (from the jobs table) is SIGKILLed and restarted, FAULT_KILLS times;
#          every FAULT_KILL_PR_EVERY-th kill waits for a pull request in flight
#          at the forge and kills the worker that asked for it. No task is
#          killed more than FAULT_KILLS_PER_TASK_MAX times (task jobs have 5
#          attempts). Then every accepted task (202) must end `done` with
#          exactly one `task.done` event, one document version, one pushed
#          commit on its branch, one pull request (the forge refuses a second
#          one for the same head with 422, as GitHub does) and a recorded
#          publication; nothing `failed`, nothing left running.
#   redis  MORNINGAI_QUEUE=redis against a redis-server with `appendonly yes`
#          (what the README asks of a deployment), echo tasks submitted every
#          0.2 s; Redis is stopped (SIGTERM) for FAULT_REDIS_DOWN_SECS and
#          started again on the same port and folder. Every accepted task must
#          finish. With FAULT_REDIS_EPHEMERAL=1 (default) the same is repeated
#          against a Redis without persistence, reported but not gated.
#   pg     PostgreSQL queue; echo tasks every 0.25 s and probes of /readyz,
#          GET /api/tasks and GET /api/auth/me every 0.25 s; `pg_ctl stop -m
#          fast`, down FAULT_PG_DOWN_SECS, `pg_ctl start`. While down /readyz
#          must answer 503, every API call 503 with {"error":{"code","message"}}
#          within FAULT_PG_MAX_LATENCY_SECS; afterwards the same processes must
#          be ready again, every accepted task done, no panic.
#   disk   SQLite in a tmpfs of FAULT_DISK_MB MiB (mount: root), filled up
#          with a file; writes (FAQ, task, sign-up, API key) must fail with a
#          5xx JSON error that names the problem (code other than `internal`),
#          the server must stay up, take writes again once space is freed, and
#          `PRAGMA integrity_check` must say ok with the earlier rows kept.
#   model  `chat` tasks whose question carries `[fault:MODE]`, which the fake
#          model server obeys: hang, http500, cut (stream closed without
#          [DONE]), stall (stream stops sending), flaky (500 twice, then ok),
#          ok; MORNINGAI_LLM_TIMEOUT_SECS=FAULT_LLM_TIMEOUT_SECS. Every task
#          must end within FAULT_MODEL_DEADLINE_SECS: failed with an error
#          that says what happened, or done; flaky and ok must be done; the
#          worker must still run tasks afterwards.
#
# Figures: target/reliability/faults.json (per phase: figures, `checks`, and
# the list `failures`, empty when all properties hold); per-task detail of the
# kill phase: faults-kill-tasks.json; every process's log: faults-*.log, the
# fakes' request logs: faults-*-openai.jsonl, faults-*-forge.jsonl.
# Exit status 1 when a property fails (or a phase cannot run), 2 when the
# binary is missing. About 10 minutes on 2 cores with the defaults.
#
# Settings (environment): MORNINGAI_BIN (default target/debug/morningai),
# FAULT_PHASES (kill,redis,pg,disk,model), FAULT_SEED, FAULT_KILLS (50),
# FAULT_KILL_TASKS (30, first batch), FAULT_KILL_WORKERS (3), FAULT_KILL_SLOTS
# (2), FAULT_KILLS_PER_TASK_MAX (3), FAULT_KILL_PR_EVERY (4),
# FAULT_FORGE_PR_DELAY (1.0), FAULT_LEASE_SECS (5), FAULT_LOAD_SECS (20),
# FAULT_REDIS_DOWN_SECS (5), FAULT_REDIS_EPHEMERAL (1), FAULT_PG_DOWN_SECS (10),
# FAULT_PG_MAX_LATENCY_SECS (11), FAULT_DISK_MB (24), FAULT_MODEL_TASKS (3),
# FAULT_LLM_TIMEOUT_SECS (2), FAULT_DRAIN_SECS (180).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/reliability"
OUT="$ROOT/target/reliability"
BIN="${MORNINGAI_BIN:-$ROOT/target/debug/morningai}"

[[ -x "$BIN" ]] || { echo "faults: no binary at $BIN (cargo build --bin morningai, or set MORNINGAI_BIN)" >&2; exit 2; }
for tool in python3 git psql redis-server redis-cli sqlite3; do
    command -v "$tool" >/dev/null || { echo "faults: $tool is needed" >&2; exit 2; }
done
mkdir -p "$OUT"
rm -f "$OUT"/faults-*.log "$OUT"/faults-*.jsonl "$OUT/faults-kill-tasks.json"

export MORNINGAI_BIN="$BIN"
exec python3 "$HERE/faults.py" run "$OUT"
