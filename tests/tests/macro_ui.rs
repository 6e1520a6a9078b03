//! Compile tests of `#[actor]`: every mistake in `tests/ui/fail` is a compile error at its span
//! with the message pinned in the `.stderr` beside it; every file in `tests/ui/pass` compiles
//! and runs.

#[test]
fn macro_ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
