//! `bgsim serve`: the fixture server on its own, for curl, wget or a browser.

use super::CliError;
use crate::server::{FixtureServer, FixtureSet, TcpServer};
use std::net::SocketAddr;
use std::path::Path;

/// Serves every file below `dir` on `addr` (loopback only) until Ctrl-C.
pub fn serve(dir: &Path, addr: SocketAddr) -> Result<(), CliError> {
    if !addr.ip().is_loopback() {
        return Err(CliError::input(format!(
            "--addr {addr} is not a loopback address: bgsim serves on 127.0.0.1 (or ::1) only."
        )));
    }
    let fixtures = FixtureSet::load_dir(dir).map_err(|e| {
        CliError::input(format!("cannot read fixtures from {}: {e}.", dir.display()))
    })?;
    let count = fixtures.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}.")))?;
    runtime.block_on(async move {
        let server = TcpServer::start(FixtureServer::new(fixtures), addr)
            .await
            .map_err(|e| CliError::input(format!("cannot listen on {addr}: {e}.")))?;
        println!(
            "serving {count} fixtures from {} on http://{} (Ctrl-C to stop)",
            dir.display(),
            server.local_addr()
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        Ok(())
    })
}
