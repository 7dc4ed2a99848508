//! A run's files in a real temporary directory, removed when the run is dropped (a panic
//! included: `TempDir` cleans up on unwind).

use super::files::{Files, Kind, ReadAt};
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The files of one run under a fresh `bgsim-*` temporary directory.
pub(crate) struct Disk {
    dir: tempfile::TempDir,
}

impl Disk {
    pub fn new() -> io::Result<Disk> {
        let dir = tempfile::Builder::new().prefix("bgsim-").tempdir()?;
        Ok(Disk { dir })
    }

    /// The real path of a run path.
    pub fn real(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
    }
}

impl Files for Disk {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        fs::read(self.real(path))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.real(path), bytes)
    }

    fn open_append(&self, path: &str) -> io::Result<Box<dyn io::Write + Send>> {
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.real(path))?;
        Ok(Box::new(file))
    }

    fn open_read(&self, path: &str) -> io::Result<Box<dyn ReadAt>> {
        Ok(Box::new(File::open(self.real(path))?))
    }

    fn kind(&self, path: &str) -> io::Result<Kind> {
        let m = fs::metadata(self.real(path))?;
        Ok(if m.is_dir() {
            Kind::Dir
        } else {
            Kind::File(m.len())
        })
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.real(from), self.real(to))
    }

    fn copy(&self, from: &str, to: &str) -> io::Result<u64> {
        fs::copy(self.real(from), self.real(to))
    }

    fn remove_file(&self, path: &str) -> io::Result<()> {
        fs::remove_file(self.real(path))
    }

    fn remove_dir_all(&self, path: &str) -> io::Result<()> {
        fs::remove_dir_all(self.real(path))
    }

    fn create_dir_all(&self, path: &str) -> io::Result<()> {
        fs::create_dir_all(self.real(path))
    }

    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, bool)>> {
        fs::read_dir(self.real(path))?
            .map(|e| {
                let e = e?;
                let is_dir = e.file_type()?.is_dir();
                Ok((e.file_name().to_string_lossy().into_owned(), is_dir))
            })
            .collect()
    }

    fn usage_bytes(&self) -> u64 {
        folder_bytes(self.dir.path())
    }
}

impl ReadAt for File {
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match FileExt::read_at(self, &mut buf[filled..], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

/// The bytes of every file below `dir` (symbolic links not followed).
fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}
