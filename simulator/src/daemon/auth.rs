//! Authentication challenges in the daemon (HTTP-4).
//!
//! A download's 401 that carries `WWW-Authenticate` is held, with its connection, while the
//! app is asked (a `Challenge` delegate event, which wakes or relaunches it like a finished
//! transfer: LC-6, RATE-5). The answer decides: a credential sends the request again with
//! `Authorization: Basic` (RFC 7617) and keeps sending it on later attempts; default
//! handling or rejecting the protection space makes the held 401 the task's response
//! (HTTP-1); cancelling fails the task with -999.
//!
//! No answer can come once the process that was handed the challenge is suspended or dies,
//! nor for a challenge still held when the user force-quits the app (the system will not
//! launch it to ask): the task then fails with `Profile::unanswered_challenge_error`
//! (undocumented; -1012 by default). A challenge held for an app the system may still
//! relaunch waits for that relaunch.
//!
//! Only downloads are challenged here; an upload or a data task still gets the 401 as its
//! response.

use super::task::{Phase, Task};
use super::transfer::{Head, Transfer};
use super::{Daemon, DelegateEvent, Env};
use crate::app::{AuthChallenge, AuthDisposition, TaskKey, UrlError};
use crate::trace::What;
use base64::Engine;

/// A task's authentication state.
#[derive(Default)]
pub(crate) struct AuthState {
    /// The user and the `Authorization` value of the credential the app gave.
    credential: Option<(String, String)>,
    /// Credentials the server refused: the next challenge's `previousFailureCount`.
    failures: u32,
    /// Challenges issued so far; the latest one's id.
    issued: u64,
    /// The challenge waiting for the app's answer.
    pending: Option<Pending>,
}

struct Pending {
    id: u64,
    /// The delegate callback was made: only that process could answer.
    handed_over: bool,
}

/// Adds the app's credential to an attempt's request, and records that it went.
pub(super) fn add_credentials(
    env: &mut Env<'_>,
    t: &Task,
    headers: &mut Vec<(&'static str, String)>,
) {
    if let Some((user, value)) = &t.auth.credential {
        env.record(What::AuthorizationSent {
            task: t.key.clone(),
            user: user.clone(),
        });
        headers.push(("authorization", value.clone()));
    }
}

impl Daemon {
    /// HTTP-4: whether this response is a challenge for the app: a 401 with
    /// `WWW-Authenticate` to a download.
    pub(super) fn is_challenge(t: &Task, head: &Head) -> bool {
        head.status == 401 && head.www_authenticate.is_some() && t.ext.kind.is_download()
    }

    /// Holds the 401 and asks the app.
    pub(super) fn challenge(
        &mut self,
        env: &mut Env<'_>,
        key: TaskKey,
        head: Head,
        transfer: Transfer,
    ) {
        let t = self.tasks.get_mut(&key).expect("challenged task");
        if t.auth.credential.is_some() {
            t.auth.failures += 1;
        }
        t.auth.issued += 1;
        let id = t.auth.issued;
        t.auth.pending = Some(Pending {
            id,
            handed_over: false,
        });
        let value = head.www_authenticate.as_deref().unwrap_or_default();
        let challenge = AuthChallenge::parse(value, &t.url.authority, t.auth.failures);
        env.record(What::Challenged {
            task: key.clone(),
            challenge: challenge.clone(),
        });
        t.phase = Phase::Challenged(Box::new((head, transfer)));
        self.emit(DelegateEvent::Challenge {
            task: key,
            challenge,
            id,
        });
        self.free_slot(env);
    }

    /// Whether challenge `id` of `key` still waits for an answer.
    pub fn challenge_pending(&self, key: &TaskKey, id: u64) -> bool {
        self.tasks
            .get(key)
            .and_then(|t| t.auth.pending.as_ref())
            .is_some_and(|p| p.id == id)
    }

    /// The delegate callback for challenge `id` is being made.
    pub fn challenge_handed_over(&mut self, key: &TaskKey, id: u64) {
        if let Some(p) = self
            .tasks
            .get_mut(key)
            .and_then(|t| t.auth.pending.as_mut())
            .filter(|p| p.id == id)
        {
            p.handed_over = true;
        }
    }

    /// LC-6: the session holds a challenge, which wakes the app even while other tasks run.
    pub fn has_auth_challenge(&self, session: &str) -> bool {
        self.sessions.get(session).is_some_and(|s| {
            s.outbox.iter().any(|e| match e {
                DelegateEvent::Challenge { task, id, .. } => self.challenge_pending(task, *id),
                _ => false,
            })
        })
    }

    /// The task stopped waiting for an answer some other way (it completed, or the app
    /// suspended it): its challenge is moot and is no longer delivered.
    pub(super) fn forget_challenge(&mut self, key: &TaskKey) {
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        if t.auth.pending.take().is_none() {
            return;
        }
        if let Some(s) = self.sessions.get_mut(&key.session) {
            s.outbox
                .retain(|e| !matches!(e, DelegateEvent::Challenge { task, .. } if task == key));
        }
    }

    /// The app's answer to challenge `id` of `key`. A late or second answer is ignored.
    pub fn answer_challenge(
        &mut self,
        env: &mut Env<'_>,
        key: &TaskKey,
        id: u64,
        disposition: AuthDisposition,
    ) {
        if !self.challenge_pending(key, id) {
            return;
        }
        let t = self.tasks.get_mut(key).expect("pending above");
        t.auth.pending = None;
        let Phase::Challenged(held) = std::mem::replace(&mut t.phase, Phase::Waiting) else {
            return;
        };
        match disposition {
            AuthDisposition::UseCredential { user, password } => {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                t.auth.credential = Some((user, format!("Basic {token}")));
                drop(held);
                self.restart(env, key);
            }
            AuthDisposition::PerformDefaultHandling | AuthDisposition::RejectProtectionSpace => {
                let (head, transfer) = *held;
                self.response_arrived(env, key.clone(), head, transfer);
            }
            AuthDisposition::CancelAuthenticationChallenge => {
                drop(held);
                let error = UrlError {
                    code: UrlError::CANCELLED,
                    cancel_reason: None,
                    resume_data: None,
                };
                self.complete_with_error(env, key, error);
            }
        }
    }

    /// The app process stopped running (`died`: it is gone; else it was suspended). A
    /// challenge it was handed can no longer be answered; with `force_quit`, neither can
    /// one still held, as the system will not launch the app to ask.
    pub fn orphan_challenges(&mut self, env: &mut Env<'_>, died: bool, force_quit: bool) {
        let orphans: Vec<(TaskKey, bool)> = self
            .tasks
            .values()
            .filter_map(|t| Some((t.key.clone(), t.auth.pending.as_ref()?.handed_over)))
            .collect();
        for (key, handed_over) in orphans {
            let reason = match (handed_over, died) {
                (true, false) => "the app was suspended before answering",
                (true, true) => "the app's process ended before answering",
                (false, _) if force_quit => {
                    "the user force-quit the app, which is not launched to answer"
                }
                (false, _) => continue,
            };
            self.unanswered(env, &key, reason);
        }
    }

    /// A challenge's delegate event will never be delivered (FILE-5): nobody can answer.
    pub(super) fn challenge_lost(&mut self, env: &mut Env<'_>, key: &TaskKey, id: u64) {
        if self.challenge_pending(key, id) {
            self.unanswered(env, key, "its delegate event was lost with the process");
        }
    }

    fn unanswered(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: &str) {
        env.record(What::ChallengeUnanswered {
            task: key.clone(),
            reason: reason.to_string(),
        });
        let error = UrlError {
            code: self.profile.unanswered_challenge_error,
            cancel_reason: None,
            resume_data: None,
        };
        self.complete_with_error(env, key, error);
    }
}
