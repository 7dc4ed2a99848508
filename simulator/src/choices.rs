//! The phone's choices where iOS promises no order (docs/rules.md: ORD-5, CH-2, LC-2, LC-6,
//! LC-9, CH-6, PROG-1). With `Interleavings::Fixed` every point takes today's one order and
//! draws nothing; with `Seeded` a stream of the master seed decides, so a history is still
//! the same for the same seed. Every choice made is recorded in the history by its caller,
//! so a reader can tell a chosen order from the fixed one.

use crate::profile::{Interleavings, WakePolicy};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Draws the seed's choices, or none.
pub(crate) struct Choices {
    /// `Some` only when the interleavings are seeded.
    order: Option<ChaCha8Rng>,
    /// `Some` only for `wake_policy = seeded`: its own stream, so turning the
    /// interleavings on or off never changes which wakes are partial.
    wakes: Option<ChaCha8Rng>,
}

impl Choices {
    /// The choices of a run with these settings, drawn from `order` and `wakes`.
    pub fn new(
        interleavings: Interleavings,
        wake_policy: WakePolicy,
        order: ChaCha8Rng,
        wakes: ChaCha8Rng,
    ) -> Choices {
        Choices {
            order: (interleavings == Interleavings::Seeded).then_some(order),
            wakes: (wake_policy == WakePolicy::Seeded).then_some(wakes),
        }
    }

    /// Whether the interleavings are the seed's.
    pub fn seeded(&self) -> bool {
        self.order.is_some()
    }

    /// True with probability `p` when seeded; false (the fixed order) otherwise.
    pub fn coin(&mut self, p: f64) -> bool {
        self.order.as_mut().is_some_and(|rng| rng.random_bool(p))
    }

    /// A number in `0..n` when seeded; 0 (the fixed order) otherwise.
    pub fn below(&mut self, n: usize) -> usize {
        match self.order.as_mut() {
            Some(rng) if n > 1 => rng.random_range(0..n),
            _ => 0,
        }
    }

    /// A permutation of `0..n`: the identity unless seeded.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = (0..n).collect();
        if let Some(rng) = self.order.as_mut() {
            // Fisher–Yates, drawing from the stream itself so the order is the seed's.
            for i in (1..n).rev() {
                out.swap(i, rng.random_range(0..=i));
            }
        }
        out
    }

    /// LC-6 under `wake_policy = seeded`: whether this wake comes now, before the other
    /// tasks of its session are done.
    pub fn partial_wake(&mut self) -> bool {
        self.wakes.as_mut().is_some_and(|rng| rng.random_bool(0.5))
    }

    /// Used by tests of the choices themselves.
    #[cfg(test)]
    fn draw(&mut self) -> Option<u64> {
        self.order.as_mut().map(rand::Rng::next_u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn choices(i: Interleavings) -> Choices {
        let rng = || ChaCha8Rng::seed_from_u64(7);
        Choices::new(i, WakePolicy::AllDone, rng(), rng())
    }

    #[test]
    fn fixed_choices_draw_nothing_and_keep_the_order() {
        let mut c = choices(Interleavings::Fixed);
        assert!(!c.seeded());
        assert_eq!(c.permutation(5), vec![0, 1, 2, 3, 4]);
        assert!(!c.coin(1.0));
        assert_eq!(c.below(9), 0);
        assert!(!c.partial_wake());
        assert_eq!(c.draw(), None);
    }

    #[test]
    fn seeded_permutations_are_permutations_and_vary() {
        let mut c = choices(Interleavings::Seeded);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let p = c.permutation(4);
            let mut sorted = p.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2, 3]);
            seen.insert(p);
        }
        assert!(seen.len() > 5, "only {} orders in 50 draws", seen.len());
        assert!(c.coin(1.0));
    }
}
