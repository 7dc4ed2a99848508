//! Real HTTP clients against `bgsim serve`: curl (`-C -`) and wget (`-c`) resume a download
//! the server cuts at byte 512 000 (scenarios/fault-cut-resumes-with-range.toml) and end
//! with the byte-exact file. Skipped, saying so, when the tool is not installed (.ci/run
//! installs both).

use crate::common;

use bgsim::server::Content;
use common::Served;
use std::path::Path;
use std::process::Command;

const CUT_AT: u64 = 500 * 1024;

/// A fresh server (request numbering starts again, so the first request is cut), and the
/// URL of the file it cuts.
fn serve() -> (Served, String) {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/fault-cut-resumes-with-range.toml"
    );
    let served = common::serve(&["--scenario", scenario]);
    let url = format!("http://{}/big.bin", served.addr);
    (served, url)
}

fn expected() -> Vec<u8> {
    let content = Content::Generated {
        size_bytes: 2 * 1024 * 1024,
        seed: 42,
    };
    content.read_at(0, content.len() as usize).to_vec()
}

fn installed(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: {tool} is not installed (.ci/run installs it)");
    }
    found
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn curl_resumes_a_cut_download_with_c_dash() {
    if !installed("curl") {
        return;
    }
    let (_server, url) = serve();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    let first = Command::new("curl")
        .args(["-s", "-o"])
        .arg(&file)
        .arg(&url)
        .status()
        .unwrap();
    assert!(!first.success(), "the first transfer is cut");
    assert_eq!(
        size(&file),
        CUT_AT,
        "curl kept exactly the bytes sent before the cut"
    );
    let resumed = Command::new("curl")
        .args(["-s", "-f", "-C", "-", "-o"])
        .arg(&file)
        .arg(&url)
        .status()
        .unwrap();
    assert!(resumed.success(), "curl -C - exit {resumed:?}");
    assert!(
        std::fs::read(&file).unwrap() == expected(),
        "the resumed file is byte-exact"
    );
}

#[test]
fn wget_resumes_a_cut_download_with_c() {
    if !installed("wget") {
        return;
    }
    let (_server, url) = serve();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    let wget = |extra: &[&str]| {
        Command::new("wget")
            .args(["-q", "--tries=1", "-P"])
            .arg(dir.path())
            .args(extra)
            .arg(&url)
            .status()
            .unwrap()
    };
    assert!(!wget(&[]).success(), "the first transfer is cut");
    assert_eq!(size(&file), CUT_AT);
    let resumed = wget(&["-c"]);
    assert!(resumed.success(), "wget -c exit {resumed:?}");
    assert!(
        std::fs::read(&file).unwrap() == expected(),
        "the resumed file is byte-exact"
    );
}
