//! AI component tests: the OpenAI-compatible provider against a local server
//! speaking the protocol; the embedded models on the real model files.

mod local_chat;
mod local_e5;
mod local_embed;
mod openai;
