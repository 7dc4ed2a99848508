//! From the raw file to a [`Scenario`]: the checks that need more than one value (declared
//! fixtures, the horizon), the caller's [`Known`] names, or the file system.
//!
//! Checks run in the order the sections usually appear in a file, so the error reported is
//! the first one a reader meets. Each section has a file of its own: settings.rs
//! (`[network]`, `[profile]`, `[session]`, `[device]`), fixtures.rs, steps.rs and
//! expect.rs; files.rs finds the files they name.

use std::time::Duration;

use bgsim_simulator::time::fmt_duration;
use bgsim_simulator::SimTime;
use toml::Spanned;

use super::error::{line_column, Locator};
use super::raw::RawScenario;
use super::{Expect, Known, Scenario, ScenarioError, MAX_TIME};
use expect::expect;
use files::base_dir;
use fixtures::{download_url, fixtures};
use settings::{device, network, profile, session};
use steps::steps;

type Result<T> = std::result::Result<T, ScenarioError>;

mod expect;
mod files;
mod fixtures;
mod settings;
mod steps;

pub(crate) fn scenario(raw: RawScenario, at: &Locator, known: &Known) -> Result<Scenario> {
    let name = raw.name.get_ref().trim();
    if name.is_empty() {
        return Err(at.at(
            raw.name.span(),
            "empty `name`; expected a one-line description",
        ));
    }
    let (app, app_command) = self::app(&raw.app, at, known)?;
    let horizon = match &raw.horizon {
        Some(h) => Some(time(h.get_ref().0, h.span(), "horizon", at)?),
        None => None,
    };
    let network = network(raw.network);
    let profile = profile(raw.profile, at)?;
    let base = base_dir(at.file);
    let fixtures = fixtures(&raw.fixture.0, &base, at, &known.allowed_paths)?;
    let app_session = known.session_of(&app);
    let steps = steps(&raw.step.0, &raw.fixture.0, &raw.horizon, app_session, at)?;
    let expect = match raw.expect {
        Some(expect) => self::expect(expect, &fixtures, &base, at, known)?,
        None => Expect::default(),
    };
    Ok(Scenario {
        path: at.file.to_path_buf(),
        name: name.to_owned(),
        rules: raw.rules.into_iter().map(|rule| rule.0).collect(),
        app,
        app_command,
        seed: raw.seed.map_or(1, |seed| seed.0),
        horizon,
        max_events: match raw.max_events {
            Some(m) if *m.get_ref() == 0 => {
                return Err(at.at(m.span(), "`max_events` is 0; expected at least 1"));
            }
            Some(m) if *m.get_ref() > super::MAX_EVENTS => {
                return Err(at.at(
                    m.span(),
                    format!(
                        "`max_events` {} is too large; expected at most {}",
                        m.get_ref(),
                        super::MAX_EVENTS
                    ),
                ));
            }
            m => m.map(Spanned::into_inner),
        },
        network,
        profile,
        device: device(raw.device),
        session: session(raw.session, at)?,
        faults: super::faults::faults(&raw.fault.0, at)?,
        fixtures,
        steps,
        expect,
    })
}

/// The app: a known name, or a command started in the scenario's folder.
fn app(
    raw: &Spanned<super::raw::RawApp>,
    at: &Locator,
    known: &Known,
) -> Result<(String, Option<crate::protocol::AppCommand>)> {
    match raw.get_ref() {
        super::raw::RawApp::Name(app) if known.apps.iter().any(|a| a == app) => {
            Ok((app.clone(), None))
        }
        super::raw::RawApp::Name(app) => Err(at.at(
            raw.span(),
            format!("unknown app `{app}`; expected one of: {}", list(&known.apps)),
        )),
        super::raw::RawApp::Command(c) => {
            let argv = c.command.get_ref();
            if argv.is_empty() || argv[0].trim().is_empty() {
                return Err(at.at(
                    c.command.span(),
                    "empty `command`; expected the program and its arguments, like [\"python3\", \"app.py\"]",
                ));
            }
            let timeout = match &c.timeout {
                Some(t) if t.get_ref().0.is_zero() => {
                    return Err(at.at(t.span(), "`timeout` is 0; expected a wall-clock guard like \"10s\""))
                }
                Some(t) => t.get_ref().0,
                None => crate::protocol::DEFAULT_TIMEOUT,
            };
            let command = crate::protocol::AppCommand {
                argv: argv.clone(),
                dir: base_dir(at.file),
                timeout,
            };
            Ok((command.display(), Some(command)))
        }
    }
}

/// `names` for a message: `a, b, c`, or `(none)`; long lists (a file may declare a thousand
/// fixtures) are cut so the message stays one readable line.
fn list<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 20;
    let shown: Vec<&str> = names.iter().take(SHOWN).map(AsRef::as_ref).collect();
    match names.len() {
        0 => "(none)".to_owned(),
        n if n <= SHOWN => shown.join(", "),
        n => format!("{}, ... ({} more)", shown.join(", "), n - SHOWN),
    }
}

/// A step time or the horizon as an instant, within [`MAX_TIME`].
fn time(d: Duration, span: std::ops::Range<usize>, what: &str, at: &Locator) -> Result<SimTime> {
    if d > MAX_TIME {
        return Err(at.at(
            span,
            format!(
                "{what} `{}` is too far; expected at most `{}`",
                fmt_duration(d),
                fmt_duration(MAX_TIME)
            ),
        ));
    }
    Ok(SimTime::ZERO + d)
}

/// A path in the app's container, as apps write it: relative, without `..`. Absolute paths
/// are refused because the container's root is only known once a run starts.
fn container_path(path: &Spanned<String>, at: &Locator) -> Result<String> {
    let p = path.get_ref();
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.split('/').any(|part| part == "..")
        && !p.chars().any(char::is_control);
    if ok {
        Ok(p.clone())
    } else {
        Err(at.at(
            path.span(),
            format!("bad container path `{p}`: expected a path relative to the app's container, like `Documents/xamarin.png`, without `..`"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn lists_are_cut_after_twenty_names() {
        assert_eq!(list::<&str>(&[]), "(none)");
        assert_eq!(list(&["a", "b"]), "a, b");
        let many: Vec<String> = (0..25).map(|i| format!("/{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let shown = list(&many);
        assert!(shown.starts_with("/0, /1, "), "{shown}");
        assert!(shown.ends_with("/19, ... (5 more)"), "{shown}");
    }
}
