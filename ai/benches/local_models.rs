//! The embedded models' benchmark, with llama.cpp on the same GGUF file side
//! by side in the same run.
//!
//! Chat model (SmolLM2-135M-Instruct Q4_1, [`THREADS`] threads): load time,
//! prompt tokens/s (one [`PROMPT_TOKENS`]-token prompt) and generated tokens/s
//! ([`GEN_TOKENS`] greedy tokens right after that prompt), through
//! [`LocalChatModel::session`], which is what `chat` runs on; then the peak
//! RSS of this process (`VmHWM`) with the model loaded and used. llama.cpp:
//! `bench/llamacpp/bench.py` (`llama-bench` built from source on first use)
//! with the same thread count and lengths. The two alternate for [`ROUNDS`]
//! rounds, so that a busy machine slows both alike; each side's best round is
//! reported, with the ratios of the bests and the median of the per-round
//! ratios. If llama.cpp cannot be built or run, the report says why and
//! compares with the figures recorded in the issue instead.
//!
//! Embedder (all-MiniLM-L6-v2): sentences/s over [`SENTENCES`] sentences.
//!
//! Prints the report and writes it to `bench/results/local-models.md`. Needs
//! the models (`scripts/fetch-models.sh`). Run with `make bench` or
//! `cargo bench -p morningai-ai --bench local_models`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, ensure, Context};
use morningai_ai::{LocalChatModel, LocalChatOptions, LocalEmbedder};
use serde_json::Value;

const THREADS: usize = 2;
const PROMPT_TOKENS: usize = 400;
const GEN_TOKENS: usize = 256;
const ROUNDS: usize = 3;
const SENTENCES: usize = 1_000;
const CHAT_MODEL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const EMBED_MODEL: &str = "all-MiniLM-L6-v2";

/// llama.cpp's figures on this machine as recorded in the issue (2 threads):
/// the comparison when llama.cpp cannot run here.
const RECORDED: Side = Side {
    prompt_tps: 340.0,
    gen_tps: 83.0,
    load_s: 0.17,
    rss_mb: 158.0,
};

#[derive(Clone, Copy, Debug, Default)]
struct Side {
    prompt_tps: f64,
    gen_tps: f64,
    load_s: f64,
    rss_mb: f64,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn models_dir() -> PathBuf {
    std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models"))
}

/// This process's peak resident set in MB (`VmHWM`).
fn peak_rss_mb() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .context("no VmHWM in /proc/self/status")?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kb / 1024.0)
}

/// Exactly `n` token ids of ordinary English text.
fn prompt_ids(model: &LocalChatModel, n: usize) -> anyhow::Result<Vec<u32>> {
    let paragraph = "A job queue lets a web service hand slow work to background workers. \
        The service records each job in a durable store, a worker claims it, runs it and \
        marks it finished; if the worker dies, the claim expires and another worker retries \
        the job. Queues smooth out bursts of traffic, keep requests fast and make failures \
        visible, because every job has a status that operators can inspect. ";
    let mut ids = Vec::new();
    let mut round = 0;
    while ids.len() < n {
        ids.extend(model.tokenizer().encode(&format!("{round}. {paragraph}"))?);
        round += 1;
    }
    ids.truncate(n);
    Ok(ids)
}

fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

struct OurRound {
    side: Side,
    generated: Vec<u32>,
}

fn our_round(path: &Path) -> anyhow::Result<OurRound> {
    let options = LocalChatOptions {
        threads: Some(THREADS),
        ..LocalChatOptions::default()
    };
    let started = Instant::now();
    let model = LocalChatModel::load(path, options)?;
    let load_s = started.elapsed().as_secs_f64();
    let prompt = prompt_ids(&model, PROMPT_TOKENS)?;

    // Warm-up, as llama-bench does: threads started, weights paged in.
    model.session(16).feed(&prompt[..16])?;

    let mut session = model.session(PROMPT_TOKENS + GEN_TOKENS);
    let started = Instant::now();
    let mut next = argmax(session.feed(&prompt)?);
    let prompt_s = started.elapsed().as_secs_f64();

    let mut generated = Vec::with_capacity(GEN_TOKENS);
    let started = Instant::now();
    for _ in 0..GEN_TOKENS {
        generated.push(next);
        next = argmax(session.feed(&[next])?);
    }
    let gen_s = started.elapsed().as_secs_f64();
    Ok(OurRound {
        side: Side {
            prompt_tps: PROMPT_TOKENS as f64 / prompt_s,
            gen_tps: GEN_TOKENS as f64 / gen_s,
            load_s,
            rss_mb: peak_rss_mb()?,
        },
        generated,
    })
}

fn llamacpp_round(setup_only: bool) -> anyhow::Result<(Side, Value)> {
    let script = root().join("bench/llamacpp/bench.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    if setup_only {
        cmd.arg("--setup-only");
    } else {
        cmd.args(["--threads", &THREADS.to_string()])
            .args(["--prompt", &PROMPT_TOKENS.to_string()])
            .args(["--gen", &GEN_TOKENS.to_string()])
            .args(["--reps", "1"]);
    }
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(6).collect();
        bail!(
            "{} failed ({}): {}",
            script.display(),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        );
    }
    if setup_only {
        return Ok((Side::default(), Value::Null));
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("llama.cpp bench output")?;
    let f = |k: &str| v[k].as_f64().with_context(|| format!("no {k} in {v}"));
    let side = Side {
        prompt_tps: f("prompt_tokens_per_s")?,
        gen_tps: f("gen_tokens_per_s")?,
        load_s: f("load_s")?,
        rss_mb: f("peak_rss_bytes")? / (1024.0 * 1024.0),
    };
    Ok((side, v))
}

fn best(rounds: &[Side]) -> Side {
    Side {
        prompt_tps: rounds.iter().map(|s| s.prompt_tps).fold(0.0, f64::max),
        gen_tps: rounds.iter().map(|s| s.gen_tps).fold(0.0, f64::max),
        load_s: rounds
            .iter()
            .map(|s| s.load_s)
            .fold(f64::INFINITY, f64::min),
        rss_mb: rounds.iter().map(|s| s.rss_mb).fold(0.0, f64::max),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Sentences of 6 to 30 words.
fn sentences(n: usize) -> Vec<String> {
    let words = [
        "the",
        "queue",
        "worker",
        "retries",
        "a",
        "failed",
        "job",
        "after",
        "its",
        "lease",
        "expires",
        "while",
        "documentation",
        "agent",
        "answers",
        "questions",
        "about",
        "system",
        "architecture",
        "with",
        "cited",
        "sources",
        "and",
        "budgets",
        "limit",
        "what",
        "each",
        "tenant",
        "spends",
        "on",
        "models",
    ];
    let mut seed: u64 = 42;
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = 6 + (seed >> 59) as usize % 25;
            (0..len)
                .map(|i| words[((seed >> (i % 50)) as usize + i * 7) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn embed_rate(dir: &Path) -> anyhow::Result<f64> {
    let embedder = LocalEmbedder::load(dir)?;
    let texts = sentences(SENTENCES);
    embedder.embed_blocking(&texts[..32])?;
    let started = Instant::now();
    let (vectors, _) = embedder.embed_blocking(&texts)?;
    let rate = texts.len() as f64 / started.elapsed().as_secs_f64();
    ensure!(vectors.len() == texts.len(), "one vector per sentence");
    Ok(rate)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local_models bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    // candle (the embedder's kernels) sizes its pool once, from this variable.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", THREADS.to_string());
    }
    let chat_path = models_dir().join(CHAT_MODEL);
    ensure!(
        chat_path.is_file(),
        "{} is missing: run scripts/fetch-models.sh",
        chat_path.display()
    );

    // Build llama.cpp first (minutes, once), so no round waits for it.
    let mut llama_error = llamacpp_round(true).err();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut their_info = Value::Null;
    let mut reference: Option<Vec<u32>> = None;
    for round in 1..=ROUNDS {
        if llama_error.is_none() {
            match llamacpp_round(false) {
                Ok((side, info)) => {
                    eprintln!("round {round}: llama.cpp {side:?}");
                    theirs.push(side);
                    their_info = info;
                }
                Err(e) => llama_error = Some(e),
            }
        }
        let r = our_round(&chat_path)?;
        eprintln!("round {round}: ours      {:?}", r.side);
        // Greedy decoding is deterministic: every round generates the same tokens.
        match &reference {
            None => reference = Some(r.generated),
            Some(first) => ensure!(
                *first == r.generated,
                "round {round} generated other tokens"
            ),
        }
        ours.push(r.side);
    }
    let embed_sps = embed_rate(&models_dir().join(EMBED_MODEL))?;

    let our = best(&ours);
    let (their, their_label) = if theirs.is_empty() {
        (RECORDED, "llama.cpp (recorded in the issue)")
    } else {
        (best(&theirs), "llama.cpp (this run)")
    };
    let per_round = |f: fn(&Side) -> f64| {
        (!theirs.is_empty())
            .then(|| median(ours.iter().zip(&theirs).map(|(o, t)| f(o) / f(t)).collect()))
    };
    let prompt_round_ratio = per_round(|s| s.prompt_tps);
    let gen_round_ratio = per_round(|s| s.gen_tps);

    let mut md = String::new();
    let line = |md: &mut String, s: String| {
        md.push_str(&s);
        md.push('\n');
    };
    line(&mut md, "# Embedded models: ours vs llama.cpp".into());
    line(&mut md, String::new());
    line(
        &mut md,
        format!(
            "SmolLM2-135M-Instruct Q4_1 (`models/{CHAT_MODEL}`), {THREADS} threads, a {PROMPT_TOKENS}-token \
             prompt then {GEN_TOKENS} greedy tokens; {ROUNDS} alternating rounds, best of each side. \
             Machine: {} CPUs, load average {} at the end.",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    line(&mut md, String::new());
    line(
        &mut md,
        format!("| | ours | {their_label} | ours / llama.cpp |"),
    );
    line(&mut md, "|---|---:|---:|---:|".into());
    let ratio_cell = |o: f64, t: f64, per_round: Option<f64>| match per_round {
        Some(r) => format!("{:.2}x (per-round median {r:.2}x)", o / t),
        None => format!("{:.2}x", o / t),
    };
    line(
        &mut md,
        format!(
            "| prompt tokens/s | {:.1} | {:.1} | {} |",
            our.prompt_tps,
            their.prompt_tps,
            ratio_cell(our.prompt_tps, their.prompt_tps, prompt_round_ratio)
        ),
    );
    line(
        &mut md,
        format!(
            "| generated tokens/s | {:.1} | {:.1} | {} |",
            our.gen_tps,
            their.gen_tps,
            ratio_cell(our.gen_tps, their.gen_tps, gen_round_ratio)
        ),
    );
    line(
        &mut md,
        format!(
            "| load time | {:.3} s | {:.3} s | |",
            our.load_s, their.load_s
        ),
    );
    line(
        &mut md,
        format!(
            "| peak RSS | {:.0} MB | {:.0} MB | |",
            our.rss_mb, their.rss_mb
        ),
    );
    line(&mut md, String::new());
    line(
        &mut md,
        format!("Embedder (all-MiniLM-L6-v2, {SENTENCES} sentences of 6 to 30 words): {embed_sps:.0} sentences/s."),
    );
    line(&mut md, String::new());
    line(
        &mut md,
        "Per round (prompt tok/s, generated tok/s, load s, RSS MB):".into(),
    );
    line(&mut md, String::new());
    for (i, o) in ours.iter().enumerate() {
        let t = theirs
            .get(i)
            .map(|t| {
                format!(
                    "{:.1}, {:.1}, {:.3}, {:.0}",
                    t.prompt_tps, t.gen_tps, t.load_s, t.rss_mb
                )
            })
            .unwrap_or_else(|| "-".into());
        line(
            &mut md,
            format!(
                "- round {}: ours {:.1}, {:.1}, {:.3}, {:.0}; llama.cpp {t}",
                i + 1,
                o.prompt_tps,
                o.gen_tps,
                o.load_s,
                o.rss_mb
            ),
        );
    }
    line(&mut md, String::new());
    match &llama_error {
        Some(e) => line(
            &mut md,
            format!("llama.cpp did not run here, so the comparison is with its recorded figures: {e:#}"),
        ),
        None => line(
            &mut md,
            format!(
                "llama.cpp: `llama-bench` from {} (build {}), {}; its load time is the wall time of \
                 a whole `llama-bench` process that loads the model and evaluates one token, its \
                 RSS that of the generation run. Ours: `LocalChatModel::load`, then \
                 `LocalChatSession::feed`; RSS is this benchmark process's `VmHWM`.",
                their_info["source"].as_str().unwrap_or("?"),
                their_info["build_commit"].as_str().unwrap_or("?"),
                their_info["cpu_info"].as_str().unwrap_or("?"),
            ),
        ),
    }
    print!("{md}");
    let out = root().join("bench/results");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("local-models.md"), &md)?;
    eprintln!("wrote {}", out.join("local-models.md").display());
    Ok(())
}
