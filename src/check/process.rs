//! Apps in other languages (docs/protocol.md): the process must speak the protocol. A
//! broken exchange is not something an iOS app can do, so it is judged apart from the
//! crashes of `no-exception`.

use super::facts::Facts;
use super::{Check, Evidence, Violation};
use bgsim_simulator::trace::What;

pub(super) const APP_PROTOCOL: Check = Check {
    id: "app-protocol",
    statement: "an app run as a process follows the app protocol: one JSON message per line, known calls with their fields, an answer within the guard, no exit of its own",
    explanation: "bgsim can judge an app only through the messages of docs/protocol.md. A \
        malformed line, an unknown call, a process that exits by itself or stops answering \
        ends the process where it happened (as a crash), and every later verdict of the run \
        is about a broken exchange rather than the app's logic.",
    run: app_protocol,
};

fn app_protocol(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    (f.records.iter().enumerate())
        .filter_map(|(i, r)| match &r.what {
            What::ProcessFailed { reason } => Some(Violation::new(
                APP_PROTOCOL.id,
                format!("the app's process failed: {reason}"),
                vec![i],
            )),
            _ => None,
        })
        .collect()
}
