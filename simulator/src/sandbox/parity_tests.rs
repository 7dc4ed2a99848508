//! The in-memory container must fail and succeed exactly where the real one does: the same
//! seeded sequences of operations, over a small set of paths that collide often (files where
//! folders are expected, folders moved into themselves, handles held across a rename), run
//! on both, and every result and the final trees are compared.

use super::{Sandbox, Storage};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::io::Write as _;

const NAMES: [&str; 3] = ["a", "b", "c"];
const ROOTS: [&str; 3] = ["Documents", "tmp", "Library/Caches"];

fn path(rng: &mut ChaCha8Rng) -> String {
    let mut p = ROOTS[rng.random_range(0..ROOTS.len())].to_string();
    for _ in 0..rng.random_range(0..=3) {
        p.push('/');
        p.push_str(NAMES[rng.random_range(0..NAMES.len())]);
    }
    p
}

/// One operation on `sb`, described with its result.
fn step(sb: &Sandbox, rng: &mut ChaCha8Rng) -> String {
    let (p, q) = (path(rng), path(rng));
    let bytes = vec![rng.random::<u8>(); rng.random_range(0..5)];
    match rng.random_range(0..14) {
        0 => format!("read {p} {:?}", sb.read(&p)),
        1 => format!("write {p} {:?}", sb.write(&p, &bytes)),
        2 => format!("append {p} {:?}", sb.append(&p, &bytes)),
        3 => format!("exists {p} {}", sb.exists(&p)),
        4 => format!("size {p} {:?}", sb.size(&p)),
        5 => format!("move {p} {q} {:?}", sb.move_item(&p, &q)),
        6 => format!("replace {p} {q} {:?}", sb.replace_item(&p, &q)),
        7 => format!("copy {p} {q} {:?}", sb.copy_item(&p, &q)),
        8 => format!("remove {p} {:?}", sb.remove_item(&p)),
        9 => format!("mkdir {p} {:?}", sb.create_dir_all(&p)),
        10 => format!("list {p} {:?}", sb.list_dir(&p)),
        11 => format!("purge {:?}", sb.purge_tmp()),
        12 => {
            // A handle held across a move: its writes follow the file, as an inode's do.
            let held = sb.open_append(&p);
            let moved = sb.move_item(&p, &q);
            let wrote = held.map(|mut h| h.write_all(&bytes).is_ok());
            format!("held {p} -> {q} {moved:?} {wrote:?} {:?}", sb.read(&q))
        }
        _ => {
            let read = sb.open_read(&p).map(|r| {
                let mut buf = [0u8; 3];
                (r.len().ok(), r.read_at(1, &mut buf).ok(), buf)
            });
            format!("open_read {p} {read:?}")
        }
    }
}

fn tree(sb: &Sandbox) -> String {
    let mut out = String::new();
    for f in sb.all_files() {
        let _ = writeln!(out, "{f} {:?}", sb.read(&f));
    }
    let _ = write!(out, "usage {}", sb.usage_bytes());
    out
}

#[test]
fn memory_and_disk_give_the_same_results_for_the_same_operations() {
    let mut seen = String::new();
    for seed in 0..200u64 {
        let disk = Sandbox::new("U".into(), Storage::Disk).unwrap();
        let memory = Sandbox::new("U".into(), Storage::Memory).unwrap();
        let (mut r1, mut r2) = (
            ChaCha8Rng::seed_from_u64(seed),
            ChaCha8Rng::seed_from_u64(seed),
        );
        for i in 0..60 {
            let (on_disk, in_memory) = (step(&disk, &mut r1), step(&memory, &mut r2));
            assert_eq!(on_disk, in_memory, "seed {seed}, operation {i}");
            seen.push_str(&on_disk);
        }
        assert_eq!(
            tree(&disk),
            tree(&memory),
            "seed {seed}: the trees at the end"
        );
    }
    // The sequences are meant to reach every way a call can fail.
    for error in [
        "NotFound",
        "AlreadyExists",
        "not a directory",
        "is a directory",
        "directory not empty",
        "invalid input",
    ] {
        assert!(seen.contains(error), "no operation failed with {error}");
    }
}
