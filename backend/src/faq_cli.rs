//! `morningai faq …`: the FAQ knowledge base from the command line.
//!
//! `faq rank` ranks FAQ lines for query lines with the same search code and
//! configured embedder as the server (a throwaway index in memory), for
//! evaluating search quality on a labelled set.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use morningai_agents::faq::{FaqSearcher, Ranking, Signals};
use morningai_knowledge::faq::{FaqDoc, FaqFilter, KEYWORD_WEIGHT};
use serde::{Deserialize, Serialize};

use crate::config::ModelConfig;

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Rank FAQs for queries (JSON Lines in, JSON Lines out) with the
    /// server's search: BM25 fused with the configured embedder.
    Rank(Box<RankArgs>),
}

#[derive(Debug, Args)]
pub struct RankArgs {
    /// FAQ lines: `{"id","question","answer","language"?}`.
    #[arg(long, value_name = "FILE.jsonl")]
    pub faqs: PathBuf,
    /// Query lines: `{"qid","query","language"?}`.
    #[arg(long, value_name = "FILE.jsonl")]
    pub queries: PathBuf,
    /// Where to write `{"qid","ranked_ids":[…]}` lines.
    #[arg(long, value_name = "RANKED.jsonl")]
    pub out: PathBuf,
    /// Results per query.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub top: u32,
    /// Which signals to use (to measure what each contributes).
    #[arg(long, value_enum, default_value = "hybrid")]
    pub signals: SignalsArg,
    /// The keyword ranking's weight in the fusion (the semantic one's is 1).
    #[arg(long, default_value_t = KEYWORD_WEIGHT)]
    pub keyword_weight: f32,
    /// Restrict each query to FAQs of its own `language` when it has one.
    #[arg(long)]
    pub same_language: bool,
    #[command(flatten)]
    pub models: ModelConfig,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SignalsArg {
    Hybrid,
    Keyword,
    Semantic,
}

impl From<SignalsArg> for Signals {
    fn from(s: SignalsArg) -> Self {
        match s {
            SignalsArg::Hybrid => Signals::Hybrid,
            SignalsArg::Keyword => Signals::Keyword,
            SignalsArg::Semantic => Signals::Semantic,
        }
    }
}

#[derive(Deserialize)]
struct FaqLine {
    id: String,
    question: String,
    answer: String,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Deserialize)]
struct QueryLine {
    qid: String,
    query: String,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Serialize)]
struct RankedLine<'a> {
    qid: &'a str,
    ranked_ids: Vec<String>,
}

pub async fn run(command: FaqCommand) -> anyhow::Result<()> {
    match command {
        FaqCommand::Rank(args) => rank(*args).await,
    }
}

/// Reads JSON Lines, naming the file and line of the first bad one.
fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}", path.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not a valid line", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

async fn rank(args: RankArgs) -> anyhow::Result<()> {
    let faqs: Vec<FaqLine> = read_lines(&args.faqs)?;
    let queries: Vec<QueryLine> = read_lines(&args.queries)?;
    if faqs.is_empty() {
        bail!("{}: no FAQ lines", args.faqs.display());
    }
    let signals = Signals::from(args.signals);
    let embedder = match signals {
        Signals::Keyword => None,
        _ => args.models.build()?.embedder,
    };
    if signals == Signals::Semantic && embedder.is_none() {
        bail!("--signals semantic needs an embedder (MORNINGAI_EMBED_PROVIDER is none)");
    }
    let searcher = FaqSearcher::new(embedder)?;
    let docs: Vec<FaqDoc> = faqs
        .into_iter()
        .map(|f| FaqDoc {
            id: f.id,
            question: f.question,
            answer: f.answer,
            language: f.language.unwrap_or_else(|| "und".into()),
            category: None,
            tags: Vec::new(),
            status: "published".into(),
        })
        .collect();

    let started = Instant::now();
    searcher.index().upsert(&docs)?;
    let indexed = started.elapsed();
    let started = Instant::now();
    let vectors = searcher.embed(&docs).await?;
    for (d, v) in docs.iter().zip(&vectors) {
        searcher.index().set_vector(&d.id, v);
    }
    let embedded = started.elapsed();

    let out =
        std::fs::File::create(&args.out).with_context(|| format!("{}", args.out.display()))?;
    let mut out = BufWriter::new(out);
    let mut took = Vec::with_capacity(queries.len());
    for q in &queries {
        let filter = FaqFilter {
            language: args.same_language.then(|| q.language.clone()).flatten(),
            ..FaqFilter::default()
        };
        let ranking = Ranking {
            signals,
            keyword_weight: args.keyword_weight,
        };
        let outcome = searcher
            .search(&q.query, filter, args.top as usize, ranking)
            .await?;
        took.push(outcome.took);
        let line = RankedLine {
            qid: &q.qid,
            ranked_ids: outcome.hits.into_iter().map(|h| h.id).collect(),
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    took.sort();
    let pct = |p: f64| {
        took.get(((took.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    eprintln!(
        "faq rank: {} FAQs, {} queries, signals {:?}, embedder {}; keyword index {:.2}s, \
         embeddings {:.2}s; search p50 {:.2} ms, p95 {:.2} ms → {}",
        docs.len(),
        queries.len(),
        args.signals,
        searcher.embedder_model().unwrap_or_else(|| "none".into()),
        indexed.as_secs_f64(),
        embedded.as_secs_f64(),
        pct(0.5),
        pct(0.95),
        args.out.display()
    );
    Ok(())
}
