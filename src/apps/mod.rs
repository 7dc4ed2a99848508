//! Apps under test. Each is a factory: a relaunch builds a fresh object, as iOS does.

pub mod article;
pub mod mutants;
pub mod reference;

use bgsim_simulator::app::SessionConfig;
use bgsim_simulator::AppFactory;
use std::sync::LazyLock;
use std::time::Duration;

/// The background session configuration a scenario asks the app to use (`[session]`):
/// each field left `None` keeps the app's own choice. The reference app and its mutants
/// build their configuration with it; the article's app ignores it, as its code fixes its
/// configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionSettings {
    /// LC-7: `sessionSendsLaunchEvents`.
    pub sends_launch_events: Option<bool>,
    /// SCHED-1: `isDiscretionary`.
    pub discretionary: Option<bool>,
    /// NET-2: `timeoutIntervalForRequest`.
    pub request_timeout: Option<Duration>,
    /// NET-3: `timeoutIntervalForResource`.
    pub resource_timeout: Option<Duration>,
    /// SCHED-5: `allowsCellularAccess`.
    pub allows_cellular_access: Option<bool>,
    /// SCHED-5: `allowsExpensiveNetworkAccess`.
    pub allows_expensive_network_access: Option<bool>,
    /// SCHED-5: `allowsConstrainedNetworkAccess`.
    pub allows_constrained_network_access: Option<bool>,
    /// SCHED-4: not a configuration property but a task's: the
    /// `countOfBytesClientExpectsToReceive` the reference app sets on each download task
    /// (it knows its files' sizes; the setting stands in for that knowledge).
    pub expects_to_receive_bytes: Option<u64>,
    /// HTTP-4: not a configuration property but the `user:password` the app knows (as
    /// from its keychain) and answers an authentication challenge with. The reference app
    /// answers once with it and cancels if the server refuses it.
    pub credentials: Option<String>,
}

impl SessionSettings {
    /// `config` with these settings applied.
    pub fn apply(&self, mut config: SessionConfig) -> SessionConfig {
        fn set<T: Copy>(field: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *field = v;
            }
        }
        set(&mut config.sends_launch_events, self.sends_launch_events);
        set(&mut config.discretionary, self.discretionary);
        if self.request_timeout.is_some() {
            config.request_timeout = self.request_timeout;
        }
        if self.resource_timeout.is_some() {
            config.resource_timeout = self.resource_timeout;
        }
        set(
            &mut config.allows_cellular_access,
            self.allows_cellular_access,
        );
        set(
            &mut config.allows_expensive_network_access,
            self.allows_expensive_network_access,
        );
        set(
            &mut config.allows_constrained_network_access,
            self.allows_constrained_network_access,
        );
        config
    }
}

/// The built-in apps, by name: the reference app, the article's app, then the mutants.
pub static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mutants = mutants::MUTANTS.iter().map(|m| m.name);
    ["reference", "article"]
        .into_iter()
        .chain(mutants)
        .collect()
});

/// One line about the built-in app called `name`.
pub fn describe(name: &str) -> &'static str {
    match name {
        "reference" => "a correct download manager: the model answer",
        "article" => "a literal port of the seed article's code, bugs included",
        _ => mutants::find(name).map_or("", |m| m.about),
    }
}

/// A factory for the built-in app called `name`, with the app's own session configuration.
pub fn factory(name: &str) -> Option<AppFactory> {
    factory_with(name, &SessionSettings::default())
}

/// The background session identifier of the built-in app called `name`: the default
/// identifier of an app extension that shares it (ID-5).
pub fn session_identifier(name: &str) -> Option<&'static str> {
    match name {
        "article" => Some(article::SESSION_ID),
        "reference" => Some(reference::SESSION_ID),
        _ if mutants::find(name).is_some() => Some(reference::SESSION_ID),
        _ => None,
    }
}

/// A factory for the built-in app called `name`, asked to configure its session with
/// `settings` (see [`SessionSettings`]).
pub fn factory_with(name: &str, settings: &SessionSettings) -> Option<AppFactory> {
    let bug = match name {
        "article" => return Some(Box::new(|| Box::new(article::ArticleApp::default()))),
        "reference" => None,
        _ => Some(mutants::find(name)?.bug),
    };
    let settings = settings.clone();
    Some(Box::new(move || {
        Box::new(reference::ReferenceApp::configured(bug, settings.clone()))
    }))
}
