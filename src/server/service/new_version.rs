//! The `new-version` fault: the fixture changes before this request is answered.

use bytes::Bytes;

use crate::server::fixture::{Content, Fixture};

/// What a file fixture's bytes are XORed with to make a [`Fault::NewVersion`].
const NEW_VERSION_XOR: u8 = 0x5A;

/// Adds a new version to `fixture` (generated from `seed` with the same length, or the file's
/// bytes XOR 0x5A), serves it from now on and returns its index.
pub(super) fn new_version(fixture: &mut Fixture, seed: u64) -> usize {
    let content = match &fixture.current().content {
        Content::Generated { size_bytes, .. } => Content::Generated {
            size_bytes: *size_bytes,
            seed,
        },
        Content::Bytes(b) => Content::Bytes(flipped(fixture, b)),
        Content::File(f) => Content::File(f.xored(NEW_VERSION_XOR)),
    };
    let index = fixture.add_version(content);
    fixture.set_current(index);
    index
}

/// `bytes` XOR [`NEW_VERSION_XOR`]. Flipping twice gives the bytes back, so versions
/// alternate between two contents: when an earlier version already holds the flipped bytes,
/// they are shared rather than copied, and a fault that adds a version on every request
/// holds two copies of a file, not one per request.
fn flipped(fixture: &Fixture, bytes: &Bytes) -> Bytes {
    let is_flip = |other: &Bytes| {
        other.len() == bytes.len() && other.iter().zip(bytes).all(|(o, b)| o ^ NEW_VERSION_XOR == *b)
    };
    let earlier = fixture.versions().iter().rev().find_map(|v| match &v.content {
        Content::Bytes(other) if is_flip(other) => Some(other.clone()),
        _ => None,
    });
    earlier.unwrap_or_else(|| bytes.iter().map(|&x| x ^ NEW_VERSION_XOR).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(fixture: &Fixture, version: usize) -> Bytes {
        match &fixture.versions()[version].content {
            Content::Bytes(b) => b.clone(),
            other => panic!("not bytes: {other:?}"),
        }
    }

    #[test]
    fn new_versions_of_a_file_alternate_and_share_their_bytes() {
        let mut fixture = Fixture::file("/f.bin", vec![1u8, 2, 3]);
        for seed in 0..10 {
            new_version(&mut fixture, seed);
        }
        assert_eq!(fixture.versions().len(), 11);
        assert_eq!(&bytes_of(&fixture, 1)[..], [1 ^ 0x5A, 2 ^ 0x5A, 3 ^ 0x5A]);
        for v in 2..11 {
            let same_as = bytes_of(&fixture, v % 2);
            assert_eq!(bytes_of(&fixture, v), same_as);
            // Shared, not copied: the same allocation.
            assert_eq!(bytes_of(&fixture, v).as_ptr(), same_as.as_ptr(), "version {v}");
        }
        let etags: std::collections::BTreeSet<_> =
            fixture.versions().iter().map(|v| v.etag.clone()).collect();
        assert_eq!(etags.len(), 11, "every version keeps its own validator");
    }
}
