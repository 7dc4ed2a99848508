//! What the app did with files: the temporary file (FILE-1), the delivered bytes, error
//! bodies (HTTP-1), replaced destinations, and leftovers.

use super::facts::{Facts, TERMINAL};
use super::{Check, Evidence, Violation};
use crate::server::Content;
use bgsim_simulator::app::TaskKey;
use bgsim_simulator::trace::{Callback, FileOp, What};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) const TEMP_IN_CALLBACK: Check = Check {
    id: "temp-file-in-callback",
    statement: "the temporary file is not touched after didFinishDownloadingTo returns",
    explanation: "iOS deletes the downloaded file the moment didFinishDownloadingTo returns \
        (FILE-1). Moving or reading it later, from another queue or after a bridge round \
        trip, finds nothing: the download is lost although it succeeded (TF-02).",
    run: temp_in_callback,
};

pub(super) const DELIVERED: Check = Check {
    id: "file-delivered",
    statement: "a download the app calls done has its destination equal, byte for byte, to what the server served",
    explanation: "The app told its user the file is there (or, reporting nothing, took the \
        finished file as it was handed over). If the destination the user asked for is \
        missing, short, or holds other bytes, the user opens a broken file (TF-01, RD-07).",
    run: delivered,
};

pub(super) const NO_ERROR_BODY: Check = Check {
    id: "no-error-body",
    statement: "a non-2xx body never becomes a destination file or a success",
    explanation: "A 404 or 503 is not an error for a download task: its HTML body arrives \
        through didFinishDownloadingTo like any file (HTTP-1, HTTP-2). An app that does not \
        check the status code saves the error page as the user's file (TF-03).",
    run: no_error_body,
};

pub(super) const NO_LOST_FILE: Check = Check {
    id: "no-lost-file",
    statement: "replacing a destination never leaves no file where a good one was",
    explanation: "Deleting the old file and then copying the new one loses both when the \
        copy fails; a replacement has to be atomic (write beside, then rename).",
    run: no_lost_file,
};

pub(super) const NO_ORPHANS: Check = Check {
    id: "no-orphan-files",
    statement: "no temporary or partial file of the app's is left once all downloads are over",
    explanation: "Partial files, staging copies and unused resume data fill the user's disk \
        and are never cleaned up by iOS once the downloads are finished (TF-09).",
    run: no_orphans,
};

/// The last record of the callback that `i` happened in (or `i` itself).
fn temp_in_callback(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    // One backward pass: for each path, the first file operation after the record at hand
    // that touched it (as its source or its destination).
    let mut next_touch: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (d, r) in f.records.iter().enumerate().rev() {
        match &r.what {
            What::File { path, to, .. } => {
                next_touch.insert(f.normalise(path), d);
                if let Some(to) = to {
                    next_touch.insert(f.normalise(to), d);
                }
            }
            What::TempDeleted { task, path, .. } => {
                let Some(&t) = next_touch.get(path) else {
                    continue;
                };
                let finished = f
                    .tasks
                    .get(task)
                    .and_then(|t| t.finished.as_ref())
                    .map(|x| x.0);
                let mut events: Vec<usize> = finished.into_iter().collect();
                events.extend([d, t]);
                out.push(Violation::new(
                    TEMP_IN_CALLBACK.id,
                    format!("the app used the temporary file of {task} after the callback returned"),
                    events,
                ));
            }
            _ => {}
        }
    }
    // Reported in history order, as the forward scan did.
    out.reverse();
    out
}

/// The bytes the server serves for a fixture URL, if it is one.
/// Every version the fixture at `url` had during the run, the current one first: a
/// download that finished before the resource changed holds an older one, rightly.
pub(super) fn served(e: &Evidence<'_>, url: &str) -> Option<Vec<Content>> {
    let path = crate::world::fixture_path_of(url)?;
    e.server.with_fixtures(|set| {
        let fx = set.get(&path)?;
        let current = fx.current_index();
        let mut versions = vec![fx.current().content.clone()];
        let older = fx
            .versions()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != current);
        versions.extend(older.map(|(_, v)| v.content.clone()));
        Some(versions)
    })
}

/// The piece of a file compared at a time: a multi-gigabyte download is checked without
/// holding it (or what the server served) in memory.
const COMPARE_CHUNK_BYTES: usize = 1 << 20;

/// Compares a container file with served content; None when equal, else what differs.
/// The container does not change once a run has ended, so each (file, content) pair is
/// compared once per run, however many checks ask.
pub(crate) fn compare(e: &Evidence<'_>, file: &str, content: &Content) -> Option<String> {
    let known = e.compared.borrow().iter().find_map(|(f, c, found)| {
        (f == file && c == content).then(|| found.clone())
    });
    if let Some(found) = known {
        return found;
    }
    let found = compare_now(e, file, content);
    e.compared
        .borrow_mut()
        .push((file.to_owned(), content.clone(), found.clone()));
    found
}

fn compare_now(e: &Evidence<'_>, file: &str, content: &Content) -> Option<String> {
    let missing = || Some(format!("{file} does not exist"));
    let Ok(reader) = e.sandbox.open_read(file) else {
        return missing();
    };
    let Ok(size) = reader.len() else {
        return missing();
    };
    if size != content.len() {
        return Some(format!(
            "{file} has {size} bytes, the server served {}",
            content.len()
        ));
    }
    let mut buf = vec![0u8; COMPARE_CHUNK_BYTES.min(size as usize)];
    let mut offset = 0u64;
    while offset < size {
        let want = (size - offset).min(COMPARE_CHUNK_BYTES as u64) as usize;
        if reader.read_at(offset, &mut buf[..want]).ok() != Some(want) {
            return Some(format!("{file} could not be read at byte {offset}"));
        }
        let expected = content.read_at(offset, want);
        // Equal slices are the rule: compare them whole (memcmp), and look for the first
        // difference only when there is one.
        if buf[..want] != expected[..] {
            let at = buf.iter().zip(expected.iter()).position(|(a, b)| a != b);
            let first = offset + at.unwrap_or(want) as u64;
            return Some(format!(
                "{file} differs from what the server served at byte {first}"
            ));
        }
        offset += want as u64;
    }
    None
}

/// Compares a container file with every version of a resource (the current one first):
/// None when it holds one of them, else what differs from the current one.
pub(super) fn compare_versions(
    e: &Evidence<'_>,
    file: &str,
    versions: &[Content],
) -> Option<String> {
    let mut problems = versions.iter().map(|content| compare(e, file, content));
    let first = problems.next()??;
    problems.all(|p| p.is_some()).then_some(first)
}

/// A download the app accepted as done: which one, where it should be, and when.
pub(super) struct Claim {
    label: String,
    request: Option<usize>,
    url: String,
    done: usize,
}

/// What the app claims is done, by destination: the downloads it reports done, and, for
/// requests it reports nothing about, the ones whose 2xx file and nil completion it took
/// (its only way to accept a download). A later download to the same destination rightly
/// replaces an earlier one, so each destination keeps only its last claim.
pub(super) fn claims(f: &Facts<'_>) -> BTreeMap<String, Claim> {
    let mut out: BTreeMap<String, Claim> = Default::default();
    let mut add = |dest: &str, claim: Claim| {
        let dest = f.normalise(dest);
        if out.get(&dest).is_none_or(|c| c.done < claim.done) {
            out.insert(dest, claim);
        }
    };
    for d in &f.downloads {
        if let (Some((done, state)), Some(dest), Some(url)) =
            (d.states.last(), &d.destination, &d.url)
        {
            if state == "done" {
                let claim = Claim {
                    label: d.key.clone(),
                    request: d.request,
                    url: url.clone(),
                    done: *done,
                };
                add(dest, claim);
            }
        }
    }
    for (i, r) in f.records.iter().enumerate() {
        let What::Callback {
            callback: Callback::UserTappedDownload { url, destination },
            ..
        } = &r.what
        else {
            continue;
        };
        if f.download_of_request(i).is_some() || !f.of_this_install(i) {
            continue;
        }
        let accepted = f
            .tasks_created_in(i)
            .filter_map(|(key, t)| {
                let (_, _, status) = t.finished.as_ref()?;
                let done = t.completion_delivered?;
                (200..300).contains(status).then_some((done, key))
            })
            .max();
        if let Some((done, key)) = accepted {
            let claim = Claim {
                label: format!("the download of {key}"),
                request: Some(i),
                url: url.clone(),
                done,
            };
            add(destination, claim);
        }
    }
    out
}

fn delivered(f: &Facts<'_>, e: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for (dest, claim) in claims(f) {
        let Some(versions) = served(e, &claim.url) else {
            continue;
        };
        if let Some(problem) = compare_versions(e, &dest, &versions) {
            out.push(Violation::new(
                DELIVERED.id,
                format!("the app took {} as done, but {problem}", claim.label),
                claim.request.into_iter().chain([claim.done]).collect(),
            ));
        }
    }
    out
}

fn no_error_body(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for (key, t) in &f.tasks {
        let Some((fin, location, status)) = &t.finished else {
            continue;
        };
        if (200..300).contains(status) {
            continue;
        }
        // Kept as a file: moved or copied out of the temporary location.
        let kept = (*fin..f.records.len())
            .take_while(|&j| j == *fin || f.within[j] == Some(*fin))
            .find(|&j| {
                matches!(&f.records[j].what, What::File { op: FileOp::Move | FileOp::Copy | FileOp::Replace, path, error: None, .. } if f.normalise(path) == *location)
            });
        if let Some(k) = kept {
            out.push(Violation::new(
                NO_ERROR_BODY.id,
                format!("the {status} body of {key} was kept as a file"),
                vec![*fin, k],
            ));
        }
    }
    // Reported as a success: the last response the app got for the download before it
    // said done was not 2xx (an earlier failed attempt that was retried is fine).
    for d in &f.downloads {
        for (done, _) in d.states.iter().filter(|(_, s)| s == "done") {
            let last = f
                .tasks_described(&d.key)
                .filter_map(|(k, t)| t.finished.as_ref().map(|(i, _, st)| (*i, *st, k)))
                .filter(|(i, _, _)| i < done)
                .max_by_key(|(i, _, _)| *i);
            if let Some((fin, status, _)) = last.filter(|(_, st, _)| !(200..300).contains(st)) {
                out.push(Violation::new(
                    NO_ERROR_BODY.id,
                    format!("the app calls {} done after a {status} response", d.key),
                    vec![fin, *done],
                ));
            }
        }
    }
    out
}

fn no_lost_file(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    // Paths holding downloaded bytes: what was moved or copied out of a temporary
    // location, and onwards (a staging file renamed over the destination).
    let mut downloaded: BTreeSet<String> = f
        .tasks
        .values()
        .filter_map(|t| t.finished.as_ref().map(|(_, location, _)| location.clone()))
        .collect();
    // Where each path was restored (a file moved, copied or renamed onto it), in order.
    let mut restores: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (j, r) in f.records.iter().enumerate() {
        if let What::File {
            op: FileOp::Move | FileOp::Copy | FileOp::Replace,
            to: Some(t),
            error: None,
            ..
        } = &r.what
        {
            restores.entry(f.normalise(t)).or_default().push(j);
        }
    }
    for (i, r) in f.records.iter().enumerate() {
        let What::File {
            op,
            path,
            to,
            error: None,
        } = &r.what
        else {
            continue;
        };
        let p = f.normalise(path);
        match (op, to) {
            (FileOp::Move | FileOp::Copy | FileOp::Replace, Some(to))
                if downloaded.contains(&p) =>
            {
                if *op != FileOp::Copy {
                    downloaded.remove(&p);
                }
                downloaded.insert(f.normalise(to));
            }
            (FileOp::Remove, _) if downloaded.remove(&p) => {
                // Restored later in the same callback.
                let end = f.callback_run_end(i);
                let restored = restores.get(&p).is_some_and(|at| {
                    let next = at.partition_point(|&j| j <= i);
                    at.get(next).is_some_and(|&j| j <= end)
                });
                if !restored {
                    let events = (i..=end)
                        .filter(|&j| {
                            matches!(f.records[j].what, What::File { .. } | What::Panicked { .. })
                        })
                        .collect();
                    out.push(Violation::new(
                        NO_LOST_FILE.id,
                        format!("{p} held a downloaded file, was deleted, and nothing replaced it"),
                        events,
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Files the app or the daemon leaves while downloading.
fn is_leftover(path: &str) -> bool {
    path.starts_with("tmp/")
        || path.starts_with("Library/Caches/com.apple.nsurlsessiond/")
        || [".partial", ".tmp", ".download", ".bgsim-partial"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// Whether the leftovers may be an extension's rather than the app's: one of its tasks
/// ended without its completion reaching any process (the daemon still holds the file for
/// whoever connects the session next: ID-5, ORD-7), or the extension itself got resume
/// data, whose partial file the scripted extension never uses.
fn extension_files_held(f: &Facts<'_>) -> bool {
    let ended_well: BTreeSet<&TaskKey> = (f.records.iter())
        .filter_map(|r| match &r.what {
            What::Callback {
                callback: Callback::DidCompleteWithError { task, .. },
                ..
            } => Some(task),
            What::ExtensionGot(Callback::DidCompleteWithError { task, error })
                if error.as_ref().is_none_or(|e| e.resume_data.is_none()) =>
            {
                Some(task)
            }
            _ => None,
        })
        .collect();
    f.records.iter().any(|r| {
        matches!(&r.what, What::ExtensionDownload { task: Some(task), .. } if !ended_well.contains(task))
    })
}

fn no_orphans(f: &Facts<'_>, e: &Evidence<'_>) -> Vec<Violation> {
    let all_over = f.downloads.iter().all(|d| {
        d.states
            .last()
            .is_some_and(|(_, s)| TERMINAL.contains(&s.as_str()))
    }) && f.tasks.values().all(|t| t.settled_for_app());
    if !e.settled || !all_over || extension_files_held(f) {
        return Vec::new();
    }
    let last = f.records.len().saturating_sub(1);
    e.sandbox
        .all_files()
        .into_iter()
        .filter(|p| is_leftover(p))
        .map(|p| {
            Violation::new(
                NO_ORPHANS.id,
                format!("{p} is left behind with every download over"),
                vec![last],
            )
        })
        .collect()
}
