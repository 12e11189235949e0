#!/usr/bin/env python3
"""Python RQ on the same Redis, for comparison with the queue benchmark.

The issue's comparison: RQ with its own worker on the same Redis as ours, no-op
jobs (``tasks.noop``), measured as ``queue/benches/throughput.rs`` measures
ours: jobs enqueued one at a time before any worker runs (latency per
``Queue.enqueue`` call), then jobs/s from starting the worker(s) until the last
job finished. Scenarios:

* ``fork x1``: ``rq worker --burst``, RQ's default ``Worker``, which forks a
  work horse per job (RQ's real behaviour);
* ``fork x2``: two such worker processes;
* ``simple x1``: ``SimpleWorker`` (no fork) in this process, ``work(burst=True)``;
* ``simple x2``: two ``rq worker --burst -w rq.worker.SimpleWorker`` processes.

Workers run with logging at WARNING (``--quiet``), as ours log nothing per job.
For worker processes both the wall time (from launching them) and the span from
the first job's start to the last job's end (RQ's own timestamps, leaving out
interpreter start-up) are reported; the comparison uses whichever is faster
for RQ. Each scenario uses its own queue, whose keys are deleted afterwards.

Writes ``bench/results/rq.json`` and ``rq.md`` and, when
``bench/results/queue.json`` exists (the queue benchmark ran first, as in
``make bench``), prints and records our Redis throughput over RQ's.

Runs in its own venv (``bench/rq/.venv``, made on first use from
``requirements.txt``); ``--setup-only`` just prepares it. Needs ``REDIS_URL``.
"""

import argparse
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "bench" / "results"
VENV = HERE / ".venv"
REQUIREMENTS = HERE / "requirements.txt"
STAMP = VENV / "requirements.sha256"

FORK_JOBS = 1_000
SIMPLE_JOBS = 5_000
WARMUP = 50
TIME_CAP_S = 120


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    """Creates the venv and installs the requirements when missing or changed."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not venv_python().exists():
        print(f"rq bench: creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("rq bench: pip install -r requirements.txt", file=sys.stderr)
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
        check=True,
    )
    STAMP.write_text(digest + "\n")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def percentile_ms(sorted_s, p):
    """Nearest-rank percentile of sorted seconds, in milliseconds."""
    if not sorted_s:
        return float("nan")
    rank = math.ceil(p / 100 * len(sorted_s))
    return sorted_s[min(max(rank, 1), len(sorted_s)) - 1] * 1e3


def r3(x):
    return round(x, 3)


class Scenario:
    def __init__(self, name, worker_class, processes, jobs, in_process=False):
        self.name = name
        self.worker_class = worker_class
        self.processes = processes
        self.jobs = jobs
        self.in_process = in_process


def scenarios(fork_jobs, simple_jobs):
    return [
        Scenario("fork x1", "Worker", 1, fork_jobs),
        Scenario("fork x2", "Worker", 2, fork_jobs),
        Scenario("simple x1", "SimpleWorker", 1, simple_jobs, in_process=True),
        Scenario("simple x2", "SimpleWorker", 2, simple_jobs),
    ]


def delete_keys(conn, queue_name, job_ids):
    """Deletes the scenario's keys: its queue and registries (every key naming
    the queue) and its jobs (hash, results stream, anything else per id)."""
    keys = set(conn.scan_iter(match=f"*{queue_name}*", count=2000))
    for i in range(0, len(job_ids), 500):
        pipe = conn.pipeline(transaction=False)
        for job_id in job_ids[i : i + 500]:
            pipe.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
            pipe.delete(f"rq:job:{job_id}:dependents", f"rq:job:{job_id}:dependencies")
        pipe.execute()
    for key in keys:
        conn.delete(key)
    conn.srem("rq:queues", f"rq:queue:{queue_name}")


def run_scenario(conn, redis_url, scenario):
    from rq import Queue, SimpleWorker
    from rq.job import Job

    import tasks

    queue_name = f"morningai-bench-rq-{uuid.uuid4().hex[:12]}"
    queue = Queue(queue_name, connection=conn)
    job_ids = []
    print(
        f"rq: {scenario.name}: enqueue {scenario.jobs} jobs, then process…",
        file=sys.stderr,
    )
    try:
        # Warm-up enqueues (connection, imports), removed before timing.
        for _ in range(WARMUP):
            job_ids.append(queue.enqueue(tasks.noop).id)
        queue.empty()

        latencies = []
        start = time.perf_counter()
        for _ in range(scenario.jobs):
            if time.perf_counter() - start > TIME_CAP_S:
                break
            sent = time.perf_counter()
            job = queue.enqueue(tasks.noop)
            latencies.append(time.perf_counter() - sent)
            job_ids.append(job.id)
        enqueue_s = time.perf_counter() - start
        enqueued = len(latencies)
        measured_ids = job_ids[WARMUP:]
        latencies.sort()

        capped = False
        start = time.perf_counter()
        if scenario.in_process:
            worker = SimpleWorker([queue], name=f"{queue_name}-0", connection=conn)
            worker.work(burst=True, logging_level="WARNING")
        else:
            cmd = [
                str(VENV / "bin" / "rq"),
                "worker",
                "--burst",
                "--quiet",
                "--url",
                redis_url,
                "--path",
                str(HERE),
                "--worker-class",
                f"rq.worker.{scenario.worker_class}",
            ]
            with tempfile.TemporaryFile() as log:
                # Named after the queue, so their keys are found and deleted with it.
                procs = [
                    subprocess.Popen(
                        [*cmd, "--name", f"{queue_name}-{i}", queue_name],
                        cwd=HERE,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                    for i in range(scenario.processes)
                ]
                for proc in procs:
                    try:
                        proc.wait(timeout=max(1.0, TIME_CAP_S - (time.perf_counter() - start)))
                    except subprocess.TimeoutExpired:
                        capped = True
                        proc.terminate()
                        proc.wait()
                codes = [p.returncode for p in procs]
                if not capped and any(codes):
                    log.seek(0)
                    raise RuntimeError(
                        f"rq worker exited with {codes}: {log.read().decode(errors='replace')[-2000:]}"
                    )
        wall_s = time.perf_counter() - start

        finished = queue.finished_job_registry.count
        failed = queue.failed_job_registry.count
        # RQ's own timestamps: first start to last end.
        starts, ends = [], []
        for i in range(0, len(measured_ids), 1000):
            for job in Job.fetch_many(measured_ids[i : i + 1000], connection=conn):
                if job is not None and job.started_at and job.ended_at:
                    starts.append(job.started_at)
                    ends.append(job.ended_at)
        span_s = (max(ends) - min(starts)).total_seconds() if starts else float("nan")
    finally:
        delete_keys(conn, queue_name, job_ids)

    problem = None
    if failed or (finished != enqueued and not capped):
        problem = f"enqueued {enqueued}, finished {finished}, failed {failed}"
    wall_rate = finished / wall_s if wall_s > 0 else float("nan")
    span_rate = finished / span_s if span_s and span_s > 0 else float("nan")
    best_rate = max(x for x in (wall_rate, span_rate) if not math.isnan(x))
    print(
        f"rq: {scenario.name}: enqueue {enqueued / enqueue_s:.0f}/s, "
        f"process {wall_rate:.0f} jobs/s (wall), {span_rate:.0f} jobs/s (first start to last end)",
        file=sys.stderr,
    )
    return {
        "scenario": scenario.name,
        "worker_class": f"rq.worker.{scenario.worker_class}",
        "forks_per_job": scenario.worker_class == "Worker",
        "worker_processes": scenario.processes,
        "in_process": scenario.in_process,
        "jobs_planned": scenario.jobs,
        "jobs_enqueued": enqueued,
        "jobs_finished": finished,
        "jobs_failed": failed,
        "capped_by_time": capped or enqueued < scenario.jobs,
        "problem": problem,
        "enqueue": {
            "duration_s": r3(enqueue_s),
            "jobs_per_s": r3(enqueued / enqueue_s),
            "latency_ms": {
                "mean": r3(sum(latencies) / max(len(latencies), 1) * 1e3),
                "p50": r3(percentile_ms(latencies, 50)),
                "p95": r3(percentile_ms(latencies, 95)),
                "p99": r3(percentile_ms(latencies, 99)),
                "max": r3(percentile_ms(latencies, 100)),
            },
        },
        "process": {
            "wall_s": r3(wall_s),
            "span_s": r3(span_s),
            "jobs_per_s_wall": r3(wall_rate),
            "jobs_per_s_span": r3(span_rate),
            "jobs_per_s": r3(best_rate),
        },
    }


def compare(results):
    """Ours (queue.json, Redis) over RQ: 1 worker each, and best of each."""
    path = RESULTS / "queue.json"
    if not path.exists():
        return None
    ours = [r for r in json.loads(path.read_text()).get("results", []) if r["backend"] == "redis"]
    if not ours:
        return None

    def rate(r):
        return r["process"]["jobs_per_s"]

    ours_1 = next((r for r in ours if r["workers"] == 1), None)
    ours_best = max(ours, key=rate)
    rq_by = {r["scenario"]: r for r in results}
    rq_best = max(results, key=lambda r: r["process"]["jobs_per_s"])
    rows = []

    def add(label, our, theirs):
        if our and theirs:
            ratio = rate(our) / theirs["process"]["jobs_per_s"]
            rows.append(
                {
                    "comparison": label,
                    "ours_workers": our["workers"],
                    "ours_jobs_per_s": rate(our),
                    "rq_scenario": theirs["scenario"],
                    "rq_jobs_per_s": theirs["process"]["jobs_per_s"],
                    "ratio": round(ratio, 1),
                    "target_ratio": 20,
                    "meets_target": ratio > 20,
                }
            )

    add("1 worker vs RQ default worker (fork x1)", ours_1, rq_by.get("fork x1"))
    add("1 worker vs RQ SimpleWorker (simple x1)", ours_1, rq_by.get("simple x1"))
    add("best vs RQ best", ours_best, rq_best)
    enq_ours = ours_1["enqueue"]["jobs_per_s"] if ours_1 else None
    enq_rq = rq_by.get("simple x1", results[0])["enqueue"]["jobs_per_s"]
    return {
        "queue_json": str(path.relative_to(ROOT)),
        "queue_json_timestamp": json.loads(path.read_text()).get("timestamp"),
        "throughput": rows,
        "enqueue_ratio": round(enq_ours / enq_rq, 1) if enq_ours else None,
    }


def table(headers, rows, text_columns=1):
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells):
        out = [
            c.ljust(w) if i < text_columns else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ]
        return "  ".join(out).rstrip() + "\n"

    return line(headers) + line(["-" * w for w in widths]) + "".join(line(r) for r in rows)


def md_table(headers, rows, text_columns=1):
    out = "| " + " | ".join(headers) + " |\n|"
    out += "".join("---|" if i < text_columns else "---:|" for i in range(len(headers))) + "\n"
    return out + "".join("| " + " | ".join(r) + " |\n" for r in rows)


HEADERS = [
    "scenario",
    "worker",
    "procs",
    "jobs",
    "enqueue/s",
    "enq p50 ms",
    "enq p99 ms",
    "jobs/s wall",
    "jobs/s span",
]
CMP_HEADERS = ["comparison", "ours jobs/s", "RQ", "RQ jobs/s", "ours/RQ", "> 20x"]


def rows_of(results):
    return [
        [
            r["scenario"],
            r["worker_class"].rsplit(".", 1)[1] + (" (forks per job)" if r["forks_per_job"] else ""),
            "in-process" if r["in_process"] else str(r["worker_processes"]),
            str(r["jobs_finished"]) + (" (capped)" if r["capped_by_time"] else ""),
            f"{r['enqueue']['jobs_per_s']:.0f}",
            f"{r['enqueue']['latency_ms']['p50']:.3f}",
            f"{r['enqueue']['latency_ms']['p99']:.3f}",
            f"{r['process']['jobs_per_s_wall']:.0f}",
            f"{r['process']['jobs_per_s_span']:.0f}",
        ]
        for r in results
    ]


def cmp_rows(comparison):
    return [
        [
            c["comparison"],
            f"{c['ours_jobs_per_s']:.0f} ({c['ours_workers']}w)",
            c["rq_scenario"],
            f"{c['rq_jobs_per_s']:.0f}",
            f"{c['ratio']:.1f}x",
            "yes" if c["meets_target"] else "NO",
        ]
        for c in comparison["throughput"]
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup-only", action="store_true", help="prepare the venv and exit")
    parser.add_argument("--fork-jobs", type=int, default=FORK_JOBS, help="jobs per forking-worker scenario")
    parser.add_argument("--simple-jobs", type=int, default=SIMPLE_JOBS, help="jobs per SimpleWorker scenario")
    args = parser.parse_args()

    if not in_venv():
        ensure_venv()
        if args.setup_only:
            return 0
        os.execv(str(venv_python()), [str(venv_python()), str(Path(__file__).resolve()), *sys.argv[1:]])
    if args.setup_only:
        return 0

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("rq bench: REDIS_URL is not set (`make bench` provides one)", file=sys.stderr)
        return 1
    sys.path.insert(0, str(HERE))
    import redis
    import rq

    conn = redis.Redis.from_url(redis_url)
    conn.ping()
    results = [run_scenario(conn, redis_url, s) for s in scenarios(args.fork_jobs, args.simple_jobs)]
    comparison = compare(results)

    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip() or None
    report = {
        "timestamp": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "git_commit": commit,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "rq": rq.__version__,
        "redis_py": redis.__version__,
        "redis_server": conn.info("server").get("redis_version"),
        "job": "tasks.noop (returns None)",
        "results": results,
        "comparison": comparison,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rq.json").write_text(json.dumps(report, indent=2) + "\n")

    text = table(HEADERS, rows_of(results))
    md = (
        "# Python RQ on the same Redis\n\n"
        f"- when: {report['timestamp']}\n- commit: {commit}\n- machine: {report['nproc']} CPUs\n"
        f"- RQ {report['rq']}, redis-py {report['redis_py']}, Python {report['python']}, "
        f"Redis {report['redis_server']}\n"
        "- jobs: `tasks.noop`, enqueued one at a time before the workers start; "
        "jobs/s wall = from launching the worker(s) to the last exiting, "
        "span = first job start to last job end (RQ's timestamps)\n\n"
        + md_table(HEADERS, rows_of(results))
    )
    if comparison:
        text += "\nours (bench/results/queue.json, Redis) over RQ:\n" + table(
            CMP_HEADERS, cmp_rows(comparison)
        )
        if comparison["enqueue_ratio"]:
            text += f"enqueue rate, ours (1 worker run) over RQ: {comparison['enqueue_ratio']:.1f}x\n"
        md += "\n## Ours over RQ\n\n" + md_table(CMP_HEADERS, cmp_rows(comparison))
    else:
        text += "\n(no bench/results/queue.json with Redis results: run the queue benchmark first)\n"
    (RESULTS / "rq.md").write_text(md)
    print(text, end="")
    print(f"wrote {RESULTS}/rq.json and {RESULTS}/rq.md", file=sys.stderr)
    problems = [f"{r['scenario']}: {r['problem']}" for r in results if r["problem"]]
    for p in problems:
        print(f"rq bench: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
