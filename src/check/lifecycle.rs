//! What a relaunch must not change about a download (docs/bugs.md A): a force-quit is the
//! user closing the app, not the download failing.

use super::facts::Facts;
use super::{Check, Evidence, Violation};
use bgsim_simulator::app::{CancelReason, UrlError};
use bgsim_simulator::trace::{Callback, What};
use std::collections::BTreeMap;

pub(super) const FORCE_QUIT_NOT_FAILURE: Check = Check {
    id: "force-quit-not-failure",
    statement: "a download whose task was cancelled by a force-quit is not reported failed for it",
    explanation: "When the user swipes the app away, iOS cancels its transfers and reports \
        -999 with reason 0 (userForceQuitApplication) and usually resume data at the next \
        launch (KILL-2, KILL-3). That is not the download failing: the app should pause it \
        and carry on from the resume data. Apps that read the -999 as an error show the \
        download failed at 0 % and throw the resume data away (LC-01).",
    run: force_quit_not_failure,
};

/// Whether `error` is the cancellation of a force-quit (KILL-3).
fn is_force_quit(error: &UrlError) -> bool {
    error.code == UrlError::CANCELLED
        && error.cancel_reason == Some(CancelReason::UserForceQuitApplication)
}

fn force_quit_not_failure(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    // For each download key, every end of one of its tasks the app saw, in order: a
    // completion (with its error), or a file handed over (whose status the app may refuse
    // inside the callback, before the completion comes).
    let mut ends: BTreeMap<&str, Vec<(usize, Option<&UrlError>)>> = BTreeMap::new();
    for (j, r) in f.records.iter().enumerate() {
        let (task, error) = match &r.what {
            What::Callback {
                callback: Callback::DidCompleteWithError { task, error },
                ..
            } => (task, error.as_ref()),
            What::Callback {
                callback: Callback::DidFinishDownloadingTo { task, .. },
                ..
            } => (task, None),
            _ => continue,
        };
        if let Some(key) = f.tasks.get(task).and_then(|t| t.description.as_deref()) {
            ends.entry(key).or_default().push((j, error));
        }
    }
    let mut out = Vec::new();
    for d in &f.downloads {
        let Some(of_this) = ends.get(d.key.as_str()) else {
            continue;
        };
        for (i, state) in &d.states {
            if state != "failed" {
                continue;
            }
            // The last end before it was called failed is what the app judged.
            let before = of_this.partition_point(|(j, _)| j < i);
            let Some(&(j, Some(error))) = before.checked_sub(1).map(|b| &of_this[b]) else {
                continue;
            };
            if is_force_quit(error) {
                out.push(Violation::new(
                    FORCE_QUIT_NOT_FAILURE.id,
                    format!("{} was reported failed for the -999 of a force-quit", d.key),
                    vec![j, *i],
                ));
            }
        }
    }
    out
}
