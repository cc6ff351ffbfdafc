//! Pause points for crash tests. With the `fault-points` feature, a process started with
//! `LEDGERDESK_PAUSE_AT=<point>` stops at that point for `LEDGERDESK_PAUSE_MS` (default ten minutes), so a
//! test can kill it there with SIGKILL or let its lease run out. Without the feature, these are no-ops.
//!
//! Points: `after-claim` (an idempotency key is claimed, the effect has not begun) and `before-commit`
//! (the effect and its stored answer are written, not yet committed).

#[cfg(feature = "fault-points")]
fn pause_for(point: &str) -> Option<std::time::Duration> {
    let wanted = std::env::var("LEDGERDESK_PAUSE_AT").ok()?;
    if wanted != point {
        return None;
    }
    let ms = std::env::var("LEDGERDESK_PAUSE_MS").ok().and_then(|ms| ms.parse().ok()).unwrap_or(600_000);
    Some(std::time::Duration::from_millis(ms))
}

/// Pauses an async task at `point`, if asked to.
pub(crate) async fn pause(point: &str) {
    #[cfg(feature = "fault-points")]
    if let Some(duration) = pause_for(point) {
        tokio::time::sleep(duration).await;
    }
    let _ = point;
}

/// Pauses a blocking worker at `point`, if asked to.
pub(crate) fn pause_blocking(point: &str) {
    #[cfg(feature = "fault-points")]
    if let Some(duration) = pause_for(point) {
        std::thread::sleep(duration);
    }
    let _ = point;
}
