//! The phone's integration tests, in one test binary: one module per subject, sharing the
//! scripted apps and helpers of `support`.

mod support;

mod auth;
mod expected_size;
mod extension;
mod model;
mod transfers;
