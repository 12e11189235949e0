//! `chat`: ask the configured model one question. `answer → review? → END`.
//! The simplest graph that calls a model, and so the one that shows model
//! calls in a task: streamed tokens and cost as live events, budgets, the
//! response cache on replay (the answer is greedy, so a replay gets it back
//! from the cache without asking the model again).

use std::time::Duration;

use morningai_ai::{ChatModel, ChatRequest, Message};
use serde::{Deserialize, Serialize};
use serde_json::json;

use morningai_orchestration::graph::{Graph, NodeError, NodeOutput, NodePolicy, END, START};

pub const KIND: &str = "chat";

const MAX_QUESTION_CHARS: usize = 20_000;
const DEFAULT_MAX_TOKENS: u32 = 512;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatState {
    /// The question (required, 1–20,000 characters).
    pub question: String,
    /// A system prompt; the model's own when unset.
    #[serde(default)]
    pub system: Option<String>,
    /// Longest answer in tokens, 1–4096; default 512.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Ask a person to accept the answer before the task is done.
    #[serde(default)]
    pub require_approval: bool,
    #[serde(default)]
    pub answer: Option<String>,
    /// `provider/model` that answered.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub prompt_tokens: Option<u32>,
    #[serde(default)]
    pub completion_tokens: Option<u32>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub accepted: Option<bool>,
    #[serde(default)]
    pub reviewer_note: Option<serde_json::Value>,
}

pub fn graph() -> Graph<ChatState> {
    let answer_policy = NodePolicy {
        timeout: Duration::from_secs(600),
        retries: 2,
        backoff: Duration::from_secs(2),
    };
    Graph::builder(KIND)
        .node_with("answer", answer_policy, |mut s: ChatState, ctx| async move {
            let question = s.question.trim();
            if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
                return Err(NodeError::Fatal(format!(
                    "question must be 1 to {MAX_QUESTION_CHARS} characters"
                )));
            }
            let max_tokens = s.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
            if !(1..=4096).contains(&max_tokens) {
                return Err(NodeError::Fatal("max_tokens must be between 1 and 4096".into()));
            }
            let mut messages = Vec::new();
            if let Some(system) = s.system.as_deref().filter(|s| !s.trim().is_empty()) {
                messages.push(Message::system(system));
            }
            messages.push(Message::user(question));
            let request = ChatRequest {
                messages,
                max_tokens: Some(max_tokens),
                temperature: Some(0.0),
                ..ChatRequest::default()
            };
            let chat = ctx.chat()?;
            let response = tokio::select! {
                response = chat.chat(&request) => response?,
                () = ctx.cancel.cancelled() => return Err(NodeError::Retryable("interrupted".into())),
            };
            ctx.log(format!(
                "{} answered with {} tokens ({})",
                chat.model(),
                response.usage.completion_tokens,
                response.finish_reason.as_deref().unwrap_or("done")
            ));
            s.model = Some(format!("{}/{}", chat.provider(), response.model));
            s.prompt_tokens = Some(response.usage.prompt_tokens);
            s.completion_tokens = Some(response.usage.completion_tokens);
            s.finish_reason = response.finish_reason;
            s.answer = Some(response.text);
            Ok(NodeOutput::Update(s))
        })
        .node("review", |mut s: ChatState, ctx| async move {
            match ctx.resume {
                None => Ok(NodeOutput::Interrupt(json!({
                    "question": "Accept this answer?",
                    "asked": s.question,
                    "answer": s.answer,
                }))),
                Some(decision) => {
                    s.accepted = Some(decision.approved);
                    s.reviewer_note = decision.input;
                    Ok(NodeOutput::Update(s))
                }
            }
        })
        .edge(START, "answer")
        .route("answer", &["review", END], |s| {
            if s.require_approval {
                "review"
            } else {
                END
            }
        })
        .edge("review", END)
        .step_limit(5)
        .build()
        .expect("the chat graph is well-formed")
}
