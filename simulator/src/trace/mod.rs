//! The history: every event of a run, with its virtual time and who caused it, rendered
//! one line per event. Checks judge runs on it, snapshots record it, and its hash proves
//! determinism. It never contains ports, real paths or wall-clock times.

mod callback;
mod display;
mod kind;
mod what;

pub use callback::{Callback, FileOp};
pub use what::What;

use crate::seed::fnv1a64;
use crate::time::SimTime;
use std::fmt;

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The person holding the phone.
    User,
    /// iOS itself (UIKit, the scheduler).
    System,
    /// The network (reachability changes).
    Net,
    /// The app under test.
    App,
    /// nsurlsessiond.
    Daemon,
    /// An app extension process (a share extension): a scripted second client of the
    /// daemon, not the app under test (ID-5, ID-6).
    Extension,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Actor::User => "user",
            Actor::System => "system",
            Actor::Net => "net",
            Actor::App => "app",
            Actor::Daemon => "daemon",
            Actor::Extension => "ext",
        })
    }
}

/// One event of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Position in the history, from 0.
    pub seq: usize,
    /// When it happened.
    pub at: SimTime,
    /// Who did it.
    pub actor: Actor,
    /// What happened.
    pub what: What,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{:<4} {} {:<6} {}",
            self.seq, self.at, self.actor, self.what
        )
    }
}

/// The recorded history of a run.
#[derive(Clone, Debug, Default)]
pub struct History {
    records: Vec<Record>,
}

impl History {
    /// Appends an event.
    pub fn push(&mut self, at: SimTime, actor: Actor, what: What) {
        let seq = self.records.len();
        self.records.push(Record {
            seq,
            at,
            actor,
            what,
        });
    }

    /// All events, in order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The history, one line per event.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.records {
            out.push_str(&r.to_string());
            out.push('\n');
        }
        out
    }

    /// A stable 64-bit hash of the rendered history: equal hashes, equal runs.
    pub fn hash(&self) -> u64 {
        fnv1a64(self.render().as_bytes())
    }
}
