//! bgsim: the lab around the phone.
pub mod server;
