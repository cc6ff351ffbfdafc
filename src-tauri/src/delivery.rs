//! The background delivery worker: while the window is open, outbound webhook messages of whichever
//! book is open are delivered, retried on their schedule and given up on, exactly as
//! `ledgerdesk webhook deliver` would.
//!
//! It never opens a book itself (a missing book stays missing); it uses the store the commands opened,
//! and follows the settings when they switch to another book. Several desktops on one Postgres each
//! run a worker: leases keep them from sending one message twice at once.

use std::time::Duration;

use ledgerdesk_core::webhooks::outbound::RetrySchedule;
use ledgerdesk_types::Localized;
use ledgerdesk_webhooks::{DeliveryOptions, Worker};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// Environment variable with the retry delays (`1s,1s`); tests shorten the default 1, 2, 4, 8, 16 minutes.
pub const RETRY_SCHEDULE_VARIABLE: &str = "LEDGERDESK_RETRY_SCHEDULE";

/// Starts the worker on Tauri's runtime; it lives as long as the app.
pub fn spawn(app: &AppHandle) {
    let started = options_from_environment().and_then(|options| Ok((Worker::new(options.clone())?, options)));
    let (worker, options) = match started {
        Ok(started) => started,
        Err(error) => {
            // A bad LEDGERDESK_RETRY_SCHEDULE: the app runs, nothing is sent, and it says why.
            eprintln!("error[{}]: webhook delivery is off: {error}", error.code());
            return;
        }
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let pause = deliver_once(&app, &worker, &options).await;
            tokio::time::sleep(pause).await;
        }
    });
}

/// One round against the open store; returns how long to wait before the next.
async fn deliver_once(app: &AppHandle, worker: &Worker, options: &DeliveryOptions) -> Duration {
    let Some(store) = app.state::<AppState>().open_store().await else {
        return options.poll;
    };
    match worker.deliver_if_due(&store).await {
        Ok(round) if round.claimed > 0 => Duration::ZERO,
        Ok(_) => options.poll,
        Err(error) => {
            // A read-only or unreachable book: say so once per pause and try again later.
            eprintln!("error[{}]: webhook delivery: {error}", error.code());
            options.poll.max(Duration::from_secs(5))
        }
    }
}

fn options_from_environment() -> ledgerdesk_core::Result<DeliveryOptions> {
    let schedule = match std::env::var(RETRY_SCHEDULE_VARIABLE) {
        Ok(text) => RetrySchedule::parse(&text)?,
        Err(_) => RetrySchedule::default(),
    };
    Ok(DeliveryOptions { schedule, ..DeliveryOptions::default() })
}
