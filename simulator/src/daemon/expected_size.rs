//! SCHED-4: `countOfBytesClientExpectsToReceive` / `...ToSend`. The system uses them to
//! schedule, but no algorithm is documented: the policy is the profile's
//! `large_transfer_waits_for_wifi_bytes` (none by default, so the values have no effect).

use super::task::Task;
use super::Daemon;
use crate::app::TaskKey;

impl Daemon {
    /// Sets the client's expected sizes of a task (before `resume()`, where they count).
    pub fn set_expected_bytes(
        &mut self,
        key: &TaskKey,
        receive_bytes: Option<i64>,
        send_bytes: Option<i64>,
    ) {
        if let Some(t) = self.tasks.get_mut(key) {
            if let Some(b) = receive_bytes {
                t.expects_to_receive_bytes = b;
            }
            if let Some(b) = send_bytes {
                t.expects_to_send_bytes = b;
            }
        }
    }

    /// SCHED-4 (the knob's guess): why `t` may not start now, naming the value: its expected
    /// bytes exceed the limit and the phone is off Wi-Fi. Checked when an attempt starts, as
    /// discretionary waiting is (SCHED-1); Wi-Fi's return restarts waiting tasks.
    pub(super) fn large_transfer_blocker(&self, t: &Task) -> Option<String> {
        let limit_bytes = self.profile.large_transfer_waits_for_wifi_bytes?;
        if self.device.wifi {
            return None;
        }
        let known = |b: i64| u64::try_from(b).unwrap_or(0);
        let expected_bytes = known(t.expects_to_receive_bytes) + known(t.expects_to_send_bytes);
        (expected_bytes > limit_bytes).then(|| {
            format!(
                "expects {expected_bytes} bytes (countOfBytesClientExpectsToReceive={}, \
                 countOfBytesClientExpectsToSend={}), more than {limit_bytes} off Wi-Fi: \
                 waits for Wi-Fi",
                t.expects_to_receive_bytes, t.expects_to_send_bytes
            )
        })
    }
}
