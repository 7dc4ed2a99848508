//! The Python client, `clients/python` (docs/protocol.md): its own unittest suite, with
//! this build of bgsim for its end-to-end part.
//!
//! It needs Python >= 3.9. Without it the test prints why and passes, unless the
//! environment variable `CI` is set: then it fails, asking for Python to be installed.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Whether python3 >= 3.9 is here; if not, says so, and fails under CI.
pub(super) fn python_ready(test: &str) -> bool {
    let ok = Command::new("python3")
        .args([
            "-c",
            "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    let message = format!("{test}: the Python client needs python3 >= 3.9 on PATH");
    assert!(std::env::var_os("CI").is_none(), "{message}");
    // Straight to standard error: libtest's capture would hide an eprintln! of a pass.
    let _ = writeln!(std::io::stderr(), "skipped: {message}");
    false
}

#[test]
fn the_clients_own_tests_pass_under_unittest() {
    if !python_ready("python3 -m unittest (clients/python)") {
        return;
    }
    let out = Command::new("python3")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["-m", "unittest", "discover", "-v"])
        .args(["-s", "clients/python/tests", "-t", "clients/python"])
        .env("BGSIM_BIN", env!("CARGO_BIN_EXE_bgsim"))
        .output()
        .expect("python3 runs");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "unittest failed:\n{output}");
    assert!(output.contains("\nOK"), "{output}");
    assert!(
        !output.contains("skipped"),
        "the end-to-end tests did not find bgsim:\n{output}"
    );
}
