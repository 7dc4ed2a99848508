//! The app's container and the daemon's folder: on a real temporary directory that is
//! removed when the simulation is dropped, or in memory for fuzzing ([`Storage`]); both give
//! the same history (`parity_tests.rs`).
//!
//! Apps see container paths: relative (`Documents/a.png`) or absolute under the
//! container's virtual root (`/var/mobile/Containers/Data/Application/<UUID>/Documents/a.png`).
//! Nothing in the history names the real temporary directory, so histories stay stable.

mod disk;
mod files;
mod memory;
#[cfg(test)]
mod parity_tests;

pub use files::ReadAt;

use files::{files_below, Files, Kind};
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
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
    /// OS-4: the phone's storage is full (NSFileWriteOutOfSpaceError, 640; ENOSPC).
    NoSpace,
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
            FsError::NoSpace => write!(f, "no space left on device (640, ENOSPC)"),
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

/// Where a run keeps its files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// A real temporary directory: what `bgsim run` uses, so a failing run's files can be
    /// looked at while it is held.
    #[default]
    Disk,
    /// In memory: no system call per file operation, for fuzzing. The disk budget counts
    /// these bytes as it counts a folder's.
    Memory,
}

/// The files of one simulation.
pub struct Sandbox {
    files: Arc<dyn Files>,
    /// The real folder, when on disk.
    dir: Option<PathBuf>,
    container_uuid: String,
    /// Documents has NSFileProtectionComplete (the app's choice, TF-06).
    complete_protection: bool,
    /// The device is locked.
    locked: bool,
    /// OS-4: the phone's storage is full.
    full: bool,
    meter: Arc<Meter>,
}

/// Counts every byte written into a run's files, by the app and by the daemon: the files
/// only grow through writes, so their size is never above what was last measured plus
/// what was written since, and the folder need not be walked to know a run is within its
/// budget (a walk per look made a session of 10,000 downloads quadratic).
#[derive(Default)]
struct Meter {
    /// Bytes written since the budgets were last looked at (see `Limits::check`).
    since_look: AtomicU64,
    /// The last measured usage plus every byte written since: at least the real usage.
    ceiling: AtomicU64,
}

impl Meter {
    fn add(&self, bytes: u64) {
        self.since_look.fetch_add(bytes, Relaxed);
        self.ceiling.fetch_add(bytes, Relaxed);
    }
}

/// A writer whose bytes the run's meter counts.
struct Metered<W> {
    inner: W,
    meter: Arc<Meter>,
}

impl<W: io::Write> io::Write for Metered<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.meter.add(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn metered(inner: Box<dyn io::Write + Send>, meter: &Arc<Meter>) -> Box<dyn io::Write + Send> {
    Box::new(Metered {
        inner,
        meter: meter.clone(),
    })
}

/// The container's folder under the run's root.
const CONTAINER: &str = "container";
/// The daemon's folder under the run's root.
const DAEMON: &str = "daemon";

impl Sandbox {
    /// Creates a fresh sandbox; `container_uuid` names the container's virtual root.
    pub fn new(container_uuid: String, storage: Storage) -> io::Result<Sandbox> {
        let (files, dir): (Arc<dyn Files>, _) = match storage {
            Storage::Disk => {
                let disk = disk::Disk::new()?;
                let dir = disk.real("");
                (Arc::new(disk), Some(dir))
            }
            Storage::Memory => (Arc::new(memory::Memory::default()), None),
        };
        for d in CONTAINER_DIRS {
            files.create_dir_all(&format!("{CONTAINER}/{d}"))?;
        }
        files.create_dir_all(DAEMON)?;
        Ok(Sandbox {
            files,
            dir,
            container_uuid,
            complete_protection: false,
            locked: false,
            full: false,
            meter: Default::default(),
        })
    }

    /// Where this sandbox keeps its files.
    pub fn storage(&self) -> Storage {
        match self.dir {
            Some(_) => Storage::Disk,
            None => Storage::Memory,
        }
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

    /// OS-4: the phone's storage fills up, or space is freed.
    pub fn set_full(&mut self, full: bool) {
        self.full = full;
    }

    /// Whether the phone's storage is full: what would create or grow a file fails.
    pub fn is_full(&self) -> bool {
        self.full
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

    /// The real directory on this machine holding the container, when it is on disk (for
    /// tests and checks).
    pub fn container_dir(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(CONTAINER))
    }

    /// Maps an app path (relative, or absolute under the current root) to the run's path
    /// of it: `container/` and its normal components joined with `/`.
    fn resolve(&self, app_path: &str) -> Result<String, FsError> {
        let root = self.container_root();
        let rel = if let Some(rest) = app_path.strip_prefix(&root) {
            rest.trim_start_matches('/')
        } else if app_path.starts_with('/') {
            // An absolute path under another root (a stale container) does not exist.
            return Err(FsError::NotFound);
        } else {
            app_path
        };
        let mut out = String::from(CONTAINER);
        for c in Path::new(rel).components() {
            let Component::Normal(name) = c else {
                return Err(FsError::OutsideContainer);
            };
            let name = name.to_str().ok_or(FsError::OutsideContainer)?;
            out.push('/');
            out.push_str(name);
        }
        if out.len() == CONTAINER.len() {
            return Err(FsError::OutsideContainer);
        }
        Ok(out)
    }

    /// Reads a whole file.
    pub fn read(&self, app_path: &str) -> Result<Vec<u8>, FsError> {
        Ok(self.files.read(&self.resolve(app_path)?)?)
    }

    /// Opens a file to read pieces of (the checks compare a download with what was served
    /// this way, without holding either whole).
    pub fn open_read(&self, app_path: &str) -> Result<Box<dyn ReadAt>, FsError> {
        let path = self.resolve(app_path)?;
        match self.files.kind(&path)? {
            Kind::File(_) => Ok(self.files.open_read(&path)?),
            Kind::Dir => Err(FsError::NotFound),
        }
    }

    /// Writes a whole file, replacing it; the parent folder must exist.
    pub fn write(&self, app_path: &str, bytes: &[u8]) -> Result<(), FsError> {
        self.files.write(&self.resolve(app_path)?, bytes)?;
        self.meter.add(bytes.len() as u64);
        Ok(())
    }

    /// Appends to a file, creating it (parents included) if needed.
    pub fn append(&self, app_path: &str, bytes: &[u8]) -> Result<(), FsError> {
        Ok(self.open_append(app_path)?.write_all(bytes)?)
    }

    /// Opens a file to append to, creating it (parents included) if needed: for writing a
    /// large file piece by piece without reopening it.
    pub fn open_append(&self, app_path: &str) -> Result<Box<dyn io::Write + Send>, FsError> {
        let path = self.resolve(app_path)?;
        self.files.create_dir_all(files::parent(&path))?;
        Ok(metered(self.files.open_append(&path)?, &self.meter))
    }

    /// Whether a file or folder exists.
    pub fn exists(&self, app_path: &str) -> bool {
        self.kind(app_path).is_ok()
    }

    fn kind(&self, app_path: &str) -> Result<Kind, FsError> {
        Ok(self.files.kind(&self.resolve(app_path)?)?)
    }

    /// Size of a file in bytes (a folder's is 0: file systems disagree on it, and a history
    /// must not depend on which one the run was on).
    pub fn size(&self, app_path: &str) -> Result<u64, FsError> {
        Ok(match self.kind(app_path)? {
            Kind::File(len) => len,
            Kind::Dir => 0,
        })
    }

    /// FileManager.moveItem: fails if the destination exists or its folder is missing.
    pub fn move_item(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (from, to) = (self.resolve(from)?, self.resolve(to)?);
        if self.files.kind(&from).is_err() {
            return Err(FsError::NotFound);
        }
        if self.files.kind(&to).is_ok() {
            return Err(FsError::AlreadyExists);
        }
        Ok(self.files.rename(&from, &to)?)
    }

    /// Atomic replace (rename(2) over an existing file), as `replaceItemAt` does.
    pub fn replace_item(&self, destination: &str, with: &str) -> Result<(), FsError> {
        let (dst, src) = (self.resolve(destination)?, self.resolve(with)?);
        if self.files.kind(&src).is_err() {
            return Err(FsError::NotFound);
        }
        Ok(self.files.rename(&src, &dst)?)
    }

    /// FileManager.copyItem: fails if the destination exists.
    pub fn copy_item(&self, from: &str, to: &str) -> Result<(), FsError> {
        let (from, to) = (self.resolve(from)?, self.resolve(to)?);
        if self.files.kind(&to).is_ok() {
            return Err(FsError::AlreadyExists);
        }
        let copied = self.files.copy(&from, &to)?;
        self.meter.add(copied);
        Ok(())
    }

    /// Removes a file or a folder with its contents.
    pub fn remove_item(&self, app_path: &str) -> Result<(), FsError> {
        let p = self.resolve(app_path)?;
        match self.files.kind(&p) {
            Ok(Kind::Dir) => Ok(self.files.remove_dir_all(&p)?),
            _ => Ok(self.files.remove_file(&p)?),
        }
    }

    /// Creates a folder and its parents.
    pub fn create_dir_all(&self, app_path: &str) -> Result<(), FsError> {
        Ok(self.files.create_dir_all(&self.resolve(app_path)?)?)
    }

    /// Names in a folder, sorted.
    pub fn list_dir(&self, app_path: &str) -> Result<Vec<String>, FsError> {
        let mut names: Vec<String> = self
            .files
            .read_dir(&self.resolve(app_path)?)?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        names.sort();
        Ok(names)
    }

    /// Deletes every file under the app's tmp/ (disk-space pressure) and returns their
    /// container paths, sorted. The directory itself stays.
    pub fn purge_tmp(&self) -> Vec<String> {
        let mut files: Vec<String> = files_below(&*self.files, &format!("{CONTAINER}/tmp"))
            .into_iter()
            .map(|f| format!("tmp/{f}"))
            .collect();
        files.sort();
        for f in &files {
            let _ = self.remove_item(f);
        }
        files
    }

    /// OS-3: the app is deleted and installed again: every file of the container goes,
    /// the standard folders are made again empty, and the container gets a new root.
    /// Returns how many files there were.
    pub fn reinstall(&mut self) -> usize {
        let removed = files_below(&*self.files, CONTAINER).len();
        // The run's own folder: a failure here is the host's, and would leave files the
        // new install and the checks then see, never a crash.
        let _ = self.files.remove_dir_all(CONTAINER);
        for d in CONTAINER_DIRS {
            let _ = self.files.create_dir_all(&format!("{CONTAINER}/{d}"));
        }
        self.move_container();
        removed
    }

    /// The bytes of every file in the run's temporary folder: the container and the
    /// daemon's files (the disk budget's measure). A walk of the folder.
    pub fn usage_bytes(&self) -> u64 {
        self.files.usage_bytes()
    }

    /// Whether the run's files hold more than `limit_bytes`. The folder is walked only when
    /// the bytes written since the last walk could have taken it past the limit.
    pub fn usage_over(&self, limit_bytes: u64) -> bool {
        if self.meter.ceiling.load(Relaxed) <= limit_bytes {
            return false;
        }
        let usage = self.usage_bytes();
        self.meter.ceiling.store(usage, Relaxed);
        usage > limit_bytes
    }

    /// The bytes written into the run's files since the last call, which resets the count.
    pub fn take_written(&self) -> u64 {
        self.meter.since_look.swap(0, Relaxed)
    }

    /// Counts `bytes` towards the next look again (a look that was not yet due).
    pub fn keep_written(&self, bytes: u64) {
        self.meter.since_look.fetch_add(bytes, Relaxed);
    }

    /// Every file in the container as a relative path, sorted (for checks and reports).
    pub fn all_files(&self) -> Vec<String> {
        let mut out = files_below(&*self.files, CONTAINER);
        out.sort();
        out
    }

    /// The daemon's own folder, outside the container (the app cannot see it): for the
    /// daemon's copies of upload bodies.
    pub(crate) fn daemon_files(&self) -> DaemonFiles {
        DaemonFiles {
            files: self.files.clone(),
            meter: self.meter.clone(),
        }
    }
}

/// The daemon's folder of a run: files by name, outside the container.
#[derive(Clone)]
pub(crate) struct DaemonFiles {
    files: Arc<dyn Files>,
    meter: Arc<Meter>,
}

impl DaemonFiles {
    fn path(name: &str) -> String {
        format!("{DAEMON}/{name}")
    }

    /// Creates or truncates the file `name`, to append to.
    pub fn create(&self, name: &str) -> io::Result<Box<dyn io::Write + Send>> {
        let path = Self::path(name);
        self.files.write(&path, &[])?;
        Ok(metered(self.files.open_append(&path)?, &self.meter))
    }

    /// Opens the file `name` to read.
    pub fn open_read(&self, name: &str) -> io::Result<Box<dyn ReadAt>> {
        self.files.open_read(&Self::path(name))
    }

    /// Removes the file `name`.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        self.files.remove_file(&Self::path(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [Storage; 2] = [Storage::Disk, Storage::Memory];

    #[test]
    fn container_has_standard_folders_and_a_disk_one_is_removed_on_drop() {
        for storage in BOTH {
            let sb = Sandbox::new("U".into(), storage).unwrap();
            for d in CONTAINER_DIRS {
                assert_eq!(sb.kind(d), Ok(Kind::Dir), "{storage:?} {d}");
            }
            assert_eq!(sb.storage(), storage);
        }
        let sb = Sandbox::new("U".into(), Storage::Disk).unwrap();
        let real = sb.container_dir().expect("on disk");
        assert!(real.join("Library/Caches").is_dir());
        drop(sb);
        assert!(!real.exists());
        let memory = Sandbox::new("U".into(), Storage::Memory).unwrap();
        assert_eq!(memory.container_dir(), None);
    }

    #[test]
    fn absolute_paths_resolve_only_under_the_current_root() {
        for storage in BOTH {
            let sb = Sandbox::new("AAA".into(), storage).unwrap();
            sb.write("Documents/x", b"1").unwrap();
            let abs = format!("{}/Documents/x", sb.container_root());
            assert_eq!(sb.read(&abs).unwrap(), b"1");
            assert_eq!(
                sb.read("/var/mobile/Containers/Data/Application/BBB/Documents/x"),
                Err(FsError::NotFound)
            );
            assert_eq!(sb.read("../escape"), Err(FsError::OutsideContainer));
            assert_eq!(
                sb.read(&sb.container_root()),
                Err(FsError::OutsideContainer)
            );
        }
    }

    #[test]
    fn a_moved_container_keeps_relative_paths_but_not_old_absolute_ones() {
        for storage in BOTH {
            let mut sb = Sandbox::new("AAA".into(), storage).unwrap();
            sb.write("Documents/x", b"1").unwrap();
            let old = format!("{}/Documents/x", sb.container_root());
            sb.move_container();
            assert_ne!(sb.container_root(), old.trim_end_matches("/Documents/x"));
            assert_eq!(sb.read(&old), Err(FsError::NotFound));
            assert_eq!(sb.read("Documents/x").unwrap(), b"1");
            let new = format!("{}/Documents/x", sb.container_root());
            assert_eq!(sb.read(&new).unwrap(), b"1");
        }
    }

    #[test]
    fn the_disk_budget_sees_every_write_of_the_app_and_of_the_daemon() {
        use std::io::Write as _;
        for storage in BOTH {
            let sb = Sandbox::new("U".into(), storage).unwrap();
            sb.write("Documents/a", &[1; 10]).unwrap();
            assert!(!sb.usage_over(15), "{storage:?}");
            sb.append("Documents/a", &[2; 10]).unwrap();
            assert!(sb.usage_over(15), "{storage:?}: an append");
            sb.remove_item("Documents/a").unwrap();
            assert!(!sb.usage_over(15), "{storage:?}: a removal");
            sb.open_append("tmp/piece")
                .unwrap()
                .write_all(&[3; 20])
                .unwrap();
            assert!(sb.usage_over(15), "{storage:?}: the daemon's appends");
            sb.remove_item("tmp/piece").unwrap();
            sb.write("Documents/b", &[4; 10]).unwrap();
            sb.copy_item("Documents/b", "Documents/c").unwrap();
            assert!(sb.usage_over(15), "{storage:?}: a copy");
            let mut daemon = sb.daemon_files().create("copy").unwrap();
            sb.remove_item("Documents/c").unwrap();
            assert!(!sb.usage_over(15), "{storage:?}");
            daemon.write_all(&[5; 10]).unwrap();
            assert!(sb.usage_over(15), "{storage:?}: the daemon's own files");
        }
    }

    #[test]
    fn move_refuses_to_overwrite_but_replace_is_atomic() {
        for storage in BOTH {
            let sb = Sandbox::new("U".into(), storage).unwrap();
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
}
