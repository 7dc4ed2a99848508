//! # bgsim-simulator: the phone
//!
//! A deterministic model of iOS's Background Transfer Service: the app process and its
//! lifecycle, the `nsurlsessiond` daemon that owns background downloads, the network,
//! and the app's container on a real temporary directory. Time is virtual (it jumps to
//! the next event) and all randomness comes from one seed, so a run is reproducible
//! byte for byte.
//!
//! The rules it follows are those of `docs/rules.md`, cited by ID (`FILE-1`, `LC-3`, ...)
//! where they are implemented. This crate knows nothing about scenario files, checks or
//! the CLI: the `bgsim` crate builds worlds with it and judges their histories.

#![warn(missing_docs)]

pub mod action;
pub mod app;
mod choices;
pub mod clock;
pub mod content;
mod daemon;
pub mod device;
pub mod network;
pub mod profile;
pub mod sandbox;
pub mod seed;
mod sim;
pub mod time;
pub mod trace;

pub use action::{Action, UserCommand};
pub use app::{App, AppContext, AppFactory, AppState, CompletionHandler, DownloadDelegate};
pub use device::DeviceConfig;
pub use network::{Dialer, NetworkConfig};
pub use profile::Profile;
pub use sim::{
    Budget, Limits, RunEnd, SimConfig, Simulation, DEFAULT_DISK_BUDGET_BYTES, DEFAULT_MAX_EVENTS,
    DEFAULT_MEMORY_BUDGET_BYTES, EXTENSION_DESCRIPTION_PREFIX,
};
pub use time::SimTime;
pub use trace::History;
