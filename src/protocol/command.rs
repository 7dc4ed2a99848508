//! The command line of an app in another language, and what its `hello` says about it.

use super::conn::Conn;
use crate::registry::Features;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The protocol version this bgsim speaks (docs/protocol.md).
pub const PROTOCOL_VERSION: u64 = 1;

/// How long bgsim waits for a line of the app by default: the wall-clock guard.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A program to run as the app: its arguments, the folder it starts in (relative paths in
/// the arguments are read from there), and the guard on each of its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppCommand {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// The folder it starts in.
    pub dir: PathBuf,
    /// How long one answer may take, in wall-clock time.
    pub timeout: Duration,
}

impl AppCommand {
    /// `line` split as a shell splits words (spaces; `'...'` and `"..."` quote; `\` escapes),
    /// started in `dir`.
    pub fn parse(line: &str, dir: &Path) -> Result<AppCommand, String> {
        let argv = split_words(line)?;
        if argv.is_empty() {
            return Err("the app command is empty".into());
        }
        Ok(AppCommand {
            argv,
            dir: dir.to_path_buf(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The command as one line, for messages.
    pub fn display(&self) -> String {
        self.argv.join(" ")
    }

    /// Whether `other` runs the same program with the same arguments: arguments that name
    /// files are compared as the files they resolve to, from each command's folder.
    pub fn same_as(&self, other: &AppCommand) -> bool {
        let resolved = |c: &AppCommand| -> Vec<String> {
            (c.argv.iter())
                .map(|a| match c.dir.join(a).canonicalize() {
                    Ok(p) => p.to_string_lossy().into_owned(),
                    Err(_) => a.clone(),
                })
                .collect()
        };
        resolved(self) == resolved(other)
    }

    /// The same command with `args` appended (a buggy variant the app declared).
    pub fn with_args(&self, args: &[String]) -> AppCommand {
        let mut c = self.clone();
        c.argv.extend_from_slice(args);
        c
    }

    /// The `app = { command = [...] }` value of a scenario file in the folder `file_dir`:
    /// an argument naming a file that exists is written relative to that folder, so the
    /// file replays from where it is.
    pub fn toml_value(&self, file_dir: &Path) -> String {
        let args: Vec<String> = (self.argv.iter())
            .map(|a| {
                let path = self.dir.join(a);
                let shown = match path.exists() {
                    true => relative(file_dir, &path).unwrap_or_else(|| a.clone()),
                    false => a.clone(),
                };
                toml_string(&shown)
            })
            .collect();
        let mut value = format!("{{ command = [{}]", args.join(", "));
        if self.timeout != DEFAULT_TIMEOUT {
            value.push_str(&format!(
                ", timeout = \"{}\"",
                bgsim_simulator::time::fmt_duration(self.timeout)
            ));
        }
        value.push_str(" }");
        value
    }
}

/// A buggy variant an app declares in its hello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredVariant {
    /// Its name.
    pub name: String,
    /// Arguments appended to the command.
    pub args: Vec<String>,
    /// The checks its bug is about.
    pub caught_by: Vec<String>,
}

/// What an app says of itself when it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// Its name.
    pub app: String,
    /// What its UI offers.
    pub features: Features,
    /// Its buggy variants.
    pub variants: Vec<DeclaredVariant>,
}

impl Hello {
    /// Reads a `hello` message.
    pub(crate) fn read(message: &Value) -> Result<Hello, String> {
        let ty = message.get("type").and_then(Value::as_str);
        if ty != Some("hello") {
            return Err(format!(
                "its first message is not a hello: {}",
                super::json::clip(&message.to_string())
            ));
        }
        match message.get("protocol").and_then(Value::as_u64) {
            Some(PROTOCOL_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "it speaks protocol version {v}; this bgsim speaks version {PROTOCOL_VERSION}"
                ))
            }
            None => return Err("its hello has no `protocol` version".into()),
        }
        let app = (message.get("app").and_then(Value::as_str))
            .ok_or("its hello has no `app` name")?
            .to_string();
        let strings = |v: Option<&Value>| -> Result<Vec<String>, String> {
            match v {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => (items.iter())
                    .map(|i| i.as_str().map(str::to_string).ok_or("a list of strings"))
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("in its hello: expected {e}")),
                Some(_) => Err("in its hello: expected a list of strings".into()),
            }
        };
        let mut features = Features::downloads();
        for f in strings(message.get("features"))? {
            match f.as_str() {
                "pause-resume" => features.pause_resume = true,
                "fetch" => features.fetch = true,
                "upload" => features.upload = true,
                "sign-out" => features.sign_out = true,
                "stop-after-downloads" => features.stop_after_downloads = true,
                "session-settings" => features.session_settings = true,
                other => return Err(format!("its hello names an unknown feature `{other}`")),
            }
        }
        features.extension_session = (message.get("extensionSession"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut variants = Vec::new();
        if let Some(list) = message.get("variants") {
            let list = list.as_array().ok_or("in its hello: `variants` is not a list")?;
            for v in list {
                let name = (v.get("name").and_then(Value::as_str))
                    .ok_or("in its hello: a variant has no `name`")?;
                variants.push(DeclaredVariant {
                    name: name.to_string(),
                    args: strings(v.get("args"))?,
                    caught_by: strings(v.get("caughtBy"))?,
                });
            }
        }
        Ok(Hello {
            app,
            features,
            variants,
        })
    }
}

/// Starts `command`, reads its hello, answers it, and ends it: what the app says of itself.
pub fn probe(command: &AppCommand) -> Result<Hello, String> {
    let mut conn = Conn::spawn(command)?;
    let hello = conn
        .receive()
        .and_then(|m| Hello::read(&m))
        .map_err(|e| format!("`{}`: {e}", command.display()))?;
    let welcome = json!({"type": "welcome", "protocol": PROTOCOL_VERSION, "session": Value::Null});
    let _ = conn.send(&welcome);
    conn.close_input();
    conn.kill();
    Ok(hello)
}

/// Splits a command line into words as a POSIX shell would, for quotes and backslashes.
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed ' in `{line}`")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => w.extend(chars.next()),
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed \" in `{line}`")),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// `path` relative to the folder `from`, when both resolve.
fn relative(from: &Path, path: &Path) -> Option<String> {
    let from = from.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    let common = from
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    Some(out.to_string_lossy().into_owned())
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        let w = split_words(r#"python3 "my app.py" --bug 'lc 01' a\ b"#).unwrap();
        assert_eq!(w, ["python3", "my app.py", "--bug", "lc 01", "a b"]);
        assert!(split_words("x 'open").is_err());
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::create_dir_all(dir.path().join("c")).unwrap();
        std::fs::write(dir.path().join("c/app.py"), "").unwrap();
        let r = relative(&dir.path().join("a/b"), &dir.path().join("c/app.py"));
        assert_eq!(r.as_deref(), Some("../../c/app.py"));
    }
}
