//! Coverage marks (docs/design.md#coverage-marks): counters for rare situations a campaign should
//! reach. A mark never reached says the generator cannot get there, which no amount of
//! passing runs would show.

use bgsim_simulator::app::{AppState, CancelReason, UrlError};
use bgsim_simulator::trace::{Callback, Record, What};
use bgsim_simulator::Action;

/// A rare situation, recognised in a history.
pub struct Mark {
    /// Its name, as reported.
    pub name: &'static str,
    /// Whether `records` show it.
    pub seen: fn(&[Record]) -> bool,
}

fn callback(r: &Record) -> Option<&Callback> {
    match &r.what {
        What::Callback { callback, .. } => Some(callback),
        _ => None,
    }
}

/// Whether a task waited for a reason containing `needle` (SCHED-1, PWR-1, P7).
fn waited(rs: &[Record], needle: &str) -> bool {
    (rs.iter()).any(|r| matches!(&r.what, What::Waiting { reason, .. } if reason.contains(needle)))
}

/// Whether the seed chose at a point of `rule` (`interleavings` or `wake_policy` seeded).
fn chose(rs: &[Record], rule: &str) -> bool {
    (rs.iter()).any(|r| matches!(&r.what, What::Chose { rule: r, .. } if *r == rule))
}

/// Whether the step `action` came while a task of the app was still at work (created and
/// not yet complete): an OS event that met nothing under way tests little.
fn step_mid_task(rs: &[Record], action: fn(&Action) -> bool) -> bool {
    let mut at_work = std::collections::BTreeSet::new();
    rs.iter().any(|r| {
        match &r.what {
            What::TaskCreated { task, .. } => {
                at_work.insert(task.clone());
            }
            What::Callback {
                callback: Callback::DidCompleteWithError { task, .. },
                ..
            } => {
                at_work.remove(task);
            }
            What::Reinstalled { .. } => at_work.clear(),
            What::Step(a) => return action(a) && !at_work.is_empty(),
            _ => {}
        }
        false
    })
}

/// Every mark, in report order.
pub const MARKS: &[Mark] = &[
    Mark {
        name: "relaunch with held events",
        seen: |rs| {
            rs.iter().any(|r| {
                matches!(
                    r.what,
                    What::Launched {
                        in_background: true,
                        ..
                    }
                )
            })
        },
    },
    Mark {
        name: "completion during a wake",
        seen: |rs| {
            let mut in_wake = false;
            rs.iter().any(|r| {
                match &r.what {
                    What::Wake { .. } => in_wake = true,
                    What::State {
                        to: AppState::Suspended,
                        ..
                    } => in_wake = false,
                    _ => {}
                }
                in_wake
                    && matches!(
                        callback(r),
                        Some(Callback::DidCompleteWithError { error: None, .. })
                    )
            })
        },
    },
    Mark {
        name: "force-quit mid-transfer",
        seen: |rs| {
            rs.iter().any(|r| {
                matches!(&r.what, What::Failed { error, .. }
                    if error.cancel_reason == Some(CancelReason::UserForceQuitApplication)
                        && error.resume_data.is_some())
            })
        },
    },
    Mark {
        name: "connection lost mid-body",
        seen: |rs| {
            rs.iter()
                .any(|r| matches!(r.what, What::Interrupted { bytes, .. } if bytes > 0))
        },
    },
    Mark {
        name: "purge while resume data is held",
        seen: |rs| {
            rs.iter()
                .any(|r| matches!(r.what, What::ResumeBytesGone { .. }))
        },
    },
    Mark {
        name: "resume after the resource changed",
        seen: |rs| {
            rs.iter().any(|r| {
                matches!(
                    callback(r),
                    Some(Callback::DidResumeAtOffset { offset: 0, .. })
                )
            })
        },
    },
    Mark {
        name: "ranged resume",
        seen: |rs| {
            rs.iter()
                .any(|r| matches!(&r.what, What::RequestSent { range: Some(_), .. }))
        },
    },
    Mark {
        name: "rate limiter at 2 minutes or more",
        seen: |rs| {
            rs.iter()
                .any(|r| matches!(r.what, What::RateLimiter { delay } if delay.as_secs() >= 120))
        },
    },
    Mark {
        name: "request timed out",
        seen: |rs| {
            rs.iter().any(|r| {
                matches!(&r.what, What::Failed { error, .. } if error.code == UrlError::TIMED_OUT)
                    || matches!(&r.what, What::RequestTimedOut { .. })
            })
        },
    },
    Mark {
        name: "wake for an extension's session",
        seen: |rs| {
            let mut extension_sessions: Vec<&str> = Vec::new();
            rs.iter().any(|r| match &r.what {
                What::ExtensionSession { session, .. } => {
                    extension_sessions.push(session);
                    false
                }
                What::Wake { session, .. } => extension_sessions.contains(&session.as_str()),
                _ => false,
            })
        },
    },
    Mark {
        name: "upload across a suspension",
        seen: |rs| {
            let mut uploading = false;
            rs.iter().any(|r| {
                match &r.what {
                    What::UploadTaskCreated { .. } => uploading = true,
                    What::Uploaded { .. } => uploading = false,
                    _ => {}
                }
                uploading
                    && matches!(
                        r.what,
                        What::State {
                            to: AppState::Suspended,
                            ..
                        }
                    )
            })
        },
    },
    Mark {
        name: "step ignored in its state",
        seen: |rs| {
            rs.iter().any(|r| {
                matches!(
                    &r.what,
                    What::Ignored {
                        action: Action::Download { .. },
                        ..
                    }
                )
            })
        },
    },
    Mark {
        name: "discretionary work deferred on battery",
        seen: |rs| waited(rs, "discretionary: waits (not charging)"),
    },
    Mark {
        name: "discretionary work deferred on cellular",
        seen: |rs| waited(rs, "discretionary: waits (not on Wi-Fi)"),
    },
    Mark {
        name: "discretionary work deferred in Low Power Mode",
        seen: |rs| waited(rs, "discretionary: waits (Low Power Mode)"),
    },
    Mark {
        name: "a task held by the concurrency cap",
        seen: |rs| waited(rs, "(the cap)"),
    },
    Mark {
        name: "seeded wake before the other tasks are done",
        seen: |rs| {
            (rs.iter()).any(|r| {
                matches!(&r.what, What::Chose { rule: "LC-6", choice } if choice.contains(" now,"))
            })
        },
    },
    Mark {
        name: "seeded order of a batch",
        seen: |rs| chose(rs, "ORD-5"),
    },
    Mark {
        name: "main queue between held events",
        seen: |rs| chose(rs, "CH-2"),
    },
    Mark {
        name: "held event before handleEvents",
        seen: |rs| chose(rs, "LC-2"),
    },
    Mark {
        name: "app runs on after its handler",
        seen: |rs| chose(rs, "LC-9"),
    },
    Mark {
        name: "several sessions in one wake",
        seen: |rs| chose(rs, "CH-6"),
    },
    Mark {
        name: "progress in flight dropped at a pause",
        seen: |rs| chose(rs, "PROG-1"),
    },
    Mark {
        name: "restart with a task at work",
        seen: |rs| step_mid_task(rs, |a| matches!(a, Action::Reboot)),
    },
    Mark {
        name: "app update with a task at work",
        seen: |rs| step_mid_task(rs, |a| matches!(a, Action::AppUpdate)),
    },
    Mark {
        name: "reinstall that dropped tasks",
        seen: |rs| {
            (rs.iter()).any(|r| matches!(r.what, What::Reinstalled { tasks_dropped, .. } if tasks_dropped > 0))
        },
    },
    Mark {
        name: "an app write refused for space",
        seen: |rs| {
            (rs.iter()).any(|r| matches!(&r.what, What::File { error: Some(e), .. } if e.contains("ENOSPC")))
        },
    },
    Mark {
        name: "background launch with a task at work",
        seen: |rs| step_mid_task(rs, |a| matches!(a, Action::BackgroundLaunch)),
    },
];

/// Which marks `records` show, as one flag per mark of [`MARKS`].
pub fn marks(records: &[Record]) -> Vec<bool> {
    MARKS.iter().map(|m| (m.seen)(records)).collect()
}
