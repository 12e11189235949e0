#!/usr/bin/env python3
"""FAQ search quality: `morningai faq rank` on a labelled FAQ set, scored by
the set's own `eval.py`, for each signal alone and fused, with each embedded
embedder. Writes bench/results/faq-quality.{json,md}.

  python3 bench/faq/quality.py [--data DIR] [--bin target/release/morningai]

DIR (default $MORNINGAI_FAQ_EVAL_DIR, else ../shared/data/faq-stackfaq next to
the workspace) holds faqs.jsonl, queries.jsonl and eval.py (StackFAQ: 719 FAQs,
1,249 paraphrased queries; CC BY-SA, read in place, never copied here).
Targets (the FAQ issue): P@1 >= 0.85, MRR@10 >= 0.90 with the embedded models.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBEDDERS = [
    ("all-MiniLM-L6-v2", "models/all-MiniLM-L6-v2"),
    ("multilingual-e5-small", "models/multilingual-e5-small"),
]
RUNS = [("keyword", None), ("semantic", 0), ("hybrid", None)]


def score(data, ranked):
    out = subprocess.run(
        [sys.executable, os.path.join(data, "eval.py"), "--results", ranked,
         "--queries", os.path.join(data, "queries.jsonl"), "--json"],
        check=True, capture_output=True, text=True).stdout
    parsed = json.loads(out)
    return parsed.get("all", parsed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get(
        "MORNINGAI_FAQ_EVAL_DIR", os.path.join(ROOT, "..", "shared", "data", "faq-stackfaq")))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "morningai"))
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.data, "faqs.jsonl")):
        print(f"faq quality: no labelled set at {args.data}; skipped (set MORNINGAI_FAQ_EVAL_DIR)")
        return 0
    results_dir = os.path.join(ROOT, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)
    rows = []
    for name, model_dir in EMBEDDERS:
        for signals, _ in RUNS:
            if signals == "keyword" and rows and rows[0]["signals"] == "keyword":
                continue  # keyword ranking does not depend on the embedder
            ranked = os.path.join(results_dir, f"faq-ranked-{signals}-{name}.jsonl")
            env = dict(os.environ, MORNINGAI_LOCAL_EMBED_MODEL_DIR=os.path.join(ROOT, model_dir),
                       MORNINGAI_EMBED_PROVIDER="local")
            started = time.time()
            run = subprocess.run(
                [args.bin, "faq", "rank", "--faqs", os.path.join(args.data, "faqs.jsonl"),
                 "--queries", os.path.join(args.data, "queries.jsonl"), "--out", ranked,
                 "--signals", signals], env=env, capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            m = score(args.data, ranked)
            row = {"embedder": None if signals == "keyword" else name, "signals": signals,
                   "P@1": m["P@1"], "MRR@10": m["MRR@10"], "Recall@10": m["Recall@10"],
                   "wall_s": round(time.time() - started, 1), "log": run.stderr.strip()}
            rows.append(row)
            print(f"{signals:8} {row['embedder'] or '-':24} P@1 {row['P@1']:.3f}  "
                  f"MRR@10 {row['MRR@10']:.3f}  Recall@10 {row['Recall@10']:.3f}")
    md = ["# FAQ search quality (StackFAQ: 719 FAQs, 1,249 queries)", "",
          "Reference: plain BM25 P@1 0.679 / MRR@10 0.764; fine-tuned BERT MRR 0.936.",
          "Target with the embedded models: P@1 >= 0.85, MRR@10 >= 0.90.", "",
          "| signals | embedder | P@1 | MRR@10 | Recall@10 | target |", "|---|---|---|---|---|---|"]
    for r in rows:
        met = "met" if r["P@1"] >= 0.85 and r["MRR@10"] >= 0.90 else "missed"
        md.append(f"| {r['signals']} | {r['embedder'] or '—'} | {r['P@1']:.3f} | "
                  f"{r['MRR@10']:.3f} | {r['Recall@10']:.3f} | {met} |")
    with open(os.path.join(results_dir, "faq-quality.json"), "w") as f:
        json.dump(rows, f, indent=2)
    with open(os.path.join(results_dir, "faq-quality.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
