//! The Markdown summary (`--summary FILE`, and `$GITHUB_STEP_SUMMARY` on GitHub Actions;
//! docs/reports.md#markdown-summary): a verdict table, then for each failure its
//! explanation and the command that replays it. Text from files (scenario names, paths,
//! messages) is escaped, so it cannot break the table, open a code span or inject HTML.

use super::junit::Case;
use super::verdict::{Status, Verdict};

/// `text` safe in Markdown running text and in a table cell: control characters written
/// as `\u{..}` (a newline would end the row), Markdown's punctuation backslash-escaped
/// (`|` would split a cell, a backtick open a code span, `<` start HTML).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::escape(text).chars() {
        if "\\`|*_[]<>#~!&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` in a fenced code block: the fence is longer than any run of backticks in it, so
/// nothing inside can close it; control characters are written as `\u{..}`.
fn code_block(lang: &str, text: &str) -> String {
    // Line by line: the block keeps its lines; only the other control characters are shown.
    let text = (text.lines())
        .map(|l| super::escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{lang}\n{text}\n{fence}\n")
}

/// The summary of `bgsim run`.
pub fn run(verdicts: &[Verdict]) -> String {
    let count = |f: fn(&Status) -> bool| verdicts.iter().filter(|v| f(&v.status)).count();
    let passed = count(|s| matches!(s, Status::Passed));
    let failed = count(|s| matches!(s, Status::Failed(_)));
    let bad = count(|s| matches!(s, Status::NotLoaded(_)));
    let mut out = format!("## bgsim run: {passed} passed, {failed} failed");
    if bad > 0 {
        out.push_str(&format!(", {bad} not loaded"));
    }
    out.push_str("\n\n| scenario | app | verdict | events | failing checks |\n");
    out.push_str("|---|---|---|---:|---|\n");
    for v in verdicts {
        let (verdict, checks) = match &v.status {
            Status::Passed => ("PASS", String::new()),
            Status::Failed(findings) => {
                // Each check once: a check can fire on several tasks of one run.
                let mut kinds: Vec<&str> = Vec::new();
                for f in findings {
                    if !kinds.contains(&f.kind.as_str()) {
                        kinds.push(&f.kind);
                    }
                }
                ("FAIL", kinds.join(", "))
            }
            Status::NotLoaded(_) => ("NOT LOADED", String::new()),
        };
        out.push_str(&format!(
            "| {} | {} | {verdict} | {} | {} |\n",
            escape(&v.name),
            escape(&v.app),
            v.events,
            escape(&checks)
        ));
    }
    for v in verdicts {
        match &v.status {
            Status::Passed => {}
            Status::Failed(findings) => {
                out.push_str(&format!("\n### FAIL {} ({})\n\n", escape(&v.name), escape(&v.file)));
                for f in findings {
                    out.push_str(&format!("- **{}**: {}", escape(&f.kind), escape(&f.message)));
                    if let Some(why) = &f.why {
                        // A backslash at the end of a line is Markdown's hard line break.
                        out.push_str(&format!("\\\n  why: {}", escape(why)));
                    }
                    out.push('\n');
                }
                out.push_str("\nReplay:\n\n");
                out.push_str(&code_block("sh", &v.replay));
            }
            Status::NotLoaded(why) => {
                out.push_str(&format!("\n### NOT LOADED {}\n\n{}\n", escape(&v.file), escape(why)));
            }
        }
    }
    out
}

/// The summary of `bgsim mutants` or `bgsim fuzz`, from its JUnit cases: a table of the
/// cases, then each problem with its details and replay command.
pub fn cases(title: &str, cases: &[Case]) -> String {
    let failed = cases.iter().filter(|c| c.problem.is_some()).count();
    let mut out = format!(
        "## {}: {} passed, {failed} failed\n\n\
         | test | group | verdict | problem |\n|---|---|---|---|\n",
        escape(title),
        cases.len() - failed
    );
    for c in cases {
        let (verdict, kind) = match &c.problem {
            None => ("PASS", ""),
            Some(p) => ("FAIL", p.kind.as_str()),
        };
        out.push_str(&format!(
            "| {} | {} | {verdict} | {} |\n",
            escape(&c.name),
            escape(&c.classname),
            escape(kind)
        ));
    }
    for c in cases {
        let Some(p) = &c.problem else { continue };
        out.push_str(&format!(
            "\n### FAIL {}\n\n**{}**: {}\n",
            escape(&c.name),
            escape(&p.kind),
            escape(&p.message)
        ));
        if !p.details.is_empty() {
            out.push('\n');
            out.push_str(&code_block("text", p.details.trim_end()));
        }
        if !p.replay.is_empty() {
            out.push_str("\nReplay:\n\n");
            out.push_str(&code_block("sh", &p.replay));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_text_cannot_break_a_row_or_open_a_code_span() {
        assert_eq!(escape("a|b`c"), r"a\|b\`c");
        assert_eq!(escape("x\ny"), r"x\\u{a}y");
        assert_eq!(escape("<img>"), r"\<img\>");
    }

    #[test]
    fn a_code_block_outlasts_the_backticks_inside() {
        let block = code_block("sh", "run '```x'");
        assert!(block.starts_with("````sh\n"), "{block}");
        assert!(block.ends_with("\n````\n"), "{block}");
    }
}
