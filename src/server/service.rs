//! The hyper service: turns one request into a journaled response, shaped by the fault
//! plan, and the body type that streams a byte range of a fixture (possibly cut short).

use std::convert::Infallible;
use std::fmt;
use std::future::{ready, Future};
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Version};
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::fault::{describe, Fault};
use super::fixture::{AcceptRanges, Content, Fixture, FixtureVersion};
use super::flush::FlushSignal;
use super::journal::{BodyGuard, JournalEntry};
use super::range::decide;
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

/// Serves one connection's requests. Holds the per-connection request counter.
pub(crate) struct FixtureService {
    server: FixtureServer,
    connection_id: u64,
    next_index: AtomicU64,
    flushes: Arc<FlushSignal>,
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
    /// Deliver only this many body bytes, then close: a cut.
    deliver: Option<u64>,
    framing: Framing,
}

/// The faults applied so far to one response: (plan position, description).
type Applied = Vec<(usize, String)>;

impl FixtureService {
    pub(crate) fn new(
        server: FixtureServer,
        connection_id: u64,
        flushes: Arc<FlushSignal>,
    ) -> Self {
        FixtureService {
            server,
            connection_id,
            next_index: AtomicU64::new(0),
            flushes,
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
            let found = key
                .and_then(|k| state.fixtures.get(k))
                .map(|f| (f.current().clone(), f.accept_ranges, f.chunked));

            let mut planned = plan_response(method, req.headers(), found, &rules, &mut applied);
            for &(i, fault) in &rules {
                match fault {
                    Fault::Cut { at_byte } => {
                        let len = if is_head { 0 } else { planned.body_len() };
                        if *at_byte < len {
                            planned.deliver =
                                Some(planned.deliver.map_or(*at_byte, |d| d.min(*at_byte)));
                            applied.push((i, describe(fault)));
                        }
                    }
                    Fault::CloseDelimited => {
                        planned.framing = Framing::CloseDelimited;
                        applied.push((i, describe(fault)));
                    }
                    _ => {}
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
            deliver,
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
        let cut = deliver.map(|d| Cut {
            deliver: d,
            flushes: self.flushes.clone(),
            // Ending a close-delimited body is not an error: the close is the end.
            fail: framing != Framing::CloseDelimited,
            phase: CutPhase::Sending,
        });
        let body = FixtureBody::new(
            content,
            range,
            journal,
            request_index,
            framing == Framing::Length,
            cut,
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
    found: Option<(FixtureVersion, AcceptRanges, bool)>,
    rules: &[(usize, &Fault)],
    applied: &mut Applied,
) -> Planned {
    // The last replacing fault wins, as if each had replaced the response in turn.
    if let Some(&(i, fault)) = rules.iter().rev().find(|(_, f)| f.replaces_response()) {
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
        Some((version, accept_ranges, chunked)) => fixture_response(
            method,
            request_headers,
            version,
            accept_ranges,
            chunked,
            rules,
            applied,
        ),
    }
}

/// The fixture's response, with IgnoreRange, WeakEtag, NoValidators, MisalignedRange and
/// ShortRange applied.
fn fixture_response(
    method: &Method,
    request_headers: &HeaderMap,
    mut version: FixtureVersion,
    accept_ranges: AcceptRanges,
    chunked: bool,
    rules: &[(usize, &Fault)],
    applied: &mut Applied,
) -> Planned {
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
        deliver: None,
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
                planned.deliver = Some(planned.deliver.map_or(keep, |d| d.min(keep)));
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
                    deliver: None,
                    framing: Framing::Length,
                }
            } else {
                html_response(status, status_page(status))
            };
            if let Some(value) = retry_after
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                p.headers.insert(header::RETRY_AFTER, value);
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
                flushes: self.flushes.clone(),
            };
            return Box::pin(async move { Ok(upload.respond(req).await) });
        }
        Box::pin(ready(Ok(self.respond(&req))))
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
        deliver: None,
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

/// The response body: bytes `range` of `content`, in frames of at most 64 KiB, possibly cut
/// short.
///
/// A whole body reports an exact size hint when framed by length (so hyper checks it
/// against Content-Length), and ends the stream on the last data frame, so hyper drops it
/// (finalising the journal entry) as soon as the final bytes are handed over.
///
/// A cut body promises no size (its Content-Length comes from the header), never reports
/// its end early, and after its last data frame waits until hyper has written everything it
/// buffered before failing (or, close-delimited, ending): otherwise hyper would drop the
/// buffered prefix when the body fails (http-side.md §5.1).
pub(crate) struct FixtureBody {
    content: Content,
    next: u64,
    /// Where the data frames stop: the end of the range, or the cut point.
    end: u64,
    guard: BodyGuard,
    exact: bool,
    cut: Option<Cut>,
}

/// The tail of a cut body.
struct Cut {
    /// Body bytes to deliver before the cut.
    deliver: u64,
    flushes: Arc<FlushSignal>,
    /// Fail after the prefix (the client sees an incomplete body); false = end cleanly.
    fail: bool,
    phase: CutPhase,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CutPhase {
    /// Still sending the prefix.
    Sending,
    /// Prefix handed over; waiting for a transport flush after flush number `.0`.
    Flushing(u64),
    /// Failed or ended.
    Done,
}

/// The error a cut body ends with; hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct BodyCut {
    at_byte: u64,
}

impl fmt::Display for BodyCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fault plan: body cut after {} bytes", self.at_byte)
    }
}

impl std::error::Error for BodyCut {}

impl FixtureBody {
    fn new(
        content: Content,
        range: Range<u64>,
        journal: super::Journal,
        request_index: u64,
        length_framed: bool,
        cut: Option<Cut>,
    ) -> Self {
        // Never promise bytes the content cannot produce, or hyper would abort the connection.
        let end = range.end.min(content.len());
        let next = range.start.min(end);
        let guard = BodyGuard::new(journal, request_index, end - next);
        // A cut at or past the end is no cut.
        let cut = cut.filter(|c| c.deliver < end - next);
        let (end, exact) = match &cut {
            Some(c) => (next + c.deliver, false),
            None => (end, length_framed),
        };
        FixtureBody {
            content,
            next,
            end,
            guard,
            exact,
            cut,
        }
    }
}

impl Body for FixtureBody {
    type Data = Bytes;
    type Error = BodyCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyCut>>> {
        let this = self.get_mut();
        if this.next < this.end {
            let want = (this.end - this.next).min(CHUNK) as usize;
            let chunk = this.content.read_at(this.next, want);
            if !chunk.is_empty() {
                this.next += chunk.len() as u64;
                this.guard.add(chunk.len() as u64);
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            // Unreachable given the clamping in new(); stop producing rather than spin.
            this.end = this.next;
        }
        let Some(cut) = this.cut.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match cut.phase {
                CutPhase::Sending => {
                    // Only flushes from now on prove the prefix left hyper's buffer.
                    cut.phase = CutPhase::Flushing(cut.flushes.epoch());
                }
                CutPhase::Flushing(epoch) => {
                    std::task::ready!(cut.flushes.poll_flushed_since(epoch, cx));
                    cut.phase = CutPhase::Done;
                    if cut.fail {
                        return Poll::Ready(Some(Err(BodyCut {
                            at_byte: cut.deliver,
                        })));
                    }
                    return Poll::Ready(None);
                }
                CutPhase::Done => return Poll::Ready(None),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.cut {
            Some(cut) => cut.phase == CutPhase::Done,
            None => self.next >= self.end,
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
    use super::percent_decode;

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
