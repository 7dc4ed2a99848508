//! The device's state that iOS's scheduler looks at (SCHED-1, SCHED-6, PWR-1).

/// Power and network conditions of the phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// On external power.
    pub charging: bool,
    /// On Wi-Fi (else cellular).
    pub wifi: bool,
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
}
