//! The network as the daemon sees it: reachability, bandwidth and latency, plus the
//! [`Dialer`] through which it opens real connections to the HTTP server.
//!
//! Real I/O never decides the order of events: the daemon pulls exactly the number of
//! body bytes that [`Network::grant_bytes`] allows per step, so the same seed gives the
//! same history over loopback TCP or an in-memory pipe.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The most body bytes one transfer step grants, all transfers together (256 MiB). A step
/// is one event, and a run's budgets are looked at between events: this bounds the disk one
/// event can fill and the time it takes, whatever the bandwidth and progress granularity (a
/// `1TiB/s` network once wrote 42 GiB in one run before its 64 MiB budget was looked at).
/// At a granularity and bandwidth below it, nothing changes.
pub const MAX_STEP_BYTES: u64 = 256 << 20;

/// A byte stream to the server: loopback TCP, an in-memory pipe, anything async.
pub trait Connection: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Connection for T {}

/// A boxed [`Connection`].
pub type BoxedConnection = Box<dyn Connection>;

/// The future returned by [`Dialer::dial`].
pub type DialFuture<'a> = Pin<Box<dyn Future<Output = io::Result<BoxedConnection>> + 'a>>;

/// How the daemon reaches servers. The lab implements it for its transports; the
/// simulator only ever asks for a fresh connection to `authority` (`host[:port]`).
pub trait Dialer {
    /// Opens a new connection to the server named by `authority`.
    fn dial(&self, authority: &str) -> DialFuture<'_>;

    /// Opens a new connection, with a probe that tells when the server stalls it (NET-2),
    /// if the lab can tell. The default has no probe: a stalled body then just waits.
    fn dial_watched(&self, authority: &str) -> DialWatchedFuture<'_> {
        let dial = self.dial(authority);
        Box::pin(async move {
            Ok(Dialed {
                conn: dial.await?,
                stalls: None,
            })
        })
    }
}

/// A stall the server announced on a connection: it sent the head and
/// `sent_body_bytes` body bytes, and sends nothing more for `duration` (`None`: until the
/// client gives up). The simulated server does not keep time, so the daemon measures the
/// stall on the virtual clock and ends it with [`StallProbe::release`] (NET-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerStall {
    /// Body bytes of the response the server sent before stalling.
    pub sent_body_bytes: u64,
    /// How long the stall lasts; `None` = forever.
    pub duration: Option<Duration>,
}

/// The future returned by [`StallProbe::stalled`].
pub type StallFuture<'a> = Pin<Box<dyn Future<Output = ServerStall> + 'a>>;

/// Watches one connection for stalls of the server. Dropping it says the client is gone
/// (a stall without end then fails its response, so the server closes the connection).
pub trait StallProbe {
    /// Resolves once the server stalls the connection (at once while a stall is in
    /// progress and not released). Cancel safe.
    fn stalled(&self) -> StallFuture<'_>;
    /// Ends the stall in progress: the server sends the rest of the body.
    fn release(&self);
}

/// A connection from [`Dialer::dial_watched`], with its stall probe if any.
pub struct Dialed {
    /// The byte stream.
    pub conn: BoxedConnection,
    /// Tells when the server stalls this connection; `None` when the lab cannot tell.
    pub stalls: Option<Box<dyn StallProbe>>,
}

/// The future returned by [`Dialer::dial_watched`].
pub type DialWatchedFuture<'a> = Pin<Box<dyn Future<Output = io::Result<Dialed>> + 'a>>;

/// Link parameters of the simulated device.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Throughput shared by all transfers, in bytes per second (at least 1).
    pub bandwidth_bytes_per_s: u64,
    /// One-way latency. Opening a connection and getting response headers costs two
    /// round trips: four times this.
    pub latency: Duration,
    /// Whether the device starts online.
    pub up: bool,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            bandwidth_bytes_per_s: 1024 * 1024,
            latency: Duration::from_millis(20),
            up: true,
        }
    }
}

/// The live network state.
#[derive(Clone, Debug)]
pub struct Network {
    config: NetworkConfig,
    up: bool,
}

impl Network {
    /// A network in the configured initial state.
    pub fn new(config: NetworkConfig) -> Network {
        let up = config.up;
        Network { config, up }
    }

    /// Whether the device has connectivity.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Sets connectivity; returns whether it changed.
    pub fn set_up(&mut self, up: bool) -> bool {
        std::mem::replace(&mut self.up, up) != up
    }

    /// Time from sending a request to having its response headers (two round trips).
    pub fn time_to_headers(&self) -> Duration {
        self.config.latency * 4
    }

    /// The length of one transfer step: long enough to move `granularity_bytes` (at most
    /// [`MAX_STEP_BYTES`]) at full bandwidth, never longer than `max_step`, never shorter
    /// than a millisecond (also when `max_step` is: a progress interval of `0s`).
    pub fn step(&self, granularity_bytes: u64, max_step: Duration) -> Duration {
        let bw = self.config.bandwidth_bytes_per_s.max(1);
        let us = granularity_bytes
            .min(MAX_STEP_BYTES)
            .saturating_mul(1_000_000)
            / bw;
        let floor = Duration::from_millis(1);
        Duration::from_micros(us).clamp(floor, max_step.max(floor))
    }

    /// Bytes each of `active` transfers may receive during `step`: the bandwidth is shared
    /// fairly, and the remainder goes to the first transfers (in task order) so no byte of
    /// capacity is lost and the split is deterministic.
    pub fn grant_bytes(&self, step: Duration, active: usize) -> Vec<u64> {
        if active == 0 {
            return Vec::new();
        }
        let bw = u128::from(self.config.bandwidth_bytes_per_s.max(1));
        let total = (bw * step.as_micros() / 1_000_000)
            .min(u128::from(MAX_STEP_BYTES))
            .max(active as u128);
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        let n = active as u64;
        (0..n)
            .map(|i| total / n + u64::from(i < total % n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(bw: u64) -> Network {
        Network::new(NetworkConfig {
            bandwidth_bytes_per_s: bw,
            ..NetworkConfig::default()
        })
    }

    #[test]
    fn grants_share_the_bandwidth_without_losing_bytes() {
        let grants = net(1000).grant_bytes(Duration::from_secs(1), 3);
        assert_eq!(grants, vec![334, 333, 333]);
        assert_eq!(grants.iter().sum::<u64>(), 1000);
    }

    #[test]
    fn step_moves_the_granularity_at_full_speed_within_bounds() {
        assert_eq!(
            net(256 * 1024).step(64 * 1024, Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            net(1).step(64 * 1024, Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            net(u64::MAX / 2).step(64 * 1024, Duration::from_secs(1)),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn a_step_is_at_least_a_millisecond_and_moves_at_most_max_step_bytes() {
        // A progress interval of 0s (or 1ns) is a millisecond, not a panic of `clamp`.
        assert_eq!(
            net(1024).step(64 * 1024, Duration::ZERO),
            Duration::from_millis(1)
        );
        // A huge granularity is cut to MAX_STEP_BYTES: 256 MiB at 1 GiB/s is 250 ms.
        assert_eq!(
            net(1 << 30).step(1 << 40, Duration::from_secs(3600)),
            Duration::from_millis(250)
        );
        // Past 256 GiB/s even a millisecond would grant more: the grant is cut too.
        let grants = net(u64::MAX).grant_bytes(Duration::from_millis(1), 2);
        assert_eq!(grants.iter().sum::<u64>(), MAX_STEP_BYTES);
    }

    #[test]
    fn reports_changes_of_reachability_only() {
        let mut n = net(1);
        assert!(!n.set_up(true));
        assert!(n.set_up(false));
        assert!(!n.is_up());
    }
}
