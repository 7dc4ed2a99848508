//! The daemon's own copy of an upload's body (upload.rs: when the file is read): a file in
//! the daemon's folder of the run, outside the container, read one grant at a time, so an
//! upload never sits in memory whole. The file goes when the copy is dropped: the task
//! completed, or a fresh copy replaced it.

use crate::content::memo::StreamHash;
use crate::sandbox::{DaemonFiles, ReadAt, Sandbox};
use bytes::Bytes;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

/// The piece read and hashed at a time while copying.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// Names copies uniquely within this process, so a copy never removes its successor's
/// file. Never part of a history.
static NEXT_COPY: AtomicU64 = AtomicU64::new(0);

/// One copy of an upload's body in the daemon's folder.
pub(crate) struct UploadCopy {
    folder: DaemonFiles,
    name: String,
    file: Box<dyn ReadAt>,
    len_bytes: u64,
    fnv1a64: u64,
}

impl std::fmt::Debug for UploadCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadCopy")
            .field("name", &self.name)
            .field("len_bytes", &self.len_bytes)
            .finish()
    }
}

impl UploadCopy {
    /// Copies the app's file at `from` (a container path) into the daemon's folder,
    /// hashing it on the way.
    pub fn of_file(sandbox: &Sandbox, from: &str) -> io::Result<UploadCopy> {
        let source = sandbox
            .open_read(from)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let mut buf = vec![0u8; COPY_CHUNK_BYTES.min(source.len()? as usize)];
        Self::write_new(sandbox.daemon_files(), |out, hash| {
            let mut offset = 0;
            loop {
                let n = source.read_at(offset, &mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                hash.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                offset += n as u64;
            }
        })
    }

    /// Writes `bytes` (a stream's body) to a new file in the daemon's folder.
    pub fn of_bytes(sandbox: &Sandbox, bytes: &[u8]) -> io::Result<UploadCopy> {
        Self::write_new(sandbox.daemon_files(), |out, hash| {
            hash.update(bytes);
            out.write_all(bytes)
        })
    }

    fn write_new(
        folder: DaemonFiles,
        fill: impl FnOnce(&mut dyn Write, &mut StreamHash) -> io::Result<()>,
    ) -> io::Result<UploadCopy> {
        let n = NEXT_COPY.fetch_add(1, Ordering::Relaxed);
        let name = format!("upload-{n}.body");
        let mut out = io::BufWriter::new(folder.create(&name)?);
        // From here on the copy owns the file: an error below removes it.
        let file = folder.open_read(&name);
        let mut copy = UploadCopy {
            file: match file {
                Ok(file) => file,
                Err(e) => {
                    let _ = folder.remove(&name);
                    return Err(e);
                }
            },
            folder,
            name,
            len_bytes: 0,
            fnv1a64: 0,
        };
        // The bytes were most often hashed a moment ago, when the user picked them.
        let mut hash = StreamHash::new();
        fill(&mut out, &mut hash)?;
        out.flush()?;
        copy.len_bytes = copy.file.len()?;
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
        let n = self.file.read_at(offset, &mut buf)?;
        if n < len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(Bytes::from(buf))
    }
}

impl Drop for UploadCopy {
    fn drop(&mut self) {
        let _ = self.folder.remove(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Fnv1a64;
    use crate::sandbox::Storage;

    #[test]
    fn a_copy_reads_back_its_bytes_and_its_file_goes_with_it() {
        for storage in [Storage::Disk, Storage::Memory] {
            let sandbox = Sandbox::new("U".into(), storage).unwrap();
            let body: Vec<u8> = (0..3 * COPY_CHUNK_BYTES + 17).map(|i| i as u8).collect();
            sandbox.write("Documents/source", &body).unwrap();
            let before = sandbox.usage_bytes();
            let copy = UploadCopy::of_file(&sandbox, "Documents/source").unwrap();
            assert_eq!(copy.len_bytes(), body.len() as u64);
            assert_eq!(copy.fnv1a64(), Fnv1a64::of(&body));
            let at = 2 * COPY_CHUNK_BYTES as u64 - 5;
            assert_eq!(
                &copy.read_at(at, 100).unwrap()[..],
                &body[at as usize..][..100]
            );
            let tail = copy.read_at(body.len() as u64 - 3, 100).unwrap();
            assert_eq!(&tail[..], &body[body.len() - 3..]);
            assert_eq!(
                sandbox.usage_bytes(),
                2 * before,
                "{storage:?}: the copy is counted"
            );
            drop(copy);
            assert_eq!(
                sandbox.usage_bytes(),
                before,
                "{storage:?}: the copy's file goes with it"
            );
            let streamed = UploadCopy::of_bytes(&sandbox, b"abc").unwrap();
            assert_eq!(&streamed.read_at(0, 10).unwrap()[..], b"abc");
        }
    }
}
