//! nsurlsessiond (ID-1): owns every session and task, outlives the app, runs the
//! transfers, and holds delegate events while no process can take them.
//!
//! The daemon never talks to the app directly: it emits [`DelegateEvent`]s and the
//! simulation routes them (live to a running process, LC-8; held otherwise, ORD-7).

mod auth;
mod data_task;
mod encoding;
mod expected_size;
mod extension;
mod idle;
mod restart;
mod resume;
mod suspend;
mod task;
mod transfer;
mod uninstall;
mod upload;
mod upload_copy;
mod wake;

use crate::app::{
    CancelReason, HttpResponse, ResumeData, SessionConfig, TaskInfo, TaskKey, UrlError,
};
use crate::clock::Clock;
use crate::device::DeviceConfig;
use crate::network::{Dialer, Network};
use crate::profile::Profile;
use crate::sandbox::{daemon_downloads_dir, Sandbox};
use crate::sim::Event;
use crate::time::SimTime;
use crate::trace::{Actor, History, What};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use resume::ResumeInfo;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;
use task::{Phase, Task, Validators};
use transfer::{End, Head, Transfer, Url};

/// What the daemon needs from the world for one operation.
pub(crate) struct Env<'a> {
    pub now: SimTime,
    pub trace: &'a mut History,
    pub clock: &'a mut Clock<Event>,
    pub sandbox: &'a Sandbox,
}

impl Env<'_> {
    fn record(&mut self, what: What) {
        self.trace.push(self.now, Actor::Daemon, what);
    }
}

/// A delegate callback the daemon wants delivered, in per-task order (ORD-1..ORD-3).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DelegateEvent {
    WriteData {
        task: TaskKey,
        written: u64,
        total: u64,
        expected: i64,
    },
    ResumedAt {
        task: TaskKey,
        offset: u64,
        expected: i64,
    },
    Finished {
        task: TaskKey,
        location: String,
        status: u16,
    },
    Completed {
        task: TaskKey,
        error: Option<UrlError>,
    },
    /// INV-1 / INV-2: the session's invalidation is complete. ID-5: `error` is -996 when
    /// the session was refused because another process holds its identifier.
    Invalidated {
        session: String,
        error: Option<UrlError>,
    },
    /// PROG-3: request body bytes of an upload went out.
    SentBodyData {
        task: TaskKey,
        sent: u64,
        total: u64,
        expected: i64,
    },
    /// API-4 / HTTP-3: response body bytes of a data task or an upload.
    ReceivedData { task: TaskKey, data: Vec<u8> },
    /// HTTP-4: a 401 challenge waits for the app's answer (daemon/auth.rs).
    Challenge {
        task: TaskKey,
        challenge: crate::app::AuthChallenge,
        id: u64,
    },
}

impl DelegateEvent {
    /// The task it is about (none for a session event).
    pub fn task(&self) -> Option<&TaskKey> {
        match self {
            DelegateEvent::WriteData { task, .. }
            | DelegateEvent::ResumedAt { task, .. }
            | DelegateEvent::Finished { task, .. }
            | DelegateEvent::Completed { task, .. }
            | DelegateEvent::SentBodyData { task, .. }
            | DelegateEvent::ReceivedData { task, .. }
            | DelegateEvent::Challenge { task, .. } => Some(task),
            DelegateEvent::Invalidated { .. } => None,
        }
    }

    /// The session it is for.
    pub fn session(&self) -> &str {
        match (self.task(), self) {
            (Some(t), _) => &t.session,
            (None, DelegateEvent::Invalidated { session, .. }) => session,
            (None, _) => unreachable!("only session events have no task"),
        }
    }
}

/// Events the daemon schedules for itself.
pub(crate) enum DaemonEvent {
    /// Start an attempt (if `epoch` is still current).
    Start { task: TaskKey, epoch: u64 },
    /// Response headers arrive, round trips after the request.
    Headers { task: TaskKey, epoch: u64 },
    /// One network step: every receiving task gets its share of the bandwidth.
    Step,
    /// NET-3: the resource timeout of a task.
    ResourceTimeout { task: TaskKey },
    /// NET-2: a stall shorter than the request timeout is over: release it.
    StallOver { task: TaskKey, epoch: u64 },
    /// NET-2: no data for the request timeout: the attempt fails with -1001.
    RequestTimeout { task: TaskKey, epoch: u64 },
}

/// A wake in progress for a session (LC-2, LC-3).
pub(crate) struct WakeState {
    pub handler: u64,
    /// Whether did-finish-events is queued behind the wake's events (ORD-4).
    pub finish_queued: bool,
    /// Events handed to the delegate queue and not yet delivered. An event made while the
    /// app handles the wake (a cancel's -999) is queued behind did-finish-events, which
    /// then waits for it: did-finish-events comes after the last event (ORD-4).
    pub deliveries_pending: usize,
}

/// A session as the daemon keeps it, by identifier, across app launches.
pub(crate) struct SessionState {
    pub config: SessionConfig,
    next_task_id: u64,
    /// Events waiting for a connected, running process (ORD-7).
    pub outbox: VecDeque<DelegateEvent>,
    /// Whether a session object of the current process is attached.
    pub connected: bool,
    pub wake: Option<WakeState>,
    /// A wake of this session was killed and its events kept (FILE-5 knob off): no new
    /// wake until a new event arrives or a process connects.
    pub wake_blocked: bool,
    /// LC-6, `wake_policy = seeded`: the seed's answer, for the next wake, to "does it come
    /// before the other tasks are done?"; drawn once per wake.
    pub partial_wake: Option<bool>,
    /// The process generation and time of the last delivery put on this session's delegate
    /// queue: a later one never goes before it (the queue is serial), even when the seed
    /// made an earlier one late (PROG-1).
    pub delivery_tail: (u64, SimTime),
    /// INV-1/INV-2: invalidation asked for; done once every task has completed.
    invalidating: bool,
    /// ID-5: an app extension process holds the session; its events go there, and the
    /// app's own connect is refused with -996 until the extension exits.
    pub extension: bool,
    /// INV-3: the app went to the background while this session was being invalidated.
    pub backgrounded_while_invalidating: bool,
}

impl SessionState {
    /// A session the daemon has not seen before: no tasks, nothing held, nobody connected.
    fn new(config: &SessionConfig) -> SessionState {
        SessionState {
            config: config.clone(),
            next_task_id: 1,
            outbox: VecDeque::new(),
            connected: false,
            wake: None,
            wake_blocked: false,
            partial_wake: None,
            delivery_tail: (0, SimTime::ZERO),
            invalidating: false,
            extension: false,
            backgrounded_while_invalidating: false,
        }
    }
}

/// The daemon.
pub(crate) struct Daemon {
    bundle_id: String,
    profile: Profile,
    network: Network,
    dialer: Rc<dyn Dialer>,
    pub sessions: BTreeMap<String, SessionState>,
    tasks: BTreeMap<TaskKey, Task>,
    /// The tasks that went on the wire (sending or receiving) and may still be there: a
    /// step looks at these, not at every task (a session holds thousands, mostly done).
    on_the_wire: BTreeSet<TaskKey>,
    names: ChaCha8Rng,
    /// The seed's choices where iOS promises no order (the daemon's and the system's).
    pub(crate) choices: crate::choices::Choices,
    emitted: Vec<(String, DelegateEvent)>,
    step_scheduled: bool,
    device: DeviceConfig,
    /// RATE-1: the per-app delay before tasks created in the background may start.
    rate_delay: std::time::Duration,
    /// NET-6: the one post-boot timeout of the `post_boot_timeout` knob has happened.
    post_boot_timeout_spent: bool,
    last_wake: Option<SimTime>,
    /// OS-1: the phone restarted and has not been unlocked since.
    before_first_unlock: bool,
    /// OS-3: the next task identifier of each session of a deleted install.
    forgotten_task_ids: BTreeMap<String, u64>,
}

impl Daemon {
    pub fn new(
        bundle_id: String,
        profile: Profile,
        network: Network,
        device: DeviceConfig,
        dialer: Rc<dyn Dialer>,
        names: ChaCha8Rng,
        choices: crate::choices::Choices,
    ) -> Daemon {
        Daemon {
            bundle_id,
            profile,
            network,
            device,
            rate_delay: std::time::Duration::ZERO,
            post_boot_timeout_spent: false,
            last_wake: None,
            before_first_unlock: false,
            forgotten_task_ids: BTreeMap::new(),
            dialer,
            sessions: BTreeMap::new(),
            tasks: BTreeMap::new(),
            on_the_wire: BTreeSet::new(),
            names,
            choices,
            emitted: Vec::new(),
            step_scheduled: false,
        }
    }

    /// Events emitted since the last call, in order.
    pub fn take_emitted(&mut self) -> Vec<(String, DelegateEvent)> {
        std::mem::take(&mut self.emitted)
    }

    fn emit(&mut self, ev: DelegateEvent) {
        self.emitted.push((ev.session().to_string(), ev));
    }

    // ---- sessions -----------------------------------------------------------------

    /// Attaches a session object of the running process (ID-2). Returns how many events
    /// were held for it. The first configuration is kept (ID-7).
    pub fn connect(&mut self, config: &SessionConfig) -> usize {
        let s = self.session_entry(config);
        s.connected = true;
        s.wake_blocked = false;
        // A session object made after an invalidation is a new session (INV-1). Its task
        // identifiers carry on rather than restart (TID-6 leaves this open; carrying on
        // keeps every task key unique in the history).
        s.invalidating = false;
        s.outbox
            .retain(|e| !matches!(e, DelegateEvent::Invalidated { .. }));
        s.outbox.len()
    }

    /// The process died: no session object is attached any more.
    pub fn disconnect_all(&mut self) {
        for s in self.sessions.values_mut() {
            s.connected = false;
        }
    }

    // ---- tasks --------------------------------------------------------------------

    fn temp_name(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let suffix: String = (0..6)
            .map(|_| char::from(ALPHABET[self.names.random_range(0..ALPHABET.len())]))
            .collect();
        format!("CFNetworkDownload_{suffix}.tmp")
    }

    /// Creates a task, suspended. With resume data, the kept bytes move back into the
    /// daemon's folder, which consumes the data (RES-5).
    pub fn create_task(
        &mut self,
        env: &mut Env<'_>,
        session: &str,
        url: &str,
        resume: Option<&ResumeData>,
    ) -> Result<TaskKey, String> {
        let s = self
            .sessions
            .get_mut(session)
            .ok_or_else(|| format!("no session {session}"))?;
        let key = TaskKey {
            session: session.to_string(),
            task_id: s.next_task_id,
        };
        s.next_task_id += 1;
        let dir = daemon_downloads_dir(&self.bundle_id);
        let temp_path = format!("{dir}/{}", self.temp_name());
        let mut task = Task {
            key: key.clone(),
            url: Url {
                authority: String::new(),
                path_and_query: String::new(),
            },
            original_url: url.to_string(),
            current_url: url.to_string(),
            redirects: Vec::new(),
            earliest_begin: None,
            expects_to_receive_bytes: -1,
            expects_to_send_bytes: -1,
            description: None,
            phase: Phase::Suspended,
            epoch: 0,
            attempt: 0,
            backoff: self.profile.retry_backoff_initial,
            bytes_received: 0,
            expected: -1,
            response: None,
            validators: None,
            content_encoding: None,
            temp_path,
            announce_resume: false,
            discretionary: false,
            capped: false,
            not_before: env.now,
            fail_on_resume: None,
            error: None,
            completion_delivered: false,
            ext: upload::TaskExt::default(),
            auth: auth::AuthState::default(),
        };
        match resume {
            None => match Url::parse(url) {
                Ok(u) => task.url = u,
                Err(_) => task.fail_on_resume = Some(UrlError::UNSUPPORTED_URL),
            },
            Some(data) => {
                match ResumeInfo::decode(data).and_then(|i| Some((Url::parse(&i.url).ok()?, i))) {
                    None => task.fail_on_resume = Some(UrlError::CANNOT_WRITE_TO_FILE),
                    Some((u, info)) => {
                        task.url = u;
                        task.original_url = info.url.clone();
                        task.current_url = info.url.clone();
                        task.announce_resume = true;
                        let kept = env.sandbox.size(&info.temp_path).ok() == Some(info.bytes);
                        let _ = env.sandbox.create_dir_all(&dir);
                        let moved = kept
                            && env
                                .sandbox
                                .move_item(&info.temp_path, &task.temp_path)
                                .is_ok();
                        if !moved {
                            // A partial file that does not hold the bytes the data claims
                            // (left by an earlier RES-6 resume) is of no use: it goes.
                            let _ = env.sandbox.remove_item(&info.temp_path);
                        }
                        // RES-6 knob: the bug where a resume after the purge asks for the
                        // rest anyway, and the file ends up holding only the rest.
                        let corrupt = !moved
                            && self.profile.resume_after_temp_purge_corrupts
                            && env.sandbox.write(&task.temp_path, b"").is_ok();
                        if corrupt {
                            env.record(What::ResumeBytesLost {
                                task: key.clone(),
                                bytes: info.bytes,
                            });
                        }
                        if moved || corrupt {
                            task.bytes_received = info.bytes;
                            task.validators = Some(Validators {
                                etag: info.etag,
                                last_modified: info.last_modified,
                                accept_ranges: true,
                            });
                        } else if info.bytes > 0 {
                            // RES-1 condition 5: the kept bytes were purged; start from 0.
                            env.record(What::ResumeBytesGone {
                                task: key.clone(),
                                bytes: info.bytes,
                            });
                        }
                    }
                }
            }
        }
        self.tasks.insert(key.clone(), task);
        Ok(key)
    }

    /// RATE-1 / RATE-2: the daemon resumes or relaunches the app: the delay grows, before
    /// handle-events is called. It resets when "the delay period elapses without the app
    /// being resumed": read here as a whole further period after the delay ran out, which
    /// is what the observed 60 → 120 → 240 s chains of T3 need (each wake there comes just
    /// after the previous delay expired, when the task it held has finished).
    pub fn on_wake(&mut self, env: &mut Env<'_>) {
        if self
            .last_wake
            .is_some_and(|t| env.now >= t + self.rate_delay * 2)
        {
            self.rate_delay = std::time::Duration::ZERO;
        }
        let grown = if self.rate_delay.is_zero() {
            self.profile.rate_initial
        } else {
            self.rate_delay.saturating_mul(self.profile.rate_factor)
        };
        self.rate_delay = self.profile.rate_max.map_or(grown, |max| grown.min(max));
        self.last_wake = Some(env.now);
        env.record(What::RateLimiter {
            delay: self.rate_delay,
        });
    }

    /// RATE-1: the user brought the app to the front: the delay is reset to 0.
    pub fn on_foreground(&mut self, env: &mut Env<'_>) {
        if !self.rate_delay.is_zero() {
            self.rate_delay = std::time::Duration::ZERO;
            env.record(What::RateLimiter {
                delay: self.rate_delay,
            });
        }
    }

    /// SCHED-1: the charger changed; deferred discretionary tasks may start.
    pub fn set_charging(&mut self, env: &mut Env<'_>, connected: bool) {
        self.device.charging = connected;
        if self.device.discretionary_ok() {
            self.restart_waiting(env, |t| t.discretionary);
        }
    }

    /// PWR-1: Low Power Mode defers discretionary work. With the `low_power_pauses_all`
    /// knob it stops every transfer (undocumented; off by default).
    pub fn set_low_power(&mut self, env: &mut Env<'_>, on: bool) {
        self.device.low_power = on;
        if on && self.profile.low_power_pauses_all {
            self.stop_transfers_where(env, "Low Power Mode", "Low Power Mode", |_| true);
        }
        if !on {
            let all = self.profile.low_power_pauses_all;
            let ok = self.device.discretionary_ok();
            self.restart_waiting(env, |t| all || (ok && t.discretionary));
        }
    }

    /// SCHED-5: the phone changed network (Wi-Fi or cellular) or Low Data Mode. Transfers
    /// of sessions that may not use the new network stop and wait (OBS: they pause and
    /// resume later); waiting tasks that now may, start.
    pub fn set_interface(&mut self, env: &mut Env<'_>, wifi: Option<bool>, low_data: Option<bool>) {
        if let Some(on) = wifi {
            self.device.wifi = on;
        }
        if let Some(on) = low_data {
            self.device.low_data_mode = on;
        }
        let refused: Vec<(String, &'static str)> = self
            .sessions
            .iter()
            .filter_map(|(id, s)| Some((id.clone(), self.device.refuses(&s.config)?)))
            .collect();
        for (session, why) in &refused {
            self.stop_transfers_where(env, why, why, |k| k.session == *session);
        }
        let ok = self.device.discretionary_ok();
        let refused: Vec<String> = refused.into_iter().map(|(id, _)| id).collect();
        self.restart_waiting(env, |t| {
            !refused.contains(&t.key.session) && (ok || !t.discretionary)
        });
    }

    /// PWR-3: the system cancels every unfinished task for lack of resources: -999 with
    /// reason 2, with resume data when the download can resume (RES-3).
    pub fn system_cancel(&mut self, env: &mut Env<'_>) {
        self.cancel_all(env, CancelReason::InsufficientSystemResources);
    }

    /// Schedules an attempt now for every waiting task that `pick` selects.
    fn restart_waiting(&mut self, env: &mut Env<'_>, pick: impl Fn(&Task) -> bool) {
        for t in self.tasks.values_mut() {
            if matches!(t.phase, Phase::Waiting) && pick(t) {
                t.epoch += 1;
                t.backoff = self.profile.retry_backoff_initial;
                let start = DaemonEvent::Start {
                    task: t.key.clone(),
                    epoch: t.epoch,
                };
                env.clock
                    .schedule(env.now.max(t.not_before), Event::Daemon(start));
            }
        }
    }

    /// `resume()`: the task starts (NET-3's deadline counts from here). A task resumed
    /// while the app is not in the foreground is discretionary (SCHED-2) and waits out the
    /// rate limiter's delay (RATE-1).
    pub fn resume_task(&mut self, env: &mut Env<'_>, key: &TaskKey, in_foreground: bool) {
        self.copy_upload_file(env, key);
        let (resource_timeout, discretionary) = match self.sessions.get(&key.session) {
            Some(s) => (
                s.config
                    .resource_timeout
                    .unwrap_or(self.profile.resource_timeout_default),
                s.config.discretionary,
            ),
            None => return,
        };
        let delay = if in_foreground {
            self.profile.foreground_start_delay
        } else {
            self.rate_delay
        };
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        if !matches!(t.phase, Phase::Suspended) {
            return;
        }
        if let Some(code) = t.fail_on_resume {
            let error = UrlError {
                code,
                cancel_reason: None,
                resume_data: None,
            };
            self.complete_with_error(env, key, error);
            return;
        }
        t.phase = Phase::Waiting;
        t.epoch += 1;
        t.discretionary = discretionary || !in_foreground;
        t.not_before = (env.now + delay).max(t.earliest_begin.unwrap_or(SimTime::ZERO));
        let epoch = t.epoch;
        if !delay.is_zero() {
            let why = if in_foreground {
                "a background session starts late even in the foreground (RATE-6):"
            } else {
                "created in the background: the rate limiter holds it"
            };
            env.record(What::Waiting {
                task: key.clone(),
                reason: format!("{why} {}", crate::time::fmt_duration(delay)),
            });
        }
        if t.not_before > env.now + delay {
            env.record(What::Waiting {
                task: key.clone(),
                reason: format!("earliest begin date {}", t.not_before),
            });
        }
        env.clock.schedule(
            t.not_before,
            Event::Daemon(DaemonEvent::Start {
                task: key.clone(),
                epoch,
            }),
        );
        // API-7: a task resumed after suspend() has what its timeout had left.
        let timeout = t.ext.paused_timeout.take().unwrap_or(resource_timeout);
        let deadline = env.clock.schedule(
            env.now + timeout,
            Event::Daemon(DaemonEvent::ResourceTimeout { task: key.clone() }),
        );
        t.ext.deadlines.push(deadline);
    }

    /// SCHED-3: `earliestBeginDate`; set before `resume()`.
    pub fn set_earliest_begin(&mut self, key: &TaskKey, at: SimTime) {
        if let Some(t) = self.tasks.get_mut(key) {
            t.earliest_begin = Some(at);
        }
    }

    /// `taskDescription`, kept by the daemon (TID-2).
    pub fn describe(&mut self, key: &TaskKey, description: &str) {
        if let Some(t) = self.tasks.get_mut(key) {
            t.description = Some(description.to_string());
        }
    }

    /// The app-visible snapshot of a task.
    pub fn task_info(&self, key: &TaskKey) -> Option<TaskInfo> {
        self.tasks.get(key).map(Task::info)
    }

    /// TID-4: tasks not completed, or whose completion the app has not been handed yet.
    pub fn live_tasks(&self, session: &str) -> Vec<TaskInfo> {
        self.tasks
            .values()
            .filter(|t| t.key.session == session && !(t.is_completed() && t.completion_delivered))
            .map(Task::info)
            .collect()
    }

    /// RES-1: moves the kept bytes to the app's tmp/ (docs/bugs.md#p3) and describes them, when the
    /// download can resume; otherwise deletes them.
    fn make_resume_data(&mut self, env: &mut Env<'_>, key: &TaskKey) -> Option<ResumeData> {
        let name = self.temp_name();
        let t = self.tasks.get_mut(key)?;
        let v = t.validators.clone().filter(Validators::allow_resume);
        let kept = t.bytes_received > 0 && env.sandbox.exists(&t.temp_path);
        match v {
            Some(v) if kept => {
                let moved = format!("tmp/{name}");
                env.sandbox.move_item(&t.temp_path, &moved).ok()?;
                Some(
                    ResumeInfo {
                        url: t.original_url.clone(),
                        bytes: t.bytes_received,
                        temp_path: moved,
                        etag: v.etag,
                        last_modified: v.last_modified,
                    }
                    .encode(),
                )
            }
            _ => {
                let _ = env.sandbox.remove_item(&t.temp_path);
                None
            }
        }
    }

    /// A completed task's resource timeout is moot: drop it so a finished run is quiet.
    fn drop_deadline(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        self.take_deadlines(env, key);
    }

    /// Cancels the task's pending resource timeouts and returns them, earliest first.
    pub(super) fn take_deadlines(&mut self, env: &mut Env<'_>, key: &TaskKey) -> Vec<SimTime> {
        let Some(t) = self.tasks.get_mut(key) else {
            return Vec::new();
        };
        let mut deadlines = std::mem::take(&mut t.ext.deadlines);
        deadlines.sort();
        deadlines
            .into_iter()
            .map(|(at, id)| {
                env.clock.cancel(id);
                at
            })
            .collect()
    }

    /// A transfer stopped: a task held by the concurrency cap may start.
    fn free_slot(&mut self, env: &mut Env<'_>) {
        if self.profile.max_concurrent_transfers.is_some() {
            self.restart_waiting(env, |t| t.capped);
        }
    }

    fn complete_with_error(&mut self, env: &mut Env<'_>, key: &TaskKey, error: UrlError) {
        self.drop_deadline(env, key);
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        t.phase = Phase::Completed;
        t.epoch += 1;
        t.error = Some(error.clone());
        t.ext.copy = None;
        self.forget_challenge(key);
        let t = self.tasks.get_mut(key).expect("found above");
        if error.resume_data.is_none() {
            let _ = env.sandbox.remove_item(&t.temp_path);
        }
        env.record(What::Failed {
            task: key.clone(),
            error: error.clone(),
        });
        self.emit(DelegateEvent::Completed {
            task: key.clone(),
            error: Some(error),
        });
        self.finish_invalidation(&key.session);
        self.free_slot(env);
    }

    /// `cancel()` / `cancel(byProducingResumeData:)`: -999 without a reason (KILL-4).
    pub fn cancel(
        &mut self,
        env: &mut Env<'_>,
        key: &TaskKey,
        producing: bool,
    ) -> Option<ResumeData> {
        if self.tasks.get(key).is_none_or(Task::is_completed) {
            return None;
        }
        let data = if producing {
            self.make_resume_data(env, key)
        } else {
            None
        };
        let error = UrlError {
            code: UrlError::CANCELLED,
            cancel_reason: None,
            resume_data: data.clone(),
        };
        self.complete_with_error(env, key, error);
        data
    }

    /// INV-1 / INV-2: no new tasks; with `cancel`, every unfinished task is cancelled
    /// (-999) and the session is invalid at once, else once its last task completes. Either
    /// way the delegate then gets did-become-invalid.
    pub fn invalidate(&mut self, env: &mut Env<'_>, session: &str, cancel: bool) {
        if let Some(s) = self.sessions.get_mut(session) {
            s.invalidating = true;
        }
        if cancel {
            let keys: Vec<TaskKey> = self
                .tasks
                .values()
                .filter(|t| t.key.session == session && !t.is_completed())
                .map(|t| t.key.clone())
                .collect();
            for k in keys {
                self.cancel(env, &k, false);
            }
        }
        self.finish_invalidation(session);
    }

    /// The app left the foreground: remembered by every session being invalidated (INV-3).
    pub fn app_left_foreground(&mut self) {
        for s in self.sessions.values_mut().filter(|s| s.invalidating) {
            s.backgrounded_while_invalidating = true;
        }
    }

    /// Completes an invalidation once every task of the session has completed (INV-1: a
    /// paused task keeps it open, unlike a wake, LC-6).
    fn finish_invalidation(&mut self, session: &str) {
        // Only an invalidating session waits for its tasks: asking first spares a scan of
        // every task at every completion.
        if !self.sessions.get(session).is_some_and(|s| s.invalidating) {
            return;
        }
        let idle = (self.tasks.values())
            .filter(|t| t.key.session == session)
            .all(Task::is_completed);
        let Some(s) = self.sessions.get_mut(session) else {
            return;
        };
        if idle {
            s.invalidating = false;
            s.backgrounded_while_invalidating &= self.profile.invalidation_lost_after_background;
            self.emit(DelegateEvent::Invalidated {
                session: session.to_string(),
                error: None,
            });
        }
    }

    /// KILL-2 / KILL-3: the user force-quit the app. Every unfinished task is cancelled
    /// with -999 and reason 0, with resume data when it can resume; delivered later.
    pub fn force_quit(&mut self, env: &mut Env<'_>) {
        self.cancel_all(env, CancelReason::UserForceQuitApplication);
    }

    /// Cancels every unfinished task with -999 and `reason`, keeping resume data.
    fn cancel_all(&mut self, env: &mut Env<'_>, reason: CancelReason) {
        let keys: Vec<TaskKey> = self
            .tasks
            .values()
            .filter(|t| !t.is_completed())
            .map(|t| t.key.clone())
            .collect();
        for k in keys {
            let data = self.make_resume_data(env, &k);
            let error = UrlError {
                code: UrlError::CANCELLED,
                cancel_reason: Some(reason),
                resume_data: data,
            };
            self.complete_with_error(env, &k, error);
        }
    }

    /// Bookkeeping once an event's callback has returned: FILE-1 deletes the temp file
    /// the moment did-finish-downloading-to returns.
    pub fn delivered(&mut self, env: &mut Env<'_>, ev: &DelegateEvent) {
        match ev {
            DelegateEvent::Finished { task, location, .. } => {
                let deleted = env.sandbox.remove_item(location).is_ok();
                env.record(What::TempDeleted {
                    task: task.clone(),
                    path: location.clone(),
                    deleted,
                });
            }
            DelegateEvent::Completed { task, .. } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.completion_delivered = true;
                }
            }
            _ => {}
        }
    }

    /// An event that will never be delivered (FILE-5): its temp file goes too.
    pub fn lost(&mut self, env: &mut Env<'_>, ev: &DelegateEvent) {
        if let DelegateEvent::Challenge { task, id, .. } = ev {
            self.challenge_lost(env, task, *id);
        }
        if let DelegateEvent::Finished { location, .. } = ev {
            let _ = env.sandbox.remove_item(location);
        }
        if let DelegateEvent::Completed { task, .. } = ev {
            if let Some(t) = self.tasks.get_mut(task) {
                t.completion_delivered = true;
            }
        }
    }

    // ---- the network --------------------------------------------------------------

    /// NET-1: on loss every transfer stops and waits; on return every waiting task tries
    /// again at once.
    pub fn set_network(&mut self, env: &mut Env<'_>, up: bool) {
        if !self.network.set_up(up) {
            return;
        }
        if up {
            self.restart_waiting(env, |_| true);
            return;
        }
        self.network_lost_for_data_tasks(env);
        self.stop_transfers_where(env, "network down", "no connectivity", |_| true);
    }

    /// Every transfer on the wire that `pick` selects stops (`interrupted` says why) and
    /// waits (`waiting` says for what), keeping its bytes (NET-1).
    fn stop_transfers_where(
        &mut self,
        env: &mut Env<'_>,
        interrupted: &str,
        waiting: &str,
        pick: impl Fn(&TaskKey) -> bool,
    ) {
        for (k, t) in self.tasks.iter_mut() {
            let on_the_wire = matches!(
                t.phase,
                Phase::Connecting(_) | Phase::Sending(_) | Phase::Receiving(_)
            );
            if on_the_wire && pick(k) {
                let bytes = match t.phase {
                    Phase::Sending(_) => t.ext.bytes_sent,
                    _ => t.bytes_received,
                };
                env.record(What::Interrupted {
                    task: k.clone(),
                    bytes,
                    reason: interrupted.to_string(),
                });
                t.phase = Phase::Waiting;
                t.epoch += 1;
                env.record(What::Waiting {
                    task: k.clone(),
                    reason: waiting.to_string(),
                });
            }
        }
    }

    /// NET-7: redirects are followed inside the daemon; `currentRequest` changes. A loop
    /// or more than 16 hops fails with -1007, a 3xx without Location with -1010.
    fn redirect(&mut self, env: &mut Env<'_>, key: &TaskKey, status: u16, location: Option<&str>) {
        let t = self.tasks.get_mut(key).expect("redirected task");
        let target = location.map(|l| t.url.join(l));
        let code = match &target {
            None | Some(Err(_)) => Some(UrlError::REDIRECT_TO_NON_EXISTENT_LOCATION),
            Some(Ok((_, text))) if t.redirects.len() >= 16 || t.redirects.contains(text) => {
                Some(UrlError::HTTP_TOO_MANY_REDIRECTS)
            }
            Some(Ok(_)) => None,
        };
        let Some(Ok((url, text))) = target.filter(|_| code.is_none()) else {
            let error = UrlError {
                code: code.unwrap_or(UrlError::REDIRECT_TO_NON_EXISTENT_LOCATION),
                cancel_reason: None,
                resume_data: None,
            };
            self.complete_with_error(env, key, error);
            return;
        };
        env.record(What::Redirected {
            task: key.clone(),
            status,
            to: text.clone(),
        });
        t.redirects.push(text.clone());
        t.url = url;
        t.current_url = text;
        self.restart(env, key);
    }

    /// Starts another attempt at once (no backoff): the last one was answered but unusable.
    fn retry_now(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: &str) {
        if let Some(t) = self.tasks.get(key) {
            env.record(What::Interrupted {
                task: key.clone(),
                bytes: t.bytes_received,
                reason: reason.to_string(),
            });
        }
        self.restart(env, key);
    }

    fn restart(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        t.phase = Phase::Waiting;
        t.epoch += 1;
        env.clock.schedule(
            env.now,
            Event::Daemon(DaemonEvent::Start {
                task: key.clone(),
                epoch: t.epoch,
            }),
        );
    }

    /// NET-2 / NET-4 / NET-5: a failed attempt is retried after a backoff, never surfaced.
    fn retry_later(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: String) {
        let max = self.profile.retry_backoff_max;
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        t.phase = Phase::Waiting;
        t.epoch += 1;
        let delay = t.backoff;
        t.backoff = (t.backoff * 2).min(max);
        env.record(What::Waiting {
            task: key.clone(),
            reason: format!("{reason}; retry in {}", crate::time::fmt_duration(delay)),
        });
        env.clock.schedule(
            env.now + delay,
            Event::Daemon(DaemonEvent::Start {
                task: key.clone(),
                epoch: t.epoch,
            }),
        );
        self.free_slot(env);
    }

    /// Runs one of the daemon's own events. Real I/O is awaited here, but only ever for
    /// bytes the model has already decided to move.
    pub async fn handle(&mut self, env: &mut Env<'_>, ev: DaemonEvent) {
        match ev {
            DaemonEvent::Start { task, epoch } => self.start_attempt(env, task, epoch).await,
            DaemonEvent::Headers { task, epoch } => self.headers_arrived(env, task, epoch),
            DaemonEvent::Step => self.step(env).await,
            DaemonEvent::StallOver { task, epoch } => self.stall_over(env, &task, epoch),
            DaemonEvent::RequestTimeout { task, epoch } => {
                self.request_timed_out(env, &task, epoch)
            }
            DaemonEvent::ResourceTimeout { task } => {
                if self.tasks.get(&task).is_some_and(|t| !t.is_completed()) {
                    // NET-3: -1001 with resume data when the download can resume.
                    let data = self.make_resume_data(env, &task);
                    let error = UrlError {
                        code: UrlError::TIMED_OUT,
                        cancel_reason: None,
                        resume_data: data,
                    };
                    self.complete_with_error(env, &task, error);
                }
            }
        }
    }

    async fn start_attempt(&mut self, env: &mut Env<'_>, key: TaskKey, epoch: u64) {
        let Some(t) = self.tasks.get(&key) else {
            return;
        };
        if t.epoch != epoch || !matches!(t.phase, Phase::Waiting) {
            return;
        }
        if let Some(reason) = self.world_blocker(t) {
            env.record(What::Waiting { task: key, reason });
            return;
        }
        // Counting the transfers under way scans every task: only a cap needs the count.
        let (cap, busy) = match self.profile.max_concurrent_transfers {
            None => (usize::MAX, 0),
            Some(cap) => (cap, self.transfers_under_way()),
        };
        let t = self.tasks.get_mut(&key).expect("checked above");
        t.capped = busy >= cap;
        if t.capped {
            env.record(What::Waiting {
                task: key,
                reason: format!("{busy} transfers already run (the cap)"),
            });
            return;
        }
        if self.profile.post_boot_timeout && !self.post_boot_timeout_spent {
            // NET-6: right after boot (the run starts with the device just booted), the
            // first load fails with -1001 before any request goes out.
            self.post_boot_timeout_spent = true;
            let error = UrlError {
                code: UrlError::TIMED_OUT,
                cancel_reason: None,
                resume_data: None,
            };
            self.complete_with_error(env, &key, error);
            return;
        }
        let t = self.tasks.get_mut(&key).expect("checked above");
        t.attempt += 1;
        if t.ext.kind.method().is_some() {
            let attempt = t.attempt;
            return self.start_upload(env, key, attempt).await;
        }
        let mut headers = Vec::new();
        let resumable = t.validators.as_ref().is_some_and(Validators::allow_resume);
        if t.bytes_received > 0 && resumable {
            headers.push(("range", format!("bytes={}-", t.bytes_received)));
            if let Some(v) = t.validators.as_ref().and_then(Validators::if_range) {
                headers.push(("if-range", v));
            }
        }
        if t.ext.kind.is_download() {
            // docs/http.md#gzip: NSURLSession advertises the codings it decodes; the
            // file it hands over is decoded (see `encoding`).
            headers.push(("accept-encoding", encoding::ACCEPTED.to_string()));
        }
        auth::add_credentials(env, t, &mut headers);
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
        };
        env.record(What::RequestSent {
            task: key.clone(),
            attempt: t.attempt,
            range: get("range"),
            if_range: get("if-range"),
        });
        let url = t.url.clone();
        let dialer = Rc::clone(&self.dialer);
        match transfer::open(&*dialer, &url, &headers).await {
            Ok(opened) => {
                let t = self
                    .tasks
                    .get_mut(&key)
                    .expect("still there: nothing ran meanwhile");
                t.phase = Phase::Connecting(Box::new(opened));
                env.clock.schedule(
                    env.now + self.network.time_to_headers(),
                    Event::Daemon(DaemonEvent::Headers { task: key, epoch }),
                );
            }
            Err(reason) => self.retry_later(env, &key, reason),
        }
    }

    fn headers_arrived(&mut self, env: &mut Env<'_>, key: TaskKey, epoch: u64) {
        let Some(t) = self.tasks.get_mut(&key) else {
            return;
        };
        if t.epoch != epoch {
            return;
        }
        let Phase::Connecting(opened) = std::mem::replace(&mut t.phase, Phase::Waiting) else {
            return;
        };
        let (head, transfer) = *opened;
        let content_length = head.content_length.map_or(-1, |n| n as i64);
        env.record(What::Response {
            task: key.clone(),
            status: head.status,
            content_length,
        });
        if (300..400).contains(&head.status) && head.status != 304 {
            drop(transfer);
            self.redirect(env, &key, head.status, head.location.as_deref());
            return;
        }
        t.redirects.clear();
        if Self::is_challenge(t, &head) {
            return self.challenge(env, key, head, transfer);
        }
        self.response_arrived(env, key, head, transfer);
    }

    /// The final response of an attempt (after redirects and challenges).
    fn response_arrived(
        &mut self,
        env: &mut Env<'_>,
        key: TaskKey,
        head: Head,
        transfer: Transfer,
    ) {
        let content_length = head.content_length.map_or(-1, |n| n as i64);
        let t = self
            .tasks
            .get_mut(&key)
            .expect("a task whose response arrived");
        if !t.ext.kind.is_download() {
            return self.body_response(env, &key, head, transfer);
        }
        let asked_from = t.bytes_received;
        if asked_from > 0 && head.status == 416 {
            // RFC 9110 §15.5.17: the kept bytes reach or pass the end (or the file shrank):
            // start again without Range rather than trust them.
            if let Some(v) = t.validators.as_mut() {
                v.accept_ranges = false;
            }
            drop(transfer);
            self.retry_now(env, &key, "416 to a resume: asking for the whole file");
            return;
        }
        // RFC 9110 §15.3.7.3: a part may be combined only with bytes of the same strong
        // validator; a 206 with another ETag (a server that changed and lied) is refused.
        let kept_etag = t.validators.as_ref().and_then(|v| v.etag.as_ref());
        let same_entity = match (&head.etag, kept_etag) {
            (Some(new), Some(kept)) => new == kept,
            _ => true,
        };
        let continues = asked_from > 0
            && head.status == 206
            && same_entity
            && head
                .content_range
                .is_some_and(|(first, _, _)| first == asked_from);
        let encoded_unknown =
            self.profile.encoded_length_unknown && head.content_encoding.is_some();
        if continues {
            // RES-4: the server kept the bytes; append the rest.
            let total = head.content_range.and_then(|(_, _, total)| total);
            t.expected = total.map_or(-1, |n| n as i64);
        } else {
            if asked_from > 0 && head.status == 206 {
                // A 206 that does not start where asked, or of another entity, cannot be
                // appended (RFC 9110 §14.4): take the whole body instead.
                if let Some(v) = t.validators.as_mut() {
                    v.accept_ranges = false;
                }
                drop(transfer);
                self.retry_now(env, &key, "a 206 that does not continue the kept bytes");
                return;
            }
            // A full response: the download starts again from byte 0 (RES-4).
            t.bytes_received = 0;
            t.expected = content_length;
            let _ = env
                .sandbox
                .create_dir_all(&daemon_downloads_dir(&self.bundle_id));
            let _ = env.sandbox.write(&t.temp_path, b"");
            t.validators = Some(Validators {
                etag: head.etag.clone(),
                last_modified: head.last_modified.clone(),
                accept_ranges: head.accept_ranges_bytes,
            });
        }
        // A range of an encoded representation is a range of its encoded bytes (RFC 9110
        // §8.4), so the kept bytes and the rest are decoded together at the end.
        t.content_encoding = head.content_encoding.clone();
        if encoded_unknown {
            // PROG-2 (knob `encoded_length_unknown`): the length of an encoded body is
            // not the size of the file the app gets.
            t.expected = -1;
        }
        t.response = Some(HttpResponse {
            status: head.status,
            expected_content_length: t.expected,
            etag: head.etag.clone(),
            last_modified: head.last_modified.clone(),
            retry_after: head.retry_after.clone(),
            date: head.date.clone(),
            content_encoding: head.content_encoding.clone(),
        });
        t.backoff = self.profile.retry_backoff_initial;
        t.phase = Phase::Receiving(Box::new(transfer));
        if std::mem::take(&mut t.announce_resume) {
            let ev = DelegateEvent::ResumedAt {
                task: key.clone(),
                offset: t.bytes_received,
                expected: t.expected,
            };
            self.emit(ev);
        }
        self.went_on_the_wire(&key);
        self.ensure_step(env);
    }

    /// `key` is now sending or receiving: steps look at it until it is not.
    fn went_on_the_wire(&mut self, key: &TaskKey) {
        self.on_the_wire.insert(key.clone());
    }

    /// How many tasks are connecting, sending or receiving.
    fn transfers_under_way(&self) -> usize {
        let under_way = |t: &&Task| {
            matches!(
                t.phase,
                Phase::Connecting(_) | Phase::Sending(_) | Phase::Receiving(_)
            )
        };
        self.tasks.values().filter(under_way).count()
    }

    fn step_length(&self) -> std::time::Duration {
        self.network.step(
            self.profile.progress_granularity_bytes,
            self.profile.progress_interval,
        )
    }

    fn ensure_step(&mut self, env: &mut Env<'_>) {
        if !self.step_scheduled {
            self.step_scheduled = true;
            env.clock.schedule(
                env.now + self.step_length(),
                Event::Daemon(DaemonEvent::Step),
            );
        }
    }

    async fn step(&mut self, env: &mut Env<'_>) {
        self.step_scheduled = false;
        let tasks = &self.tasks;
        self.on_the_wire.retain(|key| {
            tasks
                .get(key)
                .is_some_and(|t| matches!(t.phase, Phase::Sending(_) | Phase::Receiving(_)))
        });
        // In key order, as the tasks are: the order of the grants is part of the history.
        let active: Vec<TaskKey> = self
            .on_the_wire
            .iter()
            .filter(|key| self.tasks[*key].is_moving())
            .cloned()
            .collect();
        let grants = self.network.grant_bytes(self.step_length(), active.len());
        for (key, grant) in active.into_iter().zip(grants) {
            if !self.tasks[&key].ext.kind.is_download() {
                self.step_other(env, &key, grant).await;
                continue;
            }
            if env.sandbox.is_full() {
                // OS-4: the temporary file cannot grow: -3003, with nothing to resume from.
                let error = UrlError::new(UrlError::CANNOT_WRITE_TO_FILE);
                self.complete_with_error(env, &key, error);
                continue;
            }
            let t = self.tasks.get_mut(&key).expect("active task");
            let Phase::Receiving(transfer) = &mut t.phase else {
                continue;
            };
            // Straight from the socket to the temporary file, frame by frame.
            let mut file = None;
            let mut write_error = None;
            let (written, end) = transfer
                .pull_into(grant, |piece| {
                    if write_error.is_some() {
                        return;
                    }
                    // The sandbox counts what is written, for the disk budget (sim::limits).
                    let appended = match &mut file {
                        Some(file) => std::io::Write::write_all(file, piece).map_err(Into::into),
                        None => env.sandbox.open_append(&t.temp_path).and_then(|mut f| {
                            std::io::Write::write_all(&mut f, piece)?;
                            file = Some(f);
                            Ok(())
                        }),
                    };
                    write_error = appended.err();
                })
                .await;
            drop(file);
            if written > 0 {
                if let Some(e) = write_error {
                    env.record(What::Interrupted {
                        task: key.clone(),
                        bytes: t.bytes_received,
                        reason: format!("cannot write temp file: {e}"),
                    });
                }
                t.bytes_received += written;
                let ev = DelegateEvent::WriteData {
                    task: key.clone(),
                    written,
                    total: t.bytes_received,
                    expected: t.expected,
                };
                self.emit(ev);
            }
            let t = self.tasks.get_mut(&key).expect("active task");
            match end {
                None => {}
                Some(End::Eof) if t.expected < 0 || t.bytes_received >= t.expected as u64 => {
                    self.finish(env, &key)
                }
                Some(End::Eof) => {
                    let reason = "connection closed before the body ended".to_string();
                    self.interrupted(env, &key, reason);
                }
                Some(End::Error(reason)) => self.interrupted(env, &key, reason),
                Some(End::Stalled(stall)) => self.stalled(env, &key, stall),
            }
        }
        let tasks = &self.tasks;
        let moving = |key: &TaskKey| tasks.get(key).is_some_and(Task::is_moving);
        if self.on_the_wire.iter().any(moving) {
            self.ensure_step(env);
        }
    }

    fn interrupted(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: String) {
        let bytes = self.tasks.get(key).map_or(0, |t| t.bytes_received);
        env.record(What::Interrupted {
            task: key.clone(),
            bytes,
            reason,
        });
        if self.profile.surface_connection_lost {
            // NET-5 knob: the -1005 reaches the app, with resume data when it can resume.
            let error = UrlError {
                code: UrlError::NETWORK_CONNECTION_LOST,
                cancel_reason: None,
                resume_data: self.make_resume_data(env, key),
            };
            self.complete_with_error(env, key, error);
            return;
        }
        // NET-5 (default): -1005 is retried inside the daemon, resuming when it can.
        self.retry_later(env, key, "connection lost".into());
    }

    /// ORD-1: the body is complete; did-finish-downloading-to then did-complete(nil),
    /// whatever the status (HTTP-1, HTTP-2).
    fn finish(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        if !self.decode_body(env, key) {
            return;
        }
        self.drop_deadline(env, key);
        let t = self.tasks.get_mut(key).expect("finishing task");
        t.phase = Phase::Completed;
        t.epoch += 1;
        let status = t.response.as_ref().map_or(0, |r| r.status);
        env.record(What::Downloaded {
            task: key.clone(),
            status,
            bytes: t.bytes_received,
        });
        let location = t.temp_path.clone();
        self.emit(DelegateEvent::Finished {
            task: key.clone(),
            location,
            status,
        });
        self.emit(DelegateEvent::Completed {
            task: key.clone(),
            error: None,
        });
        self.finish_invalidation(&key.session);
        self.free_slot(env);
    }
}
