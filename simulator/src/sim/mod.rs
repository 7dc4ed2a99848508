//! The simulation: one event loop over the virtual clock that drives the app process,
//! the daemon and the network, and records everything in the history.

/// The daemon's view of the world, borrowed field by field from a `Simulation`.
macro_rules! daemon_env {
    ($sim:expr) => {
        crate::daemon::Env {
            now: $sim.clock.now(),
            trace: &mut $sim.trace,
            clock: &mut $sim.clock,
            sandbox: &$sim.sandbox,
        }
    };
}

mod callbacks;
mod delivery;
mod extension;
mod lifecycle;
mod limits;
mod os_events;

pub(crate) use delivery::flush_held_events;
pub use extension::EXTENSION_DESCRIPTION_PREFIX;
pub use limits::{Budget, Limits, DEFAULT_DISK_BUDGET_BYTES, DEFAULT_MEMORY_BUDGET_BYTES};
mod user;
mod wakes;

use crate::action::Action;
use crate::app::{App, AppFactory, AppState, ProcessRuntime, Queue, Work};
use crate::clock::Clock;
use crate::daemon::{Daemon, DaemonEvent, DelegateEvent};
use crate::network::{Dialer, Network, NetworkConfig};
use crate::profile::Profile;
use crate::sandbox::Sandbox;
use crate::seed::Seeds;
use crate::time::SimTime;
use crate::trace::History;
use rand::Rng;
use std::collections::BTreeSet;
use std::io;
use std::rc::Rc;

/// Everything scheduled on the clock.
pub(crate) enum Event {
    /// A timeline step.
    Action(Action),
    /// Work on one of the app process's queues.
    App {
        generation: u64,
        queue: Queue,
        work: Work,
    },
    /// The daemon's own events.
    Daemon(DaemonEvent),
    /// The app called a completion handler for the first time.
    HandlerCalled { generation: u64, handler: u64 },
    /// LC-10: the wake's time is up.
    WakeDeadline { generation: u64, handler: u64 },
    /// The background grace after Home has passed: the system suspends the app.
    AutoSuspend { generation: u64, epoch: u64 },
    /// LC-2 / LC-3: wake or relaunch the app for a session's events.
    Wake { session: String },
}

/// How a simulation is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The master seed.
    pub seed: u64,
    /// iOS behaviour knobs.
    pub profile: Profile,
    /// The device's network.
    pub network: NetworkConfig,
    /// Power and Wi-Fi (SCHED-1).
    pub device: crate::device::DeviceConfig,
    /// The app's bundle identifier (names the daemon's download folder, FILE-3).
    pub bundle_id: String,
    /// Bound on the number of events one run may process ([`DEFAULT_MAX_EVENTS`] unless set).
    pub max_events: u64,
    /// A stop from outside, and the run's disk and memory budgets.
    pub limits: Limits,
    /// Where the run's files live: on disk (the default) or in memory.
    pub storage: crate::sandbox::Storage,
}

/// The default event bound: a thousand times the longest shipped scenario, and reached in
/// seconds by a run that never settles (a retry loop against a server that always cuts), so
/// such a run ends quickly with exit code 3 rather than running for minutes.
pub const DEFAULT_MAX_EVENTS: u64 = 200_000;

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            profile: Profile::default(),
            network: NetworkConfig::default(),
            device: crate::device::DeviceConfig::default(),
            bundle_id: "com.example.app".into(),
            max_events: DEFAULT_MAX_EVENTS,
            limits: Limits::default(),
            storage: Default::default(),
        }
    }
}

/// Why [`Simulation::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Nothing was left to happen: the run settled.
    Quiet,
    /// The horizon was reached with events still scheduled after it.
    Horizon,
    /// The event bound was reached first: the run did not settle.
    EventLimit,
    /// Stopped from outside (a signal) before it settled.
    Stopped,
    /// A budget of the machine's resources ran out before the run settled.
    OverBudget(Budget),
}

/// A wake in progress: its handler and session.
struct ActiveWake {
    handler: u64,
    session: String,
    /// LC-10: when its budget runs out.
    deadline: SimTime,
}

/// The app process.
struct Process {
    state: AppState,
    /// Changes at every launch and death, so work of a dead process never runs.
    generation: u64,
    /// Changes at every state change, so a stale auto-suspend does nothing.
    epoch: u64,
    app: Option<Box<dyn App>>,
    rt: ProcessRuntime,
    wakes: Vec<ActiveWake>,
    /// Work held while the process is suspended, in order.
    frozen: Vec<Event>,
}

/// A deterministic simulation of one app on one phone.
pub struct Simulation {
    clock: Clock<Event>,
    trace: History,
    sandbox: Sandbox,
    daemon: Daemon,
    profile: Profile,
    factory: AppFactory,
    process: Process,
    wakes_scheduled: BTreeSet<String>,
    /// PWR-2: with Background App Refresh off, no wakes.
    background_app_refresh: bool,
    next_handler: u64,
    events_run: u64,
    max_events: u64,
    limits: Limits,
    /// ID-5 / ID-6: the app extension process, while it runs.
    extension: Option<extension::Extension>,
}

impl Simulation {
    /// Builds a simulation: a fresh sandbox, a daemon with no sessions, the app not running.
    pub fn new(
        config: SimConfig,
        factory: AppFactory,
        dialer: Rc<dyn Dialer>,
    ) -> io::Result<Simulation> {
        let seeds = Seeds::new(config.seed);
        let mut ids = seeds.stream("sandbox");
        let uuid = format!(
            "{:08X}-{:04X}-4{:03X}-A{:03X}-{:012X}",
            ids.next_u32(),
            ids.next_u32() & 0xFFFF,
            ids.next_u32() & 0xFFF,
            ids.next_u32() & 0xFFF,
            ids.next_u64() & 0xFFFF_FFFF_FFFF
        );
        let mut sandbox = Sandbox::new(uuid, config.storage)?;
        let background_app_refresh = config.device.background_app_refresh;
        sandbox.set_complete_protection(config.device.complete_protection);
        let daemon = Daemon::new(
            config.bundle_id,
            config.profile.clone(),
            Network::new(config.network),
            config.device,
            dialer,
            seeds.stream("daemon"),
            crate::choices::Choices::new(
                config.profile.interleavings,
                config.profile.wake_policy,
                seeds.stream("choices"),
                seeds.stream("wakes"),
            ),
        );
        Ok(Simulation {
            clock: Clock::default(),
            trace: History::default(),
            sandbox,
            daemon,
            profile: config.profile,
            factory,
            process: Process {
                state: AppState::NotRunning,
                generation: 0,
                epoch: 0,
                app: None,
                rt: ProcessRuntime::default(),
                wakes: Vec::new(),
                frozen: Vec::new(),
            },
            wakes_scheduled: BTreeSet::new(),
            background_app_refresh,
            next_handler: 1,
            events_run: 0,
            max_events: config.max_events,
            limits: config.limits,
            extension: None,
        })
    }

    /// Schedules a timeline step.
    pub fn schedule(&mut self, at: SimTime, action: Action) {
        self.clock.schedule(at, Event::Action(action));
    }

    /// Runs every event due up to `horizon`, then moves the clock there (when finite).
    pub async fn run_until(&mut self, horizon: SimTime) -> RunEnd {
        while let Some(t) = self.clock.peek_time() {
            if t > horizon {
                self.clock.advance_to(horizon);
                return RunEnd::Horizon;
            }
            if self.events_run >= self.max_events {
                return RunEnd::EventLimit;
            }
            match self.limits.check(self.events_run, &self.sandbox) {
                Some(limits::Verdict::Stop) => return RunEnd::Stopped,
                Some(limits::Verdict::Over(budget)) => return RunEnd::OverBudget(budget),
                None => {}
            }
            let (_, event) = self.clock.pop().expect("peeked");
            self.events_run += 1;
            self.dispatch(event).await;
        }
        if horizon < SimTime::NEVER {
            self.clock.advance_to(horizon);
        }
        if let Some(budget) = self.limits.over_budget(&self.sandbox) {
            return RunEnd::OverBudget(budget);
        }
        RunEnd::Quiet
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.clock.now()
    }

    /// The history so far.
    pub fn history(&self) -> &History {
        &self.trace
    }

    /// The sandbox (the container's files, for checks).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// The app's state.
    pub fn app_state(&self) -> AppState {
        self.process.state
    }

    /// Events processed so far.
    pub fn events_run(&self) -> u64 {
        self.events_run
    }

    /// Ends the simulation, keeping its history and sandbox.
    pub fn finish(self) -> (History, Sandbox) {
        (self.trace, self.sandbox)
    }

    async fn dispatch(&mut self, event: Event) {
        match event {
            Event::Action(a) => self.apply(a),
            Event::App {
                generation,
                queue,
                work,
            } => {
                if generation != self.process.generation {
                    return;
                }
                let event = Event::App {
                    generation,
                    queue,
                    work,
                };
                if self.process.state == AppState::Suspended {
                    self.process.frozen.push(event);
                } else if self.process.rt.busy_until > self.now() {
                    let until = self.process.rt.busy_until;
                    self.clock.schedule(until, event);
                } else if let Event::App { queue, work, .. } = event {
                    self.run_work(queue, work);
                }
            }
            Event::Daemon(ev) => {
                let mut env = daemon_env!(self);
                self.daemon.handle(&mut env, ev).await;
                self.route();
            }
            Event::HandlerCalled {
                generation,
                handler,
            } => {
                if generation == self.process.generation {
                    self.end_wake(handler);
                }
            }
            Event::WakeDeadline {
                generation,
                handler,
            } => {
                if generation == self.process.generation {
                    self.wake_deadline(handler);
                }
            }
            Event::AutoSuspend { generation, epoch } => {
                let p = &self.process;
                if generation == p.generation
                    && epoch == p.epoch
                    && p.state == AppState::Background
                    && p.wakes.is_empty()
                {
                    self.suspend();
                }
            }
            Event::Wake { session } => {
                self.wakes_scheduled.remove(&session);
                self.wake(&session);
            }
        }
    }

    /// Sends what the daemon emitted where it can go: live to a running process whose
    /// session is connected (LC-8), dropped if it is progress nobody can see (ORD-6),
    /// held otherwise (ORD-7). Then wakes whoever should be woken (LC-6).
    fn route(&mut self) {
        let running = self.process.state.is_running();
        let mut to_extension = Vec::new();
        for (session, ev) in self.daemon.take_emitted() {
            let Some(s) = self.daemon.sessions.get_mut(&session) else {
                continue;
            };
            // INV-3 knob: an iOS 10 bug lost did-become-invalid after finishTasksAndInvalidate
            // when the app had gone to the background meanwhile.
            if matches!(ev, DelegateEvent::Invalidated { error: None, .. })
                && std::mem::take(&mut s.backgrounded_while_invalidating)
            {
                let lost = crate::trace::What::InvalidationLost { session };
                self.record(crate::trace::Actor::Daemon, lost);
                continue;
            }
            // ID-5: the process connected to the session receives its events.
            if s.extension {
                to_extension.push(ev);
                continue;
            }
            let deliverable = running && s.connected;
            // HTTP-3's knob: an upload's response body held for a later process, or not.
            let unseen_body = matches!(ev, DelegateEvent::ReceivedData { .. })
                && !self.profile.upload_response_on_connect;
            if deliverable || !(ev.is_progress() || unseen_body) {
                s.outbox.push_back(ev);
                s.wake_blocked = false;
            }
            if deliverable {
                let generation = self.process.generation;
                let trace = &mut self.trace;
                flush_held_events(
                    &mut self.daemon,
                    &mut self.clock,
                    trace,
                    generation,
                    &session,
                );
            }
        }
        for ev in to_extension {
            self.extension_receives(ev);
        }
        self.check_wakes();
    }
}
