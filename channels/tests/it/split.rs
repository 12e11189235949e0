//! Splitting a 10,000+ character answer mixing Chinese, emoji ZWJ
//! sequences and Markdown for each platform's limit.

use morningai_channels::split::{LINE_MAX_MESSAGES, MESSENGER_MAX_LEN, TELEGRAM_MAX_LEN};
use morningai_channels::{batches, split, split_for, utf16_len, Platform};
use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;

/// The text, and the byte ranges built as atomic (links, code, fences).
fn mixed_text() -> (String, Vec<Range<usize>>) {
    let mut text = String::new();
    let mut atomic = Vec::new();
    let mut push_atomic = |text: &mut String, s: &str| {
        atomic.push(text.len()..text.len() + s.len());
        text.push_str(s);
    };
    let mut i = 0;
    while text.chars().count() < 10_000 {
        text.push_str(&format!("## 第{i}節 Opening hours 👨‍👩‍👧‍👦\n\n"));
        text.push_str(
            "我們的營業時間是週一至週五，上午九點到下午六點。週末休息，國定假日另行公告。",
        );
        text.push_str("如需協助請聯絡客服👩🏽‍💻，我們會盡快回覆您！🇹🇼 ");
        text.push_str("See the ");
        push_atomic(
            &mut text,
            &format!("[service page {i}](https://example.com/hours?section={i}&lang=zh-TW)"),
        );
        text.push_str(" and run ");
        push_atomic(&mut text, "`morningai faq search --tag hours`");
        text.push_str(" for details. This sentence is here to add plain English words. ");
        push_atomic(&mut text, "**營業時間 business hours**");
        text.push_str("\n- 週一至週五 09:00–18:00 🕘\n- 週六 10:00–14:00 👋🏿\n\n");
        if i % 3 == 0 {
            let code: String = (0..12)
                .map(|k| {
                    format!(
                        "let hours_{k} = \"{}\"; // 營業 👍🏻\n",
                        "09-18 ".repeat(k % 4 + 1)
                    )
                })
                .collect();
            push_atomic(&mut text, &format!("```rust\n{code}```"));
            text.push_str("\n\n");
        }
        if i % 4 == 1 {
            // A long run of Chinese without spaces or newlines.
            text.push_str(
                &"營業時間可能因颱風或特殊狀況調整請以官方公告為準謝謝您的耐心與支持".repeat(40),
            );
            text.push_str("\n\n");
        }
        i += 1;
    }
    (text, atomic)
}

/// Checks the splitting contract and returns the pieces' byte ranges.
fn check(text: &str, pieces: &[String], max: usize, atomic: &[Range<usize>]) -> Vec<Range<usize>> {
    let boundaries: Vec<usize> = text
        .grapheme_indices(true)
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let mut pos = 0;
    let mut ranges = Vec::new();
    for piece in pieces {
        assert!(!piece.is_empty());
        assert!(
            utf16_len(piece) <= max,
            "piece of {} > {max}",
            utf16_len(piece)
        );
        assert_eq!(piece.trim_end(), piece, "no trailing separator");
        let at = pos
            + text[pos..]
                .find(piece.as_str())
                .expect("piece is in the input, in order");
        assert!(
            text[pos..at].chars().all(char::is_whitespace),
            "only whitespace dropped between pieces"
        );
        let range = at..at + piece.len();
        for cut in [range.start, range.end] {
            assert!(
                boundaries.binary_search(&cut).is_ok(),
                "cut inside a grapheme cluster at {cut}"
            );
            for a in atomic {
                assert!(
                    !(a.start < cut && cut < a.end),
                    "cut inside {:?}",
                    &text[a.clone()]
                );
            }
        }
        pos = range.end;
        ranges.push(range);
    }
    assert!(text[pos..].chars().all(char::is_whitespace));
    // Reassembled with the dropped whitespace, the input comes back.
    let stripped: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let joined: String = pieces
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert_eq!(joined, stripped);
    ranges
}

#[test]
fn ten_thousand_characters_at_every_platform_limit() {
    let (text, atomic) = mixed_text();
    assert!(text.chars().count() >= 10_000);
    assert!(utf16_len(&text) > 10_000);
    for platform in [Platform::Telegram, Platform::Line, Platform::Messenger] {
        let max = morningai_channels::split::max_len(platform);
        let pieces = split_for(platform, &text);
        assert!(pieces.len() >= utf16_len(&text).div_ceil(max), "{platform}");
        check(&text, &pieces, max, &atomic);
        // No piece is needlessly small: all but the last use over half the limit.
        for p in &pieces[..pieces.len() - 1] {
            assert!(
                utf16_len(p) > max / 2,
                "{platform}: a piece of {}",
                utf16_len(p)
            );
        }
        if platform == Platform::Line {
            for batch in batches(pieces.clone(), LINE_MAX_MESSAGES) {
                assert!((1..=LINE_MAX_MESSAGES).contains(&batch.len()));
            }
        }
    }
    assert_eq!(
        (
            TELEGRAM_MAX_LEN,
            morningai_channels::split::LINE_MAX_LEN,
            MESSENGER_MAX_LEN
        ),
        (4096, 5000, 2000)
    );
}

#[test]
fn small_limits_stress_graphemes_and_entities() {
    let (text, atomic) = mixed_text();
    // Limits smaller than some entities (but not than the 11-unit family
    // emoji): those entities may be cut, graphemes never.
    for max in [12, 50, 333] {
        let pieces = split(&text, max);
        let fitting: Vec<_> = atomic
            .iter()
            .filter(|a| utf16_len(&text[(*a).clone()]) <= max)
            .cloned()
            .collect();
        check(&text, &pieces, max, &fitting);
    }
}

#[test]
fn paragraph_breaks_are_preferred() {
    let para = "營業時間是週一至週五。".repeat(30); // 330 units
    let text = format!("{para}\n\n{para}\n\n{para}");
    let pieces = split(&text, 700);
    assert_eq!(pieces, vec![format!("{para}\n\n{para}"), para.clone()]);
}

#[test]
fn an_oversized_code_fence_is_cut_between_lines() {
    let code: String = (0..100).map(|i| format!("line {i:03} 👨‍👩‍👧\n")).collect();
    let text = format!("intro\n\n```\n{code}```\noutro");
    let pieces = split(&text, 300);
    check(&text, &pieces, 300, &[]);
    for p in &pieces {
        assert!(
            p.ends_with('👧') || p.ends_with("```") || p == "intro" || p.ends_with("outro"),
            "{p:?}"
        );
    }
}

#[test]
fn whitespace_only_gives_nothing() {
    assert!(split_for(Platform::Telegram, " \n\n\t").is_empty());
    assert_eq!(split_for(Platform::Messenger, "  hi  "), vec!["hi"]);
}
