//! The daemon's own copy of an upload's body (upload.rs: when the file is read): a file in
//! the daemon's folder of the run, outside the container, read one grant at a time, so an
//! upload never sits in memory whole. The file goes when the copy is dropped: the task
//! completed, or a fresh copy replaced it.

use crate::content::Fnv1a64;
use bytes::Bytes;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The piece read and hashed at a time while copying.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// Names copies uniquely within this process, so a copy never removes its successor's
/// file. Never part of a history.
static NEXT_COPY: AtomicU64 = AtomicU64::new(0);

/// One copy of an upload's body on disk.
#[derive(Debug)]
pub(crate) struct UploadCopy {
    path: PathBuf,
    file: File,
    len_bytes: u64,
    fnv1a64: u64,
}

impl UploadCopy {
    /// Copies the file at `from` into a new file under `dir`, hashing it on the way.
    pub fn of_file(from: &Path, dir: &Path) -> io::Result<UploadCopy> {
        let mut source = File::open(from)?;
        let mut buf = vec![0u8; COPY_CHUNK_BYTES];
        Self::write_new(dir, |out, hash| loop {
            let n = source.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            hash.update(&buf[..n]);
            out.write_all(&buf[..n])?;
        })
    }

    /// Writes `bytes` (a stream's body) to a new file under `dir`.
    pub fn of_bytes(bytes: &[u8], dir: &Path) -> io::Result<UploadCopy> {
        Self::write_new(dir, |out, hash| {
            hash.update(bytes);
            out.write_all(bytes)
        })
    }

    fn write_new(
        dir: &Path,
        fill: impl FnOnce(&mut io::BufWriter<File>, &mut Fnv1a64) -> io::Result<()>,
    ) -> io::Result<UploadCopy> {
        std::fs::create_dir_all(dir)?;
        let n = NEXT_COPY.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("upload-{n}.body"));
        let file = File::options()
            .create_new(true)
            .read(true)
            .write(true)
            .open(&path)?;
        // From here on the copy owns the file: an error below removes it.
        let mut copy = UploadCopy {
            path,
            file,
            len_bytes: 0,
            fnv1a64: 0,
        };
        let mut hash = Fnv1a64::new();
        let mut out = io::BufWriter::new(copy.file.try_clone()?);
        fill(&mut out, &mut hash)?;
        out.flush()?;
        copy.len_bytes = copy.file.metadata()?.len();
        copy.fnv1a64 = hash.finish();
        Ok(copy)
    }

    /// The body's length.
    pub fn len_bytes(&self) -> u64 {
        self.len_bytes
    }

    /// The FNV-1a 64 hash of the body.
    pub fn fnv1a64(&self) -> u64 {
        self.fnv1a64
    }

    /// Up to `len` bytes from `offset`, fewer at the end.
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Bytes> {
        let len = len.min(self.len_bytes.saturating_sub(offset) as usize);
        let mut buf = vec![0u8; len];
        let mut file = &self.file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut buf)?;
        Ok(Bytes::from(buf))
    }
}

impl Drop for UploadCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_reads_back_its_bytes_and_its_file_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        let body: Vec<u8> = (0..3 * COPY_CHUNK_BYTES + 17).map(|i| i as u8).collect();
        std::fs::write(&source, &body).unwrap();
        let copy = UploadCopy::of_file(&source, &dir.path().join("daemon")).unwrap();
        assert_eq!(copy.len_bytes(), body.len() as u64);
        assert_eq!(copy.fnv1a64(), Fnv1a64::of(&body));
        let at = 2 * COPY_CHUNK_BYTES as u64 - 5;
        assert_eq!(
            &copy.read_at(at, 100).unwrap()[..],
            &body[at as usize..][..100]
        );
        let tail = copy.read_at(body.len() as u64 - 3, 100).unwrap();
        assert_eq!(&tail[..], &body[body.len() - 3..]);
        let path = copy.path.clone();
        assert!(path.exists());
        drop(copy);
        assert!(!path.exists(), "the copy's file is removed with it");
        let streamed = UploadCopy::of_bytes(b"abc", &dir.path().join("daemon")).unwrap();
        assert_eq!(&streamed.read_at(0, 10).unwrap()[..], b"abc");
    }
}
