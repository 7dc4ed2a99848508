//! One `cargo test` test per scenario file, through libtest-mimic: each file is a test
//! named after it, filterable (`cargo test -- t1`), listed by `--list`, run in parallel,
//! and run by cargo-nextest as well.
//!
//! In the crate's `Cargo.toml`:
//!
//! ```toml
//! [[test]]
//! name = "scenarios"
//! harness = false
//! ```

use super::{scenario_files, Harness};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::Arc;

impl Harness {
    /// A test for every scenario file below `paths`, named by its path inside the folder
    /// given, without `.toml` (`t1-system-kill-batched-relaunch`). Each test runs its
    /// scenario and fails with the verdict's explanation and replay line. A folder that
    /// cannot be read gives one failing test that says so.
    pub fn trials(&self, paths: &[impl AsRef<Path>]) -> Vec<Trial> {
        let harness = Arc::new(self.clone());
        let mut trials = Vec::new();
        for root in paths {
            let root = root.as_ref();
            match scenario_files(&[root]) {
                Ok(files) => trials.extend(files.into_iter().map(|file| {
                    let harness = Arc::clone(&harness);
                    Trial::test(test_name(root, &file), move || {
                        let verdict = harness.run_file(&file).map_err(Failed::from)?;
                        match verdict.passed {
                            true => Ok(()),
                            false => Err(verdict.failure_message().into()),
                        }
                    })
                    .with_kind("scenario")
                })),
                Err(e) => {
                    let message = e.to_string();
                    trials.push(Trial::test(root.display().to_string(), move || {
                        Err(message.into())
                    }));
                }
            }
        }
        trials
    }

    /// The `main` of a `harness = false` test target: every scenario file below `paths`
    /// is a test of its own (see [`Harness::trials`]); exits with the test run's code.
    ///
    /// ```no_run
    /// # #[derive(Default)] struct MyApp;
    /// # use bgsim::harness::*;
    /// # impl App for MyApp {
    /// #     fn did_finish_launching(&mut self, _: &mut AppContext<'_>, _: &LaunchOptions) {}
    /// #     fn handle_events_for_background_session(&mut self, _: &mut AppContext<'_>, _: &str, _: CompletionHandler) {}
    /// #     fn user_tapped_download(&mut self, _: &mut AppContext<'_>, _: &str, _: &str) {}
    /// # }
    /// // tests/scenarios.rs
    /// fn main() {
    ///     Harness::new()
    ///         .app("mine", MyApp::default)
    ///         .against("mine")
    ///         .test_main(&["scenarios"]);
    /// }
    /// ```
    pub fn test_main(&self, paths: &[impl AsRef<Path>]) -> ! {
        let args = Arguments::from_args();
        libtest_mimic::run(&args, self.trials(paths)).exit()
    }
}

/// `file`'s path inside `root`, without `.toml`; a file given on its own is its stem.
fn test_name(root: &Path, file: &Path) -> String {
    let inside: PathBuf = file.strip_prefix(root).unwrap_or(file).with_extension("");
    match inside.as_os_str().is_empty() {
        true => file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        false => inside.to_string_lossy().into_owned(),
    }
}
