//! `webhook source …` and `webhook endpoint …`: who sends to us, and whom we send to.

use std::time::Duration;

use ledgerdesk_core::AnyStore;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::inbound::NewSource;
use ledgerdesk_core::webhooks::outbound::NewEndpoint;
use ledgerdesk_types::{Endpoint, Source, WithSecret};

use crate::args::{Cli, EndpointCommand, SourceCommand};
use crate::commands::user;
use crate::output::{self, Outcome};

fn hours(hours: u32) -> Duration {
    Duration::from_secs(u64::from(hours) * 3_600)
}

/// The secret line of a new secret: shown this once.
fn secret_line(secret: &Option<String>) -> String {
    match secret {
        Some(secret) => format!("\nsecret (shown once, keep it safe): {secret}"),
        None => String::new(),
    }
}

pub fn describe_source(source: &Source) -> String {
    format!(
        "source {}  /webhooks/{}/{}  {} active secret(s)",
        source.name, source.tenant, source.name, source.active_secrets
    )
}

pub fn describe_endpoint(endpoint: &Endpoint) -> String {
    let state = match (&endpoint.disabled_at, &endpoint.disabled_reason) {
        (Some(_), Some(reason)) => format!("DISABLED ({reason})"),
        (Some(_), None) => "DISABLED".to_owned(),
        _ => "enabled".to_owned(),
    };
    format!(
        "#{}  {}  [{}]  {state}  {} active secret(s)",
        endpoint.id,
        endpoint.url,
        endpoint.event_types.join(","),
        endpoint.active_secrets
    )
}

fn with_secret<T>(describe: fn(&T) -> String) -> impl Fn(&WithSecret<T>) -> String {
    move |created| {
        let verb = if created.created { "" } else { "  (exists, identical)" };
        format!("{}{verb}{}", describe(&created.value), secret_line(&created.secret))
    }
}

pub async fn source(cli: &Cli, store: &AnyStore, command: &SourceCommand) -> Outcome {
    match command {
        SourceCommand::Add { tenant, name, secret, user: who } => {
            let source =
                NewSource { tenant: tenant.clone(), name: name.clone(), secret: secret.clone(), user: user(who) };
            let created = store.add_source(source).await?;
            output::wrote(cli.json, &created, with_secret(describe_source), |c| {
                format!("source {}{}", c.value.name, secret_line(&c.secret))
            })
        }
        SourceCommand::Rotate { tenant, name, secret, overlap_hours } => {
            let rotated = store.rotate_source_secret(tenant, name, secret.clone(), hours(*overlap_hours)).await?;
            output::wrote(cli.json, &rotated, with_secret(describe_source), |c| {
                format!("new secret of source {}{}", c.value.name, secret_line(&c.secret))
            })
        }
        SourceCommand::List { tenant } => {
            let sources = store.list_sources(tenant).await?;
            output::read(cli.json, &sources, |list| list.iter().map(describe_source).collect::<Vec<_>>().join("\n"))
        }
    }
}

pub async fn endpoint(cli: &Cli, store: &AnyStore, command: &EndpointCommand) -> Outcome {
    match command {
        EndpointCommand::Add { tenant, url, events, secret, user: who } => {
            let endpoint = NewEndpoint {
                tenant: tenant.clone(),
                url: url.clone(),
                event_types: events.clone(),
                secret: secret.clone(),
                user: user(who),
            };
            let created = store.add_endpoint(endpoint).await?;
            output::wrote(cli.json, &created, with_secret(describe_endpoint), |c| {
                format!("endpoint {}{}", c.value.id, secret_line(&c.secret))
            })
        }
        EndpointCommand::Disable { tenant, id, user: who } | EndpointCommand::Enable { tenant, id, user: who } => {
            let enable = matches!(command, EndpointCommand::Enable { .. });
            let endpoint = store.set_endpoint_enabled(tenant, *id, enable, &user(who)).await?;
            output::wrote(cli.json, &endpoint, describe_endpoint, |e| format!("endpoint {}", e.id))
        }
        EndpointCommand::Rotate { tenant, id, secret, overlap_hours } => {
            let rotated = store.rotate_endpoint_secret(tenant, *id, secret.clone(), hours(*overlap_hours)).await?;
            output::wrote(cli.json, &rotated, with_secret(describe_endpoint), |c| {
                format!("new secret of endpoint {}{}", c.value.id, secret_line(&c.secret))
            })
        }
        EndpointCommand::List { tenant } => {
            let endpoints = store.list_endpoints(tenant).await?;
            output::read(cli.json, &endpoints, |list| list.iter().map(describe_endpoint).collect::<Vec<_>>().join("\n"))
        }
    }
}
