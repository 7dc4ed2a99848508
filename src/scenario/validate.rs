//! From the raw file to a [`Scenario`]: the checks that need more than one value (declared
//! fixtures, the horizon), the caller's [`Known`] names, or the file system.
//!
//! Checks run in the order the sections usually appear in a file, so the error reported is
//! the first one a reader meets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bgsim_simulator::time::fmt_duration;
use bgsim_simulator::{Action, DeviceConfig, NetworkConfig, Profile, SimTime, UserCommand};
use toml::Spanned;

use super::error::{line_column, Locator};
use super::raw::{
    Dur, RawDevice, RawExpect, RawFixture, RawNetwork, RawProfile, RawScenario, RawSession,
    RawStep, StepKind,
};
use super::{
    Expect, FileSource, FixtureSource, FixtureSpec, Known, Scenario, ScenarioError,
    MAX_FILE_FIXTURE_BYTES, MAX_FIXTURES, MAX_GENERATED_SIZE_BYTES, MAX_GENERATED_TOTAL_BYTES, MAX_GZIP_SIZE_BYTES, MAX_STEPS, MAX_TIME,
};
use crate::apps::SessionSettings;
use crate::server::AcceptRanges;
use crate::world::fixture_url;

type Result<T> = std::result::Result<T, ScenarioError>;

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

fn network(raw: Option<RawNetwork>) -> NetworkConfig {
    let mut network = NetworkConfig::default();
    if let Some(raw) = raw {
        if let Some(bandwidth) = raw.bandwidth {
            network.bandwidth_bytes_per_s = bandwidth.0;
        }
        if let Some(latency) = raw.latency {
            network.latency = latency.0;
        }
        if let Some(up) = raw.up {
            network.up = up;
        }
    }
    network
}

fn profile(raw: Option<RawProfile>, at: &Locator) -> Result<Profile> {
    let mut p = Profile::default();
    let Some(raw) = raw else { return Ok(p) };
    let set = |field: &mut Duration, value: Option<Dur>| {
        if let Some(value) = value {
            *field = value.0;
        }
    };
    set(&mut p.bg_wake_budget, raw.wake_budget);
    set(&mut p.background_grace, raw.background_grace);
    set(&mut p.progress_interval, raw.progress_interval);
    set(&mut p.resource_timeout_default, raw.resource_timeout);
    set(&mut p.request_timeout_default, raw.request_timeout);
    set(&mut p.retry_backoff_initial, raw.retry_backoff_initial);
    if let Some(granularity) = raw.progress_granularity {
        // Zero bytes per progress report would ask for a report per nothing transferred.
        if granularity.get_ref().0 == 0 {
            return Err(at.at(
                granularity.span(),
                "`progress_granularity` is 0; expected at least 1 byte",
            ));
        }
        p.progress_granularity_bytes = granularity.into_inner().0;
    }
    if let Some(max) = raw.retry_backoff_max {
        p.retry_backoff_max = max.get_ref().0;
        // Checked here rather than left to the daemon: a cap below the first delay is a typo
        // whose effect (every retry at the cap) would be hard to see in a history.
        if p.retry_backoff_max < p.retry_backoff_initial {
            return Err(at.at(
                max.span(),
                format!(
                    "`retry_backoff_max` `{}` is less than `retry_backoff_initial` `{}`; expected at least that",
                    fmt_duration(p.retry_backoff_max),
                    fmt_duration(p.retry_backoff_initial)
                ),
            ));
        }
    }
    if let Some(lose) = raw.lose_undelivered_on_wake_kill {
        p.lose_undelivered_on_wake_kill = lose;
    }
    if let Some(all) = raw.low_power_pauses_all {
        p.low_power_pauses_all = all;
    }
    if let Some(deliver) = raw.upload_response_on_connect {
        p.upload_response_on_connect = deliver;
    }
    if let Some(unknown) = raw.encoded_length_unknown {
        p.encoded_length_unknown = unknown;
    }
    if let Some(limit) = raw.large_transfer_waits_for_wifi {
        p.large_transfer_waits_for_wifi_bytes = Some(limit.0);
    }
    if let Some(code) = raw.unanswered_challenge_error {
        // NSURLErrorDomain codes are negative; a positive one is a sign slip.
        if *code.get_ref() >= 0 {
            return Err(at.at(
                code.span(),
                format!(
                    "`unanswered_challenge_error` is {}; expected a negative NSURLError code such as -1012",
                    code.get_ref()
                ),
            ));
        }
        p.unanswered_challenge_error = code.into_inner();
    }
    if let Some(policy) = raw.wake_policy {
        p.wake_policy = policy.0;
    }
    if let Some(orders) = raw.interleavings {
        p.interleavings = orders.0;
    }
    set(&mut p.rate_initial, raw.rate_initial);
    if let Some(max) = raw.rate_max {
        p.rate_max = Some(max.0);
    }
    set(&mut p.foreground_start_delay, raw.foreground_start_delay);
    if let Some(timeout) = raw.post_boot_timeout {
        p.post_boot_timeout = timeout;
    }
    if let Some(corrupts) = raw.resume_after_temp_purge_corrupts {
        p.resume_after_temp_purge_corrupts = corrupts;
    }
    if let Some(surface) = raw.surface_connection_lost {
        p.surface_connection_lost = surface;
    }
    if let Some(lost) = raw.invalidation_lost_after_background {
        p.invalidation_lost_after_background = lost;
    }
    if let Some(cap) = raw.max_concurrent_transfers {
        if *cap.get_ref() == 0 {
            return Err(at.at(
                cap.span(),
                "`max_concurrent_transfers` is 0; expected at least 1",
            ));
        }
        p.max_concurrent_transfers = Some(cap.into_inner());
    }
    if let Some(factor) = raw.rate_factor {
        if *factor.get_ref() == 0 {
            return Err(at.at(factor.span(), "`rate_factor` is 0; expected at least 1"));
        }
        p.rate_factor = factor.into_inner();
    }
    Ok(p)
}

fn session(raw: Option<RawSession>, at: &Locator) -> Result<SessionSettings> {
    let Some(raw) = raw else {
        return Ok(SessionSettings::default());
    };
    let credentials = match raw.credentials {
        None => None,
        Some(c) => {
            // RFC 7617, as for the `unauthorized` fault: the first colon ends the user.
            let text = c.get_ref();
            if text.chars().any(char::is_control) || !text.contains(':') {
                return Err(at.at(
                    c.span(),
                    format!("bad credentials `{text}`: expected `user:password`, printable, with a colon after the user"),
                ));
            }
            Some(c.into_inner())
        }
    };
    Ok(SessionSettings {
        sends_launch_events: raw.sends_launch_events,
        discretionary: raw.discretionary,
        request_timeout: raw.request_timeout.map(|d| d.0),
        resource_timeout: raw.resource_timeout.map(|d| d.0),
        allows_cellular_access: raw.allows_cellular_access,
        allows_expensive_network_access: raw.allows_expensive_network_access,
        allows_constrained_network_access: raw.allows_constrained_network_access,
        expects_to_receive_bytes: raw.expects_to_receive.map(|s| s.0),
        credentials,
    })
}

fn device(raw: Option<RawDevice>) -> DeviceConfig {
    let mut d = DeviceConfig::default();
    if let Some(raw) = raw {
        d.charging = raw.charging.unwrap_or(d.charging);
        d.wifi = raw.wifi.unwrap_or(d.wifi);
        d.low_data_mode = raw.low_data_mode.unwrap_or(d.low_data_mode);
        d.low_power = raw.low_power.unwrap_or(d.low_power);
        d.complete_protection = raw.complete_protection.unwrap_or(d.complete_protection);
        d.background_app_refresh = raw
            .background_app_refresh
            .unwrap_or(d.background_app_refresh);
    }
    d
}

fn fixtures(
    raw: &[Spanned<RawFixture>],
    base: &Path,
    at: &Locator,
    allowed: &[PathBuf],
) -> Result<Vec<FixtureSpec>> {
    let mut file_bytes = 0u64;
    let mut generated_bytes = 0u64;
    if let Some(extra) = raw.get(MAX_FIXTURES) {
        return Err(at.at(
            extra.span(),
            format!(
                "too many fixtures: {}; expected at most {MAX_FIXTURES}",
                raw.len()
            ),
        ));
    }
    let mut seen: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for fixture in raw {
        let table = fixture.get_ref();
        let path = &table.path;
        check_url_path(path, at)?;
        if let Some(first) = seen.insert(path.get_ref(), path.span()) {
            let (line, _) = line_column(at.text, first.start);
            return Err(at.at(
                path.span(),
                format!(
                    "fixture `{}` is declared twice (first at line {line}); expected unique paths",
                    path.get_ref()
                ),
            ));
        }
        let source = fixture_source(fixture, base, at, allowed)?;
        // The files are read into memory to be served; generated bytes cost none, but the
        // server streams each one a client asks for.
        let (total, cap, what) = match &source {
            FixtureSource::File(p) => {
                file_bytes += std::fs::metadata(p).map_or(0, |m| m.len());
                (file_bytes, MAX_FILE_FIXTURE_BYTES, "fixture files")
            }
            FixtureSource::Generated { size_bytes, .. } => {
                generated_bytes = generated_bytes.saturating_add(*size_bytes);
                (generated_bytes, MAX_GENERATED_TOTAL_BYTES, "generated fixtures")
            }
        };
        if total > cap {
            return Err(at.at(
                fixture.span(),
                format!(
                    "the {what} declared so far add up to {total} bytes; expected at most {cap} bytes in all"
                ),
            ));
        }
        let gzip = table.gzip.as_ref().is_some_and(|g| *g.get_ref());
        // A fixture file is encoded too: the bound holds whatever the source.
        let size_bytes = match &source {
            FixtureSource::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            FixtureSource::Generated { size_bytes, .. } => *size_bytes,
        };
        if gzip && size_bytes > MAX_GZIP_SIZE_BYTES {
            let span = table.gzip.as_ref().map(Spanned::span).unwrap_or_default();
            return Err(at.at(
                span,
                format!(
                    "a gzip fixture is encoded in memory, and `{}` is {size_bytes} bytes; expected at most {}MiB",
                    path.get_ref(),
                    MAX_GZIP_SIZE_BYTES >> 20
                ),
            ));
        }
        out.push(FixtureSpec {
            path: path.get_ref().clone(),
            source,
            accept_ranges: table
                .accept_ranges
                .as_ref()
                .map_or(AcceptRanges::default(), |r| r.0),
            chunked: table.framing.as_ref().is_some_and(|f| f.chunked),
            gzip,
        });
    }
    Ok(out)
}

/// A fixture's URL path: `/` then printable characters, no query or fragment (the server
/// matches paths exactly, so `/a?x` could never be requested as declared).
fn check_url_path(path: &Spanned<String>, at: &Locator) -> Result<()> {
    let p = path.get_ref();
    let ok = p.starts_with('/')
        && !p
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#');
    if ok {
        Ok(())
    } else {
        Err(at.at(
            path.span(),
            format!("bad fixture path `{p}`: expected a URL path starting with `/`, like `/xamarin.png`, without spaces, `?` or `#`"),
        ))
    }
}

fn fixture_source(
    fixture: &Spanned<RawFixture>,
    base: &Path,
    at: &Locator,
    allowed: &[PathBuf],
) -> Result<FixtureSource> {
    let f = fixture.get_ref();
    let path = f.path.get_ref();
    match (&f.file, &f.size, &f.seed) {
        (Some(file), None, None) => Ok(FixtureSource::File(resolve(file, base, at, allowed)?)),
        (None, Some(size), Some(seed)) => {
            let size_bytes = size.get_ref().0;
            if size_bytes > MAX_GENERATED_SIZE_BYTES {
                return Err(at.at(
                    size.span(),
                    format!("fixture size {size_bytes} bytes is too large; expected at most 1TiB"),
                ));
            }
            Ok(FixtureSource::Generated {
                size_bytes,
                seed: seed.get_ref().0,
            })
        }
        (Some(_), Some(size), _) => Err(at.at(
            size.span(),
            "a fixture has either `file`, or `size` and `seed`, not both",
        )),
        (Some(_), None, Some(seed)) => Err(at.at(
            seed.span(),
            "a fixture has either `file`, or `size` and `seed`, not both",
        )),
        (None, Some(size), None) => Err(at.at(
            size.span(),
            format!("fixture `{path}` has `size` but no `seed`; expected both for generated bytes"),
        )),
        (None, None, Some(seed)) => Err(at.at(
            seed.span(),
            format!("fixture `{path}` has `seed` but no `size`; expected both for generated bytes"),
        )),
        (None, None, None) => Err(at.at(
            fixture.span(),
            format!("fixture `{path}` has no content; expected `file`, or `size` and `seed`"),
        )),
    }
}

fn steps(
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
            if upload_bytes > super::MAX_UPLOAD_TOTAL_BYTES {
                return Err(at.at(
                    step.span(),
                    format!(
                        "the uploads so far add up to {upload_bytes} bytes; expected at most {} in all",
                        super::MAX_UPLOAD_TOTAL_BYTES
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
    steps::extension_steps_alternate(raw, &order, at)?;
    out.sort_by_key(|(when, _)| *when);
    Ok(out)
}

fn action(
    step: &Spanned<RawStep>,
    fixtures: &[Spanned<RawFixture>],
    app_session: Option<&str>,
    at: &Locator,
) -> Result<Action> {
    let s = step.get_ref();
    // A key the step does not take is a mistake (a misplaced line, a wrong `do`), never
    // something to ignore.
    steps::check_keys(step, at)?;
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
            destination: container_path(steps::to(step, at)?, at)?,
        }),
        StepKind::ResumeDownload => Action::User(UserCommand::Resume {
            destination: container_path(steps::to(step, at)?, at)?,
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
        StepKind::Upload => steps::upload(step, at)?,
        StepKind::Fetch => {
            let (url, to) = steps::url_and_to(step, at)?;
            Action::Fetch {
                url: download_url(url, fixtures, at)?,
                destination: container_path(to, at)?,
            }
        }
        StepKind::ExtensionStart => steps::extension_start(
            step,
            app_session,
            |url| download_url(url, fixtures, at),
            |to| container_path(to, at),
            at,
        )?,
        StepKind::ExtensionExit => Action::ExtensionExit,
        StepKind::SuspendTask => Action::SuspendTask {
            url: steps::transfer_url(step, at)?,
        },
        StepKind::ResumeTask => Action::ResumeTask {
            url: steps::transfer_url(step, at)?,
        },
    })
}

/// A download URL: a declared fixture path becomes the fixture's URL; a full URL is taken
/// as written (to request something the server does not have, another host, or another
/// scheme, which iOS refuses: NET-8).
fn download_url(
    url: &Spanned<String>,
    fixtures: &[Spanned<RawFixture>],
    at: &Locator,
) -> Result<String> {
    let u = url.get_ref();
    if u.contains("://") {
        // Any scheme with a host: iOS refuses the ones it does not take (NET-8).
        if crate::world::is_full_url(u) {
            return Ok(u.clone());
        }
    } else if u.starts_with('/') {
        if fixtures.iter().any(|f| f.get_ref().path.get_ref() == u) {
            return Ok(fixture_url(u));
        }
        let declared: Vec<&str> = fixtures
            .iter()
            .map(|f| f.get_ref().path.get_ref().as_str())
            .collect();
        return Err(at.at(
            url.span(),
            format!(
                "no fixture is declared at `{u}`; expected one of: {}",
                list(&declared)
            ),
        ));
    }
    Err(at.at(
        url.span(),
        format!("bad url `{u}`: expected a fixture path like `/xamarin.png` or a URL like `http://host/path`"),
    ))
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

fn expect(
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

/// The directory relative paths start from: the scenario file's own, made absolute so that
/// its ancestors reach the file system's root whatever the working directory.
fn base_dir(file: &Path) -> PathBuf {
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
fn resolve(
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
