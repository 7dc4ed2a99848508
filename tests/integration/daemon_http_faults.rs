//! The daemon's answers to the server's stalls (NET-2, NET-3), gzip representations
//! (docs/http.md#gzip, PROG-2) and Retry-After dates (HTTP-1): what the server sent
//! (the journal), what the daemon and the app did (the history), and the file byte-exact.
//! Every scenario runs on both transports, with the same history.

use crate::common;

use bgsim::runner::{run_scenario, Outcome, Overrides};
use bgsim::scenario::{self};
use bgsim::world::Transport;
use bgsim_simulator::app::UrlError;
use bgsim_simulator::trace::{Callback, Record, What};
use bgsim_simulator::SimTime;
use std::time::Duration;

use common::shipped::{journal, run_on_both as run};

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

/// The encoded and identity ETags, and the encoded length, of a gzip fixture.
fn gzip_fixture(o: &Outcome, path: &str) -> (String, String, u64) {
    o.run.server.with_fixtures(|set| {
        let f = set.get(path).expect("fixture");
        let gz = f.current_gzip().expect("a gzip fixture");
        (gz.etag.clone(), f.current().etag.clone(), gz.content.len())
    })
}

/// The `expected` of every didWriteData.
fn expected_sizes(o: &Outcome) -> Vec<i64> {
    o.run
        .history
        .records()
        .iter()
        .filter_map(|r| match &r.what {
            What::Callback {
                callback: Callback::DidWriteData { expected, .. },
                ..
            } => Some(*expected),
            _ => None,
        })
        .collect()
}

const GZIP: &str = "prog-2-gzip-cut-resumes-decoded";

#[test]
fn a_cut_gzip_download_resumes_over_the_encoded_bytes_and_decodes_byte_exact() {
    let o = run(GZIP);
    let (gzip_etag, identity_etag, encoded_len) = gzip_fixture(&o, "/big.bin");
    assert_ne!(gzip_etag, identity_etag);
    let from = format!("bytes={STALL_AT}-");
    assert_eq!(
        journal(&o),
        [
            (200, None, s(&format!("cut at {STALL_AT}"))),
            (206, Some(from), None)
        ]
    );
    // NSURLSession's Accept-Encoding; the resume names the gzip representation's ETag.
    for e in &o.run.journal {
        assert_eq!(e.accept_encoding.as_deref(), Some("gzip, deflate, br"));
    }
    assert_eq!(
        o.run.journal[1].if_range.as_deref(),
        Some(gzip_etag.as_str())
    );
    // Progress counts encoded bytes, against an unknown expected size (PROG-2 knob).
    let sizes = expected_sizes(&o);
    assert!(
        !sizes.is_empty() && sizes.iter().all(|e| *e == -1),
        "{sizes:?}"
    );
    let content_len = 1024 * 1024;
    assert_eq!(
        first(&o, |w| matches!(w, What::Decoded { .. })).what,
        What::Decoded {
            task: task(1),
            encoding: "gzip".into(),
            encoded: encoded_len,
            decoded: content_len,
        }
    );
    assert!(matches!(
        first(&o, |w| matches!(w, What::Downloaded { .. })).what,
        What::Downloaded { bytes, .. } if bytes == encoded_len
    ));
    // `[expect] files` held: the file is the identity content (checked by `run`); and it
    // is not the encoded bytes.
    assert_ne!(encoded_len, content_len);
}

#[test]
fn with_the_knob_off_the_expected_size_of_a_gzip_body_is_its_encoded_length() {
    let known = bgsim::registry::Apps::builtin().known();
    let path = format!("{}/scenarios/{GZIP}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = format!("{text}\n[profile]\nencoded_length_unknown = false\n");
    let sc = scenario::parse(&text, std::path::Path::new(&path), &known).unwrap();
    // The reference app, which checks a file against the announced size (RES-6), sees the
    // Content-Encoding and does not hold the decoded file to the encoded length: it keeps
    // it, and the scenario passes (`[expect] files`).
    let o = common::shipped::run_passing(&sc, Transport::Memory);
    let (_, _, encoded_len) = gzip_fixture(&o, "/big.bin");
    let sizes = expected_sizes(&o);
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|e| *e == encoded_len as i64),
        "{sizes:?} vs {encoded_len}"
    );
    assert!(!o.run.history.render().contains("discarded"));
}

#[test]
fn a_retry_after_date_is_counted_from_the_responses_date() {
    let o = run("http-1-retry-after-date");
    let retry_at = httpdate::fmt_http_date(bgsim::server::server_date() + Duration::from_secs(120));
    assert_eq!(
        journal(&o),
        [
            (503, None, s(&format!("status 503 retry-after {retry_at}"))),
            (200, None, None)
        ]
    );
    // The 503 reached the app with both headers.
    let finished = first(&o, |w| matches!(w, What::Downloaded { status: 503, .. }));
    // The app's retry waits Retry-After minus Date: 2 minutes, not the 1 minute it falls
    // back to when it cannot read the header.
    let begins = first(&o, |w| matches!(w, What::TaskBeginsNoEarlier { .. }));
    assert_eq!(
        begins.what,
        What::TaskBeginsNoEarlier {
            task: task(2),
            at: finished.at + Duration::from_secs(120)
        }
    );
    let retry = first(
        &o,
        |w| matches!(w, What::RequestSent { task: t, .. } if *t == task(2)),
    );
    assert_eq!(retry.at, finished.at + Duration::from_secs(120));
}

/// An upload's response body stalls for ever after 10 bytes: the request times out (NET-2)
/// and the daemon sends the whole file again (RES-8), on both transports alike.
#[test]
fn a_stalled_upload_response_times_out_and_the_upload_starts_over() {
    let path = format!(
        "{}/scenarios/fault-upload-cut-response-starts-over.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("kind = \"cut\"", "kind = \"stall\"");
    let known = bgsim::registry::Apps::builtin().known();
    let sc = scenario::parse(&text, std::path::Path::new(&path), &known).unwrap();
    let on = |transport| {
        let o = run_scenario(
            &bgsim::registry::Apps::builtin(),
            &sc,
            &Overrides {
                transport,
                ..Overrides::default()
            },
        )
        .unwrap();
        assert!(o.passed(), "{:?}\n{}", o.unexpected, o.run.history.render());
        o
    };
    let o = on(Transport::Memory);
    assert_eq!(
        on(Transport::Tcp).run.history.render(),
        o.run.history.render()
    );
    let faults = o.run.server.journal().faults();
    assert_eq!(faults, [s("stall at 10 forever"), None]);
    let stalled = first(&o, |w| matches!(w, What::Stalled { bytes: 10, .. }));
    let timed_out = first(&o, |w| matches!(w, What::RequestTimedOut { .. }));
    assert_eq!(timed_out.at.since(stalled.at), Duration::from_secs(60));
    // RES-8: attempt 2 sends the whole file again, and its response completes the upload.
    let again = first(&o, |w| {
        matches!(w, What::UploadRequestSent { attempt: 2, .. })
    });
    assert!(again.at > timed_out.at);
    assert_eq!(o.run.server.journal().uploads().len(), 2);
}

fn task(id: u64) -> bgsim_simulator::app::TaskKey {
    bgsim_simulator::app::TaskKey {
        session: "com.bgsim.reference.downloads".into(),
        task_id: id,
    }
}
