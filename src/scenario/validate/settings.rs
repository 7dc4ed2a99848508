//! The settings sections, each over its defaults: `[network]`, `[profile]` (the knobs of
//! iOS behaviour, some checked against each other), `[session]` and `[device]`.

use std::time::Duration;

use bgsim_simulator::time::fmt_duration;
use bgsim_simulator::{DeviceConfig, NetworkConfig, Profile};

use super::super::raw::{Dur, RawDevice, RawNetwork, RawProfile, RawSession};
use super::{Locator, Result};
use crate::apps::SessionSettings;

pub(super) fn network(raw: Option<RawNetwork>) -> NetworkConfig {
    let mut network = NetworkConfig::default();
    if let Some(raw) = raw {
        if let Some(bandwidth) = raw.bandwidth {
            network.bandwidth_bytes_per_s = bandwidth.0;
        }
        if let Some(latency) = raw.latency {
            network.latency = latency.0;
        }
        if let Some(up) = raw.up {
            network.up = up;
        }
    }
    network
}

pub(super) fn profile(raw: Option<RawProfile>, at: &Locator) -> Result<Profile> {
    let mut p = Profile::default();
    let Some(raw) = raw else { return Ok(p) };
    let set = |field: &mut Duration, value: Option<Dur>| {
        if let Some(value) = value {
            *field = value.0;
        }
    };
    set(&mut p.bg_wake_budget, raw.wake_budget);
    set(&mut p.background_grace, raw.background_grace);
    set(&mut p.progress_interval, raw.progress_interval);
    set(&mut p.resource_timeout_default, raw.resource_timeout);
    set(&mut p.request_timeout_default, raw.request_timeout);
    set(&mut p.retry_backoff_initial, raw.retry_backoff_initial);
    if let Some(granularity) = raw.progress_granularity {
        // Zero bytes per progress report would ask for a report per nothing transferred.
        if granularity.get_ref().0 == 0 {
            return Err(at.at(
                granularity.span(),
                "`progress_granularity` is 0; expected at least 1 byte",
            ));
        }
        p.progress_granularity_bytes = granularity.into_inner().0;
    }
    if let Some(max) = raw.retry_backoff_max {
        p.retry_backoff_max = max.get_ref().0;
        // Checked here rather than left to the daemon: a cap below the first delay is a typo
        // whose effect (every retry at the cap) would be hard to see in a history.
        if p.retry_backoff_max < p.retry_backoff_initial {
            return Err(at.at(
                max.span(),
                format!(
                    "`retry_backoff_max` `{}` is less than `retry_backoff_initial` `{}`; expected at least that",
                    fmt_duration(p.retry_backoff_max),
                    fmt_duration(p.retry_backoff_initial)
                ),
            ));
        }
    }
    if let Some(lose) = raw.lose_undelivered_on_wake_kill {
        p.lose_undelivered_on_wake_kill = lose;
    }
    if let Some(all) = raw.low_power_pauses_all {
        p.low_power_pauses_all = all;
    }
    if let Some(deliver) = raw.upload_response_on_connect {
        p.upload_response_on_connect = deliver;
    }
    if let Some(unknown) = raw.encoded_length_unknown {
        p.encoded_length_unknown = unknown;
    }
    if let Some(limit) = raw.large_transfer_waits_for_wifi {
        p.large_transfer_waits_for_wifi_bytes = Some(limit.0);
    }
    if let Some(code) = raw.unanswered_challenge_error {
        // NSURLErrorDomain codes are negative; a positive one is a sign slip.
        if *code.get_ref() >= 0 {
            return Err(at.at(
                code.span(),
                format!(
                    "`unanswered_challenge_error` is {}; expected a negative NSURLError code such as -1012",
                    code.get_ref()
                ),
            ));
        }
        p.unanswered_challenge_error = code.into_inner();
    }
    if let Some(policy) = raw.wake_policy {
        p.wake_policy = policy.0;
    }
    if let Some(orders) = raw.interleavings {
        p.interleavings = orders.0;
    }
    set(&mut p.rate_initial, raw.rate_initial);
    if let Some(max) = raw.rate_max {
        p.rate_max = Some(max.0);
    }
    set(&mut p.foreground_start_delay, raw.foreground_start_delay);
    if let Some(timeout) = raw.post_boot_timeout {
        p.post_boot_timeout = timeout;
    }
    if let Some(corrupts) = raw.resume_after_temp_purge_corrupts {
        p.resume_after_temp_purge_corrupts = corrupts;
    }
    if let Some(surface) = raw.surface_connection_lost {
        p.surface_connection_lost = surface;
    }
    if let Some(lost) = raw.invalidation_lost_after_background {
        p.invalidation_lost_after_background = lost;
    }
    if let Some(cap) = raw.max_concurrent_transfers {
        if *cap.get_ref() == 0 {
            return Err(at.at(
                cap.span(),
                "`max_concurrent_transfers` is 0; expected at least 1",
            ));
        }
        p.max_concurrent_transfers = Some(cap.into_inner());
    }
    if let Some(factor) = raw.rate_factor {
        if *factor.get_ref() == 0 {
            return Err(at.at(factor.span(), "`rate_factor` is 0; expected at least 1"));
        }
        p.rate_factor = factor.into_inner();
    }
    Ok(p)
}

pub(super) fn session(raw: Option<RawSession>, at: &Locator) -> Result<SessionSettings> {
    let Some(raw) = raw else {
        return Ok(SessionSettings::default());
    };
    let credentials = match raw.credentials {
        None => None,
        Some(c) => {
            // RFC 7617, as for the `unauthorized` fault: the first colon ends the user.
            let text = c.get_ref();
            if text.chars().any(char::is_control) || !text.contains(':') {
                return Err(at.at(
                    c.span(),
                    format!("bad credentials `{text}`: expected `user:password`, printable, with a colon after the user"),
                ));
            }
            Some(c.into_inner())
        }
    };
    Ok(SessionSettings {
        sends_launch_events: raw.sends_launch_events,
        discretionary: raw.discretionary,
        request_timeout: raw.request_timeout.map(|d| d.0),
        resource_timeout: raw.resource_timeout.map(|d| d.0),
        allows_cellular_access: raw.allows_cellular_access,
        allows_expensive_network_access: raw.allows_expensive_network_access,
        allows_constrained_network_access: raw.allows_constrained_network_access,
        expects_to_receive_bytes: raw.expects_to_receive.map(|s| s.0),
        credentials,
    })
}

pub(super) fn device(raw: Option<RawDevice>) -> DeviceConfig {
    let mut d = DeviceConfig::default();
    if let Some(raw) = raw {
        d.charging = raw.charging.unwrap_or(d.charging);
        d.wifi = raw.wifi.unwrap_or(d.wifi);
        d.low_data_mode = raw.low_data_mode.unwrap_or(d.low_data_mode);
        d.low_power = raw.low_power.unwrap_or(d.low_power);
        d.complete_protection = raw.complete_protection.unwrap_or(d.complete_protection);
        d.background_app_refresh = raw
            .background_app_refresh
            .unwrap_or(d.background_app_refresh);
    }
    d
}
