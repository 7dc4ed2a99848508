//! # bgsim: the lab around the phone
//!
//! bgsim tests the code that handles iOS background downloads (the app delegate and the
//! URLSession delegate, as a state machine) against a deterministic model of iOS
//! (`bgsim-simulator`) and a real local HTTP server that can misbehave on purpose.
//!
//! - [`world`]: build a world (app, fixtures, timeline, transport) and run it.
//! - [`apps`]: the apps under test: the reference app and the article's code.
//! - [`server`]: the hyper fixture server.

pub mod apps;
pub mod check;
pub mod cli;
pub mod fuzz;
pub mod kill_matrix;
pub mod report;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod server;
pub mod world;

pub use bgsim_simulator as simulator;
