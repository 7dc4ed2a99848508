//! Every scenario of this crate's scenarios/ folder, and bgsim's T1 to T5, as a test of its
//! own, run against the app: `cargo test -p downloads-example --test scenarios -- t1`.
fn main() {
    let canonical = [
        "t1-system-kill-batched-relaunch",
        "t2-force-quit-then-user-launch",
    ]
    .map(|t| format!("../../scenarios/{t}.toml"));
    let mut paths = vec!["scenarios".to_string()];
    paths.extend(canonical);
    downloads_example::harness()
        .against("downloads")
        .test_main(&paths);
}
