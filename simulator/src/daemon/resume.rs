//! Resume data (RES-7): an opaque blob to the app. Inside, what the daemon needs to ask
//! for the rest of the file: the URL, how many bytes are kept and where, and the validator.

use crate::app::ResumeData;

/// The fields inside resume data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResumeInfo {
    pub url: String,
    pub bytes: u64,
    /// The partial file, moved to the app's tmp/ on cancel (docs/bugs.md#p3): purgeable.
    pub temp_path: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

const MAGIC: &str = "bgsim-resume-data-v1";

impl ResumeInfo {
    pub fn encode(&self) -> ResumeData {
        let mut s = format!(
            "{MAGIC}\nurl={}\nbytes={}\ntemp={}\n",
            self.url, self.bytes, self.temp_path
        );
        if let Some(e) = &self.etag {
            s.push_str(&format!("etag={e}\n"));
        }
        if let Some(l) = &self.last_modified {
            s.push_str(&format!("last-modified={l}\n"));
        }
        ResumeData(s.into_bytes())
    }

    /// None for bytes that are not resume data (RES-6: the task then fails with -3003).
    pub fn decode(data: &ResumeData) -> Option<ResumeInfo> {
        let text = std::str::from_utf8(&data.0).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let (mut url, mut bytes, mut temp, mut etag, mut lm) = (None, None, None, None, None);
        for line in lines {
            let (k, v) = line.split_once('=')?;
            match k {
                "url" => url = Some(v.to_string()),
                "bytes" => bytes = v.parse().ok(),
                "temp" => temp = Some(v.to_string()),
                "etag" => etag = Some(v.to_string()),
                "last-modified" => lm = Some(v.to_string()),
                _ => return None,
            }
        }
        Some(ResumeInfo {
            url: url?,
            bytes: bytes?,
            temp_path: temp?,
            etag,
            last_modified: lm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let info = ResumeInfo {
            url: "http://h/a".into(),
            bytes: 42,
            temp_path: "tmp/CFNetworkDownload_x.tmp".into(),
            etag: Some("\"e\"".into()),
            last_modified: None,
        };
        assert_eq!(ResumeInfo::decode(&info.encode()), Some(info));
        assert_eq!(ResumeInfo::decode(&ResumeData(b"junk".to_vec())), None);
    }
}
