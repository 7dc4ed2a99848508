//! Campaigns beyond one machine (docs/campaigns.md): `bgsim fuzz --shard K/N --json`, `bgsim
//! fuzz merge`, `bgsim run --partition K/N`, as CI jobs would run them.

use crate::common::bgsim;
use bgsim::fuzz::campaign::case_seed;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A mutant whose campaign of 60 runs (seed 1) fails, with more than one signature.
const BUGGY: &str = "p10-completion-handler-api";

/// `bgsim fuzz --json` with `args`, into a fresh `--out` folder below `dir`, named `name`;
/// its summary, parsed, and where it was written.
fn summary(dir: &Path, name: &str, args: &[&str]) -> (Value, PathBuf) {
    let out = dir.join(name);
    let out_arg = out.display().to_string();
    let run = bgsim(&[&["fuzz", "--json", "--out", &out_arg], args].concat());
    let stdout = text(&run.stdout);
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{args:?}: {stdout}{}",
        text(&run.stderr)
    );
    let value: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: one JSON object expected, got\n{stdout}"));
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, &stdout).unwrap();
    (value, file)
}

/// The run indices a summary lists.
fn indices(summary: &Value) -> Vec<u64> {
    let field = |p: &Value, name: &str| p[name].as_u64().unwrap_or_else(|| panic!("{p}"));
    let mut all = Vec::new();
    for p in summary["indices"].as_array().expect("indices") {
        let (first, last, step) = (field(p, "first"), field(p, "last"), field(p, "step"));
        all.extend((first..=last).step_by(step as usize));
    }
    all
}

fn without_wall_time(mut summary: Value) -> Value {
    let wall = summary.as_object_mut().unwrap().remove("wall_seconds");
    assert!(wall.is_some_and(|w| w.is_f64()), "{summary}");
    summary
}

fn merge(files: &[&Path]) -> std::process::Output {
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    bgsim(&[&["fuzz", "merge"], &files[..]].concat())
}

#[test]
fn three_shards_run_exactly_the_runs_and_case_seeds_of_the_whole_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = ["--runs", "60", "--seed", "7", "--jobs", "2"];
    let (whole, _) = summary(dir.path(), "whole", &campaign);
    assert_eq!(indices(&whole), (0..60).collect::<Vec<u64>>());
    let mut seen = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let (part, _) = summary(
            dir.path(),
            &k.to_string(),
            &[&campaign[..], &["--shard", &shard]].concat(),
        );
        assert_eq!(
            part["shard"],
            serde_json::json!({"k": [k], "n": 3}),
            "{part}"
        );
        let mine = indices(&part);
        assert_eq!(part["runs"].as_u64(), Some(mine.len() as u64), "{part}");
        assert_eq!(mine.len(), 20, "{part}");
        assert!(
            mine.iter().all(|n| n % 3 == k - 1),
            "shard {shard}: {mine:?}"
        );
        seen.extend(mine);
    }
    let distinct: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        seen.len(),
        "a run ran in two shards: {seen:?}"
    );
    let seeds = |runs: &[u64]| -> BTreeSet<u64> { runs.iter().map(|&n| case_seed(7, n)).collect() };
    assert_eq!(seeds(&seen), seeds(&indices(&whole)));
}

#[test]
fn merged_shards_read_like_the_whole_campaign_failures_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = [
        "--app",
        BUGGY,
        "--runs",
        "60",
        "--seed",
        "1",
        "--keep-going",
    ];
    let (whole, _) = summary(dir.path(), "whole", &campaign);
    let failures = whole["failures"].as_array().unwrap();
    assert!(
        failures.len() >= 2,
        "two signatures or more expected: {whole}"
    );
    let mut files = Vec::new();
    let mut listed = 0;
    for k in [2, 3, 1] {
        let shard = format!("count:{k}/3");
        let (part, file) = summary(
            dir.path(),
            &k.to_string(),
            &[&campaign[..], &["--shard", &shard]].concat(),
        );
        listed += part["failures"].as_array().unwrap().len();
        files.push(file);
    }
    // Shards find the same signatures again: the merge keeps each once, at its first run.
    assert!(
        listed > failures.len(),
        "no signature was found by two shards: {listed}"
    );
    let files: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let merged = merge(&files);
    let stdout = text(&merged.stdout);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{stdout}{}",
        text(&merged.stderr)
    );
    let merged: Value = serde_json::from_str(&stdout).unwrap();
    assert!(merged.get("shard").is_none(), "{merged}");
    assert_eq!(without_wall_time(merged), without_wall_time(whole));
    // Two shards of three merge into a summary of those two, which merges with the third.
    let (two, third) = (merge(&files[..2]), files[2]);
    assert_eq!(two.status.code(), Some(1), "{}", text(&two.stderr));
    let partial: Value = serde_json::from_str(&text(&two.stdout)).unwrap();
    assert_eq!(partial["shard"], serde_json::json!({"k": [2, 3], "n": 3}));
    let partial_file = dir.path().join("partial.json");
    std::fs::write(&partial_file, &two.stdout).unwrap();
    let again: Value = serde_json::from_str(&text(&merge(&[&partial_file, third]).stdout)).unwrap();
    assert_eq!(again["runs"], 60);
    assert_eq!(indices(&again), (0..60).collect::<Vec<u64>>());
}

/// The files `bgsim run -q` judged, from its verdict lines.
fn judged(args: &[&str]) -> Vec<String> {
    let out = bgsim(&[&["run", "-q", "--transport", "memory", "scenarios/"], args].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("PASS ")?
                .split(' ')
                .next()
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn run_partitions_of_the_shipped_scenarios_add_up_to_all_of_them_once() {
    let all = judged(&[]);
    assert!(all.len() > 50, "{all:?}");
    let mut parts: Vec<String> = Vec::new();
    for k in 1..=3 {
        let part = judged(&["--partition", &format!("{k}/3")]);
        // Every third file in path order, from the k-th.
        let expected: Vec<String> = all.iter().skip(k - 1).step_by(3).cloned().collect();
        assert_eq!(part, expected, "partition {k}/3");
        parts.extend(part);
    }
    parts.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(parts, sorted);
}

#[test]
fn bad_shards_and_summaries_of_other_campaigns_are_refused_naming_the_file() {
    for bad in ["0/3", "4/3", "x", "count:0/2", "1/0"] {
        for args in [
            vec!["fuzz", "--runs", "1", "--shard", bad],
            vec!["run", "--partition", bad, "scenarios/"],
        ] {
            let out = bgsim(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let stderr = text(&out.stderr);
            assert!(stderr.contains("expected K/N"), "{args:?}: {stderr}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, one_of_3) = summary(dir.path(), "a", &["--runs", "6", "--shard", "1/3"]);
    let (_, one_of_3_again) = summary(dir.path(), "a2", &["--runs", "6", "--shard", "1/3"]);
    let (_, two_of_3) = summary(dir.path(), "b", &["--runs", "6", "--shard", "2/3"]);
    let (_, other_seed) = summary(
        dir.path(),
        "c",
        &["--runs", "6", "--shard", "2/3", "--seed", "9"],
    );
    let (_, two_of_2) = summary(dir.path(), "d", &["--runs", "6", "--shard", "2/2"]);
    let (_, whole) = summary(dir.path(), "e", &["--runs", "6"]);
    let malformed = dir.path().join("malformed.json");
    std::fs::write(&malformed, "{\"app\": \"reference\",\n \"seed\": \"one\"}").unwrap();
    let missing = dir.path().join("missing.json");
    let name = |p: &Path| p.display().to_string();
    for (files, phrase) in [
        (
            vec![&one_of_3, &other_seed],
            format!(
                "{} is not the campaign of {}",
                name(&other_seed),
                name(&one_of_3)
            ),
        ),
        (
            vec![&one_of_3, &two_of_3, &one_of_3_again],
            format!(
                "{} and {} both hold shard 1/3",
                name(&one_of_3_again),
                name(&one_of_3)
            ),
        ),
        (
            vec![&two_of_3, &two_of_2],
            format!("{} holds shards of 2", name(&two_of_2)),
        ),
        (
            vec![&one_of_3, &whole],
            format!("{} is a whole campaign", name(&whole)),
        ),
        (
            vec![&one_of_3, &malformed],
            format!(
                "{}: not a `bgsim fuzz --json` summary: invalid type",
                name(&malformed)
            ),
        ),
        (vec![&missing], format!("cannot read {}", name(&missing))),
    ] {
        let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        let out = merge(&paths);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {stderr}");
        assert!(stderr.contains(&phrase), "{phrase}\n{stderr}");
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    }
    let located = merge(&[&malformed]);
    assert!(
        text(&located.stderr).contains("line 2 column"),
        "{}",
        text(&located.stderr)
    );
    // The two shards of one campaign do merge.
    assert_eq!(merge(&[&one_of_3, &two_of_3]).status.code(), Some(0));
}
