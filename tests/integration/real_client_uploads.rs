//! A real HTTP client uploads to `bgsim serve`: `curl -T` PUTs a file under `/uploads/`
//! and gets the server's 201 receipt, naming the length and FNV-1a 64 hash of what it
//! read. Skipped, saying so, when curl is not installed.

use crate::common;

use bgsim_simulator::content::{generated, hex};
use bgsim_simulator::seed::fnv1a64;
use std::process::Command;

#[test]
fn curl_uploads_a_file_and_gets_a_receipt_of_its_exact_bytes() {
    let found = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: curl is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.jpg");
    let bytes = generated(300_000, 6);
    std::fs::write(&file, &bytes).unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let served = common::serve(&["--fixtures", fixtures]);
    let out = Command::new("curl")
        .args(["-s", "-S", "-w", "%{http_code}", "-T"])
        .arg(&file)
        .arg(format!("http://{}/uploads/photo.jpg", served.addr))
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        format!(
            "{{\"received\": 300000, \"fnv1a64\": \"{}\"}}\n201",
            hex(fnv1a64(&bytes))
        )
    );
}
