//! The `upload-delivered` check: it fires on apps that call an upload done when the server
//! did not get the user's bytes with a 2xx (HTTP-1, API-1), and never on the reference app.

use crate::common;

use bgsim::check::{self, Evidence, Violation};
use bgsim::server::{Fault, FaultPlan, FaultRule};
use bgsim::world::{self, Run, Transport, World};
use bgsim_simulator::content::{generated, hex};
use bgsim_simulator::seed::fnv1a64;
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{Action, AppFactory, RunEnd, SimTime};
use common::broken_upload::{self, UploadFlaw};
use common::*;

fn judge(run: &Run) -> Vec<Violation> {
    check::judge(&Evidence::new(
        &run.history,
        &run.sandbox,
        &run.server,
        run.end == RunEnd::Quiet,
    ))
}

fn run_with_faults(app: AppFactory, faults: FaultPlan) -> Run {
    world::run(World {
        config: config(1),
        fixtures: fixtures(),
        faults,
        app,
        timeline: vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), upload("/uploads/photo.jpg", 100_000, 3)),
        ],
        horizon: SimTime::NEVER,
        transport: Transport::Memory,
    })
    .expect("the world runs")
}

fn always_500() -> FaultPlan {
    FaultPlan::new().with(FaultRule::every(
        "/uploads/photo.jpg",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
    ))
}

fn upload_violations(run: &Run) -> Vec<Violation> {
    judge(run)
        .into_iter()
        .filter(|v| v.check == "upload-delivered")
        .collect()
}

#[test]
fn an_app_that_trusts_the_nil_error_calls_a_500_done() {
    let run = run_with_faults(
        broken_upload::factory(UploadFlaw::DoneWhateverTheStatus),
        always_500(),
    );
    let v = upload_violations(&run);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].message,
        "the app calls u1 done, but the server answered 500 to every upload of those bytes to /uploads/photo.jpg"
    );
    // It points at the user's request and at the app's claim.
    let r = run.history.records();
    assert!(matches!(
        &r[v[0].events[0]].what,
        What::Callback {
            callback: Callback::UserTappedUpload { .. },
            ..
        }
    ));
    assert!(
        matches!(&r[v[0].events[1]].what, What::DownloadState { state, .. } if state == "done")
    );
    // Without the fault the same app is right.
    let fine = run_with_faults(
        broken_upload::factory(UploadFlaw::DoneWhateverTheStatus),
        FaultPlan::new(),
    );
    assert!(upload_violations(&fine).is_empty());
}

#[test]
fn changing_the_file_before_resume_uploads_other_bytes() {
    let run = run_with_faults(
        broken_upload::factory(UploadFlaw::ModifiesTheFileBeforeResume),
        FaultPlan::new(),
    );
    let v = upload_violations(&run);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].message,
        format!(
            "the app calls u1 done, but the server received 6 bytes (fnv1a64 {}) at \
             /uploads/photo.jpg, not the 100000 bytes (fnv1a64 {}) the user picked",
            hex(fnv1a64(b"edited")),
            hex(fnv1a64(&generated(100_000, 3)))
        )
    );
    // The server did receive and accept an upload: only its bytes are wrong.
    let uploads = run.server.journal().uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!((uploads[0].0.status, uploads[0].1.bytes), (201, 6));
}

#[test]
fn an_app_that_reports_nothing_is_judged_by_the_upload_it_took() {
    let run = run_with_faults(
        broken_upload::factory(UploadFlaw::UploadsAnotherFileSilently),
        FaultPlan::new(),
    );
    let v = upload_violations(&run);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].message.starts_with(
            "the app calls the upload of uploads#1 done, but the server received 11 bytes"
        ),
        "{}",
        v[0].message
    );
}

#[test]
fn the_reference_app_is_never_flagged_not_even_by_a_server_that_always_fails() {
    let run = run_with_faults(bgsim::apps::factory("reference").unwrap(), always_500());
    assert!(judge(&run).is_empty(), "{:?}", judge(&run));
    // It tried three times, kept its file, and called the upload failed.
    assert_eq!(run.server.journal().uploads().len(), 3);
    assert!(run
        .sandbox
        .exists("Library/Application Support/uploads/u1.bin"));
    assert!(run.history.records().iter().any(
        |r| matches!(&r.what, What::DownloadState { key, state } if key == "u1" && state == "failed")
    ));
    // And against a correct server, it uploads the user's bytes and deletes its copy.
    let run = run_with_faults(bgsim::apps::factory("reference").unwrap(), FaultPlan::new());
    assert!(judge(&run).is_empty());
    let uploads = run.server.journal().uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].1.bytes, 100_000);
    assert!(!run
        .sandbox
        .exists("Library/Application Support/uploads/u1.bin"));
}

#[test]
fn a_transfer_the_user_paused_may_stay_paused_without_breaking_one_outcome() {
    // API-7: the user pauses an upload and a download and never resumes them; their tasks
    // stay suspended, and the app's states stay paused. That is the user's choice, not a
    // transfer left running.
    let upload_url = bgsim::world::fixture_url("/uploads/photo.jpg");
    let download_url = bgsim::world::fixture_url(BIG);
    let run = world::run(World {
        config: config(1),
        fixtures: fixtures(),
        faults: FaultPlan::new(),
        app: bgsim::apps::factory("reference").unwrap(),
        timeline: vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), upload("/uploads/photo.jpg", 500_000, 3)),
            (secs(1.0), download(BIG, "Documents/big.bin")),
            (secs(1.5), Action::SuspendTask { url: upload_url }),
            (secs(1.5), Action::SuspendTask { url: download_url }),
        ],
        horizon: SimTime::NEVER,
        transport: Transport::Memory,
    })
    .expect("the world runs");
    assert_eq!(run.end, RunEnd::Quiet);
    assert!(judge(&run).is_empty(), "{:?}", judge(&run));
    let paused = run
        .history
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::Paused { .. }))
        .count();
    assert_eq!(paused, 2);
    assert!(!run.history.records().iter().any(|r| matches!(
        &r.what,
        What::Callback {
            callback: Callback::DidCompleteWithError { .. },
            ..
        }
    )));
}
