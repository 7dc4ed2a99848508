//! The reports for CI (docs/reports.md): `--junit FILE` on `run`, `mutants` and `fuzz`,
//! validated against the Jenkins JUnit schema (tests/data/junit.xsd) with xmllint, read back
//! to check its cases, failure types and replay commands (each replayed), byte for byte the
//! same on a second run; and `--summary FILE` / `$GITHUB_STEP_SUMMARY` (Markdown).

use crate::common::bgsim;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = "tests/data/junit.xsd";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Killed by t2 and res-6 of the shipped scenarios, held by the others; fast to fuzz.
const MUTANT: &str = "lc-01-force-quit-as-failure";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `xmllint --noout --schema tests/data/junit.xsd FILE`: Ok, or xmllint's complaint. A
/// machine without xmllint fails the test, naming the package: a skipped validation would
/// let an invalid report through.
fn xmllint(file: &Path) -> Result<(), String> {
    let out = Command::new("xmllint")
        .current_dir(ROOT)
        .args(["--noout", "--schema", SCHEMA])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint cannot run ({e}): install it (Debian: apt-get install libxml2-utils; \
                 .ci/run does)"
            )
        });
    match out.status.success() {
        true => Ok(()),
        false => Err(text(&out.stderr)),
    }
}

fn validates(file: &Path) {
    if let Err(e) = xmllint(file) {
        panic!(
            "{} does not validate against {SCHEMA}:\n{e}\n{}",
            file.display(),
            std::fs::read_to_string(file).unwrap_or_default()
        );
    }
}

/// A test case as read back: name, classname, and its failure or error, if any.
#[derive(Debug)]
struct Case {
    name: String,
    classname: String,
    /// `failure` or `error`, with its type, message and text.
    problem: Option<(String, String, String, String)>,
}

fn cases(xml: &str) -> Vec<Case> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases = doc.descendants().filter(|n| n.has_tag_name("testcase"));
    cases
        .map(|c| Case {
            name: c.attribute("name").unwrap_or_default().to_string(),
            classname: c.attribute("classname").unwrap_or_default().to_string(),
            problem: c
                .children()
                .find(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
                .map(|p| {
                    (
                        p.tag_name().name().to_string(),
                        p.attribute("type").unwrap_or_default().to_string(),
                        p.attribute("message").unwrap_or_default().to_string(),
                        p.text().unwrap_or_default().to_string(),
                    )
                }),
        })
        .collect()
}

/// Runs the `replay: bgsim run ...` line of a failure's text, as a user pastes it.
fn replay(details: &str) -> std::process::Output {
    let line = (details.lines())
        .find_map(|l| l.strip_prefix("replay: "))
        .unwrap_or_else(|| panic!("no replay line in:\n{details}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "bgsim", "{line}");
    bgsim(&words[1..])
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_validator_rejects_what_the_schema_does_not_allow() {
    // The negative control: without it, a validation that always passes would go unseen.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        "<testsuites skipped=\"0\"><testsuite name=\"s\" tests=\"1\" failures=\"0\" \
         errors=\"0\"><testcase classname=\"no name\"/></testsuite></testsuites>",
    )
    .unwrap();
    let complaint = xmllint(&bad).expect_err("an invalid report validates");
    assert!(complaint.contains("skipped"), "{complaint}");
    assert!(complaint.contains("name"), "{complaint}");
}

#[test]
fn run_junit_has_one_case_per_file_names_the_check_and_its_replay_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "name = \"x\"\napp = \"nobody\"\n").unwrap();
    let broken = broken.display().to_string();
    let report = |name: &str| -> (i32, String) {
        let file = dir.path().join(name);
        let out = bgsim(&[
            "run",
            "-q",
            "--transport",
            "memory",
            "--container",
            "memory",
            "--app",
            MUTANT,
            "scenarios/",
            &broken,
            "--junit",
            &file.display().to_string(),
        ]);
        validates(&file);
        (out.status.code().unwrap(), read(&file))
    };
    let (code, xml) = report("a.xml");
    assert_eq!(
        code, 2,
        "a file that does not load is bad input, as without --junit"
    );
    let cases = cases(&xml);
    let shipped = std::fs::read_dir(Path::new(ROOT).join("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(cases.len(), shipped + 1, "one case per file");
    let problems: Vec<(&str, &str, &str)> = (cases.iter())
        .filter_map(|c| {
            let (element, kind, _, _) = c.problem.as_ref()?;
            Some((c.classname.as_str(), element.as_str(), kind.as_str()))
        })
        .collect();
    assert_eq!(
        problems,
        [
            (
                "scenarios/res-6-second-resume-after-a-purge-leaves-no-partial-file.toml",
                "failure",
                "force-quit-not-failure"
            ),
            (
                "scenarios/t2-force-quit-then-user-launch.toml",
                "failure",
                "no-orphan-files"
            ),
            (broken.as_str(), "error", "bad-input"),
        ]
    );
    let t2 = (cases.iter())
        .find(|c| c.classname.ends_with("t2-force-quit-then-user-launch.toml"))
        .unwrap();
    assert_eq!(
        t2.name,
        "T2: force-quit mid-download, cancellation delivered at the next user launch"
    );
    let (_, _, message, details) = t2.problem.as_ref().unwrap();
    assert!(!message.is_empty());
    assert!(details.contains("  why: "), "{details}");
    assert!(
        details.contains("  events:\n    #"),
        "the history lines: {details}"
    );
    assert!(
        details.contains(&format!(
            "replay: bgsim run scenarios/t2-force-quit-then-user-launch.toml \
             --seed 2 --app {MUTANT}"
        )),
        "{details}"
    );
    let again = replay(details);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stdout).contains("✗ no-orphan-files: "));
    let bad = cases.iter().find(|c| c.classname == broken).unwrap();
    assert!(bad
        .problem
        .as_ref()
        .unwrap()
        .2
        .contains("unknown app `nobody`"));
    // The same inputs, the same bytes: no clock, no host name.
    assert_eq!(report("b.xml").1, xml);
}

#[test]
fn a_report_that_cannot_be_written_is_named_and_is_bad_input() {
    for flag in ["--junit", "--summary"] {
        let out = bgsim(&[
            "run",
            "-q",
            "--transport",
            "memory",
            "scenarios/t1-system-kill-batched-relaunch.toml",
            flag,
            "/nonexistent-folder/report",
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("cannot write /nonexistent-folder/report: "),
            "{stderr}"
        );
    }
}

#[test]
fn mutants_junit_has_a_case_per_variant_and_one_for_the_correct_app() {
    let dir = tempfile::tempdir().unwrap();
    let report = |name: &str| -> String {
        let file = dir.path().join(name);
        let out = bgsim(&[
            "mutants",
            "--scenarios",
            "scenarios/t1-system-kill-batched-relaunch.toml",
            "--junit",
            &file.display().to_string(),
        ]);
        // One scenario catches only some variants: the matrix does not hold.
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        validates(&file);
        read(&file)
    };
    let xml = report("m.xml");
    let cases = cases(&xml);
    assert_eq!(
        cases.len(),
        45,
        "the article, the 43 mutants, and the reference app"
    );
    let reference = cases.last().unwrap();
    assert_eq!(reference.name, "reference");
    assert!(reference.problem.is_none(), "{reference:?}");
    let kind = |c: &Case| c.problem.as_ref().map(|p| p.1.clone());
    assert!(cases.iter().any(|c| kind(c).is_none()), "some are caught");
    for c in &cases {
        let Some((element, kind, message, details)) = &c.problem else {
            continue;
        };
        assert_eq!(element, "failure");
        assert!(["survived", "off-target"].contains(&kind.as_str()), "{c:?}");
        assert!(message.contains(&c.name), "{c:?}");
        assert!(details.contains(&format!(" --app {}", c.name)), "{c:?}");
    }
    // A survivor's replay passes (nothing catches it); an off-target kill's fails.
    let survivor = cases
        .iter()
        .find(|c| kind(c).as_deref() == Some("survived"))
        .unwrap();
    assert_eq!(
        replay(&survivor.problem.as_ref().unwrap().3).status.code(),
        Some(0)
    );
    if let Some(off) = cases
        .iter()
        .find(|c| kind(c).as_deref() == Some("off-target"))
    {
        assert_eq!(
            replay(&off.problem.as_ref().unwrap().3).status.code(),
            Some(1)
        );
    }
    assert_eq!(report("again.xml"), xml);
}

/// `bgsim fuzz` in `dir`, its failures to `dir/found`, its JUnit to `dir/fuzz.xml`.
fn fuzz_in(dir: &Path, app: &str, runs: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["fuzz", "--app", app, "--runs", runs, "--seed", "1"])
        .args(["--out", "found", "--junit", "fuzz.xml"])
        .output()
        .unwrap();
    let file = dir.join("fuzz.xml");
    validates(&file);
    (out.status.code().unwrap(), read(&file))
}

#[test]
fn fuzz_junit_has_a_case_per_failure_whose_replay_fails_the_same_way() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (code, xml) = fuzz_in(dirs[0].path(), MUTANT, "200");
    assert_eq!(code, 1);
    let cases = cases(&xml);
    assert_eq!(cases.len(), 1, "{xml}");
    let (element, kind, message, details) = cases[0].problem.clone().unwrap();
    assert_eq!(element, "failure");
    assert!(
        ["force-quit-not-failure", "no-orphan-files"].contains(&kind.as_str()),
        "{xml}"
    );
    assert!(!message.is_empty());
    let shrunk = (details.lines())
        .find_map(|l| l.strip_prefix("shrunk scenario: "))
        .unwrap_or_else(|| panic!("{details}"));
    assert!(shrunk.starts_with("found/"), "{details}");
    // The replay line names the file relative to where fuzz ran: replay it from there.
    let line = details
        .lines()
        .find_map(|l| l.strip_prefix("replay: bgsim "))
        .unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(dirs[0].path())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(line.split_whitespace())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stdout).contains(&format!("✗ {kind}")));
    // The same campaign elsewhere: the same bytes.
    assert_eq!(fuzz_in(dirs[1].path(), MUTANT, "200").1, xml);
}

#[test]
fn fuzz_junit_without_failures_is_one_passing_case() {
    let dir = tempfile::tempdir().unwrap();
    let (code, xml) = fuzz_in(dir.path(), "reference", "3");
    assert_eq!(code, 0, "{xml}");
    let cases = cases(&xml);
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].name, "3 runs of reference, seed 1: no failure");
    assert!(cases[0].problem.is_none());
}

#[test]
fn the_summary_is_appended_to_the_github_step_summary_with_file_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // T2 renamed with Markdown's specials, against the mutant that fails it.
    let t2 = read(&Path::new(ROOT).join("scenarios/t2-force-quit-then-user-launch.toml"));
    let old =
        "name = \"T2: force-quit mid-download, cancellation delivered at the next user launch\"";
    assert!(t2.contains(old));
    let renamed = t2.replace(old, "name = \"pipe | and `tick` <b>\"");
    let scenario: PathBuf = dir.path().join("odd.toml");
    std::fs::write(&scenario, renamed).unwrap();
    let step = dir.path().join("step-summary.md");
    std::fs::write(&step, "an earlier step's line\n").unwrap();
    let summary = dir.path().join("summary.md");
    let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(ROOT)
        .env("GITHUB_STEP_SUMMARY", &step)
        .args(["run", "-q", "--transport", "memory", "--app", MUTANT])
        .arg(&scenario)
        .arg("scenarios/t1-system-kill-batched-relaunch.toml")
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let markdown = read(&summary);
    let appended = read(&step);
    assert_eq!(
        appended,
        format!("an earlier step's line\n\n{markdown}"),
        "appended after the line already there"
    );
    assert!(
        markdown.starts_with("## bgsim run: 1 passed, 1 failed\n"),
        "{markdown}"
    );
    assert!(markdown.contains("| scenario | app | verdict | events | failing checks |"));
    let row = (markdown.lines())
        .find(|l| l.contains("pipe"))
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(
        row.starts_with(&format!(
            r"| pipe \| and \`tick\` \<b\> | {MUTANT} | FAIL | "
        )),
        "{row}"
    );
    assert_eq!(row.matches(" | ").count(), 4, "five cells: {row}");
    assert!(
        row.ends_with(" | no-orphan-files, force-quit-not-failure, expected-file |"),
        "{row}"
    );
    assert!(markdown.contains(&format!(
        "```sh\nbgsim run {} --seed 2 --app {MUTANT}\n```\n",
        scenario.display()
    )));
    assert!(
        markdown.contains("- **force-quit-not-failure**: "),
        "{markdown}"
    );
}
