//! The fixture actors, grouped like the suite's test files.

pub mod actions;
pub mod conns;
pub mod counters;
pub mod errors;
pub mod hibernation;
pub mod lifecycle;
pub mod raw_http;
pub mod raw_ws;
pub mod sleep;
pub mod sleep_work;
pub mod state;
pub mod vars;
