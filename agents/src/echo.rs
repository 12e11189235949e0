//! `echo`: a small graph for tests and for trying the system without a model.
//! `prepare → echo ⟲ (until rounds are done) → approve? → finish`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use morningai_orchestration::graph::{Graph, NodeError, NodeOutput, END, START};

pub const KIND: &str = "echo";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EchoState {
    /// What to echo (required, 1–10,000 characters).
    pub message: String,
    /// How many times (the loop), 1–1000; default 3.
    #[serde(default = "default_rounds")]
    pub rounds: u32,
    /// Ask a person before finishing.
    #[serde(default)]
    pub require_approval: bool,
    /// Milliseconds each echo takes (to watch a run live, or kill it mid-way).
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default)]
    pub transcript: Vec<String>,
    #[serde(default)]
    pub approved: Option<bool>,
    #[serde(default)]
    pub approver_note: Option<serde_json::Value>,
    #[serde(default)]
    pub summary: Option<String>,
}

fn default_rounds() -> u32 {
    3
}

pub fn graph() -> Graph<EchoState> {
    Graph::builder(KIND)
        .node("prepare", |mut s: EchoState, _ctx| async move {
            if s.message.trim().is_empty() || s.message.chars().count() > 10_000 {
                return Err(NodeError::Fatal("message must be 1 to 10,000 characters".into()));
            }
            if !(1..=1000).contains(&s.rounds) {
                return Err(NodeError::Fatal("rounds must be between 1 and 1000".into()));
            }
            s.message = s.message.trim().to_owned();
            Ok(NodeOutput::Update(s))
        })
        .node("echo", |mut s: EchoState, ctx| async move {
            if s.delay_ms > 0 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(s.delay_ms)) => {}
                    () = ctx.cancel.cancelled() => return Err(NodeError::Retryable("interrupted".into())),
                }
            }
            let n = s.transcript.len() + 1;
            ctx.log(format!("echo {n} of {}", s.rounds));
            s.transcript.push(format!("{n}: {}", s.message));
            Ok(NodeOutput::Update(s))
        })
        .node("approve", |mut s: EchoState, ctx| async move {
            match ctx.resume {
                None => Ok(NodeOutput::Interrupt(json!({
                    "question": "Publish this echo?",
                    "transcript": s.transcript,
                }))),
                Some(decision) => {
                    s.approved = Some(decision.approved);
                    s.approver_note = decision.input;
                    Ok(NodeOutput::Update(s))
                }
            }
        })
        .node("finish", |mut s: EchoState, _ctx| async move {
            s.summary = Some(match s.approved {
                Some(false) => format!("rejected after {} echoes", s.transcript.len()),
                _ => format!("echoed {:?} {} times", s.message, s.transcript.len()),
            });
            Ok(NodeOutput::Update(s))
        })
        .edge(START, "prepare")
        .edge("prepare", "echo")
        .route("echo", &["echo", "approve", "finish"], |s| {
            if (s.transcript.len() as u32) < s.rounds {
                "echo"
            } else if s.require_approval {
                "approve"
            } else {
                "finish"
            }
        })
        .edge("approve", "finish")
        .edge("finish", END)
        .step_limit(25)
        .build()
        .expect("the echo graph is well-formed")
}
