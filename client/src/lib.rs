//! The Rust client for RivetKit-compatible actor servers (filled in by a later issue).
