//! The hyper service: turns one request into a journaled response, and the body type that
//! streams a byte range of a fixture.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::fixture::Content;
use super::journal::{BodyGuard, JournalEntry};
use super::range::decide;
use super::FixtureServer;

/// Body frames are at most this big: large enough for loopback throughput, small enough that
/// generated content is produced incrementally.
const CHUNK: u64 = 64 * 1024;

const NOT_FOUND_HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n\
<body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body>\n</html>\n";

const METHOD_NOT_ALLOWED_HTML: &str = "<!DOCTYPE html>\n<html>\n\
<head><title>405 Method Not Allowed</title></head>\n<body>\n<h1>Method Not Allowed</h1>\n\
<p>This resource only supports GET and HEAD.</p>\n</body>\n</html>\n";

/// Serves one connection's requests. Holds the per-connection request counter.
pub(crate) struct FixtureService {
    server: FixtureServer,
    connection_id: u64,
    next_index: AtomicU64,
}

impl FixtureService {
    pub(crate) fn new(server: FixtureServer, connection_id: u64) -> Self {
        FixtureService {
            server,
            connection_id,
            next_index: AtomicU64::new(0),
        }
    }

    fn respond(&self, req: &Request<Incoming>) -> Response<FixtureBody> {
        let index_on_connection = self.next_index.fetch_add(1, Ordering::Relaxed);
        let method = req.method();
        let path = req.uri().path();
        let is_head = method == Method::HEAD;

        // Copy what we need out of the set and release the lock before doing any work, so a
        // test switching versions never waits on a response.
        let found = self.server.with_fixtures(|set| {
            let fixture = set.get(path).or_else(|| {
                let decoded = percent_decode(path)?;
                set.get(&decoded)
            })?;
            Some((
                fixture.current().clone(),
                fixture.accept_ranges,
                fixture.chunked,
            ))
        });

        let mut chunked = false;
        let (status, mut headers, content, range) = match found {
            None => html_response(StatusCode::NOT_FOUND, NOT_FOUND_HTML),
            Some(_) if method != Method::GET && !is_head => {
                let (status, mut headers, content, range) =
                    html_response(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_HTML);
                headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                (status, headers, content, range)
            }
            Some((version, accept_ranges, fixture_chunked)) => {
                let d = decide(method, req.headers(), &version, accept_ranges);
                chunked = fixture_chunked;
                (d.status, d.headers, version.content, d.body)
            }
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
            status: status.as_u16(),
            body_bytes_sent: 0,
            body_complete: false,
        };
        let journal = self.server.journal();
        let request_index = journal.record(entry);

        // HEAD keeps GET's headers (Content-Length included) but sends no body; hyper writes
        // an explicit Content-Length on HEAD as given.
        let range = if is_head { 0..0 } else { range };
        if chunked {
            // No length announced: hyper frames the body with chunked transfer-encoding.
            headers.remove(header::CONTENT_LENGTH);
        }
        let guard = BodyGuard::new(journal, request_index, range.end - range.start);
        let mut response = Response::new(FixtureBody::new(content, range, guard, chunked));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

impl hyper::service::Service<Request<Incoming>> for FixtureService {
    type Response = Response<FixtureBody>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        ready(Ok(self.respond(&req)))
    }
}

/// Status, headers and body of a small HTML error page.
fn html_response(
    status: StatusCode,
    html: &'static str,
) -> (StatusCode, HeaderMap, Content, Range<u64>) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(html.len() as u64));
    let content = Content::Bytes(Bytes::from_static(html.as_bytes()));
    (status, headers, content, 0..html.len() as u64)
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

/// The response body: bytes `range` of `content`, in frames of at most 64 KiB.
///
/// It reports an exact size hint, so hyper frames it with Content-Length (unless the fixture
/// is chunked: then no hint and no header, and hyper chunks it), and it ends the
/// stream on the last data frame, so hyper drops it (finalising the journal entry) as soon as
/// the final bytes are handed over.
pub(crate) struct FixtureBody {
    content: Content,
    next: u64,
    end: u64,
    guard: BodyGuard,
    chunked: bool,
}

impl FixtureBody {
    fn new(content: Content, range: Range<u64>, guard: BodyGuard, chunked: bool) -> Self {
        // Never promise bytes the content cannot produce, or hyper would abort the connection.
        let end = range.end.min(content.len());
        let next = range.start.min(end);
        FixtureBody {
            content,
            next,
            end,
            guard,
            chunked,
        }
    }
}

impl Body for FixtureBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.next >= this.end {
            return Poll::Ready(None);
        }
        let want = (this.end - this.next).min(CHUNK) as usize;
        let chunk = this.content.read_at(this.next, want);
        if chunk.is_empty() {
            // Unreachable given the clamping in new(); end the stream rather than spin.
            this.end = this.next;
            return Poll::Ready(None);
        }
        this.next += chunk.len() as u64;
        this.guard.add(chunk.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        if self.chunked {
            SizeHint::default()
        } else {
            SizeHint::with_exact(self.end - self.next)
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
