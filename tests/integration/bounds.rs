//! Runs stay bounded (issue 15): a scenario that never settles ends at the default event
//! bound, quickly, with exit code 3 and the checks judged on what happened.

use std::process::Command;

/// 22 lines: every response to the one download is cut at byte 0, so the daemon retries
/// forever. Before the checks were linear this ran for more than ten minutes (the checks
/// alone were quadratic in the history's length); it now ends at the default bound.
const NEVER_SETTLES: &str = r#"name = "every response cut at byte 0"
app = "reference"
seed = 1

[[fixture]]
path = "/big.bin"
size = "2MiB"
seed = 42

[[fault]]
path = "/big.bin"
kind = "cut"
at = "0"

[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/big.bin"
to = "Documents/big.bin"
"#;

#[test]
fn a_run_that_never_settles_ends_at_the_default_event_bound_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.toml");
    std::fs::write(&file, NEVER_SETTLES).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(["run", "-q", "--transport", "memory"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("did not settle within its event bound"),
        "{stdout}"
    );
    // The history holds what happened up to the bound: about a record per event and more,
    // and far fewer than the cap a scenario may ask for.
    let events: u64 = stdout
        .split("FAIL ")
        .nth(1)
        .and_then(|l| l.split(" (").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the verdict line gives the number of events");
    let bound = bgsim::simulator::DEFAULT_MAX_EVENTS;
    assert!(
        (bound..4 * bound).contains(&events),
        "{events} events for a bound of {bound}"
    );
}

fn run_t1(budget: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "-q", "--transport", "memory"])
        .args(budget)
        .arg("scenarios/t1-system-kill-batched-relaunch.toml")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn a_run_past_its_disk_budget_ends_with_exit_3_and_says_so() {
    // T1 downloads 2 MiB (its temporary file, then the destination): past a 1 MiB budget.
    let (code, text) = run_t1(&["--disk-budget", "1MiB"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("went past its disk budget: more than 1 MiB in its temporary folder"),
        "{text}"
    );
    // Within the default budget the same run passes.
    let (code, text) = run_t1(&[]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn a_run_past_its_memory_budget_ends_with_exit_3_and_says_so() {
    // No process of bgsim fits in 1 MiB of resident memory.
    let (code, text) = run_t1(&["--memory-budget", "1MiB"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("went past its memory budget: more than half of 1 MiB resident"),
        "{text}"
    );
}

#[test]
fn a_budget_that_is_not_a_size_is_bad_input() {
    let (code, text) = run_t1(&["--disk-budget", "lots"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--disk-budget: bad size `lots`"), "{text}");
}
