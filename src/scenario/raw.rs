//! The scenario file as serde reads it, before the checks that need the whole file or the
//! outside world (declared fixtures, known apps and checks, files on disk).
//!
//! Every struct denies unknown fields, so a typo is an error rather than a silently ignored
//! setting. Values that are strings with a grammar (durations, sizes, step names) are parsed
//! here, inside `Deserialize`, because toml then attaches the value's span to the error for
//! free. Values checked later are wrapped in [`Spanned`] to keep their position.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::units::{parse_bandwidth, parse_duration, parse_size};
use crate::server::AcceptRanges;
use bgsim_simulator::profile::{Interleavings, WakePolicy};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub rules: Vec<RuleId>,
    pub app: Spanned<RawApp>,
    pub seed: Option<Seed>,
    pub horizon: Option<Spanned<Dur>>,
    pub max_events: Option<Spanned<u64>>,
    pub network: Option<RawNetwork>,
    pub profile: Option<RawProfile>,
    pub device: Option<RawDevice>,
    pub session: Option<RawSession>,
    #[serde(default)]
    pub fixture: Tables<RawFixture>,
    #[serde(default)]
    pub step: Tables<RawStep>,
    #[serde(default)]
    pub fault: Tables<super::faults::RawFault>,
    pub expect: Option<RawExpect>,
}

/// `app = "reference"`, or `app = { command = ["python3", "app.py"], timeout = "10s" }` for
/// an app in another language (docs/protocol.md).
pub(crate) enum RawApp {
    Name(String),
    Command(RawAppCommand),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAppCommand {
    pub command: Spanned<Vec<String>>,
    pub timeout: Option<Spanned<Dur>>,
}

impl<'de> Deserialize<'de> for RawApp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AppVisitor;
        impl<'de> Visitor<'de> for AppVisitor {
            type Value = RawApp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an app name like \"reference\", or a table like { command = [\"python3\", \"app.py\"] }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawApp, E> {
                Ok(RawApp::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawApp, A::Error> {
                RawAppCommand::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawApp::Command)
            }
        }
        d.deserialize_any(AppVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub bandwidth: Option<Bandwidth>,
    pub latency: Option<Dur>,
    pub up: Option<bool>,
}

/// `[session]`: the background session configuration the app is asked to use.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSession {
    pub sends_launch_events: Option<bool>,
    pub discretionary: Option<bool>,
    pub request_timeout: Option<Dur>,
    pub resource_timeout: Option<Dur>,
    pub allows_cellular_access: Option<bool>,
    pub allows_expensive_network_access: Option<bool>,
    pub allows_constrained_network_access: Option<bool>,
    pub expects_to_receive: Option<Size>,
    pub credentials: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDevice {
    pub charging: Option<bool>,
    pub wifi: Option<bool>,
    pub low_data_mode: Option<bool>,
    pub low_power: Option<bool>,
    pub complete_protection: Option<bool>,
    pub background_app_refresh: Option<bool>,
}

/// Keys are named as in the file format, which drops the `_default`/`_bytes` suffixes of
/// [`bgsim_simulator::Profile`] because units are in the values here.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub wake_budget: Option<Dur>,
    pub background_grace: Option<Dur>,
    pub progress_interval: Option<Dur>,
    pub progress_granularity: Option<Spanned<Size>>,
    pub resource_timeout: Option<Dur>,
    pub request_timeout: Option<Dur>,
    pub retry_backoff_initial: Option<Dur>,
    pub retry_backoff_max: Option<Spanned<Dur>>,
    pub lose_undelivered_on_wake_kill: Option<bool>,
    pub rate_initial: Option<Dur>,
    pub rate_factor: Option<Spanned<u32>>,
    pub rate_max: Option<Dur>,
    pub foreground_start_delay: Option<Dur>,
    pub post_boot_timeout: Option<bool>,
    pub resume_after_temp_purge_corrupts: Option<bool>,
    pub surface_connection_lost: Option<bool>,
    pub invalidation_lost_after_background: Option<bool>,
    pub max_concurrent_transfers: Option<Spanned<usize>>,
    pub low_power_pauses_all: Option<bool>,
    pub upload_response_on_connect: Option<bool>,
    pub encoded_length_unknown: Option<bool>,
    pub large_transfer_waits_for_wifi: Option<Size>,
    pub unanswered_challenge_error: Option<Spanned<i64>>,
    pub wake_policy: Option<Wakes>,
    pub interleavings: Option<Orders>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFixture {
    pub path: Spanned<String>,
    pub file: Option<Spanned<String>>,
    pub size: Option<Spanned<Size>>,
    pub seed: Option<Spanned<Seed>>,
    pub accept_ranges: Option<Ranges>,
    pub framing: Option<Framing>,
    pub gzip: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub at: Spanned<Dur>,
    #[serde(rename = "do")]
    pub kind: StepKind,
    pub url: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub size: Option<Spanned<Size>>,
    pub seed: Option<Spanned<Seed>>,
    /// `extension-start` (ID-5): the session identifier the extension uses.
    pub session: Option<Spanned<String>>,
    /// `extension-start` (ID-6): whether it sets a shared container.
    pub shared_container: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    #[serde(default)]
    pub violations: Vec<Spanned<String>>,
    #[serde(default)]
    pub files: Pairs,
    #[serde(default)]
    pub absent: Vec<Spanned<String>>,
}

/// Reads a string value with `parse`; any other TOML type is an error saying what string
/// was expected. toml adds the value's span to either error.
fn deserialize_str<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<T> {
        expecting: &'static str,
        parse: fn(&str) -> Result<T, String>,
    }
    impl<T> Visitor<'_> for StrVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.parse)(v).map_err(E::custom)
        }
    }
    deserializer.deserialize_str(StrVisitor { expecting, parse })
}

/// A duration string (`"5s"`).
pub(crate) struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "a duration string like \"5s\"", |s| {
            parse_duration(s).map(Dur)
        })
    }
}

/// A seed: a non-negative integer. Its own type so a wrong value reads "expected a
/// non-negative integer" rather than serde's "expected u64".
pub(crate) struct Seed(pub u64);

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SeedVisitor;
        impl Visitor<'_> for SeedVisitor {
            type Value = Seed;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer seed")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seed, E> {
                Ok(Seed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seed, E> {
                self.visit_i128(i128::from(v))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Seed, E> {
                u64::try_from(v).map(Seed).map_err(|_| {
                    E::custom(format!(
                        "bad seed `{v}`: expected an integer from 0 to {}",
                        u64::MAX
                    ))
                })
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Seed, E> {
                self.visit_i128(i128::try_from(v).unwrap_or(i128::MAX))
            }
        }
        d.deserialize_any(SeedVisitor)
    }
}

/// An array of tables (`[[step]]`, `[[fixture]]`), each with its position: the span of a
/// table written as a `[[...]]` section starts at its header.
pub(crate) struct Tables<T>(pub Vec<Spanned<T>>);

impl<T> Default for Tables<T> {
    fn default() -> Self {
        Tables(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tables<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TablesVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for TablesVisitor<T> {
            type Value = Tables<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // The usual mistake is `[step]` for `[[step]]`: name the fix.
                f.write_str("an array of tables, written as `[[...]]` sections")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tables<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(table) = seq.next_element()? {
                    out.push(table);
                }
                Ok(Tables(out))
            }
        }
        d.deserialize_seq(TablesVisitor(PhantomData))
    }
}

/// A size string (`"64KiB"`); also a plain non-negative integer of bytes, as the format
/// promises "plain integer = bytes" and `size = 512` is the natural way to write it.
pub(crate) struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size string like \"64KiB\" or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map(Size)
                    .map_err(|_| E::custom(format!("bad size `{v}`: sizes cannot be negative")))
            }
        }
        d.deserialize_any(SizeVisitor)
    }
}

/// A bandwidth string (`"256KiB/s"`), in bytes per second.
pub(crate) struct Bandwidth(pub u64);

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "a bandwidth string like \"256KiB/s\"", |s| {
            parse_bandwidth(s).map(Bandwidth)
        })
    }
}

/// A rule ID of docs/rules.md: capital letters, a dash, digits (`KILL-2`, `LC-10`).
pub(crate) struct RuleId(pub String);

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "a rule ID string like \"KILL-2\"", |s| {
            let shaped = s.split_once('-').is_some_and(|(letters, digits)| {
                !letters.is_empty()
                    && letters.bytes().all(|b| b.is_ascii_uppercase())
                    && !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
            });
            if shaped {
                Ok(RuleId(s.to_owned()))
            } else {
                Err(format!(
                    "bad rule ID `{s}`: expected capital letters, a dash and digits, like `KILL-2`"
                ))
            }
        })
    }
}

/// Looks `s` up in `names`, or says which names were expected.
fn one_of<T: Copy>(what: &str, s: &str, names: &[(&str, T)]) -> Result<T, String> {
    names
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let list: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
            format!("unknown {what} `{s}`; expected one of: {}", list.join(", "))
        })
}

/// What a `[[step]]` does: the `do` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepKind {
    Launch,
    Download,
    Home,
    Foreground,
    SystemSuspend,
    SystemKill,
    ForceQuit,
    Crash,
    NetworkDown,
    NetworkUp,
    PlugIn,
    Unplug,
    Lock,
    Unlock,
    ContainerMove,
    PurgeTmp,
    Wait,
    PauseDownload,
    ResumeDownload,
    SignOut,
    StopAfterDownloads,
    LowPowerOn,
    LowPowerOff,
    SystemCancel,
    WifiOn,
    WifiOff,
    LowDataModeOn,
    LowDataModeOff,
    Upload,
    Fetch,
    SuspendTask,
    ResumeTask,
    ExtensionStart,
    ExtensionExit,
    Reboot,
    AppUpdate,
    Reinstall,
    DiskFull,
    DiskFreed,
    BgLaunch,
}

/// The step names, in the order the documentation lists them. They match
/// [`bgsim_simulator::Action::name`].
pub(crate) const STEP_KINDS: [(&str, StepKind); 40] = [
    ("launch", StepKind::Launch),
    ("download", StepKind::Download),
    ("home", StepKind::Home),
    ("foreground", StepKind::Foreground),
    ("system-suspend", StepKind::SystemSuspend),
    ("system-kill", StepKind::SystemKill),
    ("force-quit", StepKind::ForceQuit),
    ("crash", StepKind::Crash),
    ("network-down", StepKind::NetworkDown),
    ("network-up", StepKind::NetworkUp),
    ("plug-in", StepKind::PlugIn),
    ("unplug", StepKind::Unplug),
    ("lock", StepKind::Lock),
    ("unlock", StepKind::Unlock),
    ("container-move", StepKind::ContainerMove),
    ("purge-tmp", StepKind::PurgeTmp),
    ("wait", StepKind::Wait),
    ("pause-download", StepKind::PauseDownload),
    ("resume-download", StepKind::ResumeDownload),
    ("sign-out", StepKind::SignOut),
    ("stop-after-downloads", StepKind::StopAfterDownloads),
    ("low-power-on", StepKind::LowPowerOn),
    ("low-power-off", StepKind::LowPowerOff),
    ("system-cancel", StepKind::SystemCancel),
    ("wifi-on", StepKind::WifiOn),
    ("wifi-off", StepKind::WifiOff),
    ("low-data-mode-on", StepKind::LowDataModeOn),
    ("low-data-mode-off", StepKind::LowDataModeOff),
    ("upload", StepKind::Upload),
    ("fetch", StepKind::Fetch),
    ("suspend-task", StepKind::SuspendTask),
    ("resume-task", StepKind::ResumeTask),
    ("extension-start", StepKind::ExtensionStart),
    ("extension-exit", StepKind::ExtensionExit),
    ("reboot", StepKind::Reboot),
    ("app-update", StepKind::AppUpdate),
    ("reinstall", StepKind::Reinstall),
    ("disk-full", StepKind::DiskFull),
    ("disk-freed", StepKind::DiskFreed),
    ("bg-launch", StepKind::BgLaunch),
];

impl StepKind {
    pub(crate) fn name(self) -> &'static str {
        STEP_KINDS
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("?", |(name, _)| *name)
    }
}

impl<'de> Deserialize<'de> for StepKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "a step name string like \"launch\"", |s| {
            one_of("step", s, &STEP_KINDS)
        })
    }
}

/// `accept_ranges` of a fixture.
pub(crate) struct Ranges(pub AcceptRanges);

impl<'de> Deserialize<'de> for Ranges {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(
            d,
            "\"bytes\", \"none\", \"absent\" or \"unadvertised\"",
            |s| {
                one_of(
                    "accept_ranges",
                    s,
                    &[
                        ("bytes", AcceptRanges::Bytes),
                        ("none", AcceptRanges::None),
                        ("absent", AcceptRanges::Absent),
                        ("unadvertised", AcceptRanges::Unadvertised),
                    ],
                )
                .map(Ranges)
            },
        )
    }
}

/// `wake_policy` of the profile (LC-6).
pub(crate) struct Wakes(pub WakePolicy);

impl<'de> Deserialize<'de> for Wakes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "\"all-done\", \"each-completion\" or \"seeded\"", |s| {
            let names = [
                ("all-done", WakePolicy::AllDone),
                ("each-completion", WakePolicy::EachCompletion),
                ("seeded", WakePolicy::Seeded),
            ];
            one_of("wake_policy", s, &names).map(Wakes)
        })
    }
}

/// `interleavings` of the profile: the unordered points fixed, or the seed's.
pub(crate) struct Orders(pub Interleavings);

impl<'de> Deserialize<'de> for Orders {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "\"fixed\" or \"seeded\"", |s| {
            let names = [
                ("fixed", Interleavings::Fixed),
                ("seeded", Interleavings::Seeded),
            ];
            one_of("interleavings", s, &names).map(Orders)
        })
    }
}

/// `framing` of a fixture: whether the body is chunked.
pub(crate) struct Framing {
    pub chunked: bool,
}

impl<'de> Deserialize<'de> for Framing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_str(d, "\"content-length\" or \"chunked\"", |s| {
            one_of(
                "framing",
                s,
                &[("content-length", false), ("chunked", true)],
            )
            .map(|chunked| Framing { chunked })
        })
    }
}

/// A table of string keys to string values, in the order toml hands them over, with the
/// position of both (`files = { "Documents/a.png" = "/a.png" }`).
#[derive(Default)]
pub(crate) struct Pairs(pub Vec<(Spanned<String>, Spanned<String>)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairsVisitor(PhantomData<Pairs>);
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of container paths to fixture paths or files")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(PairsVisitor(PhantomData))
    }
}
