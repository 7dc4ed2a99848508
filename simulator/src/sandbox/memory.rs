//! A run's files in memory: for fuzzing, where thousands of short runs a second would spend
//! most of their time creating and removing folders in the kernel.
//!
//! It follows the Linux semantics of the `std::fs` calls the sandbox makes, error kinds
//! included (`sandbox/parity_tests.rs` runs the same operations on both backends and
//! compares every result). A file is an inode shared by the folder entry and any open
//! handle: a file renamed or removed while a handle is open keeps taking its writes, as on
//! disk.

use super::files::{parent, Files, Kind, ReadAt};
use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

type Inode = Arc<Mutex<Vec<u8>>>;

#[derive(Clone)]
enum Node {
    Dir,
    File(Inode),
}

/// Every folder and file of one run, by path relative to the run's root (which is an
/// implicit folder, the empty path).
#[derive(Default)]
pub(crate) struct Memory {
    tree: Mutex<BTreeMap<String, Node>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while a run's files were changed leaves them as the panic found them; the
    // run is over then anyway, so the poison carries no information worth another panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// True when `path` is strictly inside the folder `dir`.
fn is_inside(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

struct Tree<'a>(MutexGuard<'a, BTreeMap<String, Node>>);

impl Tree<'_> {
    fn get(&self, path: &str) -> Option<&Node> {
        if path.is_empty() {
            return Some(&Node::Dir);
        }
        self.0.get(path)
    }

    /// Path resolution up to the last component: every folder on the way must exist.
    fn walk_to_parent(&self, path: &str) -> io::Result<()> {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            match self.get(&path[..end]) {
                None => return Err(ErrorKind::NotFound.into()),
                Some(Node::File(_)) => return Err(ErrorKind::NotADirectory.into()),
                Some(Node::Dir) => {}
            }
            end += 1;
        }
        Ok(())
    }

    /// The node at `path`, after resolving its folders.
    fn lookup(&self, path: &str) -> io::Result<&Node> {
        self.walk_to_parent(path)?;
        self.get(path).ok_or_else(|| ErrorKind::NotFound.into())
    }

    fn is_dir(&self, path: &str) -> bool {
        matches!(self.lookup(path), Ok(Node::Dir))
    }

    /// The paths strictly inside the folder `dir`, deepest last.
    fn below(&self, dir: &str) -> Vec<String> {
        let from = format!("{dir}/");
        self.0
            .range(from.clone()..)
            .take_while(|(k, _)| k.starts_with(&from))
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn mkdir(&mut self, path: &str) -> io::Result<()> {
        self.walk_to_parent(path)?;
        if self.get(path).is_some() {
            return Err(ErrorKind::AlreadyExists.into());
        }
        self.0.insert(path.to_string(), Node::Dir);
        Ok(())
    }

    /// The inode of a file opened for writing: created when missing (O_CREAT), emptied
    /// when `truncate` (O_TRUNC).
    fn open_for_writing(&mut self, path: &str, truncate: bool) -> io::Result<Inode> {
        self.walk_to_parent(path)?;
        match self.get(path) {
            Some(Node::Dir) => Err(ErrorKind::IsADirectory.into()),
            Some(Node::File(inode)) => {
                let inode = inode.clone();
                if truncate {
                    lock(&inode).clear();
                }
                Ok(inode)
            }
            None => {
                let inode = Inode::default();
                self.0.insert(path.to_string(), Node::File(inode.clone()));
                Ok(inode)
            }
        }
    }

    /// Moves the node at `from` and everything below it to `to` (which must be free).
    fn move_subtree(&mut self, from: &str, to: &str) {
        for old in std::iter::once(from.to_string()).chain(self.below(from)) {
            let node = self.0.remove(&old).expect("listed just now");
            self.0.insert(format!("{to}{}", &old[from.len()..]), node);
        }
    }
}

impl Memory {
    fn tree(&self) -> Tree<'_> {
        Tree(lock(&self.tree))
    }
}

impl Files for Memory {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.tree().lookup(path)? {
            // open(2) of a folder for reading succeeds; read(2) then fails.
            Node::Dir => Err(ErrorKind::IsADirectory.into()),
            Node::File(inode) => Ok(lock(inode).clone()),
        }
    }

    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let inode = self.tree().open_for_writing(path, true)?;
        lock(&inode).extend_from_slice(bytes);
        Ok(())
    }

    fn open_append(&self, path: &str) -> io::Result<Box<dyn io::Write + Send>> {
        let inode = self.tree().open_for_writing(path, false)?;
        Ok(Box::new(Appender(inode)))
    }

    fn open_read(&self, path: &str) -> io::Result<Box<dyn ReadAt>> {
        match self.tree().lookup(path)? {
            Node::Dir => Err(ErrorKind::IsADirectory.into()),
            Node::File(inode) => Ok(Box::new(Reader(inode.clone()))),
        }
    }

    fn kind(&self, path: &str) -> io::Result<Kind> {
        Ok(match self.tree().lookup(path)? {
            Node::Dir => Kind::Dir,
            Node::File(inode) => Kind::File(lock(inode).len() as u64),
        })
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let mut tree = self.tree();
        let source = tree.lookup(from)?.clone();
        tree.walk_to_parent(to)?;
        if from == to {
            return Ok(());
        }
        // The checks of rename(2), in the kernel's order: a folder cannot go inside itself,
        // and a target cannot be a folder holding the source.
        if is_inside(to, from) {
            return Err(ErrorKind::InvalidInput.into());
        }
        if is_inside(from, to) {
            return Err(ErrorKind::DirectoryNotEmpty.into());
        }
        match (&source, tree.get(to)) {
            (_, None) => {}
            (Node::Dir, Some(Node::File(_))) => return Err(ErrorKind::NotADirectory.into()),
            (Node::File(_), Some(Node::Dir)) => return Err(ErrorKind::IsADirectory.into()),
            (Node::Dir, Some(Node::Dir)) if !tree.below(to).is_empty() => {
                return Err(ErrorKind::DirectoryNotEmpty.into())
            }
            (_, Some(_)) => {}
        }
        tree.0.remove(to);
        tree.move_subtree(from, to);
        Ok(())
    }

    fn copy(&self, from: &str, to: &str) -> io::Result<u64> {
        let mut tree = self.tree();
        let bytes = match tree.lookup(from)? {
            // std::fs::copy refuses anything but a regular file as its source.
            Node::Dir => return Err(ErrorKind::InvalidInput.into()),
            Node::File(inode) => lock(inode).clone(),
        };
        let target = tree.open_for_writing(to, true)?;
        let copied = bytes.len() as u64;
        *lock(&target) = bytes;
        Ok(copied)
    }

    fn remove_file(&self, path: &str) -> io::Result<()> {
        let mut tree = self.tree();
        match tree.lookup(path)? {
            Node::Dir => Err(ErrorKind::IsADirectory.into()),
            Node::File(_) => {
                tree.0.remove(path);
                Ok(())
            }
        }
    }

    fn remove_dir_all(&self, path: &str) -> io::Result<()> {
        let mut tree = self.tree();
        if let Node::File(_) = tree.lookup(path)? {
            return Err(ErrorKind::NotADirectory.into());
        }
        for p in tree.below(path) {
            tree.0.remove(&p);
        }
        tree.0.remove(path);
        Ok(())
    }

    fn create_dir_all(&self, path: &str) -> io::Result<()> {
        // std::fs::create_dir_all: make the folder; if its parent is missing, make that first.
        let mut tree = self.tree();
        let mut missing = Vec::new();
        let mut at = path;
        loop {
            if at.is_empty() {
                break;
            }
            match tree.mkdir(at) {
                Ok(()) => break,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    missing.push(at);
                    at = parent(at);
                }
                Err(_) if tree.is_dir(at) => break,
                Err(e) => return Err(e),
            }
        }
        for at in missing.into_iter().rev() {
            match tree.mkdir(at) {
                Ok(()) => {}
                Err(_) if tree.is_dir(at) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read_dir(&self, path: &str) -> io::Result<Vec<(String, bool)>> {
        let tree = self.tree();
        if let Node::File(_) = tree.lookup(path)? {
            return Err(ErrorKind::NotADirectory.into());
        }
        let children = tree
            .below(path)
            .into_iter()
            .filter(|p| parent(p) == path)
            .map(|p| {
                let is_dir = matches!(tree.get(&p), Some(Node::Dir));
                (name(&p).to_string(), is_dir)
            })
            .collect();
        Ok(children)
    }

    fn usage_bytes(&self) -> u64 {
        let tree = self.tree();
        tree.0
            .values()
            .map(|n| match n {
                Node::File(inode) => lock(inode).len() as u64,
                Node::Dir => 0,
            })
            .sum()
    }
}

struct Appender(Inode);

impl io::Write for Appender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Reader(Inode);

impl ReadAt for Reader {
    fn len(&self) -> io::Result<u64> {
        Ok(lock(&self.0).len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let bytes = lock(&self.0);
        let start = (offset.min(bytes.len() as u64)) as usize;
        let n = buf.len().min(bytes.len() - start);
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}
