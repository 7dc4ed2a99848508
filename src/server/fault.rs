//! A deterministic fault plan: which responses misbehave, and how (docs/http.md#faults).
//!
//! A plan is an ordered list of rules, each naming a path, optionally the n-th request to
//! that path, and a [`Fault`]. The server counts requests per path (1-based, in arrival
//! order, across all connections), so a rule hits the same request on every run, whatever
//! the transport and however the client spreads its requests over connections (docs/http.md#determinism:
//! "key faults by (fixture, attempt index) rather than by connection order").
//!
//! Every fault acts at a byte offset or on the response head, never at a time, so what the
//! client receives is the same on every run. The one fault that lasts,
//! [`Fault::Stall`], does not measure its duration itself: whoever owns the clock ends it
//! (see [`StallBoard`](super::StallBoard)).

use std::time::Duration;

use bgsim_simulator::time::fmt_duration;

/// One way a response can go wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Send the response head (with its normal Content-Length) and only `at_byte` body
    /// bytes, then close cleanly (FIN). The client sees exactly `at_byte` body bytes, then an
    /// incomplete-body error. On a chunked fixture the terminating chunk is never sent; on a
    /// close-delimited response the client cannot tell the body was cut.
    ///
    /// Has no effect (and is not journaled) when the body is `at_byte` bytes or shorter,
    /// e.g. on HEAD, 304 or 416.
    Cut {
        /// Body bytes delivered before the connection closes.
        at_byte: u64,
    },
    /// Send the response head (with its normal Content-Length) and `at_byte` body bytes,
    /// wait until the client has them, then abort the connection: a TCP RST (`SO_LINGER`
    /// 0), or in memory a [`MemoryConn`](super::MemoryConn) that reports
    /// `ConnectionReset`. The client reads exactly `at_byte` body bytes, then gets a
    /// connection-reset error rather than an end of file (NET-5's "connection lost"; the
    /// RST variant of docs/http.md#faults).
    ///
    /// On TCP the server waits, before the RST, until the client's kernel has acknowledged
    /// every byte (Linux `SIOCOUTQ` is 0): a RST discards what the sender still queues, so
    /// otherwise the count would depend on how fast the client reads (docs/http.md#resets). A client that
    /// stops reading therefore holds the reset back. Off Linux the wait is skipped and the
    /// client may see fewer bytes.
    ///
    /// Like [`Fault::Cut`], no effect (and not journaled) when the body is `at_byte` bytes
    /// or shorter; an earlier cut wins over a later reset and vice versa.
    Reset {
        /// Body bytes delivered before the connection is reset.
        at_byte: u64,
    },
    /// Send the response head and `at_byte` body bytes, make sure hyper has handed them to
    /// the transport, then send nothing more until the stall ends; then the rest of the body
    /// follows byte-exact. `at_byte` 0 stalls right after the head.
    ///
    /// The server does not time the stall itself: it posts it on the server's
    /// [`StallBoard`](super::StallBoard), and with a virtual-time board (simulations) waits
    /// for the driver to release it after `duration` of virtual time (NET-2: a stall longer
    /// than the request timeout makes the client time out and retry). With the real-time
    /// board (`bgsim serve`, the default) it ends by itself after `duration`. Without
    /// `duration` the stall lasts forever: only a release ends it, and a client that goes
    /// away (its watcher dropped) makes the response fail so the connection closes.
    ///
    /// No effect (and not journaled) when the body is `at_byte` bytes or shorter. A stall
    /// before a cut or reset happens first; one at or after it never does.
    Stall {
        /// Body bytes delivered before the stall.
        at_byte: u64,
        /// How long the stall lasts; `None` = forever.
        duration: Option<Duration>,
    },
    /// Answer with this status and a small HTML body (Content-Type text/html,
    /// Content-Length), whatever the fixture, for any method, with a Retry-After header if
    /// `retry_after` says so (RFC 9110 §10.2.3: delay-seconds or an HTTP-date).
    ///
    /// A code below 200 or above 999 is answered as 500. 204 and 304 carry no body.
    Status {
        /// Status code to send.
        code: u16,
        /// The Retry-After header, if any.
        retry_after: Option<RetryAfter>,
    },
    /// Ignore the Range header: a full 200 even though the range was satisfiable
    /// (Accept-Ranges: bytes still advertised). Preconditions (If-Match, If-None-Match...)
    /// are still evaluated.
    IgnoreRange,
    /// A 206 whose Content-Range (and body) start `shift` bytes away from what was asked
    /// (negative = earlier), clamped to the representation. The 206 is self-consistent
    /// (Content-Length matches what is sent); it is just at the wrong place. Only affects
    /// responses that are 206.
    MisalignedRange {
        /// Offset added to the first byte of the range.
        shift: i64,
    },
    /// A 206 whose Content-Range and Content-Length claim the asked range but whose body
    /// stops `missing` bytes early (then FIN): a short 206. Only affects responses that are
    /// 206.
    ShortRange {
        /// Bytes left out at the end of the body.
        missing: u64,
    },
    /// Before answering, the fixture moves to a new version: new bytes (the generated stream
    /// of `seed` with the same length, or, for a file fixture, the old bytes with every byte
    /// XOR 0x5A), a new strong ETag and Last-Modified. Later requests see the new version too.
    /// Journaled as `new version N`, N being the new version's index.
    NewVersion {
        /// Seed of the new generated content (unused for file fixtures).
        seed: u64,
    },
    /// The ETag of this response is weak (`W/"..."`). Preconditions are evaluated against
    /// the weak tag, so an If-Range (or If-Match) never matches.
    WeakEtag,
    /// No ETag and no Last-Modified on this response; an If-Range can then never match.
    NoValidators,
    /// Answer with `status` (301, 302, 303, 307 or 308) and `Location: location` (or no
    /// Location at all when `None`), with a tiny HTML body. A status code that is not valid
    /// is answered as 302.
    Redirect {
        /// Status code to send.
        status: u16,
        /// Value of the Location header, sent verbatim.
        location: Option<String>,
    },
    /// 401 with `WWW-Authenticate: Basic realm="bgsim"` (RFC 9110 §15.5.2 requires the
    /// challenge) and an HTML body: the server asks for credentials (HTTP-4: the challenge
    /// wakes the app).
    ///
    /// With `credentials` (`"user:password"`), a request whose `Authorization` is `Basic`
    /// with exactly those credentials (RFC 7617) is served as if the fault were absent, and
    /// journaled as `authorized as user`; any other gets the 401. Without, every request
    /// gets the 401.
    Unauthorized {
        /// The `user:password` that is let through, if any.
        credentials: Option<String>,
    },
    /// No Content-Length and no chunking: an HTTP/1.0 response (with `Connection: close`)
    /// whose body is delimited by the server closing the connection (FIN).
    CloseDelimited,
}

/// The Retry-After of a [`Fault::Status`].
///
/// `Some("120".into())` makes a verbatim value, so plans written before the date form
/// still read the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// Sent as written: delay-seconds (`"120"`) or a date, or anything else on purpose.
    Verbatim(String),
    /// The HTTP-date form, `delay` after the response's `Date`. The response then carries
    /// an explicit `Date:` of [`server_date`](super::fixture::server_date) (the server has
    /// no clock to read), and `Retry-After:` that instant plus `delay`, rounded up to a
    /// whole second, both as IMF-fixdate. The server sends no other Date header (its
    /// automatic one is off), so the pair is the same on every run.
    Date {
        /// How long after `Date` the client may retry.
        delay: Duration,
    },
}

impl RetryAfter {
    /// The header value: verbatim, or the date `delay` after the server's date.
    pub fn value(&self) -> String {
        match self {
            RetryAfter::Verbatim(v) => v.clone(),
            RetryAfter::Date { delay } => {
                // HTTP-dates have whole seconds; rounding down would invite an early retry.
                let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
                let at = super::fixture::server_date()
                    .checked_add(Duration::from_secs(secs))
                    .unwrap_or_else(super::fixture::server_date);
                httpdate::fmt_http_date(at)
            }
        }
    }
}

impl From<&str> for RetryAfter {
    fn from(v: &str) -> RetryAfter {
        RetryAfter::Verbatim(v.to_owned())
    }
}

impl From<String> for RetryAfter {
    fn from(v: String) -> RetryAfter {
        RetryAfter::Verbatim(v)
    }
}

impl Fault {
    /// True for the faults that replace the fixture's response entirely.
    pub fn replaces_response(&self) -> bool {
        matches!(
            self,
            Fault::Status { .. } | Fault::Redirect { .. } | Fault::Unauthorized { .. }
        )
    }
}

/// A fault applied to requests for one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// The request path the rule applies to, e.g. `/big.bin` (matched against the path as
    /// sent and, if it has `%XX` escapes, as decoded).
    pub path: String,
    /// 1-based: the n-th request to this path; `None` = every request. `Some(0)` never
    /// matches.
    pub request: Option<u64>,
    /// What goes wrong.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule for every request to `path`.
    pub fn every(path: impl Into<String>, fault: Fault) -> FaultRule {
        FaultRule {
            path: path.into(),
            request: None,
            fault,
        }
    }

    /// A rule for the `n`-th request (1-based) to `path` only.
    pub fn nth(path: impl Into<String>, n: u64, fault: Fault) -> FaultRule {
        FaultRule {
            path: path.into(),
            request: Some(n),
            fault,
        }
    }

    fn matches(&self, path: &str, decoded: Option<&str>, n: u64) -> bool {
        (self.path == path || decoded == Some(self.path.as_str()))
            && self.request.is_none_or(|k| k == n)
    }
}

/// An ordered list of [`FaultRule`]s.
///
/// When several rules match one request they all apply, in plan order: first every
/// [`Fault::NewVersion`] (the fixture changes before the response is decided), then the
/// response is decided (the last matching Status/Redirect/Unauthorized replaces it,
/// Unauthorized only when the request lacks its credentials; else the
/// fixture answers, shaped by IgnoreRange, WeakEtag, NoValidators, MisalignedRange and
/// ShortRange), then Cut, Reset, Stall and CloseDelimited frame whatever was decided. Of several
/// cuts and resets, the one at the smallest byte offset ends the body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// An empty plan: every response is correct.
    pub fn new() -> FaultPlan {
        FaultPlan::default()
    }

    /// Appends a rule. A path without a leading `/` gets one, as fixture paths do.
    pub fn push(&mut self, mut rule: FaultRule) {
        if !rule.path.starts_with('/') {
            rule.path.insert(0, '/');
        }
        self.rules.push(rule);
    }

    /// Builder-style [`FaultPlan::push`].
    pub fn with(mut self, rule: FaultRule) -> FaultPlan {
        self.push(rule);
        self
    }

    /// The rules, in plan order.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when the plan has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The faults that apply to the `n`-th request (1-based) to `path` (whose percent-decoded
    /// form, if different, is `decoded`), with their positions in the plan, in plan order.
    pub(crate) fn matching<'a>(
        &'a self,
        path: &'a str,
        decoded: Option<&'a str>,
        n: u64,
    ) -> impl Iterator<Item = (usize, &'a Fault)> + 'a {
        self.rules
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.matches(path, decoded, n))
            .map(|(i, r)| (i, &r.fault))
    }
}

/// The journal's description of a fault whose effect does not depend on server state
/// (everything but NewVersion, which names the version it created).
pub(crate) fn describe(fault: &Fault) -> String {
    match fault {
        Fault::Cut { at_byte } => format!("cut at {at_byte}"),
        Fault::Reset { at_byte } => format!("reset at {at_byte}"),
        Fault::Stall { at_byte, duration } => match duration {
            Some(d) => format!("stall at {at_byte} for {}", fmt_duration(*d)),
            None => format!("stall at {at_byte} forever"),
        },
        Fault::Status { code, retry_after } => match retry_after {
            Some(r) => format!("status {code} retry-after {}", r.value()),
            None => format!("status {code}"),
        },
        Fault::IgnoreRange => "ignore range".into(),
        Fault::MisalignedRange { shift } => format!("misaligned range by {shift}"),
        Fault::ShortRange { missing } => format!("short range missing {missing}"),
        Fault::NewVersion { seed } => format!("new version seed {seed}"),
        Fault::WeakEtag => "weak etag".into(),
        Fault::NoValidators => "no validators".into(),
        Fault::Redirect { status, location } => match location {
            Some(l) => format!("redirect {status} to {l}"),
            None => format!("redirect {status} without location"),
        },
        Fault::Unauthorized { .. } => "unauthorized".into(),
        Fault::CloseDelimited => "close-delimited".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_by_path_and_request_number() {
        let plan = FaultPlan::new()
            .with(FaultRule::every("a.bin", Fault::IgnoreRange))
            .with(FaultRule::nth("/a.bin", 2, Fault::Cut { at_byte: 5 }))
            .with(FaultRule::nth("/a b.bin", 1, Fault::WeakEtag))
            .with(FaultRule::nth(
                "/a.bin",
                0,
                Fault::Unauthorized { credentials: None },
            ));
        assert_eq!(plan.rules()[0].path, "/a.bin");
        let at = |path, decoded, n| -> Vec<usize> {
            plan.matching(path, decoded, n).map(|(i, _)| i).collect()
        };
        assert_eq!(at("/a.bin", None, 1), [0]);
        assert_eq!(at("/a.bin", None, 2), [0, 1]);
        assert_eq!(at("/a.bin", None, 3), [0]);
        assert_eq!(at("/b.bin", None, 2), Vec::<usize>::new());
        assert_eq!(at("/a%20b.bin", Some("/a b.bin"), 1), [2]);
        assert_eq!(plan.len(), 4);
        assert!(!plan.is_empty() && FaultPlan::default().is_empty());
    }

    #[test]
    fn descriptions_are_stable() {
        assert_eq!(describe(&Fault::Cut { at_byte: 100_000 }), "cut at 100000");
        assert_eq!(describe(&Fault::Reset { at_byte: 7 }), "reset at 7");
        assert_eq!(
            describe(&Fault::Stall {
                at_byte: 0,
                duration: Some(Duration::from_secs(90))
            }),
            "stall at 0 for 1m30s"
        );
        assert_eq!(
            describe(&Fault::Stall {
                at_byte: 5,
                duration: None
            }),
            "stall at 5 forever"
        );
        assert_eq!(
            describe(&Fault::Status {
                code: 503,
                retry_after: None
            }),
            "status 503"
        );
        assert_eq!(
            describe(&Fault::Status {
                code: 429,
                retry_after: Some("120".into())
            }),
            "status 429 retry-after 120"
        );
        assert_eq!(
            describe(&Fault::MisalignedRange { shift: -3 }),
            "misaligned range by -3"
        );
        assert_eq!(
            describe(&Fault::Redirect {
                status: 301,
                location: None
            }),
            "redirect 301 without location"
        );
        assert!(Fault::Unauthorized { credentials: None }.replaces_response());
        assert!(!Fault::CloseDelimited.replaces_response());
    }
}
