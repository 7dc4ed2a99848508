//! The rules of iOS behaviour that bgsim models, by ID, with how each is known: from
//! Apple's documentation (DOC), a DTS engineer's answer (DTS), or only observation (OBS).
//! The rules themselves are described in `docs/rules.md`, one entry per ID
//! (`docs/rules.md#kill-2`); this table lets `bgsim list` and the tests tell which rules have
//! a scenario that shows them at work.

/// How a rule is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Backed by one or more kinds of source.
    Sourced {
        /// Apple's documentation says it.
        doc: bool,
        /// An Apple DTS engineer said it.
        dts: bool,
        /// Seen in the field; where sources are silent or disagree, a profile knob.
        obs: bool,
    },
    /// Nobody says: the model's own assumption.
    Assumption,
    /// Sources contradict each other; the model follows one reading, or none.
    Conflict,
}

impl Status {
    /// DOC or DTS: a rule every scenario suite must demonstrate.
    pub fn is_authoritative(self) -> bool {
        matches!(self, Status::Sourced { doc, dts, .. } if doc || dts)
    }

    /// A short label: `DOC+OBS`, `assumption`...
    pub fn label(self) -> String {
        match self {
            Status::Sourced { doc, dts, obs } => [(doc, "DOC"), (dts, "DTS"), (obs, "OBS")]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, name)| *name)
                .collect::<Vec<_>>()
                .join("+"),
            Status::Assumption => "assumption".into(),
            Status::Conflict => "conflict".into(),
        }
    }
}

/// One rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `KILL-2`.
    pub id: &'static str,
    /// How it is known.
    pub status: Status,
}

impl Rule {
    /// The group: `KILL` of `KILL-2`.
    pub fn group(&self) -> &'static str {
        self.id.split('-').next().unwrap_or(self.id)
    }
}

/// Every rule, in the order of docs/rules.md.
pub const RULES: &[Rule] = &[
    Rule {
        id: "ID-1",
        status: Status::Sourced {
            doc: true,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "ID-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ID-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ID-4",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ID-5",
        status: Status::Sourced {
            doc: true,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "ID-6",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ID-7",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ID-8",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "LC-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-5",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-6",
        status: Status::Conflict,
    },
    Rule {
        id: "LC-7",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-8",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "LC-9",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "LC-10",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ORD-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ORD-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ORD-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ORD-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ORD-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ORD-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ORD-7",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "CH-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "CH-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "CH-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "CH-4",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "CH-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "CH-6",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "CH-7",
        status: Status::Conflict,
    },
    Rule {
        id: "FILE-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "FILE-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "FILE-3",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "FILE-4",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "FILE-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "FILE-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "FILE-7",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "KILL-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "KILL-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "KILL-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "KILL-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "KILL-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "KILL-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "KILL-7",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "SCHED-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "SCHED-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "RATE-1",
        status: Status::Sourced {
            doc: true,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "RATE-2",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RATE-3",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RATE-4",
        status: Status::Sourced {
            doc: true,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "RATE-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RATE-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "SCHED-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "SCHED-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "SCHED-5",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "SCHED-6",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "NET-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-4",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "NET-7",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "NET-8",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "RES-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "RES-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RES-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "RES-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "RES-5",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "RES-6",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RES-7",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "RES-8",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "HTTP-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "HTTP-2",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "HTTP-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "HTTP-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "PROG-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "PROG-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "PROG-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "API-1",
        status: Status::Sourced {
            doc: true,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "API-2",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "API-3",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "API-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "API-5",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "API-6",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "API-7",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "TID-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "TID-2",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "TID-3",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "TID-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "TID-5",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "TID-6",
        status: Status::Assumption,
    },
    Rule {
        id: "INV-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "INV-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "INV-3",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "INV-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "PWR-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "PWR-2",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "PWR-3",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "PWR-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "ENV-1",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: false,
        },
    },
    Rule {
        id: "ENV-2",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "ENV-3",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "ENV-4",
        status: Status::Sourced {
            doc: false,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "ENV-5",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "OS-1",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: true,
        },
    },
    Rule {
        id: "OS-2",
        status: Status::Sourced {
            doc: false,
            dts: true,
            obs: true,
        },
    },
    Rule {
        id: "OS-3",
        status: Status::Assumption,
    },
    Rule {
        id: "OS-4",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "OS-5",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
    Rule {
        id: "OS-6",
        status: Status::Sourced {
            doc: true,
            dts: false,
            obs: false,
        },
    },
];

/// The rule with this ID.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
