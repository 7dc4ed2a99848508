//! A history turned into what the page draws: lanes of segments (the app's process state,
//! the network and the device), one lane per task with its bytes over time, and a mark per
//! event. Pure: no I/O, deterministic (ordered maps only), so the same run gives the same
//! page bytes. Every position is in display units of the squeezed [`Axis`].

use super::axis::Axis;
use super::tasks::{task_of, TaskLane};
use crate::check::Violation;
use bgsim_simulator::trace::{Actor, Record, What};
use bgsim_simulator::{Action, DeviceConfig};
use serde::Serialize;

/// A stretch of a lane in one state: `[x0, x1, state]`.
pub type Segment = (u64, u64, String);

/// A lane of states over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateLane {
    pub name: &'static str,
    pub segs: Vec<Segment>,
}

/// A violation, with what the page needs to explain it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ViolationView {
    pub check: String,
    pub statement: String,
    pub explanation: String,
    pub message: String,
    /// Indices into the history (`lines`).
    pub events: Vec<usize>,
    /// The scenario said this check would fail: shown, but not as the run's failure.
    pub expected: bool,
}

/// Everything drawn for one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timeline {
    /// Each event's history line, as the text report prints it.
    pub lines: Vec<String>,
    /// Each event's position on the axis.
    pub x: Vec<u64>,
    pub axis: Axis,
    /// The process lane, then the network and device lanes.
    pub lanes: Vec<StateLane>,
    /// Wakes with their budget: `[x0, x1, event]`.
    pub wakes: Vec<(u64, u64, usize)>,
    /// Marks of events that belong to no task: `[event, kind]`.
    pub marks: Vec<(usize, &'static str)>,
    pub tasks: Vec<TaskLane>,
    pub violations: Vec<ViolationView>,
}

/// What kind of mark an event is, which sets its colour and legend entry.
pub fn kind(r: &Record) -> &'static str {
    match &r.what {
        What::HandlerCalled { .. } | What::HandleEventsReturned { .. } => "handler",
        What::Wake { .. } => "wake",
        What::Callback { .. } | What::ExtensionGot(_) => "callback",
        What::RequestSent { .. } | What::UploadRequestSent { .. } => "attempt",
        What::Panicked { .. }
        | What::Exception { .. }
        | What::ProcessFailed { .. }
        | What::Failed { .. }
        | What::WakeBudgetExceeded { .. }
        | What::HandlerNeverCalled { .. }
        | What::EventsLost { .. } => "error",
        What::Step(_) | What::Ignored { .. } | What::IgnoredWhileLocked { .. } => "step",
        What::State { .. } | What::Launched { .. } => "state",
        _ if r.actor == Actor::App => "sdk",
        _ => "system",
    }
}

/// A lane of a two-state property that changes at some events.
struct Flip {
    name: &'static str,
    on: &'static str,
    off: &'static str,
    state: bool,
    since: u64,
    segs: Vec<Segment>,
    changed: bool,
}

impl Flip {
    fn new(name: &'static str, on: &'static str, off: &'static str, state: bool) -> Flip {
        Flip {
            name,
            on,
            off,
            state,
            since: 0,
            segs: Vec::new(),
            changed: false,
        }
    }
    fn set(&mut self, x: u64, state: bool) {
        self.changed = true;
        if state != self.state {
            self.close(x);
            self.state = state;
            self.since = x;
        }
    }
    fn close(&mut self, x: u64) {
        if x > self.since || self.segs.is_empty() {
            let label = if self.state { self.on } else { self.off };
            self.segs.push((self.since, x, label.to_string()));
        }
    }
    fn finish(mut self, end: u64) -> StateLane {
        self.close(end);
        StateLane {
            name: self.name,
            segs: self.segs,
        }
    }
}

/// The timeline of `records`, a run that started with the device in `device`.
/// `unexpected` are the violations the scenario did not expect (the others are shown as
/// expected).
pub fn build(
    records: &[Record],
    device: &DeviceConfig,
    violations: &[Violation],
    unexpected: &[Violation],
) -> Timeline {
    let times: Vec<u64> = records.iter().map(|r| r.at.as_us()).collect();
    let axis = Axis::new(&times);
    let x: Vec<u64> = times.iter().map(|&t| axis.x(t)).collect();
    let end = axis.end();
    let lines = records
        .iter()
        .map(|r| crate::report::escape(&r.to_string()).into_owned())
        .collect();

    let mut process: Vec<Segment> = Vec::new();
    let (mut state, mut since) = ("not-running".to_string(), 0u64);
    let mut network = Flip::new("network", "up", "down", true);
    let mut wifi = Flip::new("wifi", "wifi", "cellular", device.wifi);
    let mut charging = Flip::new("charging", "charging", "battery", device.charging);
    let mut locked = Flip::new("locked", "locked", "unlocked", false);
    let mut low_power = Flip::new("low power", "on", "off", device.low_power);
    let mut low_data = Flip::new("low data", "on", "off", device.low_data_mode);
    let mut wakes = Vec::new();
    let mut marks = Vec::new();
    let mut tasks: Vec<TaskLane> = Vec::new();
    let mut task_index = std::collections::BTreeMap::new();

    for (r, &rx) in records.iter().zip(&x) {
        match &r.what {
            What::State { to, .. } => {
                if rx > since {
                    process.push((since, rx, std::mem::take(&mut state)));
                }
                state = to.to_string();
                since = rx;
            }
            What::Network { up } => network.set(rx, *up),
            What::Step(Action::Wifi { on }) => wifi.set(rx, *on),
            What::Step(Action::Charger { connected }) => charging.set(rx, *connected),
            What::Step(Action::Lock) => locked.set(rx, true),
            What::Step(Action::Unlock) => locked.set(rx, false),
            What::Step(Action::LowPower { on }) => low_power.set(rx, *on),
            What::Step(Action::LowDataMode { on }) => low_data.set(rx, *on),
            What::Wake { budget, .. } => {
                let until = axis.x(r.at.as_us().saturating_add(duration_us(*budget)));
                wakes.push((rx, until, r.seq));
            }
            _ => {}
        }
        match task_of(&r.what) {
            Some(key) => {
                let i = *task_index.entry(key.clone()).or_insert_with(|| {
                    tasks.push(TaskLane::new(key.to_string(), rx));
                    tasks.len() - 1
                });
                tasks[i].add(r, rx, kind(r));
            }
            None => marks.push((r.seq, kind(r))),
        }
    }
    if end > since || process.is_empty() {
        process.push((since, end, state));
    }
    let mut lanes = vec![StateLane {
        name: "process",
        segs: process,
    }];
    lanes.extend([network, wifi, charging, locked].map(|f| f.finish(end)));
    // Low Power and Low Data Mode take a lane only when they play a part in the run.
    for f in [low_power, low_data] {
        if f.changed || f.state {
            lanes.push(f.finish(end));
        }
    }
    let violations = violations
        .iter()
        .map(|v| {
            let check = crate::check::find(v.check);
            ViolationView {
                check: v.check.to_string(),
                statement: check.map_or("", |c| c.statement).to_string(),
                explanation: check
                    .map_or("", |c| c.explanation)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                message: crate::report::escape(&v.message).into_owned(),
                events: v.events.clone(),
                expected: !unexpected.contains(v),
            }
        })
        .collect();
    Timeline {
        lines,
        x,
        axis,
        lanes,
        wakes,
        marks,
        tasks,
        violations,
    }
}

fn duration_us(d: std::time::Duration) -> u64 {
    bgsim_simulator::time::duration_us(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bgsim_simulator::app::{AppState, Queue, TaskKey};
    use bgsim_simulator::trace::{Callback, History};
    use bgsim_simulator::SimTime;
    use std::time::Duration;

    fn key() -> TaskKey {
        TaskKey {
            session: "s".into(),
            task_id: 1,
        }
    }

    /// Launch, a download that writes twice, a day offline, a wake, a completion.
    fn history() -> History {
        let mut h = History::default();
        let s = SimTime::from_secs;
        h.push(s(0), Actor::User, What::Step(Action::Launch));
        let (from, to) = (AppState::NotRunning, AppState::Foreground);
        h.push(s(0), Actor::System, What::State { from, to });
        let (task, url) = (key(), "http://x/a.bin".to_string());
        h.push(s(1), Actor::App, What::TaskCreated { task, url, from_resume_data: None });
        let (range, if_range) = (None, None);
        h.push(s(1), Actor::Daemon, What::RequestSent { task: key(), attempt: 1, range, if_range });
        for total in [100, 300] {
            let callback = Callback::DidWriteData { task: key(), written: 100, total, expected: 300 };
            h.push(s(2), Actor::Daemon, What::Callback { queue: Queue::Main, callback });
        }
        h.push(s(3), Actor::Net, What::Network { up: false });
        let (from, to) = (AppState::Foreground, AppState::Suspended);
        h.push(s(4), Actor::System, What::State { from, to });
        h.push(s(86_404), Actor::Net, What::Network { up: true });
        let (session, budget) = ("s".to_string(), Duration::from_secs(30));
        h.push(s(86_405), Actor::System, What::Wake { session, handler: 1, budget });
        h
    }

    #[test]
    fn lanes_segments_and_marks_follow_the_history() {
        let h = history();
        let t = build(h.records(), &DeviceConfig::default(), &[], &[]);
        assert_eq!(t.lines.len(), h.len());
        assert_eq!(t.lines[0], h.records()[0].to_string());
        let process: Vec<&str> = t.lanes[0].segs.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(process, ["foreground", "suspended"]);
        let network: Vec<&str> = t.lanes[1].segs.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(network, ["up", "down", "up"]);
        let names: Vec<&str> = t.lanes.iter().map(|l| l.name).collect();
        assert_eq!(names, ["process", "network", "wifi", "charging", "locked"]);
        // The day offline is squeezed: the wake is drawn a few seconds after the start.
        assert!(t.axis.pieces.iter().any(|p| p.gap && p.label == "⋯ 1d ⋯"));
        assert!(t.x[9] < 10_000_000, "{:?}", t.x);
        assert_eq!(t.wakes, [(t.x[9], t.x[9] + 30_000_000, 9)]);
        assert_eq!(t.tasks.len(), 1);
        let task = &t.tasks[0];
        assert_eq!((task.name.as_str(), task.url.as_str()), ("s#1", "http://x/a.bin"));
        assert_eq!(task.attempts, 1);
        assert_eq!(task.bytes, [(t.x[4], 100), (t.x[5], 300)]);
        let kinds: Vec<&str> = task.marks.iter().map(|m| m.1).collect();
        assert_eq!(kinds, ["sdk", "attempt", "callback", "callback"]);
        let loose: Vec<usize> = t.marks.iter().map(|m| m.0).collect();
        assert_eq!(loose, [0, 1, 6, 7, 8, 9]);
    }

    #[test]
    fn violations_carry_their_check_and_events() {
        let h = history();
        let v = Violation {
            check: "handler-once",
            message: "twice".into(),
            events: vec![9],
        };
        let one = std::slice::from_ref(&v);
        let t = build(h.records(), &DeviceConfig::default(), one, one);
        assert_eq!(t.violations.len(), 1);
        assert_eq!(t.violations[0].events, [9]);
        assert!(!t.violations[0].expected);
        assert!(!t.violations[0].statement.is_empty());
    }
}
