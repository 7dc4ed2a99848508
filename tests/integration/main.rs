//! bgsim's integration tests, in one test binary: one module per subject (the server, the
//! scenario format, the checks, the fuzzer, the CLI...), sharing the helpers of `common`.
//! One binary builds its shared code once and runs every test in parallel; the shipped
//! scenarios are a test target of their own (`tests/scenarios.rs`, libtest-mimic).

mod common;

mod auth_challenge;
mod bench;
mod bounds;
mod checks;
mod ci_reports;
mod cli_conventions;
mod cli_run;
mod cli_serve;
mod client_csharp;
mod client_node;
mod client_python;
mod client_python_reference;
mod daemon_http_faults;
mod determinism;
mod determinism_transfers;
mod faults;
mod fd_limit;
mod fuzz;
mod fuzz_found;
mod fuzz_properties;
mod harness;
mod html_timeline;
mod json_report;
mod kill_matrix;
mod long_timeline;
mod os_events;
mod phone_choices;
mod process_apps;
mod real_client_uploads;
mod real_clients;
mod reference_store;
mod rule_coverage;
mod sandbox;
mod scenario_parse;
mod scenario_steps;
mod serve_hardening;
mod server_faults;
mod server_http;
mod server_uploads;
mod shards;
mod signals;
mod traces;
mod untrusted;
mod upload_checks;
