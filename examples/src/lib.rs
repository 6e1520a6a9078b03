//! Every seed design pattern as a runnable example (filled in by a later issue).
