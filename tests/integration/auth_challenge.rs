//! HTTP-4 end to end: what the server saw (a 401, then the request again with the right
//! `Authorization`, or with a wrong one) and what the app saw (a challenge that wakes it,
//! LC-6 / RATE-5; -1012 when nobody can answer; -999 when it gives up), on the three
//! `http-4-*` scenarios; and the scenario keys that set it up.

use crate::common;

use bgsim::runner::Outcome;
use bgsim::scenario::{parse, Known};
use bgsim_simulator::app::{AppState, SessionConfig, UrlError};
use bgsim_simulator::trace::{Actor, Callback, What};
use std::path::Path;

use common::shipped::run;

/// (status, fault applied) of every request the server answered, in order.
fn journal(o: &Outcome) -> Vec<(u16, Option<String>)> {
    let entries = common::shipped::journal(o).into_iter();
    entries.map(|(status, _, fault)| (status, fault)).collect()
}

fn what(o: &Outcome) -> Vec<&What> {
    o.run.history.records().iter().map(|r| &r.what).collect()
}

fn index(o: &Outcome, from: usize, pred: impl Fn(&What) -> bool) -> usize {
    o.run.history.records()[from..]
        .iter()
        .position(|r| pred(&r.what))
        .map(|i| i + from)
        .unwrap_or_else(|| panic!("not found after #{from} in:\n{}", o.run.history.render()))
}

fn callback(w: &What) -> Option<&Callback> {
    match w {
        What::Callback { callback, .. } => Some(callback),
        _ => None,
    }
}

/// The previous-failure count of every challenge the app was asked, in order.
fn challenges(o: &Outcome) -> Vec<u32> {
    what(o)
        .into_iter()
        .filter_map(|w| match callback(w) {
            Some(Callback::DidReceiveChallenge { challenge, .. }) => {
                Some(challenge.previous_failure_count)
            }
            _ => None,
        })
        .collect()
}

fn answers(o: &Outcome) -> Vec<String> {
    what(o)
        .into_iter()
        .filter_map(|w| match w {
            What::ChallengeAnswered { disposition, .. } => Some(disposition.to_string()),
            _ => None,
        })
        .collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn a_challenge_wakes_the_suspended_app_and_the_retry_carries_its_credentials() {
    let o = run("http-4-challenge-wakes-the-app");
    assert_eq!(
        journal(&o),
        [(401, s("unauthorized")), (200, s("authorized as reader"))]
    );
    let challenged = index(&o, 0, |w| matches!(w, What::Challenged { .. }));
    let wake = index(&o, challenged, |w| matches!(w, What::Wake { .. }));
    // RATE-5: the challenge's wake goes through the rate limiter like any other.
    let rate = index(&o, wake, |w| matches!(w, What::RateLimiter { .. }));
    let asked = index(&o, rate, |w| {
        matches!(callback(w), Some(Callback::DidReceiveChallenge { .. }))
    });
    let sent = index(
        &o,
        asked,
        |w| matches!(w, What::AuthorizationSent { user, .. } if user == "reader"),
    );
    index(&o, sent, |w| {
        matches!(w, What::RequestSent { attempt: 2, .. })
    });
    // LC-6: the wake came with the download unfinished, for the challenge alone.
    assert!(what(&o)[..wake]
        .iter()
        .all(|w| !matches!(w, What::Downloaded { .. })));
    // The app was woken in the background, not brought to the front.
    let resumed = index(&o, wake, |w| matches!(w, What::State { .. }));
    assert_eq!(
        what(&o)[resumed],
        &What::State {
            from: AppState::Suspended,
            to: AppState::Background
        }
    );
    assert_eq!(challenges(&o), [0]);
    assert_eq!(answers(&o), ["use-credential user=reader"]);
    // Two wakes (the challenge, then the finished download), each growing the delay.
    let delays: Vec<_> = what(&o)
        .into_iter()
        .filter_map(|w| match w {
            What::RateLimiter { delay } => Some(delay.as_secs()),
            _ => None,
        })
        .collect();
    assert_eq!(delays, [60, 120]);
    // The password never reaches the history.
    assert!(!o.run.history.render().contains("open-sesame"));
}

#[test]
fn a_force_quit_with_a_challenge_pending_fails_the_task_with_1012() {
    let o = run("http-4-force-quit-with-a-challenge-pending");
    assert_eq!(
        journal(&o),
        [
            (401, s("unauthorized")),
            // The next launch: the app starts again and answers the challenge live.
            (401, s("unauthorized")),
            (200, s("authorized as reader")),
        ]
    );
    let quit = index(&o, 0, |w| {
        matches!(
            w,
            What::State {
                to: AppState::TerminatedByUser,
                ..
            }
        )
    });
    index(&o, quit, |w| matches!(w, What::ChallengeUnanswered { .. }));
    let failed = index(&o, quit, |w| matches!(w, What::Failed { .. }));
    let What::Failed { task, error } = what(&o)[failed] else {
        unreachable!()
    };
    // -1012, not KILL-2's -999 with reason 0.
    assert_eq!(
        (error.code, error.cancel_reason),
        (UrlError::USER_CANCELLED_AUTHENTICATION, None)
    );
    assert_eq!(task.task_id, 1);
    // LC-7: no wake for the held challenge; its -1012 reaches the next launch.
    assert!(!what(&o).iter().any(|w| matches!(w, What::Wake { .. })));
    let launched = index(&o, failed, |w| matches!(w, What::Launched { .. }));
    index(&o, launched, |w| {
        matches!(
            callback(w),
            Some(Callback::DidCompleteWithError { task, error: Some(e) })
                if task.task_id == 1 && e.code == -1012
        )
    });
    // The first challenge was never handed to the app; the second was, live (LC-8).
    assert_eq!(challenges(&o), [0]);
    assert_eq!(answers(&o), ["use-credential user=reader"]);
}

#[test]
fn refused_credentials_are_asked_again_and_the_app_cancels_with_999() {
    let o = run("http-4-wrong-credentials-cancel");
    // The second request carried the wrong credentials: refused like the first.
    assert_eq!(
        journal(&o),
        [(401, s("unauthorized")), (401, s("unauthorized"))]
    );
    assert!(what(&o)
        .iter()
        .any(|w| matches!(w, What::AuthorizationSent { user, .. } if user == "reader")));
    assert_eq!(challenges(&o), [0, 1]);
    assert_eq!(answers(&o), ["use-credential user=reader", "cancel"]);
    // Each challenge woke the app (RATE-5: 60 s, then 120 s).
    let wakes = what(&o)
        .iter()
        .filter(|w| matches!(w, What::Wake { .. }))
        .count();
    assert_eq!(wakes, 2);
    let completed: Vec<_> = what(&o)
        .into_iter()
        .filter_map(|w| match callback(w) {
            Some(Callback::DidCompleteWithError { error, .. }) => Some(error.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(completed.len(), 1);
    assert_eq!(
        completed[0].as_ref().map(|e| e.code),
        Some(UrlError::CANCELLED)
    );
    // The app reports the download failed, once, and does not try again.
    let states: Vec<&str> = o
        .run
        .history
        .records()
        .iter()
        .filter(|r| r.actor == Actor::App)
        .filter_map(|r| match &r.what {
            What::DownloadState { state, .. } => Some(state.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["running", "failed"]);
}

#[test]
fn without_credentials_the_401_is_the_response() {
    let o = run("fault-401-is-a-response");
    assert_eq!(journal(&o), [(401, s("unauthorized"))]);
    assert_eq!(challenges(&o), [0]);
    assert_eq!(answers(&o), ["perform-default-handling"]);
}

const HEAD: &str = "name = \"x\"\napp = \"reference\"\n";
fn known() -> Known {
    Known::new(&["reference"], &[])
}

#[test]
fn the_session_credentials_and_the_unanswered_code_are_scenario_keys() {
    let text = format!(
        "{HEAD}[session]\ncredentials = \"a:b:c\"\n[profile]\nunanswered_challenge_error = -1013\n"
    );
    let sc = parse(&text, Path::new("x.toml"), &known()).unwrap();
    // RFC 7617: the first colon ends the user; the password may hold colons.
    assert_eq!(sc.session.credentials.as_deref(), Some("a:b:c"));
    assert_eq!(sc.profile.unanswered_challenge_error, -1013);
    // Not a configuration property: the session configuration is untouched.
    let plain = SessionConfig::background("s");
    assert_eq!(sc.session.apply(plain.clone()), plain);
    let sc = parse(HEAD, Path::new("x.toml"), &known()).unwrap();
    assert_eq!(sc.profile.unanswered_challenge_error, -1012, "the default");
    assert_eq!(sc.session.credentials, None);
}

#[test]
fn bad_credentials_and_a_positive_code_are_refused_where_they_are() {
    let cases = [
        (
            "[session]\ncredentials = \"nocolon\"\n",
            (4, 15),
            "bad credentials `nocolon`: expected `user:password`",
        ),
        (
            "[profile]\nunanswered_challenge_error = 1012\n",
            (4, 30),
            "expected a negative NSURLError code",
        ),
    ];
    for (body, at, phrase) in cases {
        let err = parse(&format!("{HEAD}{body}"), Path::new("x.toml"), &known()).unwrap_err();
        assert_eq!((err.line, err.column), at, "{err}");
        assert!(err.message.contains(phrase), "{err}");
    }
}
