//! `bgsim serve`: the fixture server on its own, for curl, wget or a browser.

use super::CliError;
use crate::registry::Apps;
use crate::scenario;
use super::args::ServeLimitArgs;
use crate::server::{FaultPlan, FixtureServer, FixtureSet, Journal, ServeLimits, TcpServer};
use std::net::SocketAddr;
use std::path::Path;

/// What to serve: a folder of files, or a scenario's fixtures and faults.
pub enum Source<'a> {
    /// Every file below the folder, at `/<relative path>`.
    Folder(&'a Path),
    /// The `[[fixture]]` and `[[fault]]` tables of a scenario file.
    Scenario(&'a Path),
}

fn load(apps: &Apps, source: &Source<'_>) -> Result<(FixtureSet, FaultPlan, String), CliError> {
    match source {
        Source::Folder(dir) => {
            let fixtures = FixtureSet::load_dir(dir).map_err(|e| {
                CliError::input(format!("cannot read fixtures from {}: {e}.", dir.display()))
            })?;
            Ok((fixtures, FaultPlan::new(), dir.display().to_string()))
        }
        Source::Scenario(file) => {
            let s = scenario::load(file, &apps.known()).map_err(|e| CliError::input(e.to_string()))?;
            let fixtures = crate::runner::fixture_set(&s)
                .map_err(|e| CliError::input(format!("{}: {e}.", file.display())))?;
            Ok((fixtures, s.faults, file.display().to_string()))
        }
    }
}

/// Serves `source` on `addr` (loopback only) until SIGINT, SIGTERM or SIGHUP; returns the
/// exit code, 128 + the signal's number.
pub(crate) fn serve(
    apps: &Apps,
    source: Source<'_>,
    addr: SocketAddr,
    limits: ServeLimitArgs,
) -> Result<u8, CliError> {
    if !addr.ip().is_loopback() {
        return Err(CliError::input(format!(
            "--addr {addr} is not a loopback address: bgsim serves on 127.0.0.1 (or ::1) only."
        )));
    }
    let (fixtures, faults, from) = load(apps, &source)?;
    let count = fixtures.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}.")))?;
    runtime.block_on(async move {
        let mut signals = StopSignals::listen()?;
        let journal = Journal::bounded(limits.journal_entries);
        let server = FixtureServer::with_journal(fixtures, faults, journal);
        let connection_limits = ServeLimits::serve(limits.header_timeout_ms, limits.max_connections);
        let server = TcpServer::start_with_limits(server, addr, connection_limits)
            .await
            .map_err(|e| CliError::input(format!("cannot listen on {addr}: {e}.")))?;
        println!(
            "serving {count} fixtures from {from} on http://{} (Ctrl-C to stop)",
            server.local_addr()
        );
        let signal = signals.first().await;
        server.shutdown().await;
        eprintln!("stopped by {}", crate::interrupt::name(signal));
        Ok(crate::interrupt::exit_code(signal))
    })
}

/// Listeners for SIGINT, SIGTERM and SIGHUP, made before the server says it is ready, so
/// that no signal can come between (the handlers of src/interrupt.rs see each signal too,
/// so a second one ends the process at once).
struct StopSignals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> Result<StopSignals, CliError> {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|e| CliError::input(format!("cannot wait for signals: {e}.")))
        };
        Ok(StopSignals {
            int: listen(SignalKind::interrupt())?,
            term: listen(SignalKind::terminate())?,
            hup: listen(SignalKind::hangup())?,
        })
    }

    /// The first of them to arrive.
    async fn first(&mut self) -> i32 {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        tokio::select! {
            _ = self.int.recv() => SIGINT,
            _ = self.term.recv() => SIGTERM,
            _ = self.hup.recv() => SIGHUP,
        }
    }
}
