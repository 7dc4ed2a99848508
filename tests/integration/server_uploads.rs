//! The fixture server's upload endpoint: PUT and POST bodies are read whole, hashed and
//! journaled; `/uploads/...` answers 201 with a receipt; the fault plan's status and cut
//! apply to uploads; request numbers count completed uploads.

use bgsim::server::{
    Fault, FaultPlan, FaultRule, Fixture, FixtureServer, FixtureSet, MemoryServer, TcpServer,
    UploadRecord,
};
use bgsim_simulator::content::{generated, hex};
use bgsim_simulator::seed::fnv1a64;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixtures() -> FixtureSet {
    let mut set = FixtureSet::new();
    set.insert(Fixture::generated("/big.bin", 1000, 1));
    set
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    body: Result<Vec<u8>, ()>,
}

/// Sends `body` with `method` to `path` over a fresh connection `io`.
async fn send<T>(io: T, method: Method, path: &str, body: Vec<u8>) -> Reply
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "fixtures.bgsim.test")
        .header("content-length", body.len())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .map_err(|_| ());
    Reply {
        status,
        content_type,
        body,
    }
}

fn record(bytes: &[u8]) -> UploadRecord {
    UploadRecord {
        bytes: bytes.len() as u64,
        fnv1a64: fnv1a64(bytes),
        complete: true,
    }
}

#[test]
fn a_put_under_uploads_is_read_whole_journaled_and_answered_201_on_both_transports() {
    runtime().block_on(async {
        let body = generated(300_000, 4);
        let expected = format!(
            "{{\"received\": 300000, \"fnv1a64\": \"{}\"}}\n",
            hex(fnv1a64(&body))
        );
        // TCP.
        let server = FixtureServer::new(fixtures());
        let tcp = TcpServer::start(server.clone(), ([127, 0, 0, 1], 0).into())
            .await
            .unwrap();
        let io = tokio::net::TcpStream::connect(tcp.local_addr())
            .await
            .unwrap();
        let reply = send(io, Method::PUT, "/uploads/a.bin", body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(reply.body.unwrap(), expected.as_bytes());
        tcp.shutdown().await;
        // Memory.
        let mem_server = FixtureServer::new(fixtures());
        let mem = MemoryServer::new(mem_server.clone());
        let reply = send(mem.connect(), Method::POST, "/uploads/a.bin", body.clone()).await;
        assert_eq!(reply.body.unwrap(), expected.as_bytes());

        for (server, method) in [(server, "PUT"), (mem_server, "POST")] {
            let uploads = server.journal().uploads();
            assert_eq!(uploads.len(), 1);
            let (entry, upload) = &uploads[0];
            assert_eq!(
                (entry.method.as_str(), entry.path.as_str(), entry.status),
                (method, "/uploads/a.bin", 201)
            );
            assert!(entry.body_complete);
            assert_eq!(*upload, record(&body));
            assert_eq!(server.requests_to("/uploads/a.bin"), 1);
        }
    });
}

#[test]
fn a_chunked_post_is_read_to_its_last_chunk() {
    runtime().block_on(async {
        let server = FixtureServer::new(fixtures());
        let mem = MemoryServer::new(server.clone());
        let mut io = mem.connect();
        io.write_all(
            b"POST /uploads/c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
              5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        )
        .await
        .unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains("}\n") {
            let n = io.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 201 Created"), "{text}");
        assert!(text.contains("\"received\": 11"), "{text}");
        assert_eq!(server.journal().upload(0), Some(record(b"hello world")));
    });
}

#[test]
fn uploads_elsewhere_are_read_then_refused_with_405_or_404() {
    runtime().block_on(async {
        let server = FixtureServer::new(fixtures());
        let mem = MemoryServer::new(server.clone());
        let reply = send(mem.connect(), Method::PUT, "/big.bin", vec![1; 10]).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        let reply = send(mem.connect(), Method::POST, "/nowhere", vec![2; 20]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let statuses: Vec<(u16, u64)> = server
            .journal()
            .uploads()
            .iter()
            .map(|(e, u)| (e.status, u.bytes))
            .collect();
        assert_eq!(statuses, vec![(405, 10), (404, 20)]);
    });
}

#[test]
fn status_and_cut_faults_apply_to_uploads_by_request_number() {
    runtime().block_on(async {
        let plan = FaultPlan::new()
            .with(FaultRule::nth(
                "/uploads/f",
                1,
                Fault::Status {
                    code: 500,
                    retry_after: None,
                },
            ))
            .with(FaultRule::nth("/uploads/f", 2, Fault::Cut { at_byte: 5 }));
        let server = FixtureServer::with_faults(fixtures(), plan);
        let mem = MemoryServer::new(server.clone());
        let body = generated(1000, 2);
        // 1: a 500 with an HTML page, after the whole body was read.
        let reply = send(mem.connect(), Method::PUT, "/uploads/f", body.clone()).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            reply.content_type.as_deref(),
            Some("text/html; charset=utf-8")
        );
        // 2: the 201's body is cut after 5 bytes.
        let reply = send(mem.connect(), Method::PUT, "/uploads/f", body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert!(reply.body.is_err(), "the body was cut");
        // 3: whole.
        let reply = send(mem.connect(), Method::PUT, "/uploads/f", body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert!(reply.body.is_ok());
        let journal = server.journal();
        let faults = journal.faults();
        assert_eq!(faults[0].as_deref(), Some("status 500"));
        assert_eq!(faults[1].as_deref(), Some("cut at 5"));
        assert_eq!(faults[2], None);
        assert!(journal.uploads().iter().all(|(_, u)| *u == record(&body)));
        let cut = journal.wait_finished(1).await;
        assert_eq!((cut.body_bytes_sent, cut.body_complete), (5, false));
    });
}

#[test]
fn an_upload_abandoned_mid_body_is_journaled_incomplete_and_not_counted() {
    runtime().block_on(async {
        let server = FixtureServer::new(fixtures());
        let mem = MemoryServer::new(server.clone());
        let mut io = mem.connect();
        io.write_all(
            b"PUT /uploads/x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789",
        )
        .await
        .unwrap();
        drop(io);
        let entry =
            tokio::time::timeout(Duration::from_secs(10), server.journal().wait_finished(0))
                .await
                .expect("journaled");
        assert_eq!(entry.status, 0);
        let upload = server.journal().upload(0).unwrap();
        assert!(!upload.complete);
        assert!(upload.bytes <= 10);
        assert_eq!(server.requests_to("/uploads/x"), 0);
    });
}
