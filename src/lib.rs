//! # bgsim: test your iOS background-download code on Linux
//!
//! iOS runs background downloads in a system daemon while the app is suspended, killed or
//! relaunched. bgsim models that phone deterministically (a virtual clock, one seed), drives
//! *your* delegate code through it against a real local HTTP server that misbehaves on
//! purpose, and judges what happened with checks that know iOS's rules (docs/rules.md).
//!
//! Everything a user needs is in [`harness`]. An app is a factory of objects implementing
//! [`harness::App`] (UIKit's app delegate) whose sessions use a
//! [`harness::DownloadDelegate`]; it acts through [`harness::AppContext`], the SDK surface.
//! Here a tiny app is run against a scenario written inline:
//!
//! ```
//! use bgsim::harness::*;
//! use std::{cell::RefCell, rc::Rc};
//!
//! #[derive(Default)]
//! struct Tiny {
//!     session: Option<SessionHandle>,
//! }
//!
//! impl App for Tiny {
//!     fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
//!         let config = SessionConfig::background("com.example.tiny");
//!         self.session = Some(ctx.create_background_session(config, Rc::new(RefCell::new(Saver))));
//!     }
//!     fn handle_events_for_background_session(
//!         &mut self, ctx: &mut AppContext<'_>, _: &str, handler: CompletionHandler,
//!     ) {
//!         handler.call(ctx); // too early: a real app waits for didFinishEvents (CH-2)
//!     }
//!     fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, to: &str) {
//!         let task = ctx.download_task(self.session.unwrap(), url).unwrap();
//!         ctx.set_task_description(&task, to); // where the file goes, kept by the daemon
//!         ctx.resume(&task);
//!     }
//! }
//!
//! struct Saver;
//!
//! impl DownloadDelegate for Saver {
//!     fn did_finish_downloading_to(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, tmp: &str) {
//!         let to = task.task_description.clone().unwrap();
//!         ctx.move_item(tmp, &to).unwrap(); // inside the callback: the file goes after it (FILE-1)
//!     }
//! }
//!
//! let harness = Harness::new().app("tiny", Tiny::default);
//! let scenario = harness.parse(r#"
//!     name = "a download in the foreground"
//!     rules = ["FILE-1"]
//!     app = "tiny"
//!     [[fixture]]
//!     path = "/photo.jpg"
//!     size = "256KiB"
//!     seed = 7
//!     [[step]]
//!     at = "0s"
//!     do = "launch"
//!     [[step]]
//!     at = "1s"
//!     do = "download"
//!     url = "/photo.jpg"
//!     to = "Documents/photo.jpg"
//!     [expect]
//!     files = { "Documents/photo.jpg" = "/photo.jpg" }
//! "#, "inline.toml").unwrap();
//! harness.run(&scenario).unwrap().assert_passed();
//! ```
//!
//! The same app fails the shipped scenario of a system kill, and the verdict says why, with
//! the history events that show it and the command that replays it. The layers under the
//! harness (the scenario format, the world, the checks, the fuzzer, the server) are private;
//! docs/design.md describes them.

#![warn(missing_docs)]
// Without `internals`, the layers' items that only bgsim's own tests call are unused.
#![cfg_attr(not(feature = "internals"), allow(dead_code))]

/// Declares bgsim's internal layers: private to the crate, but public (and hidden from
/// the documentation) with the `internals` feature, which only bgsim's own tests enable.
macro_rules! layers {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$doc])*
        #[cfg(not(feature = "internals"))]
        mod $name;
    )*};
}

pub mod harness;

layers! {
    /// Apps compiled into bgsim: the reference app, the article's app, the mutants.
    apps,
    /// `bgsim bench`: speed and memory against baselines.
    bench,
    /// The checks, judged on a run's history, container and server.
    check,
    /// The command line.
    cli,
    /// SIGINT, SIGTERM and SIGHUP: a clean stop.
    interrupt,
    /// Generated lifecycles and shrinking.
    fuzz,
    /// The C allocator's settings for a fuzzing campaign.
    heap,
    /// Every buggy variant against every scenario.
    kill_matrix,
    /// The registry of apps by name.
    registry,
    /// Apps in other languages: child processes speaking the app protocol.
    protocol,
    /// Text, JSON and HTML reports.
    report,
    /// The process's limit on open files: raised at start-up, its exhaustion a finding.
    open_files,
    /// The rules of docs/rules.md, by ID and status.
    rules,
    /// Run a scenario and compare with what it expects.
    runner,
    /// The scenario file format.
    scenario,
    /// A K-of-N split of a campaign's runs or of scenario files, for N machines.
    shard,
    /// The hyper fixture server.
    server,
    /// A world: app, fixtures, timeline, transport.
    world,
}

pub use bgsim_simulator as simulator;
