//! `bgsim list`: the apps, the checks, and which scenarios demonstrate which rules.

use super::run::expand;
use super::{emit, CliError};
use crate::check::CATALOGUE;
use crate::registry::Apps;
use crate::scenario;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// Prints the catalogue. Scenario files that do not load are named, not fatal.
pub fn list(apps: &Apps, scenarios: &[PathBuf]) -> Result<(), CliError> {
    let mut out = String::from("apps:\n");
    for app in apps.iter() {
        let _ = writeln!(out, "  {:<12} {}", app.name, app.about);
    }
    out.push_str("\nchecks:\n");
    for c in CATALOGUE {
        let _ = writeln!(out, "  {:<22} {}", c.id, c.statement);
    }
    let known = apps.known();
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in expand(scenarios)? {
        match scenario::load(&file, &known) {
            Ok(s) => {
                for rule in s.rules {
                    rules
                        .entry(rule)
                        .or_default()
                        .push(file.display().to_string());
                }
            }
            Err(e) => eprintln!("bgsim: {}", crate::report::escape(&e.to_string())),
        }
    }
    out.push_str(
        "
rules (described in docs/rules.md), how each is known, and the scenarios that demonstrate it:
",
    );
    for rule in crate::rules::RULES {
        let files = rules.remove(rule.id).unwrap_or_default();
        let shown = if files.is_empty() {
            "-".to_string()
        } else {
            files.join(", ")
        };
        let _ = writeln!(out, "  {:<8} {:<12} {shown}", rule.id, rule.status.label());
    }
    // A scenario citing an ID the catalogue lacks is a typo worth seeing.
    for (rule, files) in &rules {
        let _ = writeln!(out, "  {rule:<8} {:<12} {}", "unknown", files.join(", "));
    }
    emit(&out)
}
