//! The scenario steps beyond `download`: `upload` (API-1), `fetch` (API-4), `pause` and
//! `resume` (API-7), and their errors, each at file:line:column.

use bgsim::scenario::{parse, Known, ScenarioError};
use bgsim_simulator::{Action, SimTime};
use std::path::Path;

/// As the registry knows them: the reference app's own session identifier included.
fn known() -> Known {
    Known {
        sessions: vec![("reference".into(), "com.bgsim.reference.downloads".into())],
        ..Known::new(&["reference"], &["upload-delivered"])
    }
}

const HEAD: &str =
    "name = \"x\"\napp = \"reference\"\n[[fixture]]\npath = \"/feed.json\"\nsize = 100\nseed = 1\n";

fn steps(body: &str) -> Vec<(SimTime, Action)> {
    parse(&format!("{HEAD}{body}"), Path::new("x.toml"), &known())
        .unwrap_or_else(|e| panic!("{e}"))
        .steps
}

fn error(body: &str) -> ScenarioError {
    match parse(&format!("{HEAD}{body}"), Path::new("x.toml"), &known()) {
        Ok(s) => panic!("expected an error, got {:?}", s.steps),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_error(body: &str, line: usize, column: usize, message: &str) {
    let e = error(body);
    assert_eq!(
        (e.line, e.column, e.message.as_str()),
        (line, column, message),
        "{e}"
    );
}

#[test]
fn the_new_steps_parse_into_their_actions() {
    let got = steps(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/photo.jpg\"\nsize = \"1MiB\"\nseed = 7\n\
         [[step]]\nat = \"2s\"\ndo = \"fetch\"\nurl = \"/feed.json\"\nto = \"Library/Caches/feed.json\"\n\
         [[step]]\nat = \"3s\"\ndo = \"suspend-task\"\nurl = \"/uploads/photo.jpg\"\n\
         [[step]]\nat = \"4s\"\ndo = \"resume-task\"\nurl = \"http://elsewhere.test/x\"\n",
    );
    let url = "http://fixtures.bgsim.test/uploads/photo.jpg".to_string();
    assert_eq!(
        got,
        vec![
            (
                SimTime::from_secs(1),
                Action::Upload {
                    url: url.clone(),
                    size_bytes: 1 << 20,
                    seed: 7
                }
            ),
            (
                SimTime::from_secs(2),
                Action::Fetch {
                    url: "http://fixtures.bgsim.test/feed.json".into(),
                    destination: "Library/Caches/feed.json".into()
                }
            ),
            (SimTime::from_secs(3), Action::SuspendTask { url }),
            (
                SimTime::from_secs(4),
                Action::ResumeTask {
                    url: "http://elsewhere.test/x".into()
                }
            ),
        ]
    );
    // The file's names are the simulator's names for its actions.
    let names: Vec<&str> = got.iter().map(|(_, a)| a.name()).collect();
    assert_eq!(names, ["upload", "fetch", "suspend-task", "resume-task"]);
}

#[test]
fn a_key_a_step_does_not_take_is_an_error_at_that_key() {
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/a\"\nsize = 1\nseed = 1\nto = \"Documents/a\"\n",
        13,
        6,
        "an `upload` step takes no `to`; expected `at`, `do`, `url`, `size` and `seed`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"fetch\"\nurl = \"/feed.json\"\nto = \"Documents/a\"\nsize = 3\n",
        12,
        8,
        "a `fetch` step takes no `size`; expected `at`, `do`, `url` and `to`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/feed.json\"\nto = \"Documents/a\"\nseed = 3\n",
        12,
        8,
        "a `download` step takes no `seed`; expected `at`, `do`, `url` and `to`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"suspend-task\"\nurl = \"/a\"\nto = \"Documents/a\"\n",
        11,
        6,
        "a `suspend-task` step takes no `to`; expected `at`, `do` and `url`",
    );
}

#[test]
fn a_missing_key_is_an_error_at_the_step() {
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/a\"\nseed = 1\n",
        7,
        1,
        "an `upload` step needs `size`; expected `url`, `size` and `seed`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/a\"\nsize = 1\n",
        7,
        1,
        "an `upload` step needs `seed`; expected `url`, `size` and `seed`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"fetch\"\nurl = \"/feed.json\"\n",
        7,
        1,
        "a `fetch` step needs `to`; expected `url` and `to`",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"resume-task\"\n",
        7,
        1,
        "a `resume-task` step needs `url`; expected `url`",
    );
}

#[test]
fn bad_values_are_errors_at_the_value() {
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/a\"\nsize = \"65MiB\"\nseed = 1\n",
        11,
        8,
        "upload size 68157440 bytes is too large; expected at most 64MiB",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"uploads/a\"\nsize = 1\nseed = 1\n",
        10,
        7,
        "bad url `uploads/a`: expected a path like `/uploads/photo.jpg` (without spaces, `?` or `#`) or an http(s) URL",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/a\"\nsize = 1\nseed = -1\n",
        12,
        8,
        "bad seed `-1`: expected an integer from 0 to 18446744073709551615",
    );
    // A fetch takes a declared fixture, like a download.
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"fetch\"\nurl = \"/nope\"\nto = \"Documents/a\"\n",
        10,
        7,
        "no fixture is declared at `/nope`; expected one of: /feed.json",
    );
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"fetch\"\nurl = \"/feed.json\"\nto = \"../a\"\n",
        11,
        6,
        "bad container path `../a`: expected a path relative to the app's container, like `Documents/xamarin.png`, without `..`",
    );
}

#[test]
fn the_http_3_knob_is_a_profile_key() {
    let text = format!("{HEAD}[profile]\nupload_response_on_connect = false\n");
    let s = parse(&text, Path::new("x.toml"), &known()).unwrap();
    assert!(!s.profile.upload_response_on_connect);
    let s = parse(HEAD, Path::new("x.toml"), &known()).unwrap();
    assert!(s.profile.upload_response_on_connect, "on by default");
}

#[test]
fn extension_steps_parse_with_the_apps_identifier_by_default() {
    // ID-5: without `session` the extension shares the app's identifier; ID-6: a shared
    // container unless told otherwise.
    let got = steps(
        "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\nurl = \"/feed.json\"\nto = \"Documents/Shared/feed.json\"\n\
         [[step]]\nat = \"2s\"\ndo = \"extension-exit\"\n\
         [[step]]\nat = \"3s\"\ndo = \"extension-start\"\nsession = \"com.example.share\"\nshared_container = false\n\
         [[step]]\nat = \"4s\"\ndo = \"extension-exit\"\n",
    );
    assert_eq!(
        got,
        vec![
            (
                SimTime::from_secs(1),
                Action::ExtensionStart {
                    session: "com.bgsim.reference.downloads".into(),
                    shared_container: true,
                    download: Some((
                        "http://fixtures.bgsim.test/feed.json".into(),
                        "Documents/Shared/feed.json".into()
                    )),
                }
            ),
            (SimTime::from_secs(2), Action::ExtensionExit),
            (
                SimTime::from_secs(3),
                Action::ExtensionStart {
                    session: "com.example.share".into(),
                    shared_container: false,
                    download: None,
                }
            ),
            (SimTime::from_secs(4), Action::ExtensionExit),
        ]
    );
}

#[test]
fn an_extension_download_goes_to_a_container_path() {
    assert_error(
        "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\nurl = \"/feed.json\"\nto = \"/etc/x\"\n",
        11,
        6,
        "bad container path `/etc/x`: expected a path relative to the app's container, like `Documents/xamarin.png`, without `..`",
    );
}
