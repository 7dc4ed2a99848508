//! Apps under test. Each is a factory: a relaunch builds a fresh object, as iOS does.

pub mod article;
pub mod mutants;
pub mod reference;

use bgsim_simulator::AppFactory;

/// The built-in apps, by name: the reference app, the article's app, then the mutants.
pub const NAMES: [&str; 6] = [
    "reference",
    "article",
    mutants::MUTANTS[0].0,
    mutants::MUTANTS[1].0,
    mutants::MUTANTS[2].0,
    mutants::MUTANTS[3].0,
];

/// One line about the built-in app called `name`.
pub fn describe(name: &str) -> &'static str {
    match name {
        "reference" => "a correct download manager: the model answer",
        "article" => "a literal port of the seed article's code, bugs included",
        _ => mutants::MUTANTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or("", |(_, _, about)| about),
    }
}

/// A factory for the built-in app called `name`.
pub fn factory(name: &str) -> Option<AppFactory> {
    match name {
        "reference" => Some(Box::new(|| Box::new(reference::ReferenceApp::default()))),
        "article" => Some(Box::new(|| Box::new(article::ArticleApp::default()))),
        _ => {
            mutants::build(name)?;
            let name = name.to_string();
            Some(Box::new(move || {
                Box::new(mutants::build(&name).expect("checked above"))
            }))
        }
    }
}
