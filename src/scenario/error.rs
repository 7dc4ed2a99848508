//! [`ScenarioError`] and the translation of byte offsets into the 1-based line and column a
//! user can jump to in an editor.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a scenario file was rejected, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line of the offending value.
    pub line: usize,
    /// 1-based column of the offending value, in characters.
    pub column: usize,
    /// One sentence saying what was wrong and what was expected.
    pub message: String,
}

/// Rendered as `{file}:{line}:{column}: {message}`, the form compilers use, so terminals and
/// editors turn it into a link.
impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for ScenarioError {}

/// Builds errors for one scenario text: knows the file name and how to turn a byte offset
/// into it into a line and column.
#[derive(Clone, Copy)]
pub(crate) struct Locator<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a Path,
}

impl Locator<'_> {
    /// An error at the start of `span` (a byte range into the text).
    pub(crate) fn at(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        let (line, column) = line_column(self.text, span.start);
        ScenarioError {
            file: self.file.to_path_buf(),
            line,
            column,
            message: one_line(message.into()),
        }
    }

    /// An error about the file as a whole, reported at its first character.
    pub(crate) fn at_start(&self, message: impl Into<String>) -> ScenarioError {
        self.at(0..0, message)
    }

    /// Converts an error of the TOML parser or of serde into ours. toml attaches the span of
    /// the innermost key or value it was reading; an error without one (rare: a missing
    /// field of the top-level table) is reported at the start of the file.
    pub(crate) fn toml_error(&self, err: &toml::de::Error) -> ScenarioError {
        let mut message = sentence(err.message());
        let span = err.span().unwrap_or(0..0);
        // toml says only "duplicate key"; the key is the text at the span.
        if message == "duplicate key" {
            if let Some(key) = self.text.get(span.clone()) {
                message = format!("duplicate key `{key}`; expected each key once per table");
            }
        }
        self.at(span, message)
    }
}

/// `message` with its control characters escaped (`\n`, `\u{1b}`): messages quote the
/// file's values, and a value such as a multi-line string (`"""a\nb"""`) must not break
/// the one-line `file:line:column: message` form (found by tests/malformed_corpus.rs).
/// A message that quotes a huge value (a 1 MB key) keeps its start and its end, where the
/// expected forms are, and says how much of the middle it left out.
fn one_line(message: String) -> String {
    let mut message = message;
    if message.chars().any(char::is_control) {
        message = (message.chars())
            .map(|c| match c.is_control() {
                true => c.escape_default().collect(),
                false => c.to_string(),
            })
            .collect();
    }
    let chars = message.chars().count();
    if chars <= MAX_MESSAGE_CHARS {
        return message;
    }
    let keep = MAX_MESSAGE_CHARS / 2;
    let head: String = message.chars().take(keep).collect();
    let tail: String = message.chars().skip(chars - keep).collect();
    format!("{head}… ({} characters left out) …{tail}", chars - 2 * keep)
}

/// The longest message, in characters, before its middle is left out.
const MAX_MESSAGE_CHARS: usize = 960;

/// toml's messages may span lines ("..., expected ...\n"); we need one sentence on one line.
fn sentence(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The 1-based line and column (in characters) of byte `offset` of `text`. Offsets past the
/// end land just after the last character, and offsets inside a multi-byte character on the
/// next one, so a bad span can never panic.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (1, 5));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 7), (2, 2));
        // `é` is two bytes but one column.
        assert_eq!(line_column(text, 10), (2, 4));
        // Inside `é`: the next character.
        assert_eq!(line_column(text, 8), (2, 3));
        assert_eq!(line_column(text, 1000), (3, 1));
        assert_eq!(line_column("", 5), (1, 1));
    }

    #[test]
    fn messages_quoting_control_characters_stay_on_one_line() {
        let locator = Locator {
            text: "url = \"\"\"a\nb\"\"\"",
            file: Path::new("x.toml"),
        };
        let err = locator.at(6..6, "bad url `a\nb\u{1b}`");
        assert_eq!(err.message, "bad url `a\\nb\\u{1b}`");
    }

    #[test]
    fn a_message_quoting_a_huge_value_keeps_its_ends() {
        let locator = Locator {
            text: "",
            file: Path::new("x.toml"),
        };
        let key = "k".repeat(1 << 20);
        let err = locator.at(0..0, format!("unknown field `{key}`, expected `name`"));
        let left_out = "unknown field ``, expected `name`".len() + key.len() - 960;
        assert!(err.message.contains(&format!("… ({left_out} characters left out) …")));
        assert!(err.message.len() < 1100, "{}", err.message.len());
        assert!(err.message.starts_with("unknown field `kkk"), "{}", err.message);
        assert!(err.message.ends_with("kkk`, expected `name`"), "{}", err.message);
    }

    #[test]
    fn displays_like_a_compiler() {
        let err = ScenarioError {
            file: PathBuf::from("scenarios/x.toml"),
            line: 3,
            column: 7,
            message: "bad duration `5 sec`".into(),
        };
        assert_eq!(
            err.to_string(),
            "scenarios/x.toml:3:7: bad duration `5 sec`"
        );
    }
}
