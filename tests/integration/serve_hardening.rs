//! `bgsim serve` as a well-behaved server (issue 15): what a hostile or careless client
//! gets, over a raw loopback socket, and what a long-running server holds on to.

use crate::common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A read that has not seen anything for this long means the server neither answered nor
/// closed: a failure, never a timing the test relies on.
const STUCK: Duration = Duration::from_secs(30);

fn fixtures() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")
}

fn connect(addr: &str) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(STUCK)).unwrap();
    conn
}

/// Everything the server sends until it closes the connection (a reset counts as a close).
fn read_until_closed(conn: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server neither answered nor closed: {e} (got {got:?})"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Sends `request` on a new connection and returns all the server sends before closing.
fn exchange(addr: &str, request: &[u8]) -> String {
    let mut conn = connect(addr);
    conn.write_all(request).unwrap();
    read_until_closed(&mut conn)
}

#[test]
fn a_request_without_a_host_is_refused_400_and_closed() {
    let served = common::serve(&["--fixtures", fixtures()]);
    // No Connection: close: the server must close on its own after a refusal.
    let response = exchange(&served.addr, b"GET /notes.txt HTTP/1.1\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("no Host field"), "{response}");
    // HTTP/1.0 has no Host requirement.
    let response = exchange(&served.addr, b"GET /notes.txt HTTP/1.0\r\n\r\n");
    assert!(
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
        "{response}"
    );
}

#[test]
fn a_request_with_two_hosts_is_refused_400() {
    let served = common::serve(&["--fixtures", fixtures()]);
    let response = exchange(
        &served.addr,
        b"GET /notes.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("more than one Host field"), "{response}");
}

#[test]
fn an_unknown_method_is_answered_501() {
    let served = common::serve(&["--fixtures", fixtures()]);
    let response = exchange(&served.addr, b"BREW /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 501"), "{response}");
    // A known method the server does not serve keeps its old answer, not 501.
    let response = exchange(
        &served.addr,
        b"DELETE /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(!response.starts_with("HTTP/1.1 501"), "{response}");
}

#[test]
fn a_malformed_chunked_upload_is_refused_400() {
    let served = common::serve(&["--fixtures", fixtures()]);
    let response = exchange(
        &served.addr,
        b"PUT /uploads/u.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\nZZ\r\nworld\r\n0\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("malformed request body framing"),
        "{response}"
    );
    // A well-formed chunked upload is still taken.
    let response = exchange(
        &served.addr,
        b"PUT /uploads/u.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
          Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
}

#[test]
fn a_head_that_never_ends_is_closed_after_the_header_timeout() {
    let served = common::serve(&["--fixtures", fixtures(), "--header-timeout-ms", "200"]);
    // Without the timeout the read would wait for STUCK and fail; with it the server closes
    // (hyper may first answer 408).
    let response = exchange(
        &served.addr,
        b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    );
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 408"),
        "{response}"
    );
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let served = common::serve(&["--fixtures", fixtures(), "--header-timeout-ms", "200"]);
    // The answer, then nothing from the client: the wait for the next head is timed too,
    // so an idle client does not hold a place under the connection cap for ever.
    let response = exchange(&served.addr, b"HEAD /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(response.matches("HTTP/1.1").count(), 1, "{response}");
}

#[test]
fn a_connection_over_the_cap_is_answered_503_and_a_freed_place_is_reused() {
    let served = common::serve(&[
        "--fixtures",
        fixtures(),
        "--max-connections",
        "2",
        "--header-timeout-ms",
        "0",
    ]);
    // Two idle connections take both places. Each is known to be served once it has
    // answered a request; they stay open (keep-alive) afterwards.
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(&served.addr)).collect();
    for conn in &mut held {
        conn.write_all(b"HEAD /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut head = [0u8; 12];
        conn.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
    let response = exchange(&served.addr, b"GET /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(response.contains("retry-after: 1"), "{response}");

    // One of them finishes with Connection: close. Its place is given back before the
    // server's FIN, so once this client has read to the end a new connection is served.
    let mut leaving = held.pop().unwrap();
    leaving
        .write_all(b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    read_until_closed(&mut leaving);
    let response = exchange(
        &served.addr,
        b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_new_version_on_every_request_does_not_grow_the_server() {
    // Before the fix each new version of a file fixture held a copy of the file: 2,000
    // requests for a 350 KB file grew the server by 700 MB. Here 400 requests for a 4 MiB
    // file would grow it by 1.6 GB.
    const FILE_BYTES: usize = 4 << 20;
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..FILE_BYTES).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.path().join("big.bin"), bytes).unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"x\"\napp = \"reference\"\nrules = [\"RES-1\"]\n\
         [[fixture]]\npath = \"/big.bin\"\nfile = \"big.bin\"\n\
         [[fault]]\npath = \"/big.bin\"\nkind = \"new-version\"\nseed = 1\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    )
    .unwrap();
    let served = common::serve(&["--scenario", scenario.to_str().unwrap()]);
    let mut conn = connect(&served.addr);
    let head = |conn: &mut TcpStream| {
        conn.write_all(b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        // A HEAD answer is its head alone; read it up to the blank line.
        let mut got = Vec::new();
        let mut byte = [0u8; 1];
        while !got.ends_with(b"\r\n\r\n") {
            conn.read_exact(&mut byte).unwrap();
            got.push(byte[0]);
        }
        assert!(
            got.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&got)
        );
    };
    for _ in 0..10 {
        head(&mut conn);
    }
    let before_kib = rss_kib(served.child.id());
    for _ in 0..400 {
        head(&mut conn);
    }
    let grown_kib = rss_kib(served.child.id()).saturating_sub(before_kib);
    assert!(
        grown_kib < 64 * 1024,
        "400 new versions grew the server by {grown_kib} KiB"
    );
}
