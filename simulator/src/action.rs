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
    /// OS-1: the phone restarts. The app's process and the daemon's connections go; the
    /// tasks persist and wait, with the device locked, for the first unlock.
    Reboot,
    /// OS-2: the system terminates the app (if it runs) to update it: its transfers go on
    /// and its container moves to a new absolute path, as with [`Action::ContainerMove`].
    AppUpdate,
    /// OS-3: the user deletes the app and installs it again. The process goes, the
    /// container is emptied (at a new root) and the daemon drops the app's sessions and
    /// tasks: nothing of them reaches the new install.
    Reinstall,
    /// OS-4: the phone's storage fills up (`full`), or space is freed again.
    DiskFull {
        /// Whether the disk is now full.
        full: bool,
    },
    /// OS-5: a background task or a silent push launches the app in the background, or
    /// resumes it there, for a short time (the wake budget); not a force-quit one.
    BackgroundLaunch,
    /// The system frees disk space: it empties the app's tmp/, where the partial file of a
    /// cancelled download's resume data is kept (RES-1 condition 5).
    PurgeTmp,
    /// Nothing happens: the user waits (keeps the run going until then).
    Wait,
    /// The user acts on a download in the app's UI (foreground only). An app that has no
    /// such control ignores it.
    User(UserCommand),
    /// The user turns Low Power Mode on or off (PWR-1).
    LowPower {
        /// Whether it is now on.
        on: bool,
    },
    /// The phone joins (on) or leaves (off, to cellular) Wi-Fi; connectivity stays
    /// (SCHED-5).
    Wifi {
        /// Whether it is now on Wi-Fi.
        on: bool,
    },
    /// The user turns Low Data Mode on or off (SCHED-5, PWR-4).
    LowDataMode {
        /// Whether it is now on.
        on: bool,
    },
    /// The system cancels every unfinished transfer for lack of resources (PWR-3):
    /// -999 with reason 2, and resume data where the download can resume.
    SystemCancel,
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
    /// The user pauses the transfer of `url` in the app, which suspends its task (API-7).
    SuspendTask {
        /// The URL.
        url: String,
    },
    /// The user resumes the transfer of `url` that the app suspended (API-7).
    ResumeTask {
        /// The URL.
        url: String,
    },
    /// An app extension process (a share extension) starts and connects to the
    /// background session `session` (ID-5, ID-6), optionally starting one download.
    ExtensionStart {
        /// The session identifier it uses.
        session: String,
        /// Whether its configuration sets `sharedContainerIdentifier` (ID-6: else -995).
        shared_container: bool,
        /// A download it starts: URL and destination.
        download: Option<(String, String)>,
    },
    /// The app extension process ends; the session it held is free (ID-5).
    ExtensionExit,
}

/// What the user asks of the app's UI, beyond starting a download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserCommand {
    /// Pause the download going to `destination` (RES-2: cancel producing resume data).
    Pause {
        /// The download's destination, as given to its `download` step.
        destination: String,
    },
    /// Carry on with a paused download (RES-4: a new task from the resume data).
    Resume {
        /// The download's destination.
        destination: String,
    },
    /// Sign out: stop everything now (INV-2: `invalidateAndCancel`).
    SignOut,
    /// Stop once the running downloads are done (INV-1: `finishTasksAndInvalidate`).
    StopAfterDownloads,
}

impl UserCommand {
    /// The step's name as written in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            UserCommand::Pause { .. } => "pause-download",
            UserCommand::Resume { .. } => "resume-download",
            UserCommand::SignOut => "sign-out",
            UserCommand::StopAfterDownloads => "stop-after-downloads",
        }
    }

    /// The download it is about, if any.
    pub fn destination(&self) -> Option<&str> {
        match self {
            UserCommand::Pause { destination } | UserCommand::Resume { destination } => {
                Some(destination)
            }
            UserCommand::SignOut | UserCommand::StopAfterDownloads => None,
        }
    }
}

impl fmt::Display for UserCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.destination() {
            Some(d) => write!(f, "{} {d}", self.name()),
            None => f.write_str(self.name()),
        }
    }
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
            Action::Reboot => "reboot",
            Action::AppUpdate => "app-update",
            Action::Reinstall => "reinstall",
            Action::DiskFull { full: true } => "disk-full",
            Action::DiskFull { full: false } => "disk-freed",
            Action::BackgroundLaunch => "bg-launch",
            Action::PurgeTmp => "purge-tmp",
            Action::Wait => "wait",
            Action::User(command) => command.name(),
            Action::LowPower { on: true } => "low-power-on",
            Action::LowPower { on: false } => "low-power-off",
            Action::SystemCancel => "system-cancel",
            Action::Wifi { on: true } => "wifi-on",
            Action::Wifi { on: false } => "wifi-off",
            Action::LowDataMode { on: true } => "low-data-mode-on",
            Action::LowDataMode { on: false } => "low-data-mode-off",
            Action::Upload { .. } => "upload",
            Action::Fetch { .. } => "fetch",
            Action::SuspendTask { .. } => "suspend-task",
            Action::ResumeTask { .. } => "resume-task",
            Action::ExtensionStart { .. } => "extension-start",
            Action::ExtensionExit => "extension-exit",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Download { url, destination } => {
                write!(f, "download {url} -> {destination}")
            }
            Action::User(command) => command.fmt(f),
            Action::Upload {
                url,
                size_bytes,
                seed,
            } => write!(f, "upload {url} size={size_bytes} seed={seed}"),
            Action::Fetch { url, destination } => write!(f, "fetch {url} -> {destination}"),
            Action::SuspendTask { url } => write!(f, "suspend-task {url}"),
            Action::ResumeTask { url } => write!(f, "resume-task {url}"),
            Action::ExtensionStart {
                session,
                shared_container,
                download,
            } => {
                write!(
                    f,
                    "extension-start session={session} shared-container={shared_container}"
                )?;
                match download {
                    Some((url, to)) => write!(f, " download {url} -> {to}"),
                    None => Ok(()),
                }
            }
            other => f.write_str(other.name()),
        }
    }
}
