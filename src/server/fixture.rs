//! Fixtures: the versioned, in-memory representations the server hands out.
//!
//! Everything here is deterministic on purpose. Validators (ETag, Last-Modified) are derived
//! from the fixture's identity, never from the wall clock or file metadata, so the same
//! fixture set produces byte-identical responses on every run and every machine.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bgsim_simulator::content::Fnv1a64;
use bytes::Bytes;
use flate2::{Compression, GzBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seconds from the Unix epoch to 2026-01-01T00:00:00Z, the Last-Modified of version 0.
const EPOCH_2026: u64 = 1_767_225_600;
const SECONDS_PER_DAY: u64 = 86_400;

/// The gzip encoder's level: fixed, so the encoded bytes (and their ETag) are the same on
/// every run.
const GZIP_LEVEL: u32 = 6;
/// The gzip header's OS byte: 255, "unknown", whatever machine encodes.
const GZIP_OS_UNKNOWN: u8 = 255;
/// Content is fed to the gzip encoder in pieces this big, so a generated fixture is never
/// held twice.
const GZIP_READ_CHUNK: usize = 1024 * 1024;

/// The bytes behind one fixture version.
#[derive(Clone, PartialEq, Eq)]
pub enum Content {
    /// Literal bytes held in memory.
    Bytes(Bytes),
    /// `size_bytes` bytes of the ChaCha8 keystream seeded with `seed`.
    ///
    /// Never materialised as a whole: any slice is computed on demand by seeking the
    /// keystream, so multi-gigabyte fixtures cost no memory and a range at the end is as cheap
    /// as one at the start.
    Generated {
        /// Total length of the representation.
        size_bytes: u64,
        /// Seed passed to `ChaCha8Rng::seed_from_u64`.
        seed: u64,
    },
}

impl Content {
    /// Length of the representation in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Generated { size_bytes, .. } => *size_bytes,
        }
    }

    /// True when the representation has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns up to `len` bytes starting at `offset`, clamped to the end of the content.
    ///
    /// The result is allocated in full, so callers stream large ranges in modest chunks
    /// (the HTTP body uses 64 KiB) instead of asking for everything at once.
    pub fn read_at(&self, offset: u64, len: usize) -> Bytes {
        let total = self.len();
        if offset >= total {
            return Bytes::new();
        }
        // Clamp in u64 first: `len` may exceed what remains, and `total - offset` may exceed
        // usize on narrow targets.
        let len = (len as u64).min(total - offset) as usize;
        match self {
            Content::Bytes(b) => {
                let start = offset as usize;
                b.slice(start..start + len)
            }
            Content::Generated { seed, .. } => keystream_at(*seed, offset, len),
        }
    }
}

/// Bytes `offset..offset + len` of the ChaCha8 keystream for `seed`.
///
/// The generator seeks by 32-bit words, so we seek to the word holding `offset`, generate the
/// few leading bytes of that word as well, and drop them.
fn keystream_at(seed: u64, offset: u64, len: usize) -> Bytes {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_word_pos(u128::from(offset / 4));
    let skip = (offset % 4) as usize;
    let mut buf = vec![0u8; skip + len];
    rng.fill_bytes(&mut buf);
    Bytes::from(buf).slice(skip..)
}

impl fmt::Debug for Content {
    // Printing a multi-megabyte fixture byte by byte helps nobody; show its identity instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Content::Generated { size_bytes, seed } => f
                .debug_struct("Generated")
                .field("size_bytes", size_bytes)
                .field("seed", seed)
                .finish(),
        }
    }
}

/// One immutable version of a fixture, with the validators the server advertises for it.
///
/// The fields are public so that tests (and fault injection) can inspect them, or forge a
/// version whose validators lie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureVersion {
    /// The representation's bytes.
    pub content: Content,
    /// Strong entity tag, quoted, e.g. `"3f2a0c9e1b7d4a55"`.
    pub etag: String,
    /// Last-Modified as an IMF-fixdate (`Thu, 01 Jan 2026 00:00:00 GMT`).
    pub last_modified: String,
    /// Value of the Content-Type header.
    pub content_type: String,
}

impl FixtureVersion {
    /// Builds version `version_index` of the fixture served at `path`.
    ///
    /// The ETag is an FNV-1a 64 hash of the path, the version index and the content's identity
    /// (its bytes, or size and seed for generated content): stable across runs, and different
    /// for every version even when two versions hold the same bytes. Last-Modified is
    /// 2026-01-01T00:00:00Z plus `version_index` days, so versions are a day apart and the date
    /// is a strong validator.
    pub fn new(
        path: &str,
        version_index: usize,
        content: Content,
        content_type: impl Into<String>,
    ) -> FixtureVersion {
        let mut hash = Fnv1a64::new();
        hash.update(path.as_bytes());
        // A separator keeps ("/a", 1…) and ("/a1"…) from hashing the same stream.
        hash.update(&[0]);
        hash.update(&(version_index as u64).to_le_bytes());
        match &content {
            Content::Bytes(b) => {
                hash.update(b"bytes");
                hash.update(&(b.len() as u64).to_le_bytes());
                hash.update(b);
            }
            Content::Generated { size_bytes, seed } => {
                hash.update(b"generated");
                hash.update(&size_bytes.to_le_bytes());
                hash.update(&seed.to_le_bytes());
            }
        }
        let days = (version_index as u64).saturating_mul(SECONDS_PER_DAY);
        let modified = UNIX_EPOCH + Duration::from_secs(EPOCH_2026.saturating_add(days));
        FixtureVersion {
            content,
            etag: format!("\"{:016x}\"", hash.finish()),
            last_modified: fmt_date(modified),
            content_type: content_type.into(),
        }
    }
}

impl FixtureVersion {
    /// The gzip-encoded representation of this version (RFC 9110 §8.4), served at `path` as
    /// version `version_index` to requests that accept gzip: the encoded bytes, its own
    /// strong ETag (a hash of the path, the version index and the encoded bytes, so it
    /// never equals the identity tag), the same Last-Modified and Content-Type.
    ///
    /// The encoding is deterministic: a fixed level, no file name, mtime 0, OS "unknown".
    /// The content is read whole, so keep gzip fixtures of a size that fits in memory.
    pub fn gzip_encoded(&self, path: &str, version_index: usize) -> FixtureVersion {
        let encoded = gzip(&self.content);
        let mut hash = Fnv1a64::new();
        hash.update(path.as_bytes());
        hash.update(&[0]);
        hash.update(&(version_index as u64).to_le_bytes());
        hash.update(b"gzip");
        hash.update(&(encoded.len() as u64).to_le_bytes());
        hash.update(&encoded);
        FixtureVersion {
            content: Content::Bytes(Bytes::from(encoded)),
            etag: format!("\"{:016x}\"", hash.finish()),
            last_modified: self.last_modified.clone(),
            content_type: self.content_type.clone(),
        }
    }
}

/// `content` gzip-encoded, deterministically (see [`FixtureVersion::gzip_encoded`]).
fn gzip(content: &Content) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(GZIP_OS_UNKNOWN)
        .write(Vec::new(), Compression::new(GZIP_LEVEL));
    let mut offset = 0;
    while offset < content.len() {
        let piece = content.read_at(offset, GZIP_READ_CHUNK);
        offset += piece.len() as u64;
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(&piece);
    }
    encoder.finish().unwrap_or_default()
}

/// The instant the server gives as its `Date` when a response needs one (a Retry-After in
/// date form, [`RetryAfter::Date`](super::fault::RetryAfter::Date)): the fixtures' epoch,
/// 2026-01-01T00:00:00Z, also version 0's Last-Modified. Fixed, because the server reads no
/// clock: responses depend only on the fixtures and the requests.
pub fn server_date() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(EPOCH_2026)
}

fn fmt_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}

/// How a fixture advertises and honours byte ranges (RFC 9110 §14.3).
///
/// A server that says `none` must not then honour a Range, so it ignores it; a server
/// that says nothing may do either, so both exist: [`AcceptRanges::Absent`], a server
/// without range support, and [`AcceptRanges::Unadvertised`], one that honours ranges
/// without saying so (a client may send Range without having seen the header, §14.3, and
/// whether NSURLSession's "server supports byte-range requests" (RES-1) means the header
/// or the behaviour is what such a fixture can show).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AcceptRanges {
    /// `Accept-Ranges: bytes`, and Range requests are honoured.
    #[default]
    Bytes,
    /// `Accept-Ranges: none`; Range (and so If-Range) is ignored and every GET gets a
    /// full 200, never a 206 or 416.
    None,
    /// No Accept-Ranges header at all; Range is ignored and every GET gets a full 200.
    Absent,
    /// No Accept-Ranges header at all, yet Range requests are honoured as with `Bytes`.
    Unadvertised,
}

impl AcceptRanges {
    /// Whether Range requests are honoured.
    pub fn honours_ranges(self) -> bool {
        matches!(self, AcceptRanges::Bytes | AcceptRanges::Unadvertised)
    }
}

/// A resource at one URL path, with its history of versions.
///
/// Only the current version is served. Switching versions between requests models a file that
/// changes on the server while a client is part-way through downloading it.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// URL path the fixture is served at, always starting with `/`.
    pub path: String,
    /// Range support for this fixture.
    pub accept_ranges: AcceptRanges,
    /// Send bodies with chunked transfer-encoding and no Content-Length, so the client
    /// cannot know the length in advance (PROG-2).
    pub chunked: bool,
    versions: Vec<FixtureVersion>,
    /// With gzip on ([`Fixture::with_gzip`]): the gzip-encoded representation of each
    /// version, encoded the first time a request gets it (a fixture nothing downloads
    /// costs nothing), then kept with its version.
    gzip_versions: Option<Vec<OnceLock<FixtureVersion>>>,
    current: usize,
}

impl Fixture {
    /// A fixture whose single version is `content`, with an explicit content type.
    pub fn new(path: impl Into<String>, content: Content, content_type: impl Into<String>) -> Self {
        let path = normalise_path(path.into());
        let first = FixtureVersion::new(&path, 0, content, content_type);
        Fixture {
            path,
            accept_ranges: AcceptRanges::Bytes,
            chunked: false,
            versions: vec![first],
            gzip_versions: None,
            current: 0,
        }
    }

    /// A fixture holding `bytes`, typed from the path's extension.
    pub fn file(path: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let path = path.into();
        let content_type = content_type_for(&path);
        Fixture::new(path, Content::Bytes(bytes.into()), content_type)
    }

    /// A fixture of `size_bytes` generated bytes (see [`Content::Generated`]), typed from the
    /// path's extension.
    pub fn generated(path: impl Into<String>, size_bytes: u64, seed: u64) -> Self {
        let path = path.into();
        let content_type = content_type_for(&path);
        Fixture::new(path, Content::Generated { size_bytes, seed }, content_type)
    }

    /// Builder-style setter for [`Fixture::chunked`].
    pub fn with_chunked(mut self, chunked: bool) -> Self {
        self.chunked = chunked;
        self
    }

    /// Offers a gzip-encoded representation besides the identity one: a request whose
    /// Accept-Encoding allows gzip gets it, with `Content-Encoding: gzip`, its own strong
    /// ETag, and ranges over the encoded bytes; responses of either representation carry
    /// `Vary: Accept-Encoding` (docs/http.md#gzip). Each version is encoded when it is
    /// first served encoded. `false` drops the encoded representations.
    pub fn with_gzip(mut self, gzip: bool) -> Self {
        self.gzip_versions = gzip.then(|| self.versions.iter().map(|_| OnceLock::new()).collect());
        self
    }

    /// Whether the fixture offers a gzip-encoded representation ([`Fixture::with_gzip`]).
    pub fn is_gzip(&self) -> bool {
        self.gzip_versions.is_some()
    }

    /// The gzip-encoded representation of the version being served, if the fixture offers
    /// one.
    pub fn current_gzip(&self) -> Option<&FixtureVersion> {
        let encoded = &self.gzip_versions.as_ref()?[self.current];
        Some(encoded.get_or_init(|| self.versions[self.current].gzip_encoded(&self.path, self.current)))
    }

    /// Builder-style setter for [`Fixture::accept_ranges`].
    pub fn with_accept_ranges(mut self, accept_ranges: AcceptRanges) -> Self {
        self.accept_ranges = accept_ranges;
        self
    }

    /// Appends a new version with the current version's content type and returns its index.
    ///
    /// The current version does not change; call [`Fixture::advance`] or
    /// [`Fixture::set_current`] to start serving it.
    pub fn add_version(&mut self, content: Content) -> usize {
        let index = self.versions.len();
        let content_type = self.current().content_type.clone();
        let version = FixtureVersion::new(&self.path, index, content, content_type);
        if let Some(gzip) = &mut self.gzip_versions {
            gzip.push(OnceLock::new());
        }
        self.versions.push(version);
        index
    }

    /// Serves version `index` from now on. Returns false, changing nothing, if there is no
    /// such version.
    pub fn set_current(&mut self, index: usize) -> bool {
        if index < self.versions.len() {
            self.current = index;
            true
        } else {
            false
        }
    }

    /// Serves the next version from now on. Returns false, changing nothing, if the current
    /// version is already the newest.
    pub fn advance(&mut self) -> bool {
        self.set_current(self.current + 1)
    }

    /// The version being served.
    pub fn current(&self) -> &FixtureVersion {
        &self.versions[self.current]
    }

    /// Index of the version being served.
    pub fn current_index(&self) -> usize {
        self.current
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> &[FixtureVersion] {
        &self.versions
    }
}

/// Makes sure a fixture path is an absolute URL path, so `"a.txt"` and `"/a.txt"` agree.
fn normalise_path(path: String) -> String {
    if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    }
}

/// Content type for a path, from its extension (case-insensitive).
pub fn content_type_for(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => String::new(),
    };
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// All fixtures, keyed by URL path.
///
/// A `BTreeMap` so that any iteration (listings, snapshots) comes out in a stable order.
#[derive(Clone, Debug, Default)]
pub struct FixtureSet {
    fixtures: BTreeMap<String, Fixture>,
}

impl FixtureSet {
    /// An empty set.
    pub fn new() -> Self {
        FixtureSet::default()
    }

    /// Adds `fixture` at its path, returning the fixture it replaced, if any.
    pub fn insert(&mut self, fixture: Fixture) -> Option<Fixture> {
        self.fixtures.insert(fixture.path.clone(), fixture)
    }

    /// The fixture served at `path`.
    pub fn get(&self, path: &str) -> Option<&Fixture> {
        self.fixtures.get(path)
    }

    /// Mutable access, e.g. to switch versions between requests.
    pub fn get_mut(&mut self, path: &str) -> Option<&mut Fixture> {
        self.fixtures.get_mut(path)
    }

    /// Removes and returns the fixture at `path`.
    pub fn remove(&mut self, path: &str) -> Option<Fixture> {
        self.fixtures.remove(path)
    }

    /// Fixtures in path order.
    pub fn iter(&self) -> impl Iterator<Item = &Fixture> {
        self.fixtures.values()
    }

    /// Number of fixtures.
    pub fn len(&self) -> usize {
        self.fixtures.len()
    }

    /// True when there are no fixtures.
    pub fn is_empty(&self) -> bool {
        self.fixtures.is_empty()
    }

    /// Loads every regular file below `dir`, recursively, serving each at
    /// `/<path relative to dir>` with forward slashes.
    ///
    /// Symbolic links are skipped (they could loop or escape `dir`). A file name that is not
    /// valid UTF-8 is an `InvalidData` error, since it has no faithful URL path.
    pub fn load_dir(dir: &Path) -> io::Result<FixtureSet> {
        let mut set = FixtureSet::new();
        let mut relative = Vec::new();
        load_dir_into(dir, &mut relative, &mut set)?;
        Ok(set)
    }
}

fn load_dir_into(dir: &Path, relative: &mut Vec<String>, set: &mut FixtureSet) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    // read_dir order is filesystem-dependent; sort so loading is reproducible.
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().into_string().map_err(|raw| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file name {raw:?} under {} is not UTF-8", dir.display()),
            )
        })?;
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            relative.push(name);
            load_dir_into(&entry.path(), relative, set)?;
            relative.pop();
        } else if file_type.is_file() {
            let bytes = std::fs::read(entry.path())?;
            let mut url = String::new();
            for part in relative.iter().chain(std::iter::once(&name)) {
                url.push('/');
                url.push_str(part);
            }
            set.insert(Fixture::file(url, bytes));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequential_keystream(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut buf = vec![0u8; len];
        rng.fill_bytes(&mut buf);
        buf
    }

    #[test]
    fn generated_read_at_matches_the_sequential_keystream_at_any_offset() {
        let seed = 42;
        let size = 200_003u64;
        let whole = sequential_keystream(seed, size as usize);
        let content = Content::Generated {
            size_bytes: size,
            seed,
        };
        for &(offset, len) in &[
            (0u64, 1usize),
            (1, 3),
            (2, 7),
            (3, 65_536),
            (4, 4),
            (63, 5),
            (65_535, 2),
            (131_071, 70_000),
            (199_999, 100),
            (size - 1, 1),
        ] {
            let got = content.read_at(offset, len);
            let end = (offset + len as u64).min(size) as usize;
            assert_eq!(&got[..], &whole[offset as usize..end], "offset {offset}");
        }
        assert!(content.read_at(size, 10).is_empty());
        assert!(content.read_at(u64::MAX, 10).is_empty());
    }

    #[test]
    fn a_gzip_representation_is_encoded_only_when_first_served() {
        let mut fx = Fixture::generated("/g.bin", 1 << 20, 3).with_gzip(true);
        fx.add_version(Content::Generated {
            size_bytes: 1 << 20,
            seed: 4,
        });
        let encoded = |fx: &Fixture| -> Vec<bool> {
            let cells = fx.gzip_versions.as_ref().unwrap();
            cells.iter().map(|c| c.get().is_some()).collect()
        };
        assert_eq!(encoded(&fx), [false, false], "nothing encoded up front");
        let etag = fx.current_gzip().unwrap().etag.clone();
        assert_eq!(encoded(&fx), [true, false], "only the version served");
        assert_eq!(etag, fx.current().gzip_encoded("/g.bin", 0).etag);
        assert_ne!(etag, fx.current().etag);
    }

    #[test]
    fn bytes_read_at_clamps() {
        let content = Content::Bytes(Bytes::from_static(b"hello"));
        assert_eq!(&content.read_at(1, 3)[..], b"ell");
        assert_eq!(&content.read_at(3, 100)[..], b"lo");
        assert!(content.read_at(5, 1).is_empty());
    }

    #[test]
    fn validators_are_stable_and_versioned() {
        let a = FixtureVersion::new("/a.bin", 0, Content::Bytes(Bytes::from_static(b"x")), "t");
        let b = FixtureVersion::new("/a.bin", 0, Content::Bytes(Bytes::from_static(b"x")), "t");
        let c = FixtureVersion::new("/a.bin", 1, Content::Bytes(Bytes::from_static(b"x")), "t");
        let d = FixtureVersion::new("/b.bin", 0, Content::Bytes(Bytes::from_static(b"x")), "t");
        assert_eq!(a, b);
        assert_ne!(a.etag, c.etag);
        assert_ne!(a.etag, d.etag);
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"') && a.etag.len() == 18);
        assert_eq!(a.last_modified, "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(c.last_modified, "Fri, 02 Jan 2026 00:00:00 GMT");
        // Pin the hash itself so an accidental change to the recipe shows up here.
        assert_eq!(Fnv1a64::new().finish(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv1a64::of(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn versions_switch() {
        let mut f = Fixture::file("x.json", Bytes::from_static(b"{}"));
        assert_eq!(f.path, "/x.json");
        assert_eq!(f.current().content_type, "application/json");
        assert!(!f.advance());
        let i = f.add_version(Content::Bytes(Bytes::from_static(b"[]")));
        assert_eq!(i, 1);
        assert_eq!(f.current_index(), 0);
        assert!(f.advance());
        assert_eq!(
            f.current().content,
            Content::Bytes(Bytes::from_static(b"[]"))
        );
        assert_eq!(f.current().content_type, "application/json");
        assert!(!f.set_current(2));
        assert!(f.set_current(0));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type_for("/a/b.PNG"), "image/png");
        assert_eq!(content_type_for("/a.jpg"), "image/jpeg");
        assert_eq!(content_type_for("/a.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type_for("/a.html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("/a.d/b"), "application/octet-stream");
        assert_eq!(content_type_for("/a.bin"), "application/octet-stream");
    }

    #[test]
    fn load_dir_walks_recursively_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        std::fs::write(dir.path().join("b.txt"), b"b").unwrap();
        std::fs::write(dir.path().join("a.png"), b"a").unwrap();
        std::fs::write(dir.path().join("sub/deeper/c.json"), b"{}").unwrap();
        let set = FixtureSet::load_dir(dir.path()).unwrap();
        let paths: Vec<_> = set.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/a.png", "/b.txt", "/sub/deeper/c.json"]);
        let c = set.get("/sub/deeper/c.json").unwrap().current();
        assert_eq!(c.content_type, "application/json");
        assert_eq!(c.content, Content::Bytes(Bytes::from_static(b"{}")));
    }
}
