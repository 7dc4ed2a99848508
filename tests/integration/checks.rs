//! Every check of the catalogue fires on an app that breaks it (the article's code, or a
//! small app with one deliberate flaw) and stays silent on the reference app running the
//! same timeline.

use crate::common;

use bgsim::check::{self, Evidence, Violation, CATALOGUE};
use bgsim::world::{Run, Transport};
use bgsim_simulator::{Action, AppFactory, RunEnd, SimTime, UserCommand};
use common::broken::{self, Flaw};
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

/// The app downloads in the foreground.
fn foreground(path: &str) -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download(path, "Documents/file")),
    ]
}

/// The download finishes while the app is suspended: a background wake.
fn during_a_wake() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(0.5), Action::NetworkDown),
        (secs(1.0), download("/xamarin.png", "Documents/file")),
        (secs(2.0), Action::Home),
        (secs(20.0), Action::NetworkUp),
    ]
}

/// The download finishes after a system kill: a background relaunch.
fn after_a_kill() -> Vec<(SimTime, Action)> {
    let mut t = during_a_wake();
    t.insert(4, (secs(10.0), Action::SystemKill));
    t
}

/// Two downloads to the same destination.
fn twice_to_one_place() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download("/xamarin.png", "Documents/file")),
        (secs(2.0), download("/notes.txt", "Documents/file")),
    ]
}

/// A large download, the app force-quit halfway, then launched again by the user (KILL-2).
fn force_quit_then_launch() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download(BIG, "Documents/file")),
        (secs(3.0), Action::ForceQuit),
        (secs(60.0), Action::Launch),
    ]
}

fn article() -> AppFactory {
    bgsim::apps::factory("article").unwrap()
}

/// docs/bugs.md C and D: the reference app with one real bug.
fn mutant(name: &str) -> AppFactory {
    bgsim::apps::factory(name).expect("a known mutant")
}

/// The app downloads in the foreground, into a folder that does not exist yet (TF-05).
fn foreground_into_a_folder() -> Vec<(SimTime, Action)> {
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download("/xamarin.png", "Documents/new/file")),
    ]
}

/// The user pauses a download, the system kills the app, the user resumes it (RD-04).
fn paused_then_killed() -> Vec<(SimTime, Action)> {
    let to = || "Documents/file".to_string();
    vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), download(BIG, &to())),
        (
            secs(3.0),
            Action::User(UserCommand::Pause { destination: to() }),
        ),
        (secs(5.0), Action::Home),
        (secs(15.0), Action::SystemKill),
        (secs(30.0), Action::Launch),
        (
            secs(31.0),
            Action::User(UserCommand::Resume { destination: to() }),
        ),
    ]
}

/// A check, the app that breaks it, and the timeline that shows it.
type Case = (&'static str, AppFactory, Vec<(SimTime, Action)>);

/// An app in another language that calls what the protocol does not have, when the user
/// taps download (tests/apps/minimal_app.py).
fn protocol_breaker() -> AppFactory {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps");
    let command =
        bgsim::protocol::AppCommand::parse("python3 minimal_app.py unknown-call", &dir).unwrap();
    bgsim::protocol::spec("minimal", &command, None).factory(&Default::default())
}

fn cases() -> Vec<Case> {
    vec![
        ("app-protocol", protocol_breaker(), after_a_kill()),
        ("handler-once", article(), after_a_kill()),
        (
            "handler-after-events",
            broken::factory(Flaw::HandlerBeforeEvents),
            during_a_wake(),
        ),
        ("handler-main-queue", article(), during_a_wake()),
        ("wake-budget", article(), after_a_kill()),
        (
            "temp-file-in-callback",
            broken::factory(Flaw::MovesLater),
            foreground("/xamarin.png"),
        ),
        (
            "file-delivered",
            broken::factory(Flaw::DoneWithoutFile),
            foreground("/xamarin.png"),
        ),
        ("no-error-body", article(), foreground("/no-such-file.png")),
        (
            "no-lost-file",
            broken::factory(Flaw::DeletesThenCopyFails),
            twice_to_one_place(),
        ),
        ("one-outcome", article(), after_a_kill()),
        (
            "no-duplicate-task",
            broken::factory(Flaw::TwoTasks),
            foreground("/xamarin.png"),
        ),
        ("progress-sane", article(), foreground(STREAM)),
        (
            "state-agrees",
            broken::factory(Flaw::RunningWithoutTask),
            foreground("/xamarin.png"),
        ),
        ("session-reconnected", article(), after_a_kill()),
        (
            "no-orphan-files",
            broken::factory(Flaw::LeavesPartial),
            foreground("/xamarin.png"),
        ),
        (
            "no-exception",
            broken::factory(Flaw::TaskOnInvalidatedSession),
            foreground("/xamarin.png"),
        ),
        (
            "upload-delivered",
            broken_upload::factory(UploadFlaw::ModifiesTheFileBeforeResume),
            vec![
                (secs(0.0), Action::Launch),
                (secs(1.0), upload("/uploads/photo.jpg", 100_000, 3)),
            ],
        ),
        (
            "task-in-foreground",
            bgsim::apps::factory("nl-05-one-at-a-time").unwrap(),
            vec![
                (secs(0.0), Action::Launch),
                (secs(1.0), download(BIG, "Documents/big")),
                (secs(1.0), download("/notes.txt", "Documents/notes")),
                (secs(2.0), Action::Home),
            ],
        ),
        // ---- checks added for docs/bugs.md A and B ----
        (
            "force-quit-not-failure",
            bgsim::apps::factory("lc-01-force-quit-as-failure").unwrap(),
            force_quit_then_launch(),
        ),
        // ---- checks added for docs/bugs.md C and D ----
        (
            "finished-file-kept",
            mutant("tf-05-no-parent-folder"),
            foreground_into_a_folder(),
        ),
        (
            "resume-data-used",
            mutant("rd-04-resume-data-in-memory"),
            paused_then_killed(),
        ),
        // ---- checks added for docs/bugs.md E, F, G and H ----
    ]
}

#[test]
fn every_check_fires_on_an_app_that_breaks_it_and_not_on_the_reference_app() {
    let cases = cases();
    let covered: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let catalogue: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
    assert_eq!(covered, catalogue, "one case per check, in catalogue order");
    for (seed, (id, app, timeline)) in cases.into_iter().enumerate() {
        let broken = run_app(app, seed as u64, Transport::Memory, timeline.clone());
        let fired = judge(&broken);
        let hit: Vec<&Violation> = fired.iter().filter(|v| v.check == id).collect();
        assert!(
            !hit.is_empty(),
            "{id} did not fire; fired: {:?}\n{}",
            fired.iter().map(|v| v.check).collect::<Vec<_>>(),
            broken.history.render()
        );
        // The violation points at real events of the history.
        assert!(hit
            .iter()
            .all(|v| !v.events.is_empty() && v.events.iter().all(|&e| e < broken.history.len())));
        let reference = run("reference", seed as u64, Transport::Memory, timeline);
        let false_alarms = judge(&reference);
        assert!(
            false_alarms.is_empty(),
            "reference flagged on the {id} timeline: {false_alarms:?}"
        );
    }
}
