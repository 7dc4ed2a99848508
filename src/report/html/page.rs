//! The page around the data: one HTML file with its style, its script and its data inline.
//! Nothing is fetched (a Content-Security-Policy forbids it), so the file opens from a CI
//! artifact or a mail attachment as it is. The data goes in a `<script type=
//! "application/json">` with `<`, `>` and `&` written as JSON escapes, so no string from a
//! scenario file can close that element; the script renders every string with
//! `textContent`, never as markup.

use serde::Serialize;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// `value` as JSON that is safe inside a `<script>` element: the characters that could
/// end it or open a comment become `\u003c`, `\u003e`, `\u0026`. JSON.parse reads them back
/// as they were.
pub fn embed<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line separators are valid in JSON strings but end lines in some readers.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page for `data` (already [`embed`]ded).
pub fn page(data: &str) -> String {
    let mut out = String::with_capacity(data.len() + STYLE.len() + SCRIPT.len() + 1024);
    out.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n",
        "<meta name=\"viewport\" content=\"width=device-width\">\n",
        "<title>bgsim timeline</title>\n<style>\n"
    ));
    out.push_str(STYLE);
    // Errors are collected before the page's script runs, so a test (or a person, in the
    // console) sees any that happened while drawing.
    out.push_str(concat!(
        "</style>\n<script>window.bgsimErrors = [];\n",
        "window.addEventListener('error', function (e) { window.bgsimErrors.push(String(e.message)); });\n",
        "</script>\n</head>\n<body>\n",
        "<header><h1 id=\"heading\"></h1><p id=\"note\"></p><nav><ol id=\"index\"></ol></nav></header>\n",
        "<main id=\"scenarios\"></main>\n",
        "<aside id=\"details\"><div id=\"detail-title\">Click a mark or a violation.</div>",
        "<pre id=\"detail-line\"></pre><ol id=\"detail-events\"></ol></aside>\n",
        "<div id=\"tip\" hidden></div>\n",
        "<script type=\"application/json\" id=\"data\">"
    ));
    out.push_str(data);
    out.push_str("</script>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let hostile = "</script><script>alert(1)</script><!-- & \u{2028}";
        let data = embed(&serde_json::json!({ "name": hostile }));
        assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert_eq!(back["name"], hostile, "JSON.parse gives the name back as it was");
        let html = page(&data);
        // The only `</script>`s are the page's own: the error catcher, the data, the script.
        assert_eq!(html.matches("</script>").count(), 3);
    }

    #[test]
    fn the_page_fetches_nothing() {
        // The SVG namespace is a name, not an address the browser visits.
        let html = page("{}").replace("http://www.w3.org/2000/svg", "");
        assert!(html.contains("default-src 'none'"));
        for remote in ["http://", "https://", "src=", "href=\"http", "@import"] {
            assert!(!html.contains(remote), "{remote}");
        }
        assert!(!SCRIPT.contains("innerHTML"), "data is rendered with textContent only");
    }
}
