//! End-to-end tests of the fixture server with a real hyper client, each run over both a
//! loopback TCP socket and the in-memory duplex transport.

use crate::common::http as harness;

use std::net::SocketAddr;

use bytes::Bytes;
use http::header;
use http::{Method, StatusCode};

use bgsim::server::{
    AcceptRanges, Content, Fixture, FixtureServer, FixtureSet, JournalEntry, TcpServer,
};
use harness::{keystream, loopback, text_bytes, Harness, Transport};

const GIB4: u64 = 4 * 1024 * 1024 * 1024;
const MIB3: u64 = 3 * 1024 * 1024;

/// Runs `check` against a fresh server for `fixtures`, first over TCP, then in memory;
/// every body must arrive whole.
async fn on_both<F, Fut>(fixtures: fn() -> FixtureSet, check: F)
where
    F: Fn(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    harness::on_both(|| FixtureServer::new(fixtures()), true, check).await;
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn standard() -> FixtureSet {
    let mut set = FixtureSet::new();
    set.insert(Fixture::file("/file.txt", text_bytes()));
    set.insert(Fixture::generated("/big.bin", MIB3, 11));
    set.insert(Fixture::generated("/huge.bin", GIB4, 12));
    set.insert(
        Fixture::file("/norange.txt", Bytes::from_static(b"no ranges here"))
            .with_accept_ranges(AcceptRanges::None),
    );
    set.insert(
        Fixture::file("/absent.txt", Bytes::from_static(b"no header here"))
            .with_accept_ranges(AcceptRanges::Absent),
    );
    set.insert(Fixture::file("/gz.txt", text_bytes()).with_gzip(true));
    set.insert(
        Fixture::file("/quiet.txt", Bytes::from_static(b"ranges, unsaid"))
            .with_accept_ranges(AcceptRanges::Unadvertised),
    );
    set
}

/// `bytes` gunzipped.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn full_get_of_file_fixture_is_byte_exact() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.body, text_bytes(), "{}", h.name());
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(r.header(header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(r.header(header::ETAG), Some(h.etag("/file.txt").as_str()));
        assert_eq!(
            r.header(header::LAST_MODIFIED),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        assert_eq!(r.header(header::DATE), None, "no wall-clock Date header");
        assert_eq!(r.header(header::CONTENT_RANGE), None);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn full_get_of_generated_fixture_is_byte_exact() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("3145728"));
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("application/octet-stream")
        );
        assert_eq!(r.body.len() as u64, MIB3);
        assert!(r.body == keystream(11, 0, MIB3 as usize), "{}", h.name());
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn range_first_last() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=1000-1999")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 1000-1999/100000")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("1000"));
        assert_eq!(r.header(header::ETAG), Some(h.etag("/file.txt").as_str()));
        assert_eq!(r.body, text_bytes().slice(1000..2000));

        // An end past EOF is clamped.
        let r = c.get("/file.txt", &[("range", "bytes=99990-200000")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 99990-99999/100000")
        );
        assert_eq!(r.body, text_bytes().slice(99990..));

        // On generated content, across a 64 KiB chunk boundary at an unaligned offset.
        let r = c.get("/big.bin", &[("range", "bytes=65533-131074")]).await;
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 65533-131074/3145728")
        );
        assert!(r.body == keystream(11, 65533, 65542));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn range_open_ended() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=40000-")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 40000-99999/100000")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("60000"));
        assert_eq!(r.body, text_bytes().slice(40000..));

        let r = c.get("/big.bin", &[("range", "bytes=3000001-")]).await;
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 3000001-3145727/3145728")
        );
        assert!(r.body == keystream(11, 3_000_001, 145_727));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn range_suffix() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=-500")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 99500-99999/100000")
        );
        assert_eq!(r.body, text_bytes().slice(99500..));

        // A suffix longer than the body means the whole body.
        let r = c.get("/file.txt", &[("range", "bytes=-1000000")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 0-99999/100000")
        );
        assert_eq!(r.body, text_bytes());
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn unsatisfiable_range_is_416_with_star_length() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        // Resuming exactly at EOF: the client already has everything.
        for range in ["bytes=100000-", "bytes=200000-300000", "bytes=-0"] {
            let r = c.get("/file.txt", &[("range", range)]).await;
            assert_eq!(
                r.status,
                StatusCode::RANGE_NOT_SATISFIABLE,
                "{} {range}",
                h.name()
            );
            assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes */100000"));
            assert_eq!(r.header(header::CONTENT_LENGTH), Some("0"));
            assert!(r.body.is_empty());
        }
        // The connection is still usable afterwards.
        let r = c.get("/file.txt", &[("range", "bytes=0-0")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn malformed_or_multiple_ranges_get_full_200() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        for range in ["bytes=5-1", "items=0-1", "bytes=0-1,5-6", "bytes=x-"] {
            let r = c.get("/file.txt", &[("range", range)]).await;
            assert_eq!(r.status, StatusCode::OK, "{} {range}", h.name());
            assert_eq!(r.body, text_bytes());
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn if_range_with_current_etag_gives_206() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let etag = h.etag("/file.txt");
        let r = c
            .get(
                "/file.txt",
                &[("range", "bytes=50000-"), ("if-range", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 50000-99999/100000")
        );
        assert_eq!(r.body, text_bytes().slice(50000..));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn if_range_with_wrong_or_weak_etag_gives_full_200() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let weak = format!("W/{}", h.etag("/file.txt"));
        for tag in ["\"0000000000000000\"", weak.as_str()] {
            let r = c
                .get("/file.txt", &[("range", "bytes=50000-"), ("if-range", tag)])
                .await;
            assert_eq!(r.status, StatusCode::OK, "{} {tag}", h.name());
            assert_eq!(r.header(header::CONTENT_RANGE), None);
            assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
            assert_eq!(r.body, text_bytes());
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn if_range_with_exact_last_modified_gives_206() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let date = h.last_modified("/file.txt");
        let r = c
            .get(
                "/file.txt",
                &[("range", "bytes=10-19"), ("if-range", &date)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes 10-19/100000"));
        assert_eq!(r.body, text_bytes().slice(10..20));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn if_range_with_other_date_gives_full_200() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        for date in [
            "Thu, 01 Jan 2026 00:00:01 GMT",
            "Wed, 31 Dec 2025 00:00:00 GMT",
        ] {
            let r = c
                .get("/file.txt", &[("range", "bytes=10-19"), ("if-range", date)])
                .await;
            assert_eq!(r.status, StatusCode::OK, "{} {date}", h.name());
            assert_eq!(r.body, text_bytes());
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn head_has_get_headers_and_no_body() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let get = c.get("/file.txt", &[]).await;
        let head = c.send(Method::HEAD, "/file.txt", &[]).await;
        assert_eq!(head.status, StatusCode::OK, "{}", h.name());
        assert_eq!(head.headers, get.headers, "{}", h.name());
        assert_eq!(head.header(header::CONTENT_LENGTH), Some("100000"));
        assert!(head.body.is_empty());
        // HEAD of a 4 GiB fixture is just headers.
        let head = c.send(Method::HEAD, "/huge.bin", &[]).await;
        assert_eq!(head.header(header::CONTENT_LENGTH), Some("4294967296"));
        assert!(head.body.is_empty());
        // And the connection is still in sync.
        let r = c.get("/file.txt", &[("range", "bytes=0-2")]).await;
        assert_eq!(&r.body[..], &[0, 1, 2]);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn unknown_path_is_404_html() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/nope.txt", &[("range", "bytes=0-1")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            r.header(header::CONTENT_LENGTH),
            Some(r.body.len().to_string().as_str())
        );
        let html = std::str::from_utf8(&r.body).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("404 Not Found"), "{html}");
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn other_methods_are_405_with_allow() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let r = c.send(method.clone(), "/file.txt", &[]).await;
            assert_eq!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{} {method}",
                h.name()
            );
            assert_eq!(r.header(header::ALLOW), Some("GET, HEAD"));
            assert!(std::str::from_utf8(&r.body).unwrap().contains("405"));
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn accept_ranges_none_or_absent_ignore_range_and_unadvertised_honours_it() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/norange.txt", &[("range", "bytes=0-1")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::ACCEPT_RANGES), Some("none"));
        assert_eq!(&r.body[..], b"no ranges here");
        let r = c.get("/absent.txt", &[("range", "bytes=0-1")]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header(header::ACCEPT_RANGES), None);
        assert_eq!(&r.body[..], b"no header here");
        // Neither a resume (If-Range with the current tag) nor an unsatisfiable range
        // changes that: without range support there is no 206 and no 416.
        for path in ["/norange.txt", "/absent.txt"] {
            let etag = h.etag(path);
            for headers in [
                vec![("range", "bytes=3-"), ("if-range", etag.as_str())],
                vec![("range", "bytes=500-")],
            ] {
                let r = c.get(path, &headers).await;
                assert_eq!(r.status, StatusCode::OK, "{path} {headers:?}");
                assert_eq!(r.header(header::CONTENT_RANGE), None);
                assert_eq!(r.body.len(), 14);
            }
            let head = c.send(Method::HEAD, path, &[("range", "bytes=0-1")]).await;
            assert_eq!(head.status, StatusCode::OK);
        }
        // A server may honour ranges without advertising them.
        let etag = h.etag("/quiet.txt");
        let r = c
            .get("/quiet.txt", &[("range", "bytes=8-"), ("if-range", &etag)])
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(r.header(header::ACCEPT_RANGES), None);
        assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes 8-13/14"));
        assert_eq!(&r.body[..], b"unsaid");
        let r = c.get("/quiet.txt", &[]).await;
        assert_eq!(r.header(header::ACCEPT_RANGES), None);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn conditional_get_gives_304_and_412() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let etag = h.etag("/file.txt");
        let r = c.get("/file.txt", &[("if-none-match", &etag)]).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{}", h.name());
        assert_eq!(r.header(header::ETAG), Some(etag.as_str()));
        assert!(r.header(header::LAST_MODIFIED).is_some());
        assert!(r.body.is_empty());
        let r = c
            .get(
                "/file.txt",
                &[("if-match", "\"other\""), ("range", "bytes=0-1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
        assert!(r.body.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn new_version_changes_validators_and_old_if_range_gets_200() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let first = c.get("/file.txt", &[("range", "bytes=0-9")]).await;
        let old_etag = first.header(header::ETAG).unwrap().to_owned();
        let old_date = first.header(header::LAST_MODIFIED).unwrap().to_owned();

        let new_body = Bytes::from_static(b"version two, shorter");
        h.server.with_fixtures(|set| {
            let f = set.get_mut("/file.txt").unwrap();
            f.add_version(Content::Bytes(new_body.clone()));
            assert!(f.advance());
        });

        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.body, new_body);
        let new_etag = r.header(header::ETAG).unwrap();
        assert_ne!(new_etag, old_etag);
        assert_eq!(
            r.header(header::LAST_MODIFIED),
            Some("Fri, 02 Jan 2026 00:00:00 GMT")
        );
        assert_ne!(r.header(header::LAST_MODIFIED).unwrap(), old_date);

        // A resume keyed on the old validators restarts from byte 0 with the new body.
        for validator in [&old_etag, &old_date] {
            let r = c
                .get(
                    "/file.txt",
                    &[("range", "bytes=10-"), ("if-range", validator)],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{} {validator}", h.name());
            assert_eq!(r.header(header::CONTENT_RANGE), None);
            assert_eq!(r.body, new_body);
        }
        // With the new tag the resume works.
        let new_etag = h.etag("/file.txt");
        let r = c
            .get(
                "/file.txt",
                &[("range", "bytes=10-"), ("if-range", &new_etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes 10-19/20"));
        assert_eq!(r.body, new_body.slice(10..));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn journal_records_every_request_in_order() {
    on_both(standard, |h| async move {
        let etag = h.etag("/file.txt");
        let mut a = h.connect().await;
        a.get(
            "/file.txt",
            &[
                ("range", "bytes=10-19"),
                ("if-range", &etag),
                ("accept-encoding", "gzip, deflate"),
            ],
        )
        .await;
        a.send(Method::HEAD, "/file.txt", &[]).await;
        // Connect the second connection only after the first has been accepted and used, so
        // accept order (and therefore connection ids) is fixed.
        let mut b = h.connect().await;
        b.get(
            "/big.bin",
            &[("if-match", "\"x\""), ("if-none-match", "\"y\", \"z\"")],
        )
        .await;
        a.get("/missing", &[]).await;
        b.send(Method::POST, "/file.txt", &[]).await;
        b.get("/file.txt", &[("range", "bytes=100000-")]).await;

        let entries = h.server.journal().entries();
        let base = JournalEntry {
            request_index: 0,
            connection_id: 0,
            index_on_connection: 0,
            method: "GET".into(),
            path: "/file.txt".into(),
            range: None,
            if_range: None,
            if_match: None,
            if_none_match: None,
            accept_encoding: None,
            status: 200,
            body_bytes_sent: 0,
            body_complete: true,
        };
        let expected = vec![
            JournalEntry {
                range: Some("bytes=10-19".into()),
                if_range: Some(etag.clone()),
                accept_encoding: Some("gzip, deflate".into()),
                status: 206,
                body_bytes_sent: 10,
                ..base.clone()
            },
            JournalEntry {
                request_index: 1,
                index_on_connection: 1,
                method: "HEAD".into(),
                ..base.clone()
            },
            JournalEntry {
                request_index: 2,
                connection_id: 1,
                path: "/big.bin".into(),
                if_match: Some("\"x\"".into()),
                if_none_match: Some("\"y\", \"z\"".into()),
                status: 412,
                ..base.clone()
            },
            JournalEntry {
                request_index: 3,
                index_on_connection: 2,
                path: "/missing".into(),
                status: 404,
                body_bytes_sent: entries[3].body_bytes_sent,
                ..base.clone()
            },
            JournalEntry {
                request_index: 4,
                connection_id: 1,
                index_on_connection: 1,
                method: "POST".into(),
                status: 405,
                body_bytes_sent: entries[4].body_bytes_sent,
                ..base.clone()
            },
            JournalEntry {
                request_index: 5,
                connection_id: 1,
                index_on_connection: 2,
                range: Some("bytes=100000-".into()),
                status: 416,
                ..base.clone()
            },
        ];
        assert_eq!(entries, expected, "{}", h.name());
        // The error pages were sent in full.
        assert!(entries[3].body_bytes_sent > 100);
        assert!(entries[4].body_bytes_sent > 100);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn aborted_download_is_journaled_as_incomplete() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        // Only the response head is read; then the client vanishes mid-body.
        let resp = c.response(Method::GET, "/huge.bin", &[]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", h.name());
        c.conn.abort();
        drop(resp);
        drop(c);

        let entry = h.server.journal().wait_finished(0).await;
        assert_eq!(entry.status, 200);
        assert_eq!(entry.path, "/huge.bin");
        assert!(!entry.body_complete, "{}", h.name());
        // How many bytes got out depends on socket buffering; only bound it.
        assert!(entry.body_bytes_sent < GIB4);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn huge_generated_fixture_serves_its_tail_at_once() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/huge.bin", &[("range", "bytes=-16")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 4294967280-4294967295/4294967296")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("16"));
        assert_eq!(&r.body[..], &keystream(12, GIB4 - 16, 16)[..]);

        // An unaligned range straddling a word boundary near the end.
        let r = c
            .get("/huge.bin", &[("range", "bytes=4294967281-4294967286")])
            .await;
        assert_eq!(&r.body[..], &keystream(12, GIB4 - 16, 16)[1..7]);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn load_dir_fixtures_are_served() {
    fn from_dir() -> FixtureSet {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("img")).unwrap();
        std::fs::write(dir.path().join("img/a b.png"), b"\x89PNG fake").unwrap();
        std::fs::write(dir.path().join("data.json"), b"{\"k\":1}").unwrap();
        FixtureSet::load_dir(dir.path()).unwrap()
    }
    on_both(from_dir, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/img/a%20b.png", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_TYPE), Some("image/png"));
        assert_eq!(&r.body[..], b"\x89PNG fake");
        let r = c.get("/data.json", &[]).await;
        assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
        assert_eq!(&r.body[..], b"{\"k\":1}");
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn binding_a_non_loopback_address_is_refused() {
    let server = FixtureServer::new(standard());
    for addr in ["0.0.0.0:0", "10.1.2.3:0", "[::]:0", "[::ffff:127.0.0.1]:0"] {
        let addr: SocketAddr = addr.parse().unwrap();
        let err = TcpServer::start(server.clone(), addr)
            .await
            .expect_err("must refuse");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{addr}");
        assert!(err.to_string().contains("127.0.0.0/8"), "{err}");
        assert!(err.to_string().contains("::1"), "{err}");
        let err = bgsim::server::serve_until(server.clone(), addr, async {})
            .await
            .expect_err("must refuse");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tcp_shutdown_closes_idle_keep_alive_connections() {
    let server = FixtureServer::new(standard());
    let tcp = TcpServer::start(server.clone(), loopback()).await.unwrap();
    let addr = tcp.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let h = Harness {
        server,
        transport: Transport::Tcp(tcp),
        whole_bodies: true,
    };
    let mut c = h.connect().await;
    assert_eq!(c.get("/file.txt", &[]).await.status, StatusCode::OK);
    // The client keeps the connection open; shutdown must still return (graceful close).
    let Transport::Tcp(tcp) = h.transport else {
        unreachable!()
    };
    tcp.shutdown().await;
    // The client's connection task ends because the server closed the connection.
    c.conn.await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn serve_until_returns_after_its_shutdown_future() {
    let server = FixtureServer::new(standard());
    bgsim::server::serve_until(server, loopback(), async {})
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn wire_bytes_are_exact_and_dateless() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    on_both(standard, |h| async move {
        let etag = h.etag("/file.txt");
        let mut io = h.connect_raw().await;
        // Two pipelined requests on one keep-alive connection, the second closing it.
        io.write_all(
            b"GET /file.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-3\r\n\r\n\
              HEAD /file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let mut got = Vec::new();
        io.read_to_end(&mut got).await.unwrap();
        let expected = format!(
            "HTTP/1.1 206 Partial Content\r\n\
             content-range: bytes 1-3/100000\r\n\
             content-length: 3\r\n\
             etag: {etag}\r\n\
             last-modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n\
             accept-ranges: bytes\r\n\
             content-type: text/plain; charset=utf-8\r\n\
             \r\n\
             \x01\x02\x03\
             HTTP/1.1 200 OK\r\n\
             content-length: 100000\r\n\
             etag: {etag}\r\n\
             last-modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n\
             accept-ranges: bytes\r\n\
             content-type: text/plain; charset=utf-8\r\n\
             connection: close\r\n\
             \r\n"
        );
        assert_eq!(String::from_utf8_lossy(&got), expected, "{}", h.name());
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_chunked_fixture_announces_no_length_and_still_serves_ranges() {
    fn chunked() -> FixtureSet {
        let mut set = FixtureSet::new();
        set.insert(Fixture::generated("/stream.bin", 200_000, 9).with_chunked(true));
        set
    }
    on_both(chunked, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/stream.bin", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_LENGTH), None, "{}", h.name());
        assert_eq!(r.header(header::TRANSFER_ENCODING), Some("chunked"));
        assert_eq!(r.body.len(), 200_000);
        let r = c.get("/stream.bin", &[("range", "bytes=199990-")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 199990-199999/200000")
        );
        assert_eq!(r.body.len(), 10);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn gzip_is_served_to_clients_that_accept_it_with_its_own_etag() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let plain = c.get("/gz.txt", &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{}", h.name());
        assert_eq!(plain.header(header::CONTENT_ENCODING), None);
        assert_eq!(plain.header(header::VARY), Some("accept-encoding"));
        assert_eq!(plain.body, text_bytes());
        let identity_etag = h.etag("/gz.txt");
        assert_eq!(plain.header(header::ETAG), Some(identity_etag.as_str()));

        let gz = c.get("/gz.txt", &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(gz.status, StatusCode::OK, "{}", h.name());
        assert_eq!(gz.header(header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(gz.header(header::VARY), Some("accept-encoding"));
        assert_eq!(gz.header(header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(
            gz.header(header::CONTENT_TYPE),
            Some("text/plain; charset=utf-8")
        );
        let len = gz.body.len().to_string();
        assert_eq!(gz.header(header::CONTENT_LENGTH), Some(len.as_str()));
        assert!(gz.body.len() < 10_000, "the pattern compresses well");
        assert_eq!(gunzip(&gz.body), text_bytes(), "{}", h.name());
        let gzip_etag = gz.header(header::ETAG).unwrap().to_owned();
        assert!(gzip_etag.starts_with('"'), "a strong tag: {gzip_etag}");
        assert_ne!(gzip_etag, identity_etag);
        let encoded = h
            .server
            .with_fixtures(|s| s.get("/gz.txt").unwrap().current_gzip().unwrap().clone());
        assert_eq!(gzip_etag, encoded.etag);
        assert_eq!(
            gz.header(header::LAST_MODIFIED),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        // Deterministic: gzip header with mtime 0, no name (flags 0), OS unknown (255).
        assert_eq!(&gz.body[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);

        // HEAD selects the same way.
        let head = c
            .send(Method::HEAD, "/gz.txt", &[("accept-encoding", "gzip")])
            .await;
        assert_eq!(head.headers, gz.headers);
        // Refused gzip (q=0) and unrelated codings get identity.
        for ae in ["gzip;q=0", "deflate, br", "identity"] {
            let r = c.get("/gz.txt", &[("accept-encoding", ae)]).await;
            assert_eq!(r.header(header::CONTENT_ENCODING), None, "{ae}");
            assert_eq!(r.body, text_bytes(), "{ae}");
        }
        // A conditional GET with the gzip tag: 304 with the tag and Vary.
        let r = c
            .get(
                "/gz.txt",
                &[("accept-encoding", "gzip"), ("if-none-match", &gzip_etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        assert_eq!(r.header(header::ETAG), Some(gzip_etag.as_str()));
        assert_eq!(r.header(header::VARY), Some("accept-encoding"));
        // The gzip-encoded bytes are the same on every server built from the fixtures.
        let again = FixtureServer::new(standard())
            .with_fixtures(|s| s.get("/gz.txt").unwrap().current_gzip().unwrap().clone());
        assert_eq!(again, encoded);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn gzip_ranges_address_the_encoded_bytes() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let first = c
            .get(
                "/gz.txt",
                &[("accept-encoding", "gzip"), ("range", "bytes=0-99")],
            )
            .await;
        assert_eq!(first.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(first.header(header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(first.header(header::VARY), Some("accept-encoding"));
        let etag = first.header(header::ETAG).unwrap().to_owned();
        let range = first.header(header::CONTENT_RANGE).unwrap().to_owned();
        let total: usize = range.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(range, format!("bytes 0-99/{total}"));
        assert_eq!(first.body.len(), 100);

        // The resume: If-Range with the gzip tag, the rest of the encoded bytes.
        let rest = c
            .get(
                "/gz.txt",
                &[
                    ("accept-encoding", "gzip"),
                    ("range", "bytes=100-"),
                    ("if-range", &etag),
                ],
            )
            .await;
        assert_eq!(rest.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            rest.header(header::CONTENT_RANGE),
            Some(format!("bytes 100-{}/{total}", total - 1).as_str())
        );
        let mut joined = first.body.clone();
        joined.extend_from_slice(&rest.body);
        assert_eq!(joined.len(), total);
        assert_eq!(gunzip(&joined), text_bytes(), "{}", h.name());

        // If-Range with the identity representation's tag names another representation:
        // the Range is ignored and the whole gzip representation comes back.
        let identity_etag = h.etag("/gz.txt");
        let r = c
            .get(
                "/gz.txt",
                &[
                    ("accept-encoding", "gzip"),
                    ("range", "bytes=100-"),
                    ("if-range", &identity_etag),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(r.body, joined);
        // And the gzip tag on an identity request: a full identity 200.
        let r = c
            .get("/gz.txt", &[("range", "bytes=100-"), ("if-range", &etag)])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header(header::CONTENT_ENCODING), None);
        assert_eq!(r.body, text_bytes());
        // An encoded range past the end is 416 against the encoded length.
        let r = c
            .get(
                "/gz.txt",
                &[
                    ("accept-encoding", "gzip"),
                    ("range", &format!("bytes={total}-")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some(format!("bytes */{total}").as_str())
        );
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_version_of_a_gzip_fixture_is_encoded_again() {
    on_both(standard, |h| async move {
        let mut c = h.connect().await;
        let old = c.get("/gz.txt", &[("accept-encoding", "gzip")]).await;
        h.server.with_fixtures(|set| {
            let f = set.get_mut("/gz.txt").unwrap();
            f.add_version(Content::Bytes(Bytes::from_static(b"version two")));
            assert!(f.advance());
        });
        let new = c.get("/gz.txt", &[("accept-encoding", "gzip")]).await;
        assert_eq!(gunzip(&new.body), b"version two", "{}", h.name());
        assert_ne!(new.header(header::ETAG), old.header(header::ETAG));
        assert_eq!(
            new.header(header::LAST_MODIFIED),
            Some("Fri, 02 Jan 2026 00:00:00 GMT")
        );
    })
    .await;
}
