//! Cross-crate integration tests (filled in by a later issue).
