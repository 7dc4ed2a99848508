//! The response decision for a fixture: conditional requests and byte ranges (RFC 9110 §13,
//! §14), as a pure function with no I/O so every rule can be tested on its own.
//!
//! Invalid input never panics and never produces an error status of our own invention: the
//! RFC lets a server ignore a Range it cannot parse, so that is what we do.

use std::ops::Range;
use std::time::SystemTime;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

use super::fixture::{AcceptRanges, FixtureVersion};

/// What to send for one request: status, headers and which bytes of the content form the
/// body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Response status: 200, 206, 304, 412 or 416.
    pub status: StatusCode,
    /// Response headers, including Content-Length where the status allows one.
    pub headers: HeaderMap,
    /// Byte range of the content that forms the body; empty when there is no body.
    ///
    /// For HEAD this is what GET would have sent; the caller sends no body but keeps the
    /// headers, Content-Length included.
    pub body: Range<u64>,
}

/// Decides the response to `method` with request `headers` for the fixture version being
/// served, given the fixture's range policy.
///
/// Preconditions are evaluated in RFC 9110 §13.2.2 order (If-Match, If-Unmodified-Since,
/// If-None-Match, If-Modified-Since), then If-Range, then Range. The caller has already dealt
/// with unknown paths and methods other than GET and HEAD.
pub fn decide(
    method: &Method,
    headers: &HeaderMap,
    version: &FixtureVersion,
    accept_ranges: AcceptRanges,
) -> Decision {
    let len = version.content.len();
    let last_modified = httpdate::parse_http_date(&version.last_modified).ok();
    let is_get_or_head = method == Method::GET || method == Method::HEAD;

    // Step 1 and 2 (§13.2.2): If-Match, else If-Unmodified-Since.
    if let Some(list) = list_field(headers, &header::IF_MATCH) {
        if !if_match_passes(&list, &version.etag) {
            return empty(StatusCode::PRECONDITION_FAILED, HeaderMap::new());
        }
    } else if let (Some(since), Some(modified)) = (
        date_field(headers, &header::IF_UNMODIFIED_SINCE),
        last_modified,
    ) {
        if modified > since {
            return empty(StatusCode::PRECONDITION_FAILED, HeaderMap::new());
        }
    }

    // Step 3 and 4: If-None-Match, else If-Modified-Since (the latter only for GET/HEAD).
    let not_modified = if let Some(list) = list_field(headers, &header::IF_NONE_MATCH) {
        if_none_match_fails(&list, &version.etag)
    } else if is_get_or_head {
        match (
            date_field(headers, &header::IF_MODIFIED_SINCE),
            last_modified,
        ) {
            (Some(since), Some(modified)) => modified <= since,
            _ => false,
        }
    } else {
        false
    };
    if not_modified {
        if is_get_or_head {
            let mut h = HeaderMap::new();
            put(&mut h, header::ETAG, &version.etag);
            put(&mut h, header::LAST_MODIFIED, &version.last_modified);
            return empty(StatusCode::NOT_MODIFIED, h);
        }
        return empty(StatusCode::PRECONDITION_FAILED, HeaderMap::new());
    }

    // Step 5 and the Range itself: only for GET on a fixture that supports ranges.
    let ranges_supported = accept_ranges.honours_ranges();
    let range = if method == Method::GET && ranges_supported {
        match single_field(headers, &header::RANGE) {
            Field::Absent => None,
            Field::Invalid => None,
            Field::One(value) => {
                if headers.contains_key(header::IF_RANGE)
                    && !if_range_holds(headers, &version.etag, &version.last_modified)
                {
                    None
                } else {
                    parse_range(value)
                }
            }
        }
    } else {
        None
    };

    let mut h = HeaderMap::new();
    match range.map(|spec| spec.resolve(len)) {
        Some(Resolved::Unsatisfiable) => {
            put(&mut h, header::CONTENT_RANGE, &format!("bytes */{len}"));
            empty(StatusCode::RANGE_NOT_SATISFIABLE, h)
        }
        Some(Resolved::Bytes { first, last }) => {
            put(
                &mut h,
                header::CONTENT_RANGE,
                &format!("bytes {first}-{last}/{len}"),
            );
            representation_headers(&mut h, last - first + 1, version, accept_ranges);
            Decision {
                status: StatusCode::PARTIAL_CONTENT,
                headers: h,
                body: first..last + 1,
            }
        }
        // No Range, an ignored Range, or a satisfiable one we cannot express as a 206
        // (a suffix of an empty representation): the whole representation.
        Some(Resolved::Whole) | None => {
            representation_headers(&mut h, len, version, accept_ranges);
            Decision {
                status: StatusCode::OK,
                headers: h,
                body: 0..len,
            }
        }
    }
}

/// Headers shared by 200 and 206.
fn representation_headers(
    h: &mut HeaderMap,
    body_len: u64,
    version: &FixtureVersion,
    accept_ranges: AcceptRanges,
) {
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    put(h, header::ETAG, &version.etag);
    put(h, header::LAST_MODIFIED, &version.last_modified);
    match accept_ranges {
        AcceptRanges::Bytes => put(h, header::ACCEPT_RANGES, "bytes"),
        AcceptRanges::None => put(h, header::ACCEPT_RANGES, "none"),
        AcceptRanges::Absent | AcceptRanges::Unadvertised => {}
    }
    put(h, header::CONTENT_TYPE, &version.content_type);
}

/// A bodiless response. 412 and 416 get an explicit zero length; 304 must not carry one
/// that describes its own (absent) body, so it gets none.
fn empty(status: StatusCode, mut headers: HeaderMap) -> Decision {
    if status != StatusCode::NOT_MODIFIED {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
    }
    Decision {
        status,
        headers,
        body: 0..0,
    }
}

/// Inserts a header, silently skipping a value that is not a legal header value (possible
/// only if someone forged a version with odd validators), rather than panicking.
fn put(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

enum Field<'a> {
    Absent,
    Invalid,
    One(&'a str),
}

/// A singleton field. Repeating it, or non-ASCII bytes, makes it invalid.
fn single_field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Field<'a> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Field::Absent,
        (Some(v), None) => match v.to_str() {
            Ok(s) => Field::One(s.trim()),
            Err(_) => Field::Invalid,
        },
        (Some(_), Some(_)) => Field::Invalid,
    }
}

/// A list field: all its lines joined, as RFC 9110 §5.3 allows. `None` when absent.
/// Lines that are not visible ASCII become an empty string, which matches nothing.
fn list_field(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    let parts: Vec<&str> = values.map(|v| v.to_str().unwrap_or("")).collect();
    Some(parts.join(","))
}

/// An HTTP-date field; absent or invalid dates are treated as absent, so the condition is
/// not evaluated (RFC 9110 §13.1.3, §13.1.4).
fn date_field(headers: &HeaderMap, name: &HeaderName) -> Option<SystemTime> {
    match single_field(headers, name) {
        Field::One(s) => httpdate::parse_http_date(s).ok(),
        _ => None,
    }
}

/// One element of an entity-tag list.
#[derive(Debug, PartialEq, Eq)]
enum TagItem<'a> {
    Any,
    Tag { weak: bool, opaque: &'a str },
    Invalid,
}

/// Splits `*` or `#entity-tag` into items. Commas inside quotes belong to the tag, and empty
/// list elements are skipped as §5.6.1 requires.
fn tag_list(s: &str) -> Vec<TagItem<'_>> {
    let mut items = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return items;
        }
        let (item, after) = parse_tag(rest);
        items.push(item);
        // After an item, only whitespace and then a comma (or the end) may follow.
        let after = after.trim_start_matches([' ', '\t']);
        if after.is_empty() || after.starts_with(',') {
            rest = after;
        } else {
            // Garbage glued to the item: invalidate it and resync at the next comma.
            if let Some(last) = items.last_mut() {
                *last = TagItem::Invalid;
            }
            rest = match after.find(',') {
                Some(i) => &after[i..],
                None => "",
            };
        }
    }
}

/// Parses one item at the start of `s`, returning it and the unparsed remainder.
fn parse_tag(s: &str) -> (TagItem<'_>, &str) {
    if let Some(rest) = s.strip_prefix('*') {
        return (TagItem::Any, rest);
    }
    let (weak, quoted) = match s.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if let Some(body) = quoted.strip_prefix('"') {
        if let Some(end) = body.find('"') {
            let opaque = &body[..end];
            // etagc is %x21 / %x23-7E / obs-text; to_str() already excluded obs-text.
            if opaque
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b))
            {
                return (TagItem::Tag { weak, opaque }, &body[end + 1..]);
            }
        }
    }
    let next = s.find(',').unwrap_or(s.len());
    (TagItem::Invalid, &s[next..])
}

/// Splits our own ETag into weakness and opaque part; `None` if it is not a valid tag.
fn own_tag(etag: &str) -> Option<(bool, &str)> {
    match parse_tag(etag.trim()) {
        (TagItem::Tag { weak, opaque }, "") => Some((weak, opaque)),
        _ => None,
    }
}

/// If-Match: `*` or any tag equal by strong comparison (§13.1.1).
fn if_match_passes(list: &str, etag: &str) -> bool {
    let ours = own_tag(etag);
    tag_list(list).iter().any(|item| match item {
        TagItem::Any => true,
        TagItem::Tag { weak, opaque } => matches!(ours, Some((false, o)) if !weak && o == *opaque),
        TagItem::Invalid => false,
    })
}

/// If-None-Match: false (so 304/412) when `*` is given or any tag matches by weak
/// comparison (§13.1.2).
fn if_none_match_fails(list: &str, etag: &str) -> bool {
    let ours = own_tag(etag);
    tag_list(list).iter().any(|item| match item {
        TagItem::Any => true,
        TagItem::Tag { opaque, .. } => matches!(ours, Some((_, o)) if o == *opaque),
        TagItem::Invalid => false,
    })
}

/// If-Range (§13.1.5): an entity tag must match our strong ETag by strong comparison; a date
/// must equal our Last-Modified field value exactly. Anything else, including a repeated or
/// unparseable field, is false.
fn if_range_holds(headers: &HeaderMap, etag: &str, last_modified: &str) -> bool {
    let value = match single_field(headers, &header::IF_RANGE) {
        Field::One(v) => v,
        _ => return false,
    };
    // §13.1.5: a tag is recognisable by its leading DQUOTE (or the weak prefix).
    if value.starts_with('"') || value.starts_with("W/") {
        let theirs = match parse_tag(value) {
            (TagItem::Tag { weak, opaque }, rest) if rest.trim().is_empty() => (weak, opaque),
            _ => return false,
        };
        return matches!((own_tag(etag), theirs), (Some((false, o)), (false, t)) if o == t);
    }
    // Our Last-Modified values are a day apart per version, so they are strong validators and
    // an exact match is meaningful. The comparison is on the field value, as the RFC words it,
    // so the same instant written in another date format does not match.
    httpdate::parse_http_date(value).is_ok() && value == last_modified.trim()
}

/// A syntactically valid single byte-range-spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RangeSpec {
    /// `first-` or `first-last`; `last` absent means to the end.
    FromTo { first: u64, last: Option<u64> },
    /// `-n`: the final n bytes.
    Suffix(u64),
}

/// The outcome of applying a RangeSpec to a representation of known length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolved {
    Bytes {
        first: u64,
        last: u64,
    },
    Unsatisfiable,
    /// Satisfiable but not expressible as a 206: a non-zero suffix of an empty body.
    Whole,
}

impl RangeSpec {
    fn resolve(self, len: u64) -> Resolved {
        match self {
            RangeSpec::FromTo { first, last } => {
                if first >= len {
                    return Resolved::Unsatisfiable;
                }
                // len > first >= 0, so len - 1 cannot underflow.
                let last = last.map_or(len - 1, |l| l.min(len - 1));
                Resolved::Bytes { first, last }
            }
            RangeSpec::Suffix(0) => Resolved::Unsatisfiable,
            RangeSpec::Suffix(_) if len == 0 => Resolved::Whole,
            RangeSpec::Suffix(n) => Resolved::Bytes {
                first: len - n.min(len),
                last: len - 1,
            },
        }
    }
}

/// Parses a Range field value. Returns `None` (ignore the Range) for an unknown unit,
/// malformed syntax, or more than one range.
fn parse_range(value: &str) -> Option<RangeSpec> {
    let (unit, set) = value.split_once('=')?;
    // Range units are case-insensitive (§14.1).
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    // Empty list elements are legal and ignored; several real ones mean multiple ranges,
    // which this server answers with the full representation (allowed by §14.2).
    let mut specs = set
        .split(',')
        .map(|s| s.trim_matches([' ', '\t']))
        .filter(|s| !s.is_empty());
    let spec = specs.next()?;
    if specs.next().is_some() {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    if first.is_empty() {
        return Some(RangeSpec::Suffix(digits(last)?));
    }
    let first = digits(first)?;
    let last = if last.is_empty() {
        None
    } else {
        let last = digits(last)?;
        if last < first {
            return None;
        }
        Some(last)
    };
    Some(RangeSpec::FromTo { first, last })
}

/// Parses `1*DIGIT`, saturating at u64::MAX. Saturation keeps huge numerals meaningful
/// (a huge first byte is unsatisfiable, a huge last byte is clamped, a huge suffix means the
/// whole body) without overflow. `str::parse` is avoided because it accepts a leading `+`.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::fixture::Content;
    use bytes::Bytes;

    const LEN: u64 = 1000;

    fn version(len: u64) -> FixtureVersion {
        FixtureVersion::new(
            "/f.bin",
            0,
            Content::Generated {
                size_bytes: len,
                seed: 7,
            },
            "application/octet-stream",
        )
    }

    fn req(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn run(method: Method, len: u64, pairs: &[(&str, &str)]) -> Decision {
        decide(&method, &req(pairs), &version(len), AcceptRanges::Bytes)
    }

    fn get(pairs: &[(&str, &str)]) -> Decision {
        run(Method::GET, LEN, pairs)
    }

    fn header(d: &Decision, name: HeaderName) -> Option<&str> {
        d.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts status, Content-Range and body range in one go.
    fn check(d: &Decision, status: u16, content_range: Option<&str>, body: Range<u64>) {
        assert_eq!(d.status.as_u16(), status, "{d:?}");
        assert_eq!(header(d, header::CONTENT_RANGE), content_range, "{d:?}");
        assert_eq!(d.body, body, "{d:?}");
    }

    fn full(d: &Decision) {
        check(d, 200, None, 0..LEN);
        assert_eq!(header(d, header::CONTENT_LENGTH), Some("1000"));
    }

    fn etag() -> String {
        version(LEN).etag
    }

    fn last_modified() -> String {
        version(LEN).last_modified
    }

    // ---- plain GET / HEAD ----

    #[test]
    fn get_without_range_is_full_200_with_representation_headers() {
        let d = get(&[]);
        full(&d);
        assert_eq!(header(&d, header::ETAG), Some(etag().as_str()));
        assert_eq!(
            header(&d, header::LAST_MODIFIED),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        assert_eq!(header(&d, header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(
            header(&d, header::CONTENT_TYPE),
            Some("application/octet-stream")
        );
    }

    #[test]
    fn head_ignores_range() {
        let d = run(Method::HEAD, LEN, &[("range", "bytes=0-9")]);
        full(&d);
    }

    #[test]
    fn range_on_other_methods_is_ignored() {
        let d = run(Method::POST, LEN, &[("range", "bytes=0-9")]);
        full(&d);
    }

    // ---- the three range forms ----

    #[test]
    fn first_last() {
        let d = get(&[("range", "bytes=0-99")]);
        check(&d, 206, Some("bytes 0-99/1000"), 0..100);
        assert_eq!(header(&d, header::CONTENT_LENGTH), Some("100"));
        assert_eq!(header(&d, header::ETAG), Some(etag().as_str()));
        assert_eq!(header(&d, header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(
            header(&d, header::CONTENT_TYPE),
            Some("application/octet-stream")
        );
        assert!(d.headers.contains_key(header::LAST_MODIFIED));
    }

    #[test]
    fn single_byte_ranges() {
        check(
            &get(&[("range", "bytes=0-0")]),
            206,
            Some("bytes 0-0/1000"),
            0..1,
        );
        check(
            &get(&[("range", "bytes=999-999")]),
            206,
            Some("bytes 999-999/1000"),
            999..1000,
        );
        check(
            &get(&[("range", "bytes=-1")]),
            206,
            Some("bytes 999-999/1000"),
            999..1000,
        );
    }

    #[test]
    fn last_past_eof_is_clamped() {
        check(
            &get(&[("range", "bytes=500-5000")]),
            206,
            Some("bytes 500-999/1000"),
            500..1000,
        );
        check(
            &get(&[("range", "bytes=0-99999999999999999999999999")]),
            206,
            Some("bytes 0-999/1000"),
            0..1000,
        );
    }

    #[test]
    fn open_ended() {
        check(
            &get(&[("range", "bytes=100-")]),
            206,
            Some("bytes 100-999/1000"),
            100..1000,
        );
        check(
            &get(&[("range", "bytes=0-")]),
            206,
            Some("bytes 0-999/1000"),
            0..1000,
        );
        check(
            &get(&[("range", "bytes=999-")]),
            206,
            Some("bytes 999-999/1000"),
            999..1000,
        );
    }

    #[test]
    fn suffix() {
        check(
            &get(&[("range", "bytes=-100")]),
            206,
            Some("bytes 900-999/1000"),
            900..1000,
        );
        check(
            &get(&[("range", "bytes=-1000")]),
            206,
            Some("bytes 0-999/1000"),
            0..1000,
        );
    }

    #[test]
    fn suffix_longer_than_body_is_whole_body() {
        check(
            &get(&[("range", "bytes=-5000")]),
            206,
            Some("bytes 0-999/1000"),
            0..1000,
        );
        check(
            &get(&[("range", "bytes=-184467440737095516150000")]),
            206,
            Some("bytes 0-999/1000"),
            0..1000,
        );
    }

    #[test]
    fn unit_and_whitespace_tolerance() {
        check(
            &get(&[("range", "BYTES=0-9")]),
            206,
            Some("bytes 0-9/1000"),
            0..10,
        );
        check(
            &get(&[("range", "bytes= 0-9 ")]),
            206,
            Some("bytes 0-9/1000"),
            0..10,
        );
        // Empty list elements do not count as extra ranges.
        check(
            &get(&[("range", "bytes=0-9,")]),
            206,
            Some("bytes 0-9/1000"),
            0..10,
        );
        check(
            &get(&[("range", "bytes=, 0-9")]),
            206,
            Some("bytes 0-9/1000"),
            0..10,
        );
    }

    // ---- unsatisfiable ----

    #[test]
    fn first_at_or_past_eof_is_416() {
        for r in [
            "bytes=1000-",
            "bytes=1000-2000",
            "bytes=5000-",
            "bytes=99999999999999999999999-",
        ] {
            let d = get(&[("range", r)]);
            check(&d, 416, Some("bytes */1000"), 0..0);
            assert_eq!(header(&d, header::CONTENT_LENGTH), Some("0"));
        }
    }

    #[test]
    fn resume_exactly_at_eof_is_416() {
        check(
            &get(&[("range", "bytes=1000-")]),
            416,
            Some("bytes */1000"),
            0..0,
        );
    }

    #[test]
    fn zero_suffix_is_416() {
        check(
            &get(&[("range", "bytes=-0")]),
            416,
            Some("bytes */1000"),
            0..0,
        );
    }

    #[test]
    fn empty_representation() {
        check(
            &run(Method::GET, 0, &[("range", "bytes=0-")]),
            416,
            Some("bytes */0"),
            0..0,
        );
        check(
            &run(Method::GET, 0, &[("range", "bytes=-0")]),
            416,
            Some("bytes */0"),
            0..0,
        );
        // A non-zero suffix is satisfiable but a 206 cannot describe zero bytes: full 200.
        check(
            &run(Method::GET, 0, &[("range", "bytes=-5")]),
            200,
            None,
            0..0,
        );
        check(&run(Method::GET, 0, &[]), 200, None, 0..0);
    }

    // ---- ignored ranges ----

    #[test]
    fn malformed_ranges_are_ignored() {
        for r in [
            "bytes=",
            "bytes=-",
            "bytes=abc",
            "bytes=1-a",
            "bytes=a-1",
            "bytes=10-5",
            "bytes=+1-5",
            "bytes=1-+5",
            "bytes=--5",
            "bytes=1--5",
            "bytes=1",
            "bytes 0-5",
            "0-5",
            "bytes=0x10-20",
            "bytes=5 -6",
            "=0-5",
            "bytes=,",
            "bytes=0-5;",
        ] {
            full(&get(&[("range", r)]));
        }
    }

    #[test]
    fn unknown_unit_is_ignored() {
        full(&get(&[("range", "items=0-5")]));
        full(&get(&[("range", "bytesx=0-5")]));
    }

    #[test]
    fn multiple_ranges_are_ignored() {
        full(&get(&[("range", "bytes=0-5,10-15")]));
        full(&get(&[("range", "bytes=0-5, -3")]));
        full(&get(&[("range", "bytes=0-5"), ("range", "bytes=10-15")]));
    }

    #[test]
    fn non_ascii_range_is_ignored() {
        let mut h = HeaderMap::new();
        h.insert(
            header::RANGE,
            HeaderValue::from_bytes(b"bytes=0-\xff").unwrap(),
        );
        full(&decide(
            &Method::GET,
            &h,
            &version(LEN),
            AcceptRanges::Bytes,
        ));
    }

    #[test]
    fn ranges_not_supported() {
        for policy in [AcceptRanges::None, AcceptRanges::Absent] {
            let h = req(&[("range", "bytes=0-9"), ("if-range", &etag())]);
            let d = decide(&Method::GET, &h, &version(LEN), policy);
            full(&d);
            let ar = header(&d, header::ACCEPT_RANGES);
            match policy {
                AcceptRanges::None => assert_eq!(ar, Some("none")),
                _ => assert_eq!(ar, None),
            }
            // An unsatisfiable range is ignored too: there is no range support to reject it.
            let d = decide(
                &Method::GET,
                &req(&[("range", "bytes=5000-")]),
                &version(LEN),
                policy,
            );
            full(&d);
        }
    }

    #[test]
    fn unadvertised_ranges_are_honoured_without_the_header() {
        let h = req(&[("range", "bytes=10-"), ("if-range", &etag())]);
        let d = decide(&Method::GET, &h, &version(LEN), AcceptRanges::Unadvertised);
        check(&d, 206, Some("bytes 10-999/1000"), 10..1000);
        assert_eq!(header(&d, header::ACCEPT_RANGES), None);
        let h = req(&[("range", "bytes=5000-")]);
        let d = decide(&Method::GET, &h, &version(LEN), AcceptRanges::Unadvertised);
        assert_eq!(d.status, StatusCode::RANGE_NOT_SATISFIABLE);
        let d = decide(
            &Method::GET,
            &req(&[]),
            &version(LEN),
            AcceptRanges::Unadvertised,
        );
        full(&d);
        assert_eq!(header(&d, header::ACCEPT_RANGES), None);
    }

    // ---- If-Range ----

    #[test]
    fn if_range_matching_etag_gives_206() {
        let d = get(&[("range", "bytes=10-"), ("if-range", &etag())]);
        check(&d, 206, Some("bytes 10-999/1000"), 10..1000);
    }

    #[test]
    fn if_range_other_etag_gives_full_200() {
        full(&get(&[("range", "bytes=10-"), ("if-range", "\"nope\"")]));
    }

    #[test]
    fn if_range_weak_etag_never_matches() {
        let weak = format!("W/{}", etag());
        full(&get(&[("range", "bytes=10-"), ("if-range", &weak)]));
    }

    #[test]
    fn if_range_exact_date_gives_206() {
        let d = get(&[("range", "bytes=10-19"), ("if-range", &last_modified())]);
        check(&d, 206, Some("bytes 10-19/1000"), 10..20);
    }

    #[test]
    fn if_range_other_date_gives_full_200() {
        full(&get(&[
            ("range", "bytes=10-"),
            ("if-range", "Thu, 01 Jan 2026 00:00:01 GMT"),
        ]));
        full(&get(&[
            ("range", "bytes=10-"),
            ("if-range", "Fri, 02 Jan 2026 00:00:00 GMT"),
        ]));
        full(&get(&[
            ("range", "bytes=10-"),
            ("if-range", "Wed, 31 Dec 2025 23:59:59 GMT"),
        ]));
    }

    #[test]
    fn if_range_same_instant_in_another_format_does_not_match() {
        full(&get(&[
            ("range", "bytes=10-"),
            ("if-range", "Thursday, 01-Jan-26 00:00:00 GMT"),
        ]));
    }

    #[test]
    fn if_range_garbage_gives_full_200() {
        for v in [
            "garbage",
            "\"unterminated",
            "",
            "W/",
            "\"a\" \"b\"",
            "\"a\",\"b\"",
        ] {
            full(&get(&[("range", "bytes=10-"), ("if-range", v)]));
        }
        let e = etag();
        full(&get(&[
            ("range", "bytes=10-"),
            ("if-range", &e),
            ("if-range", &e),
        ]));
    }

    #[test]
    fn if_range_does_not_rescue_an_unsatisfiable_range_from_416() {
        let d = get(&[("range", "bytes=1000-"), ("if-range", &etag())]);
        check(&d, 416, Some("bytes */1000"), 0..0);
        // But a failed If-Range means the range is never looked at.
        full(&get(&[("range", "bytes=1000-"), ("if-range", "\"old\"")]));
    }

    #[test]
    fn if_range_without_range_is_ignored() {
        full(&get(&[("if-range", "\"old\"")]));
        full(&get(&[("if-range", &etag())]));
    }

    // ---- preconditions ----

    #[test]
    fn if_match() {
        let e = etag();
        check(&get(&[("if-match", &e)]), 200, None, 0..LEN);
        check(&get(&[("if-match", "*")]), 200, None, 0..LEN);
        check(
            &get(&[("if-match", &format!("\"x\", {e}"))]),
            200,
            None,
            0..LEN,
        );
        check(
            &get(&[("if-match", "\"x\""), ("if-match", &e)]),
            200,
            None,
            0..LEN,
        );
        check(&get(&[("if-match", "\"x\"")]), 412, None, 0..0);
        // Strong comparison: a weak form of our own tag does not match.
        check(&get(&[("if-match", &format!("W/{e}"))]), 412, None, 0..0);
        check(&get(&[("if-match", "garbage")]), 412, None, 0..0);
        // If-Match passes, so the range is served.
        let d = get(&[("if-match", &e), ("range", "bytes=0-1")]);
        check(&d, 206, Some("bytes 0-1/1000"), 0..2);
        // A failing If-Match beats a Range.
        check(
            &get(&[("if-match", "\"x\""), ("range", "bytes=0-1")]),
            412,
            None,
            0..0,
        );
    }

    #[test]
    fn if_unmodified_since() {
        let lm = last_modified();
        full(&get(&[("if-unmodified-since", &lm)]));
        full(&get(&[(
            "if-unmodified-since",
            "Sat, 01 Jan 2050 00:00:00 GMT",
        )]));
        let d = get(&[("if-unmodified-since", "Wed, 31 Dec 2025 00:00:00 GMT")]);
        check(&d, 412, None, 0..0);
        // Invalid dates are ignored.
        full(&get(&[("if-unmodified-since", "yesterday")]));
        // Only evaluated when If-Match is absent.
        let e = etag();
        let d = get(&[
            ("if-match", &e),
            ("if-unmodified-since", "Wed, 31 Dec 2025 00:00:00 GMT"),
        ]);
        full(&d);
    }

    #[test]
    fn if_none_match() {
        let e = etag();
        let d = get(&[("if-none-match", &e)]);
        check(&d, 304, None, 0..0);
        assert_eq!(header(&d, header::ETAG), Some(e.as_str()));
        assert_eq!(
            header(&d, header::LAST_MODIFIED),
            Some(last_modified().as_str())
        );
        assert_eq!(header(&d, header::CONTENT_LENGTH), None);
        // Weak comparison: W/ on their side still matches.
        check(
            &get(&[("if-none-match", &format!("W/{e}"))]),
            304,
            None,
            0..0,
        );
        check(&get(&[("if-none-match", "*")]), 304, None, 0..0);
        check(
            &get(&[("if-none-match", &format!("\"a\", {e}"))]),
            304,
            None,
            0..0,
        );
        full(&get(&[("if-none-match", "\"a\"")]));
        // HEAD gets 304 too; other methods get 412.
        check(
            &run(Method::HEAD, LEN, &[("if-none-match", &e)]),
            304,
            None,
            0..0,
        );
        check(
            &run(Method::DELETE, LEN, &[("if-none-match", &e)]),
            412,
            None,
            0..0,
        );
        // 304 wins over Range.
        check(
            &get(&[("if-none-match", &e), ("range", "bytes=0-1")]),
            304,
            None,
            0..0,
        );
    }

    #[test]
    fn if_modified_since() {
        let lm = last_modified();
        check(&get(&[("if-modified-since", &lm)]), 304, None, 0..0);
        check(
            &get(&[("if-modified-since", "Sat, 01 Jan 2050 00:00:00 GMT")]),
            304,
            None,
            0..0,
        );
        full(&get(&[(
            "if-modified-since",
            "Wed, 31 Dec 2025 00:00:00 GMT",
        )]));
        full(&get(&[("if-modified-since", "not a date")]));
        // Ignored for methods other than GET and HEAD.
        full(&run(Method::POST, LEN, &[("if-modified-since", &lm)]));
        // Ignored when If-None-Match is present.
        full(&get(&[
            ("if-none-match", "\"a\""),
            ("if-modified-since", &lm),
        ]));
    }

    #[test]
    fn precedence_if_match_before_if_none_match() {
        let e = etag();
        check(
            &get(&[("if-match", "\"x\""), ("if-none-match", &e)]),
            412,
            None,
            0..0,
        );
        check(
            &get(&[("if-match", &e), ("if-none-match", &e)]),
            304,
            None,
            0..0,
        );
    }

    #[test]
    fn precedence_if_unmodified_since_before_if_modified_since() {
        let d = get(&[
            ("if-unmodified-since", "Wed, 31 Dec 2025 00:00:00 GMT"),
            ("if-modified-since", "Sat, 01 Jan 2050 00:00:00 GMT"),
        ]);
        check(&d, 412, None, 0..0);
    }

    #[test]
    fn tag_list_parsing() {
        assert_eq!(
            tag_list("\"a,b\", W/\"c\" ,*,,"),
            vec![
                TagItem::Tag {
                    weak: false,
                    opaque: "a,b"
                },
                TagItem::Tag {
                    weak: true,
                    opaque: "c"
                },
                TagItem::Any,
            ]
        );
        assert_eq!(
            tag_list("\"a\"x, \"b\""),
            vec![
                TagItem::Invalid,
                TagItem::Tag {
                    weak: false,
                    opaque: "b"
                }
            ]
        );
        assert_eq!(tag_list("w/\"a\""), vec![TagItem::Invalid]);
        assert_eq!(tag_list(""), vec![]);
    }

    #[test]
    fn digits_saturate_and_reject_signs() {
        assert_eq!(digits("0"), Some(0));
        assert_eq!(digits("18446744073709551615"), Some(u64::MAX));
        assert_eq!(digits("18446744073709551616"), Some(u64::MAX));
        assert_eq!(digits("+1"), None);
        assert_eq!(digits(""), None);
        assert_eq!(digits("1 "), None);
    }

    #[test]
    fn range_near_u64_max_on_huge_content() {
        let len = u64::MAX;
        let d = run(
            Method::GET,
            len,
            &[("range", "bytes=18446744073709551613-")],
        );
        check(
            &d,
            206,
            Some("bytes 18446744073709551613-18446744073709551614/18446744073709551615"),
            u64::MAX - 2..u64::MAX,
        );
        let d = run(
            Method::GET,
            len,
            &[("range", "bytes=-99999999999999999999999")],
        );
        check(
            &d,
            206,
            Some("bytes 0-18446744073709551614/18446744073709551615"),
            0..u64::MAX,
        );
    }

    #[test]
    fn bytes_content_works_too() {
        let v = FixtureVersion::new(
            "/t.txt",
            0,
            Content::Bytes(Bytes::from_static(b"abc")),
            "text/plain",
        );
        let d = decide(
            &Method::GET,
            &req(&[("range", "bytes=1-")]),
            &v,
            AcceptRanges::Bytes,
        );
        check(&d, 206, Some("bytes 1-2/3"), 1..3);
    }
}
