//! What the server received of the app's uploads (API-1, HTTP-1), judged on the server's
//! journal rather than on the app's opinion.

use super::facts::Facts;
use super::{Check, Evidence, Violation};
use crate::server::{JournalEntry, UploadRecord};
use bgsim_simulator::content::hex;
use bgsim_simulator::app::TaskKey;
use bgsim_simulator::trace::{Callback, What};
use std::collections::{BTreeMap, BTreeSet};

pub(super) const DELIVERED: Check = Check {
    id: "upload-delivered",
    statement: "an upload the app calls done reached the server whole: the bytes the user picked, answered with a 2xx",
    explanation: "The app told its user the file is safe on the server. A 500 or a 404 is not \
        an error for an upload task (HTTP-1): the answer arrives through didReceiveData and \
        didCompleteWithError(nil), so an app that does not check the status calls a refused \
        upload done. And the daemon sends its copy of the file taken when the task is \
        resumed: an app that changes or replaces the file before then, or uploads another \
        file, sends other bytes than the user picked.",
    run: delivered,
};

/// An upload the app accepted as done, and what the server must have received for it.
struct Claim {
    label: String,
    path: String,
    size: u64,
    fnv1a64: u64,
    events: Vec<usize>,
}

/// The request path of a URL of the fixture server (query dropped); None for other hosts.
fn server_path(url: &str) -> Option<String> {
    crate::world::fixture_path_of(url)
}

/// The uploads the app calls done: those it reports done, and, for upload requests it
/// reports nothing about, the ones whose upload task answered 2xx and completed without
/// error (its only way to accept an upload).
fn claims(f: &Facts<'_>) -> Vec<Claim> {
    // The upload tasks the server answered with a 2xx.
    let answered_2xx: BTreeSet<&TaskKey> = (f.records.iter())
        .filter_map(|r| match &r.what {
            What::Uploaded { task, status, .. } if (200..300).contains(status) => Some(task),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for d in &f.downloads {
        let (Some((done, state)), Some((size, fnv1a64)), Some(url)) =
            (d.states.last(), d.upload, &d.url)
        else {
            continue;
        };
        if state != "done" {
            continue;
        }
        if let Some(path) = server_path(url) {
            out.push(Claim {
                label: d.key.clone(),
                path,
                size,
                fnv1a64,
                events: d.request.into_iter().chain([*done]).collect(),
            });
        }
    }
    for (i, r) in f.records.iter().enumerate() {
        let What::Callback {
            callback: Callback::UserTappedUpload { url, size, fnv1a64 },
            ..
        } = &r.what
        else {
            continue;
        };
        if f.download_of_request(i).is_some() {
            continue;
        }
        let accepted = f
            .tasks_created_in(i)
            .filter_map(|(key, t)| {
                let done = t.completion_delivered?;
                let ok = answered_2xx.contains(key);
                let nil = matches!(
                    &f.records[done].what,
                    What::Callback {
                        callback: Callback::DidCompleteWithError { error: None, .. },
                        ..
                    }
                );
                (ok && nil).then_some((done, key))
            })
            .max();
        if let (Some((done, key)), Some(path)) = (accepted, server_path(url)) {
            out.push(Claim {
                label: format!("the upload of {key}"),
                path,
                size: *size,
                fnv1a64: *fnv1a64,
                events: vec![i, done],
            });
        }
    }
    out
}

/// Why none of `seen` (the server's uploads to the claim's path) is the claimed one.
fn why_not(claim: &Claim, seen: &[&(JournalEntry, UploadRecord)]) -> String {
    let whole: Vec<_> = seen.iter().filter(|(_, u)| u.complete).collect();
    let same_bytes = |u: &UploadRecord| u.bytes == claim.size && u.fnv1a64 == claim.fnv1a64;
    if whole.is_empty() {
        return format!("the server never received a whole upload to {}", claim.path);
    }
    if let Some((e, _)) = whole.iter().find(|(_, u)| same_bytes(u)) {
        return format!(
            "the server answered {} to every upload of those bytes to {}",
            e.status, claim.path
        );
    }
    let (_, u) = whole.last().expect("not empty");
    format!(
        "the server received {} bytes (fnv1a64 {}) at {}, not the {} bytes (fnv1a64 {}) the user picked",
        u.bytes,
        hex(u.fnv1a64),
        claim.path,
        claim.size,
        hex(claim.fnv1a64)
    )
}

fn delivered(f: &Facts<'_>, e: &Evidence<'_>) -> Vec<Violation> {
    let claims = claims(f);
    if claims.is_empty() {
        return Vec::new();
    }
    let uploads = e.server.journal().uploads();
    let mut by_path: BTreeMap<&str, Vec<&(JournalEntry, UploadRecord)>> = BTreeMap::new();
    for upload in &uploads {
        by_path.entry(upload.0.path.as_str()).or_default().push(upload);
    }
    let mut out = Vec::new();
    for claim in claims {
        let seen = by_path.get(claim.path.as_str()).map_or(&[][..], |v| &v[..]);
        let delivered = seen.iter().any(|(e, u)| {
            u.complete
                && (200..300).contains(&e.status)
                && u.bytes == claim.size
                && u.fnv1a64 == claim.fnv1a64
        });
        if !delivered {
            out.push(Violation::new(
                DELIVERED.id,
                format!(
                    "the app calls {} done, but {}",
                    claim.label,
                    why_not(&claim, seen)
                ),
                claim.events,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::server_path;

    #[test]
    fn paths_of_the_fixture_server_only() {
        assert_eq!(
            server_path("http://fixtures.bgsim.test/uploads/a.jpg?x=1").as_deref(),
            Some("/uploads/a.jpg")
        );
        assert_eq!(
            server_path("http://fixtures.bgsim.test").as_deref(),
            Some("/")
        );
        assert_eq!(server_path("http://elsewhere.test/uploads/a"), None);
    }
}
