//! Uploads: PUT and POST requests. The server reads the whole request body first, hashing
//! it (FNV-1a 64) without keeping it, and only then answers:
//!
//! - under `/uploads/`: `201 Created` with a small JSON body,
//!   `{"received": N, "fnv1a64": "<16 hex digits>"}`, so a client can see what arrived;
//! - at a fixture's path: `405 Method Not Allowed` (fixtures are read-only);
//! - anywhere else: `404 Not Found`.
//!
//! The journal gets the request (method, path, status) and, beside it, an
//! [`UploadRecord`]: the body's length, hash, and whether it arrived whole.
//!
//! The fault plan applies as it does to downloads, where it makes sense for an upload:
//! `status`, `redirect` and `unauthorized` replace the answer (a `status` 500 gets an HTML
//! page), and `cut`, `reset` and `stall` act on the *response* body at its byte N. The faults that shape a
//! fixture's representation (ranges, validators, versions, framing) do not apply.
//!
//! Request numbers. An upload is counted (for [`crate::server::FaultRule::request`]) once
//! its body has arrived whole, in the order bodies complete; the client (bgsim's daemon)
//! waits for each response before the next body can complete, so the numbering is the same
//! on every run and transport. An upload whose client went away mid-body is journaled with
//! status 0 when the server notices, not counted, and its place in the journal is not
//! deterministic: tests should not rely on it.

use std::sync::Arc;

use super::super::link::ConnControl;
use bgsim_simulator::content::{hex, memo::StreamHash};
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::{
    describe, field, html_response, percent_decode, push_breaks, replacement, Applied, Fault,
    FixtureBody, FixtureServer, Framing, JournalEntry, Planned, Stops, METHOD_NOT_ALLOWED_HTML,
    NOT_FOUND_HTML,
};
use crate::server::journal::UploadRecord;

/// Where uploads are accepted.
pub(crate) const UPLOADS_PREFIX: &str = "/uploads/";

/// The methods whose body the server reads before answering.
pub(super) fn reads_body(method: &Method) -> bool {
    method == Method::PUT || method == Method::POST
}

/// One upload request on one connection.
pub(super) struct Upload {
    pub server: FixtureServer,
    pub connection_id: u64,
    pub index_on_connection: u64,
    pub control: Arc<ConnControl>,
}

/// The JSON body of a 201.
pub(crate) fn receipt(bytes: u64, fnv1a64: u64) -> String {
    format!(
        "{{\"received\": {bytes}, \"fnv1a64\": \"{}\"}}\n",
        hex(fnv1a64)
    )
}

impl Upload {
    /// The response body's stops: `breaks`, and a cut that fails the body.
    fn stops(&self, breaks: Vec<super::Break>) -> Stops {
        Stops {
            breaks,
            control: self.control.clone(),
            cut_fails: true,
        }
    }

    pub(super) async fn respond(self, req: Request<Incoming>) -> Response<FixtureBody> {
        let (parts, mut body) = req.into_parts();
        let mut hash = StreamHash::new();
        let mut bytes = 0u64;
        let mut complete = true;
        let mut malformed = false;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        hash.update(&data);
                        bytes += data.len() as u64;
                    }
                }
                Err(e) => {
                    complete = false;
                    malformed = is_malformed(&e);
                    break;
                }
            }
        }
        let upload = UploadRecord {
            bytes,
            fnv1a64: hash.finish(),
            complete,
        };
        if malformed {
            // The client is still there and sent a body hyper could not decode: say so
            // rather than close without a word (reject.rs).
            return super::reject::refuse(
                &self.server,
                self.connection_id,
                self.index_on_connection,
                &self.control,
                &parts,
                super::reject::Refusal::BadRequest("malformed request body framing"),
                Some(upload),
            );
        }
        let journal = self.server.journal();
        let path = parts.uri.path().to_owned();
        let entry = |status: u16| JournalEntry {
            request_index: 0, // assigned by the journal
            connection_id: self.connection_id,
            index_on_connection: self.index_on_connection,
            method: parts.method.as_str().to_owned(),
            path: path.clone(),
            range: field(&parts.headers, &header::RANGE),
            if_range: field(&parts.headers, &header::IF_RANGE),
            if_match: field(&parts.headers, &header::IF_MATCH),
            if_none_match: field(&parts.headers, &header::IF_NONE_MATCH),
            accept_encoding: field(&parts.headers, &header::ACCEPT_ENCODING),
            status,
            body_bytes_sent: 0,
            body_complete: false,
        };
        if !complete {
            // Nobody is left to answer: journal what arrived, count nothing.
            let index = journal.record_with_fault(entry(0), None);
            journal.record_upload(index, upload);
            journal.finish(index, 0, true);
            return Response::new(FixtureBody::new(
                crate::server::Content::Bytes(Bytes::new()),
                0..0,
                self.stops(Vec::new()),
                journal,
                index,
                true,
            ));
        }
        let decoded = percent_decode(&path);
        let plan = self.server.faults();
        let (planned, request_index) = self.server.with_state(|state| {
            let n = state.count_request(&path);
            let rules: Vec<(usize, &Fault)> = plan.matching(&path, decoded.as_deref(), n).collect();
            let mut applied = Applied::new();
            let fixture = state.fixtures.get(&path).is_some()
                || decoded
                    .as_deref()
                    .is_some_and(|d| state.fixtures.get(d).is_some());
            let mut planned = match rules.iter().rev().find(|(_, f)| f.replaces_response()) {
                Some(&(i, fault)) => {
                    applied.push((i, describe(fault)));
                    replacement(fault)
                }
                None if path.starts_with(UPLOADS_PREFIX) => created(upload),
                None if fixture => {
                    let mut p = html_response(
                        StatusCode::METHOD_NOT_ALLOWED,
                        Bytes::from_static(METHOD_NOT_ALLOWED_HTML.as_bytes()),
                    );
                    p.headers
                        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                    p
                }
                None => html_response(
                    StatusCode::NOT_FOUND,
                    Bytes::from_static(NOT_FOUND_HTML.as_bytes()),
                ),
            };
            let body_len = planned.body_len();
            push_breaks(&mut planned, body_len, &rules, &mut applied);
            applied.sort_by_key(|&(i, _)| i);
            let fault = if applied.is_empty() {
                None
            } else {
                let parts: Vec<String> = applied.into_iter().map(|(_, d)| d).collect();
                Some(parts.join("; "))
            };
            let index = journal.record_with_fault(entry(planned.status.as_u16()), fault);
            journal.record_upload(index, upload);
            (planned, index)
        });
        let Planned {
            status,
            headers,
            content,
            range,
            breaks,
            ..
        } = planned;
        let body = FixtureBody::new(
            content,
            range,
            self.stops(breaks),
            journal,
            request_index,
            true,
        );
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

/// Whether reading a request body failed because its framing is malformed (a bad chunk
/// size or chunk end: hyper's decoder reports `InvalidInput` or `InvalidData`), rather than
/// because the client went away (`UnexpectedEof`, a reset...).
fn is_malformed(error: &hyper::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            );
        }
        source = e.source();
    }
    false
}

/// `201 Created` with the receipt.
fn created(upload: UploadRecord) -> Planned {
    let json = Bytes::from(receipt(upload.bytes, upload.fnv1a64));
    let len = json.len() as u64;
    let mut headers = http::HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Planned {
        status: StatusCode::CREATED,
        headers,
        content: crate::server::Content::Bytes(json),
        range: 0..len,
        breaks: Vec::new(),
        framing: Framing::Length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_names_length_and_hash() {
        assert_eq!(
            receipt(3, 0xab),
            "{\"received\": 3, \"fnv1a64\": \"00000000000000ab\"}\n"
        );
        assert!(reads_body(&Method::PUT) && reads_body(&Method::POST));
        assert!(!reads_body(&Method::GET));
    }
}
