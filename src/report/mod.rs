//! How verdicts are shown: readable text (the default), JSON lines for tools, an HTML
//! timeline (`--html FILE`); and the reports for CI written beside them (JUnit XML, a
//! Markdown summary).

pub mod html;
pub mod json;
pub mod junit;
pub mod summary;
pub mod text;
pub mod verdict;

use std::borrow::Cow;

/// `text` with its control characters written as `\u{1b}`: what comes from a file (a
/// scenario's name, a URL, a path, an app's output) cannot move the cursor, clear the
/// terminal or forge a line of the report. JSON output needs none of this: its strings are
/// escaped by the encoder.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Output format of `bgsim run`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Timelines and verdicts for people.
    #[default]
    Text,
    /// JSON lines: an object per event, per violation, per verdict, then a summary
    /// (docs/json.md).
    Json,
}
