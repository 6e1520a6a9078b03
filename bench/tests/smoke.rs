//! Smoke test: one tiny scenario against actorium only, through the real binary (the harness
//! starts actorium as a child process, drives it, writes the report files, stops it).

use std::process::Command;

#[test]
fn http_read_quick_against_actorium() {
    let out = tempfile::tempdir().expect("temp dir");
    let result = Command::new(env!("CARGO_BIN_EXE_actorium-bench"))
        .args([
            "http-read",
            "--quick",
            "--systems",
            "actorium",
            "--window-ms",
            "150",
            "--warmup-ms",
            "20",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run actorium-bench");
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "actorium-bench failed: {}\n{stdout}\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    // Six cases (1/16/64 callers x 1/64 actors), each with a throughput figure.
    let rows = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("http-read") && l.contains("actions/s"))
        .count();
    assert_eq!(rows, 6, "{stdout}");
    let json = std::fs::read_to_string(out.path().join("http-read-quick.json")).expect("json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    for row in v["rows"].as_array().expect("rows") {
        assert_eq!(row["errors"], 0, "{row}");
        assert!(row["value"].as_f64().unwrap_or(0.0) > 0.0, "{row}");
    }
    let svg = std::fs::read_to_string(out.path().join("http-read-quick.svg")).expect("svg");
    assert!(svg.starts_with("<svg"));
    let md = std::fs::read_to_string(out.path().join("http-read-quick.md")).expect("md");
    assert!(md.contains("| 16 callers, 1 actor |"), "{md}");
}
