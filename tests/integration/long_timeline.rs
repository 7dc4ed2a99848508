//! A week of virtual time: the clock jumps from event to event, so days of suspension and
//! airplane mode cost nothing. The wall time is printed for the record (run with
//! `cargo test --release --test long_timeline -- --nocapture`), never asserted.

use crate::common;

use bgsim::world::Transport;
use bgsim_simulator::app::AppState;
use bgsim_simulator::trace::What;
use bgsim_simulator::Action;
use common::*;
use std::time::Instant;

#[test]
fn a_seven_day_timeline_completes() {
    const DAY: f64 = 86_400.0;
    let mut timeline = vec![(secs(0.0), Action::Launch)];
    // Every day: queue a download, go Home, lose the network for most of the day, and
    // come back; on day 3 the system kills the app, on day 5 the user force-quits it.
    for day in 0..7 {
        let d = day as f64 * DAY;
        timeline.push((secs(d + 10.0), Action::Launch));
        timeline.push((
            secs(d + 11.0),
            download(BIG, &format!("Documents/day{day}.bin")),
        ));
        timeline.push((secs(d + 13.0), Action::NetworkDown));
        timeline.push((secs(d + 14.0), Action::Home));
        if day == 3 {
            timeline.push((secs(d + 3600.0), Action::SystemKill));
        }
        if day == 5 {
            timeline.push((secs(d + 3600.0), Action::ForceQuit));
        }
        timeline.push((secs(d + 20.0 * 3600.0), Action::NetworkUp));
    }
    let started = Instant::now();
    let run = run("reference", 7, Transport::Tcp, timeline);
    let wall = started.elapsed();
    eprintln!(
        "7-day timeline: {} events, virtual {}, wall {:?}",
        run.history.len(),
        run.end_time,
        wall
    );
    let last = run.history.records().last().expect("a history").at;
    assert!(
        last >= secs(6.0 * DAY + 20.0 * 3600.0),
        "reached day 7: {last}"
    );
    let set = fixtures();
    for day in 0..7 {
        let file = format!("Documents/day{day}.bin");
        assert_eq!(
            run.sandbox.read(&file).unwrap(),
            served(&set, BIG),
            "{file}"
        );
    }
    assert!(run
        .history
        .records()
        .iter()
        .any(|r| matches!(r.what, What::Wake { .. })));
    assert_eq!(run.final_state, AppState::Suspended);
}
