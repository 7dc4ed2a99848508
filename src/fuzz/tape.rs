//! A byte string as the generator's source of choices, the way Hypothesis drives its
//! generators: whoever holds the bytes holds the case. proptest generates and shrinks the
//! bytes (shorter, then smaller), and the case made from them shrinks with them: fewer
//! bytes make fewer choices, and a tape that runs out answers zero, the low end of every
//! range (fewest steps, fewest and smallest files).

use rand::rand_core::{Infallible, TryRng};

/// Choices read from `bytes`, in order; zeros once they run out.
#[derive(Clone, Debug)]
pub struct Tape<'a> {
    bytes: &'a [u8],
}

impl<'a> Tape<'a> {
    /// A tape over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Tape { bytes }
    }
}

impl TryRng for Tape<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let n = dst.len().min(self.bytes.len());
        dst[..n].copy_from_slice(&self.bytes[..n]);
        dst[n..].fill(0);
        self.bytes = &self.bytes[n..];
        Ok(())
    }
}
