//! The stimuli a timeline applies to the phone: what the user, the system and the network
//! do. Every action is total: when it does not apply in the app's current state it is
//! recorded as ignored rather than rejected, which keeps generated timelines valid.

use std::fmt;

/// One step of a timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The user taps the app's icon: a cold launch, or a return to the foreground.
    Launch,
    /// The user asks the app (in the foreground) to download `url` to `destination`.
    Download {
        /// The URL to download.
        url: String,
        /// The container path the user wants the file at.
        destination: String,
    },
    /// The user goes to the Home screen: foreground → background.
    Home,
    /// The user switches back to the app (only while it is still in memory).
    Foreground,
    /// The system suspends the app now (it does so by itself after the background grace).
    SystemSuspend,
    /// The system terminates the app, for memory pressure (KILL-1): relaunchable.
    SystemKill,
    /// The user swipes the app away in the app switcher (KILL-2): not relaunchable.
    ForceQuit,
    /// The app crashes (KILL-6: like a system kill).
    Crash,
    /// Connectivity is lost (NET-1).
    NetworkDown,
    /// Connectivity returns.
    NetworkUp,
    /// The phone is put on or taken off its charger (SCHED-1).
    Charger {
        /// Whether it is now charging.
        connected: bool,
    },
    /// The user locks the phone (the screen goes off: a foreground app goes to the
    /// background). Protected files close (TF-06).
    Lock,
    /// The user unlocks the phone.
    Unlock,
    /// An app update (TF-07): the app is terminated if it runs (its transfers go on) and
    /// its container moves to a new absolute path.
    ContainerMove,
    /// Nothing happens: the user waits (keeps the run going until then).
    Wait,
    /// The user picks `size_bytes` bytes (generated from `seed`, see
    /// [`crate::content::generated`]) and asks the app, in the foreground, to upload them to
    /// `url` (API-1).
    Upload {
        /// Where to upload.
        url: String,
        /// How many bytes.
        size_bytes: u64,
        /// Which bytes.
        seed: u64,
    },
    /// The user asks the app, in the foreground, for a small resource (API-4).
    Fetch {
        /// The URL.
        url: String,
        /// The container path the app should keep it at.
        destination: String,
    },
    /// The user pauses the transfer of `url` in the app (API-7).
    Pause {
        /// The URL.
        url: String,
    },
    /// The user resumes the paused transfer of `url` (API-7).
    Resume {
        /// The URL.
        url: String,
    },
}

impl Action {
    /// The step's name as written in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Launch => "launch",
            Action::Download { .. } => "download",
            Action::Home => "home",
            Action::Foreground => "foreground",
            Action::SystemSuspend => "system-suspend",
            Action::SystemKill => "system-kill",
            Action::ForceQuit => "force-quit",
            Action::Crash => "crash",
            Action::NetworkDown => "network-down",
            Action::NetworkUp => "network-up",
            Action::Charger { connected: true } => "plug-in",
            Action::Charger { connected: false } => "unplug",
            Action::Lock => "lock",
            Action::Unlock => "unlock",
            Action::ContainerMove => "container-move",
            Action::Wait => "wait",
            Action::Upload { .. } => "upload",
            Action::Fetch { .. } => "fetch",
            Action::Pause { .. } => "pause",
            Action::Resume { .. } => "resume",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Download { url, destination } => {
                write!(f, "download {url} -> {destination}")
            }
            Action::Upload {
                url,
                size_bytes,
                seed,
            } => write!(f, "upload {url} size={size_bytes} seed={seed}"),
            Action::Fetch { url, destination } => write!(f, "fetch {url} -> {destination}"),
            Action::Pause { url } => write!(f, "pause {url}"),
            Action::Resume { url } => write!(f, "resume {url}"),
            other => f.write_str(other.name()),
        }
    }
}
