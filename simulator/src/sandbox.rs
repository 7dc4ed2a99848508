//! The app's container and the daemon's folder, on a real temporary directory that is
//! removed when the simulation is dropped (a panic included: `TempDir` cleans up on unwind).
//!
//! Apps see container paths: relative (`Documents/a.png`) or absolute under the
//! container's virtual root (`/var/mobile/Containers/Data/Application/<UUID>/Documents/a.png`).
//! Nothing in the history names the real temporary directory, so histories stay stable.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The folders every container starts with.
pub const CONTAINER_DIRS: [&str; 5] = [
    "Documents",
    "Library",
    "Library/Caches",
    "Library/Application Support",
    "tmp",
];

/// Where the daemon keeps in-flight downloads of an app (FILE-3: inside the container).
pub fn daemon_downloads_dir(bundle_id: &str) -> String {
    format!("Library/Caches/com.apple.nsurlsessiond/Downloads/{bundle_id}")
}

/// A file-system failure as the app sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsError {
    /// No such file or folder (NSFileNoSuchFileError, ENOENT).
    NotFound,
    /// The destination already exists (FileManager's move and copy refuse to overwrite).
    AlreadyExists,
    /// Data protection: the device is locked and the file's class is Complete (TF-06).
    PermissionDenied,
    /// The path leaves the container or is malformed.
    OutsideContainer,
    /// Any other I/O failure, with its description.
    Other(String),
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsError::NotFound => write!(f, "no such file"),
            FsError::AlreadyExists => write!(f, "file exists"),
            FsError::PermissionDenied => {
                write!(
                    f,
                    "permission denied (data protection: the device is locked)"
                )
            }
            FsError::OutsideContainer => write!(f, "path outside the container"),
            FsError::Other(m) => write!(f, "{m}"),
        }
    }
}

impl From<io::Error> for FsError {
    fn from(e: io::Error) -> FsError {
        match e.kind() {
            io::ErrorKind::NotFound => FsError::NotFound,
            io::ErrorKind::AlreadyExists => FsError::AlreadyExists,
            _ => FsError::Other(e.kind().to_string()),
        }
    }
}

/// The on-disk world of one simulation.
pub struct Sandbox {
    dir: tempfile::TempDir,
    container_uuid: String,
    /// Documents has NSFileProtectionComplete (the app's choice, TF-06).
    complete_protection: bool,
    /// The device is locked.
    locked: bool,
    /// Bytes the daemon wrote since the budgets were last looked at: past a bound, they are
    /// looked at before the next event (see `Limits::check`).
    written: std::sync::atomic::AtomicU64,
}

impl Sandbox {
    /// Creates a fresh sandbox; `container_uuid` names the container's virtual root.
    pub fn new(container_uuid: String) -> io::Result<Sandbox> {
        let dir = tempfile::Builder::new().prefix("bgsim-").tempdir()?;
        for d in CONTAINER_DIRS {
            fs::create_dir_all(dir.path().join("container").join(d))?;
        }
        fs::create_dir_all(dir.path().join("daemon"))?;
        Ok(Sandbox {
            dir,
            container_uuid,
            complete_protection: false,
            locked: false,
            written: Default::default(),
        })
    }

    /// TF-07 / FILE-4: the container gets a new absolute root (an app update, a reinstall);
    /// absolute paths under the old root no longer resolve. The root is derived from the old
    /// one, so the same run always moves to the same place.
    pub fn move_container(&mut self) {
        let h = crate::seed::fnv1a64(self.container_uuid.as_bytes());
        self.container_uuid = format!(
            "{:08X}-{:04X}-4{:03X}-A{:03X}-{:012X}",
            h >> 32,
            (h >> 16) & 0xFFFF,
            h & 0xFFF,
            (h >> 20) & 0xFFF,
            h.rotate_left(17) & 0xFFFF_FFFF_FFFF
        );
    }

    /// Gives Documents the Complete protection class: unreadable and unwritable while locked.
    pub fn set_complete_protection(&mut self, on: bool) {
        self.complete_protection = on;
    }

    /// Locks or unlocks the device.
    pub fn set_locked(&mut self, locked: bool) {
        self.locked = locked;
    }

    /// Whether the device is locked.
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Whether opening `app_path` for reading or writing is refused right now: the device
    /// is locked and the file is in Documents with the Complete class. Deleting a file or
    /// listing a folder needs no access to contents, so it is not refused.
    pub fn denies(&self, app_path: &str) -> bool {
        if !(self.locked && self.complete_protection) {
            return false;
        }
        let root = self.container_root();
        let rel = app_path
            .strip_prefix(&root)
            .map_or(app_path, |r| r.trim_start_matches('/'));
        rel == "Documents" || rel.starts_with("Documents/")
    }

    /// The container's absolute path as the app sees it.
    pub fn container_root(&self) -> String {
        format!(
            "/var/mobile/Containers/Data/Application/{}",
            self.container_uuid
        )
    }

    /// The real directory on this machine holding the container (for tests and checks).
    pub fn container_dir(&self) -> PathBuf {
        self.dir.path().join("container")
    }

    /// The real directory on this machine for the daemon's own files (outside the
    /// container: the app cannot see them).
    pub fn daemon_dir(&self) -> PathBuf {
        self.dir.path().join("daemon")
    }

    /// Maps an app path (relative, or absolute under the current root) to a real path.
    pub fn resolve(&self, app_path: &str) -> Result<PathBuf, FsError> {
        let root = self.container_root();
        let rel = if let Some(rest) = app_path.strip_prefix(&root) {
            rest.trim_start_matches('/')
        } else if app_path.starts_with('/') {
            // An absolute path under another root (a stale container) does not exist.
            return Err(FsError::NotFound);
        } else {
            app_path
        };
        let rel = Path::new(rel);
        if rel.as_os_str().is_empty()
            || rel.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(FsError::OutsideContainer);
        }
        Ok(self.container_dir().join(rel))
    }

    /// Reads a whole file.
    pub fn read(&self, app_path: &str) -> Result<Vec<u8>, FsError> {
        Ok(fs::read(self.resolve(app_path)?)?)
    }

    /// Writes a whole file, replacing it; the parent folder must exist.
    pub fn write(&self, app_path: &str, bytes: &[u8]) -> Result<(), FsError> {
        Ok(fs::write(self.resolve(app_path)?, bytes)?)
    }

    /// Appends to a file, creating it (parents included) if needed.
    pub fn append(&self, app_path: &str, bytes: &[u8]) -> Result<(), FsError> {
        use std::io::Write;
        Ok(self.open_append(app_path)?.write_all(bytes)?)
    }

    /// Opens a file to append to, creating it (parents included) if needed: for writing a
    /// large file piece by piece without reopening it.
    pub fn open_append(&self, app_path: &str) -> Result<fs::File, FsError> {
        let p = self.resolve(app_path)?;
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(fs::OpenOptions::new().create(true).append(true).open(p)?)
    }

    /// Whether a file or folder exists.
    pub fn exists(&self, app_path: &str) -> bool {
        self.resolve(app_path).map(|p| p.exists()).unwrap_or(false)
    }

    /// Size of a file in bytes.
    pub fn size(&self, app_path: &str) -> Result<u64, FsError> {
        Ok(fs::metadata(self.resolve(app_path)?)?.len())
    }

    /// FileManager.moveItem: fails if the destination exists or its folder is missing.
    pub fn move_item(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (from, to) = (self.resolve(from)?, self.resolve(to)?);
        if !from.exists() {
            return Err(FsError::NotFound);
        }
        if to.exists() {
            return Err(FsError::AlreadyExists);
        }
        Ok(fs::rename(from, to)?)
    }

    /// Atomic replace (rename(2) over an existing file), as `replaceItemAt` does.
    pub fn replace_item(&self, destination: &str, with: &str) -> Result<(), FsError> {
        let (dst, src) = (self.resolve(destination)?, self.resolve(with)?);
        if !src.exists() {
            return Err(FsError::NotFound);
        }
        Ok(fs::rename(src, dst)?)
    }

    /// FileManager.copyItem: fails if the destination exists.
    pub fn copy_item(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (from, to) = (self.resolve(from)?, self.resolve(to)?);
        if to.exists() {
            return Err(FsError::AlreadyExists);
        }
        fs::copy(from, to)?;
        Ok(())
    }

    /// Removes a file or a folder with its contents.
    pub fn remove_item(&self, app_path: &str) -> Result<(), FsError> {
        let p = self.resolve(app_path)?;
        if p.is_dir() {
            Ok(fs::remove_dir_all(p)?)
        } else {
            Ok(fs::remove_file(p)?)
        }
    }

    /// Creates a folder and its parents.
    pub fn create_dir_all(&self, app_path: &str) -> Result<(), FsError> {
        Ok(fs::create_dir_all(self.resolve(app_path)?)?)
    }

    /// Names in a folder, sorted.
    pub fn list_dir(&self, app_path: &str) -> Result<Vec<String>, FsError> {
        let mut names = fs::read_dir(self.resolve(app_path)?)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        names.sort();
        Ok(names)
    }

    /// Deletes every file under the app's tmp/ (disk-space pressure) and returns their
    /// container paths, sorted. The directory itself stays.
    pub fn purge_tmp(&self) -> Vec<String> {
        let mut files = Vec::new();
        if let Ok(tmp) = self.resolve("tmp") {
            collect_files(&tmp, "tmp", &mut files);
        }
        files.sort();
        for f in &files {
            let _ = self.remove_item(f);
        }
        files
    }

    /// The bytes of every file in the run's temporary folder: the container and the
    /// daemon's files (the disk budget's measure).
    pub fn usage_bytes(&self) -> u64 {
        folder_bytes(self.dir.path())
    }

    /// Counts `bytes` written to the run's folder (a download's piece).
    pub fn note_written(&self, bytes: u64) {
        self.written
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// The bytes counted by [`Sandbox::note_written`] since the last call, which resets it.
    pub fn take_written(&self) -> u64 {
        self.written.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    /// Every file in the container as a relative path, sorted (for checks and reports).
    pub fn all_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_files(&self.container_dir(), "", &mut out);
        out.sort();
        out
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

fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if e.path().is_dir() {
            collect_files(&e.path(), &rel, out);
        } else {
            out.push(rel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_has_standard_folders_and_is_removed_on_drop() {
        let sb = Sandbox::new("U".into()).unwrap();
        let real = sb.container_dir();
        for d in CONTAINER_DIRS {
            assert!(real.join(d).is_dir(), "{d}");
        }
        drop(sb);
        assert!(!real.exists());
    }

    #[test]
    fn absolute_paths_resolve_only_under_the_current_root() {
        let sb = Sandbox::new("AAA".into()).unwrap();
        sb.write("Documents/x", b"1").unwrap();
        let abs = format!("{}/Documents/x", sb.container_root());
        assert_eq!(sb.read(&abs).unwrap(), b"1");
        assert_eq!(
            sb.read("/var/mobile/Containers/Data/Application/BBB/Documents/x"),
            Err(FsError::NotFound)
        );
        assert_eq!(sb.read("../escape"), Err(FsError::OutsideContainer));
    }

    #[test]
    fn a_moved_container_keeps_relative_paths_but_not_old_absolute_ones() {
        let mut sb = Sandbox::new("AAA".into()).unwrap();
        sb.write("Documents/x", b"1").unwrap();
        let old = format!("{}/Documents/x", sb.container_root());
        sb.move_container();
        assert_ne!(sb.container_root(), old.trim_end_matches("/Documents/x"));
        assert_eq!(sb.read(&old), Err(FsError::NotFound));
        assert_eq!(sb.read("Documents/x").unwrap(), b"1");
        let new = format!("{}/Documents/x", sb.container_root());
        assert_eq!(sb.read(&new).unwrap(), b"1");
    }

    #[test]
    fn move_refuses_to_overwrite_but_replace_is_atomic() {
        let sb = Sandbox::new("U".into()).unwrap();
        sb.write("tmp/a", b"new").unwrap();
        sb.write("Documents/a", b"old").unwrap();
        assert_eq!(
            sb.move_item("tmp/a", "Documents/a"),
            Err(FsError::AlreadyExists)
        );
        sb.replace_item("Documents/a", "tmp/a").unwrap();
        assert_eq!(sb.read("Documents/a").unwrap(), b"new");
        assert!(!sb.exists("tmp/a"));
        assert_eq!(sb.move_item("tmp/a", "Documents/b"), Err(FsError::NotFound));
    }
}
