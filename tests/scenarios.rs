//! Every scenario in scenarios/ runs here: it must meet its expectations, its history is
//! snapshotted (no ports, paths or wall times in it), TCP and the in-memory pipe give the
//! same history, and the reference app breaks no check on any of them.

use bgsim::report::text::{render, Style};
use bgsim::runner::{run_scenario, Overrides};
use bgsim::scenario::{self};
use bgsim::world::Transport;
use std::path::{Path, PathBuf};

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_holds_with_a_stable_history() {
    let known = bgsim::registry::Apps::builtin().known();
    let files = shipped();
    assert!(files.len() >= 15, "only {} scenarios", files.len());
    for file in files {
        let s = scenario::load(&file, &known).unwrap_or_else(|e| panic!("{e}"));
        assert!(!s.rules.is_empty(), "{}: cites no rule", file.display());
        let memory = Overrides {
            transport: Transport::Memory,
            ..Overrides::default()
        };
        let outcome = run_scenario(&bgsim::registry::Apps::builtin(), &s, &memory).unwrap();
        assert!(
            outcome.passed(),
            "{}",
            render(&s, &outcome, false, Style { colour: false })
        );
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name.clone(), outcome.run.history.render());

        let tcp =
            run_scenario(&bgsim::registry::Apps::builtin(), &s, &Overrides::default()).unwrap();
        assert_eq!(
            tcp.run.history.render(),
            outcome.run.history.render(),
            "{name}: TCP and memory differ"
        );

        let reference = Overrides {
            app: Some("reference".into()),
            transport: Transport::Memory,
            ..Overrides::default()
        };
        let by_reference = run_scenario(&bgsim::registry::Apps::builtin(), &s, &reference).unwrap();
        assert!(
            by_reference.violations.is_empty(),
            "{name}: the reference app breaks {:?}",
            by_reference.violations
        );
    }
}
