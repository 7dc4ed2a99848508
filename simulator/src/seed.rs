//! One master seed, split into named, independent ChaCha8 streams. Each part of the model
//! draws from its own stream, so adding randomness to one part never shifts another.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The master seed of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    master: u64,
}

impl Seeds {
    /// Wraps a master seed.
    pub fn new(master: u64) -> Seeds {
        Seeds { master }
    }

    /// The master seed.
    pub fn master(&self) -> u64 {
        self.master
    }

    /// The stream called `name`. The same (master, name) always gives the same stream.
    pub fn stream(&self, name: &str) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(mix(self.master, fnv1a64(name.as_bytes())))
    }
}

/// FNV-1a, 64 bits, of `bytes` ([`crate::content::Fnv1a64`]).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    crate::content::Fnv1a64::of(bytes)
}

/// SplitMix64 finaliser over the pair, so nearby seeds give unrelated streams.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_name_same_stream_other_name_other_stream() {
        let s = Seeds::new(7);
        assert_eq!(
            s.stream("network").next_u64(),
            s.stream("network").next_u64()
        );
        assert_ne!(
            s.stream("network").next_u64(),
            s.stream("daemon").next_u64()
        );
        assert_ne!(
            Seeds::new(8).stream("network").next_u64(),
            s.stream("network").next_u64()
        );
    }

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
