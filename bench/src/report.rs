//! Results: rows, the printed/markdown tables (one per scenario, with ratios), the JSON file
//! and the SVG chart (throughput and p99 side by side).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::stats::Summary;

/// The system label of actorium (the reference column of every ratio).
pub const ACTORIUM: &str = "actorium";
/// The system label of the RivetKit stack (engine + runner).
pub const RIVETKIT: &str = "RivetKit";
/// The system label of the bare axum ceiling.
pub const CEILING: &str = "axum ceiling";

/// One measured figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Scenario name (`http-read`, …).
    pub scenario: String,
    /// The case within the scenario (`16 callers, 1 actor`).
    pub case: String,
    /// System label.
    pub system: String,
    /// Unit of `value`: `/s` figures are throughput (higher is better), others are costs.
    pub unit: String,
    /// The headline figure.
    pub value: f64,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Failed operations.
    pub errors: u64,
    /// Anything else worth printing (commits per second, actions per commit, …).
    pub note: String,
}

impl Row {
    /// A throughput row from a [`Summary`].
    pub fn throughput(scenario: &str, case: &str, system: &str, unit: &str, s: &Summary) -> Row {
        Row {
            scenario: scenario.into(),
            case: case.into(),
            system: system.into(),
            unit: unit.into(),
            value: s.per_sec,
            p50_ms: s.p50_ms,
            p99_ms: s.p99_ms,
            errors: s.errors,
            note: String::new(),
        }
    }

    fn higher_is_better(&self) -> bool {
        self.unit.ends_with("/s")
    }

    fn cell(&self) -> String {
        let value = if self.unit.starts_with("ms") {
            fmt_ms(self.value)
        } else {
            fmt_num(self.value)
        };
        let mut c = format!("{value} {}", self.unit);
        if let (Some(p50), Some(p99)) = (self.p50_ms, self.p99_ms) {
            let _ = write!(c, "<br>p50 {} · p99 {} ms", fmt_ms(p50), fmt_ms(p99));
        }
        if self.errors > 0 {
            let _ = write!(c, "<br>**{} errors**", self.errors);
        }
        c
    }
}

/// A number with thousands separators (no decimals from 100 up).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.abs() < 100.0 {
        return format!("{v:.1}");
    }
    let n = v.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Milliseconds with sensible precision.
pub fn fmt_ms(v: f64) -> String {
    if v < 1.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        fmt_num(v)
    }
}

/// Every row of a run, in the order they were measured.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// The rows.
    pub rows: Vec<Row>,
}

impl Report {
    /// Adds a row and prints it.
    pub fn push(&mut self, row: Row) {
        println!(
            "  {:<11} {:<28} {:<16} {:>12} {:<12} p50 {:>8} ms  p99 {:>8} ms{}{}",
            row.scenario,
            row.case,
            row.system,
            fmt_num(row.value),
            row.unit,
            row.p50_ms.map(fmt_ms).unwrap_or_else(|| "–".into()),
            row.p99_ms.map(fmt_ms).unwrap_or_else(|| "–".into()),
            if row.errors > 0 {
                format!("  ({} errors)", row.errors)
            } else {
                String::new()
            },
            if row.note.is_empty() {
                String::new()
            } else {
                format!("  [{}]", row.note)
            },
        );
        self.rows.push(row);
    }

    fn scenarios(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for r in &self.rows {
            if !seen.contains(&r.scenario) {
                seen.push(r.scenario.clone());
            }
        }
        seen
    }

    /// One markdown table per scenario: a column per system, then the ratios of actorium to
    /// RivetKit and to the ceiling (× better: throughput ratio, or cost ratio inverted).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for scenario in self.scenarios() {
            let rows: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| r.scenario == scenario)
                .collect();
            let mut systems: Vec<String> = Vec::new();
            let mut cases: Vec<String> = Vec::new();
            for r in &rows {
                if !systems.contains(&r.system) {
                    systems.push(r.system.clone());
                }
                if !cases.contains(&r.case) {
                    cases.push(r.case.clone());
                }
            }
            let reference = systems
                .iter()
                .find(|s| s.starts_with(ACTORIUM))
                .cloned()
                .unwrap_or_default();
            let others: Vec<&String> = systems
                .iter()
                .filter(|s| s.as_str() == RIVETKIT || s.as_str() == CEILING)
                .collect();
            let _ = writeln!(out, "### {scenario}\n");
            let mut header = String::from("| case |");
            for s in &systems {
                let _ = write!(header, " {s} |");
            }
            for o in &others {
                let _ = write!(header, " {reference} ÷ {o} |");
            }
            let notes = rows.iter().any(|r| !r.note.is_empty());
            if notes {
                header.push_str(" notes |");
            }
            let _ = writeln!(out, "{header}");
            let cols = 1 + systems.len() + others.len() + usize::from(notes);
            let _ = writeln!(out, "|{}", "---|".repeat(cols));
            for case in &cases {
                let get = |sys: &str| rows.iter().find(|r| &r.case == case && r.system == sys);
                let mut line = format!("| {case} |");
                for s in &systems {
                    let _ = write!(
                        line,
                        " {} |",
                        get(s).map(|r| r.cell()).unwrap_or("–".into())
                    );
                }
                for o in &others {
                    let ratio = match (get(&reference), get(o)) {
                        (Some(a), Some(b)) if a.value > 0.0 && b.value > 0.0 => {
                            let x = if a.higher_is_better() {
                                a.value / b.value
                            } else {
                                b.value / a.value
                            };
                            format!(
                                "{}×",
                                if x < 10.0 {
                                    format!("{x:.2}")
                                } else {
                                    fmt_num(x)
                                }
                            )
                        }
                        _ => "–".into(),
                    };
                    let _ = write!(line, " {ratio} |");
                }
                if notes {
                    let n: Vec<String> = rows
                        .iter()
                        .filter(|r| &r.case == case && !r.note.is_empty())
                        .map(|r| format!("{}: {}", r.system, r.note))
                        .collect();
                    let _ = write!(line, " {} |", n.join("<br>"));
                }
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        out
    }

    /// The chart: for every throughput case, one bar per system for throughput (left) and for
    /// p99 latency (right), both on log scales.
    pub fn svg(&self) -> String {
        let rows: Vec<&Row> = self.rows.iter().filter(|r| r.higher_is_better()).collect();
        let mut groups: Vec<(String, String)> = Vec::new();
        for r in &rows {
            let g = (r.scenario.clone(), r.case.clone());
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let systems: Vec<String> = {
            let mut seen = Vec::new();
            for r in &rows {
                if !seen.contains(&r.system) {
                    seen.push(r.system.clone());
                }
            }
            seen
        };
        let palette = [
            "#2b6cb0", "#805ad5", "#dd6b20", "#718096", "#38a169", "#e53e3e",
        ];
        let color = |s: &str| {
            let i = systems.iter().position(|x| x == s).unwrap_or(0);
            palette[i % palette.len()]
        };
        let bar_h = 9.0;
        let label_w = 250.0;
        let panel_w = 330.0;
        let gap = 40.0;
        let top = 60.0;
        let group_h = |g: &(String, String)| {
            let n = rows
                .iter()
                .filter(|r| r.scenario == g.0 && r.case == g.1)
                .count()
                .max(1);
            n as f64 * (bar_h + 1.0) + 10.0
        };
        let height = top + groups.iter().map(group_h).sum::<f64>() + 40.0;
        let width = label_w + 2.0 * panel_w + gap + 90.0;
        // log scales: throughput 1 .. 1e6 /s, latency 0.01 .. 10,000 ms
        let x_thr = |v: f64| label_w + panel_w * (v.max(1.0).log10() / 6.0).clamp(0.0, 1.0);
        let lat0 = label_w + panel_w + gap;
        let x_lat = |v: f64| lat0 + panel_w * ((v.max(0.01).log10() + 2.0) / 6.0).clamp(0.0, 1.0);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="10">"#
        );
        let _ = writeln!(
            s,
            r#"<rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="14" font-weight="bold">actorium-bench: throughput (left, log) and p99 latency (right, log; shorter is better)</text>"#
        );
        let mut lx = 10.0;
        for sys in &systems {
            let _ = writeln!(
                s,
                r#"<rect x="{lx}" y="28" width="10" height="10" fill="{}"/><text x="{}" y="37">{}</text>"#,
                color(sys),
                lx + 14.0,
                esc(sys)
            );
            lx += 24.0 + 6.5 * sys.len() as f64;
        }
        for (i, label) in ["1", "10", "100", "1k", "10k", "100k", "1M"]
            .iter()
            .enumerate()
        {
            let x = label_w + panel_w * i as f64 / 6.0;
            let _ = writeln!(
                s,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#ddd"/><text x="{x}" y="{}" text-anchor="middle">{label}/s</text>"##,
                top - 8.0,
                height - 30.0,
                height - 18.0
            );
        }
        for (i, label) in ["0.01", "0.1", "1", "10", "100", "1k", "10k"]
            .iter()
            .enumerate()
        {
            let x = lat0 + panel_w * i as f64 / 6.0;
            let _ = writeln!(
                s,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#ddd"/><text x="{x}" y="{}" text-anchor="middle">{label} ms</text>"##,
                top - 8.0,
                height - 30.0,
                height - 18.0
            );
        }
        let mut y = top;
        for g in &groups {
            let members: Vec<&&Row> = rows
                .iter()
                .filter(|r| r.scenario == g.0 && r.case == g.1)
                .collect();
            let h = group_h(g);
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end">{} · {}</text>"#,
                label_w - 6.0,
                y + h / 2.0,
                esc(&g.0),
                esc(&g.1)
            );
            for (j, r) in members.iter().enumerate() {
                let by = y + j as f64 * (bar_h + 1.0);
                let c = color(&r.system);
                let x1 = x_thr(r.value);
                let _ = writeln!(
                    s,
                    r#"<rect x="{label_w}" y="{by}" width="{:.1}" height="{bar_h}" fill="{c}"/><text x="{:.1}" y="{:.1}" font-size="8">{}</text>"#,
                    x1 - label_w,
                    x1 + 2.0,
                    by + 8.0,
                    fmt_num(r.value)
                );
                if let Some(p99) = r.p99_ms {
                    let x2 = x_lat(p99);
                    let _ = writeln!(
                        s,
                        r#"<rect x="{lat0}" y="{by}" width="{:.1}" height="{bar_h}" fill="{c}"/><text x="{:.1}" y="{:.1}" font-size="8">{}</text>"#,
                        x2 - lat0,
                        x2 + 2.0,
                        by + 8.0,
                        fmt_ms(p99)
                    );
                }
            }
            y += h;
        }
        s.push_str("</svg>\n");
        s
    }

    /// The systems that appear in the report.
    pub fn systems(&self) -> BTreeSet<String> {
        self.rows.iter().map(|r| r.system.clone()).collect()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_tables() {
        assert_eq!(fmt_num(1234567.4), "1,234,567");
        assert_eq!(fmt_num(35.25), "35.2");
        let mut r = Report::default();
        let s = Summary {
            ops: 10,
            errors: 0,
            per_sec: 30000.0,
            p50_ms: Some(0.5),
            p99_ms: Some(2.0),
            max_ms: None,
        };
        r.rows
            .push(Row::throughput("http-read", "1 caller", ACTORIUM, "/s", &s));
        let slow = Summary { per_sec: 30.0, ..s };
        r.rows.push(Row::throughput(
            "http-read",
            "1 caller",
            RIVETKIT,
            "/s",
            &slow,
        ));
        let md = r.markdown();
        assert!(md.contains("| actorium ÷ RivetKit |"), "{md}");
        assert!(md.contains("1,000×"), "{md}");
        assert!(r.svg().starts_with("<svg"));
    }
}
