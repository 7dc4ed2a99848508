//! What a long-running server bounds so that misbehaving clients cannot exhaust it: how
//! long a request head may take to arrive, and how many connections may be open at once.
//!
//! Simulations use none of it ([`ServeLimits::default`]): their clients are bgsim's own
//! daemon, and a timeout on the tokio clock would fire on virtual time's idle stretches.
//! `bgsim serve` sets both (`--header-timeout-ms`, `--max-connections`).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// `bgsim serve`'s default for `--header-timeout-ms`: how long a client has to send a
/// whole request head. Also how long an idle kept-alive connection stays open, since
/// hyper times the wait for the next head the same way.
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 10_000;

/// `bgsim serve`'s default for `--max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// The answer to a connection over the cap, written without waiting and then closed.
/// `Retry-After` because the condition is temporary (RFC 9110 §15.6.4).
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 25\r\nretry-after: 1\r\n\
connection: close\r\n\r\ntoo many open connections";

/// Limits on a [`TcpServer`](super::TcpServer)'s connections. The default limits nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServeLimits {
    /// Close a connection whose request head has not arrived whole this long after the
    /// server started waiting for it; `None`: wait forever.
    pub header_read_timeout: Option<Duration>,
    /// At most this many connections are served at once; one more is answered 503 and
    /// closed at once. `None`: no cap.
    pub max_connections: Option<usize>,
}

impl ServeLimits {
    /// `bgsim serve`'s limits: the header timeout and the cap given (0 turns either off).
    pub fn serve(header_timeout_ms: u64, max_connections: usize) -> ServeLimits {
        ServeLimits {
            header_read_timeout: (header_timeout_ms > 0)
                .then(|| Duration::from_millis(header_timeout_ms)),
            max_connections: (max_connections > 0).then_some(max_connections),
        }
    }
}

/// Answers a connection over the cap and closes it. The 503 is written only if the socket
/// takes it at once: a client that does not read must not hold the accept loop up.
pub(crate) async fn refuse(mut stream: TcpStream) {
    let _ = stream.try_write(OVER_CAPACITY);
    // A FIN after the answer; the client may already be gone, which is fine.
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_announces_its_length() {
        let text = std::str::from_utf8(OVER_CAPACITY).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        assert_eq!(ServeLimits::serve(0, 0), ServeLimits::default());
        let l = ServeLimits::serve(200, 3);
        assert_eq!(l.header_read_timeout, Some(Duration::from_millis(200)));
        assert_eq!(l.max_connections, Some(3));
    }
}
