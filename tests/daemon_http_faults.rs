//! The daemon's answers to the server's stalls (NET-2, NET-3), gzip representations
//! (http-side.md §2 "gzip", PROG-2) and Retry-After dates (HTTP-1): what the server sent
//! (the journal), what the daemon and the app did (the history), and the file byte-exact.
//! Every scenario runs on both transports, with the same history.

use bgsim::apps;
use bgsim::check;
use bgsim::runner::{run_scenario, Outcome, Overrides};
use bgsim::scenario::{self, Known};
use bgsim::world::Transport;
use bgsim_simulator::app::UrlError;
use bgsim_simulator::trace::{Record, What};
use bgsim_simulator::SimTime;
use std::time::Duration;

/// Runs a shipped scenario on the in-memory pipe and on TCP; both must pass with the same
/// history. Returns the in-memory run.
fn run(name: &str) -> Outcome {
    let checks = check::ids();
    let known = Known {
        apps: &apps::NAMES,
        checks: &checks,
    };
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load(std::path::Path::new(&path), &known).unwrap();
    let on = |transport| {
        let o = run_scenario(
            &s,
            &Overrides {
                transport,
                ..Overrides::default()
            },
        )
        .unwrap();
        assert!(
            o.passed(),
            "{name} on {transport:?}: {:?} {:?} {:?}\n{}",
            o.unexpected,
            o.missing,
            o.file_problems,
            o.run.history.render()
        );
        o
    };
    let memory = on(Transport::Memory);
    let tcp = on(Transport::Tcp);
    assert_eq!(
        tcp.run.history.render(),
        memory.run.history.render(),
        "{name}: TCP and memory differ"
    );
    memory
}

/// (status, Range header, fault) of every request, in order.
fn journal(o: &Outcome) -> Vec<(u16, Option<String>, Option<String>)> {
    let faults = o.run.server.journal().faults();
    o.run
        .journal
        .iter()
        .map(|e| {
            (
                e.status,
                e.range.clone(),
                faults[e.request_index as usize].clone(),
            )
        })
        .collect()
}

/// The first record matching `pred`.
fn first(o: &Outcome, pred: impl Fn(&What) -> bool) -> &Record {
    o.run
        .history
        .records()
        .iter()
        .find(|r| pred(&r.what))
        .unwrap_or_else(|| panic!("not in the history:\n{}", o.run.history.render()))
}

fn count(o: &Outcome, pred: impl Fn(&What) -> bool) -> usize {
    o.run
        .history
        .records()
        .iter()
        .filter(|r| pred(&r.what))
        .count()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

const STALL_AT: u64 = 500 * 1024;

#[test]
fn a_short_stall_pauses_the_body_on_the_same_request() {
    let o = run("net-2-short-stall-resumes");
    // One request: the stall ended and the rest of the body followed on it.
    assert_eq!(
        journal(&o),
        [(200, None, s(&format!("stall at {STALL_AT} for 20s")))]
    );
    assert!(o.run.journal[0].body_complete);
    let stalled = first(
        &o,
        |w| matches!(w, What::Stalled { bytes, .. } if *bytes == STALL_AT),
    );
    let over = first(&o, |w| matches!(w, What::StallOver { .. }));
    assert_eq!(
        over.what,
        What::StallOver {
            task: task(1),
            after: Duration::from_secs(20)
        }
    );
    assert_eq!(over.at.since(stalled.at), Duration::from_secs(20));
    assert_eq!(count(&o, |w| matches!(w, What::RequestTimedOut { .. })), 0);
    assert_eq!(count(&o, |w| matches!(w, What::RequestSent { .. })), 1);
}

#[test]
fn a_stall_without_end_times_out_at_the_request_timeout_and_resumes_with_range() {
    let o = run("net-2-stall-times-out-and-resumes");
    let from = format!("bytes={STALL_AT}-");
    assert_eq!(
        journal(&o),
        [
            (200, None, s(&format!("stall at {STALL_AT} forever"))),
            (206, Some(from.clone()), None)
        ]
    );
    // The server never sent more than the bytes before the stall on request 1.
    assert!(!o.run.journal[0].body_complete);
    assert_eq!(o.run.journal[0].body_bytes_sent, STALL_AT);
    // Request 2 resumed on the validator of request 1.
    assert!(o.run.journal[1].if_range.is_some());
    let stalled = first(&o, |w| matches!(w, What::Stalled { .. }));
    let timed_out = first(&o, |w| matches!(w, What::RequestTimedOut { .. }));
    assert_eq!(
        timed_out.what,
        What::RequestTimedOut {
            task: task(1),
            bytes: STALL_AT,
            after: Duration::from_secs(60)
        }
    );
    // NET-2: the idle timer is timeoutIntervalForRequest's default, in virtual time.
    assert_eq!(timed_out.at.since(stalled.at), Duration::from_secs(60));
    let retry = first(&o, |w| matches!(w, What::RequestSent { attempt: 2, .. }));
    assert!(matches!(&retry.what, What::RequestSent { range: Some(r), .. } if *r == from));
    // The -1001 stayed inside the daemon: the app saw one task end, without error.
    assert_eq!(count(&o, |w| matches!(w, What::Failed { .. })), 0);
    assert!(o.run.end_time > SimTime::from_us(60_000_000));
}

#[test]
fn stalls_on_every_request_end_in_the_resource_timeout_then_resume_data() {
    let o = run("net-3-stalls-until-the-resource-timeout");
    let j = journal(&o);
    // Every request stalls after 100 KiB of its body; each retry asks for the rest.
    let step = 100 * 1024;
    for (i, (_, range, fault)) in j.iter().enumerate() {
        // The last body is shorter than 100 KiB: the stall does not apply to it.
        let last = i + 1 == j.len();
        let stall = s(&format!("stall at {step} forever"));
        assert_eq!(*fault, stall.filter(|_| !last));
        let asked = (i as u64) * step;
        assert_eq!(*range, (asked > 0).then(|| format!("bytes={asked}-")));
    }
    // NET-2 with the session's request timeout of 10 s.
    assert!(
        count(
            &o,
            |w| matches!(w, What::RequestTimedOut { after, .. } if *after == Duration::from_secs(10))
        ) >= 6
    );
    // NET-3: the first task's resource timeout (1 min after resume) reached the app as
    // -1001 with resume data; the app's new task finished the file.
    let failed = first(&o, |w| matches!(w, What::Failed { .. }));
    assert!(matches!(
        &failed.what,
        What::Failed { task: t, error } if *t == task(1)
            && error.code == UrlError::TIMED_OUT
            && error.resume_data.is_some()
    ));
    assert_eq!(failed.at, SimTime::from_us(61_000_000));
    assert!(o.run.history.records().iter().any(|r| matches!(
        &r.what,
        What::Downloaded { task: t, bytes: 1_048_576, .. } if *t == task(2)
    )));
}

fn task(id: u64) -> bgsim_simulator::app::TaskKey {
    bgsim_simulator::app::TaskKey {
        session: "com.bgsim.reference.downloads".into(),
        task_id: id,
    }
}
