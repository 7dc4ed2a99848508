//! The fuzzer's generator as a proptest strategy (issue 6). proptest draws the bytes of a
//! tape and the generator reads its choices from them (`bgsim::fuzz::tape`), so proptest's
//! shrinking of the bytes (fewer, then smaller) shrinks the case with them. Failing tapes
//! proptest finds are kept in `tests/regressions/fuzz_properties.txt`, in git, and tried
//! first on every run.

use bgsim::apps::mutants::{MUTANTS, NOT_FOUND_BY_FUZZING};
use bgsim::apps::REFERENCE_EXTENSION_SESSION;
use bgsim::fuzz::{self, case::Case, generate, tape::Tape};
use bgsim::registry::{Apps, Features};
use proptest::prelude::*;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngSeed, TestCaseError, TestError, TestRunner,
};

const REGRESSIONS: &str = "tests/regressions/fuzz_properties.txt";

/// The bytes a case is made of: enough for the longest case; a short tape ends in zeros.
fn tapes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..2048)
}

fn case_of(tape: &[u8]) -> Case {
    let features = Features::all(REFERENCE_EXTENSION_SESSION);
    generate::case_from(&mut Tape::new(tape), generate::Limits::default(), &features)
}

/// A fixed seed, so every run of the suite tries the same cases; `cases` of them at most.
fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(1),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        max_shrink_iters: 64,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn the_reference_app_violates_nothing(tape in tapes()) {
        let case = case_of(&tape);
        let o = fuzz::run(&Apps::builtin(), &case, "reference").map_err(TestCaseError::fail)?;
        prop_assert!(
            o.violations.is_empty() && !o.unbounded(),
            "{:?}\n{}",
            o.violations.iter().map(|v| v.check).collect::<Vec<_>>(),
            case.to_toml("reference", "a failing case")
        );
    }
}

/// Cases tried per mutant before it counts as not found.
const MAX_CASES_PER_MUTANT: u32 = 4000;

#[test]
fn proptest_finds_every_mutant_with_a_check_its_bug_is_about() {
    let mut missed = Vec::new();
    for m in MUTANTS
        .iter()
        .filter(|m| !NOT_FOUND_BY_FUZZING.contains(&m.name))
    {
        let mut runner = TestRunner::new(config(MAX_CASES_PER_MUTANT));
        let result = runner.run(&tapes(), |tape| {
            let o = fuzz::run(&Apps::builtin(), &case_of(&tape), m.name)
                .map_err(TestCaseError::fail)?;
            match o.violations.iter().find(|v| m.caught_by.contains(&v.check)) {
                Some(v) => Err(TestCaseError::fail(v.check)),
                None => Ok(()),
            }
        });
        match result {
            Err(TestError::Fail(check, tape)) => {
                let case = case_of(&tape);
                let again = fuzz::run(&Apps::builtin(), &case, m.name).unwrap();
                assert!(
                    again
                        .violations
                        .iter()
                        .any(|v| m.caught_by.contains(&v.check)),
                    "{}: the shrunk case no longer shows {check}",
                    m.name
                );
            }
            Err(e) => panic!("{}: {e}", m.name),
            Ok(()) => missed.push(m.name),
        }
    }
    assert!(
        missed.is_empty(),
        "not found in {MAX_CASES_PER_MUTANT} cases: {missed:?}"
    );
}
