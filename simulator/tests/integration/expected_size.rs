//! SCHED-4: `countOfBytesClientExpectsToReceive` and the pluggable policy the profile's
//! `large_transfer_waits_for_wifi_bytes` knob gives it.

use crate::support;

use bgsim_simulator::trace::What;
use bgsim_simulator::{Action, DeviceConfig, Profile, SimConfig, SimTime};
use support::*;

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// On cellular: launch, download at 1 s, Wi-Fi at 10 s.
fn on_cellular(limit_bytes: Option<u64>, expects: i64) -> (bgsim_simulator::History, SimTime) {
    let config = SimConfig {
        profile: Profile {
            large_transfer_waits_for_wifi_bytes: limit_bytes,
            ..Profile::default()
        },
        device: DeviceConfig {
            wifi: false,
            ..DeviceConfig::default()
        },
        ..SimConfig::default()
    };
    let quirks = Quirks {
        expects_to_receive: Some(expects),
        ..Quirks::default()
    };
    let (h, ..) = run_with(
        config,
        quirks,
        serve_bytes(body(5000)),
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("Documents/r")),
            (secs(10.0), Action::Wifi { on: true }),
        ],
    );
    let sent = h
        .records()
        .iter()
        .find(|r| matches!(r.what, What::RequestSent { .. }))
        .expect("the download is sent")
        .at;
    (h, sent)
}

#[test]
fn sched_4_the_expected_size_is_recorded_and_has_no_effect_by_default() {
    let (h, sent) = on_cellular(None, 5000);
    assert!(has(&h, |w| matches!(
        w,
        What::TaskExpectsBytes {
            property: "countOfBytesClientExpectsToReceive",
            bytes: 5000,
            ..
        }
    )));
    assert_eq!(sent, secs(1.0));
}

#[test]
fn sched_4_with_the_knob_a_larger_task_waits_for_wifi_naming_its_size() {
    let (h, sent) = on_cellular(Some(4000), 5000);
    assert!(has(&h, |w| matches!(
        w,
        What::Waiting { reason, .. }
            if reason.contains("countOfBytesClientExpectsToReceive=5000") && reason.contains("Wi-Fi")
    )));
    assert_eq!(sent, secs(10.0), "it starts when the phone joins Wi-Fi");
}

#[test]
fn sched_4_with_the_knob_a_task_within_the_limit_or_of_unknown_size_starts_at_once() {
    assert_eq!(on_cellular(Some(4000), 4000).1, secs(1.0));
    // -1, NSURLSessionTransferSizeUnknown: nothing to go by.
    assert_eq!(on_cellular(Some(4000), -1).1, secs(1.0));
}
