//! The reference app's store (src/apps/reference/store.rs): a file per transfer, written
//! when that transfer changes and removed when the app forgets it, never the whole store
//! at every change (issue 16: that made a session of N downloads cost N²).

use bgsim::registry::Apps;
use bgsim::runner::{run_scenario, Overrides};
use bgsim::world::Transport;
use std::path::Path;

const STORE: &str = "Library/Application Support/store";

/// Two downloads, the second tapped once the first is done, and a fetch in the foreground.
const SCENARIO: &str = r#"
name = "store"
app = "reference"
[network]
bandwidth = "1MiB/s"
[[fixture]]
path = "/a.bin"
size = "64KiB"
seed = 1
[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/a.bin"
to = "Documents/one.bin"
[[step]]
at = "10s"
do = "download"
url = "/a.bin"
to = "Documents/two.bin"
[[step]]
at = "20s"
do = "fetch"
url = "/a.bin"
to = "Library/Caches/three.bin"
"#;

fn run() -> bgsim::runner::Outcome {
    let apps = Apps::builtin();
    let scenario = bgsim::scenario::parse(SCENARIO, Path::new("store.toml"), &apps.known())
        .expect("the scenario is valid");
    let overrides = Overrides {
        transport: Transport::Memory,
        ..Overrides::default()
    };
    let outcome = run_scenario(&apps, &scenario, &overrides).expect("the run starts");
    assert!(outcome.passed(), "{:?}", outcome.violations);
    outcome
}

#[test]
fn each_transfer_is_a_file_of_its_own_and_a_finished_fetch_leaves_none() {
    let outcome = run();
    let sandbox = &outcome.run.sandbox;
    assert_eq!(
        sandbox.list_dir(STORE).unwrap(),
        ["d1.json", "d2.json", "next-key"]
    );
    assert_eq!(sandbox.read(&format!("{STORE}/next-key")).unwrap(), b"3");
    let record: serde_json::Value =
        serde_json::from_slice(&sandbox.read(&format!("{STORE}/d2.json")).unwrap()).unwrap();
    assert_eq!(record["download"]["destination"], "Documents/two.bin");
    assert_eq!(record["download"]["status"], "done");
    // The fetch was saved while it ran, and its file removed when it was done.
    let history = outcome.run.history.render();
    for line in ["fs write", "fs remove"] {
        let op = format!("app {line} {STORE}/f3.json ok");
        assert!(history.contains(&op), "no `{op}` in\n{history}");
    }
}

#[test]
fn a_change_writes_only_the_record_that_changed() {
    let history = run().run.history.render();
    let position = |needle: &str| history.rfind(needle).unwrap_or_else(|| panic!("{needle}"));
    let second_tap =
        position("userTappedDownload http://fixtures.bgsim.test/a.bin -> Documents/two.bin");
    // The first download was done before the second was tapped: the second's changes
    // (and the fetch's) never write its record again.
    assert!(position(&format!("app fs write {STORE}/d1.json")) < second_tap);
    assert!(position(&format!("app fs write {STORE}/d2.json")) > second_tap);
}
