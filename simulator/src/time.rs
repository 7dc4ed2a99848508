//! Virtual time. The simulation never reads the wall clock: every instant is a count of
//! microseconds since the simulation started, owned by the [`crate::clock::Clock`].

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// An instant on the simulation's virtual clock, in microseconds since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of every simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// Far enough in the future to mean "never" without overflowing arithmetic.
    pub const NEVER: SimTime = SimTime(u64::MAX / 4);

    /// An instant `us` microseconds after the start.
    pub const fn from_us(us: u64) -> SimTime {
        SimTime(us)
    }

    /// An instant `secs` seconds after the start.
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000)
    }

    /// Microseconds since the start.
    pub const fn as_us(self) -> u64 {
        self.0
    }

    /// The time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// Durations are truncated to whole microseconds, the clock's resolution.
pub fn duration_us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 4)
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(duration_us(d)).min(SimTime::NEVER.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = Duration;
    fn sub(self, earlier: SimTime) -> Duration {
        self.since(earlier)
    }
}

/// Rendered as `DdHH:MM:SS.uuuuuu`, for example `0d00:00:01.250000`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0 % 1_000_000;
        let total_s = self.0 / 1_000_000;
        let (d, h, m, s) = (
            total_s / 86_400,
            (total_s / 3600) % 24,
            (total_s / 60) % 60,
            total_s % 60,
        );
        write!(f, "{d}d{h:02}:{m:02}:{s:02}.{us:06}")
    }
}

/// Renders a duration compactly for the history: `250ms`, `30s`, `2h`, `1d2h`.
pub fn fmt_duration(d: Duration) -> String {
    let us = duration_us(d);
    if us == 0 {
        return "0s".into();
    }
    if us % 1_000_000 != 0 {
        return if us % 1000 == 0 {
            format!("{}ms", us / 1000)
        } else {
            format!("{us}us")
        };
    }
    let mut s = us / 1_000_000;
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_days_hours_and_microseconds() {
        let t = SimTime::from_us(3 * 86_400_000_000 + 3_723_000_042);
        assert_eq!(t.to_string(), "3d01:02:03.000042");
        assert_eq!(SimTime::ZERO.to_string(), "0d00:00:00.000000");
    }

    #[test]
    fn durations_render_compactly() {
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(fmt_duration(Duration::from_secs(93_784)), "1d2h3m4s");
        assert_eq!(fmt_duration(Duration::from_micros(7)), "7us");
    }

    #[test]
    fn adding_saturates_at_never() {
        assert_eq!(SimTime::NEVER + Duration::from_secs(1), SimTime::NEVER);
    }
}
