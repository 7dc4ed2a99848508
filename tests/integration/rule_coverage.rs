//! Every rule a scenario cites exists, and every DOC or DTS rule of the groups the
//! simulator models in full has a shipped scenario showing it at work. The rules still
//! without one are listed here by name, so the list can only shrink on purpose: a rule that
//! gains a scenario, or loses its last one, fails this test until the list is updated.
//!
//! The project documents itself: every rule of `src/rules.rs` has an entry in
//! `docs/rules.md` and the other way round, every rule or real-bug ID the code and the
//! scenarios cite has an entry in `docs/rules.md` or `docs/bugs.md`, every link into `docs/`
//! lands on a heading, and nothing points at the research notes outside the repository.

use bgsim::apps::mutants::MUTANTS;
use bgsim::rules::{self, RULES};
use bgsim::scenario::load;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The groups of issue 4 (scheduling, the network, resume data, HTTP, progress, the API's
/// limits, task identifiers, invalidation, power, identity).
const GROUPS: [&str; 11] = [
    "SCHED", "RATE", "NET", "RES", "HTTP", "PROG", "API", "TID", "INV", "PWR", "ID",
];

/// DOC or DTS rules of those groups with no scenario yet, and why.
const NOT_YET: [(&str, &str); 0] = [];

fn cited() -> BTreeSet<String> {
    let known = bgsim::registry::Apps::builtin().known();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario = load(&path, &known).expect("a shipped scenario loads");
            out.extend(scenario.rules);
        }
    }
    out
}

#[test]
fn every_cited_rule_exists() {
    for id in cited() {
        assert!(
            rules::find(&id).is_some(),
            "a scenario cites unknown rule {id}"
        );
    }
}

#[test]
fn every_authoritative_rule_of_the_modelled_groups_has_a_scenario_or_is_listed() {
    let cited = cited();
    let missing: BTreeSet<&str> = RULES
        .iter()
        .filter(|r| GROUPS.contains(&r.group()) && r.status.is_authoritative())
        .filter(|r| !cited.contains(r.id))
        .map(|r| r.id)
        .collect();
    let listed: BTreeSet<&str> = NOT_YET.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        missing, listed,
        "update NOT_YET: rules without a scenario vs. rules listed"
    );
}

#[test]
fn the_catalogue_has_each_id_once_and_the_statuses_read_as_documented() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "an ID appears twice");
    let label = |id: &str| rules::find(id).expect(id).status.label();
    assert_eq!(label("RES-5"), "DTS");
    assert_eq!(label("KILL-3"), "DOC+OBS");
    assert_eq!(label("TID-6"), "assumption");
    assert_eq!(label("LC-6"), "conflict");
    assert_eq!(label("NET-5"), "OBS");
    assert!(!rules::find("NET-4")
        .expect("NET-4")
        .status
        .is_authoritative());
}

// ---- the documentation ----------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text files under `dir` (relative to the root), recursively, with their paths
/// relative to the root. `target` folders are skipped.
fn files_under(dir: &str, out: &mut Vec<(String, String)>) {
    let path = root().join(dir);
    if path.is_file() {
        let bytes = std::fs::read(&path).expect("readable");
        out.push((
            dir.to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "target" || name.starts_with('.') {
            continue;
        }
        files_under(&format!("{dir}/{name}"), out);
    }
}

fn files(dirs: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in dirs {
        files_under(dir, &mut out);
    }
    out
}

/// The headings of a markdown text, outside code fences, without their `#`s.
fn headings(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !fenced && (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            out.push(line[hashes..].trim());
        }
    }
    out
}

/// The anchor GitHub gives a heading: lower case, spaces made dashes, and every character
/// but letters, digits, `-` and `_` dropped (`LC-6` → `lc-6`, "gzip" → `gzip`).
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    headings(text).into_iter().map(slug).collect()
}

/// An ID token: 2 to 5 capital letters, a dash, 1 or 2 digits (`KILL-2`, `LC-01`), not part
/// of a longer word or number (so `iOS-17`, `SHA-256` and `RFC-9110` are not).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Token {
    group: String,
    number: String,
}

impl Token {
    fn id(&self) -> String {
        format!("{}-{}", self.group, self.number)
    }

    /// Two digits with a leading zero: only a real bug's ID looks so (`LC-01`, not `LC-1`).
    fn bug_shaped(&self) -> bool {
        self.number.len() == 2 && self.number.starts_with('0')
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_uppercase() || (i > 0 && word(i - 1)) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_uppercase() {
            i += 1;
        }
        let letters = i - start;
        if !(2..=5).contains(&letters) || b.get(i) != Some(&b'-') {
            continue;
        }
        let digits_start = i + 1;
        let mut j = digits_start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if (1..=2).contains(&(j - digits_start)) && !word(j) {
            out.push(Token {
                group: text[start..i].to_string(),
                number: text[digits_start..j].to_string(),
            });
        }
        i = j;
    }
    out
}

/// The IDs headed `### ID` in a catalogue (a heading that is exactly one ID token).
fn headed_ids(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if let Some(rest) = line.strip_prefix("### ").filter(|_| !fenced) {
            if let [t] = tokens(rest).as_slice() {
                if t.id() == rest.trim() {
                    out.insert(t.id());
                }
            }
        }
    }
    out
}

fn groups(ids: &BTreeSet<String>) -> BTreeSet<String> {
    ids.iter()
        .map(|id| id.split('-').next().unwrap_or(id).to_string())
        .collect()
}

fn rule_ids() -> BTreeSet<String> {
    headed_ids(&read("docs/rules.md"))
}

/// The real bugs of docs/bugs.md: `LC-01`... (its platform facts `P1`... are not tokens).
fn bug_ids() -> BTreeSet<String> {
    headed_ids(&read("docs/bugs.md"))
}

#[test]
fn the_token_scanner_finds_ids_and_nothing_else() {
    let found: Vec<String> = tokens(
        "KILL-2, LC-10/LC-01 (CH-1..CH-6) UTF-8 SHA-256 iOS-17 RFC-9110 X-Y LC-1a PR-04. ID-5",
    )
    .iter()
    .map(Token::id)
    .collect();
    assert_eq!(
        found,
        ["KILL-2", "LC-10", "LC-01", "CH-1", "CH-6", "UTF-8", "PR-04", "ID-5"]
    );
    assert_eq!(slug("LC-6"), "lc-6");
    assert_eq!(
        slug("A. LC: lifecycle and relaunch"),
        "a-lc-lifecycle-and-relaunch"
    );
    assert_eq!(slug("`[network]`"), "network");
}

#[test]
fn every_rule_of_the_table_has_an_entry_in_docs_rules_md_and_back() {
    let table: BTreeSet<String> = RULES.iter().map(|r| r.id.to_string()).collect();
    let documented = rule_ids();
    let undocumented: Vec<&String> = table.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&table).collect();
    assert!(
        undocumented.is_empty(),
        "rules of src/rules.rs with no `### ID` heading in docs/rules.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/rules.md headings that src/rules.rs does not know: {unknown:?}"
    );
}

#[test]
fn every_rule_a_scenario_cites_has_an_entry_in_docs_rules_md() {
    let documented = rule_ids();
    for id in cited() {
        assert!(
            documented.contains(&id),
            "a scenario cites {id}, which docs/rules.md does not describe"
        );
    }
}

#[test]
fn every_id_the_code_and_the_scenarios_cite_has_an_entry() {
    let rules = rule_ids();
    let bugs = bug_ids();
    let (rule_groups, bug_groups) = (groups(&rules), groups(&bugs));
    let (mut wrong, mut seen) = (Vec::new(), 0);
    for (path, text) in files(&["src", "simulator/src", "scenarios"]) {
        for t in tokens(&text) {
            let (is_rule_group, is_bug_group) = (
                rule_groups.contains(&t.group),
                bug_groups.contains(&t.group),
            );
            if !is_rule_group && !is_bug_group {
                // UTF-8, FNV-1...: not an ID of ours.
                continue;
            }
            seen += 1;
            let id = t.id();
            let known = if t.bug_shaped() {
                bugs.contains(&id)
            } else {
                rules.contains(&id) || (t.number.len() == 2 && bugs.contains(&id))
            };
            if !known {
                wrong.push(format!("{path}: {id}"));
            }
        }
    }
    assert!(seen > 1000, "the scanner found only {seen} IDs");
    assert!(
        wrong.is_empty(),
        "IDs with no entry in docs/rules.md (or, for real bugs like LC-01, docs/bugs.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_real_bug_the_mutants_cite_has_an_entry_in_docs_bugs_md() {
    let bugs = bug_ids();
    let bug_groups = groups(&bugs);
    let text = read("src/apps/mutants.rs");
    let cited: BTreeSet<String> = tokens(&text)
        .into_iter()
        .filter(|t| bug_groups.contains(&t.group) && t.number.len() == 2)
        .map(|t| t.id())
        .collect();
    assert!(cited.len() > 20, "the scanner found too few: {cited:?}");
    let missing: Vec<&String> = cited.difference(&bugs).collect();
    assert!(missing.is_empty(), "not in docs/bugs.md: {missing:?}");
    // A mutant is named after its entry (`lc-01-...`, `p10-...`) or the rule it breaks.
    let anchors = anchors(&read("docs/bugs.md"));
    let rules = rule_ids();
    for m in MUTANTS {
        let mut parts = m.name.splitn(3, '-');
        let (a, b) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let named = anchors.contains(&format!("{a}-{b}"))
            || anchors.contains(a)
            || rules.contains(&format!("{a}-{b}").to_uppercase());
        assert!(
            named,
            "mutant {} is named after no entry of docs/bugs.md",
            m.name
        );
        assert!(
            read("docs/bugs.md").contains(&format!("`{}`", m.name)),
            "docs/bugs.md does not name mutant {}",
            m.name
        );
    }
}

/// `docs/<name>.md#anchor` anywhere, and `](NAME.md#anchor)` / `](#anchor)` links inside
/// docs/: the file exists and has a heading with that anchor.
#[test]
fn every_link_into_docs_lands_on_a_heading() {
    let mut docs = std::collections::BTreeMap::new();
    for (path, text) in files(&["docs"]) {
        if let Some(name) = path.strip_prefix("docs/") {
            docs.insert(name.to_string(), anchors(&text));
        }
    }
    let anchor_chars = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut broken = Vec::new();
    let mut check = |from: &str, doc: &str, anchor: &str| match docs.get(doc) {
        None => broken.push(format!("{from}: no docs/{doc}")),
        Some(a) if !anchor.is_empty() && !a.contains(anchor) => {
            broken.push(format!("{from}: docs/{doc}#{anchor}"))
        }
        Some(_) => {}
    };
    let scanned = files(&[
        "src",
        "simulator",
        "scenarios",
        "tests",
        "docs",
        "README.md",
    ]);
    for (path, text) in &scanned {
        for (at, _) in text.match_indices("docs/") {
            let rest = &text[at + 5..];
            let name_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            let Some(after) = rest[name_len..].strip_prefix(".md") else {
                continue;
            };
            let doc = format!("{}.md", &rest[..name_len]);
            let anchor = after.strip_prefix('#').map_or("", |a| {
                &a[..a.find(|c: char| !anchor_chars(c)).unwrap_or(a.len())]
            });
            check(path, &doc, anchor.trim_end_matches(['-', '_']));
        }
        if let Some(this) = path.strip_prefix("docs/") {
            for (at, _) in text.match_indices("](") {
                let target = &text[at + 2..];
                let target = &target[..target.find(')').unwrap_or(target.len())];
                let (doc, anchor) = target.split_once('#').unwrap_or((target, ""));
                if doc.contains("://") || doc.contains('/') {
                    continue;
                }
                check(path, if doc.is_empty() { this } else { doc }, anchor);
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn nothing_points_at_the_research_notes_outside_the_repository() {
    // Built by concatenation, so this file does not name them itself.
    let outside = [
        concat!("..", "/shared"),
        concat!("ios-", "behaviour.md"),
        concat!("real-", "bugs.md"),
        concat!("DESIGN", ".md"),
        concat!("http-", "side.md"),
        concat!("simulation-", "lessons.md"),
    ];
    let this = "tests/integration/rule_coverage.rs";
    let mut found = Vec::new();
    for (path, text) in files(&[
        "src",
        "simulator",
        "docs",
        "README.md",
        "scenarios",
        "tests",
    ]) {
        if path == this {
            continue;
        }
        for name in outside {
            if text.contains(name) {
                found.push(format!("{path}: {name}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "references to files outside the project:\n{}",
        found.join("\n")
    );
}
