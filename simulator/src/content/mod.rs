//! Bytes the user hands the app (a photo to upload), the fixture server's generated bodies,
//! and the hash that names bytes in histories, so a check can tell whether the server
//! received exactly those bytes without the history holding them.
//!
//! Both costs of bytes live here, with what keeps them low: [`keystream`] generates a seed's
//! bytes once per thread and shares them, and [`memo`] recognises bytes hashed before.

mod keystream;
pub mod memo;

pub use keystream::{keystream, keystream_at, SHARED_KEYSTREAM_MAX_BYTES};

/// `size_bytes` bytes of the ChaCha8 keystream seeded with `seed`: the same bytes the lab's
/// fixture server serves for a generated fixture of that size and seed.
pub fn generated(size_bytes: u64, seed: u64) -> Vec<u8> {
    let len = usize::try_from(size_bytes).expect("an upload fits in memory");
    keystream(seed, len).to_vec()
}

/// FNV-1a, 64 bits, fed piece by piece: a tiny hash that is stable across processes and
/// machines (std's hasher is randomly keyed per process). The one implementation in
/// bgsim: ETags, history hashes, upload receipts and seed streams all use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// A hasher that has seen nothing.
    pub fn new() -> Fnv1a64 {
        Fnv1a64::default()
    }

    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> u64 {
        let mut h = Fnv1a64::new();
        h.update(bytes);
        h.finish()
    }

    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash of everything fed so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// How histories and the server write a hash: 16 lowercase hex digits.
pub fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_hash_equals_the_whole_hash() {
        let bytes = generated(1000, 7);
        let mut h = Fnv1a64::new();
        h.update(&bytes[..3]);
        h.update(&bytes[3..]);
        assert_eq!(h.finish(), crate::seed::fnv1a64(&bytes));
        assert_eq!(hex(Fnv1a64::new().finish()), "cbf29ce484222325");
    }

    #[test]
    fn generated_bytes_depend_on_the_seed_only() {
        assert_eq!(generated(64, 1), generated(64, 1));
        assert_ne!(generated(64, 1), generated(64, 2));
        assert_eq!(&generated(64, 1)[..10], &generated(10, 1)[..]);
    }
}
