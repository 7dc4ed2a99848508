//! `[expect]`: the checks a scenario expects to fail, the files the app must leave (from a
//! fixture or a file) and the paths it must not.

use std::path::Path;

use super::super::raw::RawExpect;
use super::super::{Expect, FileSource, FixtureSpec, Known};
use super::files::resolve;
use super::{container_path, list, Locator, Result};

pub(super) fn expect(
    raw: RawExpect,
    fixtures: &[FixtureSpec],
    base: &Path,
    at: &Locator,
    known: &Known,
) -> Result<Expect> {
    let mut violations: Vec<String> = Vec::with_capacity(raw.violations.len());
    for check in &raw.violations {
        let id = check.get_ref();
        if !known.checks.iter().any(|c| c == id) {
            return Err(at.at(
                check.span(),
                format!(
                    "unknown check `{id}`; expected one of: {}",
                    list(&known.checks)
                ),
            ));
        }
        if violations.contains(id) {
            return Err(at.at(
                check.span(),
                format!("check `{id}` is listed twice; expected each at most once"),
            ));
        }
        violations.push(id.clone());
    }
    let mut files = Vec::with_capacity(raw.files.0.len());
    for (dest, source) in &raw.files.0 {
        let dest = container_path(dest, at)?;
        let s = source.get_ref();
        let source = if fixtures.iter().any(|f| &f.path == s) {
            FileSource::Fixture(s.clone())
        } else {
            FileSource::File(resolve(source, base, at, &known.allowed_paths).map_err(|mut err| {
                // `/a.png` is far more likely a fixture path with a typo than a file at the
                // root of the file system: say so.
                if s.starts_with('/') && err.message.contains("not found") {
                    err.message = format!(
                        "`{s}` is neither a declared fixture nor an existing file; expected one of them"
                    );
                }
                err
            })?)
        };
        files.push((dest, source));
    }
    // toml's table order depends on a crate feature; sorting keeps the result the same
    // whatever the build.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut absent = Vec::with_capacity(raw.absent.len());
    for path in &raw.absent {
        let p = container_path(path, at)?;
        if files.iter().any(|(dest, _)| *dest == p) {
            return Err(at.at(
                path.span(),
                format!("`{p}` is both in `files` and `absent`; expected one or the other"),
            ));
        }
        absent.push(p);
    }
    Ok(Expect {
        violations,
        files,
        absent,
    })
}
