//! One HTTP attempt of a download, over a connection from the [`Dialer`]. The daemon
//! pulls body bytes in exactly the amounts the bandwidth model grants, buffering what
//! the socket happens to deliver beyond that, so socket chunking never shows.

use crate::network::{Dialer, ServerStall, StallProbe};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// An `http://authority/path?query` URL, split into what a request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub authority: String,
    pub path_and_query: String,
}

impl Url {
    /// Parses an http or https URL (RFC 3986, by the `url` crate; bgsim's servers are
    /// plain HTTP on loopback, so https URLs reach the same server without TLS). Other
    /// schemes are refused (NET-8), as is a URL without a host.
    pub fn parse(url: &str) -> Result<Url, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("unsupported URL {url:?}: only http and https"));
        }
        // `http:///x` is read by WHATWG parsers as the host `x`; iOS refuses it.
        let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
        let host = parsed.host_str().unwrap_or_default();
        if host.is_empty() || after_scheme.starts_with('/') {
            return Err(format!("URL {url:?} has no host"));
        }
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let path_and_query = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        };
        Ok(Url {
            authority,
            path_and_query,
        })
    }

    /// The URL a `Location` names, resolved against this one as RFC 3986 says (absolute,
    /// network-path `//host/p`, absolute-path, relative with `..`, query-only `?q`), and its
    /// text.
    pub fn join(&self, location: &str) -> Result<(Url, String), String> {
        let base = format!("http://{}{}", self.authority, self.path_and_query);
        let base = url::Url::parse(&base).map_err(|e| format!("bad URL {base:?}: {e}"))?;
        let joined = base
            .join(location)
            .map_err(|e| format!("bad Location {location:?}: {e}"))?;
        let text = joined.as_str().to_string();
        Url::parse(&text).map(|u| (u, text))
    }
}

/// The response headers the daemon acts on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Head {
    pub status: u16,
    pub content_length: Option<u64>,
    /// `Content-Range: bytes first-last/total` of a 206.
    pub content_range: Option<(u64, u64, Option<u64>)>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub accept_ranges_bytes: bool,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// `Retry-After`, verbatim.
    pub retry_after: Option<String>,
    /// `Date`, verbatim (the base of a Retry-After in date form).
    pub date: Option<String>,
    /// `Content-Encoding`, verbatim (`gzip`: the body is decoded once whole).
    pub content_encoding: Option<String>,
    /// `WWW-Authenticate` of a 401, verbatim (HTTP-4).
    pub www_authenticate: Option<String>,
}

/// How a body ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The body ended normally.
    Eof,
    /// The connection failed mid-body.
    Error(String),
    /// NET-2: the server stopped sending; every byte it sent before has been taken.
    Stalled(ServerStall),
}

/// A response body being received.
///
/// The body's frames are read one ahead of what the daemon takes, and once the last one is
/// in hand the connection is closed, as a real client closes (or pools) a connection whose
/// response is complete. A session of thousands of small downloads whose lifetimes overlap
/// in virtual time then holds no socket for each (issue: 10,000 tasks over TCP): what is in
/// hand is at most one frame, as before. What the daemon takes, and when, is unchanged.
pub(crate) struct Transfer {
    /// The connection while the body is still coming: `None` once it ended (`ended`).
    wire: Option<Wire>,
    /// How the body ended, once the frame that ended it was read; delivered after `leftover`.
    ended: Option<End>,
    leftover: Bytes,
    /// Body bytes of this response that came off the connection (taken or left over).
    arrived_bytes: u64,
    /// Since when the server has stalled, while the daemon waits out the stall or the
    /// request timeout: the transfer takes no bandwidth meanwhile.
    pub stalled_since: Option<crate::time::SimTime>,
}

/// What a body still coming needs: dropped together when it ends, which closes the
/// connection.
struct Wire {
    body: Incoming,
    // Keeps the connection's request side alive for the length of the transfer.
    _sender: Box<dyn std::any::Any>,
    /// Tells when the server stalls the connection (NET-2).
    stalls: Option<Box<dyn StallProbe>>,
}

/// Dials `url`'s server and makes an HTTP/1.1 connection on it, sending bodies of type
/// `B`; with the probe that tells when the server stalls it, if the lab can tell.
pub(crate) async fn connect<B>(
    dialer: &dyn Dialer,
    url: &Url,
) -> Result<(SendRequest<B>, Option<Box<dyn StallProbe>>), String>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let dialed = dialer
        .dial_watched(&url.authority)
        .await
        .map_err(|e| format!("connect failed: {}", e.kind()))?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(dialed.conn))
        .await
        .map_err(|e| format!("handshake failed: {e}"))?;
    // The connection future must be polled for anything to move; when the transfer is
    // dropped it ends on its own, so its outcome is of no interest.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok((sender, dialed.stalls))
}

/// Opens a connection, sends a GET with `headers`, and waits for the response headers.
pub(crate) async fn open(
    dialer: &dyn Dialer,
    url: &Url,
    headers: &[(&'static str, String)],
) -> Result<(Head, Transfer), String> {
    let (mut sender, stalls) = connect(dialer, url).await?;
    let mut req = http::Request::get(url.path_and_query.as_str())
        .header("host", url.authority.as_str())
        .header("user-agent", "bgsim-nsurlsessiond/1")
        .header("accept", "*/*");
    for (name, value) in headers {
        req = req.header(*name, value.as_str());
    }
    let req = req
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("bad request: {e}"))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("no response: {e}"))?;
    let (head, transfer) = received(resp, Box::new(sender));
    let mut transfer = transfer.watched(stalls);
    transfer.read_ahead().await;
    Ok((head, transfer))
}

/// The head and body of a response that arrived; `keep` holds the connection's request
/// side for the length of the transfer.
pub(crate) fn received(
    resp: http::Response<Incoming>,
    keep: Box<dyn std::any::Any>,
) -> (Head, Transfer) {
    let head = parse_head(&resp);
    (
        head,
        Transfer {
            wire: Some(Wire {
                body: resp.into_body(),
                _sender: keep,
                stalls: None,
            }),
            ended: None,
            leftover: Bytes::new(),
            arrived_bytes: 0,
            stalled_since: None,
        },
    )
}

fn header(resp: &http::Response<Incoming>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn parse_head(resp: &http::Response<Incoming>) -> Head {
    Head {
        status: resp.status().as_u16(),
        content_length: header(resp, "content-length").and_then(|v| v.trim().parse().ok()),
        content_range: header(resp, "content-range").and_then(|v| parse_content_range(&v)),
        etag: header(resp, "etag"),
        last_modified: header(resp, "last-modified"),
        accept_ranges_bytes: header(resp, "accept-ranges")
            .is_some_and(|v| v.split(',').any(|u| u.trim().eq_ignore_ascii_case("bytes"))),
        location: header(resp, "location"),
        retry_after: header(resp, "retry-after"),
        date: header(resp, "date"),
        content_encoding: header(resp, "content-encoding"),
        www_authenticate: header(resp, "www-authenticate"),
    }
}

/// Parses `bytes first-last/total` (total may be `*`).
pub(crate) fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let total = if total.trim() == "*" {
        None
    } else {
        Some(total.trim().parse().ok()?)
    };
    Some((first.trim().parse().ok()?, last.trim().parse().ok()?, total))
}

impl Transfer {
    /// Takes up to `n` body bytes. Returns them with how the body ended, if it ended
    /// before `n` bytes, or right after them (the next frame is looked at, so a body that
    /// ends exactly at a step boundary completes in that step).
    pub async fn pull(&mut self, n: u64) -> (Vec<u8>, Option<End>) {
        let mut out = Vec::new();
        let (_, end) = self
            .pull_into(n, |piece| out.extend_from_slice(piece))
            .await;
        (out, end)
    }

    /// As [`Transfer::pull`], but hands the bytes to `sink` frame by frame as they come
    /// off the connection, so a large grant is never held whole (a download goes from the
    /// socket to its temporary file). Returns how many bytes it took.
    pub async fn pull_into(&mut self, n: u64, mut sink: impl FnMut(&[u8])) -> (u64, Option<End>) {
        let mut taken = 0u64;
        loop {
            if !self.leftover.is_empty() {
                let room = usize::try_from(n - taken).unwrap_or(usize::MAX);
                let take = room.min(self.leftover.len());
                sink(&self.leftover.split_to(take));
                taken += take as u64;
            }
            if taken == n && !self.leftover.is_empty() {
                return (taken, None);
            }
            if self.leftover.is_empty() {
                if let Some(end) = &self.ended {
                    return (taken, Some(end.clone()));
                }
            }
            if let Err(stall) = self.read_frame().await {
                return (taken, Some(End::Stalled(stall)));
            }
            if taken == n && !self.leftover.is_empty() {
                return (taken, None);
            }
        }
    }

    /// Reads the body's next frame into `leftover` when nothing is left over, so a body
    /// that fits in one frame is in hand, and its connection closed, before its bytes are
    /// taken. A stall stops it, to be found again by the next pull.
    pub async fn read_ahead(&mut self) {
        if self.leftover.is_empty() && self.ended.is_none() {
            let _ = self.read_frame().await;
        }
    }

    /// Reads one frame: its data goes to `leftover` (which must be empty), or the body's
    /// end to `ended`, closing the connection; the last data frame of a body of known
    /// length ends it too. Fails with the stall that stops the body (NET-2).
    async fn read_frame(&mut self) -> Result<(), ServerStall> {
        let Some(wire) = &mut self.wire else {
            return Ok(());
        };
        let end = match wire.next_frame(self.arrived_bytes).await? {
            None => Some(End::Eof),
            Some(Err(e)) => Some(End::Error(describe(&e))),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    self.arrived_bytes += data.len() as u64;
                    self.leftover = data;
                }
                hyper::body::Body::is_end_stream(&wire.body).then_some(End::Eof)
            }
        };
        if end.is_some() {
            self.ended = end;
            self.wire = None;
        }
        Ok(())
    }
}

impl Transfer {
    /// The transfer, told when the server stalls its connection by `stalls`.
    pub fn watched(mut self, stalls: Option<Box<dyn StallProbe>>) -> Transfer {
        if let Some(wire) = &mut self.wire {
            wire.stalls = stalls;
        }
        self
    }

    /// Lets the server send the rest of the body after a stall (NET-2).
    pub fn release_stall(&mut self) {
        self.stalled_since = None;
        if let Some(probe) = self.wire.as_ref().and_then(|w| w.stalls.as_ref()) {
            probe.release();
        }
    }
}

impl Wire {
    /// The next frame of the body, or the stall that stops it (NET-2). A stall counts only
    /// once every byte the server sent before it has arrived (`arrived_bytes`; on TCP they
    /// may still be on their way when the stall is announced), so the bytes taken before a
    /// stall are the same on every transport and every run.
    async fn next_frame(
        &mut self,
        arrived_bytes: u64,
    ) -> Result<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>, ServerStall> {
        if let Some(probe) = &self.stalls {
            let stall = tokio::select! {
                biased;
                frame = self.body.frame() => return Ok(frame),
                stall = probe.stalled() => stall,
            };
            if arrived_bytes >= stall.sent_body_bytes {
                return Err(stall);
            }
        }
        Ok(self.body.frame().await)
    }
}

/// A stable description: hyper's own wording may differ between transports (a reset on
/// TCP, an end of stream on a pipe) and must not reach the history.
fn describe(e: &hyper::Error) -> String {
    if e.is_incomplete_message() {
        "connection closed before the body ended".into()
    } else {
        "connection lost mid-body".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = Url::parse("http://fixtures.test/a/b.png?x=1").unwrap();
        assert_eq!(u.authority, "fixtures.test");
        assert_eq!(u.path_and_query, "/a/b.png?x=1");
        assert_eq!(Url::parse("https://h").unwrap().path_and_query, "/");
        assert!(Url::parse("ftp://h/x").is_err());
        assert!(Url::parse("http:///x").is_err());
    }

    #[test]
    fn joins_locations_as_rfc_3986_says() {
        let base = Url::parse("http://h/a/b/x?old=1").unwrap();
        let join = |l: &str| base.join(l).unwrap().1;
        assert_eq!(join("/c"), "http://h/c");
        assert_eq!(join("d.png"), "http://h/a/b/d.png");
        assert_eq!(join("../big.bin"), "http://h/a/big.bin");
        assert_eq!(join("//other/p"), "http://other/p");
        assert_eq!(join("?q=2"), "http://h/a/b/x?q=2");
        assert_eq!(base.join("http://other/x").unwrap().0.authority, "other");
        assert_eq!(base.join("https://o:8443/y").unwrap().0.authority, "o:8443");
        assert!(base.join("ftp://other/x").is_err());
    }

    #[test]
    fn parses_content_range() {
        assert_eq!(
            parse_content_range("bytes 10-19/100"),
            Some((10, 19, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("bytes */100"), None);
    }
}
