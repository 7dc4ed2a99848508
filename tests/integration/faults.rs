//! One test per server fault: what the server sent (the journal) and what the app saw (the
//! history), with the file byte-exact or the failure surfaced as iOS would.

use crate::common;

use bgsim::runner::Outcome;
use bgsim_simulator::trace::{Callback, What};
use common::shipped::{journal, run};

fn seen(o: &Outcome, pred: impl Fn(&What) -> bool) -> bool {
    o.run.history.records().iter().any(|r| pred(&r.what))
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

const FROM_CUT: &str = "bytes=512000-";

#[test]
fn cut() {
    let o = run("fault-cut-resumes-with-range");
    assert_eq!(
        journal(&o),
        [(200, None, s("cut at 512000")), (206, s(FROM_CUT), None)]
    );
    assert!(o.run.journal[0].body_bytes_sent == 512_000 && !o.run.journal[0].body_complete);
    assert!(seen(&o, |w| matches!(
        w,
        What::Interrupted { bytes: 512_000, .. }
    )));
}

#[test]
fn reset() {
    let o = run("fault-reset-resumes-with-range");
    assert_eq!(
        journal(&o),
        [(200, None, s("reset at 512000")), (206, s(FROM_CUT), None)]
    );
    assert!(o.run.journal[0].body_bytes_sent == 512_000 && !o.run.journal[0].body_complete);
    // The daemon got every byte before the RST, and resumed from there.
    assert!(seen(&o, |w| matches!(
        w,
        What::Interrupted { bytes: 512_000, .. }
    )));
}

#[test]
fn new_version() {
    let o = run("fault-resource-changed-restarts");
    assert_eq!(
        journal(&o),
        [
            (200, None, s("cut at 512000")),
            (200, s(FROM_CUT), s("new version 1"))
        ]
    );
}

#[test]
fn ignore_range() {
    let o = run("fault-ignore-range-restarts");
    assert_eq!(
        journal(&o),
        [
            (200, None, s("cut at 512000")),
            (200, s(FROM_CUT), s("ignore range"))
        ]
    );
}

#[test]
fn misaligned_range() {
    let o = run("fault-misaligned-206-refused");
    assert_eq!(
        journal(&o),
        [
            (200, None, s("cut at 512000")),
            (206, s(FROM_CUT), s("misaligned range by -1000")),
            (200, None, None)
        ]
    );
    assert!(seen(
        &o,
        |w| matches!(w, What::Interrupted { reason, .. } if reason.contains("does not continue"))
    ));
}

#[test]
fn short_range() {
    let o = run("fault-short-206-resumes-again");
    let j = journal(&o);
    assert_eq!(j[1], (206, s(FROM_CUT), s("short range missing 102400")));
    assert_eq!(
        j[2],
        (206, s("bytes=1994752-"), None),
        "resumed again from where it stood"
    );
}

#[test]
fn weak_etag() {
    let o = run("fault-weak-etag-resumes-by-date");
    assert!(o.run.journal[1].if_range.as_deref() == Some("Thu, 01 Jan 2026 00:00:00 GMT"));
    assert_eq!(journal(&o)[1].0, 206);
}

#[test]
fn no_validators() {
    let o = run("fault-no-validators-restarts");
    assert_eq!(
        journal(&o),
        [
            (200, None, s("no validators; cut at 512000")),
            (200, None, s("no validators"))
        ]
    );
}

#[test]
fn status_with_retry_after() {
    let o = run("fault-503-retry-after");
    assert_eq!(
        journal(&o),
        [
            (503, None, s("status 503 retry-after 120")),
            (200, None, None)
        ]
    );
    let sent: Vec<_> = o
        .run
        .history
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::RequestSent { .. }))
        .collect();
    assert!(
        sent[1].at.since(sent[0].at).as_secs() >= 120,
        "retried no sooner than Retry-After"
    );
}

#[test]
fn redirect_chain() {
    let o = run("fault-redirect-chain");
    let j = journal(&o);
    assert_eq!((j[0].0, j[1].0, j[2].0), (301, 307, 200));
    assert!(seen(&o, |w| matches!(
        w,
        What::Redirected { status: 307, .. }
    )));
}

#[test]
fn redirect_loop_and_missing_location() {
    let o = run("fault-redirect-loop-fails");
    assert!(seen(
        &o,
        |w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -1007)
    ));
    let o = run("fault-redirect-without-location");
    assert!(journal(&o)
        .iter()
        .all(|(st, _, f)| *st == 302 && f.as_deref() == Some("redirect 302 without location")));
    assert!(seen(
        &o,
        |w| matches!(callback(w), Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -1010)
    ));
}

#[test]
fn close_delimited() {
    let o = run("fault-close-delimited-length-unknown");
    assert_eq!(journal(&o), [(200, None, s("close-delimited"))]);
    assert!(seen(&o, |w| matches!(
        callback(w),
        Some(Callback::DidWriteData { expected: -1, .. })
    )));
}

#[test]
fn unauthorized() {
    let o = run("fault-401-is-a-response");
    assert_eq!(journal(&o)[0], (401, None, s("unauthorized")));
    // HTTP-1: a response, not an error; the reference app fails it and keeps no file.
    assert!(seen(&o, |w| matches!(
        callback(w),
        Some(Callback::DidFinishDownloadingTo { status: 401, .. })
    )));
    assert!(seen(
        &o,
        |w| matches!(w, What::DownloadState { state, .. } if state == "failed")
    ));
}

#[test]
fn accept_ranges_none() {
    // RES-1: `Accept-Ranges: none`; the network drops mid-body and the retry takes it all.
    let o = run("res-1-no-range-support-restarts");
    assert_eq!(journal(&o), [(200, None, None), (200, None, None)]);
    assert!(!o.run.journal[0].body_complete && o.run.journal[1].body_complete);
    assert!(seen(
        &o,
        |w| matches!(w, What::Interrupted { bytes, .. } if *bytes > 0)
    ));
}

#[test]
fn accept_ranges_absent() {
    // RES-1: no Accept-Ranges header at all: the daemon does not try a Range either.
    let o = run("res-1-accept-ranges-absent-restarts");
    assert_eq!(
        journal(&o),
        [(200, None, s("cut at 512000")), (200, None, None)]
    );
    assert_eq!(o.run.journal[1].body_bytes_sent, 2 << 20);
}

#[test]
fn chunked() {
    // PROG-2: chunked framing, no Content-Length: the expected size is -1, the file whole.
    let o = run("prog-2-unknown-length");
    assert_eq!(journal(&o), [(200, None, None)]);
    assert!(o.run.journal[0].body_complete);
    assert!(seen(&o, |w| matches!(
        callback(w),
        Some(Callback::DidWriteData { expected: -1, .. })
    )));
}

#[test]
fn redirect_statuses() {
    // NET-7: 302, 303 and 308 are followed like 301 and 307.
    let o = run("fault-redirect-302-303-308");
    let hops: Vec<(u16, &str)> = o
        .run
        .journal
        .iter()
        .map(|e| (e.status, e.path.as_str()))
        .collect();
    assert_eq!(
        hops,
        [
            (302, "/a/big.bin"),
            (303, "/b/big.bin"),
            (308, "/c/big.bin"),
            (200, "/big.bin")
        ]
    );
    assert!(o.run.journal.iter().all(|e| e.method == "GET"));
    for status in [302, 303, 308] {
        assert!(seen(
            &o,
            |w| matches!(w, What::Redirected { status: st, .. } if *st == status)
        ));
    }
}

#[test]
fn error_status_with_a_body() {
    // HTTP-1: a 404 with an HTML body is a finished download; the app keeps no file.
    let o = run("http-1-an-error-status-is-a-download");
    assert_eq!(journal(&o), [(404, None, None)]);
    assert!(o.run.journal[0].body_complete && o.run.journal[0].body_bytes_sent > 0);
    assert!(seen(&o, |w| matches!(
        callback(w),
        Some(Callback::DidFinishDownloadingTo { status: 404, .. })
    )));
}

#[test]
fn tmp_purge_loses_the_kept_bytes() {
    // RES-1 condition 5: after tmp/ is purged the resumed task asks for everything.
    let o = run("res-1-resume-after-tmp-purge-restarts");
    let ranges: Vec<Option<String>> = journal(&o).into_iter().map(|(_, r, _)| r).collect();
    assert_eq!(ranges, [None, None]);
    assert!(seen(
        &o,
        |w| matches!(w, What::TmpPurged { files } if files.len() == 1)
    ));
    assert!(seen(
        &o,
        |w| matches!(w, What::ResumeBytesGone { bytes, .. } if *bytes > 0)
    ));
}

#[test]
fn purged_resume_bug_is_caught_by_the_app() {
    // RES-6 knob: the daemon asks for the rest although the kept bytes are gone; the short
    // file is refused by the reference app, which fetches it whole again.
    let o = run("res-6-purged-resume-gives-a-short-file");
    let j = journal(&o);
    assert_eq!(j.len(), 3);
    assert_eq!((j[1].0, j[1].1.is_some()), (206, true));
    assert_eq!((j[2].0, j[2].1.clone()), (200, None));
    assert!(!seen(&o, |w| matches!(w, What::ResumeBytesGone { .. })));
}

fn callback(w: &What) -> Option<&Callback> {
    match w {
        What::Callback { callback, .. } => Some(callback),
        _ => None,
    }
}
