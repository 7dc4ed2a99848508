//! What a download must not throw away once it has it: the finished file the daemon handed
//! over (docs/bugs.md#tf-05, TF-06, TF-07), and the resume data that keeps its bytes
//! (docs/bugs.md#rd-04).

use super::facts::{Facts, TaskLife};
use super::files::{claims, compare_versions, served};
use super::{Check, Evidence, Violation};
use bgsim_simulator::app::TaskKey;
use bgsim_simulator::trace::{Callback, What};
use std::collections::{BTreeMap, BTreeSet};

pub(super) const FINISHED_FILE_KEPT: Check = Check {
    id: "finished-file-kept",
    statement: "a download handed a 2xx file ends with that file at its destination, once the device is unlocked and the app has healed",
    explanation: "didFinishDownloadingTo handed the app the whole file, and all that was \
        left was to move it into place. An app that moves it into a folder it never \
        created (TF-05), gives up because the locked device refused the move (TF-06), or \
        moves it to an absolute path of an old container (TF-07) turns a good transfer \
        into a failure, and the user downloads it again or never gets it.",
    run: finished_file_kept,
};

pub(super) const RESUME_DATA_USED: Check = Check {
    id: "resume-data-used",
    statement:
        "a download restarted while the app holds resume data for it restarts from that data",
    explanation: "Resume data reaches the app only once, in a running process (RES-2, \
        RES-3). An app that does not keep it (in memory only, or not persisted before it is \
        killed) starts the download again from byte 0 and throws the bytes already \
        transferred away (RD-04).",
    run: resume_data_used,
};

/// The tasks that worked for the download asked for in request callback `request`: those
/// described with the app's key for it, or, for an app that reports nothing, those created
/// inside the request.
fn tasks_of<'f>(f: &'f Facts<'_>, request: usize) -> Vec<(&'f TaskKey, &'f TaskLife)> {
    match f.download_of_request(request) {
        Some(d) => f.tasks_described(&d.key).collect(),
        None => f.tasks_created_in(request).collect(),
    }
}

fn finished_file_kept(f: &Facts<'_>, e: &Evidence<'_>) -> Vec<Violation> {
    if !(e.settled && f.healed()) {
        return Vec::new();
    }
    // Destinations the app calls done are file-delivered's to judge.
    let claimed = claims(f);
    // Each destination's last request: a later request rightly replaces an earlier one.
    let mut last: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, r) in f.records.iter().enumerate() {
        if let What::Callback {
            callback: Callback::UserTappedDownload { url, destination },
            ..
        } = &r.what
        {
            // A deleted install's container is gone with it (OS-3).
            if f.of_this_install(i) {
                last.insert(f.normalise(destination), (i, url.clone()));
            }
        }
    }
    // Files the daemon knowingly cut short (the RES-6 knob) are rightly refused.
    let cut_short: BTreeSet<&TaskKey> = (f.records.iter())
        .filter_map(|r| match &r.what {
            What::ResumeBytesLost { task, .. } => Some(task),
            _ => None,
        })
        .collect();
    let end = f.records.len().saturating_sub(1);
    let mut out = Vec::new();
    for (dest, (request, url)) in last {
        if claimed.contains_key(&dest) {
            continue;
        }
        let Some(versions) = served(e, &url) else {
            continue;
        };
        let handed = tasks_of(f, request)
            .into_iter()
            .filter(|(key, _)| !cut_short.contains(key))
            .filter_map(|(key, t)| t.finished.as_ref().map(|x| (x.0, x.2, key)))
            .filter(|(_, status, _)| (200..300).contains(status))
            .max();
        let Some((fin, _, key)) = handed else {
            continue;
        };
        if let Some(problem) = compare_versions(e, &dest, &versions) {
            out.push(Violation::new(
                FINISHED_FILE_KEPT.id,
                format!("{key} handed the app its file with a 2xx, but at the end {problem}"),
                vec![request, fin, end],
            ));
        }
    }
    out
}

fn resume_data_used(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let described = |task: &TaskKey| f.tasks.get(task).and_then(|t| t.description.clone());
    // For each download key: the record where resume data reached the app, not used since.
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, r) in f.records.iter().enumerate() {
        match &r.what {
            What::Callback {
                callback:
                    Callback::ResumeDataProduced {
                        task,
                        produced: true,
                    },
                ..
            } => {
                if let Some(k) = described(task) {
                    held.insert(k, i);
                }
            }
            What::Callback {
                callback:
                    Callback::DidCompleteWithError {
                        task,
                        error: Some(e),
                    },
                ..
            } if e.resume_data.is_some() => {
                if let Some(k) = described(task) {
                    held.insert(k, i);
                }
            }
            // A deleted install took what it held with it (OS-3).
            What::Reinstalled { .. } => held.clear(),
            What::TaskCreated {
                task,
                from_resume_data,
                ..
            } => {
                let Some(k) = described(task) else {
                    continue;
                };
                if let (Some(got), None) = (held.remove(&k), from_resume_data) {
                    out.push(Violation::new(
                        RESUME_DATA_USED.id,
                        format!("{task} started {k} from byte 0 although the app had resume data for it"),
                        vec![got, i],
                    ));
                }
            }
            _ => {}
        }
    }
    out
}
