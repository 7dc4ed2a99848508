//! Requests refused before the fixtures or the fault plan see them:
//!
//! - `400 Bad Request` for an HTTP/1.1 request without exactly one Host field, or an
//!   HTTP/1.0 one with several (RFC 9112 §3.2), and for an upload whose body's framing is
//!   malformed, e.g. a chunk size that is not hex (RFC 9112 §7.1; see `upload`);
//! - `501 Not Implemented` for a method the server does not recognise (RFC 9110 §15.6.2),
//!   e.g. `BREW`. The methods of RFC 9110 and PATCH are recognised: they get what they got
//!   before (GET, HEAD, PUT and POST are served; the others a 405 or 404).
//!
//! hyper itself answers 400 to a head it cannot parse (a bad request line, a bad field) and
//! closes. Every refusal closes the connection too: what follows a bad request on the same
//! connection cannot be trusted to be framed as the client meant.
//!
//! A refused request is journaled with its status, but is not counted for the fault plan's
//! per-path request numbers: a fault rule's "request N" counts requests that were served.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode, Version};

use super::body::{FixtureBody, Stops};
use super::fields::field;
use super::{html_response, FixtureService, JournalEntry, Planned};
use crate::server::journal::UploadRecord;

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// 400, with what was wrong.
    BadRequest(&'static str),
    /// 501.
    NotImplemented,
}

/// The refusal `req` gets, if any, judging its method and head.
pub(super) fn judge<B>(req: &Request<B>) -> Option<Refusal> {
    if !recognised(req.method()) {
        return Some(Refusal::NotImplemented);
    }
    let hosts = req.headers().get_all(header::HOST).iter().count();
    match (req.version(), hosts) {
        (_, 2..) => Some(Refusal::BadRequest("more than one Host field")),
        (Version::HTTP_11, 0) => Some(Refusal::BadRequest("no Host field")),
        _ => None,
    }
}

/// The methods of RFC 9110 §9 and PATCH (RFC 5789).
fn recognised(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ]
    .contains(method)
}

/// The page of a refusal: status, headers, and a short HTML body naming the reason.
fn planned(refusal: Refusal) -> Planned {
    let (status, why) = match refusal {
        Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, why),
        Refusal::NotImplemented => (
            StatusCode::NOT_IMPLEMENTED,
            "this server implements GET, HEAD, PUT and POST only",
        ),
    };
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<!DOCTYPE html>\n<html>\n<head><title>{code} {reason}</title></head>\n\
<body>\n<h1>{reason}</h1>\n<p>{why}.</p>\n</body>\n</html>\n"
    );
    let mut p = html_response(status, Bytes::from(html));
    p.headers
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    p
}

impl FixtureService {
    /// Answers `refusal` to the request with `parts`, journaling it (with `upload`, what was
    /// read of its body, for an upload refused after reading it).
    pub(super) fn refuse(
        &self,
        parts: &http::request::Parts,
        index_on_connection: u64,
        refusal: Refusal,
        upload: Option<UploadRecord>,
    ) -> Response<FixtureBody> {
        refuse(
            &self.server,
            self.connection_id,
            index_on_connection,
            &self.control,
            parts,
            refusal,
            upload,
        )
    }
}

/// [`FixtureService::refuse`] for callers holding the pieces (uploads).
pub(super) fn refuse(
    server: &crate::server::FixtureServer,
    connection_id: u64,
    index_on_connection: u64,
    control: &std::sync::Arc<crate::server::link::ConnControl>,
    parts: &http::request::Parts,
    refusal: Refusal,
    upload: Option<UploadRecord>,
) -> Response<FixtureBody> {
    let Planned {
        status,
        headers,
        content,
        range,
        ..
    } = planned(refusal);
    let h = &parts.headers;
    let entry = JournalEntry {
        request_index: 0, // assigned by the journal
        connection_id,
        index_on_connection,
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        range: field(h, &header::RANGE),
        if_range: field(h, &header::IF_RANGE),
        if_match: field(h, &header::IF_MATCH),
        if_none_match: field(h, &header::IF_NONE_MATCH),
        accept_encoding: field(h, &header::ACCEPT_ENCODING),
        status: status.as_u16(),
        body_bytes_sent: 0,
        body_complete: false,
    };
    let journal = server.journal();
    let index = journal.record_with_fault(entry, None);
    if let Some(upload) = upload {
        journal.record_upload(index, upload);
    }
    let stops = Stops {
        breaks: Vec::new(),
        control: control.clone(),
        cut_fails: true,
    };
    let body = FixtureBody::new(content, range, stops, journal, index, true);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, version: Version, hosts: &[&str]) -> Request<()> {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .version(version)
            .uri("/x");
        for h in hosts {
            b = b.header(header::HOST, *h);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn hosts_and_methods_are_judged() {
        const HTTP_10: Version = Version::HTTP_10;
        const HTTP_11: Version = Version::HTTP_11;
        assert_eq!(judge(&request("GET", HTTP_11, &["a"])), None);
        assert_eq!(judge(&request("PUT", HTTP_11, &["a"])), None);
        assert_eq!(judge(&request("GET", HTTP_10, &[])), None);
        assert!(matches!(
            judge(&request("GET", HTTP_11, &[])),
            Some(Refusal::BadRequest(_))
        ));
        assert!(matches!(
            judge(&request("GET", HTTP_10, &["a", "b"])),
            Some(Refusal::BadRequest(_))
        ));
        assert_eq!(
            judge(&request("BREW", HTTP_11, &["a"])),
            Some(Refusal::NotImplemented)
        );
        assert_eq!(judge(&request("DELETE", HTTP_11, &["a"])), None);
    }
}
