//! The FAQ text analyser: words for alphabetic scripts, character unigrams
//! and bigrams for Chinese, Japanese and Korean.
//!
//! tantivy's default tokenizer splits on non-alphanumerics, so a whole CJK
//! sentence ("パスワードを忘れました") becomes one token and only an exact
//! repeat of it matches. The usual answer without a dictionary is what
//! Lucene's `CJKBigramFilter` (with unigrams) does: every CJK run yields its
//! characters and its overlapping character pairs, so "忘记密码" matches
//! "我忘记了密码" through 忘记 and 密码. The choice is made per script
//! rather than per declared language, so mixed text ("GitHub のパスワード")
//! and a query whose language is unknown are analysed the same way as the
//! FAQ they should find. Latin words are lowercased, ASCII-folded and
//! stemmed with the English Snowball stemmer (a no-op on other scripts).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// The analyser's name in the index's tokenizer manager.
pub const ANALYZER: &str = "faq_text";

/// The analyser FAQ questions, answers and queries go through.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(ScriptTokenizer)
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Every token `analyzer()` makes of `text`, in order (for queries and tests).
pub fn analyze(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    stream.process(&mut |t| out.push(t.text.clone()));
    out
}

/// Splits text into words (alphanumeric runs) and CJK runs; see the module.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScriptTokenizer;

pub struct ScriptTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for ScriptTokenizer {
    type TokenStream<'a> = ScriptTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ScriptTokenStream {
        ScriptTokenStream {
            tokens: split(text),
            next: 0,
        }
    }
}

impl TokenStream for ScriptTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Cjk,
    Other,
}

fn class(c: char) -> Class {
    if is_cjk(c) {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Other
    }
}

/// Han, kana (full and half width), Hangul, and the CJK iteration mark.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x1100..=0x11FF | 0x3130..=0x318F
        | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

/// Full-width ASCII (ＡＢＣ１２３) as ASCII, so it matches what people type.
fn fold_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

fn split(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text
        .char_indices()
        .map(|(i, c)| (i, fold_width(c)))
        .collect();
    let end_of = |k: usize| chars.get(k).map_or(text.len(), |(i, _)| *i);
    let mut tokens = Vec::new();
    let mut position = 0;
    let mut k = 0;
    while k < chars.len() {
        let kind = class(chars[k].1);
        let start = k;
        while k < chars.len() && class(chars[k].1) == kind {
            k += 1;
        }
        match kind {
            Class::Other => {}
            Class::Word => {
                tokens.push(Token {
                    offset_from: chars[start].0,
                    offset_to: end_of(k),
                    position,
                    text: chars[start..k].iter().map(|(_, c)| *c).collect(),
                    position_length: 1,
                });
                position += 1;
            }
            Class::Cjk => {
                for j in start..k {
                    let unigram = Token {
                        offset_from: chars[j].0,
                        offset_to: end_of(j + 1),
                        position,
                        text: chars[j].1.to_string(),
                        position_length: 1,
                    };
                    tokens.push(unigram);
                    if j + 1 < k {
                        tokens.push(Token {
                            offset_from: chars[j].0,
                            offset_to: end_of(j + 2),
                            position,
                            text: [chars[j].1, chars[j + 1].1].iter().collect(),
                            position_length: 2,
                        });
                    }
                    position += 1;
                }
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_words_are_lowercased_folded_and_stemmed() {
        assert_eq!(
            analyze("Deleting my Café ACCOUNTS"),
            ["delet", "my", "cafe", "account"]
        );
    }

    #[test]
    fn cjk_runs_become_unigrams_and_bigrams() {
        assert_eq!(
            analyze("忘记密码"),
            ["忘", "忘记", "记", "记密", "密", "密码", "码"]
        );
        let ja = analyze("GitHubのパスワード");
        assert!(ja.contains(&"github".to_string()));
        assert!(ja.contains(&"パス".to_string()) && ja.contains(&"ワー".to_string()));
        assert!(!ja.iter().any(|t| t.contains("github") && t.len() > 6));
    }

    #[test]
    fn full_width_ascii_reads_as_ascii() {
        assert_eq!(analyze("ＧｉｔＨｕｂ　１２３"), ["github", "123"]);
    }

    #[test]
    fn punctuation_and_control_characters_make_no_tokens() {
        assert!(analyze("\u{0}\u{7}?!  。、").is_empty());
    }
}
