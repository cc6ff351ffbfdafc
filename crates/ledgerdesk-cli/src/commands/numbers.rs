//! `numbers reserve`, `numbers release`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, ReserveNumbers};

use super::{parse_date, user};
use crate::args::{Cli, NumbersCommand};
use crate::output::{self, Outcome};

pub async fn run(cli: &Cli, store: &AnyStore, command: &NumbersCommand) -> Outcome {
    match command {
        NumbersCommand::Reserve { tenant, series, count, date, user: who } => {
            let request = ReserveNumbers {
                tenant: tenant.clone(),
                series: series.clone(),
                date: parse_date("date", date.as_deref())?,
                count: *count,
                user: user(who),
            };
            let reservation = store.reserve_numbers(request).await?;
            let describe = |r: &ledgerdesk_core::Reservation| {
                format!("reservation {}: positions {}–{} of {} {}", r.id, r.first_seq, r.last_seq, r.series, r.period)
            };
            output::wrote(cli.json, &reservation, describe, describe)
        }
        NumbersCommand::Release { tenant, reservation, user: who } => {
            let released = store.release_reservation(tenant, *reservation, &user(who)).await?;
            output::wrote(
                cli.json,
                &released,
                |r| {
                    format!(
                        "reservation {} released: {} issued, {} voided {}",
                        r.reservation.id,
                        r.issued.len(),
                        r.voided.len(),
                        r.voided.join(" ")
                    )
                },
                |r| format!("reservation {} released, {} numbers voided", r.reservation.id, r.voided.len()),
            )
        }
    }
}
