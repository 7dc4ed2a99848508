//! `bgsim serve`: the server on its own, reached over real loopback TCP.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

fn bgsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bgsim"))
}

#[test]
fn serve_answers_range_requests_from_the_fixtures_folder() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let served = common::serve(&["--fixtures", fixtures]);
    let addr = served.addr.clone();
    let mut conn = TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "GET /notes.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-6\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    drop(served);
    assert!(response.starts_with("HTTP/1.1 206"), "{response}");
    assert!(response.contains("content-range: bytes 0-6/"), "{response}");
    assert!(response.ends_with("line 1:"), "{response}");
}

#[test]
fn serve_refuses_a_non_loopback_address_with_exit_code_2() {
    let out = bgsim()
        .args(["serve", "--addr", "0.0.0.0:8080"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
}

#[test]
fn serve_names_a_missing_fixtures_folder_with_exit_code_2() {
    let out = bgsim()
        .args(["serve", "--fixtures", "/no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/folder"));
}
