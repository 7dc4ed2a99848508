//! Cases the fuzzer found against the reference app once OS events and the phone's choices
//! were explored (issue 18), shrunk and kept: each failed before its fix in the simulator or
//! a check, and must keep passing.
//!
//! - `finish-events-after-stop`: a seeded wake (LC-6) came while a session told to finish
//!   its tasks and invalidate still had tasks; did-finish-events never came (INV-1).
//! - `did-not-settle-finish-events-spin`: did-finish-events, queued before events handed
//!   over with a gap (CH-2), spun at one instant for ever.
//! - `resume-data-after-reinstall`: resume data held by a deleted install (OS-3) was taken
//!   as still the app's.
//! - `progress-of-an-earlier-attempt`: progress of an attempt the delegate queue was still
//!   delivering after the daemon's retry (PROG-1) was taken as going backwards.
//! - `completions-frozen-by-a-suspension`: completions still queued in the process when it
//!   was suspended were never delivered, for no wake came for them (LC-2).
//! - `disk-full-*` (OS-4): a download, fetch or upload the app could not write down, an
//!   ending shown before it was on disk, resume data with no room to be written.
//! - `pause-settled-while-it-could-not-be-written`: a pause's stale task after a restart.

use bgsim::harness::Harness;

#[test]
fn every_kept_fuzz_find_passes_with_the_reference_app() {
    let harness = Harness::new();
    let mut files: Vec<_> = std::fs::read_dir("tests/regressions/found")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 10, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = harness.parse(&text, path.display().to_string()).unwrap();
        let verdict = harness.run(&scenario).unwrap();
        assert!(verdict.passed, "{}: {verdict:?}", path.display());
    }
}
