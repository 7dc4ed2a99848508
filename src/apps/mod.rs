//! Apps under test. Each is a factory: a relaunch builds a fresh object, as iOS does.

pub mod article;
pub mod mutants;
pub mod reference;

use crate::registry::{AppSpec, Features};
use bgsim_simulator::app::SessionConfig;
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

/// The session identifier of the reference app's share extension (ID-5, ID-6): one of its
/// own, as Apple recommends. Its events relaunch the app all the same (LC-3).
pub const REFERENCE_EXTENSION_SESSION: &str = "com.bgsim.reference.share";

/// The built-in apps: the reference app, the article's app, then the mutants (variants of
/// the reference app, as is the article's app: the kill matrix runs them all).
pub fn builtin() -> Vec<AppSpec> {
    let reference_features = Features::all(REFERENCE_EXTENSION_SESSION);
    let reference = AppSpec::configured("reference", |s: &SessionSettings| {
        reference::ReferenceApp::configured(None, s.clone())
    })
    .about("a correct download manager: the model answer")
    .features(reference_features.clone())
    .session_identifier(reference::SESSION_ID);
    let asynchronous = AppSpec::configured("reference-async", |s: &SessionSettings| {
        reference::ReferenceApp::asynchronous(s.clone())
    })
    .about("the reference app with the async handleEvents of Swift concurrency (OS-6)")
    .features(reference_features.clone())
    .session_identifier(reference::SESSION_ID);
    let article = AppSpec::new("article", article::ArticleApp::default)
        .about("a literal port of the seed article's code, bugs included")
        .session_identifier(article::SESSION_ID)
        .variant_of("reference", article::CAUGHT_BY);
    let mutants = mutants::MUTANTS.iter().map(|m| {
        let bug = m.bug;
        AppSpec::configured(m.name, move |s: &SessionSettings| {
            reference::ReferenceApp::configured(Some(bug), s.clone())
        })
        .about(m.about)
        .features(reference_features.clone())
        .session_identifier(reference::SESSION_ID)
        .variant_of("reference", m.caught_by)
    });
    [reference, article, asynchronous]
        .into_iter()
        .chain(mutants)
        .collect()
}

/// A factory for the built-in app called `name`, with the app's own session configuration.
pub fn factory(name: &str) -> Option<bgsim_simulator::AppFactory> {
    let spec = builtin().into_iter().find(|a| a.name() == name)?;
    Some(spec.factory(&SessionSettings::default()))
}
