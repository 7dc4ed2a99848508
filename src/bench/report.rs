//! The results of `bgsim bench`: one row per figure, printed as a table for people or as one
//! JSON object whose numeric fields carry their unit in their names (`value_ms`,
//! `baseline_per_s`, `value_mib`).

use serde_json::{json, Map, Value};

/// The unit of a row's figure and baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds of wall time.
    Ms,
    /// Runs per second.
    PerS,
    /// Mebibytes (peak resident memory).
    Mib,
    /// Mebibytes per second (throughput).
    MibPerS,
    /// A number of things (failures).
    Count,
}

impl Unit {
    /// The suffix of the JSON field names holding a figure in this unit.
    fn suffix(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::PerS => "per_s",
            Unit::Mib => "mib",
            Unit::MibPerS => "mib_per_s",
            Unit::Count => "count",
        }
    }

    /// The figure for people, with its unit.
    fn show(self, value: f64) -> String {
        match self {
            Unit::Ms => format!("{value:.1} ms"),
            Unit::PerS => format!("{value:.0}/s"),
            Unit::Mib => format!("{value:.1} MiB"),
            Unit::MibPerS => format!("{value:.0} MiB/s"),
            Unit::Count => format!("{value:.0}"),
        }
    }
}

/// What bgsim's figure is compared with.
#[derive(Clone, Debug)]
pub enum Baseline {
    /// Measured in the same invocation: what it is, and its figure (in the row's unit).
    Measured { what: String, value: f64 },
    /// Not measured, and why (a tool is missing, or there is no honest one).
    Missing(String),
}

/// The target of issue 16 a row is held to.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The figure is at most this.
    AtMost(f64),
    /// The figure is at least this.
    AtLeast(f64),
    /// The figure divided by the baseline is at most this.
    RatioAtMost(f64),
    /// The figure divided by the baseline is at least this.
    RatioAtLeast(f64),
    /// None: the figure is reported to explain the others.
    Reported,
}

/// One measured figure.
#[derive(Clone, Debug)]
pub struct Row {
    /// The benchmark it belongs to (`--only` names).
    pub bench: &'static str,
    /// What was measured, in a few words.
    pub measured: String,
    pub unit: Unit,
    /// bgsim's figure: the median of the repetitions.
    pub value: f64,
    pub baseline: Baseline,
    pub target: Target,
}

impl Row {
    /// bgsim's figure over the baseline's, when there is a baseline.
    pub fn ratio(&self) -> Option<f64> {
        match self.baseline {
            Baseline::Measured { value, .. } if value > 0.0 => Some(self.value / value),
            _ => None,
        }
    }

    /// Whether the target is met; `None` when it is a ratio without a baseline.
    pub fn met(&self) -> Option<bool> {
        match self.target {
            Target::AtMost(max) => Some(self.value <= max),
            Target::AtLeast(min) => Some(self.value >= min),
            Target::RatioAtMost(max) => self.ratio().map(|r| r <= max),
            Target::RatioAtLeast(min) => self.ratio().map(|r| r >= min),
            Target::Reported => None,
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::AtMost(max) => format!("<= {}", self.unit.show(max)),
            Target::AtLeast(min) => format!(">= {}", self.unit.show(min)),
            Target::RatioAtMost(max) => format!("ratio <= {max}"),
            Target::RatioAtLeast(min) => format!("ratio >= {min}"),
            Target::Reported => "-".into(),
        }
    }
}

fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "-",
    }
}

/// The table for people, with a line saying how the figures were taken.
pub fn table(rows: &[Row], repetitions: usize, quick: bool) -> String {
    let header = ["bench", "measured", "bgsim", "baseline", "ratio", "target", ""];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let baseline = match &r.baseline {
                Baseline::Measured { what, value } => format!("{} ({what})", r.unit.show(*value)),
                Baseline::Missing(why) => why.clone(),
            };
            [
                r.bench.to_string(),
                r.measured.clone(),
                r.unit.show(r.value),
                baseline,
                r.ratio().map_or("-".into(), |x| format!("{x:.2}")),
                r.target_text(),
                met_text(r.met()).to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    for row in &cells {
        out.push_str(&line(row));
    }
    out.push_str(&format!(
        "each timed figure is the median of {repetitions} repetitions{}; wall time on this machine\n",
        if quick { " (--quick sizes)" } else { "" }
    ));
    out
}

/// One JSON object: how the figures were taken, and the rows.
pub fn json(rows: &[Row], repetitions: usize, quick: bool) -> Value {
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            let suffix = r.unit.suffix();
            let mut o = Map::new();
            o.insert("bench".into(), json!(r.bench));
            o.insert("measured".into(), json!(r.measured));
            o.insert(format!("value_{suffix}"), json!(r.value));
            match &r.baseline {
                Baseline::Measured { what, value } => {
                    o.insert("baseline".into(), json!(what));
                    o.insert(format!("baseline_{suffix}"), json!(value));
                }
                Baseline::Missing(why) => {
                    o.insert("baseline_missing".into(), json!(why));
                }
            }
            o.insert("ratio".into(), json!(r.ratio()));
            o.insert("target".into(), json!(r.target_text()));
            o.insert("target_met".into(), json!(r.met()));
            Value::Object(o)
        })
        .collect();
    json!({ "repetitions": repetitions, "quick": quick, "results": results })
}
