//! The knobs of iOS behaviour. Defaults follow docs/rules.md#parameters-and-their-defaults; where the sources
//! disagree, the knob is here so a scenario can choose.

use std::time::Duration;

/// How the simulated iOS behaves where it is configurable.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// LC-10: how long a background wake may last before the app is killed.
    /// Apple's Energy Guide says about 10 s, folklore 30 s; the default is 30 s.
    pub bg_wake_budget: Duration,
    /// How long an app sent Home keeps running before the system suspends it.
    pub background_grace: Duration,
    /// PROG-1: `didWriteData` is reported at most this often per task...
    pub progress_interval: Duration,
    /// ...and for at least this many bytes per network step at full bandwidth.
    pub progress_granularity_bytes: u64,
    /// NET-3: the resource timeout of a session when its configuration sets none.
    pub resource_timeout_default: Duration,
    /// NET-2: the request (idle) timeout of a session when its configuration sets none.
    pub request_timeout_default: Duration,
    /// NET-2 / NET-4: first delay before retrying a failed connection; doubles up to the max.
    pub retry_backoff_initial: Duration,
    /// NET-2: cap of the retry backoff.
    pub retry_backoff_max: Duration,
    /// FILE-5: when the app is killed during a wake, drop the rest of the batch (radar 23478912).
    pub lose_undelivered_on_wake_kill: bool,
    /// RATE-2: the resume rate limiter's first delay (observed 60 s on iOS 12.4).
    pub rate_initial: Duration,
    /// RATE-1: the factor the delay grows by at each wake.
    pub rate_factor: u32,
    /// RATE-2: a cap on the delay (none is documented).
    pub rate_max: Option<Duration>,
    /// RATE-6: how late a task of a background session starts while the app is in the
    /// foreground (one report: about 29 s between fetchStart and requestStart). Observed
    /// once, not explained; none by default.
    pub foreground_start_delay: Duration,
    /// NET-6: the first load after the device booted (the start of the run) fails with
    /// -1001 without sending a request, as one report saw. Off by default.
    pub post_boot_timeout: bool,
    /// RES-6: a resume whose kept bytes were purged asks for the rest anyway, so the file
    /// holds only the rest (an observed bug). Off by default: iOS starts from byte 0.
    pub resume_after_temp_purge_corrupts: bool,
    /// NET-5: whether a download whose connection drops mid-body fails with -1005 (and
    /// resume data) instead of being retried inside the daemon. Undocumented for
    /// background sessions; retried by default.
    pub surface_connection_lost: bool,
    /// INV-3: an iOS 10 bug: after finishTasksAndInvalidate, did-become-invalid was never
    /// delivered if the app went to the background and back meanwhile. Off by default.
    pub invalidation_lost_after_background: bool,
    /// docs/bugs.md#p7: at most this many transfers at once per app (3 on iOS 9–10, 6 on
    /// iOS 11–12 by one measurement; undocumented, so none by default).
    pub max_concurrent_transfers: Option<usize>,
    /// PWR-1: whether Low Power Mode stops non-discretionary transfers too. Undocumented;
    /// off by default (only discretionary work is deferred).
    pub low_power_pauses_all: bool,
    /// HTTP-3: whether an upload's response body, held while the app did not run, is
    /// delivered (didReceiveData) once a process connects the session. Undocumented;
    /// delivered by default.
    pub upload_response_on_connect: bool,
    /// PROG-2: whether the expected size (`totalBytesExpectedToWrite`,
    /// `countOfBytesExpectedToReceive`, `expectedContentLength`) of a response with a
    /// Content-Encoding is -1: its Content-Length counts encoded bytes, not the size of the
    /// file the app gets. Undocumented; -1 by default. Off: the encoded length.
    pub encoded_length_unknown: bool,
    /// SCHED-4: a task whose client-expected bytes (`countOfBytesClientExpectsToReceive`
    /// plus `...ToSend`) exceed this does not start off Wi-Fi; it waits for Wi-Fi. iOS uses
    /// the values to schedule but documents no algorithm, so this is one pluggable guess;
    /// None (the default) gives them no effect.
    pub large_transfer_waits_for_wifi_bytes: Option<u64>,
    /// HTTP-4: the error code of a task whose authentication challenge the app never
    /// answered (its process was suspended or died first). Undocumented; -1012
    /// (`NSURLErrorUserCancelledAuthentication`) by default.
    pub unanswered_challenge_error: i64,
    /// LC-6 (a CONFLICT): when a session's finished tasks wake the app. Apple documents
    /// one wake once every task is done; apps in the field see wakes with tasks still
    /// listed. `AllDone` by default.
    pub wake_policy: WakePolicy,
    /// Where iOS gives no ordering guarantee (ORD-5, CH-2, LC-2, LC-9, CH-6, PROG-1):
    /// `Fixed` keeps one deterministic order (the default); `Seeded` lets the seed choose
    /// at each such point, and records what it chose.
    pub interleavings: Interleavings,
}

/// LC-6: what wakes the app for a session's finished tasks. In every policy a task the
/// app paused (`suspend()`, API-7) or one waiting for the network, an allowed interface or
/// discretionary conditions (NET-1, SCHED-1, SCHED-5) does not hold the wake back: only a
/// task on the wire, or one that will try again by itself, does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WakePolicy {
    /// One wake once no task of the session is still at work (as documented).
    #[default]
    AllDone,
    /// A wake as soon as a finished task's events are held (as reported from the field).
    EachCompletion,
    /// The seed decides, for each wake, whether it waits for the other tasks.
    Seeded,
}

/// Whether the model's unordered points take one fixed order or the seed's choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Interleavings {
    /// Today's order everywhere, so histories stay as they were.
    #[default]
    Fixed,
    /// The seed chooses at each point; `bgsim fuzz` uses this.
    Seeded,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            bg_wake_budget: Duration::from_secs(30),
            background_grace: Duration::from_secs(5),
            progress_interval: Duration::from_secs(1),
            progress_granularity_bytes: 64 * 1024,
            resource_timeout_default: Duration::from_secs(7 * 86_400),
            request_timeout_default: Duration::from_secs(60),
            retry_backoff_initial: Duration::from_secs(1),
            retry_backoff_max: Duration::from_secs(60),
            lose_undelivered_on_wake_kill: true,
            rate_initial: Duration::from_secs(60),
            rate_factor: 2,
            rate_max: None,
            foreground_start_delay: Duration::ZERO,
            post_boot_timeout: false,
            resume_after_temp_purge_corrupts: false,
            surface_connection_lost: false,
            invalidation_lost_after_background: false,
            max_concurrent_transfers: None,
            low_power_pauses_all: false,
            upload_response_on_connect: true,
            encoded_length_unknown: true,
            large_transfer_waits_for_wifi_bytes: None,
            unanswered_challenge_error: crate::app::UrlError::USER_CANCELLED_AUTHENTICATION,
            wake_policy: WakePolicy::AllDone,
            interleavings: Interleavings::Fixed,
        }
    }
}

impl Profile {
    /// The strict test profile: a 10 s wake budget, as Apple's Energy Guide states (LC-10).
    pub fn strict() -> Profile {
        Profile {
            bg_wake_budget: Duration::from_secs(10),
            ..Profile::default()
        }
    }
}
