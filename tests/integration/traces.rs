//! The canonical traces of docs/rules.md#canonical-traces (T1, T2, T4) as Rust timelines, run
//! against the reference app (which must deliver every file byte for byte) and the
//! article's app (whose bugs must show in the same histories).

use crate::common;

use bgsim::world::Transport;
use bgsim_simulator::app::{AppState, CancelReason, Queue, UrlError};
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{Action, SimTime};
use common::*;

const REF_SESSION: &str = bgsim::apps::reference::SESSION_ID;

/// T1: both tasks finish while the app is terminated; one batched background relaunch.
fn t1() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        // Offline while the tasks are created, so both finish after the kill.
        (secs(0.5), Action::NetworkDown),
        (secs(1.0), download(BIG, "Documents/big.bin")),
        (
            secs(1.0),
            download("/missing.html", "Documents/missing.html"),
        ),
        (secs(2.0), Action::Home),
        (secs(12.0), Action::SystemKill),
        (secs(20.0), Action::NetworkUp),
    ]
}

#[test]
fn t1_system_kill_then_one_batched_background_relaunch_reference() {
    let run = run("reference", 1, Transport::Tcp, t1());
    let set = fixtures();
    // Home → background → suspended by the system after the grace (LC-9), then killed.
    in_order(
        &run,
        &[
            ("suspended", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::Suspended,
                        ..
                    }
                )
            }),
            ("killed", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::TerminatedBySystem,
                        ..
                    }
                )
            }),
            // KILL-1 / LC-1: the daemon carries on without the app.
            ("404 body downloaded", &|w| {
                matches!(w, What::Downloaded { status: 404, .. })
            }),
            ("200 body downloaded", &|w| {
                matches!(w, What::Downloaded { status: 200, .. })
            }),
            // LC-6: one wake once all tasks are done; LC-3: relaunch in the background.
            ("wake", &|w| matches!(w, What::Wake { .. })),
            ("relaunch", &|w| {
                matches!(
                    w,
                    What::Launched {
                        in_background: true
                    }
                )
            }),
            (
                "didFinishLaunching(bg)",
                &|w| matches!(callback(w), Some(Callback::DidFinishLaunching { in_background: true, session: Some(s) }) if s == REF_SESSION),
            ),
            // LC-4 / ID-2: the reference app recreates its session at launch.
            ("session reconnected", &|w| {
                matches!(w, What::SessionCreated { held_events: 4, .. })
            }),
            ("handleEvents", &|w| {
                matches!(callback(w), Some(Callback::HandleEvents { .. }))
            }),
            // ORD-1 / HTTP-2: a 404 is delivered as a finished download with a nil error.
            ("finish(404)", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidFinishDownloadingTo { status: 404, .. })
                )
            }),
            ("temp deleted (FILE-1)", &|w| {
                matches!(w, What::TempDeleted { .. })
            }),
            ("complete(404, nil)", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidCompleteWithError { error: None, .. })
                )
            }),
            (
                "app: d2 failed",
                &|w| matches!(w, What::DownloadState { key, state } if key == "d2" && state == "failed"),
            ),
            ("finish(200)", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidFinishDownloadingTo { status: 200, .. })
                )
            }),
            ("moved inside the callback", &|w| {
                matches!(
                    w,
                    What::File {
                        op: bgsim_simulator::trace::FileOp::Move,
                        error: None,
                        ..
                    }
                )
            }),
            ("temp deleted", &|w| matches!(w, What::TempDeleted { .. })),
            ("complete(200, nil)", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidCompleteWithError { error: None, .. })
                )
            }),
            (
                "app: d1 done",
                &|w| matches!(w, What::DownloadState { key, state } if key == "d1" && state == "done"),
            ),
            // ORD-4 / CH-2: did-finish-events last, then the handler once, on main.
            ("didFinishEvents", &|w| {
                matches!(callback(w), Some(Callback::DidFinishEvents { .. }))
            }),
            ("handler on main", &|w| {
                matches!(
                    w,
                    What::HandlerCalled {
                        queue: Queue::Main,
                        count: 1,
                        ..
                    }
                )
            }),
            ("suspended again (LC-9)", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::Suspended,
                        ..
                    }
                )
            }),
        ],
    );
    assert_eq!(
        count(&run, |w| matches!(w, What::Wake { .. })),
        1,
        "one batched wake"
    );
    assert_eq!(count(&run, |w| matches!(w, What::HandlerCalled { .. })), 1);
    assert_eq!(
        run.sandbox.read("Documents/big.bin").unwrap(),
        served(&set, BIG)
    );
    assert!(
        !run.sandbox.exists("Documents/missing.html"),
        "a 404 body is no file"
    );
    assert_eq!(run.final_state, AppState::Suspended);
}

#[test]
fn t1_article_never_reconnects_its_session_and_is_killed_by_the_wake_budget() {
    let run = run("article", 1, Transport::Tcp, t1());
    in_order(
        &run,
        &[
            // ID-3: every FetchImage makes another session with the same identifier.
            ("duplicate session", &|w| {
                matches!(w, What::DuplicateSession { .. })
            }),
            ("wake", &|w| matches!(w, What::Wake { .. })),
            ("relaunch", &|w| {
                matches!(
                    w,
                    What::Launched {
                        in_background: true
                    }
                )
            }),
            ("handleEvents", &|w| {
                matches!(callback(w), Some(Callback::HandleEvents { .. }))
            }),
            // LC-10: no session, so no events, so no did-finish-events, so no handler call.
            ("budget exceeded", &|w| {
                matches!(w, What::WakeBudgetExceeded { .. })
            }),
            ("CH-4 warning", &|w| {
                matches!(w, What::HandlerNeverCalled { .. })
            }),
            ("killed", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::TerminatedBySystem,
                        ..
                    }
                )
            }),
        ],
    );
    let wake = find(&run, 0, |w| matches!(w, What::Wake { .. })).unwrap();
    let delivered = find(&run, wake, |w| {
        matches!(
            callback(w),
            Some(Callback::DidFinishDownloadingTo { .. } | Callback::DidCompleteWithError { .. })
        )
    });
    assert_eq!(
        delivered, None,
        "the article's events never arrive after a relaunch"
    );
    assert!(!run.sandbox.exists("Documents/xamarin.png"));
}

/// T2: force-quit mid-transfer; the user relaunches later.
fn t2() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download(BIG, "Documents/big.bin")),
        (secs(1.0), download(PLAIN, "Documents/plain.bin")),
        // Both are part-way at 4 s; only big.bin's server honours ranges.
        (secs(4.0), Action::ForceQuit),
        (secs(3600.0), Action::Launch),
    ]
}

#[test]
fn t2_force_quit_cancels_with_reason_0_and_the_reference_app_resumes() {
    let run = run("reference", 2, Transport::Tcp, t2());
    let set = fixtures();
    let idx = in_order(
        &run,
        &[
            ("force-quit", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::TerminatedByUser,
                        ..
                    }
                )
            }),
            // KILL-2: the daemon cancels both unfinished tasks with reason 0, the resumable
            // one with resume data, the other without.
            ("cancelled", &|w| {
                matches!(
                    w,
                    What::Failed {
                        error: UrlError {
                            code: -999,
                            cancel_reason: Some(CancelReason::UserForceQuitApplication),
                            resume_data: Some(_)
                        },
                        ..
                    }
                )
            }),
            ("cancelled without resume data", &|w| {
                matches!(
                    w,
                    What::Failed {
                        error: UrlError {
                            code: -999,
                            cancel_reason: Some(CancelReason::UserForceQuitApplication),
                            resume_data: None
                        },
                        ..
                    }
                )
            }),
            ("user launch", &|w| {
                matches!(
                    w,
                    What::Launched {
                        in_background: false
                    }
                )
            }),
            ("session", &|w| {
                matches!(w, What::SessionCreated { held_events: 2, .. })
            }),
            // KILL-3: delivered once the app recreates its session after the user launch.
            (
                "-999 reason 0 delivered",
                &|w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -999 && e.cancel_reason == Some(CancelReason::UserForceQuitApplication) && e.resume_data.is_some()),
            ),
            (
                "paused",
                &|w| matches!(w, What::DownloadState { state, .. } if state == "paused"),
            ),
            (
                "new task from resume data (TID-5)",
                &|w| matches!(w, What::TaskCreated { from_resume_data: Some(n), .. } if *n > 0),
            ),
            // RES-4: Range from where it stopped, with the strong ETag in If-Range.
            (
                "range request",
                &|w| matches!(w, What::RequestSent { range: Some(r), if_range: Some(e), .. } if r.starts_with("bytes=") && e.starts_with('"')),
            ),
            ("206", &|w| matches!(w, What::Response { status: 206, .. })),
            (
                "didResumeAtOffset > 0 (ORD-3)",
                &|w| matches!(callback(w), Some(Callback::DidResumeAtOffset { offset, .. }) if *offset > 0),
            ),
            ("finish", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidFinishDownloadingTo { status: 206, .. })
                )
            }),
            (
                "done",
                &|w| matches!(w, What::DownloadState { key, state } if key == "d1" && state == "done"),
            ),
        ],
    );
    // KILL-2: no wake while force-quit; KILL-3: a user launch has no handleEvents and
    // no did-finish-events.
    let (quit, launch) = (idx[0], idx[3]);
    assert_eq!(
        find(&run, quit, |w| matches!(w, What::Wake { .. })).filter(|&i| i < launch),
        None
    );
    assert_eq!(
        count(&run, |w| matches!(
            callback(w),
            Some(Callback::HandleEvents { .. })
        )),
        0
    );
    assert_eq!(
        count(&run, |w| matches!(
            callback(w),
            Some(Callback::DidFinishEvents { .. })
        )),
        0
    );
    assert_eq!(
        run.sandbox.read("Documents/big.bin").unwrap(),
        served(&set, BIG)
    );
    assert_eq!(
        run.sandbox.read("Documents/plain.bin").unwrap(),
        served(&set, PLAIN)
    );
    // Both cancellations reach the app, the second without resume data.
    assert_eq!(
        count(
            &run,
            |w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -999 && e.cancel_reason == Some(CancelReason::UserForceQuitApplication))
        ),
        2
    );
    // The server saw the resume: a Range request answered 206.
    assert!(run
        .journal
        .iter()
        .any(|j| j.path == BIG && j.status == 206 && j.range.is_some()));
}

#[test]
fn t2_article_drops_the_resume_data_and_restarts_from_zero() {
    let mut timeline = t2();
    // The article creates its session only when a fetch starts: the user has to tap again.
    timeline.push((secs(3700.0), download(BIG, "Documents/big.bin")));
    let run = run("article", 2, Transport::Tcp, timeline);
    let set = fixtures();
    in_order(
        &run,
        &[
            ("user launch", &|w| {
                matches!(
                    w,
                    What::Launched {
                        in_background: false
                    }
                )
            }),
            ("session only on fetch", &|w| {
                matches!(w, What::SessionCreated { held_events: 2, .. })
            }),
            (
                "-999 with resume data reaches the article",
                &|w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -999 && e.resume_data.is_some()),
            ),
            // No resume: the new task asks for the whole file again.
            ("fresh GET", &|w| {
                matches!(w, What::RequestSent { range: None, .. })
            }),
            ("whole body again", &|w| {
                matches!(w, What::Response { status: 200, .. })
            }),
        ],
    );
    assert_eq!(
        count(&run, |w| matches!(
            w,
            What::TaskCreated {
                from_resume_data: Some(_),
                ..
            }
        )),
        0
    );
    // One fixed destination for every download: the last one wins.
    assert_eq!(
        run.sandbox.read("Documents/xamarin.png").unwrap(),
        served(&set, BIG)
    );
}

/// T4: airplane mode mid-transfer for three days.
fn t4(reconnect: bool) -> Vec<(SimTime, Action)> {
    let mut t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download(BIG, "Documents/big.bin")),
        (secs(3.0), Action::NetworkDown),
        (secs(4.0), Action::Home),
    ];
    if reconnect {
        t.push((secs(3.0 * 86_400.0), Action::NetworkUp));
    }
    t
}

#[test]
fn t4_network_loss_waits_then_resumes_with_range_reference() {
    let run = run("reference", 4, Transport::Tcp, t4(true));
    let set = fixtures();
    let idx = in_order(
        &run,
        &[
            (
                "interrupted mid-body",
                &|w| matches!(w, What::Interrupted { bytes, .. } if *bytes > 0),
            ),
            // NET-1: wait, no error.
            (
                "waiting",
                &|w| matches!(w, What::Waiting { reason, .. } if reason == "no connectivity"),
            ),
            ("suspended", &|w| {
                matches!(
                    w,
                    What::State {
                        to: AppState::Suspended,
                        ..
                    }
                )
            }),
            ("network up", &|w| matches!(w, What::Network { up: true })),
            ("range + if-range", &|w| {
                matches!(
                    w,
                    What::RequestSent {
                        range: Some(_),
                        if_range: Some(_),
                        attempt: 2,
                        ..
                    }
                )
            }),
            ("206", &|w| matches!(w, What::Response { status: 206, .. })),
            ("downloaded", &|w| matches!(w, What::Downloaded { .. })),
            // LC-2: the suspended app is resumed in the background, not relaunched.
            ("wake", &|w| matches!(w, What::Wake { .. })),
            ("resumed to background", &|w| {
                matches!(
                    w,
                    What::State {
                        from: AppState::Suspended,
                        to: AppState::Background
                    }
                )
            }),
            ("handleEvents", &|w| {
                matches!(callback(w), Some(Callback::HandleEvents { .. }))
            }),
            ("finish", &|w| {
                matches!(callback(w), Some(Callback::DidFinishDownloadingTo { .. }))
            }),
            ("complete nil", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidCompleteWithError { error: None, .. })
                )
            }),
            ("didFinishEvents", &|w| {
                matches!(callback(w), Some(Callback::DidFinishEvents { .. }))
            }),
            ("handler on main", &|w| {
                matches!(
                    w,
                    What::HandlerCalled {
                        queue: Queue::Main,
                        ..
                    }
                )
            }),
        ],
    );
    assert_eq!(
        count(&run, |w| matches!(
            w,
            What::Launched {
                in_background: true
            }
        )),
        0
    );
    assert_eq!(
        count(&run, |w| matches!(w, What::Failed { .. })),
        0,
        "no error reaches the app"
    );
    let interrupted_at = match &records(&run)[idx[0]].what {
        What::Interrupted { bytes, .. } => *bytes,
        _ => unreachable!(),
    };
    let range = format!("bytes={interrupted_at}-");
    assert!(run
        .journal
        .iter()
        .any(|j| j.range.as_deref() == Some(range.as_str()) && j.status == 206));
    assert_eq!(
        run.sandbox.read("Documents/big.bin").unwrap(),
        served(&set, BIG)
    );
}

#[test]
fn t4_article_calls_the_handler_off_the_main_queue() {
    let run = run("article", 4, Transport::Tcp, t4(true));
    let set = fixtures();
    in_order(
        &run,
        &[
            ("handleEvents", &|w| {
                matches!(callback(w), Some(Callback::HandleEvents { .. }))
            }),
            // Delete-then-copy to an absolute path under the container root.
            (
                "copy",
                &|w| matches!(w, What::File { op: bgsim_simulator::trace::FileOp::Copy, to: Some(to), error: None, .. } if to.starts_with("/var/mobile/Containers/") && to.ends_with("/Documents/xamarin.png")),
            ),
            ("didFinishEvents", &|w| {
                matches!(callback(w), Some(Callback::DidFinishEvents { .. }))
            }),
            // CH-2: called right inside did-finish-events, on the delegate queue.
            ("handler off main", &|w| {
                matches!(
                    w,
                    What::HandlerCalled {
                        queue: Queue::Delegate(_),
                        ..
                    }
                )
            }),
        ],
    );
    assert_eq!(
        run.sandbox.read("Documents/xamarin.png").unwrap(),
        served(&set, BIG)
    );
}

#[test]
fn t4_alt_never_reconnects_and_times_out_after_seven_days() {
    let run = run("reference", 4, Transport::Memory, t4(false));
    let idx = in_order(
        &run,
        &[
            ("waiting", &|w| matches!(w, What::Waiting { .. })),
            // NET-3: the resource timeout (7 days from resume) ends it with -1001 + resume data.
            ("timed out", &|w| {
                matches!(
                    w,
                    What::Failed {
                        error: UrlError {
                            code: -1001,
                            resume_data: Some(_),
                            ..
                        },
                        ..
                    }
                )
            }),
            ("wake", &|w| matches!(w, What::Wake { .. })),
            (
                "-1001 delivered",
                &|w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == UrlError::TIMED_OUT),
            ),
        ],
    );
    let timed_out_at = records(&run)[idx[1]].at;
    assert_eq!(
        timed_out_at,
        secs(1.0 + 7.0 * 86_400.0),
        "created at 1 s, plus 7 days"
    );
}

#[test]
fn article_saves_a_404_page_as_the_image() {
    let run = run(
        "article",
        5,
        Transport::Memory,
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("/missing.png", "Documents/xamarin.png")),
        ],
    );
    // HTTP-1: the 404 arrives as a finished download; the article copies it anyway.
    in_order(
        &run,
        &[
            ("finish(404)", &|w| {
                matches!(
                    callback(w),
                    Some(Callback::DidFinishDownloadingTo { status: 404, .. })
                )
            }),
            ("copied", &|w| {
                matches!(
                    w,
                    What::File {
                        op: bgsim_simulator::trace::FileOp::Copy,
                        error: None,
                        ..
                    }
                )
            }),
        ],
    );
    let saved = run.sandbox.read("Documents/xamarin.png").unwrap();
    assert!(
        saved.starts_with(b"<!DOCTYPE html>") || saved.starts_with(b"<html"),
        "{:?}",
        String::from_utf8_lossy(&saved)
    );
}
