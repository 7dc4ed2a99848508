//! The JSON summary of a campaign (`bgsim fuzz --json`, docs/campaigns.md): what it was
//! (app, seed, shard, bounds) and what it found, in a shape [`merge`](super::merge) reads
//! back, so the shards of a campaign run on several machines add up to one summary.
//! Everything but `wall_seconds` is the same for the same arguments.

use super::campaign::{Failure, Options, Summary};
use super::coverage::MARKS;
use super::indices::Progression;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A campaign's summary. Field order is the order of the JSON object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The app under test.
    pub app: String,
    /// The campaign's seed.
    pub seed: u64,
    /// Which shards of the campaign this covers; absent for the whole campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shards>,
    /// `--max-steps`, `--keep-going`, `--check-determinism`: with the app and seed, what
    /// makes two summaries parts of one campaign.
    pub max_steps: usize,
    /// See `max_steps`.
    pub keep_going: bool,
    /// See `max_steps`.
    pub check_determinism: bool,
    /// Runs completed.
    pub runs: u64,
    /// Their indices: run `n` ran the case of `case_seed(seed, n)`.
    pub indices: Vec<Progression>,
    /// How many runs failed, by signature.
    pub failing_runs: BTreeMap<String, u64>,
    /// The failures shrunk and written, in order of their runs.
    pub failures: Vec<Found>,
    /// For each coverage mark, how many runs reached it.
    pub marks: BTreeMap<String, u64>,
    /// The signal that stopped the campaign early, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Wall time spent, in seconds (summed over merged shards); the one field that differs
    /// between two runs of the same campaign.
    pub wall_seconds: f64,
}

/// Shards `k` (from 1) of a campaign split `n` ways.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shards {
    /// The shards, ascending.
    pub k: Vec<u64>,
    /// How many shards the campaign has.
    pub n: u64,
}

/// One failure found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Found {
    /// The first check that fired (or `did-not-settle`, `nondeterministic`).
    pub signature: String,
    /// The earliest run that showed it.
    pub run: u64,
    /// That run's case seed.
    pub case_seed: u64,
    /// The shrunk scenario's file name, in `--out`.
    pub file: String,
}

impl Report {
    /// The summary of a campaign run with `opts` against the app named `app_name` (the name
    /// its failure files are written under).
    pub fn new(opts: &Options, summary: &Summary, app_name: &str) -> Report {
        let found = |f: &Failure| Found {
            signature: f.signature.to_string(),
            run: f.run,
            case_seed: super::campaign::case_seed(opts.seed, f.run),
            file: f.file_name(app_name),
        };
        Report {
            app: opts.app.clone(),
            seed: opts.seed,
            shard: opts.shard.map(|s| Shards {
                k: vec![s.k()],
                n: s.n(),
            }),
            max_steps: opts.limits.max_steps,
            keep_going: opts.keep_going,
            check_determinism: opts.check_determinism,
            runs: summary.runs,
            indices: summary.indices.clone(),
            failing_runs: (summary.failures_by_signature.iter())
                .map(|(sig, n)| (sig.to_string(), *n))
                .collect(),
            failures: summary.found.iter().map(found).collect(),
            marks: (MARKS.iter().zip(&summary.marks))
                .map(|(m, n)| (m.name.to_string(), *n))
                .collect(),
            stopped: summary.stopped.map(|s| crate::interrupt::name(s).to_string()),
            wall_seconds: summary.elapsed.as_secs_f64(),
        }
    }

    /// The summary as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary serialises")
    }
}
