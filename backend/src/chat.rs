//! `morningai chat "prompt"`: streams an answer from the configured model to
//! stdout, then one line of figures (model, tokens, speed) to stderr.

use std::io::Write;

use anyhow::Context;
use futures::StreamExt;
use morningai_ai::{ChatChunk, ChatRequest, Message};

use crate::cli::ChatArgs;

pub async fn run(args: ChatArgs) -> anyhow::Result<()> {
    if args.prompt.trim().is_empty() {
        anyhow::bail!(
            "the prompt is empty: say what to ask, e.g. morningai chat \"What is a job queue?\""
        );
    }
    if !(0.0..=2.0).contains(&args.temperature) {
        anyhow::bail!("--temperature must be between 0 and 2");
    }
    let chat = morningai_ai::provider::chat_model(&args.models.chat_settings())?;
    let mut messages = Vec::new();
    if let Some(system) = args.system {
        messages.push(Message::system(system));
    }
    messages.push(Message::user(args.prompt));
    let request = ChatRequest {
        messages,
        max_tokens: Some(args.max_tokens),
        temperature: Some(args.temperature),
        seed: args.seed,
        ..ChatRequest::default()
    };

    let started = std::time::Instant::now();
    let mut stream = chat
        .chat_stream(&request)
        .await
        .with_context(|| format!("asking {}/{}", chat.provider(), chat.model()))?;
    let mut stdout = std::io::stdout().lock();
    let mut first_token = None;
    while let Some(chunk) = stream.next().await {
        match chunk
            .with_context(|| format!("streaming from {}/{}", chat.provider(), chat.model()))?
        {
            ChatChunk::Token(text) => {
                first_token.get_or_insert_with(|| started.elapsed());
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
            ChatChunk::Done(response) => {
                writeln!(stdout)?;
                let total = started.elapsed();
                let generating = total - first_token.unwrap_or(total);
                let rate = if generating.as_secs_f64() > 0.0 {
                    format!(
                        ", {:.1} tokens/s",
                        f64::from(response.usage.completion_tokens.saturating_sub(1))
                            / generating.as_secs_f64()
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "[{}/{}: {} prompt + {} completion tokens, first token after {:.2} s{rate}, finish: {}]",
                    chat.provider(),
                    response.model,
                    response.usage.prompt_tokens,
                    response.usage.completion_tokens,
                    first_token.unwrap_or(total).as_secs_f64(),
                    response.finish_reason.as_deref().unwrap_or("unknown"),
                );
                return Ok(());
            }
        }
    }
    anyhow::bail!("the answer ended without its final chunk")
}
