//! `[[fault]]`: what the server does wrong, keyed by path and request number. Each kind
//! takes its own keys; a key the kind does not take is an error at that key.

use serde::Deserialize;
use toml::Spanned;

use super::error::{Locator, ScenarioError};
use super::raw::{Dur, Seed, Size};
use crate::server::{Fault, FaultPlan, FaultRule, RetryAfter};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub path: Spanned<String>,
    pub request: Option<Spanned<u64>>,
    pub kind: Spanned<String>,
    pub at: Option<Spanned<Size>>,
    pub status: Option<Spanned<u16>>,
    pub retry_after: Option<Spanned<String>>,
    pub retry_after_date: Option<Spanned<Dur>>,
    pub credentials: Option<Spanned<String>>,
    pub location: Option<Spanned<String>>,
    pub shift: Option<Spanned<i64>>,
    pub missing: Option<Spanned<Size>>,
    pub seed: Option<Spanned<Seed>>,
    /// How long a stall lasts (`for` is a Rust keyword).
    #[serde(rename = "for")]
    pub duration: Option<Spanned<Dur>>,
}

/// Every kind, with the keys it takes beyond `path`, `request` and `kind`.
pub(crate) const FAULT_KINDS: [(&str, &[&str]); 13] = [
    ("cut", &["at"]),
    ("reset", &["at"]),
    ("stall", &["at", "for"]),
    ("status", &["status", "retry_after", "retry_after_date"]),
    ("ignore-range", &[]),
    ("misaligned-range", &["shift"]),
    ("short-range", &["missing"]),
    ("new-version", &["seed"]),
    ("weak-etag", &[]),
    ("no-validators", &[]),
    ("redirect", &["status", "location"]),
    ("unauthorized", &["credentials"]),
    ("close-delimited", &[]),
];

fn required<'a, T>(
    value: &'a Option<Spanned<T>>,
    key: &str,
    raw: &Spanned<RawFault>,
    at: &Locator,
) -> Result<&'a T, ScenarioError> {
    value.as_ref().map(Spanned::get_ref).ok_or_else(|| {
        at.at(
            raw.span(),
            format!(
                "a `{}` fault needs `{key}`; expected it in this [[fault]]",
                raw.get_ref().kind.get_ref()
            ),
        )
    })
}

/// Validates the faults into the server's plan, in file order.
pub(crate) fn faults(raw: &[Spanned<RawFault>], at: &Locator) -> Result<FaultPlan, ScenarioError> {
    let mut plan = FaultPlan::new();
    for f in raw {
        let r = f.get_ref();
        let kind = r.kind.get_ref().as_str();
        let Some((_, takes)) = FAULT_KINDS.iter().find(|(k, _)| *k == kind) else {
            let names: Vec<&str> = FAULT_KINDS.iter().map(|(k, _)| *k).collect();
            return Err(at.at(
                r.kind.span(),
                format!(
                    "unknown fault `{kind}`; expected one of: {}",
                    names.join(", ")
                ),
            ));
        };
        let given = [
            ("at", r.at.as_ref().map(Spanned::span)),
            ("status", r.status.as_ref().map(Spanned::span)),
            ("retry_after", r.retry_after.as_ref().map(Spanned::span)),
            (
                "retry_after_date",
                r.retry_after_date.as_ref().map(Spanned::span),
            ),
            ("location", r.location.as_ref().map(Spanned::span)),
            ("shift", r.shift.as_ref().map(Spanned::span)),
            ("missing", r.missing.as_ref().map(Spanned::span)),
            ("seed", r.seed.as_ref().map(Spanned::span)),
            ("for", r.duration.as_ref().map(Spanned::span)),
            ("credentials", r.credentials.as_ref().map(Spanned::span)),
        ];
        for (key, span) in given {
            if let (Some(span), false) = (span, takes.contains(&key)) {
                return Err(at.at(
                    span,
                    format!(
                        "a `{kind}` fault takes no `{key}`; expected only `path`, `request`, `kind`{}",
                        takes.iter().map(|k| format!(", `{k}`")).collect::<String>()
                    ),
                ));
            }
        }
        if !r.path.get_ref().starts_with('/') {
            return Err(at.at(
                r.path.span(),
                format!(
                    "fault path `{}` does not start with `/`; expected a URL path like `/big.bin`",
                    r.path.get_ref()
                ),
            ));
        }
        if let Some(n) = r.request.as_ref().filter(|n| *n.get_ref() == 0) {
            return Err(at.at(
                n.span(),
                "`request` is 0; expected the request's number, from 1",
            ));
        }
        let fault = match kind {
            "cut" => Fault::Cut {
                at_byte: required(&r.at, "at", f, at)?.0,
            },
            "status" => {
                let status = required(&r.status, "status", f, at)?;
                if !(100..=599).contains(status) {
                    let span = r.status.as_ref().map(Spanned::span).unwrap_or_default();
                    return Err(at.at(
                        span,
                        format!("status {status} is not an HTTP status; expected 100 to 599"),
                    ));
                }
                let retry_after = match (&r.retry_after, &r.retry_after_date) {
                    (Some(_), Some(date)) => {
                        return Err(at.at(
                            date.span(),
                            "a `status` fault has `retry_after` or `retry_after_date`, not both",
                        ));
                    }
                    (Some(v), None) => Some(RetryAfter::Verbatim(v.get_ref().clone())),
                    (None, Some(d)) => Some(RetryAfter::Date {
                        delay: d.get_ref().0,
                    }),
                    (None, None) => None,
                };
                Fault::Status {
                    code: *status,
                    retry_after,
                }
            }
            "reset" => Fault::Reset {
                at_byte: required(&r.at, "at", f, at)?.0,
            },
            "stall" => Fault::Stall {
                at_byte: required(&r.at, "at", f, at)?.0,
                duration: r.duration.as_ref().map(|d| d.get_ref().0),
            },
            "ignore-range" => Fault::IgnoreRange,
            "misaligned-range" => Fault::MisalignedRange {
                shift: *required(&r.shift, "shift", f, at)?,
            },
            "short-range" => Fault::ShortRange {
                missing: required(&r.missing, "missing", f, at)?.0,
            },
            "new-version" => Fault::NewVersion {
                seed: required(&r.seed, "seed", f, at)?.0,
            },
            "weak-etag" => Fault::WeakEtag,
            "no-validators" => Fault::NoValidators,
            "redirect" => {
                let status = required(&r.status, "status", f, at)?;
                if ![301, 302, 303, 307, 308].contains(status) {
                    let span = r.status.as_ref().map(Spanned::span).unwrap_or_default();
                    return Err(at.at(
                        span,
                        format!(
                            "status {status} is not a redirect; expected 301, 302, 303, 307 or 308"
                        ),
                    ));
                }
                Fault::Redirect {
                    status: *status,
                    location: r.location.as_ref().map(|l| l.get_ref().clone()),
                }
            }
            "unauthorized" => {
                let credentials = match &r.credentials {
                    None => None,
                    Some(c) => {
                        // RFC 7617: the user-id cannot contain a colon, so the first one
                        // splits it from the password; both must be printable text.
                        let text = c.get_ref();
                        let printable = !text.chars().any(char::is_control);
                        if !printable || !text.contains(':') {
                            return Err(at.at(
                                c.span(),
                                format!("bad credentials `{text}`: expected `user:password`, printable, with a colon after the user"),
                            ));
                        }
                        Some(text.clone())
                    }
                };
                Fault::Unauthorized { credentials }
            }
            _ => Fault::CloseDelimited,
        };
        plan.push(FaultRule {
            path: r.path.get_ref().clone(),
            request: r.request.as_ref().map(|n| *n.get_ref()),
            fault,
        });
    }
    Ok(plan)
}
