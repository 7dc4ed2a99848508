//! The page's time axis: virtual time with its long idle gaps squeezed. A 7-day run is a
//! few bursts of seconds separated by days of nothing; drawn to scale the bursts would be
//! invisible, so each gap longer than [`GAP_THRESHOLD_US`] becomes a fixed narrow break
//! labelled with its length, and everything else keeps its true proportions.

use serde::Serialize;

/// A gap with no event longer than this (10 minutes) is drawn as a break.
pub const GAP_THRESHOLD_US: u64 = 10 * 60 * 1_000_000;

/// One stretch of the axis: virtual times `t0..t1` (µs) drawn at `x0..x1` (display units).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub t0: u64,
    pub t1: u64,
    pub x0: u64,
    pub x1: u64,
    /// A squeezed idle gap: `label` says how long it really was.
    pub gap: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
}

/// The whole axis, from virtual time 0 to the last event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Axis {
    pub pieces: Vec<Piece>,
}

impl Axis {
    /// The axis for events at `times` (µs, any order, duplicates allowed).
    pub fn new(times: &[u64]) -> Axis {
        let mut times: Vec<u64> = times.to_vec();
        times.push(0);
        times.sort_unstable();
        times.dedup();
        let gaps: Vec<(u64, u64)> = times
            .windows(2)
            .filter(|w| w[1] - w[0] > GAP_THRESHOLD_US)
            .map(|w| (w[0], w[1]))
            .collect();
        let end = *times.last().unwrap_or(&0);
        let idle: u64 = gaps.iter().map(|(a, b)| b - a).sum();
        // A break is a fiftieth of the busy time, at least a second: narrow next to the
        // bursts it separates, yet wide enough to see and to read its label.
        let width = ((end - idle) / 50).max(1_000_000);
        let mut pieces = Vec::new();
        let (mut t, mut x) = (0u64, 0u64);
        for (a, b) in gaps {
            pieces.push(Piece {
                t0: t,
                t1: a,
                x0: x,
                x1: x + (a - t),
                gap: false,
                label: String::new(),
            });
            x += a - t;
            pieces.push(Piece {
                t0: a,
                t1: b,
                x0: x,
                x1: x + width,
                gap: true,
                label: format!("⋯ {} ⋯", coarse(b - a)),
            });
            x += width;
            t = b;
        }
        pieces.push(Piece {
            t0: t,
            t1: end,
            x0: x,
            x1: x + (end - t),
            gap: false,
            label: String::new(),
        });
        Axis { pieces }
    }

    /// Where virtual time `t` (µs) is drawn. Inside a break, proportionally (a wake's
    /// budget may end there); past the end, at true scale.
    pub fn x(&self, t: u64) -> u64 {
        let i = self.pieces.partition_point(|p| p.t0 <= t).saturating_sub(1);
        let p = &self.pieces[i];
        if t >= p.t1 {
            return p.x1 + (t - p.t1);
        }
        let (dt, dx) = (p.t1 - p.t0, p.x1 - p.x0);
        if dt == dx {
            p.x0 + (t - p.t0)
        } else {
            p.x0 + ((t - p.t0) as u128 * dx as u128 / dt as u128) as u64
        }
    }

    /// The last drawn position.
    pub fn end(&self) -> u64 {
        self.pieces.last().map_or(0, |p| p.x1)
    }
}

/// A duration for a break's label: its two largest units, `2d 3h`, `45m 10s`.
pub fn coarse(us: u64) -> String {
    let mut s = us / 1_000_000;
    let mut parts = Vec::new();
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= len && parts.len() < 2 {
            parts.push(format!("{}{unit}", s / len));
            s %= len;
        } else if !parts.is_empty() {
            // Units stay adjacent: `2d`, never `2d 5s`, which would read as precise.
            break;
        }
    }
    if parts.is_empty() {
        return format!("{}ms", us / 1000);
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    #[test]
    fn a_short_run_is_one_piece_at_true_scale() {
        let axis = Axis::new(&[S, 5 * S, 30 * S]);
        assert_eq!(axis.pieces.len(), 1);
        assert!(!axis.pieces[0].gap);
        assert_eq!(axis.x(12 * S), 12 * S);
        assert_eq!(axis.end(), 30 * S);
    }

    #[test]
    fn a_day_of_nothing_becomes_a_narrow_labelled_break() {
        let day = 86_400 * S;
        let axis = Axis::new(&[10 * S, 20 * S, 2 * day + 3 * 3600 * S + 20 * S]);
        let gaps: Vec<&Piece> = axis.pieces.iter().filter(|p| p.gap).collect();
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].label, "⋯ 2d 3h ⋯");
        // Busy time is 20 s before and none after: the break is the one-second minimum.
        assert_eq!(gaps[0].x1 - gaps[0].x0, S);
        assert_eq!(axis.x(20 * S), 20 * S);
        assert_eq!(axis.x(2 * day + 3 * 3600 * S + 20 * S), 21 * S);
        assert_eq!(axis.end(), 21 * S);
        // Monotonic: later never drawn left of earlier.
        let xs: Vec<u64> = (0..100).map(|i| axis.x(i * day / 40)).collect();
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "{xs:?}");
    }

    #[test]
    fn a_gap_at_the_threshold_is_kept_and_one_past_it_is_squeezed() {
        assert!(!Axis::new(&[GAP_THRESHOLD_US]).pieces.iter().any(|p| p.gap));
        assert!(Axis::new(&[GAP_THRESHOLD_US + 1]).pieces.iter().any(|p| p.gap));
    }

    #[test]
    fn coarse_durations_keep_two_adjacent_units() {
        assert_eq!(coarse(2 * 86_400 * S + 5 * S), "2d");
        assert_eq!(coarse(45 * 60 * S + 10 * S), "45m 10s");
        assert_eq!(coarse(1500), "1ms");
    }
}
