//! FNV-1a of bytes hashed before, found by comparing instead of hashing again.
//!
//! A run hashes the same bytes several times: an upload's content when the user picks it,
//! again as the daemon copies it, again as the server reads it; a fixture's pieces on every
//! fetch of them, in every run of a fuzzing campaign. FNV-1a is serial (one multiply after
//! another, about four cycles a byte), while comparing runs at memory speed; so a thread keeps
//! the bytes it hashed with their hash, and a later hash of equal bytes is looked up. The hash
//! returned is always that of the bytes given: a kept entry is used only when its bytes are
//! equal to them, compared in full.

use super::Fnv1a64;
use bytes::Bytes;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Shorter bytes are hashed directly, and not kept: the lookup would cost about as much.
const MIN_BYTES: usize = 4096;

/// Kept bytes carry the hash state at every multiple of this length, so bytes that share
/// only a prefix with them (a shorter upload of the same seed, the last piece of a body) hash
/// less than this much themselves.
const CHECKPOINT_BYTES: usize = 4096;

/// How many bytes of copies a thread keeps before it forgets them; and how many bytes shared
/// with their owner (a keystream's slices, mostly: the owner keeps them too), counted apart
/// so that a campaign's stream of copied pieces does not push out the shared bodies.
const COPIED_BYTES: usize = 64 << 20;
const SHARED_BYTES: usize = 96 << 20;

/// Bytes kept are found by their first 16 (random for generated content, so one entry a
/// body; bytes that share a head with others only share less of the work).
type Head = [u8; 16];

struct Known {
    bytes: Bytes,
    copied: bool,
    /// `states[i]`: the hash state after `i * CHECKPOINT_BYTES` bytes.
    states: Vec<u64>,
}

/// The hash state after the largest checkpoint of `states` at or below `len`, and that
/// checkpoint.
fn checkpoint(states: &[u64], len: usize) -> (Fnv1a64, usize) {
    let i = (len / CHECKPOINT_BYTES).min(states.len() - 1);
    (Fnv1a64(states[i]), i * CHECKPOINT_BYTES)
}

#[derive(Default)]
struct Memo {
    by_head: BTreeMap<Head, Known>,
    /// Bytes kept, copied and shared.
    kept_bytes: [usize; 2],
}

std::thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

fn head(bytes: &[u8]) -> Option<Head> {
    bytes.get(..16)?.try_into().ok()
}

/// How many leading bytes `a` and `b` share, compared a checkpoint's length at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut at = 0;
    while at < n {
        let end = (at + CHECKPOINT_BYTES).min(n);
        if a[at..end] != b[at..end] {
            let differs = a[at..end].iter().zip(&b[at..end]).position(|(x, y)| x != y);
            return at + differs.unwrap_or(0);
        }
        at = end;
    }
    n
}

/// Hashes `tail`, which starts on a checkpoint, on from `hash`, pushing the state at every
/// checkpoint it passes.
fn hash_on(mut hash: Fnv1a64, tail: &[u8], states: &mut Vec<u64>) -> u64 {
    for piece in tail.chunks(CHECKPOINT_BYTES) {
        hash.update(piece);
        if piece.len() == CHECKPOINT_BYTES {
            states.push(hash.finish());
        }
    }
    hash.finish()
}

impl Memo {
    /// The hash of `bytes`; `keep` gives them to keep when they are new or extend what is kept.
    fn hash(&mut self, bytes: &[u8], copied: bool, keep: impl FnOnce() -> Bytes) -> u64 {
        let Some(head) = head(bytes).filter(|_| bytes.len() >= MIN_BYTES) else {
            return Fnv1a64::of(bytes);
        };
        let (mut states, from) = match self.by_head.get(&head) {
            Some(known) => {
                let common = common_prefix(&known.bytes, bytes);
                let (state, at) = checkpoint(&known.states, common);
                if common == bytes.len() || common < known.bytes.len() {
                    // Within what is kept, or different from it: hash from the checkpoint.
                    let mut hash = state;
                    hash.update(&bytes[at..]);
                    return hash.finish();
                }
                // Longer than what is kept, and the same as far as it goes: keep these.
                (known.states[..=at / CHECKPOINT_BYTES].to_vec(), at)
            }
            None => (vec![Fnv1a64::new().finish()], 0),
        };
        let hash = hash_on(
            Fnv1a64(states[states.len() - 1]),
            &bytes[from..],
            &mut states,
        );
        let bytes = keep();
        let class = usize::from(!copied);
        if self.kept_bytes[class] + bytes.len() > [COPIED_BYTES, SHARED_BYTES][class] {
            self.by_head.retain(|_, k| k.copied != copied);
            self.kept_bytes[class] = 0;
        }
        self.kept_bytes[class] += bytes.len();
        let known = Known {
            bytes,
            copied,
            states,
        };
        if let Some(old) = self.by_head.insert(head, known) {
            self.kept_bytes[usize::from(!old.copied)] -= old.bytes.len();
        }
        hash
    }
}

/// The FNV-1a 64 hash of `bytes`, kept (as a copy) for the next time.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    MEMO.with_borrow_mut(|memo| memo.hash(bytes, true, || Bytes::copy_from_slice(bytes)))
}

/// The FNV-1a 64 hash of `bytes`, kept (shared, not copied) for the next time.
pub fn fnv1a64_shared(bytes: &Bytes) -> u64 {
    MEMO.with_borrow_mut(|memo| memo.hash(bytes, false, || bytes.clone()))
}

/// FNV-1a of bytes that arrive in pieces (a file copied, a request body read): while they
/// match bytes kept, nothing is hashed; the first piece that differs, or goes past them,
/// hashes from the last checkpoint and goes on hashing.
pub struct StreamHash {
    hash: Fnv1a64,
    seen_bytes: usize,
    track: Track,
}

enum Track {
    /// No piece yet.
    Start,
    /// Every piece so far equals the kept bytes from the start.
    Matching(Bytes, Vec<u64>),
    /// `hash` holds every piece so far.
    Hashing,
}

impl StreamHash {
    /// A hash that has seen nothing.
    pub fn new() -> StreamHash {
        StreamHash {
            hash: Fnv1a64::new(),
            seen_bytes: 0,
            track: Track::Start,
        }
    }

    /// Feeds the next piece.
    pub fn update(&mut self, piece: &[u8]) {
        if let Track::Start = self.track {
            self.track = MEMO
                .with_borrow(|memo| {
                    let known = memo.by_head.get(&head(piece)?)?;
                    Some(Track::Matching(known.bytes.clone(), known.states.clone()))
                })
                .unwrap_or(Track::Hashing);
        }
        if let Track::Matching(bytes, states) = &self.track {
            let end = self.seen_bytes + piece.len();
            if bytes.get(self.seen_bytes..end) == Some(piece) {
                self.seen_bytes = end;
                return;
            }
            self.hash = resume(bytes, states, self.seen_bytes);
            self.track = Track::Hashing;
        }
        self.hash.update(piece);
        self.seen_bytes += piece.len();
    }

    /// The hash of every piece fed.
    pub fn finish(self) -> u64 {
        match &self.track {
            Track::Matching(bytes, states) => resume(bytes, states, self.seen_bytes).finish(),
            Track::Start | Track::Hashing => self.hash.finish(),
        }
    }
}

impl Default for StreamHash {
    fn default() -> Self {
        StreamHash::new()
    }
}

/// The hash state after the first `len` bytes of `bytes`, from their checkpoints.
fn resume(bytes: &[u8], states: &[u64], len: usize) -> Fnv1a64 {
    let (mut hash, at) = checkpoint(states, len);
    hash.update(&bytes[at..len]);
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::keystream;

    #[test]
    fn a_hash_looked_up_is_the_hash_of_the_bytes_given() {
        let bytes = keystream(11, 100_000);
        assert_eq!(fnv1a64_shared(&bytes), Fnv1a64::of(&bytes));
        assert_eq!(fnv1a64(&bytes), Fnv1a64::of(&bytes), "found");
        // Same length and head, one byte different at the end: not the kept entry's hash.
        let mut other = bytes.to_vec();
        other[99_999] ^= 1;
        assert_eq!(fnv1a64(&other), Fnv1a64::of(&other));
        assert_eq!(
            fnv1a64(&bytes),
            Fnv1a64::of(&bytes),
            "both kept under one key"
        );
        let short = &bytes[..100];
        assert_eq!(fnv1a64(short), Fnv1a64::of(short));
        // A prefix of what is kept (off a checkpoint), then a longer stream that extends it.
        let prefix = &bytes[..54_321];
        assert_eq!(fnv1a64(prefix), Fnv1a64::of(prefix));
        let longer = keystream(11, 250_000);
        assert_eq!(fnv1a64_shared(&longer), Fnv1a64::of(&longer));
        assert_eq!(fnv1a64(&longer[..180_000]), Fnv1a64::of(&longer[..180_000]));
        let kept = MEMO.with_borrow(|m| m.by_head.get(&head(&bytes).unwrap()).unwrap().bytes.len());
        assert_eq!(kept, 250_000, "the longer bytes replaced the shorter");
    }

    #[test]
    fn a_stream_hashes_like_the_whole_whether_it_matches_kept_bytes_or_not() {
        let bytes = keystream(12, 200_000);
        fnv1a64_shared(&bytes);
        let stream = |data: &[u8], piece: usize| {
            let mut h = StreamHash::new();
            data.chunks(piece).for_each(|p| h.update(p));
            h.finish()
        };
        assert_eq!(stream(&bytes, 65_536), Fnv1a64::of(&bytes), "all kept");
        let mut late = bytes.to_vec();
        late[150_000] ^= 0xff;
        assert_eq!(stream(&late, 65_536), Fnv1a64::of(&late), "differs late");
        let mut early = bytes.to_vec();
        early[3] ^= 0xff;
        assert_eq!(stream(&early, 7), Fnv1a64::of(&early), "differs early");
        // Fewer or more bytes than promised: still the hash of what came.
        let cut = &bytes[..120_000];
        assert_eq!(stream(cut, 65_536), Fnv1a64::of(cut), "cut short");
        let longer = [&bytes[..], b"more"].concat();
        assert_eq!(stream(&longer, 65_536), Fnv1a64::of(&longer), "longer");
    }
}
