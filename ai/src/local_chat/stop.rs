//! Stop sequences over streamed text: text that might be the start of a stop
//! sequence is held back until it is known not to be one, so a stream never
//! shows text the final answer does not contain.

#[derive(Debug)]
pub(crate) struct StopScanner {
    stops: Vec<String>,
    /// All text so far (cut at the stop sequence once one is found).
    text: String,
    /// How much of `text` has been released.
    released: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Text safe to release now (possibly empty); no stop sequence yet.
    Continue(String),
    /// A stop sequence was found: the last text to release, then stop.
    Stop(String),
}

impl StopScanner {
    pub(crate) fn new(stops: &[String]) -> Self {
        let stops = stops.iter().filter(|s| !s.is_empty()).cloned().collect();
        Self {
            stops,
            text: String::new(),
            released: 0,
        }
    }

    pub(crate) fn push(&mut self, piece: &str) -> Scan {
        let longest = self.stops.iter().map(String::len).max().unwrap_or(0);
        // A new match must end inside `piece`, so it starts no earlier than this.
        let mut from = self.text.len().saturating_sub(longest.saturating_sub(1));
        while !self.text.is_char_boundary(from) {
            from -= 1;
        }
        self.text.push_str(piece);
        let hit = self
            .stops
            .iter()
            .filter_map(|s| self.text[from..].find(s.as_str()).map(|at| from + at))
            .min();
        if let Some(at) = hit {
            self.text.truncate(at);
            let out = self.text[self.released.min(at)..].to_string();
            self.released = self.text.len();
            return Scan::Stop(out);
        }
        // Hold back the longest suffix that is a proper prefix of a stop sequence.
        let bytes = self.text.as_bytes();
        let hold = self
            .stops
            .iter()
            .flat_map(|s| {
                (1..s.len())
                    .rev()
                    .find(|&k| k <= bytes.len() && bytes.ends_with(&s.as_bytes()[..k]))
            })
            .max()
            .unwrap_or(0);
        let safe = self.text.len() - hold;
        let out = if safe > self.released {
            self.text[self.released..safe].to_string()
        } else {
            String::new()
        };
        self.released = self.released.max(safe);
        Scan::Continue(out)
    }

    /// The end of generation without a stop sequence: the held-back rest.
    pub(crate) fn finish(&mut self) -> String {
        let out = self.text[self.released..].to_string();
        self.released = self.text.len();
        out
    }

    pub(crate) fn into_text(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (Vec<String>, String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut s = StopScanner::new(&stops);
        let mut out = Vec::new();
        for p in pieces {
            match s.push(p) {
                Scan::Continue(t) => out.push(t),
                Scan::Stop(t) => {
                    out.push(t);
                    return (out, s.into_text(), true);
                }
            }
        }
        out.push(s.finish());
        (out, s.into_text(), false)
    }

    #[test]
    fn no_stops_passes_through() {
        let (out, text, stopped) = run(&[], &["a", "b"]);
        assert_eq!(out, ["a", "b", ""]);
        assert_eq!(text, "ab");
        assert!(!stopped);
    }

    #[test]
    fn stop_split_across_pieces() {
        let (out, text, stopped) = run(&["END"], &["hello E", "N", "D more"]);
        assert_eq!(out, ["hello ", "", ""]);
        assert_eq!(text, "hello ");
        assert!(stopped);
    }

    #[test]
    fn false_start_is_released() {
        let (out, text, stopped) = run(&["END"], &["hi E", "x", " bye"]);
        assert_eq!(out.concat(), "hi Ex bye");
        assert_eq!(out[0], "hi ");
        assert_eq!(text, "hi Ex bye");
        assert!(!stopped);
    }

    #[test]
    fn earliest_stop_wins_and_unicode_is_safe() {
        let (out, text, stopped) = run(&["é!", "\n\n"], &["ça", "\n", "\né!"]);
        assert_eq!(out.concat(), "ça");
        assert_eq!(text, "ça");
        assert!(stopped);
        let (_, text, stopped) = run(&["😀"], &["a😀b"]);
        assert_eq!(text, "a");
        assert!(stopped);
    }
}
