//! The embedded chat model against the real SmolLM2 GGUF file that
//! `scripts/fetch-models.sh` fetches (`make test` runs it first).

use std::path::PathBuf;
use std::sync::LazyLock;

use futures::StreamExt;
use morningai_ai::{
    AiError, ChatChunk, ChatModel, ChatRequest, LocalChatModel, LocalChatOptions, Message,
};

/// Short answers keep debug-build test runs fast.
const MAX_TOKENS: u32 = 32;

fn model_path() -> PathBuf {
    let dir = std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
    let path = dir.join("SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        path.display()
    );
    path
}

/// One model for all tests of this binary (loading it is the slow part).
static MODEL: LazyLock<LocalChatModel> = LazyLock::new(|| {
    let options = LocalChatOptions {
        concurrency: 2,
        ..LocalChatOptions::default()
    };
    LocalChatModel::load(&model_path(), options).expect("load SmolLM2")
});

fn greedy(messages: Vec<Message>) -> ChatRequest {
    ChatRequest {
        max_tokens: Some(MAX_TOKENS),
        ..ChatRequest::new(messages)
    }
}

fn question() -> Vec<Message> {
    vec![Message::user("What is the capital of France?")]
}

#[test]
fn tokenizer_round_trips_text_exactly() {
    let tokenizer = MODEL.tokenizer();
    let texts = [
        "Hello, world! The quick brown fox jumps over the lazy dog.",
        "Ünïcödé: héllo wörld — ça va? Привет, мир! 日本語のテキスト، مرحبا",
        "emoji 👋🏽 family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 and ✨",
        "fn main() {\n    let x: Vec<u32> = (0..10).map(|i| i * 2).collect();\n    println!(\"{x:?}\");\n}\n",
        "a  b   c\t\t\td\n\n\n   e    \r\n  \u{a0}\u{3000}end   ",
        "numbers 12345, 3.14159 and ١٢٣",
        "text mentioning <|im_start|> and <|im_end|> literally",
        "",
    ];
    for text in texts {
        let ids = tokenizer.encode(text).unwrap();
        assert_eq!(tokenizer.decode(&ids), text, "ids {ids:?}");
        assert!(ids.iter().all(|&id| (id as usize) < tokenizer.vocab_size()));
    }
    // The smollm pre-tokenizer splits every digit off on its own.
    let digits = tokenizer.encode("12345").unwrap();
    assert_eq!(digits.len(), 5);
    assert_eq!(tokenizer.decode(&digits[..1]), "1");
    // Common words are single tokens.
    assert_eq!(tokenizer.encode(" the").unwrap().len(), 1);
    assert_eq!(tokenizer.encode("Hello world").unwrap().len(), 2);
}

#[test]
fn special_tokens_have_smollm2_ids() {
    let tokenizer = MODEL.tokenizer();
    assert_eq!(tokenizer.vocab_size(), 49152);
    assert_eq!(tokenizer.control_token_id("<|endoftext|>"), Some(0));
    assert_eq!(tokenizer.control_token_id("<|im_start|>"), Some(1));
    assert_eq!(tokenizer.control_token_id("<|im_end|>"), Some(2));
    assert_eq!(tokenizer.eos_token_id(), 2);
    assert!(tokenizer.is_control(0) && tokenizer.is_control(1) && tokenizer.is_control(2));
    assert!(!tokenizer.is_control(17));
    assert_eq!(
        tokenizer.decode(&[1, 2, 0]),
        "<|im_start|><|im_end|><|endoftext|>"
    );

    // In plain text a control token's text stays text…
    let ids = tokenizer.encode("<|im_start|>").unwrap();
    assert!(!ids.iter().any(|&id| tokenizer.is_control(id)), "{ids:?}");
    // …unless asked for, as when encoding a rendered template.
    let ids = tokenizer
        .encode_with_special_tokens("<|im_start|>user\nHi<|im_end|>\n")
        .unwrap();
    assert_eq!(ids.first(), Some(&1));
    assert_eq!(ids.iter().filter(|&&id| id == 2).count(), 1);
    assert_eq!(tokenizer.decode(&ids), "<|im_start|>user\nHi<|im_end|>\n");
}

#[test]
fn chat_template_renders_chatml_with_default_system_prompt() {
    let template = MODEL.template();
    assert_eq!(
        template.default_system_prompt(),
        Some("You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    );

    let conversation = vec![
        Message::user("Hi!"),
        Message::assistant("Hello! How can I help?"),
    ];
    let expected = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
                    <|im_start|>user\nHi!<|im_end|>\n\
                    <|im_start|>assistant\nHello! How can I help?<|im_end|>\n\
                    <|im_start|>assistant\n";
    assert_eq!(template.render(&conversation), expected);

    let with_system = vec![Message::system("Answer in French."), Message::user("Hello")];
    let expected = "<|im_start|>system\nAnswer in French.<|im_end|>\n\
                    <|im_start|>user\nHello<|im_end|>\n\
                    <|im_start|>assistant\n";
    assert_eq!(template.render(&with_system), expected);

    // The prompt ids are those of the rendered text with control tokens recognised.
    for messages in [conversation, with_system] {
        let ids = MODEL.prompt_tokens(&messages).unwrap();
        let rendered = MODEL
            .tokenizer()
            .encode_with_special_tokens(&template.render(&messages))
            .unwrap();
        assert_eq!(ids, rendered);
    }
}

#[tokio::test]
async fn greedy_decoding_is_deterministic_and_streaming_matches() {
    let request = greedy(question());
    let first = MODEL.chat(&request).await.unwrap();
    let second = MODEL.chat(&request).await.unwrap();
    assert!(!first.text.trim().is_empty());
    assert_eq!(first.text, second.text);
    assert_eq!(MODEL.provider(), "local");
    assert_eq!(MODEL.model(), "SmolLM2-135M-Instruct.Q4_1");
    assert_eq!(first.model, "SmolLM2-135M-Instruct.Q4_1");
    assert_eq!(
        first.usage.prompt_tokens as usize,
        MODEL.prompt_tokens(&request.messages).unwrap().len()
    );
    assert!(first.usage.completion_tokens >= 1 && first.usage.completion_tokens <= MAX_TOKENS);
    let reason = first.finish_reason.as_deref();
    assert!(
        reason == Some("stop") || reason == Some("length"),
        "{reason:?}"
    );
    if reason == Some("length") {
        assert_eq!(first.usage.completion_tokens, MAX_TOKENS);
    }

    let mut stream = MODEL.chat_stream(&request).await.unwrap();
    let mut pieces = Vec::new();
    let mut done = None;
    while let Some(chunk) = stream.next().await {
        match chunk.unwrap() {
            ChatChunk::Token(piece) => {
                assert!(done.is_none(), "token after Done");
                assert!(!piece.is_empty());
                pieces.push(piece);
            }
            ChatChunk::Done(response) => done = Some(response),
        }
    }
    let done = done.expect("the stream ends with Done");
    assert_eq!(pieces.concat(), first.text);
    assert_eq!(done.text, first.text);
    assert_eq!(done.usage, first.usage);
    assert_eq!(done.finish_reason, first.finish_reason);
}

#[tokio::test]
async fn concurrent_requests_do_not_disturb_each_other() {
    let a = greedy(question());
    let b = greedy(vec![Message::user("Name three colors.")]);
    let (a1, b1) = tokio::join!(MODEL.chat(&a), MODEL.chat(&b));
    let (a1, b1) = (a1.unwrap(), b1.unwrap());
    assert_eq!(MODEL.chat(&a).await.unwrap().text, a1.text);
    assert_eq!(MODEL.chat(&b).await.unwrap().text, b1.text);
}

#[tokio::test]
async fn stop_sequences_cut_the_answer() {
    let full = MODEL.chat(&greedy(question())).await.unwrap().text;
    // A stop sequence from the middle of the greedy answer.
    let chars: Vec<(usize, char)> = full.char_indices().collect();
    assert!(
        chars.len() >= 8,
        "answer too short to test stop sequences: {full:?}"
    );
    let (start, end) = (
        chars[chars.len() / 2].0,
        chars.get(chars.len() / 2 + 3).map_or(full.len(), |c| c.0),
    );
    let stop = full[start..end].to_string();
    let cut = &full[..full.find(&stop).unwrap()];

    let request = ChatRequest {
        stop: vec![stop.clone()],
        ..greedy(question())
    };
    let response = MODEL.chat(&request).await.unwrap();
    assert_eq!(response.text, cut, "stop {stop:?}");
    assert_eq!(response.finish_reason.as_deref(), Some("stop"));

    let mut stream = MODEL.chat_stream(&request).await.unwrap();
    let mut streamed = String::new();
    while let Some(chunk) = stream.next().await {
        if let ChatChunk::Token(piece) = chunk.unwrap() {
            streamed.push_str(&piece);
        }
    }
    assert_eq!(streamed, cut);
}

#[tokio::test]
async fn max_tokens_and_sampling() {
    let request = ChatRequest {
        max_tokens: Some(3),
        ..greedy(vec![Message::user("Write a long story about a dragon.")])
    };
    let response = MODEL.chat(&request).await.unwrap();
    assert_eq!(response.usage.completion_tokens, 3);
    assert_eq!(response.finish_reason.as_deref(), Some("length"));

    // Sampling with a seed repeats itself.
    let request = ChatRequest {
        temperature: Some(0.8),
        top_p: Some(0.95),
        seed: Some(7),
        max_tokens: Some(8),
        ..ChatRequest::new(question())
    };
    let a = MODEL.chat(&request).await.unwrap();
    let b = MODEL.chat(&request).await.unwrap();
    assert_eq!(a.text, b.text);
}

#[tokio::test]
async fn rejects_what_does_not_fit_or_makes_no_sense() {
    let huge = "word ".repeat(5000);
    let err = MODEL
        .chat(&greedy(vec![Message::user(huge)]))
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::ContextTooLong(_)), "{err:?}");
    let err = MODEL
        .chat_stream(&greedy(vec![Message::user("word ".repeat(5000))]))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, AiError::ContextTooLong(_)), "{err:?}");

    let prompt_len = MODEL.prompt_tokens(&question()).unwrap().len();
    let too_many = (MODEL.context_length() - prompt_len + 1) as u32;
    let err = MODEL
        .chat(&ChatRequest {
            max_tokens: Some(too_many),
            ..greedy(question())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::ContextTooLong(_)), "{err:?}");

    let err = MODEL.chat(&ChatRequest::new(vec![])).await.unwrap_err();
    assert!(matches!(err, AiError::BadRequest(_)), "{err:?}");
    let err = MODEL
        .chat(&ChatRequest {
            top_p: Some(0.0),
            ..greedy(question())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::BadRequest(_)), "{err:?}");
}

#[tokio::test]
async fn dropping_the_stream_frees_the_model() {
    // A one-slot model: a second request waits until the first generation ends.
    let model = LocalChatModel::load(&model_path(), LocalChatOptions::default()).unwrap();
    let long = ChatRequest {
        max_tokens: Some(4000),
        ..greedy(vec![Message::user("Count from 1 to 1000.")])
    };
    let mut stream = model.chat_stream(&long).await.unwrap();
    assert!(matches!(stream.next().await, Some(Ok(ChatChunk::Token(_)))));
    drop(stream);
    // Were the first generation still running, this would wait for ~4000 tokens.
    let quick = ChatRequest {
        max_tokens: Some(1),
        ..greedy(question())
    };
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(120), model.chat(&quick)).await;
    assert_eq!(
        response
            .expect("the dropped stream's generation stopped")
            .unwrap()
            .usage
            .completion_tokens,
        1
    );
}
