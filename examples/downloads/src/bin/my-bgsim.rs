//! This crate's own `bgsim`: every subcommand (run, list, fuzz, mutants, serve) with its
//! apps registered. `cargo run -p downloads-example --bin my-bgsim -- fuzz --app downloads`
fn main() -> std::process::ExitCode {
    downloads_example::harness().main()
}
