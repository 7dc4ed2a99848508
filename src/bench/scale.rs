//! downloads-scale: one session with many small downloads at once, on the memory transport
//! with 1,000 and 10,000 of them (the sizes), and over TCP with the larger count.
//! Each case runs in a child `bgsim bench --one <case>` (a fresh peak resident set). The
//! baseline of the larger session is the smaller one: ten times the downloads should cost at
//! most twelve times the time and memory.

use super::proc;
use super::report::{Baseline, Row, Target, Unit};
use super::{io_error, median, repeat, Sizes};
use crate::registry::Apps;
use crate::runner::{run_scenario, Overrides};
use crate::world::Transport;
use bgsim_simulator::sandbox::Storage;
use bgsim_simulator::{Action, SimTime};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One launch, one 4 KiB fixture, and room for the events of ten thousand downloads. The
/// downloads are added in code: a scenario file holds at most 10,000 steps.
const BASE: &str = "name = \"bench: many small downloads in one session\"\napp = \"reference\"\n\
    max_events = 5000000\n[network]\nbandwidth = \"1GiB/s\"\n\
    [[fixture]]\npath = \"/small.bin\"\nsize = \"4KiB\"\nseed = 3\n\
    [[step]]\nat = \"0s\"\ndo = \"launch\"\n";

/// A case's name for `--one`: `downloads-<count>-<memory|tcp>`.
fn case_name(count: usize, transport: Transport) -> String {
    let t = match transport {
        Transport::Memory => "memory",
        Transport::Tcp => "tcp",
    };
    format!("downloads-{count}-{t}")
}

/// In the child: runs the case and prints `<run ms> <violations>`.
pub fn one(apps: &Apps, case: &str) -> Result<String, String> {
    let unknown = || format!("no case `{case}`; expected downloads-<count>-<memory|tcp>");
    let rest = case.strip_prefix("downloads-").ok_or_else(unknown)?;
    let (count, transport) = rest.split_once('-').ok_or_else(unknown)?;
    let count: usize = count.parse().map_err(|_| unknown())?;
    let transport = match transport {
        "memory" => Transport::Memory,
        "tcp" => Transport::Tcp,
        _ => return Err(unknown()),
    };
    let mut s = crate::scenario::parse(BASE, Path::new("downloads-scale.toml"), &apps.known())
        .map_err(|e| e.to_string())?;
    // All in the same second, a microsecond apart: one session holding them all at once.
    s.steps.extend((0..count).map(|i| {
        let at = SimTime::from_us(1_000_000 + i as u64);
        let download = Action::Download {
            url: crate::world::fixture_url("/small.bin"),
            destination: format!("Documents/d{i}.bin"),
        };
        (at, download)
    }));
    let overrides = Overrides {
        transport,
        storage: Storage::Disk,
        ..Overrides::default()
    };
    let started = Instant::now();
    let o = run_scenario(apps, &s, &overrides).map_err(|e| e.to_string())?;
    let run_ms = started.elapsed().as_secs_f64() * 1e3;
    if let Some(why) = o.unsettled_reason() {
        return Err(why);
    }
    Ok(format!("{run_ms} {}", o.violations.len()))
}

/// What one case cost in its child: run ms, peak MiB, check failures.
struct Cost {
    run_ms: f64,
    peak_mib: f64,
    failures: f64,
}

/// A case's child may map this much at most: 10,000 downloads over TCP once grew past
/// 24 GiB before the system's OOM killer ended it, taking the machine with it. Past the cap
/// an allocation fails and the child stops, and the row says so.
const CHILD_ADDRESS_SPACE_BYTES: u64 = 8 << 30;

fn cap_address_space(child: &mut Command) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: CHILD_ADDRESS_SPACE_BYTES,
        rlim_max: CHILD_ADDRESS_SPACE_BYTES,
    };
    // SAFETY: setrlimit is async-signal-safe, and the closure touches nothing else.
    unsafe {
        child.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn measure(count: usize, transport: Transport) -> Result<Cost, String> {
    let case = case_name(count, transport);
    let mut child = Command::new(proc::exe().map_err(io_error)?);
    child.args(["bench", "--one", &case]);
    cap_address_space(&mut child);
    let cost = proc::measure(&mut child).map_err(io_error)?;
    if !cost.status.success() {
        return Err(format!(
            "{case} failed: {} (its address space is capped at {} GiB)",
            cost.status,
            CHILD_ADDRESS_SPACE_BYTES >> 30
        ));
    }
    let mut words = cost.stdout.split_whitespace().map(str::parse::<f64>);
    match (words.next(), words.next(), cost.peak_mib) {
        (Some(Ok(run_ms)), Some(Ok(failures)), Some(peak_mib)) => Ok(Cost {
            run_ms,
            peak_mib,
            failures,
        }),
        _ => Err(format!("{case} printed {:?}", cost.stdout)),
    }
}

/// The medians of a case's repetitions.
fn medians(count: usize, transport: Transport) -> Result<Cost, String> {
    let all = repeat(|| measure(count, transport))?;
    Ok(Cost {
        run_ms: median(all.iter().map(|c| c.run_ms)),
        peak_mib: median(all.iter().map(|c| c.peak_mib)),
        failures: all.iter().map(|c| c.failures).fold(0.0, f64::max),
    })
}

pub fn bench(sizes: Sizes) -> Result<Vec<Row>, String> {
    let (few, many) = (sizes.small_downloads, sizes.many_downloads);
    let small = medians(few, Transport::Memory)?;
    let large = medians(many, Transport::Memory)?;
    let tcp = medians(many, Transport::Tcp)?;
    let versus = |what: &str, value: f64| Baseline::Measured {
        what: what.into(),
        value,
    };
    let row = |measured: String, unit, value, baseline, target| Row {
        bench: "downloads-scale",
        measured,
        unit,
        value,
        baseline,
        target,
    };
    let few_text = format!("{few} downloads");
    Ok(vec![
        row(
            format!("{many} downloads, memory transport: run time"),
            Unit::Ms,
            large.run_ms,
            versus(&few_text, small.run_ms),
            Target::RatioAtMost(12.0),
        ),
        row(
            format!("{many} downloads, memory transport: peak RSS"),
            Unit::Mib,
            large.peak_mib,
            versus(&few_text, small.peak_mib),
            Target::RatioAtMost(12.0),
        ),
        row(
            format!("{many} downloads over TCP: run time"),
            Unit::Ms,
            tcp.run_ms,
            versus("the memory transport", large.run_ms),
            Target::Reported,
        ),
        row(
            format!("{many} downloads over TCP: peak RSS"),
            Unit::Mib,
            tcp.peak_mib,
            versus("the memory transport", large.peak_mib),
            Target::Reported,
        ),
        row(
            format!("check failures of the three sessions ({many} over TCP)"),
            Unit::Count,
            tcp.failures.max(large.failures).max(small.failures),
            Baseline::Missing("none: TCP must work".into()),
            Target::AtMost(0.0),
        ),
    ])
}
