//! A K-of-N split of a list of work (`--shard K/N`, `--partition K/N`), so N machines share
//! a fuzz campaign or a folder of scenarios: item `j` goes to part `(j mod N) + 1`. Taking
//! every N-th item, rather than N consecutive blocks, needs no total in advance, which a
//! campaign bounded by `--time` does not have, and gives every part the same mix of items.

use std::fmt;
use std::str::FromStr;

/// Part `k` of `n` (1 ≤ k ≤ n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    k: u64,
    n: u64,
}

impl Shard {
    /// Part `k` of `n`; an error unless 1 ≤ k ≤ n.
    pub fn new(k: u64, n: u64) -> Result<Shard, String> {
        if n == 0 {
            return Err("N must be at least 1".to_string());
        }
        if k == 0 || k > n {
            return Err(format!("K must be from 1 to N ({n})"));
        }
        Ok(Shard { k, n })
    }

    /// Which part this is, from 1.
    pub fn k(self) -> u64 {
        self.k
    }

    /// How many parts there are.
    pub fn n(self) -> u64 {
        self.n
    }

    /// Whether item `j` (from 0) belongs to this part.
    pub fn owns(self, j: u64) -> bool {
        j % self.n == self.k - 1
    }

    /// The index of this part's `i`-th item (from 0). Saturates rather than wraps, so a
    /// campaign that somehow got that far stops instead of running index 0 again.
    pub fn nth(self, i: u64) -> u64 {
        i.saturating_mul(self.n).saturating_add(self.k - 1)
    }

    /// How many of the items `0..total` belong to this part.
    pub fn share_of(self, total: u64) -> u64 {
        match total.checked_sub(self.k) {
            Some(after_first) => after_first / self.n + 1,
            None => 0,
        }
    }

    /// The items of `items` that belong to this part, in their order.
    pub fn take<T>(self, items: Vec<T>) -> Vec<T> {
        (items.into_iter().enumerate())
            .filter(|(j, _)| self.owns(*j as u64))
            .map(|(_, item)| item)
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N`, or `count:K/N` as cargo-nextest spells its `--partition`, so one CI variable
    /// can feed both.
    fn from_str(text: &str) -> Result<Shard, String> {
        let expected = "expected K/N with 1 ≤ K ≤ N, such as 2/3";
        let ratio = text.strip_prefix("count:").unwrap_or(text);
        let number = |s: &str| s.trim().parse::<u64>().ok();
        let Some((Some(k), Some(n))) = ratio.split_once('/').map(|(k, n)| (number(k), number(n)))
        else {
            return Err(format!("`{text}`: {expected}"));
        };
        Shard::new(k, n).map_err(|e| format!("`{text}`: {e}; {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn parses_k_of_n_in_both_spellings() {
        assert_eq!("2/3".parse(), Shard::new(2, 3));
        assert_eq!("count:3/3".parse(), Shard::new(3, 3));
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
    }

    #[test]
    fn rejects_k_outside_1_to_n_and_text_that_is_not_k_of_n() {
        for bad in ["0/3", "4/3", "1/0", "x", "", "2", "2/", "/3", "-1/3", "2/3/4", "hash:1/2"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("expected K/N"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_parts_cover_every_item_once_and_nth_walks_a_parts_items() {
        let parts: Vec<Shard> = (1..=3).map(|k| Shard::new(k, 3).unwrap()).collect();
        for j in 0..100u64 {
            assert_eq!(parts.iter().filter(|p| p.owns(j)).count(), 1, "item {j}");
        }
        let second = parts[1];
        assert_eq!((0..4).map(|i| second.nth(i)).collect::<Vec<_>>(), [1, 4, 7, 10]);
        assert!((0..50).all(|i| second.owns(second.nth(i))));
        assert_eq!(second.take((0..8).collect()), [1, 4, 7]);
        for total in 0..20 {
            let shares: Vec<u64> = parts.iter().map(|p| p.share_of(total)).collect();
            let owned = |p: &Shard| (0..total).filter(|&j| p.owns(j)).count() as u64;
            assert_eq!(shares, parts.iter().map(owned).collect::<Vec<_>>(), "{total}");
        }
        assert_eq!(second.nth(u64::MAX), u64::MAX);
    }
}
