//! Content codings (docs/http.md#gzip): NSURLSession advertises the codings it
//! can decode and decodes transparently, so the file handed to didFinishDownloadingTo is
//! the content itself. Byte counts, progress and ranges refer to the encoded bytes (RFC
//! 9110 §8.4: a range of an encoded representation is a range of its encoded bytes), so the
//! temp file holds the encoded body, kept bytes of a resume included, and is decoded once
//! the body is complete.

use super::{Daemon, Env};
use crate::app::{TaskKey, UrlError};
use crate::trace::What;
use std::io::Read;

/// The Accept-Encoding the daemon sends with a download, as NSURLSession does.
pub(super) const ACCEPTED: &str = "gzip, deflate, br";

/// Decodes `body` in the content coding `coding`. `Err(code)`: the NSURLError.
fn decode(coding: &str, body: &[u8]) -> Result<Vec<u8>, i64> {
    let mut out = Vec::new();
    let read = match coding.trim().to_ascii_lowercase().as_str() {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body).read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(body).read_to_end(&mut out),
        // Advertised for fidelity; the fixture server never sends it.
        _ => return Err(UrlError::CANNOT_DECODE_CONTENT_DATA),
    };
    read.map(|_| out)
        .map_err(|_| UrlError::CANNOT_DECODE_RAW_DATA)
}

impl Daemon {
    /// The body of `key` is complete: if it came with a Content-Encoding, replaces the
    /// temp file's encoded bytes with the content. Returns false when it does not decode:
    /// the task has then failed with -1015 (or -1016 for a coding the daemon does not
    /// know).
    pub(super) fn decode_body(&mut self, env: &mut Env<'_>, key: &TaskKey) -> bool {
        let Some(t) = self.tasks.get_mut(key) else {
            return true;
        };
        let Some(coding) = t
            .content_encoding
            .clone()
            .filter(|c| !c.trim().eq_ignore_ascii_case("identity"))
        else {
            return true;
        };
        let decoded = env
            .sandbox
            .read(&t.temp_path)
            .map_err(|_| UrlError::CANNOT_WRITE_TO_FILE)
            .and_then(|body| decode(&coding, &body));
        let written = decoded.and_then(|content| {
            env.sandbox
                .write(&t.temp_path, &content)
                .map(|()| content.len() as u64)
                .map_err(|_| UrlError::CANNOT_WRITE_TO_FILE)
        });
        match written {
            Ok(decoded) => {
                env.record(What::Decoded {
                    task: key.clone(),
                    encoding: coding,
                    encoded: t.bytes_received,
                    decoded,
                });
                true
            }
            Err(code) => {
                let error = UrlError {
                    code,
                    cancel_reason: None,
                    resume_data: None,
                };
                self.complete_with_error(env, key, error);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn decodes_gzip_and_refuses_what_it_cannot() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(b"hello hello hello").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(decode("gzip", &gz).unwrap(), b"hello hello hello");
        assert_eq!(
            decode("gzip", &gz[..gz.len() / 2]),
            Err(UrlError::CANNOT_DECODE_RAW_DATA)
        );
        assert_eq!(decode("br", &gz), Err(UrlError::CANNOT_DECODE_CONTENT_DATA));
    }
}
