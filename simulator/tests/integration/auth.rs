//! HTTP-4 in the model: a 401 challenge is a delegate event that wakes the app (LC-6) and
//! counts toward the rate limiter (RATE-5); the app's answer decides what the daemon does,
//! and an answer that can never come fails the task (-1012 by default).

use crate::support;

use bgsim_simulator::app::{AppState, UrlError};
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{Action, History, Profile, SimConfig};
use std::sync::Arc;
use support::*;

/// `user:pw`, as RFC 7617 puts it in `Authorization`.
const GOOD: &str = "authorization: Basic dXNlcjpwdw==";

fn body() -> Vec<u8> {
    (0..50_000).map(|i| (i * 13 % 251) as u8).collect()
}

/// 401 with a Basic challenge unless the request carries `user:pw`.
fn guarded() -> Responder {
    let ok = serve_bytes(body());
    Arc::new(move |head: &str| {
        if head.lines().any(|l| l == GOOD) {
            ok(head)
        } else {
            respond(
                "401 Unauthorized",
                "www-authenticate: Basic realm=\"vault\"\r\n",
                b"no",
            )
        }
    })
}

fn challenges(h: &History) -> Vec<u32> {
    h.records()
        .iter()
        .filter_map(|r| match cb(&r.what) {
            Some(Callback::DidReceiveChallenge { challenge, .. }) => {
                Some(challenge.previous_failure_count)
            }
            _ => None,
        })
        .collect()
}

fn failed_with(h: &History) -> Option<i64> {
    h.records().iter().find_map(|r| match &r.what {
        What::Failed { error, .. } => Some(error.code),
        _ => None,
    })
}

fn authorized_requests(requests: &[String]) -> Vec<bool> {
    requests
        .iter()
        .map(|r| r.lines().any(|l| l.starts_with("authorization: ")))
        .collect()
}

/// The app is suspended when the 401 arrives: the challenge wakes it, it answers (from a
/// block on main, which is allowed while it runs), and the retry carries the credential.
#[test]
fn a_challenge_wakes_a_suspended_app_and_its_credential_is_sent() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::CredentialLater("user", "pw"),
        ..Quirks::default()
    };
    let (h, _, requests, sb) = run(
        quirks,
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(0.5), Action::NetworkDown),
            (secs(1.0), download("Documents/secret")),
            (secs(2.0), Action::Home),
            (secs(30.0), Action::NetworkUp),
        ],
    );
    let challenged = position(&h, |w| matches!(w, What::Challenged { .. }));
    let wake = position(&h, |w| matches!(w, What::Wake { .. }));
    let rate = position(&h, |w| matches!(w, What::RateLimiter { .. }));
    let asked = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidReceiveChallenge { .. }))
    });
    let sent = position(&h, |w| matches!(w, What::AuthorizationSent { .. }));
    assert!(challenged < wake && wake < rate && rate < asked && asked < sent);
    // Woken while the task is unfinished: a challenge does not wait for all tasks (LC-6).
    assert!(h.records()[challenged..wake]
        .iter()
        .all(|r| !matches!(r.what, What::Downloaded { .. })));
    assert_eq!(challenges(&h), [0]);
    assert_eq!(
        authorized_requests(&requests.lock().unwrap()),
        [false, true]
    );
    assert_eq!(sb.read("Documents/secret").unwrap(), body());
    // RATE-5: the challenge's wake and the completion's wake both grew the delay.
    let delays = h
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::RateLimiter { .. }))
        .count();
    assert_eq!(delays, 2, "{}", h.render());
}

/// A challenge handed to a process that is suspended before answering cannot be answered.
#[test]
fn an_unanswered_challenge_fails_with_1012_when_the_app_is_suspended() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::Ignore,
        ..Quirks::default()
    };
    let (h, _, requests, _) = run(
        quirks,
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/secret")),
            (secs(2.0), Action::Home),
        ],
    );
    assert_eq!(
        failed_with(&h),
        Some(UrlError::USER_CANCELLED_AUTHENTICATION)
    );
    let suspended = position(&h, |w| {
        matches!(
            w,
            What::State {
                to: AppState::Suspended,
                ..
            }
        )
    });
    let gave_up = position(&h, |w| matches!(w, What::ChallengeUnanswered { .. }));
    assert!(suspended < gave_up);
    assert_eq!(requests.lock().unwrap().len(), 1, "no retry");
}

/// Force-quit with a challenge handed over and unanswered: -1012 rather than KILL-2's
/// -999, delivered at the next launch; the code is the profile's knob.
#[test]
fn a_force_quit_with_a_pending_challenge_surfaces_the_knob_code() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::Ignore,
        ..Quirks::default()
    };
    let timeline = || {
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/secret")),
            (secs(1.5), Action::ForceQuit),
            (secs(10.0), Action::Launch),
        ]
    };
    let delivered = |h: &History| {
        h.records().iter().find_map(|r| match cb(&r.what) {
            Some(Callback::DidCompleteWithError { error: Some(e), .. }) => {
                Some((e.code, e.cancel_reason))
            }
            _ => None,
        })
    };
    let (h, _, _, _) = run(quirks, guarded(), timeline());
    assert_eq!(delivered(&h), Some((-1012, None)));
    let config = SimConfig {
        profile: Profile {
            unanswered_challenge_error: UrlError::CANCELLED,
            ..Profile::default()
        },
        ..SimConfig::default()
    };
    let (h, _, _, _) = run_with(config, quirks, guarded(), timeline());
    assert_eq!(delivered(&h), Some((-999, None)));
}

#[test]
fn cancelling_the_challenge_fails_the_task_with_999() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::Cancel,
        ..Quirks::default()
    };
    let (h, files, requests, _) = run(
        quirks,
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/secret")),
        ],
    );
    assert_eq!(failed_with(&h), Some(UrlError::CANCELLED));
    assert_eq!(requests.lock().unwrap().len(), 1);
    assert!(
        !files.iter().any(|f| f.contains("CFNetworkDownload")),
        "{files:?}"
    );
}

/// ORD-4: a challenge cancelled while the app handles a background wake makes a -999
/// during the wake; it is delivered before did-finish-events, which comes last.
#[test]
fn a_cancel_during_a_wake_is_delivered_before_did_finish_events() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::Cancel,
        ..Quirks::default()
    };
    let (h, ..) = run(
        quirks,
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(0.5), Action::NetworkDown),
            (secs(1.0), download("Documents/secret")),
            (secs(2.0), Action::Home),
            (secs(30.0), Action::NetworkUp),
        ],
    );
    let completed = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == UrlError::CANCELLED
        )
    });
    let finished = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidFinishEvents { .. }))
    });
    assert!(completed < finished, "{}", h.render());
}

/// Default handling: the held 401 becomes the task's response (HTTP-1).
#[test]
fn default_handling_delivers_the_401() {
    let (h, _, requests, sb) = run(
        Quirks::default(),
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/secret")),
        ],
    );
    assert!(has(&h, |w| matches!(
        cb(w),
        Some(Callback::DidFinishDownloadingTo { status: 401, .. })
    )));
    assert_eq!(requests.lock().unwrap().len(), 1);
    assert_eq!(sb.read("Documents/secret").unwrap(), b"no");
}

/// A refused credential brings the challenge again, counting the failure; a second call
/// of the same handler is ignored (one retry per answer).
#[test]
fn a_refused_credential_is_challenged_again_with_a_failure_count() {
    let quirks = Quirks {
        challenge: ChallengeQuirk::CredentialTwice("user", "wrong"),
        ..Quirks::default()
    };
    let (h, _, requests, _) = run(
        quirks,
        guarded(),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/secret")),
            (secs(3.0), Action::ForceQuit),
        ],
    );
    // Each challenge is answered (twice) with the wrong password: asked again and again,
    // the count growing, until the force-quit cancels the task (KILL-2).
    let counts = challenges(&h);
    assert!(counts.len() >= 3, "{}", h.render());
    assert_eq!(counts[..3], [0, 1, 2]);
    let requests = requests.lock().unwrap();
    // One request per answer, plus the first; the last may be in flight at the force-quit.
    assert!(requests.len() == counts.len() || requests.len() == counts.len() + 1);
    assert_eq!(authorized_requests(&requests)[..2], [false, true]);
}
