//! `bgsim list`: the apps, the checks, and which scenarios demonstrate which rules.

use super::run::expand;
use super::CliError;
use crate::apps;
use crate::check::{self, CATALOGUE};
use crate::scenario::{self, Known};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Prints the catalogue. Scenario files that do not load are named, not fatal.
pub fn list(scenarios: &[PathBuf]) -> Result<(), CliError> {
    println!("apps:");
    for &name in apps::NAMES.iter() {
        println!("  {name:<12} {}", apps::describe(name));
    }
    println!("\nchecks:");
    for c in CATALOGUE {
        println!("  {:<22} {}", c.id, c.statement);
    }
    let checks = check::ids();
    let known = Known {
        apps: &apps::NAMES,
        checks: &checks,
    };
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
            Err(e) => eprintln!("bgsim: {e}"),
        }
    }
    println!(
        "\nrules (described in docs/rules.md), how each is known, and the scenarios that demonstrate it:"
    );
    for rule in crate::rules::RULES {
        let files = rules.remove(rule.id).unwrap_or_default();
        let shown = if files.is_empty() {
            "-".to_string()
        } else {
            files.join(", ")
        };
        println!("  {:<8} {:<12} {shown}", rule.id, rule.status.label());
    }
    // A scenario citing an ID the catalogue lacks is a typo worth seeing.
    for (rule, files) in &rules {
        println!("  {rule:<8} {:<12} {}", "unknown", files.join(", "));
    }
    Ok(())
}
