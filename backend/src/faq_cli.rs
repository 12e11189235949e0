//! `morningai faq …`: the FAQ knowledge base from the command line.
//!
//! `faq rank` ranks FAQ lines for query lines with the same search code and
//! configured embedder as the server (a throwaway index in memory), for
//! evaluating search quality on a labelled set. `faq import` and `faq
//! export` move a tenant's FAQs in and out of the local database as files,
//! with the same code and checks as the API.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use morningai_agents::faq::{FaqSearcher, Ranking, Signals};
use morningai_knowledge::faq::{FaqDoc, FaqFilter, KEYWORD_WEIGHT};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use morningai_core::{Email, FaqStatus, Principal, Role, TenantCtx};
use morningai_knowledge::faq::transfer::FaqFormat;
use morningai_store::{OpenOptions, Store};

use crate::config::ModelConfig;
use crate::faq_files::{self, ExportFilter, ImportError};

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Rank FAQs for queries (JSON Lines in, JSON Lines out) with the
    /// server's search: BM25 fused with the configured embedder.
    Rank(Box<RankArgs>),
    /// Import FAQs from a file (JSON Lines, CSV or Markdown) into a tenant;
    /// every bad line is reported and nothing is imported from a bad file.
    Import(Box<ImportArgs>),
    /// Export a tenant's FAQs as a file that imports back to the same FAQs.
    Export(Box<ExportArgs>),
}

/// Which database, and acting as whom.
#[derive(Debug, Args)]
pub struct ActorArgs {
    /// The account the change is made as (recorded in versions and the
    /// audit log); must be an owner or admin of the tenant to import.
    #[arg(long = "as", value_name = "EMAIL")]
    pub actor: String,
    /// The tenant, when the account belongs to several (its id).
    #[arg(long)]
    pub tenant: Option<uuid::Uuid>,
    /// Unset: `sqlite://<MORNINGAI_DATA_DIR>/morningai.db`.
    #[arg(long, env = "MORNINGAI_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    #[arg(long, env = "MORNINGAI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file; `-` reads standard input.
    pub file: PathBuf,
    /// Default: from the file's extension (.jsonl, .csv, .md).
    #[arg(long)]
    pub format: Option<FaqFormat>,
    /// Check the file and report what would change, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The language of FAQs that name none.
    #[arg(long, default_value = "en")]
    pub language: String,
    #[command(flatten)]
    pub actor: ActorArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub format: FaqFormat,
    /// Where to write the file; default standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only FAQs of this status (draft, published, archived).
    #[arg(long)]
    pub status: Option<FaqStatus>,
    #[command(flatten)]
    pub actor: ActorArgs,
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
        FaqCommand::Import(args) => import(*args).await,
        FaqCommand::Export(args) => export(*args).await,
    }
}

/// The store and the actor's context in the tenant (the role they have).
async fn act_as(args: &ActorArgs) -> anyhow::Result<(Arc<dyn Store>, TenantCtx)> {
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| crate::config::default_database_url(&args.data_dir));
    let store = morningai_store::open(&url, &OpenOptions::default())
        .await
        .context("opening the database (run `morningai migrate` first?)")?;
    let email = Email::parse(&args.actor).map_err(|e| anyhow::anyhow!("--as: {e}"))?;
    let Some(user) = store.user_by_email(&email).await? else {
        bail!("--as: no account has the email {email}");
    };
    let memberships = store.memberships_of(user.id).await?;
    let membership = match args.tenant {
        Some(id) => memberships
            .into_iter()
            .find(|(t, _)| t.id.0 == id)
            .with_context(|| format!("--tenant: {email} is not a member of {id}"))?,
        None if memberships.len() == 1 => memberships.into_iter().next().expect("one"),
        None if memberships.is_empty() => bail!("{email} belongs to no tenant"),
        None => {
            let list: Vec<String> = memberships
                .iter()
                .map(|(t, _)| format!("{} ({})", t.id, t.name))
                .collect();
            bail!(
                "{email} belongs to several tenants; choose one with --tenant: {}",
                list.join(", ")
            )
        }
    };
    let ctx = TenantCtx {
        tenant_id: membership.0.id,
        user_id: user.id,
        role: membership.1.role,
        principal: Principal::System,
    };
    Ok((store, ctx))
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let format = match args.format {
        Some(f) => f,
        None => FaqFormat::from_path(&args.file)
            .context("cannot tell the format from the file name; give --format")?,
    };
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("{}", args.file.display()))?
    };
    let language = morningai_core::language_tag(&args.language)
        .map_err(|e| anyhow::anyhow!("--language: {e}"))?;
    let (store, ctx) = act_as(&args.actor).await?;
    if ctx.role < Role::Admin {
        bail!(
            "importing FAQs needs an owner or admin; {} is a {}",
            args.actor.actor,
            ctx.role
        );
    }
    match faq_files::import(&*store, &ctx, format, &text, &language, args.dry_run).await {
        Ok(report) => {
            let o = report.outcome;
            let verb = if report.dry_run {
                "would import"
            } else {
                "imported"
            };
            println!(
                "{}: {verb} {} FAQs: {} new, {} updated, {} unchanged",
                args.file.display(),
                report.records,
                o.created,
                o.updated,
                o.unchanged
            );
            Ok(())
        }
        Err(ImportError::Lines { total, lines }) => {
            for l in &lines {
                eprintln!("{}:{}: {}", args.file.display(), l.line, l.message);
            }
            if total > lines.len() {
                eprintln!("… and {} more", total - lines.len());
            }
            bail!("{total} line(s) have errors; nothing was imported")
        }
        Err(e) => Err(e.into()),
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let (store, ctx) = act_as(&args.actor).await?;
    let filter = ExportFilter {
        status: args.status,
        category_id: None,
    };
    let text = faq_files::export(&*store, &ctx, args.format, &filter).await?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("{}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
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
