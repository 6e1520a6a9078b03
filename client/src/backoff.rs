//! The one retry loop of the client and its delay schedule: action retries (`retry::run`),
//! the WebSocket reconnect, the `/metadata` lookup and `create` all run [`repeat`].
//!
//! A leaf module: generic over the error type, it knows nothing of the rest of the crate.

use std::future::Future;
use std::time::Duration;

/// `min * 2^n`, capped at `max` (the exponent is clamped, so it never overflows).
pub(crate) fn exponential(min: Duration, max: Duration, n: u32) -> Duration {
    let factor = 1u32.checked_shl(n.min(20)).unwrap_or(u32::MAX);
    min.saturating_mul(factor).min(max)
}

/// Runs `attempt(n)` for `n = 0, 1, …` until it succeeds, `attempts` attempts have failed
/// (`None`: no limit) or `again(&error, n)` says the failed attempt `n` is not worth repeating.
/// Waits `delay(n)` before each attempt `n > 0`. Returns the first success or the last error.
pub(crate) async fn repeat<T, E, Fut>(
    attempts: Option<u32>,
    mut delay: impl FnMut(u32) -> Duration,
    mut attempt: impl FnMut(u32) -> Fut,
    mut again: impl FnMut(&E, u32) -> bool,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let mut n = 0u32;
    loop {
        let error = match attempt(n).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if attempts.is_some_and(|max| n + 1 >= max) || !again(&error, n) {
            return Err(error);
        }
        n += 1;
        tokio::time::sleep(delay(n)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_is_capped() {
        let (min, max) = (Duration::from_millis(25), Duration::from_millis(200));
        let delays: Vec<_> = (0..5)
            .map(|n| exponential(min, max, n).as_millis())
            .collect();
        assert_eq!(delays, [25, 50, 100, 200, 200]);
        assert_eq!(exponential(min, max, u32::MAX), max);
    }

    #[tokio::test(start_paused = true)]
    async fn repeat_stops_at_the_limit_or_when_told() {
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        let r: Result<(), u32> = repeat(
            Some(3),
            |n| Duration::from_secs(n.into()),
            |n| async move { Err(n) },
            |e, n| {
                seen.push((*e, n));
                true
            },
        )
        .await;
        assert_eq!(r, Err(2));
        // `again` is not asked about the last attempt; waits of 1 s and 2 s.
        assert_eq!(seen, [(0, 0), (1, 1)]);
        assert_eq!(start.elapsed(), Duration::from_secs(3));

        let r: Result<u32, u32> = repeat(
            None,
            |_| Duration::ZERO,
            |n| async move { if n < 10 { Err(n) } else { Ok(n) } },
            |_, _| true,
        )
        .await;
        assert_eq!(r, Ok(10));
        let r: Result<(), u32> = repeat(
            None,
            |_| Duration::ZERO,
            |n| async move { Err(n) },
            |e, _| *e < 4,
        )
        .await;
        assert_eq!(r, Err(4));
    }
}
