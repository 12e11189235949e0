//! The chat template: ChatML, as SmolLM2's `tokenizer.chat_template` says.
//!
//! The GGUF's Jinja template is
//!
//! ```text
//! {% for message in messages %}
//!   {% if loop.first and messages[0]['role'] != 'system' %}
//!     {{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}
//!   {% endif %}
//!   {{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}
//! {% endfor %}
//! {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
//! ```
//!
//! Rather than embed a Jinja engine, [`ChatTemplate`] implements that shape
//! and takes the default system prompt from the template text, refusing a
//! template that is not ChatML.

use crate::{AiError, Message, MessageRole};

use super::tokenizer::GgufTokenizer;

pub(crate) const IM_START: &str = "<|im_start|>";
pub(crate) const IM_END: &str = "<|im_end|>";

/// ChatML rendering, with the default system prompt the model's template
/// inserts when a conversation does not start with one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatTemplate {
    default_system: Option<String>,
}

fn role_name(role: MessageRole) -> &'static str {
    match role {
        MessageRole::System => "system",
        MessageRole::User => "user",
        MessageRole::Assistant => "assistant",
    }
}

/// Undoes the escapes of a Jinja string literal.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

impl ChatTemplate {
    /// Reads `tokenizer.chat_template`. `None` (no template in the file)
    /// means plain ChatML without a default system prompt.
    pub(crate) fn from_gguf_template(template: Option<&str>) -> Result<Self, AiError> {
        let Some(template) = template else {
            return Ok(Self {
                default_system: None,
            });
        };
        let chatml = template.contains(IM_START)
            && template.contains(IM_END)
            && template.contains("message['role']")
            && template.contains("message['content']");
        if !chatml {
            return Err(AiError::Local(format!(
                "unsupported chat template (not ChatML): {template}"
            )));
        }
        // `{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n…<|im_end|>\n' }}`
        let default_system = template
            .find("!= 'system'")
            .or_else(|| template.find("!= \"system\""))
            .and_then(|at| {
                let rest = &template[at..];
                let endif = rest.find("endif").unwrap_or(rest.len());
                let block = &rest[..endif];
                let start =
                    block.find(&format!("{IM_START}system"))? + IM_START.len() + "system".len();
                let body = &block[start..];
                let body = body
                    .strip_prefix("\\n")
                    .or_else(|| body.strip_prefix('\n'))?;
                let end = body.find(IM_END)?;
                Some(unescape(&body[..end]))
            });
        Ok(Self { default_system })
    }

    /// The system prompt inserted when the first message is not a system one.
    pub fn default_system_prompt(&self) -> Option<&str> {
        self.default_system.as_deref()
    }

    /// The prompt text for `messages`, ending with the assistant's turn
    /// opening (`add_generation_prompt`).
    pub fn render(&self, messages: &[Message]) -> String {
        let mut out = String::new();
        for (role, content) in self.turns(messages) {
            out.push_str(IM_START);
            out.push_str(role);
            out.push('\n');
            out.push_str(content);
            out.push_str(IM_END);
            out.push('\n');
        }
        out.push_str(IM_START);
        out.push_str("assistant\n");
        out
    }

    /// The token ids of [`render`](Self::render)'s text, built turn by turn:
    /// the same ids as tokenizing the rendered text with control tokens
    /// recognised, except that control-token text inside a message stays
    /// text.
    pub(crate) fn encode(
        &self,
        messages: &[Message],
        tokenizer: &GgufTokenizer,
    ) -> Result<Vec<u32>, AiError> {
        let id = |t: &str| {
            tokenizer
                .control_token_id(t)
                .ok_or_else(|| AiError::Local(format!("the vocabulary has no {t}")))
        };
        let (start, end) = (id(IM_START)?, id(IM_END)?);
        let newline = tokenizer.encode("\n")?;
        let mut ids = Vec::new();
        for (role, content) in self.turns(messages) {
            ids.push(start);
            ids.extend(tokenizer.encode(&format!("{role}\n{content}"))?);
            ids.push(end);
            ids.extend_from_slice(&newline);
        }
        ids.push(start);
        ids.extend(tokenizer.encode("assistant\n")?);
        Ok(ids)
    }

    fn turns<'a>(
        &'a self,
        messages: &'a [Message],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let system = match (messages.first(), &self.default_system) {
            (Some(first), Some(system)) if first.role != MessageRole::System => {
                Some(("system", system.as_str()))
            }
            _ => None,
        };
        system.into_iter().chain(
            messages
                .iter()
                .map(|m| (role_name(m.role), m.content.as_str())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    #[test]
    fn default_system_prompt_comes_from_the_template() {
        let t = ChatTemplate::from_gguf_template(Some(SMOLLM2)).unwrap();
        assert_eq!(
            t.default_system_prompt(),
            Some("You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        );
        // The same template with escaped newlines, as some files store it.
        let escaped = SMOLLM2.replace('\n', "\\n");
        assert_eq!(ChatTemplate::from_gguf_template(Some(&escaped)).unwrap(), t);
    }

    #[test]
    fn renders_chatml() {
        let t = ChatTemplate::from_gguf_template(Some(SMOLLM2)).unwrap();
        assert_eq!(
            t.render(&[Message::user("Hi")]),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
             <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        assert_eq!(
            t.render(&[Message::system("Be brief."), Message::user("Hi")]),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        assert_eq!(t.render(&[]), "<|im_start|>assistant\n");
    }

    #[test]
    fn refuses_other_templates() {
        let llama3 = "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>{% endfor %}";
        assert!(ChatTemplate::from_gguf_template(Some(llama3)).is_err());
        assert_eq!(
            ChatTemplate::from_gguf_template(None)
                .unwrap()
                .default_system_prompt(),
            None
        );
    }
}
