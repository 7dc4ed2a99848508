//! Authentication challenges (HTTP-4): what the app is shown and how it answers.
//!
//! A 401 with a `WWW-Authenticate` challenge does not reach the app as a response: the
//! daemon holds it and asks the session's delegate first, with
//! `urlSession(_:task:didReceive:completionHandler:)`. That delegate event wakes or relaunches
//! the app like a finished transfer does (LC-6) and so counts toward the resume rate limiter
//! (RATE-5). The app answers through a [`ChallengeHandler`], now or later, but while its
//! process runs: a challenge handed to a process that is suspended or dies before answering
//! fails its task (the code is undocumented: `Profile::unanswered_challenge_error`).

use super::types::TaskKey;
use super::AppContext;
use crate::trace::What;
use std::fmt;

/// `URLAuthenticationChallenge`, reduced to what apps read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthChallenge {
    /// `protectionSpace.authenticationMethod`: the scheme of `WWW-Authenticate` (`Basic`).
    pub scheme: String,
    /// `protectionSpace.realm`, when the challenge names one.
    pub realm: Option<String>,
    /// `protectionSpace.host`: the server's authority.
    pub host: String,
    /// `previousFailureCount`: how many credentials for this task the server refused.
    pub previous_failure_count: u32,
}

impl AuthChallenge {
    /// Reads `WWW-Authenticate: Scheme realm="..."` (RFC 9110 §11.6.1): the first
    /// challenge's scheme and realm.
    pub(crate) fn parse(value: &str, host: &str, previous_failure_count: u32) -> AuthChallenge {
        let value = value.trim();
        let (scheme, params) = value.split_once(' ').unwrap_or((value, ""));
        let realm = params.split(',').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("realm")
                .then(|| v.trim().trim_matches('"').to_string())
        });
        AuthChallenge {
            scheme: scheme.to_string(),
            realm,
            host: host.to_string(),
            previous_failure_count,
        }
    }
}

impl fmt::Display for AuthChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.scheme)?;
        if let Some(realm) = &self.realm {
            write!(f, " realm={realm:?}")?;
        }
        write!(f, " previous-failures={}", self.previous_failure_count)
    }
}

/// `URLSession.AuthChallengeDisposition`, with the credential of `.useCredential`.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthDisposition {
    /// `.useCredential` with `URLCredential(user:password:persistence:)`: the request is
    /// sent again with `Authorization: Basic` (RFC 7617).
    UseCredential {
        /// The user name.
        user: String,
        /// The password (never shown in the history).
        password: String,
    },
    /// `.performDefaultHandling`: with no stored credential, the 401 is the response.
    PerformDefaultHandling,
    /// `.cancelAuthenticationChallenge`: the task fails with -999.
    CancelAuthenticationChallenge,
    /// `.rejectProtectionSpace`: with no other protection space, the 401 is the response.
    RejectProtectionSpace,
}

impl fmt::Display for AuthDisposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthDisposition::UseCredential { user, .. } => write!(f, "use-credential user={user}"),
            AuthDisposition::PerformDefaultHandling => write!(f, "perform-default-handling"),
            AuthDisposition::CancelAuthenticationChallenge => write!(f, "cancel"),
            AuthDisposition::RejectProtectionSpace => write!(f, "reject-protection-space"),
        }
    }
}

impl fmt::Debug for AuthDisposition {
    /// As Display: the password stays out of debug output too.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The `completionHandler` of `didReceive challenge`. Clonable like a block; keep it and
/// call it later if the answer takes work, but before the process is suspended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeHandler {
    pub(crate) task: TaskKey,
    pub(crate) id: u64,
}

impl ChallengeHandler {
    /// Calls the handler with the app's answer. Only the first answer to a challenge
    /// counts; a later one, or one after the task ended, is recorded and ignored.
    pub fn call(&self, ctx: &mut AppContext<'_>, disposition: AuthDisposition) {
        ctx.record(What::ChallengeAnswered {
            task: self.task.clone(),
            disposition: disposition.clone(),
        });
        ctx.daemon
            .answer_challenge(&mut ctx.env, &self.task, self.id, disposition);
    }

    /// The task the challenge is about.
    pub fn task(&self) -> &TaskKey {
        &self.task
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scheme_and_realm() {
        let c = AuthChallenge::parse("Basic realm=\"bgsim\", charset=\"UTF-8\"", "h", 1);
        assert_eq!(c.scheme, "Basic");
        assert_eq!(c.realm.as_deref(), Some("bgsim"));
        assert_eq!(c.previous_failure_count, 1);
        assert_eq!(c.to_string(), "Basic realm=\"bgsim\" previous-failures=1");
        let bare = AuthChallenge::parse("Bearer", "h", 0);
        assert_eq!((bare.scheme.as_str(), bare.realm), ("Bearer", None));
    }

    #[test]
    fn the_password_never_shows() {
        let d = AuthDisposition::UseCredential {
            user: "u".into(),
            password: "secret".into(),
        };
        assert!(!format!("{d} {d:?}").contains("secret"));
    }
}
