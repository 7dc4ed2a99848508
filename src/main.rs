//! The `bgsim` command, with the apps compiled into bgsim (the reference app, the article's
//! app, the mutants). A team's own command is the same few lines with its apps registered
//! (see `bgsim::harness::Harness::main`).
//!
//! Exit codes: 0 everything held; 1 a check failed; 2 bad input (usage, a scenario file);
//! 3 a run did not settle within its bounds; 130, 143, 129 stopped by SIGINT, SIGTERM,
//! SIGHUP.

fn main() -> std::process::ExitCode {
    bgsim::harness::Harness::new().main()
}
