//! The device's state that iOS's scheduler looks at (SCHED-1, SCHED-6, PWR-1).

/// Power and network conditions of the phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// On external power.
    pub charging: bool,
    /// On Wi-Fi (else cellular, which iOS treats as expensive: SCHED-5). An expensive
    /// Wi-Fi (a personal hotspot) is not modelled.
    pub wifi: bool,
    /// Low Data Mode: the network is constrained (SCHED-5, PWR-4).
    pub low_data_mode: bool,
    /// Low Power Mode (PWR-1: defers discretionary work).
    pub low_power: bool,
    /// The app's Documents use NSFileProtectionComplete: closed while locked (TF-06).
    pub complete_protection: bool,
    /// PWR-2: the Background App Refresh switch. Off, the system never wakes or relaunches
    /// the app for its sessions: events wait until the user opens it.
    pub background_app_refresh: bool,
}

impl Default for DeviceConfig {
    /// A phone on its charger, on Wi-Fi: discretionary work may run.
    fn default() -> Self {
        DeviceConfig {
            charging: true,
            wifi: true,
            low_data_mode: false,
            low_power: false,
            complete_protection: false,
            background_app_refresh: true,
        }
    }
}

impl DeviceConfig {
    /// SCHED-1: the documented example of good conditions for discretionary transfers.
    pub fn discretionary_ok(&self) -> bool {
        self.charging && self.wifi && !self.low_power
    }

    /// SCHED-1 / PWR-1: what keeps discretionary work waiting, in words, if anything.
    pub fn discretionary_blocker(&self) -> Option<&'static str> {
        if !self.charging {
            Some("not charging")
        } else if !self.wifi {
            Some("not on Wi-Fi")
        } else if self.low_power {
            Some("Low Power Mode")
        } else {
            None
        }
    }

    /// SCHED-5: why a session with `config` may not use the current network, if it may
    /// not. A background task then waits for an allowed one rather than failing (NET-1).
    pub fn refuses(&self, config: &crate::app::SessionConfig) -> Option<&'static str> {
        if !self.wifi && !config.allows_cellular_access {
            Some("cellular access not allowed")
        } else if !self.wifi && !config.allows_expensive_network_access {
            Some("expensive network access not allowed")
        } else if self.low_data_mode && !config.allows_constrained_network_access {
            Some("constrained network access not allowed (Low Data Mode)")
        } else {
            None
        }
    }
}
