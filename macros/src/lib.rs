//! The #[actor] procedural macro (filled in by a later issue).
