//! The apps a harness can run, by name. Each is a factory (every launch builds a fresh app
//! object, as a relaunch does on iOS), what its UI can do (so the fuzzer asks only that of
//! it), its own background session identifier, and, for a buggy variant of another app, the
//! checks that must catch it (the kill matrix).

use crate::apps::SessionSettings;
use crate::scenario::Known;
use bgsim_simulator::{App, AppFactory};
use std::fmt;
use std::sync::Arc;

/// Builds one app object for one launch, given the `[session]` settings of the scenario.
pub type MakeApp = Arc<dyn Fn(&SessionSettings) -> Box<dyn App> + Send + Sync>;

/// What an app's UI offers beyond downloads, so that generated cases (`bgsim fuzz`) only
/// use steps the app has a control for. Every app takes `download` and the lifecycle,
/// network and device steps; the rest are off unless switched on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// `pause-download` and `resume-download` (RES-2, RES-4).
    pub pause_resume: bool,
    /// `fetch`: a small resource through a data task (API-4).
    pub fetch: bool,
    /// `upload`: the user picks bytes to upload (API-1).
    pub upload: bool,
    /// `sign-out`: the app cancels everything (INV-2).
    pub sign_out: bool,
    /// `stop-after-downloads`: the app finishes its tasks and invalidates (INV-1).
    pub stop_after_downloads: bool,
    /// The session identifier of the app's share extension, when it has one: the fuzzer
    /// then starts and ends that extension (ID-5, ID-6) and the app must take its events.
    pub extension_session: Option<String>,
    /// The app configures its session from the scenario's `[session]` settings (short
    /// request and resource timeouts): the fuzzer then tries them, and faults that hit
    /// every request, which only a short resource timeout ends (NET-3). Apps registered
    /// with [`AppSpec::configured`] start with it on.
    pub session_settings: bool,
}

impl Features {
    /// Downloads only: the lifecycle, network and device steps, and `download`.
    pub fn downloads() -> Features {
        Features::default()
    }

    /// Every control of the step catalogue, with a share extension using `extension_session`.
    pub fn all(extension_session: &str) -> Features {
        Features {
            pause_resume: true,
            fetch: true,
            upload: true,
            sign_out: true,
            stop_after_downloads: true,
            extension_session: Some(extension_session.to_string()),
            session_settings: true,
        }
    }
}

/// One app under test, as registered.
#[derive(Clone)]
pub struct AppSpec {
    pub(crate) name: String,
    pub(crate) about: String,
    pub(crate) make: MakeApp,
    pub(crate) features: Features,
    pub(crate) session: Option<String>,
    pub(crate) variant: Option<Variant>,
    /// For an app run as a process (docs/protocol.md), its command.
    pub(crate) command: Option<crate::protocol::AppCommand>,
}

/// What makes an app a buggy variant of another one: the app it varies, and the checks its
/// bug is about (at least one must catch it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The correct app it is a variant of.
    pub of: String,
    /// Check IDs that are about its bug.
    pub caught_by: Vec<String>,
}

impl fmt::Debug for AppSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSpec")
            .field("name", &self.name)
            .field("features", &self.features)
            .field("session", &self.session)
            .field("variant", &self.variant)
            .finish_non_exhaustive()
    }
}

impl AppSpec {
    /// An app whose factory ignores the scenario's `[session]` settings.
    pub fn new<A, F>(name: &str, make: F) -> AppSpec
    where
        A: App + 'static,
        F: Fn() -> A + Send + Sync + 'static,
    {
        AppSpec::boxed(name, Arc::new(move |_| Box::new(make()) as Box<dyn App>))
    }

    /// An app whose factory reads the scenario's `[session]` settings (request timeouts,
    /// discretionary, credentials...), as the reference app does.
    pub fn configured<A, F>(name: &str, make: F) -> AppSpec
    where
        A: App + 'static,
        F: Fn(&SessionSettings) -> A + Send + Sync + 'static,
    {
        let mut spec = AppSpec::boxed(name, Arc::new(move |s| Box::new(make(s)) as Box<dyn App>));
        spec.features.session_settings = true;
        spec
    }

    /// An app from a factory that already boxes its apps.
    pub(crate) fn boxed(name: &str, make: MakeApp) -> AppSpec {
        AppSpec {
            name: name.to_string(),
            about: String::new(),
            make,
            features: Features::downloads(),
            session: None,
            variant: None,
            command: None,
        }
    }

    /// One line about the app, for `list`.
    pub fn about(mut self, about: &str) -> AppSpec {
        self.about = about.to_string();
        self
    }

    /// What its UI offers beyond downloads (see [`Features`]).
    pub fn features(mut self, features: Features) -> AppSpec {
        self.features = features;
        self
    }

    /// The identifier of the app's background session: the default session of an
    /// `extension-start` step that names none (ID-5: an extension sharing the app's session).
    pub fn session_identifier(mut self, identifier: &str) -> AppSpec {
        self.session = Some(identifier.to_string());
        self
    }

    /// Marks this app as a buggy variant of `of`, whose bug the checks `caught_by` are
    /// about: the kill matrix of `of` runs it and insists one of them catches it.
    pub fn variant_of(mut self, of: &str, caught_by: &[&str]) -> AppSpec {
        self.variant = Some(Variant {
            of: of.to_string(),
            caught_by: caught_by.iter().map(|c| c.to_string()).collect(),
        });
        self
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What its UI offers.
    pub fn supported(&self) -> &Features {
        &self.features
    }

    /// The value of `app = ...` in a scenario file in the folder `file_dir` that runs this
    /// app: its name, or for a process app its command.
    pub fn scenario_value(&self, file_dir: &std::path::Path) -> String {
        match &self.command {
            Some(command) => command.toml_value(file_dir),
            None => serde_json::Value::String(self.name.clone()).to_string(),
        }
    }

    /// The simulator's factory for this app, configured with `settings`.
    pub fn factory(&self, settings: &SessionSettings) -> AppFactory {
        let make = Arc::clone(&self.make);
        let settings = settings.clone();
        Box::new(move || make(&settings))
    }
}

/// The registered apps, in registration order, and the folders beyond a scenario's own
/// that its files may come from.
#[derive(Clone, Debug, Default)]
pub struct Apps {
    list: Vec<AppSpec>,
    allowed_paths: Vec<std::path::PathBuf>,
}

impl Apps {
    /// No apps.
    pub fn new() -> Apps {
        Apps::default()
    }

    /// The apps compiled into bgsim: the reference app, the article's app, the mutants.
    pub fn builtin() -> Apps {
        Apps {
            list: crate::apps::builtin(),
            allowed_paths: Vec::new(),
        }
    }

    /// Adds `spec`, replacing an app registered under the same name.
    pub fn add(&mut self, spec: AppSpec) {
        match self.list.iter_mut().find(|a| a.name == spec.name) {
            Some(slot) => *slot = spec,
            None => self.list.push(spec),
        }
    }

    /// Lets scenario files take fixture and expected files from `dir` too (`--allow-path`).
    pub fn allow_path(&mut self, dir: &std::path::Path) {
        self.allowed_paths.push(dir.to_path_buf());
    }

    /// The app called `name`.
    pub fn get(&self, name: &str) -> Option<&AppSpec> {
        self.list.iter().find(|a| a.name == name)
    }

    /// Every app, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &AppSpec> {
        self.list.iter()
    }

    /// Every name, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|a| a.name.as_str()).collect()
    }

    /// The buggy variants of `model`, in registration order.
    pub fn variants_of<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a AppSpec> + 'a {
        (self.list.iter()).filter(move |a| a.variant.as_ref().is_some_and(|v| v.of == model))
    }

    /// The names scenario files may use: these apps, their sessions, and every check.
    pub fn known(&self) -> Known {
        Known {
            apps: self.list.iter().map(|a| a.name.clone()).collect(),
            checks: crate::check::ids().iter().map(|c| c.to_string()).collect(),
            sessions: (self.list.iter())
                .filter_map(|a| Some((a.name.clone(), a.session.clone()?)))
                .collect(),
            allowed_paths: self.allowed_paths.clone(),
        }
    }

    /// "unknown app `x`; expected one of: ..." for `name`, or None when it is registered.
    pub fn unknown(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(_) => None,
            None => Some(format!(
                "unknown app `{name}`; expected one of: {}",
                self.names().join(", ")
            )),
        }
    }
}
