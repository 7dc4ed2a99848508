//! The files a scenario names: found from the scenario's folder up, and kept where
//! scenarios keep their data (a scenario file may come from anyone).

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::{Locator, Result};

/// The directory relative paths start from: the scenario file's own, made absolute so that
/// its ancestors reach the file system's root whatever the working directory.
pub(super) fn base_dir(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Finds the file a scenario names: an absolute path as is; a relative one in `base`, then
/// in each directory above it, so `fixtures/a.png` written in `scenarios/x.toml` finds the
/// repository's `fixtures/` folder. Missing is an error at the value.
///
/// A scenario file may come from anyone (a fuzzer, a pull request), so what it names must
/// stay where scenarios keep their data: inside the scenario's folder, inside a `fixtures/`
/// folder of it or of a folder above it, or inside a folder the caller allows
/// (`--allow-path`), symbolic links resolved. It must be a regular file that can be read:
/// not a folder, a device, a pipe or `/proc/self/mem`.
pub(super) fn resolve(
    value: &Spanned<String>,
    base: &Path,
    at: &Locator,
    allowed: &[PathBuf],
) -> Result<PathBuf> {
    let name = value.get_ref();
    let wanted = Path::new(name);
    let found = if name.is_empty() {
        None
    } else if wanted.is_absolute() {
        Some(wanted.to_path_buf()).filter(|p| p.exists())
    } else {
        base.ancestors()
            .map(|dir| dir.join(wanted))
            .find(|p| p.exists())
    };
    let Some(found) = found else {
        let message = if wanted.is_absolute() {
            format!("file `{name}` not found; expected an existing file")
        } else {
            format!(
                "file `{name}` not found in `{}` or any directory above it; expected an existing file",
                base.display()
            )
        };
        return Err(at.at(value.span(), message));
    };
    let real = found
        .canonicalize()
        .map_err(|e| at.at(value.span(), format!("cannot resolve file `{name}`: {e}")))?;
    let roots = allowed_roots(base, allowed);
    if !roots.iter().any(|root| real.starts_with(root)) {
        return Err(at.at(
            value.span(),
            format!(
                "file `{name}` is `{}`, outside the scenario's folder and its fixtures folders; expected a file there (or allow its folder with --allow-path)",
                real.display()
            ),
        ));
    }
    let regular = std::fs::metadata(&real).is_ok_and(|m| m.is_file());
    if !regular {
        return Err(at.at(
            value.span(),
            format!("`{name}` is not a regular file; expected a file"),
        ));
    }
    // A file can look regular and still refuse to be read (`/proc/self/mem`): read its
    // start now, so the failure is located here rather than in the middle of a run.
    let mut start = [0u8; 4096];
    let readable = std::fs::File::open(&real).and_then(|mut f| {
        use std::io::Read;
        f.read(&mut start)
    });
    if let Err(e) = readable {
        return Err(at.at(value.span(), format!("cannot read file `{name}`: {e}")));
    }
    Ok(real)
}

/// Where a scenario in `base` may take files from: `base`, the `fixtures/` folders of it
/// and of the folders above it, and `allowed`, each resolved.
fn allowed_roots(base: &Path, allowed: &[PathBuf]) -> Vec<PathBuf> {
    let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let fixtures = base.ancestors().map(|dir| dir.join("fixtures"));
    std::iter::once(base.clone())
        .chain(fixtures)
        .chain(allowed.iter().cloned())
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}
