//! `[[step]]`: each step at its time (within the horizon) made the action it names; the keys
//! each step takes, and the steps beyond `download`: `upload` (API-1), `fetch` (API-4),
//! `suspend-task` and `resume-task` (API-7).

use bgsim_simulator::time::fmt_duration;
use bgsim_simulator::{SimTime, UserCommand};
use toml::Spanned;

use super::super::raw::{Dur, RawFixture, RawStep, StepKind};
use super::super::{MAX_STEPS, MAX_UPLOAD_TOTAL_BYTES};
use super::{container_path, download_url, time, Locator, Result};
use crate::world::fixture_url;
use bgsim_simulator::Action;

/// An `upload` step's `size` is at most this (64 MiB): the bytes are generated in memory,
/// and the daemon keeps a copy while it sends them.
pub const MAX_UPLOAD_SIZE_BYTES: u64 = 64 << 20;

pub(super) fn steps(
    raw: &[Spanned<RawStep>],
    fixtures: &[Spanned<RawFixture>],
    horizon: &Option<Spanned<Dur>>,
    app_session: Option<&str>,
    at: &Locator,
) -> Result<Vec<(SimTime, Action)>> {
    if let Some(extra) = raw.get(MAX_STEPS) {
        return Err(at.at(
            extra.span(),
            format!(
                "too many steps: {}; expected at most {MAX_STEPS}",
                raw.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut upload_bytes = 0u64;
    for step in raw {
        let s = step.get_ref();
        let when = time(s.at.get_ref().0, s.at.span(), "step time", at)?;
        if let Some(horizon) = horizon {
            if s.at.get_ref().0 > horizon.get_ref().0 {
                return Err(at.at(
                    s.at.span(),
                    format!(
                        "step at `{}` is after the horizon `{}`, so it would never run; expected a time within the horizon",
                        fmt_duration(s.at.get_ref().0),
                        fmt_duration(horizon.get_ref().0)
                    ),
                ));
            }
        }
        let action = action(step, fixtures, app_session, at)?;
        if let Action::Upload { size_bytes, .. } = &action {
            // Each upload's bytes are made when the user picks them, then stay on disk.
            upload_bytes += size_bytes;
            if upload_bytes > MAX_UPLOAD_TOTAL_BYTES {
                return Err(at.at(
                    step.span(),
                    format!(
                        "the uploads so far add up to {upload_bytes} bytes; expected at most {} in all",
                        MAX_UPLOAD_TOTAL_BYTES
                    ),
                ));
            }
        }
        out.push((when, action));
    }
    // `sort_by_key` is stable: steps at the same instant keep their file order, which is
    // the order the user meant them to happen in.
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by_key(|&i| out[i].0);
    extension_steps_alternate(raw, &order, at)?;
    out.sort_by_key(|(when, _)| *when);
    Ok(out)
}

pub(super) fn action(
    step: &Spanned<RawStep>,
    fixtures: &[Spanned<RawFixture>],
    app_session: Option<&str>,
    at: &Locator,
) -> Result<Action> {
    let s = step.get_ref();
    // A key the step does not take is a mistake (a misplaced line, a wrong `do`), never
    // something to ignore.
    check_keys(step, at)?;
    Ok(match s.kind {
        StepKind::Launch => Action::Launch,
        StepKind::Download => {
            let (Some(url), Some(to)) = (&s.url, &s.to) else {
                let missing = if s.url.is_none() { "url" } else { "to" };
                return Err(at.at(
                    step.span(),
                    format!("a `download` step needs `{missing}`; expected both `url` and `to`"),
                ));
            };
            Action::Download {
                url: download_url(url, fixtures, at)?,
                destination: container_path(to, at)?,
            }
        }
        StepKind::PauseDownload => Action::User(UserCommand::Pause {
            destination: container_path(to(step, at)?, at)?,
        }),
        StepKind::ResumeDownload => Action::User(UserCommand::Resume {
            destination: container_path(to(step, at)?, at)?,
        }),
        StepKind::SignOut => Action::User(UserCommand::SignOut),
        StepKind::StopAfterDownloads => Action::User(UserCommand::StopAfterDownloads),
        StepKind::LowPowerOn => Action::LowPower { on: true },
        StepKind::LowPowerOff => Action::LowPower { on: false },
        StepKind::SystemCancel => Action::SystemCancel,
        StepKind::WifiOn => Action::Wifi { on: true },
        StepKind::WifiOff => Action::Wifi { on: false },
        StepKind::LowDataModeOn => Action::LowDataMode { on: true },
        StepKind::LowDataModeOff => Action::LowDataMode { on: false },
        StepKind::Home => Action::Home,
        StepKind::Foreground => Action::Foreground,
        StepKind::SystemSuspend => Action::SystemSuspend,
        StepKind::SystemKill => Action::SystemKill,
        StepKind::ForceQuit => Action::ForceQuit,
        StepKind::Crash => Action::Crash,
        StepKind::NetworkDown => Action::NetworkDown,
        StepKind::NetworkUp => Action::NetworkUp,
        StepKind::PlugIn => Action::Charger { connected: true },
        StepKind::Unplug => Action::Charger { connected: false },
        StepKind::Lock => Action::Lock,
        StepKind::Unlock => Action::Unlock,
        StepKind::ContainerMove => Action::ContainerMove,
        StepKind::Reboot => Action::Reboot,
        StepKind::AppUpdate => Action::AppUpdate,
        StepKind::Reinstall => Action::Reinstall,
        StepKind::DiskFull => Action::DiskFull { full: true },
        StepKind::DiskFreed => Action::DiskFull { full: false },
        StepKind::BgLaunch => Action::BackgroundLaunch,
        StepKind::PurgeTmp => Action::PurgeTmp,
        StepKind::Wait => Action::Wait,
        StepKind::Upload => upload(step, at)?,
        StepKind::Fetch => {
            let (url, to) = url_and_to(step, at)?;
            Action::Fetch {
                url: download_url(url, fixtures, at)?,
                destination: container_path(to, at)?,
            }
        }
        StepKind::ExtensionStart => extension_start(
            step,
            app_session,
            |url| download_url(url, fixtures, at),
            |to| container_path(to, at),
            at,
        )?,
        StepKind::ExtensionExit => Action::ExtensionExit,
        StepKind::SuspendTask => Action::SuspendTask {
            url: transfer_url(step, at)?,
        },
        StepKind::ResumeTask => Action::ResumeTask {
            url: transfer_url(step, at)?,
        },
    })
}

/// The keys besides `at` and `do` that a step of `kind` takes.
fn keys(kind: StepKind) -> &'static [&'static str] {
    match kind {
        StepKind::Download | StepKind::Fetch => &["url", "to"],
        StepKind::Upload => &["url", "size", "seed"],
        StepKind::SuspendTask | StepKind::ResumeTask => &["url"],
        StepKind::PauseDownload | StepKind::ResumeDownload => &["to"],
        StepKind::ExtensionStart => &["session", "shared_container", "url", "to"],
        _ => &[],
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c`: each name in backquotes.
fn and_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `a` or `an`, for a step name.
fn article(name: &str) -> &'static str {
    if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Refuses a key the step's kind does not take, at that key's value.
pub(super) fn check_keys(step: &Spanned<RawStep>, at: &Locator) -> Result<()> {
    let s = step.get_ref();
    let given = [
        ("url", s.url.as_ref().map(Spanned::span)),
        ("to", s.to.as_ref().map(Spanned::span)),
        ("size", s.size.as_ref().map(Spanned::span)),
        ("seed", s.seed.as_ref().map(Spanned::span)),
        ("session", s.session.as_ref().map(Spanned::span)),
        (
            "shared_container",
            s.shared_container.as_ref().map(Spanned::span),
        ),
    ];
    let takes = keys(s.kind);
    for (key, span) in given {
        let Some(span) = span else { continue };
        if takes.contains(&key) {
            continue;
        }
        let name = s.kind.name();
        let expected = if takes.is_empty() {
            "only `at` and `do` (`url` is for download, upload, fetch, suspend-task, \
             resume-task and extension-start; `to` for download, fetch, pause-download, \
             resume-download and extension-start; `size` and `seed` for upload; `session` \
             and `shared_container` for extension-start)"
                .to_string()
        } else {
            let mut all = vec!["at", "do"];
            all.extend_from_slice(takes);
            and_list(&all)
        };
        return Err(at.at(
            span,
            format!(
                "{} `{name}` step takes no `{key}`; expected {expected}",
                article(name)
            ),
        ));
    }
    Ok(())
}

/// The error for a step missing `key`.
fn missing(step: &Spanned<RawStep>, key: &str, at: &Locator) -> crate::scenario::ScenarioError {
    let kind = step.get_ref().kind;
    let name = kind.name();
    at.at(
        step.span(),
        format!(
            "{} `{name}` step needs `{key}`; expected {}",
            article(name),
            and_list(keys(kind))
        ),
    )
}

/// The `to` of a `pause-download` or `resume-download` step: the download's destination.
pub(super) fn to<'a>(step: &'a Spanned<RawStep>, at: &Locator) -> Result<&'a Spanned<String>> {
    let s = step.get_ref();
    s.to.as_ref().ok_or_else(|| missing(step, "to", at))
}

/// The `url` and `to` of a `fetch` step, both required.
pub(super) fn url_and_to<'a>(
    step: &'a Spanned<RawStep>,
    at: &Locator,
) -> Result<(&'a Spanned<String>, &'a Spanned<String>)> {
    let s = step.get_ref();
    let url = s.url.as_ref().ok_or_else(|| missing(step, "url", at))?;
    let to = s.to.as_ref().ok_or_else(|| missing(step, "to", at))?;
    Ok((url, to))
}

/// A URL where something is sent or that names a transfer: a path (`/uploads/a.jpg`,
/// served by the fixture server whether or not a fixture is declared there) or a full
/// http(s) URL taken as written.
fn any_url(url: &Spanned<String>, at: &Locator) -> Result<String> {
    let u = url.get_ref();
    let clean = !u
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '#');
    if u.starts_with('/') && clean && !u.contains('?') {
        return Ok(fixture_url(u));
    }
    let http = u.starts_with("http://") || u.starts_with("https://");
    if http && clean && crate::world::is_full_url(u) {
        return Ok(u.clone());
    }
    Err(at.at(
        url.span(),
        format!(
            "bad url `{u}`: expected a path like `/uploads/photo.jpg` (without spaces, `?` or `#`) or an http(s) URL"
        ),
    ))
}

/// An `upload` step: `url`, and the `size` and `seed` of the bytes the user picks.
pub(super) fn upload(step: &Spanned<RawStep>, at: &Locator) -> Result<Action> {
    let s = step.get_ref();
    let url = s.url.as_ref().ok_or_else(|| missing(step, "url", at))?;
    let size = s.size.as_ref().ok_or_else(|| missing(step, "size", at))?;
    let seed = s.seed.as_ref().ok_or_else(|| missing(step, "seed", at))?;
    let size_bytes = size.get_ref().0;
    if size_bytes > MAX_UPLOAD_SIZE_BYTES {
        return Err(at.at(
            size.span(),
            format!("upload size {size_bytes} bytes is too large; expected at most 64MiB"),
        ));
    }
    Ok(Action::Upload {
        url: any_url(url, at)?,
        size_bytes,
        seed: seed.get_ref().0,
    })
}

/// An `extension-start` step (ID-5, ID-6): the session identifier (by default
/// `app_session`, the app's own), the shared container (default true), and an optional
/// download (`url` and `to` together).
pub(super) fn extension_start(
    step: &Spanned<RawStep>,
    app_session: Option<&str>,
    download_url: impl FnOnce(&Spanned<String>) -> Result<String>,
    container_path: impl FnOnce(&Spanned<String>) -> Result<String>,
    at: &Locator,
) -> Result<Action> {
    let s = step.get_ref();
    let session = match (&s.session, app_session) {
        (Some(given), _) => {
            let id = given.get_ref();
            if id.trim().is_empty() || id.chars().any(char::is_control) {
                return Err(at.at(
                    given.span(),
                    format!("bad session `{id}`: expected a session identifier like `com.example.share`"),
                ));
            }
            id.clone()
        }
        (None, Some(own)) => own.to_string(),
        (None, None) => {
            return Err(at.at(
                step.span(),
                "an `extension-start` step needs `session` with this app, whose own identifier is not known",
            ))
        }
    };
    let download = match (&s.url, &s.to) {
        (None, None) => None,
        (Some(url), Some(to)) => Some((download_url(url)?, container_path(to)?)),
        (Some(_), None) => return Err(missing(step, "to", at)),
        (None, Some(_)) => return Err(missing(step, "url", at)),
    };
    Ok(Action::ExtensionStart {
        session,
        shared_container: s.shared_container.as_ref().is_none_or(|b| *b.get_ref()),
        download,
    })
}

/// ID-5: one extension process at a time. In time order, `extension-start` and
/// `extension-exit` alternate, starting with a start (`order`: step indexes by time).
pub(super) fn extension_steps_alternate(
    raw: &[Spanned<RawStep>],
    order: &[usize],
    at: &Locator,
) -> Result<()> {
    let mut running: Option<&Spanned<RawStep>> = None;
    for &i in order {
        let step = &raw[i];
        match (step.get_ref().kind, running) {
            (StepKind::ExtensionStart, Some(started)) => {
                let (line, _) = super::line_column(at.text, started.span().start);
                return Err(at.at(
                    step.span(),
                    format!(
                        "an `extension-start` step while the extension started at line {line} still runs; expected an `extension-exit` before it"
                    ),
                ));
            }
            (StepKind::ExtensionStart, None) => running = Some(step),
            (StepKind::ExtensionExit, None) => {
                return Err(at.at(
                    step.span(),
                    "an `extension-exit` step with no extension running; expected an `extension-start` before it",
                ));
            }
            (StepKind::ExtensionExit, Some(_)) => running = None,
            _ => {}
        }
    }
    Ok(())
}

/// The `url` of a `suspend-task` or `resume-task` step: the URL of the transfer, written as its step
/// wrote it.
pub(super) fn transfer_url(step: &Spanned<RawStep>, at: &Locator) -> Result<String> {
    let url = step
        .get_ref()
        .url
        .as_ref()
        .ok_or_else(|| missing(step, "url", at))?;
    any_url(url, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(and_list(&["url"]), "`url`");
        assert_eq!(and_list(&["url", "to"]), "`url` and `to`");
        assert_eq!(
            and_list(&["url", "size", "seed"]),
            "`url`, `size` and `seed`"
        );
        assert_eq!(article("upload"), "an");
        assert_eq!(article("fetch"), "a");
    }
}
