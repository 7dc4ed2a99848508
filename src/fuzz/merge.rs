//! Merging the summaries of a campaign's shards (`bgsim fuzz merge`) into the summary of
//! the whole: the campaign run on one machine and its N shards merged read the same, but
//! for the wall time. Summaries that cannot be parts of one campaign are refused, naming
//! the file, rather than summed into a number that means nothing.

use super::campaign::case_seed;
use super::indices::{self, Progression};
use super::report::{Found, Report, Shards};
use std::collections::BTreeMap;

/// Merges `parts`, each a summary and the name of the file it came from.
pub fn merge(parts: &[(String, Report)]) -> Result<Report, String> {
    let Some((first_file, first)) = parts.first() else {
        return Err("no summaries to merge".to_string());
    };
    for (file, r) in parts {
        check_consistent(r).map_err(|e| format!("{file}: {e}"))?;
        let same = (&r.app, r.seed, r.max_steps, r.keep_going, r.check_determinism)
            == (
                &first.app,
                first.seed,
                first.max_steps,
                first.keep_going,
                first.check_determinism,
            );
        if !same {
            return Err(format!(
                "{file} is not the campaign of {first_file}: {} and {} differ in app, seed, \
                 --max-steps, --keep-going or --check-determinism",
                describe(r),
                describe(first)
            ));
        }
    }
    let n = shard_count(parts)?;
    let mut owner: BTreeMap<u64, &str> = BTreeMap::new();
    for (file, r) in parts {
        for &k in r.shard.iter().flat_map(|s| &s.k) {
            if let Some(other) = owner.insert(k, file) {
                return Err(format!("{file} and {other} both hold shard {k}/{n}"));
            }
        }
    }
    let sets: Vec<&[Progression]> = parts.iter().map(|(_, r)| &r.indices[..]).collect();
    let mut failures: BTreeMap<&str, &Found> = BTreeMap::new();
    for f in parts.iter().flat_map(|(_, r)| &r.failures) {
        let kept = failures.entry(&f.signature).or_insert(f);
        if f.run < kept.run {
            *kept = f;
        }
    }
    let mut failures: Vec<Found> = failures.into_values().cloned().collect();
    failures.sort_by_key(|f| f.run);
    let sum = |field: fn(&Report) -> &BTreeMap<String, u64>| {
        let mut total: BTreeMap<String, u64> = BTreeMap::new();
        for (name, count) in parts.iter().flat_map(|(_, r)| field(r)) {
            *total.entry(name.clone()).or_default() += count;
        }
        total
    };
    let whole = first.shard.is_none() || owner.len() as u64 == n;
    Ok(Report {
        app: first.app.clone(),
        seed: first.seed,
        shard: (!whole).then(|| Shards {
            k: owner.keys().copied().collect(),
            n,
        }),
        max_steps: first.max_steps,
        keep_going: first.keep_going,
        check_determinism: first.check_determinism,
        runs: parts.iter().map(|(_, r)| r.runs).sum(),
        indices: indices::union(n, &sets)?,
        failing_runs: sum(|r| &r.failing_runs),
        failures,
        marks: sum(|r| &r.marks),
        stopped: parts.iter().find_map(|(_, r)| r.stopped.clone()),
        wall_seconds: parts.iter().map(|(_, r)| r.wall_seconds).sum(),
    })
}

fn describe(r: &Report) -> String {
    format!(
        "app {} seed {} (--max-steps {}{}{})",
        r.app,
        r.seed,
        r.max_steps,
        if r.keep_going { ", --keep-going" } else { "" },
        if r.check_determinism {
            ", --check-determinism"
        } else {
            ""
        }
    )
}

/// The N the shards of `parts` share: 1 for a single whole campaign.
fn shard_count(parts: &[(String, Report)]) -> Result<u64, String> {
    let mut n = None;
    for (file, r) in parts {
        let Some(shards) = &r.shard else {
            if parts.len() > 1 {
                return Err(format!(
                    "{file} is a whole campaign (no shard): it overlaps every other summary"
                ));
            }
            return Ok(1);
        };
        match n {
            None => n = Some((shards.n, file)),
            Some((m, other)) if m != shards.n => {
                return Err(format!(
                    "{file} holds shards of {}, {other} shards of {m}: not one campaign's",
                    shards.n
                ))
            }
            Some(_) => {}
        }
    }
    Ok(n.map_or(1, |(n, _)| n))
}

/// What a summary says about itself that cannot all be true unless a campaign wrote it.
fn check_consistent(r: &Report) -> Result<(), String> {
    if let Some(s) = &r.shard {
        let ascending = s.k.windows(2).all(|w| w[0] < w[1]);
        if s.n == 0 || s.k.is_empty() || !ascending || s.k.iter().any(|&k| k == 0 || k > s.n) {
            return Err(format!(
                "shard {:?} of {}: expected ascending shards between 1 and N",
                s.k, s.n
            ));
        }
    }
    let n = r.shard.as_ref().map_or(1, |s| s.n);
    indices::union(n, &[&r.indices])?;
    if let Some(s) = &r.shard {
        // Each index belongs to the shard (n mod N) + 1: one outside the summary's shards
        // would be counted twice once merged with the shard it belongs to.
        let outside = (r.indices.iter())
            .find(|p| p.residues(n).any(|res| s.k.binary_search(&(res + 1)).is_err()));
        if let Some(p) = outside {
            return Err(format!(
                "indices {p:?} reach beyond shards {:?} of {n}",
                s.k
            ));
        }
    }
    let listed: u64 = r.indices.iter().map(Progression::count).sum();
    if listed != r.runs {
        return Err(format!("runs is {} but indices hold {listed} runs", r.runs));
    }
    for f in &r.failures {
        if f.case_seed != case_seed(r.seed, f.run) {
            return Err(format!(
                "the failure at run {} has case seed {}, not that run's {}",
                f.run,
                f.case_seed,
                case_seed(r.seed, f.run)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::indices::Done;
    use crate::shard::Shard;

    /// Shard `k` of `n` of a campaign of `runs` runs (seed 1), which found `failures`
    /// (signature, run).
    fn shard(k: u64, n: u64, runs: u64, failures: &[(&str, u64)]) -> (String, Report) {
        let s = Shard::new(k, n).unwrap();
        let mut done = Done::default();
        (0..s.share_of(runs)).for_each(|p| done.insert(p));
        let found = |&(sig, run): &(&str, u64)| Found {
            signature: sig.to_string(),
            run,
            case_seed: case_seed(1, run),
            file: format!("app-{sig}-run{run}.toml"),
        };
        let report = Report {
            app: "app".into(),
            seed: 1,
            shard: Some(Shards { k: vec![k], n }),
            max_steps: 40,
            keep_going: true,
            check_determinism: false,
            runs: s.share_of(runs),
            indices: done.indices(Some(s)),
            failing_runs: failures.iter().map(|(sig, _)| (sig.to_string(), 1)).collect(),
            failures: failures.iter().map(found).collect(),
            marks: [("mark".to_string(), k)].into(),
            stopped: None,
            wall_seconds: 1.0,
        };
        (format!("shard-{k}.json"), report)
    }

    #[test]
    fn keeps_each_signature_at_its_earliest_run_and_sums_the_counts() {
        let parts = [
            shard(1, 2, 10, &[("b", 4), ("a", 8)]),
            shard(2, 2, 10, &[("a", 1)]),
        ];
        let merged = merge(&parts).unwrap();
        let found: Vec<(&str, u64)> =
            (merged.failures.iter()).map(|f| (f.signature.as_str(), f.run)).collect();
        assert_eq!(found, [("a", 1), ("b", 4)]);
        assert_eq!(merged.failing_runs, [("a".into(), 2), ("b".into(), 1)].into());
        assert_eq!(merged.marks, [("mark".into(), 3)].into());
        assert_eq!((merged.runs, merged.shard, merged.wall_seconds), (10, None, 2.0));
    }

    #[test]
    fn refuses_a_summary_that_contradicts_itself() {
        let (file, mut wrong_count) = shard(1, 2, 10, &[]);
        wrong_count.runs += 1;
        let (_, mut wrong_seed) = shard(1, 2, 10, &[("a", 2)]);
        wrong_seed.failures[0].case_seed ^= 1;
        let (_, mut wrong_shard) = shard(1, 2, 10, &[]);
        wrong_shard.shard = Some(Shards { k: vec![2], n: 2 });
        for bad in [wrong_count, wrong_seed, wrong_shard] {
            let err = merge(&[(file.clone(), bad)]).unwrap_err();
            assert!(err.starts_with("shard-1.json: "), "{err}");
        }
    }
}
