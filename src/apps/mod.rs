//! Apps under test. Each is a factory: a relaunch builds a fresh object, as iOS does.

pub mod article;
pub mod reference;

use bgsim_simulator::AppFactory;

/// The built-in apps, by name.
pub const NAMES: [&str; 2] = ["reference", "article"];

/// One line about the built-in app called `name`.
pub fn describe(name: &str) -> &'static str {
    match name {
        "reference" => "a correct download manager: the model answer",
        "article" => "a literal port of the seed article's code, bugs included",
        _ => "",
    }
}

/// A factory for the built-in app called `name`.
pub fn factory(name: &str) -> Option<AppFactory> {
    match name {
        "reference" => Some(Box::new(|| Box::new(reference::ReferenceApp::default()))),
        "article" => Some(Box::new(|| Box::new(article::ArticleApp::default()))),
        _ => None,
    }
}
