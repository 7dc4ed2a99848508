//! Durations, sizes and bandwidths as scenario files write them: `250ms`, `2h30m`, `64KiB`,
//! `256KiB/s`.
//!
//! Arithmetic is exact: numbers are read as decimal digits into integers (never through
//! `f64`), so `1.1s` is exactly 1 100 000 µs and a value that cannot be represented is
//! rejected rather than rounded. Every error is one sentence naming the input and the
//! expected form, ready to follow `file:line:column: `.

use std::time::Duration;

/// The duration units, largest first, with their length in microseconds (the clock's
/// resolution).
const DURATION_UNITS: [(&str, u128); 6] = [
    ("d", 86_400_000_000),
    ("h", 3_600_000_000),
    ("m", 60_000_000),
    ("s", 1_000_000),
    ("ms", 1_000),
    ("us", 1),
];

/// The size units with their length in bytes: 1000-based and 1024-based.
const SIZE_UNITS: [(&str, u128); 9] = [
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// More fractional digits than this cannot matter (the smallest unit step of a duration is
/// 10^-11 of a day) and would overflow the exact arithmetic below.
const MAX_FRACTION_DIGITS: u32 = 12;

/// With at most this many integer digits, integer and fraction digits together stay below
/// 10^38 and fit a u128; any such number times a unit is caught by checked arithmetic.
const MAX_INTEGER_DIGITS: usize = 26;

fn duration_help(s: &str) -> String {
    format!(
        "bad duration `{s}`: expected a number and a unit (us, ms, s, m, h, d), like `250ms` or `3d`"
    )
}

fn size_help(s: &str) -> String {
    format!(
        "bad size `{s}`: expected a whole number of bytes, or a number and a unit \
         (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), like `64KiB` or `1.5MiB`"
    )
}

fn bandwidth_help(s: &str) -> String {
    format!("bad bandwidth `{s}`: expected a size per second, like `256KiB/s` or `1MB/s`")
}

/// A decimal number as written: `digits` is the integer and fraction concatenated, worth
/// `digits / 10^scale`.
struct Decimal {
    digits: u128,
    scale: u32,
}

impl Decimal {
    /// `self × unit`, when it is a whole number that fits; `Err(true)` when it is not whole,
    /// `Err(false)` when it overflows.
    fn times(&self, unit: u128) -> Result<u128, bool> {
        let scaled = self.digits.checked_mul(unit).ok_or(false)?;
        let div = 10u128.pow(self.scale);
        if scaled % div == 0 {
            Ok(scaled / div)
        } else {
            Err(true)
        }
    }
}

/// Splits a leading unsigned decimal number (`12`, `1.5`) off `s`. `None` when `s` does not
/// start with one, or it has too many digits to be exact.
fn split_decimal(s: &str) -> Option<(Decimal, &str)> {
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    if int_len == 0 || int_len > MAX_INTEGER_DIGITS {
        return None;
    }
    let (int, rest) = s.split_at(int_len);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(after) => {
            let frac_len = after.bytes().take_while(u8::is_ascii_digit).count();
            // `1.` and `1.s` are typos, not numbers.
            if frac_len == 0 || frac_len > MAX_FRACTION_DIGITS as usize {
                return None;
            }
            after.split_at(frac_len)
        }
        None => ("", rest),
    };
    // Both parts are ASCII digits of bounded length, so these parses cannot fail.
    let digits = format!("{int}{frac}").parse::<u128>().ok()?;
    let scale = frac.len() as u32;
    Some((Decimal { digits, scale }, rest))
}

/// Parses a duration: one or more number+unit pairs, like `250ms`, `1.5s`, `3d`, `2h30m`,
/// `0s`. Units: `us`, `ms`, `s`, `m`, `h`, `d`. No sign, no spaces. The result must be a
/// whole number of microseconds (the clock's resolution) that fits in a `u64`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.is_empty() {
        return Err(duration_help(s));
    }
    let mut total_us: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (number, after) = split_decimal(rest).ok_or_else(|| duration_help(s))?;
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let unit_us = DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, us)| *us)
            .ok_or_else(|| duration_help(s))?;
        let us = number.times(unit_us).map_err(|not_whole| {
            if not_whole {
                format!(
                    "bad duration `{s}`: it is finer than a microsecond, the clock's resolution"
                )
            } else {
                too_long(s)
            }
        })?;
        total_us = total_us.checked_add(us).ok_or_else(|| too_long(s))?;
        rest = after;
    }
    let us = u64::try_from(total_us).map_err(|_| too_long(s))?;
    Ok(Duration::from_micros(us))
}

fn too_long(s: &str) -> String {
    format!(
        "bad duration `{s}`: it is too long; at most {}d, the clock's range",
        u64::MAX / 86_400_000_000
    )
}

/// Parses a size in bytes: a plain integer (`512`), or a number and a unit (`64KiB`,
/// `1.5MiB`, `10KB`). `KB`, `MB`, `GB`, `TB` are 1000-based; `KiB`, `MiB`, `GiB`, `TiB`
/// 1024-based; `B` is bytes. The result must be a whole number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (number, unit) = split_decimal(s).ok_or_else(|| size_help(s))?;
    let unit_bytes = if unit.is_empty() {
        1
    } else {
        SIZE_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, bytes)| *bytes)
            .ok_or_else(|| size_help(s))?
    };
    let too_big = || {
        format!(
            "bad size `{s}`: it is too large; at most {} bytes",
            u64::MAX
        )
    };
    let bytes = number.times(unit_bytes).map_err(|not_whole| {
        if not_whole {
            format!("bad size `{s}`: it is not a whole number of bytes")
        } else {
            too_big()
        }
    })?;
    u64::try_from(bytes).map_err(|_| too_big())
}

/// Parses a bandwidth in bytes per second: a size followed by `/s`, like `256KiB/s` or
/// `1MB/s`. At least one byte per second, since a zero bandwidth would stall every transfer
/// forever rather than model anything.
pub fn parse_bandwidth(s: &str) -> Result<u64, String> {
    let size = s.strip_suffix("/s").ok_or_else(|| bandwidth_help(s))?;
    let bytes_per_s = parse_size(size).map_err(|_| bandwidth_help(s))?;
    if bytes_per_s == 0 {
        return Err(format!(
            "bad bandwidth `{s}`: expected at least 1 byte per second (use a `network-down` step for no connectivity)"
        ));
    }
    Ok(bytes_per_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn good_durations() {
        let cases = [
            ("0s", us(0)),
            ("250ms", us(250_000)),
            ("1.5s", us(1_500_000)),
            ("90s", us(90_000_000)),
            ("3d", us(3 * 86_400_000_000)),
            ("2h30m", us(9_000_000_000)),
            ("1m30s", us(90_000_000)),
            ("7us", us(7)),
            ("1.1s", us(1_100_000)),
            ("0.000001s", us(1)),
            ("1d2h3m4s5ms6us", us(93_784_005_006)),
            ("213503982d", us(213_503_982 * 86_400_000_000)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_duration(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_durations() {
        let cases = [
            ("", "bad duration ``: expected a number and a unit"),
            ("5", "bad duration `5`: expected a number and a unit"),
            ("5 sec", "bad duration `5 sec`"),
            ("5sec", "bad duration `5sec`"),
            ("-5s", "bad duration `-5s`"),
            ("+5s", "bad duration `+5s`"),
            (" 5s", "bad duration ` 5s`"),
            ("5s ", "bad duration `5s `"),
            ("1.s", "bad duration `1.s`"),
            (".5s", "bad duration `.5s`"),
            ("5S", "bad duration `5S`"),
            ("1.5us", "finer than a microsecond"),
            ("0.0000001s", "finer than a microsecond"),
            ("213503983d", "too long"),
            ("99999999999999999999d", "too long"),
            ("999999999999999999999d", "too long"),
            ("999999999999999999999999999d", "bad duration"),
            ("1.0000000000001s", "bad duration"),
            ("1e3s", "bad duration"),
            ("5s5", "bad duration"),
        ];
        for (input, want) in cases {
            let err = parse_duration(input).expect_err(input);
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn good_sizes() {
        let cases = [
            ("0", 0),
            ("512", 512),
            ("512B", 512),
            ("64KiB", 65_536),
            ("2MiB", 2_097_152),
            ("1GiB", 1_073_741_824),
            ("1.5MiB", 1_572_864),
            ("10KB", 10_000),
            ("1MB", 1_000_000),
            ("2GB", 2_000_000_000),
            ("1TiB", 1 << 40),
            ("0.5KB", 500),
            ("18446744073709551615", u64::MAX),
        ];
        for (input, want) in cases {
            assert_eq!(parse_size(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_sizes() {
        let cases = [
            ("", "bad size ``: expected"),
            ("KiB", "bad size `KiB`"),
            ("-1", "bad size `-1`"),
            ("2 MiB", "bad size `2 MiB`"),
            ("2mib", "bad size `2mib`"),
            ("2Kb", "bad size `2Kb`"),
            ("1.5", "not a whole number of bytes"),
            ("1.0001KB", "not a whole number of bytes"),
            ("18446744073709551616", "too large"),
            ("16777216TiB", "too large"),
            ("2MiB/s", "bad size"),
        ];
        for (input, want) in cases {
            let err = parse_size(input).expect_err(input);
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn good_bandwidths() {
        let cases = [
            ("256KiB/s", 262_144),
            ("1MB/s", 1_000_000),
            ("1/s", 1),
            ("1.5MiB/s", 1_572_864),
            ("100B/s", 100),
        ];
        for (input, want) in cases {
            assert_eq!(parse_bandwidth(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_bandwidths() {
        let cases = [
            ("", "bad bandwidth ``: expected a size per second"),
            ("256KiB", "bad bandwidth `256KiB`"),
            ("256KiB/ms", "bad bandwidth `256KiB/ms`"),
            ("/s", "bad bandwidth `/s`"),
            ("fast/s", "bad bandwidth `fast/s`"),
            ("0/s", "at least 1 byte per second"),
            ("0KiB/s", "at least 1 byte per second"),
            ("0.5/s", "bad bandwidth"),
        ];
        for (input, want) in cases {
            let err = parse_bandwidth(input).expect_err(input);
            assert!(err.contains(want), "{input}: {err}");
        }
    }
}
