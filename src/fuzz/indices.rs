//! Which runs of a campaign a summary covers, written compactly: a few arithmetic
//! progressions of run indices instead of one number per run, so the summary of a long
//! `--time` campaign stays small while the exact set of runs (and so of case seeds,
//! [`case_seed`](super::campaign::case_seed)`(seed, n)`) can still be recovered from it.

use crate::shard::Shard;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;

/// The run indices `first`, `first + step`, ... up to `last` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progression {
    /// The first index.
    pub first: u64,
    /// The last index.
    pub last: u64,
    /// The distance between two indices: 1, or N in a summary of shards of N.
    pub step: u64,
}

impl Progression {
    fn one(n: u64) -> Progression {
        Progression {
            first: n,
            last: n,
            step: 1,
        }
    }

    /// How many indices it holds.
    pub fn count(&self) -> u64 {
        (self.last - self.first) / self.step + 1
    }

    /// Its indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> {
        (self.first..=self.last).step_by(self.step as usize)
    }

    /// The shard residues (`index mod n`) of its indices.
    pub fn residues(&self, n: u64) -> impl Iterator<Item = u64> + '_ {
        let last = match self.step {
            1 => self.last.min(self.first.saturating_add(n - 1)),
            _ => self.first,
        };
        (self.first..=last).map(move |v| v % n)
    }

    /// Why it is not a progression of a campaign split `n` ways, if it is not.
    fn invalid(&self, n: u64) -> Option<String> {
        // Far below u64::MAX, so round arithmetic (`last / n + 1`, times n) cannot overflow.
        let ok = self.first <= self.last
            && self.last <= u64::MAX - n
            && (self.step == 1 || self.step == n)
            && (self.last - self.first) % self.step == 0;
        (!ok).then(|| format!("indices {self:?}: not a progression of step 1 or {n}"))
    }
}

/// The positions a campaign's workers have finished (a shard's `i`-th run is at position
/// `i`), as sorted disjoint ranges. Runs finish nearly in order, so this stays a handful of
/// ranges however long the campaign; a signal leaves holes where runs were cut short.
#[derive(Clone, Debug, Default)]
pub struct Done(Vec<Range<u64>>);

impl Done {
    /// Marks position `p` finished.
    pub fn insert(&mut self, p: u64) {
        let at = self.0.partition_point(|r| r.end < p);
        match self.0.get_mut(at) {
            Some(r) if r.contains(&p) => {}
            Some(r) if r.end == p => {
                r.end = p + 1;
                if self.0.get(at + 1).is_some_and(|next| next.start == p + 1) {
                    let next = self.0.remove(at + 1);
                    self.0[at].end = next.end;
                }
            }
            Some(r) if r.start == p + 1 => r.start = p,
            _ => self.0.insert(at, p..p + 1),
        }
    }

    /// The run indices of the finished positions of `shard` (of the whole campaign when
    /// `None`), in the canonical form [`union`] also gives.
    pub fn indices(&self, shard: Option<Shard>) -> Vec<Progression> {
        let shard = shard.unwrap_or(Shard::new(1, 1).expect("1/1 is a shard"));
        let ranges = self.0.iter().map(|r| Progression {
            first: shard.nth(r.start),
            last: shard.nth(r.end - 1),
            step: if r.end - r.start == 1 { 1 } else { shard.n() },
        });
        coalesce(ranges.collect())
    }
}

/// The indices of every one of `sets` (summaries of shards of one campaign split `n`
/// ways), in canonical form: the same set of indices always comes out the same, so the
/// merged shards of a campaign read exactly like the campaign run whole.
///
/// Works on rounds: round `m` holds indices `m·n .. m·n + n`, one per shard. Each
/// progression becomes, per shard residue, a range of rounds; where every residue covers
/// a stretch of rounds, that stretch is a plain range of indices.
pub fn union(n: u64, sets: &[&[Progression]]) -> Result<Vec<Progression>, String> {
    // (residue, rounds lo..hi)
    let mut pieces: Vec<(u64, u64, u64)> = Vec::new();
    for p in sets.iter().flat_map(|s| s.iter()) {
        if let Some(why) = p.invalid(n) {
            return Err(why);
        }
        // Each residue it meets (one, or at most n for a plain range) covers rounds from the
        // round of its first index there to the round of its last.
        for r in p.residues(n) {
            let at = p.first % n;
            let first = p.first + if r >= at { r - at } else { r + (n - at) };
            pieces.push((r, first / n, (p.last - r) / n + 1));
        }
    }
    let bounds: BTreeSet<u64> = pieces.iter().flat_map(|&(_, lo, hi)| [lo, hi]).collect();
    let bounds: Vec<u64> = bounds.into_iter().collect();
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let residues: BTreeSet<u64> = (pieces.iter())
            .filter(|&&(_, plo, phi)| plo <= lo && hi <= phi)
            .map(|&(r, _, _)| r)
            .collect();
        if residues.len() as u64 == n {
            out.push(Progression {
                first: lo * n,
                last: hi * n - 1,
                step: 1,
            });
        } else if hi - lo == 1 {
            out.extend(residues.iter().map(|r| Progression::one(lo * n + r)));
        } else {
            out.extend(residues.iter().map(|r| Progression {
                first: lo * n + r,
                last: (hi - 1) * n + r,
                step: n,
            }));
        }
    }
    Ok(coalesce(out))
}

/// Sorted, with single indices as step 1 and neighbouring plain ranges joined.
fn coalesce(mut ps: Vec<Progression>) -> Vec<Progression> {
    for p in &mut ps {
        if p.first == p.last {
            p.step = 1;
        }
    }
    ps.sort();
    let mut out: Vec<Progression> = Vec::with_capacity(ps.len());
    for p in ps {
        match out.last_mut() {
            Some(prev) if prev.step == 1 && p.step == 1 && p.first == prev.last + 1 => {
                prev.last = p.last;
            }
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(ps: &[Progression]) -> Vec<u64> {
        let mut v: Vec<u64> = ps.iter().flat_map(|p| p.iter()).collect();
        v.sort();
        v
    }

    fn done(positions: impl IntoIterator<Item = u64>) -> Done {
        let mut d = Done::default();
        positions.into_iter().for_each(|p| d.insert(p));
        d
    }

    #[test]
    fn done_joins_positions_finished_out_of_order_and_keeps_holes() {
        let d = done([3, 0, 2, 1, 7, 5, 9, 8]);
        assert_eq!(d.0, vec![0..4, 5..6, 7..10]);
        assert_eq!(all(&d.indices(None)), [0, 1, 2, 3, 5, 7, 8, 9]);
    }

    #[test]
    fn a_shards_positions_are_its_every_nth_index() {
        let shard = Shard::new(2, 3).unwrap();
        let ps = done(0..20).indices(Some(shard));
        assert_eq!(ps, [Progression { first: 1, last: 58, step: 3 }]);
        assert_eq!(ps[0].count(), 20);
    }

    #[test]
    fn the_union_of_every_shard_reads_like_the_whole_campaign() {
        for (runs, n) in [(60, 3), (61, 3), (62, 3), (1, 4), (7, 1), (100, 7)] {
            let shards: Vec<Vec<Progression>> = (1..=n)
                .map(|k| {
                    let s = Shard::new(k, n).unwrap();
                    done((0..runs).filter(|&i| s.nth(i) < runs)).indices(Some(s))
                })
                .collect();
            let refs: Vec<&[Progression]> = shards.iter().map(|s| &s[..]).collect();
            let whole = done(0..runs).indices(None);
            assert_eq!(union(n, &refs).unwrap(), whole, "{runs} runs in {n} shards");
        }
    }

    #[test]
    fn a_partial_union_keeps_exactly_its_indices() {
        let n = 3;
        let one = done(0..5).indices(Some(Shard::new(1, n).unwrap()));
        let three = done([0, 1, 3]).indices(Some(Shard::new(3, n).unwrap()));
        let u = union(n, &[&one, &three]).unwrap();
        assert_eq!(all(&u), [0, 2, 3, 5, 6, 9, 11, 12]);
        // Merged again with the missing shard, it is the whole range.
        let two = done(0..5).indices(Some(Shard::new(2, n).unwrap()));
        let three_rest = done([2, 4]).indices(Some(Shard::new(3, n).unwrap()));
        let again = union(n, &[&u, &two, &three_rest]).unwrap();
        assert_eq!(again, [Progression { first: 0, last: 14, step: 1 }]);
    }

    #[test]
    fn rejects_what_no_campaign_writes() {
        let bad = [
            Progression { first: 5, last: 2, step: 1 },
            Progression { first: 0, last: 9, step: 2 },
            Progression { first: 0, last: 10, step: 3 },
        ];
        for p in bad {
            assert!(union(3, &[&[p]]).is_err(), "{p:?}");
        }
    }
}
