//! What a sandbox needs of a file system, so one run's files can live on disk or in memory.
//!
//! Paths are relative to the run's root (`container/Documents/a.png`, `daemon/upload-3.body`),
//! made only of normal components. Every operation fails as the same call of `std::fs` fails
//! on Linux, with the same `io::ErrorKind`: the kind is what an app sees and what the history
//! records, so a run gives the same history whichever backend holds its files.

use std::io;

/// A file system rooted at one run's folder.
pub(crate) trait Files: Send + Sync {
    /// `std::fs::read`.
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// `std::fs::write`: creates or truncates; the parent folder must exist.
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()>;
    /// Opens a file to append to, creating it (not its parents).
    fn open_append(&self, path: &str) -> io::Result<Box<dyn io::Write + Send>>;
    /// Opens a file to read pieces of at any offset.
    fn open_read(&self, path: &str) -> io::Result<Box<dyn ReadAt>>;
    /// What is at `path`: `std::fs::metadata`.
    fn kind(&self, path: &str) -> io::Result<Kind>;
    /// `std::fs::rename`: replaces a file or an empty folder at `to`.
    fn rename(&self, from: &str, to: &str) -> io::Result<()>;
    /// `std::fs::copy` of a regular file; returns the bytes copied.
    fn copy(&self, from: &str, to: &str) -> io::Result<u64>;
    /// `std::fs::remove_file`.
    fn remove_file(&self, path: &str) -> io::Result<()>;
    /// `std::fs::remove_dir_all`.
    fn remove_dir_all(&self, path: &str) -> io::Result<()>;
    /// `std::fs::create_dir_all`.
    fn create_dir_all(&self, path: &str) -> io::Result<()>;
    /// The entries of a folder, unsorted, each with whether it is a folder.
    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, bool)>>;
    /// The bytes of every file under the root.
    fn usage_bytes(&self) -> u64;
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file of this many bytes.
    File(u64),
    /// A folder.
    Dir,
}

/// A file opened for reading at offsets.
pub trait ReadAt: Send {
    /// The file's length now.
    fn len(&self) -> io::Result<u64>;
    /// Whether the file is empty now.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Fills `buf` from `offset`; fewer bytes only at the end of the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// The folder holding `path` (the run's root, "", for a top-level name).
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Every file below `dir`, as paths relative to `dir` joined with `/` (empty folders are not
/// listed), in no particular order.
pub(crate) fn files_below(files: &dyn Files, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_string()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = files.read_dir(&folder) else {
            continue;
        };
        for (name, is_dir) in entries {
            let path = format!("{folder}/{name}");
            if is_dir {
                pending.push(path);
            } else {
                out.push(path[dir.len() + 1..].to_string());
            }
        }
    }
    out
}
