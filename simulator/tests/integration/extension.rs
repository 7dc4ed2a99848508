//! ID-5 / ID-6: an app extension as a second client of the daemon, with the small test
//! app of tests/support and canned HTTP bytes.

use crate::support;

use bgsim_simulator::app::UrlError;
use bgsim_simulator::trace::{Actor, Callback, What};
use bgsim_simulator::Action;
use support::*;

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn start(shared_container: bool, download: Option<&str>) -> Action {
    Action::ExtensionStart {
        session: SESSION.into(),
        shared_container,
        download: download.map(|to| ("http://test.server/file".to_string(), to.to_string())),
    }
}

fn refused_with(w: &What, code: i64) -> bool {
    matches!(w, What::ExtensionSession { outcome: Err(e), .. } if e.code == code)
}

#[test]
fn id_5_the_app_connecting_a_session_the_extension_holds_gets_996() {
    let (h, ..) = run(
        Quirks::default(),
        serve_bytes(body(100)),
        vec![(secs(0.0), start(true, None)), (secs(1.0), Action::Launch)],
    );
    let refused = position(
        &h,
        |w| matches!(w, What::SessionRefused { session, error } if session == SESSION && error.code == UrlError::BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS),
    );
    let invalid = position(
        &h,
        |w| matches!(cb(w), Some(Callback::DidBecomeInvalid { error: Some(e), .. }) if e.code == -996),
    );
    // The default did_become_invalid_with_error reaches the delegate's did_become_invalid.
    let heard = position(
        &h,
        |w| matches!(w, What::Log(l) if l == "test.session became invalid"),
    );
    assert!(refused < invalid && invalid < heard);
    assert!(!has(&h, |w| matches!(w, What::SessionCreated { .. })));
}

#[test]
fn id_5_an_extension_connecting_a_session_the_app_holds_gets_996_and_starts_nothing() {
    let (h, _, requests, _) = run(
        Quirks::default(),
        serve_bytes(body(100)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), start(true, Some("Documents/Shared/x"))),
        ],
    );
    assert!(has(&h, |w| refused_with(w, -996)));
    assert!(has(&h, |w| matches!(
        w,
        What::ExtensionDownload { task: None, .. }
    )));
    assert!(requests.lock().unwrap().is_empty());
}

#[test]
fn id_6_an_extension_without_a_shared_container_gets_995() {
    let (h, _, requests, _) = run(
        Quirks::default(),
        serve_bytes(body(100)),
        vec![(secs(0.0), start(false, Some("Documents/Shared/x")))],
    );
    assert!(has(&h, |w| refused_with(w, -995)));
    assert!(requests.lock().unwrap().is_empty());
    // Refused before connecting: the identifier stays free for the app.
    let (h, ..) = run(
        Quirks::default(),
        serve_bytes(body(100)),
        vec![(secs(0.0), start(false, None)), (secs(1.0), Action::Launch)],
    );
    assert!(has(&h, |w| matches!(w, What::SessionCreated { .. })));
    assert!(!has(&h, |w| matches!(w, What::SessionRefused { .. })));
}

#[test]
fn id_5_the_extension_that_holds_the_session_gets_its_events_and_moves_its_file() {
    let (h, _, _, sb) = run(
        Quirks::default(),
        serve_bytes(body(100_000)),
        vec![(secs(0.0), start(true, Some("Documents/Shared/x")))],
    );
    let finished = position(&h, |w| {
        matches!(
            w,
            What::ExtensionGot(Callback::DidFinishDownloadingTo { .. })
        )
    });
    let moved = position(
        &h,
        |w| matches!(w, What::ExtensionMoved { error: None, to, .. } if to == "Documents/Shared/x"),
    );
    assert!(finished < moved);
    assert_eq!(sb.read("Documents/Shared/x").unwrap(), body(100_000));
    // Nothing went to an app: it never ran.
    assert!(!has(&h, |w| matches!(w, What::Callback { .. })));
    assert!(h
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::ExtensionGot(_)))
        .all(|r| r.actor == Actor::Extension));
}

#[test]
fn id_5_after_the_extension_exits_its_tasks_events_go_to_the_next_process_that_connects() {
    // 2 MB at 1 MiB/s: still running when the extension exits at 0.5 s.
    let (h, ..) = run(
        Quirks::default(),
        serve_bytes(body(2_000_000)),
        vec![
            (secs(0.0), start(true, Some("Documents/Shared/x"))),
            (secs(0.5), Action::ExtensionExit),
            (secs(30.0), Action::Launch),
        ],
    );
    let exited = position(&h, |w| matches!(w, What::ExtensionExited { .. }));
    let downloaded = position(&h, |w| matches!(w, What::Downloaded { .. }));
    assert!(exited < downloaded);
    // Held (ORD-7) for the app, which never ran and so is not woken (LC-3 needs a
    // relaunchable app), until its launch connects the session (LC-5).
    let created = position(&h, |w| {
        matches!(w, What::SessionCreated { held_events: 2, .. })
    });
    let finished = position(
        &h,
        |w| matches!(cb(w), Some(Callback::DidFinishDownloadingTo { task, .. }) if task.task_id == 1),
    );
    assert!(created < finished);
    assert!(!has(&h, |w| matches!(
        w,
        What::ExtensionGot(Callback::DidFinishDownloadingTo { .. })
    )));
}
