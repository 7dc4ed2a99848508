//! Tests of the model's rules in isolation, with a small test app and canned HTTP bytes.

use crate::support;

use bgsim_simulator::app::{AppState, Queue};
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{Action, SimConfig};
use std::sync::Arc;
use std::time::Duration;
use support::*;

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn a_relaunch_builds_a_new_app_object_and_only_the_container_survives() {
    let (h, files, _, sb) = run(
        Quirks::default(),
        serve_bytes(body(1000)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/a")),
            (secs(2.0), Action::Home),
            (secs(10.0), Action::SystemKill),
            (secs(20.0), Action::Launch),
            (secs(21.0), download("Documents/b")),
        ],
    );
    let taps: Vec<&What> = h
        .records()
        .iter()
        .map(|r| &r.what)
        .filter(|w| matches!(w, What::Log(l) if l.starts_with("taps seen")))
        .collect();
    // Each process counted one tap: the second process started from nothing.
    assert_eq!(
        taps,
        vec![&What::Log("taps seen by this process: 1".into()); 2]
    );
    let states: Vec<(AppState, AppState)> = h
        .records()
        .iter()
        .filter_map(|r| match r.what {
            What::State { from, to } => Some((from, to)),
            _ => None,
        })
        .collect();
    use AppState::*;
    assert_eq!(
        states,
        vec![
            (NotRunning, Foreground),
            (Foreground, Background),
            (Background, Suspended),
            (Suspended, TerminatedBySystem),
            (TerminatedBySystem, Foreground),
        ]
    );
    assert!(
        files.contains(&"Documents/a".to_string()) && files.contains(&"Documents/b".to_string())
    );
    assert_eq!(sb.read("Documents/a").unwrap(), body(1000));
}

#[test]
fn steps_that_do_not_apply_are_recorded_as_ignored() {
    let (h, ..) = run(
        Quirks::default(),
        serve_bytes(body(10)),
        vec![
            (secs(0.0), Action::Home),
            (secs(0.0), Action::SystemKill),
            (secs(0.0), Action::ForceQuit),
            (secs(1.0), Action::Launch),
            (secs(1.0), Action::Launch),
            (secs(1.0), Action::SystemSuspend),
            (secs(1.0), Action::Foreground),
            (secs(2.0), Action::Home),
            (secs(9.0), Action::Crash),
            (secs(9.0), download("Documents/x")),
        ],
    );
    let ignored: Vec<String> = h
        .records()
        .iter()
        .filter_map(|r| match &r.what {
            What::Ignored { action, state } => Some(format!("{} in {state}", action.name())),
            _ => None,
        })
        .collect();
    assert_eq!(
        ignored,
        vec![
            "home in not-running",
            "system-kill in not-running",
            "force-quit in not-running",
            "launch in foreground",
            "system-suspend in foreground",
            "foreground in foreground",
            "crash in suspended",
            "download in suspended",
        ]
    );
}

#[test]
fn prog_2_expected_length_is_minus_one_without_content_length() {
    let chunked = Arc::new(|_: &str| {
        let mut r =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
        for _ in 0..4 {
            r.extend_from_slice(b"3e8\r\n");
            r.extend_from_slice(&[b'x'; 1000]);
            r.extend_from_slice(b"\r\n");
        }
        r.extend_from_slice(b"0\r\n\r\n");
        r
    });
    let (h, _, _, sb) = run(
        Quirks::default(),
        chunked,
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/c")),
        ],
    );
    assert!(has(&h, |w| matches!(
        w,
        What::Response {
            content_length: -1,
            ..
        }
    )));
    assert!(has(&h, |w| matches!(
        cb(w),
        Some(Callback::DidWriteData { expected: -1, .. })
    )));
    // The test app divides by the expected length, as the article does: negative progress.
    assert!(has(
        &h,
        |w| matches!(w, What::Progress { fraction, .. } if *fraction < 0.0)
    ));
    assert_eq!(sb.read("Documents/c").unwrap(), vec![b'x'; 4000]);
}

#[test]
fn http_1_a_404_is_a_finished_download_delivered_live_in_the_foreground() {
    let not_found = Arc::new(|_: &str| {
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found"
            .to_vec()
    });
    let (h, _, _, sb) = run(
        Quirks::default(),
        not_found,
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/page")),
        ],
    );
    let finish = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidFinishDownloadingTo { status: 404, .. })
        )
    });
    let complete = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: None, .. })
        )
    });
    assert!(finish < complete, "ORD-1");
    // LC-8: a running app gets callbacks live: no wake, no handleEvents, no did-finish-events.
    assert!(!has(&h, |w| matches!(w, What::Wake { .. })));
    assert!(!has(&h, |w| matches!(
        cb(w),
        Some(Callback::DidFinishEvents { .. })
    )));
    assert_eq!(sb.read("Documents/page").unwrap(), b"not found");
}

#[test]
fn net_5_a_cut_connection_is_retried_with_range_and_if_range() {
    let full = body(100_000);
    let serve = serve_bytes(full.clone());
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cut = {
        let calls = Arc::clone(&calls);
        Arc::new(move |head: &str| {
            let mut r = serve(head);
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                let header_len = r.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                r.truncate(header_len + 40_000);
            }
            r
        })
    };
    let (h, _, requests, sb) = run(
        Quirks::default(),
        cut,
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/cut")),
        ],
    );
    assert!(has(&h, |w| matches!(
        w,
        What::Interrupted { bytes: 40_000, .. }
    )));
    let requests = requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].contains("range: bytes=40000-"),
        "{}",
        requests[1]
    );
    assert!(requests[1].contains("if-range: \"v1\""), "{}", requests[1]);
    // Retried inside the daemon, never surfaced (NET-5 default).
    assert!(!has(&h, |w| matches!(
        cb(w),
        Some(Callback::DidCompleteWithError { error: Some(_), .. })
    )));
    assert_eq!(sb.read("Documents/cut").unwrap(), full);
}

#[test]
fn res_1_without_validators_a_cut_download_restarts_from_zero() {
    let full = body(50_000);
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let respond = {
        let full = full.clone();
        let calls = Arc::clone(&calls);
        Arc::new(move |_: &str| {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                full.len()
            )
            .into_bytes();
            let first = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
            r.extend_from_slice(if first { &full[..10_000] } else { &full[..] });
            r
        })
    };
    let (_, _, requests, sb) = run(
        Quirks::default(),
        respond,
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/r")),
        ],
    );
    let requests = requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        !requests[1].contains("range:"),
        "no validators, no Range: {}",
        requests[1]
    );
    assert_eq!(sb.read("Documents/r").unwrap(), full);
}

#[test]
fn file_1_the_temp_file_is_gone_once_the_callback_returns() {
    let quirks = Quirks {
        move_later: true,
        ..Quirks::default()
    };
    let (h, files, ..) = run(
        quirks,
        serve_bytes(body(500)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/late")),
        ],
    );
    let deleted = position(&h, |w| matches!(w, What::TempDeleted { deleted: true, .. }));
    let late_move = position(&h, |w| matches!(w, What::File { error: Some(_), .. }));
    assert!(deleted < late_move);
    assert!(!files.iter().any(|f| f.starts_with("Documents/")));
}

/// Completes while the app is suspended, so the completion comes with a wake.
fn completes_during_a_wake() -> Vec<(bgsim_simulator::SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(0.5), Action::NetworkDown),
        (secs(1.0), download("Documents/w")),
        (secs(2.0), Action::Home),
        (secs(10.0), Action::NetworkUp),
    ]
}

#[test]
fn lc_2_a_suspended_app_is_resumed_for_its_events_and_suspended_after_the_handler() {
    let (h, files, ..) = run(
        Quirks::default(),
        serve_bytes(body(800)),
        completes_during_a_wake(),
    );
    let wake = position(&h, |w| matches!(w, What::Wake { .. }));
    let resumed = position(&h, |w| {
        matches!(
            w,
            What::State {
                from: AppState::Suspended,
                to: AppState::Background
            }
        )
    });
    let handle = position(&h, |w| matches!(cb(w), Some(Callback::HandleEvents { .. })));
    let finish_events = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidFinishEvents { .. }))
    });
    let called = position(&h, |w| {
        matches!(
            w,
            What::HandlerCalled {
                queue: Queue::Main,
                count: 1,
                ..
            }
        )
    });
    let last = h.records().last().unwrap();
    assert!(wake < resumed && resumed < handle && handle < finish_events && finish_events < called);
    assert!(matches!(
        last.what,
        What::State {
            to: AppState::Suspended,
            ..
        }
    ));
    assert!(
        !has(&h, |w| matches!(
            w,
            What::Launched {
                in_background: true
            }
        )),
        "not relaunched"
    );
    assert!(files.contains(&"Documents/w".to_string()));
}

#[test]
fn lc_10_overrunning_the_wake_budget_kills_the_app() {
    let quirks = Quirks {
        busy_in_finish: Some(Duration::from_secs(45)),
        ..Quirks::default()
    };
    let (h, ..) = run(quirks, serve_bytes(body(800)), completes_during_a_wake());
    let wake = h.records()[position(&h, |w| matches!(w, What::Wake { .. }))].at;
    let exceeded = &h.records()[position(&h, |w| matches!(w, What::WakeBudgetExceeded { .. }))];
    assert_eq!(
        exceeded.at.since(wake),
        Duration::from_secs(30),
        "the default budget"
    );
    assert!(has(&h, |w| matches!(
        w,
        What::State {
            to: AppState::TerminatedBySystem,
            ..
        }
    )));
    assert!(!has(&h, |w| matches!(w, What::HandlerCalled { .. })));
}

#[test]
fn a_handler_never_called_ends_in_a_kill_and_a_warning() {
    let quirks = Quirks {
        never_call_handler: true,
        ..Quirks::default()
    };
    let (h, ..) = run(quirks, serve_bytes(body(800)), completes_during_a_wake());
    let exceeded = position(&h, |w| matches!(w, What::WakeBudgetExceeded { .. }));
    let warning = position(&h, |w| matches!(w, What::HandlerNeverCalled { .. }));
    assert!(exceeded < warning);
}

/// Runs a foreground download with `quirks`; asserts iOS raised an exception whose text
/// contains `reason`, and that the app then crashed.
fn assert_raises_then_crashes(quirks: Quirks, reason: &str) {
    let (h, ..) = run(quirks, serve_bytes(body(10)), foreground_download());
    let raised = position(
        &h,
        |w| matches!(w, What::Exception { reason: r, .. } if r.contains(reason)),
    );
    let crashed = position(&h, |w| {
        matches!(
            w,
            What::State {
                to: AppState::Crashed,
                ..
            }
        )
    });
    assert!(raised < crashed);
}

#[test]
fn api_3_an_upload_from_memory_is_refused() {
    let quirks = Quirks {
        upload_from_data: true,
        ..Quirks::default()
    };
    assert_raises_then_crashes(quirks, "Upload tasks from NSData are not supported");
}

#[test]
fn api_5_a_per_task_delegate_is_refused() {
    let quirks = Quirks {
        task_delegate: true,
        ..Quirks::default()
    };
    assert_raises_then_crashes(quirks, "Task delegate is not supported");
}

#[test]
fn a_call_ios_refuses_is_recorded_and_crashes_the_app() {
    let quirks = Quirks {
        invalidate_first: true,
        ..Quirks::default()
    };
    assert_raises_then_crashes(quirks, "invalidated");
}

#[test]
fn inv_2_a_session_made_again_before_invalidation_completes_is_the_invalid_one() {
    // ID-4 / INV-2: the identifier still names the invalidated object until
    // did-become-invalid has been delivered, so the "new" session refuses tasks.
    let quirks = Quirks {
        invalidate_first: true,
        recreate_at_once: true,
        ..Quirks::default()
    };
    let (h, ..) = run(quirks, serve_bytes(body(10)), foreground_download());
    let returned = position(
        &h,
        |w| matches!(w, What::InvalidatedSessionReturned { session } if session == "test.session"),
    );
    let raised = position(
        &h,
        |w| matches!(w, What::Exception { reason, .. } if reason.contains("invalidated")),
    );
    assert!(returned < raised);
    let created = h
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::SessionCreated { .. }))
        .count();
    assert_eq!(created, 1, "no second session object was made");
}

#[test]
fn kill_6_a_panic_is_a_crash_and_the_rest_arrives_with_a_relaunch() {
    let quirks = Quirks {
        panic_in_finish: true,
        ..Quirks::default()
    };
    let (h, ..) = run(
        quirks,
        serve_bytes(body(300)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/p")),
        ],
    );
    let panicked = position(
        &h,
        |w| matches!(w, What::Panicked { message } if message.contains("index out of range")),
    );
    let crashed = position(&h, |w| {
        matches!(
            w,
            What::State {
                to: AppState::Crashed,
                ..
            }
        )
    });
    // KILL-6: like a system kill, the held completion relaunches the app in the background.
    let relaunch = position(&h, |w| {
        matches!(
            w,
            What::Launched {
                in_background: true
            }
        )
    });
    let complete = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: None, .. })
        )
    });
    assert!(panicked < crashed && crashed < relaunch && relaunch < complete);
}

#[test]
fn res_2_cancel_producing_resume_data_then_resume_from_it() {
    let quirks = Quirks {
        pause_after: Some(Duration::from_millis(500)),
        ..Quirks::default()
    };
    let full = body(2_000_000);
    let (h, _, requests, sb) = run(
        quirks,
        serve_bytes(full.clone()),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/paused")),
        ],
    );
    // RES-2: the block gets the data first, then the task completes with -999, no reason.
    let produced = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::ResumeDataProduced { produced: true, .. })
        )
    });
    let cancelled = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidCompleteWithError { error: Some(e), .. })
            if e.code == -999 && e.cancel_reason.is_none() && e.resume_data.is_some())
    });
    let resumed = position(
        &h,
        |w| matches!(cb(w), Some(Callback::DidResumeAtOffset { offset, .. }) if *offset > 0),
    );
    assert!(produced < cancelled && cancelled < resumed);
    // P3: the kept bytes wait in the app's tmp/ until the new task takes them back.
    assert!(has(
        &h,
        |w| matches!(w, What::TaskCreated { from_resume_data: Some(n), .. } if *n > 0)
    ));
    let requests = requests.lock().unwrap();
    assert!(requests[1].contains("range: bytes="), "{}", requests[1]);
    assert_eq!(sb.read("Documents/paused").unwrap(), full);
    assert!(
        sb.list_dir("tmp").unwrap().is_empty(),
        "resume data consumed"
    );
}

#[test]
fn suspension_freezes_dispatched_work_until_the_app_runs_again() {
    let quirks = Quirks {
        block_after_home: Some(Duration::from_secs(10)),
        ..Quirks::default()
    };
    let (h, ..) = run(
        quirks,
        serve_bytes(body(10)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), Action::Home),
            (secs(60.0), Action::Foreground),
        ],
    );
    // Home at 1 s, suspended at 6 s: the block due at 11 s runs when the app returns.
    let ran = &h.records()[position(
        &h,
        |w| matches!(w, What::Log(l) if l == "the late block ran"),
    )];
    assert_eq!(ran.at, secs(60.0));
}

#[test]
fn rate_1_a_task_created_during_a_wake_waits_out_the_growing_delay() {
    let quirks = Quirks {
        download_on_wake: Some("http://test.server/next"),
        ..Quirks::default()
    };
    let mut timeline = completes_during_a_wake();
    timeline.push((secs(3600.0), Action::Launch));
    let (h, ..) = run(quirks, serve_bytes(body(800)), timeline);
    // RATE-2: the delay grows before handle-events; the new task is held for it.
    let delay = position(
        &h,
        |w| matches!(w, What::RateLimiter { delay } if *delay == Duration::from_secs(60)),
    );
    let handle = position(&h, |w| matches!(cb(w), Some(Callback::HandleEvents { .. })));
    let held = position(
        &h,
        |w| matches!(w, What::Waiting { reason, .. } if reason.contains("rate limiter holds it 1m")),
    );
    assert!(delay < handle && handle < held);
    let created = h.records()[held].at;
    let sent = h
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::RequestSent { .. }))
        .nth(1)
        .unwrap();
    assert_eq!(sent.at, created + Duration::from_secs(60));
    // The second completion wakes the app again within the delay: it doubles (RATE-1).
    assert!(has(&h, |w| {
        matches!(w, What::RateLimiter { delay } if *delay == Duration::from_secs(120))
    }));
    // The user opening the app resets it.
    let reset = position(
        &h,
        |w| matches!(w, What::RateLimiter { delay } if delay.is_zero()),
    );
    assert_eq!(h.records()[reset].at, secs(3600.0));
}

#[test]
fn sched_2_a_task_started_in_the_background_is_discretionary() {
    let quirks = Quirks {
        download_on_wake: Some("http://test.server/next"),
        ..Quirks::default()
    };
    let config = bgsim_simulator::SimConfig {
        device: bgsim_simulator::DeviceConfig {
            charging: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut timeline = completes_during_a_wake();
    timeline.push((secs(7200.0), Action::Charger { connected: true }));
    let (h, ..) = run_with(config, quirks, serve_bytes(body(800)), timeline);
    let deferred = position(
        &h,
        |w| matches!(w, What::Waiting { reason, .. } if reason.starts_with("discretionary")),
    );
    let plugged = position(&h, |w| {
        matches!(w, What::Step(Action::Charger { connected: true }))
    });
    let second_request = h
        .records()
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.what, What::RequestSent { .. }))
        .nth(1)
        .unwrap()
        .0;
    // The foreground task ran unplugged (SCHED-1 defers discretionary tasks only); the one
    // started in the background waited for the charger (SCHED-2).
    assert!(deferred < plugged && plugged < second_request);
}

#[test]
fn api_2_completion_handler_apis_raise_on_a_background_session() {
    let quirks = Quirks {
        completion_handler_api: true,
        ..Quirks::default()
    };
    assert_raises_then_crashes(quirks, "Completion handler blocks are not supported");
}

fn foreground_download() -> Vec<(bgsim_simulator::SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download("Documents/r")),
    ]
}

#[test]
fn net_7_redirects_are_followed_and_change_the_current_url() {
    let redirecting = Arc::new(|head: &str| match path_of(head) {
        "/file" => respond("302 Found", "location: /real/file.bin\r\n", b""),
        _ => respond("200 OK", "", b"the real bytes"),
    });
    let (h, _, requests, sb) = run(Quirks::default(), redirecting, foreground_download());
    assert!(has(
        &h,
        |w| matches!(w, What::Redirected { status: 302, to, .. } if to == "http://test.server/real/file.bin")
    ));
    let paths: Vec<String> = requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| path_of(r).to_string())
        .collect();
    assert_eq!(paths, ["/file", "/real/file.bin"]);
    assert_eq!(sb.read("Documents/r").unwrap(), b"the real bytes");
}

#[test]
fn net_7_a_redirect_loop_or_more_than_16_hops_fails_with_1007() {
    let looping = Arc::new(|head: &str| {
        let to = if path_of(head) == "/file" {
            "/other"
        } else {
            "/file"
        };
        respond("301 Moved Permanently", &format!("location: {to}\r\n"), b"")
    });
    let (h, ..) = run(Quirks::default(), looping, foreground_download());
    assert!(has(
        &h,
        |w| matches!(cb(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -1007)
    ));

    let chain = Arc::new(|head: &str| {
        let n: u32 = path_of(head)
            .trim_start_matches("/file")
            .trim_start_matches('/')
            .parse()
            .unwrap_or(0);
        respond(
            "307 Temporary Redirect",
            &format!("location: /file/{}\r\n", n + 1),
            b"",
        )
    });
    let (h, _, requests, _) = run(Quirks::default(), chain, foreground_download());
    assert!(has(
        &h,
        |w| matches!(w, What::Failed { error, .. } if error.code == -1007)
    ));
    assert_eq!(
        requests.lock().unwrap().len(),
        17,
        "the first request and 16 redirects"
    );
}

#[test]
fn a_redirect_without_location_fails_with_1010() {
    let nowhere = Arc::new(|_: &str| respond("302 Found", "", b""));
    let (h, ..) = run(Quirks::default(), nowhere, foreground_download());
    assert!(has(
        &h,
        |w| matches!(w, What::Failed { error, .. } if error.code == -1010)
    ));
}

#[test]
fn a_206_of_another_entity_is_not_appended() {
    let full = body(100_000);
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let lying = {
        let full = full.clone();
        Arc::new(move |head: &str| {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match n {
                // First: cut at 40 000 bytes, so the daemon resumes with Range + If-Range.
                0 => {
                    let mut r =
                        respond("200 OK", "etag: \"v1\"\r\naccept-ranges: bytes\r\n", &full);
                    let cut = r.len() - (full.len() - 40_000);
                    r.truncate(cut);
                    r
                }
                // Then a lying server: a 206 of a changed file, with its new ETag.
                1 => {
                    assert!(head.contains("range: bytes=40000-"), "{head}");
                    let rest = &full[40_000..];
                    let cr = "etag: \"v2\"\r\ncontent-range: bytes 40000-99999/100000\r\n";
                    respond("206 Partial Content", cr, rest)
                }
                _ => {
                    assert!(!head.contains("range:"), "asks for the whole file: {head}");
                    respond("200 OK", "etag: \"v2\"\r\n", &full)
                }
            }
        })
    };
    let (h, _, requests, sb) = run(Quirks::default(), lying, foreground_download());
    assert!(has(
        &h,
        |w| matches!(w, What::Interrupted { reason, .. } if reason.contains("206 that does not continue"))
    ));
    assert_eq!(requests.lock().unwrap().len(), 3);
    assert_eq!(sb.read("Documents/r").unwrap(), full);
}

#[test]
fn sched_3_earliest_begin_date_holds_the_task() {
    let quirks = Quirks {
        begin_after: Some(Duration::from_secs(3600)),
        ..Quirks::default()
    };
    let (h, ..) = run(quirks, serve_bytes(body(100)), foreground_download());
    let sent = h
        .records()
        .iter()
        .find(|r| matches!(r.what, What::RequestSent { .. }))
        .unwrap();
    assert_eq!(sent.at, secs(3601.0));
}

#[test]
fn inv_2_invalidate_and_cancel_cancels_then_reports_invalid() {
    let quirks = Quirks {
        invalidate_after_start: Some(true),
        ..Quirks::default()
    };
    let (h, files, ..) = run(quirks, serve_bytes(body(500_000)), foreground_download());
    let cancelled = position(
        &h,
        |w| matches!(cb(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -999 && e.cancel_reason.is_none()),
    );
    let invalid = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidBecomeInvalid { .. }))
    });
    assert!(cancelled < invalid);
    assert!(!files.contains(&"Documents/r".to_string()));
}

/// INV-3: finishTasksAndInvalidate, then the app goes to the background and back before the
/// task is done. iOS 10 then never called didBecomeInvalid; the knob reproduces that, and
/// without it the callback comes.
#[test]
fn inv_3_the_knob_loses_did_become_invalid_after_a_trip_to_the_background() {
    let timeline = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download("Documents/r")),
        (secs(1.1), Action::Home),
        (secs(1.2), Action::Foreground),
    ];
    let quirks = || Quirks {
        invalidate_after_start: Some(false),
        ..Quirks::default()
    };
    let became_invalid = |h: &bgsim_simulator::History| {
        has(h, |w| {
            matches!(cb(w), Some(Callback::DidBecomeInvalid { .. }))
        })
    };
    let (h, ..) = run(quirks(), serve_bytes(body(500_000)), timeline.clone());
    assert!(became_invalid(&h), "without the knob the callback comes");
    let mut config = SimConfig::default();
    config.profile.invalidation_lost_after_background = true;
    let (h, _, _, sb) = run_with(config, quirks(), serve_bytes(body(500_000)), timeline);
    assert!(!became_invalid(&h));
    assert!(has(
        &h,
        |w| matches!(w, What::InvalidationLost { session } if session == "test.session")
    ));
    // The task itself still finished.
    assert_eq!(sb.read("Documents/r").unwrap(), body(500_000));
}

#[test]
fn inv_1_finish_tasks_and_invalidate_lets_the_task_finish_first() {
    let quirks = Quirks {
        invalidate_after_start: Some(false),
        ..Quirks::default()
    };
    let (h, _, _, sb) = run(quirks, serve_bytes(body(500_000)), foreground_download());
    let completed = position(&h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: None, .. })
        )
    });
    let invalid = position(&h, |w| {
        matches!(cb(w), Some(Callback::DidBecomeInvalid { .. }))
    });
    assert!(
        completed < invalid,
        "the task ran to completion before the session went"
    );
    assert_eq!(sb.read("Documents/r").unwrap(), body(500_000));
    assert!(has(
        &h,
        |w| matches!(w, What::Log(l) if l == "test.session became invalid")
    ));
}
