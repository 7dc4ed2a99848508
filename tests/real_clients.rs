//! Real HTTP clients against `bgsim serve`: curl (`-C -`) and wget (`-c`) resume a download
//! the server cuts at byte 512 000 (scenarios/fault-cut-resumes-with-range.toml) and end
//! with the byte-exact file. Skipped, saying so, when the tool is not installed (.ci/run
//! installs both).

use bgsim::server::Content;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const CUT_AT: u64 = 500 * 1024;

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh server (request numbering starts again, so the first request is cut).
fn serve() -> Server {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/fault-cut-resumes-with-range.toml"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(["serve", "--scenario", scenario, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("bgsim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an address")
        .to_string();
    Server {
        child,
        url: format!("{base}/big.bin"),
    }
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
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    let first = Command::new("curl")
        .args(["-s", "-o"])
        .arg(&file)
        .arg(&server.url)
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
        .arg(&server.url)
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
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    let wget = |extra: &[&str]| {
        Command::new("wget")
            .args(["-q", "--tries=1", "-P"])
            .arg(dir.path())
            .args(extra)
            .arg(&server.url)
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
