#!/usr/bin/env python3
"""llama.cpp on the embedded chat model's GGUF, for comparison with ours.

``ai/benches/local_models.rs`` runs this between its own rounds and reads the
JSON it prints; it can also be run by hand. It measures what the issue asks
of the embedded model, the way llama.cpp's own ``llama-bench`` measures it:

* prompt tokens/s: ``llama-bench -p 400 -n 0`` (one 400-token batch);
* generated tokens/s after a 400-token prompt: ``llama-bench -p 0 -n 256 -d 400``;
* load time: the wall time of ``llama-bench -p 1 -n 0 -r 1 --no-warmup``
  (process start, model load, one token, exit), an upper bound;
* peak RSS: the child's ``ru_maxrss`` over the generation run.

All with ``-t THREADS`` (2 by default). llama.cpp is not committed: the first
run builds ``llama-bench`` from the llama.cpp tree vendored in the PyPI sdist
of ``llama-cpp-python`` (pinned below; fetched with pip, SHA-256 checked),
with CMake from PyPI, in ``bench/llamacpp/.venv`` and ``bench/llamacpp/build``
(both gitignored). It is a native build (``GGML_NATIVE``: the strongest
llama.cpp this CPU runs) with AMX turned off: llama.cpp's AMX kernels crash on
this machine's CPU. ``--setup-only`` just builds it.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = HERE / ".venv"
BUILD = HERE / "build"
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

SDIST = "llama-cpp-python==0.3.36"
SDIST_FILE = "llama_cpp_python-0.3.36.tar.gz"
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
CMAKE = "cmake==3.31.6"
# The compiler's AMX code paths crash on this machine's CPU; everything else native.
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
CMAKE_ARGS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=ON",
    "-DGGML_AMX_TILE=OFF",
    "-DGGML_AMX_INT8=OFF",
    "-DGGML_AMX_BF16=OFF",
    f"-DCMAKE_C_FLAGS={NO_AMX}",
    f"-DCMAKE_CXX_FLAGS={NO_AMX}",
    "-DGGML_OPENMP=ON",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_SERVER=OFF",
    "-DLLAMA_BUILD_TOOLS=ON",
]


def log(msg: str) -> None:
    print(f"llama.cpp bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def llama_bench() -> Path:
    return BUILD / "llama.cpp" / "build" / "bin" / "llama-bench"


def ensure_built() -> Path:
    """Builds llama-bench once; later runs reuse it."""
    exe = llama_bench()
    if exe.exists():
        return exe
    BUILD.mkdir(parents=True, exist_ok=True)
    python = VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {VENV}")
        run([sys.executable, "-m", "venv", VENV])
    cmake = VENV / "bin" / "cmake"
    if not cmake.exists():
        log(f"pip install {CMAKE}")
        run([python, "-m", "pip", "install", "-q", CMAKE])

    sdist = BUILD / SDIST_FILE
    if not sdist.exists():
        # The sdist only; pip reads its metadata with wheels of its build tools.
        log(f"pip download {SDIST} (source)")
        run([python, "-m", "pip", "download", "-q", "--no-deps",
             "--no-binary", "llama-cpp-python", SDIST, "-d", BUILD])
    digest = sha256(sdist)
    if digest != SDIST_SHA256:
        sdist.unlink()
        raise SystemExit(f"{sdist.name}: SHA-256 {digest}, expected {SDIST_SHA256}")

    src = BUILD / "llama.cpp"
    if not (src / "CMakeLists.txt").exists():
        log(f"extracting llama.cpp from {sdist.name}")
        prefix = SDIST_FILE.removesuffix(".tar.gz") + "/vendor/llama.cpp/"
        with tarfile.open(sdist) as tar:
            members = []
            for m in tar.getmembers():
                # The submodule's .git pointer would send git (CMake's build info) astray.
                if m.name.startswith(prefix) and m.name != prefix + ".git":
                    m.name = m.name[len(prefix):]
                    members.append(m)
            tar.extractall(src, members=members, filter="data")

    log("configuring (cmake) and building llama-bench; a few minutes on 2 cores")
    run([cmake, "-S", src, "-B", src / "build", "-G", "Unix Makefiles", *CMAKE_ARGS],
        stdout=subprocess.DEVNULL)
    jobs = str(os.cpu_count() or 2)
    run([cmake, "--build", src / "build", "--target", "llama-bench", "-j", jobs],
        stdout=subprocess.DEVNULL)
    if not exe.exists():
        raise SystemExit(f"the build did not produce {exe}")
    return exe


def bench_run(exe: Path, args):
    """Runs llama-bench with JSON output; returns (results, wall seconds)."""
    cmd = [str(exe), "-m", str(MODEL), "-o", "json", *map(str, args)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return json.loads(out), wall


def peak_rss(exe: Path, args) -> int:
    """Peak RSS in bytes of one llama-bench run (wait4's ru_maxrss, in KiB on Linux)."""
    cmd = [str(exe), "-m", str(MODEL), "-o", "json", *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return usage.ru_maxrss * 1024


def measure(exe: Path, threads: int, prompt: int, gen: int, reps: int) -> dict:
    t = ["-t", threads]
    pp, _ = bench_run(exe, [*t, "-p", prompt, "-n", 0, "-r", reps])
    tg, _ = bench_run(exe, [*t, "-p", 0, "-n", gen, "-d", prompt, "-r", reps])
    _, load_s = bench_run(exe, [*t, "-p", 1, "-n", 0, "-r", 1, "--no-warmup"])
    rss = peak_rss(exe, [*t, "-p", 0, "-n", gen, "-d", prompt, "-r", 1])

    def rate(results):
        r = results[0]
        return max(r["samples_ts"]) if r.get("samples_ts") else r["avg_ts"]

    info = pp[0]
    return {
        "prompt_tokens_per_s": rate(pp),
        "gen_tokens_per_s": rate(tg),
        "load_s": load_s,
        "peak_rss_bytes": rss,
        "threads": threads,
        "prompt_tokens": prompt,
        "gen_tokens": gen,
        "build_commit": info.get("build_commit"),
        "build_number": info.get("build_number"),
        "cpu_info": info.get("cpu_info"),
        "backends": info.get("backends"),
        "source": SDIST,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup-only", action="store_true", help="build llama-bench and exit")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", type=int, default=400)
    parser.add_argument("--gen", type=int, default=256)
    parser.add_argument("--reps", type=int, default=3, help="llama-bench -r (best is reported)")
    args = parser.parse_args()
    exe = ensure_built()
    if args.setup_only:
        log(f"ready: {exe}")
        return
    if not MODEL.exists():
        raise SystemExit(f"{MODEL} is missing: run scripts/fetch-models.sh")
    print(json.dumps(measure(exe, args.threads, args.prompt, args.gen, args.reps)))


if __name__ == "__main__":
    main()
