//! Latency samples and their summary (throughput, p50, p99).

use std::time::Duration;

/// What one measured run collected: every completed operation's latency in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    /// Latency of each successful operation, microseconds.
    pub latencies_us: Vec<u32>,
    /// Operations that failed (not in `latencies_us`).
    pub errors: u64,
    /// Wall time of the measured window (first request sent to last reply received).
    pub elapsed: Duration,
}

impl Samples {
    /// Merges another caller's samples (the elapsed time is the longest one).
    pub fn merge(&mut self, other: Samples) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
        self.elapsed = self.elapsed.max(other.elapsed);
    }

    /// Throughput, percentiles and counts.
    pub fn summary(mut self) -> Summary {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        let secs = self.elapsed.as_secs_f64();
        Summary {
            ops: n as u64,
            errors: self.errors,
            per_sec: if secs > 0.0 { n as f64 / secs } else { 0.0 },
            p50_ms: percentile(&self.latencies_us, 0.50),
            p99_ms: percentile(&self.latencies_us, 0.99),
            max_ms: self.latencies_us.last().map(|v| *v as f64 / 1000.0),
        }
    }
}

/// The `q` quantile (nearest rank) of sorted microsecond values, in milliseconds.
pub fn percentile(sorted_us: &[u32], q: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    Some(sorted_us[rank - 1] as f64 / 1000.0)
}

/// A run's figures.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    /// Successful operations.
    pub ops: u64,
    /// Failed operations.
    pub errors: u64,
    /// Successful operations per second.
    pub per_sec: f64,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Worst latency, ms.
    pub max_ms: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&[], 0.5), None);
        let s = Samples {
            latencies_us: vec![3000, 1000, 2000],
            errors: 1,
            elapsed: Duration::from_secs(1),
        }
        .summary();
        assert_eq!((s.ops, s.errors, s.p50_ms), (3, 1, Some(2.0)));
        assert!((s.per_sec - 3.0).abs() < 1e-9);
    }
}
