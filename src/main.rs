//! The `bgsim` command: run scenario files, fuzz lifecycles, serve fixtures.

use bgsim::cli::{self, CliError};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// A deterministic test bed for iOS background downloads.
#[derive(Parser)]
#[command(name = "bgsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve fixture files over HTTP on loopback (ranges, validators, HEAD), until Ctrl-C.
    Serve {
        /// Folder whose files are served at /<relative path>.
        #[arg(long, default_value = "fixtures")]
        fixtures: PathBuf,
        /// Address to listen on; loopback only. Port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Serve { fixtures, addr } => cli::serve::serve(&fixtures, addr),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bgsim: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
