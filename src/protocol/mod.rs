//! Apps in any language: a child process speaking the app protocol of docs/protocol.md.
//! Each launch starts the command; each callback is an event line answered by the SDK calls
//! the process makes; a termination is SIGKILL. bgsim waits for every answer, so the
//! virtual clock still decides all order, and a run replays from its seed.

mod app;
mod calls;
mod command;
mod conn;
mod json;

pub use app::ProcessApp;
pub use command::{probe, AppCommand, Hello, DEFAULT_TIMEOUT};
pub use conn::take_stderr;

use crate::registry::{AppSpec, Apps};
use std::sync::Arc;

/// An app spec running `command`, named `name`, offering what `hello` says (the
/// downloads-only default without one).
pub fn spec(name: &str, command: &AppCommand, hello: Option<&Hello>) -> AppSpec {
    let cmd = command.clone();
    let mut spec = AppSpec::boxed(
        name,
        Arc::new(move |settings| Box::new(ProcessApp::start(&cmd, settings)) as _),
    );
    spec.command = Some(command.clone());
    if let Some(hello) = hello {
        spec = spec.about(&format!("{} (process: {})", hello.app, command.display()));
        spec = spec.features(hello.features.clone());
    }
    spec
}

/// Probes `command` and registers it in `apps` under its own command line, with the buggy
/// variants its hello declares (each the command with its arguments appended, a variant of
/// it for the kill matrix). Returns the name it is registered under.
pub fn register(apps: &mut Apps, command: &AppCommand) -> Result<String, String> {
    let hello = probe(command)?;
    let name = command.display();
    apps.add(spec(&name, command, Some(&hello)));
    for v in &hello.variants {
        let variant = command.with_args(&v.args);
        let caught_by: Vec<&str> = v.caught_by.iter().map(String::as_str).collect();
        let vspec = spec(&variant.display(), &variant, Some(&hello)).variant_of(&name, &caught_by);
        apps.add(vspec.about(&v.name));
    }
    Ok(name)
}
