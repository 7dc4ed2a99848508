//! The hyper service: turns one request into a journaled response, shaped by the fault
//! plan. The body that streams it is in `body`; requests refused before any of this
//! (400, 501) in `reject`.

use std::convert::Infallible;
use std::future::{ready, Future};
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode, Version};
use hyper::body::Incoming;

use super::fault::{describe, Fault, RetryAfter};
use super::fixture::{server_date, AcceptRanges, Content, FixtureVersion};
use super::journal::JournalEntry;
use super::link::ConnControl;
use super::range::decide;
use super::FixtureServer;

mod body;
mod fields;
mod new_version;
mod reject;
mod upload;

pub(crate) use body::FixtureBody;
use body::Stops;
use fields::{accepts_gzip, basic_credentials, field, percent_decode};
use new_version::new_version;

const NOT_FOUND_HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n\
<body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body>\n</html>\n";

const METHOD_NOT_ALLOWED_HTML: &str = "<!DOCTYPE html>\n<html>\n\
<head><title>405 Method Not Allowed</title></head>\n<body>\n<h1>Method Not Allowed</h1>\n\
<p>This resource only supports GET and HEAD.</p>\n</body>\n</html>\n";

const UNAUTHORIZED_HTML: &str = "<!DOCTYPE html>\n<html>\n\
<head><title>401 Unauthorized</title></head>\n<body>\n<h1>Unauthorized</h1>\n\
<p>This resource requires authentication.</p>\n</body>\n</html>\n";


/// Serves one connection's requests. Holds the per-connection request counter.
pub(crate) struct FixtureService {
    server: FixtureServer,
    connection_id: u64,
    next_index: AtomicU64,
    control: Arc<ConnControl>,
}

/// How the body is delimited on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// Content-Length (the default).
    Length,
    /// Chunked transfer-encoding, no Content-Length.
    Chunked,
    /// HTTP/1.0, no Content-Length: the body ends when the server closes.
    CloseDelimited,
}

/// A response being put together, before it becomes a hyper response.
struct Planned {
    status: StatusCode,
    headers: HeaderMap,
    content: Content,
    /// The bytes of `content` the head announces as the body.
    range: Range<u64>,
    /// Where the body stops early and what happens there, in body bytes from its start.
    breaks: Vec<Break>,
    framing: Framing,
}

/// A point in a response body where a fault acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Break {
    /// Body bytes sent before the fault acts.
    at_byte: u64,
    action: BreakAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BreakAction {
    /// End the body here (Cut, ShortRange).
    Cut,
    /// Reset the connection here.
    Reset,
    /// Hold the body here until the stall ends, then go on.
    Stall { duration: Option<Duration> },
}

impl BreakAction {
    /// Whether the body ends at this break.
    fn ends_body(self) -> bool {
        matches!(self, BreakAction::Cut | BreakAction::Reset)
    }
}

/// The faults applied so far to one response: (plan position, description).
type Applied = Vec<(usize, String)>;

/// The fixture a request names, as it is to be served.
struct Found {
    /// The representation selected for this request.
    version: FixtureVersion,
    accept_ranges: AcceptRanges,
    chunked: bool,
    coding: Coding,
}

/// Which content coding was selected (RFC 9110 §12.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    /// The fixture has one representation: nothing to negotiate.
    Only,
    /// The fixture offers gzip, and the request did not accept it.
    Identity,
    /// The gzip-encoded representation.
    Gzip,
}

impl FixtureService {
    pub(crate) fn new(
        server: FixtureServer,
        connection_id: u64,
        control: Arc<ConnControl>,
    ) -> Self {
        FixtureService {
            server,
            connection_id,
            next_index: AtomicU64::new(0),
            control,
        }
    }

    fn respond(&self, req: &Request<Incoming>) -> Response<FixtureBody> {
        let index_on_connection = self.next_index.fetch_add(1, Ordering::Relaxed);
        let method = req.method();
        let path = req.uri().path();
        let is_head = method == Method::HEAD;
        let decoded = percent_decode(path);
        let journal = self.server.journal();
        let plan = self.server.faults();

        // Count the request, apply new versions, decide the response and journal it under one
        // lock, so per-path request numbers, versions and journal order agree even when
        // requests race on several connections. Only the body is streamed outside the lock.
        let (planned, request_index) = self.server.with_state(|state| {
            let n = state.count_request(path);
            let rules: Vec<(usize, &Fault)> = plan.matching(path, decoded.as_deref(), n).collect();
            let mut applied = Applied::new();

            let key = if state.fixtures.get(path).is_some() {
                Some(path)
            } else {
                decoded
                    .as_deref()
                    .filter(|d| state.fixtures.get(d).is_some())
            };
            if let Some(fixture) = key.and_then(|k| state.fixtures.get_mut(k)) {
                for &(i, fault) in &rules {
                    if let Fault::NewVersion { seed } = fault {
                        let index = new_version(fixture, *seed);
                        applied.push((i, format!("new version {index}")));
                    }
                }
            }
            let found = key.and_then(|k| state.fixtures.get(k)).map(|f| {
                let (version, coding) = match f.current_gzip() {
                    None => (f.current(), Coding::Only),
                    Some(gzip) if accepts_gzip(req.headers()) => (gzip, Coding::Gzip),
                    Some(_) => (f.current(), Coding::Identity),
                };
                Found {
                    version: version.clone(),
                    accept_ranges: f.accept_ranges,
                    chunked: f.chunked,
                    coding,
                }
            });

            let mut planned = plan_response(method, req.headers(), found, &rules, &mut applied);
            let body_len = if is_head { 0 } else { planned.body_len() };
            push_breaks(&mut planned, body_len, &rules, &mut applied);
            for &(i, fault) in &rules {
                if let Fault::CloseDelimited = fault {
                    planned.framing = Framing::CloseDelimited;
                    applied.push((i, describe(fault)));
                }
            }

            applied.sort_by_key(|&(i, _)| i);
            let fault = if applied.is_empty() {
                None
            } else {
                let parts: Vec<String> = applied.into_iter().map(|(_, d)| d).collect();
                Some(parts.join("; "))
            };
            let h = req.headers();
            let entry = JournalEntry {
                request_index: 0, // assigned by the journal
                connection_id: self.connection_id,
                index_on_connection,
                method: method.as_str().to_owned(),
                path: path.to_owned(),
                range: field(h, &header::RANGE),
                if_range: field(h, &header::IF_RANGE),
                if_match: field(h, &header::IF_MATCH),
                if_none_match: field(h, &header::IF_NONE_MATCH),
                accept_encoding: field(h, &header::ACCEPT_ENCODING),
                status: planned.status.as_u16(),
                body_bytes_sent: 0,
                body_complete: false,
            };
            (planned, journal.record_with_fault(entry, fault))
        });

        let Planned {
            status,
            mut headers,
            content,
            range,
            breaks,
            framing,
        } = planned;
        // HEAD keeps GET's headers (Content-Length included) but sends no body; hyper writes
        // an explicit Content-Length on HEAD as given.
        let range = if is_head { 0..0 } else { range };
        let mut version = Version::HTTP_11;
        match framing {
            Framing::Length => {}
            // No length announced: hyper frames the body with chunked transfer-encoding.
            Framing::Chunked => {
                headers.remove(header::CONTENT_LENGTH);
            }
            // No length and HTTP/1.0: hyper delimits the body by closing the connection.
            Framing::CloseDelimited => {
                headers.remove(header::CONTENT_LENGTH);
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
                version = Version::HTTP_10;
            }
        }
        let body = FixtureBody::new(
            content,
            range,
            Stops {
                breaks,
                control: self.control.clone(),
                // Ending a close-delimited body is not an error: the close is the end.
                cut_fails: framing != Framing::CloseDelimited,
            },
            journal,
            request_index,
            framing == Framing::Length,
        );
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        *response.version_mut() = version;
        response
    }
}

impl Planned {
    fn body_len(&self) -> u64 {
        let end = self.range.end.min(self.content.len());
        end.saturating_sub(self.range.start)
    }
}

/// Decides status, headers and body: a replacing fault, an error page, or the fixture shaped
/// by the response-shaping faults. Records what applied in `applied`.
fn plan_response(
    method: &Method,
    request_headers: &HeaderMap,
    found: Option<Found>,
    rules: &[(usize, &Fault)],
    applied: &mut Applied,
) -> Planned {
    // A challenge whose credentials the request carries lets it through.
    let given = basic_credentials(request_headers);
    let let_through = |fault: &Fault| match fault {
        Fault::Unauthorized {
            credentials: Some(wanted),
        } => given.as_deref() == Some(wanted.as_str()),
        _ => false,
    };
    for &(i, fault) in rules {
        if let_through(fault) {
            let user = given
                .as_deref()
                .and_then(|g| g.split_once(':'))
                .map_or("", |(u, _)| u);
            applied.push((i, format!("authorized as {user}")));
        }
    }
    // The last replacing fault wins, as if each had replaced the response in turn.
    if let Some(&(i, fault)) = rules
        .iter()
        .rev()
        .find(|(_, f)| f.replaces_response() && !let_through(f))
    {
        applied.push((i, describe(fault)));
        return replacement(fault);
    }
    match found {
        None => html_response(
            StatusCode::NOT_FOUND,
            Bytes::from_static(NOT_FOUND_HTML.as_bytes()),
        ),
        Some(_) if method != Method::GET && method != Method::HEAD => {
            let mut p = html_response(
                StatusCode::METHOD_NOT_ALLOWED,
                Bytes::from_static(METHOD_NOT_ALLOWED_HTML.as_bytes()),
            );
            p.headers
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            p
        }
        Some(found) => fixture_response(method, request_headers, found, rules, applied),
    }
}

/// The fixture's response, with IgnoreRange, WeakEtag, NoValidators, MisalignedRange and
/// ShortRange applied.
fn fixture_response(
    method: &Method,
    request_headers: &HeaderMap,
    found: Found,
    rules: &[(usize, &Fault)],
    applied: &mut Applied,
) -> Planned {
    let Found {
        mut version,
        accept_ranges,
        chunked,
        coding,
    } = found;
    let mut ignore_range = false;
    let mut no_validators = false;
    for &(i, fault) in rules {
        match fault {
            Fault::IgnoreRange => ignore_range = true,
            Fault::WeakEtag => {
                // Preconditions see the weak tag too, so If-Range and If-Match never match.
                if !version.etag.starts_with("W/") {
                    version.etag = format!("W/{}", version.etag);
                }
            }
            // Empty validators match no If-Range and no If-Match but "*"; the (empty) header
            // lines are removed below.
            Fault::NoValidators => {
                no_validators = true;
                version.etag.clear();
                version.last_modified.clear();
            }
            _ => continue,
        }
        applied.push((i, describe(fault)));
    }
    let d = if ignore_range {
        let mut h = request_headers.clone();
        h.remove(header::RANGE);
        h.remove(header::IF_RANGE);
        decide(method, &h, &version, accept_ranges)
    } else {
        decide(method, request_headers, &version, accept_ranges)
    };
    let mut planned = Planned {
        status: d.status,
        headers: d.headers,
        content: version.content,
        range: d.body,
        breaks: Vec::new(),
        framing: if chunked {
            Framing::Chunked
        } else {
            Framing::Length
        },
    };
    if no_validators {
        planned.headers.remove(header::ETAG);
        planned.headers.remove(header::LAST_MODIFIED);
    }
    if coding != Coding::Only {
        // Either representation may be sent for this URL, so caches must key on the field
        // (RFC 9110 §12.5.5); 304 must carry it as the 200 would (§15.4.5).
        planned
            .headers
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let with_body = matches!(planned.status, StatusCode::OK | StatusCode::PARTIAL_CONTENT);
    if coding == Coding::Gzip && with_body {
        planned
            .headers
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if planned.status != StatusCode::PARTIAL_CONTENT {
        return planned;
    }
    let total = planned.content.len();
    for &(i, fault) in rules {
        match fault {
            Fault::MisalignedRange { shift } => {
                let count = planned.range.end - planned.range.start;
                let first = i128::from(planned.range.start) + i128::from(*shift);
                // A 206 is only built for a non-empty representation, so total >= 1.
                let first = first.clamp(0, i128::from(total.saturating_sub(1))) as u64;
                let end = first.saturating_add(count).min(total);
                planned.range = first..end;
                planned
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(end - first));
                planned.headers.insert(
                    header::CONTENT_RANGE,
                    header_value(&format!("bytes {first}-{}/{total}", end.saturating_sub(1))),
                );
            }
            Fault::ShortRange { missing } => {
                let keep = planned.body_len().saturating_sub(*missing);
                planned.breaks.push(Break {
                    at_byte: keep,
                    action: BreakAction::Cut,
                });
            }
            _ => continue,
        }
        applied.push((i, describe(fault)));
    }
    planned
}

/// The response of a Status, Redirect or Unauthorized fault.
fn replacement(fault: &Fault) -> Planned {
    match fault {
        Fault::Status { code, retry_after } => {
            let status = match StatusCode::from_u16(*code) {
                Ok(s) if *code >= 200 => s,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut p = if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
                Planned {
                    status,
                    headers: HeaderMap::new(),
                    content: Content::Bytes(Bytes::new()),
                    range: 0..0,
                    breaks: Vec::new(),
                    framing: Framing::Length,
                }
            } else {
                html_response(status, status_page(status))
            };
            if let Some(retry_after) = retry_after {
                if let Ok(value) = HeaderValue::from_str(&retry_after.value()) {
                    p.headers.insert(header::RETRY_AFTER, value);
                }
                if let RetryAfter::Date { .. } = retry_after {
                    // The date form counts from this Date (RFC 9110 §10.2.3), so send it.
                    p.headers.insert(
                        header::DATE,
                        header_value(&httpdate::fmt_http_date(server_date())),
                    );
                }
            }
            p
        }
        Fault::Redirect { status, location } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::FOUND);
            let html = format!(
                "<!DOCTYPE html>\n<html><body>{} {}</body></html>\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Redirect")
            );
            let mut p = html_response(status, Bytes::from(html));
            if let Some(value) = location
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                p.headers.insert(header::LOCATION, value);
            }
            p
        }
        _ => {
            let mut p = html_response(
                StatusCode::UNAUTHORIZED,
                Bytes::from_static(UNAUTHORIZED_HTML.as_bytes()),
            );
            p.headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"bgsim\""),
            );
            p
        }
    }
}

/// A small HTML page for an error status.
fn status_page(status: StatusCode) -> Bytes {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    Bytes::from(format!(
        "<!DOCTYPE html>\n<html>\n<head><title>{code} {reason}</title></head>\n\
<body>\n<h1>{reason}</h1>\n<p>The server answered {code}.</p>\n</body>\n</html>\n"
    ))
}


impl hyper::service::Service<Request<Incoming>> for FixtureService {
    type Response = Response<FixtureBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        if let Some(refusal) = reject::judge(&req) {
            let index_on_connection = self.next_index.fetch_add(1, Ordering::Relaxed);
            // The body is not read: the refusal closes the connection (reject.rs).
            let (parts, _body) = req.into_parts();
            let response = self.refuse(&parts, index_on_connection, refusal, None);
            return Box::pin(ready(Ok(response)));
        }
        // Uploads read their whole body before they are answered (upload.rs).
        if upload::reads_body(req.method()) {
            let index_on_connection = self.next_index.fetch_add(1, Ordering::Relaxed);
            let upload = upload::Upload {
                server: self.server.clone(),
                connection_id: self.connection_id,
                index_on_connection,
                control: self.control.clone(),
            };
            return Box::pin(async move { Ok(upload.respond(req).await) });
        }
        Box::pin(ready(Ok(self.respond(&req))))
    }
}

/// Adds the breaks of the body faults among `rules` (cut, reset, stall) that fall inside a
/// body of `body_len` bytes.
fn push_breaks(
    planned: &mut Planned,
    body_len: u64,
    rules: &[(usize, &Fault)],
    applied: &mut Applied,
) {
    for &(i, fault) in rules {
        let (at_byte, action) = match fault {
            Fault::Cut { at_byte } => (*at_byte, BreakAction::Cut),
            Fault::Reset { at_byte } => (*at_byte, BreakAction::Reset),
            Fault::Stall { at_byte, duration } => (
                *at_byte,
                BreakAction::Stall {
                    duration: *duration,
                },
            ),
            _ => continue,
        };
        if at_byte < body_len {
            planned.breaks.push(Break { at_byte, action });
            applied.push((i, describe(fault)));
        }
    }
}

/// Status, headers and body of a small HTML page.
fn html_response(status: StatusCode, html: Bytes) -> Planned {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(html.len() as u64));
    let len = html.len() as u64;
    Planned {
        status,
        headers,
        content: Content::Bytes(html),
        range: 0..len,
        breaks: Vec::new(),
        framing: Framing::Length,
    }
}

/// A header value we built ourselves (ASCII digits and punctuation).
fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}
