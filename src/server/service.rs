//! The hyper service: turns one request into a journaled response, shaped by the fault
//! plan, and the body type that streams a byte range of a fixture (possibly cut short,
//! reset or held).

use std::convert::Infallible;
use std::fmt;
use std::future::{ready, Future};
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Version};
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::fault::{describe, Fault, RetryAfter};
use super::fixture::{server_date, AcceptRanges, Content, Fixture, FixtureVersion};
use super::journal::{BodyGuard, JournalEntry};
use super::link::ConnControl;
use super::range::decide;
use super::stall::{Stall, StallEnd};
use super::FixtureServer;

mod upload;

/// Body frames are at most this big: large enough for loopback throughput, small enough that
/// generated content is produced incrementally.
const CHUNK: u64 = 64 * 1024;

const NOT_FOUND_HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n\
<body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body>\n</html>\n";

const METHOD_NOT_ALLOWED_HTML: &str = "<!DOCTYPE html>\n<html>\n\
<head><title>405 Method Not Allowed</title></head>\n<body>\n<h1>Method Not Allowed</h1>\n\
<p>This resource only supports GET and HEAD.</p>\n</body>\n</html>\n";

const UNAUTHORIZED_HTML: &str = "<!DOCTYPE html>\n<html>\n\
<head><title>401 Unauthorized</title></head>\n<body>\n<h1>Unauthorized</h1>\n\
<p>This resource requires authentication.</p>\n</body>\n</html>\n";

/// What a file fixture's bytes are XORed with to make a [`Fault::NewVersion`].
const NEW_VERSION_XOR: u8 = 0x5A;

/// How soon a body about to reset asks the kernel again whether the client has every byte
/// yet (nothing signals it). Loopback acknowledges within microseconds of the client
/// reading, so the first waits are short; they double up to the maximum so a client that
/// stops reading for long costs few wake-ups.
const DRAIN_POLL_FIRST: Duration = Duration::from_millis(1);
const DRAIN_POLL_MAX: Duration = Duration::from_millis(32);

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

/// Adds a new version to `fixture` (generated from `seed` with the same length, or the file's
/// bytes XOR 0x5A), serves it from now on and returns its index.
fn new_version(fixture: &mut Fixture, seed: u64) -> usize {
    let content = match &fixture.current().content {
        Content::Generated { size_bytes, .. } => Content::Generated {
            size_bytes: *size_bytes,
            seed,
        },
        Content::Bytes(b) => Content::Bytes(b.iter().map(|&x| x ^ NEW_VERSION_XOR).collect()),
    };
    let index = fixture.add_version(content);
    fixture.set_current(index);
    index
}

impl hyper::service::Service<Request<Incoming>> for FixtureService {
    type Response = Response<FixtureBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
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

/// A request field as text for the journal: repeated lines joined with `, `, and bytes that
/// are not UTF-8 replaced rather than dropped, so odd input still shows up.
fn field(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(", "))
    }
}

/// The `user:password` of a `Basic` Authorization field (RFC 7617): the scheme is
/// case-insensitive, the token standard base64. `None` for anything else, or credentials
/// that are not UTF-8.
fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(decoded).ok()
}

/// Whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3): `gzip` (or its
/// alias `x-gzip`, §8.4.1.3) with a non-zero weight, or else `*` with one. No field at all
/// means any coding is acceptable, but the identity representation is served then:
/// clients that handle gzip say so, and a download stays identity-encoded unless asked
/// (docs/http.md#gzip).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for element in value.split(',') {
            let mut parts = element.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight_ok = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .is_none_or(|(_, q)| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(weight_ok),
                "*" => any = Some(weight_ok),
                _ => {}
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Decodes `%XX` escapes so `/a%20b.txt` finds the fixture loaded from `a b.txt`.
/// `None` when there is nothing to decode or the escapes do not form UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    if !path.contains('%') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Check the digits by hand: from_str_radix would also accept a sign ("%+f").
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push(hex_value(bytes[i + 1]) << 4 | hex_value(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Value of an ASCII hex digit (the caller has checked it is one).
fn hex_value(digit: u8) -> u8 {
    char::from(digit).to_digit(16).unwrap_or(0) as u8
}

/// The response body: bytes `range` of `content`, in frames of at most 64 KiB, possibly
/// stopped early by the fault plan.
///
/// A whole body reports an exact size hint when framed by length (so hyper checks it
/// against Content-Length), and ends the stream on the last data frame, so hyper drops it
/// (finalising the journal entry) as soon as the final bytes are handed over.
///
/// At each break (see [`Break`]) the body first waits until hyper has written everything it
/// buffered: otherwise hyper would drop the buffered prefix when the body fails
/// (docs/http.md#flushing-before-a-break). Then:
/// - a cut fails the body (or, close-delimited, ends it), and hyper closes with a FIN;
/// - a reset waits until the client has acknowledged every byte (where the transport can
///   tell), asks the connection to reset when it closes, and fails the body;
/// - a stall posts itself on the server's stall board and waits for it to end, then
///   sends the rest; if the client is gone for good it fails the body instead.
///
/// A body that ends early promises no size (its Content-Length comes from the header) and
/// never reports its end before the break.
pub(crate) struct FixtureBody {
    content: Content,
    next: u64,
    /// The end of the range: where the data frames stop if no break ends the body first.
    end: u64,
    /// Offset in `content` of the body's first byte, which break offsets count from.
    start: u64,
    guard: BodyGuard,
    exact: bool,
    stops: Stops,
    phase: Phase,
}

/// The breaks of one body and what acting on them needs.
struct Stops {
    /// In order of `at_byte`; the first one that ends the body is the last.
    breaks: Vec<Break>,
    control: Arc<ConnControl>,
    /// Whether a cut fails the body (the client sees an incomplete body) rather than ends it.
    cut_fails: bool,
}

/// Where a body is between its data frames and its end.
enum Phase {
    /// Sending data frames up to the next break (or the end).
    Sending,
    /// At a break; waiting for a transport flush after flush number `.0`.
    Flushing(u64),
    /// About to reset; waiting for the client to acknowledge every byte, checking again when
    /// the timer fires.
    Draining(Drain),
    /// Held by a stall until it ends.
    Stalled(Pin<Box<dyn std::future::Future<Output = StallEnd> + Send>>),
    /// Failed or ended.
    Done,
}

/// Waiting, before a reset, for the client to acknowledge every byte.
struct Drain {
    /// Fires when it is time to ask the kernel again.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The wait after the next unsuccessful ask.
    next_wait: Duration,
}

/// The error a body ends with when a fault stops it; hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct BodyStopped {
    at_byte: u64,
    why: StopReason,
}

#[derive(Clone, Copy, Debug)]
enum StopReason {
    Cut,
    Reset,
    /// A stall without end whose client went away.
    StallAbandoned,
}

impl fmt::Display for BodyStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.why {
            StopReason::Cut => "body cut",
            StopReason::Reset => "connection reset",
            StopReason::StallAbandoned => "stall abandoned by the client",
        };
        write!(f, "fault plan: {what} after {} bytes", self.at_byte)
    }
}

impl std::error::Error for BodyStopped {}

impl FixtureBody {
    fn new(
        content: Content,
        range: Range<u64>,
        mut stops: Stops,
        journal: super::Journal,
        request_index: u64,
        length_framed: bool,
    ) -> Self {
        // Never promise bytes the content cannot produce, or hyper would abort the connection.
        let end = range.end.min(content.len());
        let next = range.start.min(end);
        let guard = BodyGuard::new(journal, request_index, end - next);
        // A break at or past the end is no break. At one offset a stall comes before a cut,
        // and nothing after the first break that ends the body matters.
        stops.breaks.retain(|b| b.at_byte < end - next);
        stops
            .breaks
            .sort_by_key(|b| (b.at_byte, b.action.ends_body()));
        if let Some(last) = stops.breaks.iter().position(|b| b.action.ends_body()) {
            stops.breaks.truncate(last + 1);
        }
        let exact = length_framed && !stops.breaks.iter().any(|b| b.action.ends_body());
        FixtureBody {
            content,
            next,
            end,
            start: next,
            guard,
            exact,
            stops,
            phase: Phase::Sending,
        }
    }

    /// Where the data frames stop for now: the next break, or the end.
    fn stop(&self) -> u64 {
        self.stops
            .breaks
            .first()
            .map_or(self.end, |b| self.start + b.at_byte)
    }
}

impl Body for FixtureBody {
    type Data = Bytes;
    type Error = BodyStopped;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyStopped>>> {
        let this = self.get_mut();
        loop {
            match &mut this.phase {
                Phase::Sending => {
                    let stop = this.stop();
                    if this.next < stop {
                        let want = (stop - this.next).min(CHUNK) as usize;
                        let chunk = this.content.read_at(this.next, want);
                        if !chunk.is_empty() {
                            this.next += chunk.len() as u64;
                            this.guard.add(chunk.len() as u64);
                            return Poll::Ready(Some(Ok(Frame::data(chunk))));
                        }
                        // Unreachable given the clamping in new(); stop producing rather
                        // than spin.
                        this.end = this.next;
                        this.stops.breaks.clear();
                    }
                    if this.stops.breaks.is_empty() {
                        this.phase = Phase::Done;
                        return Poll::Ready(None);
                    }
                    // Only flushes from now on prove the prefix left hyper's buffer.
                    this.phase = Phase::Flushing(this.stops.control.flushes.epoch());
                }
                Phase::Flushing(epoch) => {
                    std::task::ready!(this.stops.control.flushes.poll_flushed_since(*epoch, cx));
                    let at_byte = this.next - this.start;
                    match this.stops.breaks[0].action {
                        BreakAction::Cut => {
                            this.phase = Phase::Done;
                            if this.stops.cut_fails {
                                return Poll::Ready(Some(Err(BodyStopped {
                                    at_byte,
                                    why: StopReason::Cut,
                                })));
                            }
                            return Poll::Ready(None);
                        }
                        BreakAction::Reset => {
                            this.phase = Phase::Draining(Drain {
                                timer: None,
                                next_wait: DRAIN_POLL_FIRST,
                            });
                        }
                        BreakAction::Stall { duration } => {
                            let stall = Stall {
                                sent_body_bytes: at_byte,
                                duration,
                            };
                            let held = this.stops.control.stalls.hold(stall);
                            this.phase = Phase::Stalled(Box::pin(held));
                        }
                    }
                }
                Phase::Draining(drain) => {
                    if let Some(t) = &mut drain.timer {
                        std::task::ready!(std::future::Future::poll(t.as_mut(), cx));
                    }
                    if this.stops.control.unacked_bytes().is_some_and(|n| n > 0) {
                        drain.timer = Some(Box::pin(tokio::time::sleep(drain.next_wait)));
                        drain.next_wait = (drain.next_wait * 2).min(DRAIN_POLL_MAX);
                        continue;
                    }
                    this.stops.control.request_reset();
                    this.phase = Phase::Done;
                    return Poll::Ready(Some(Err(BodyStopped {
                        at_byte: this.next - this.start,
                        why: StopReason::Reset,
                    })));
                }
                Phase::Stalled(held) => match std::task::ready!(held.as_mut().poll(cx)) {
                    StallEnd::Resume => {
                        this.stops.breaks.remove(0);
                        this.phase = Phase::Sending;
                    }
                    StallEnd::GiveUp => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Some(Err(BodyStopped {
                            at_byte: this.next - this.start,
                            why: StopReason::StallAbandoned,
                        })));
                    }
                },
                Phase::Done => return Poll::Ready(None),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self.phase {
            Phase::Done => true,
            Phase::Sending => self.stops.breaks.is_empty() && self.next >= self.end,
            _ => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact {
            SizeHint::with_exact(self.end - self.next)
        } else {
            SizeHint::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, percent_decode};
    use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};

    #[test]
    fn gzip_acceptance() {
        let accepts = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            }
            accepts_gzip(&h)
        };
        assert!(!accepts(&[]));
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["deflate, GZip;q=0.5"]));
        assert!(accepts(&["br", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip; q=0.000, *"]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["*;q=0"]));
        assert!(accepts(&["*;q=0, gzip"]));
        assert!(!accepts(&["gzipped"]));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b.txt").as_deref(), Some("/a b.txt"));
        assert_eq!(percent_decode("/plain"), None);
        assert_eq!(percent_decode("/bad%zz%").as_deref(), Some("/bad%zz%"));
        assert_eq!(percent_decode("/end%2").as_deref(), Some("/end%2"));
        assert_eq!(percent_decode("/x%ff"), None);
        assert_eq!(percent_decode("/%41%2f%2F").as_deref(), Some("/A//"));
        assert_eq!(percent_decode("/%+f").as_deref(), Some("/%+f"));
    }
}
