//! Helpers reading request fields: the journal's text form of a field, Basic credentials,
//! gzip acceptance, and percent-decoding of paths.

use http::header::{self, HeaderMap, HeaderName};

/// A request field as text for the journal: repeated lines joined with `, `, and bytes that
/// are not UTF-8 replaced rather than dropped, so odd input still shows up.
pub(super) fn field(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
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

/// The `user:password` of a `Basic` Authorization field (RFC 7617): the scheme is
/// case-insensitive, the token standard base64. `None` for anything else, or credentials
/// that are not UTF-8.
pub(super) fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(decoded).ok()
}

/// Whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3): `gzip` (or its
/// alias `x-gzip`, §8.4.1.3) with a non-zero weight, or else `*` with one. No field at all
/// means any coding is acceptable, but the identity representation is served then:
/// clients that handle gzip say so, and a download stays identity-encoded unless asked
/// (docs/http.md#gzip).
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for element in value.split(',') {
            let mut parts = element.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight_ok = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .is_none_or(|(_, q)| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(weight_ok),
                "*" => any = Some(weight_ok),
                _ => {}
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Decodes `%XX` escapes so `/a%20b.txt` finds the fixture loaded from `a b.txt`.
/// `None` when there is nothing to decode or the escapes do not form UTF-8.
pub(super) fn percent_decode(path: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, percent_decode};
    use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};

    #[test]
    fn gzip_acceptance() {
        let accepts = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            }
            accepts_gzip(&h)
        };
        assert!(!accepts(&[]));
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["deflate, GZip;q=0.5"]));
        assert!(accepts(&["br", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip; q=0.000, *"]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["*;q=0"]));
        assert!(accepts(&["*;q=0, gzip"]));
        assert!(!accepts(&["gzipped"]));
    }

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
