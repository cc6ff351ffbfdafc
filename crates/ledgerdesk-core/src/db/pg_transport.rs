//! Whether a Postgres connection is encrypted, when its URL does not say.
//!
//! A URL (or `PGSSLMODE`) that names `sslmode` gets exactly that mode. Without one, libpq's default is
//! `prefer`: TLS whenever the server offers it. To a server on this machine (a loopback address,
//! `localhost` or a Unix socket) that buys nothing, since the bytes never leave the machine, and costs a
//! great deal: `ledgerdesk bench numbering --concurrency 32` on the same database issued about 445
//! invoices a second over TLS and about 900 without (the raw counter about 30% fewer without TLS). So a
//! connection to this machine is first tried without TLS, and with TLS (`prefer`) only if the server
//! refuses it (a `pg_hba.conf` that admits TLS connections alone), as libpq's `sslmode=allow` would;
//! sqlx does not implement `allow`, hence this.

use std::net::IpAddr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

/// The modes to try, in order, for `url` (parsed as `options`).
pub(crate) fn ssl_modes(url: &str, options: &PgConnectOptions) -> Vec<PgSslMode> {
    if names_ssl_mode(url) || std::env::var_os("PGSSLMODE").is_some() || !on_this_machine(options) {
        return vec![options.get_ssl_mode()];
    }
    vec![PgSslMode::Disable, PgSslMode::Prefer]
}

/// Whether the URL's query sets `sslmode` (sqlx also reads `ssl-mode`).
fn names_ssl_mode(url: &str) -> bool {
    let Some((_, query)) = url.split_once('?') else { return false };
    query.split('&').any(|pair| matches!(pair.split('=').next(), Some("sslmode" | "ssl-mode")))
}

/// A Unix socket, `localhost`, or a loopback address (`127.0.0.0/8`, `::1`).
fn on_this_machine(options: &PgConnectOptions) -> bool {
    if options.get_socket().is_some() {
        return true;
    }
    let host = options.get_host();
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// The modes for `url`, as Debug spells them (sqlx's `PgSslMode` has no `PartialEq`).
    fn modes(url: &str) -> String {
        format!("{:?}", ssl_modes(url, &PgConnectOptions::from_str(url).expect("a URL")))
    }

    #[test]
    fn this_machine_is_tried_without_tls_first() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return; // The environment decides then, as it should.
        }
        for url in [
            "postgres://u@127.0.0.1/db",
            "postgres://u@127.0.0.2:5433/db",
            "postgres://u@localhost/db?application_name=x",
            "postgres://u@[::1]/db",
            "postgres://u@localhost/db?host=/var/run/postgresql",
        ] {
            assert_eq!(modes(url), "[Disable, Prefer]", "{url}");
        }
    }

    #[test]
    fn a_named_mode_or_another_machine_is_left_alone() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return;
        }
        assert_eq!(modes("postgres://u@127.0.0.1/db?sslmode=require"), "[Require]");
        assert_eq!(modes("postgres://u@localhost/db?x=1&ssl-mode=disable"), "[Disable]");
        assert_eq!(modes("postgres://u@db.example.com/db"), "[Prefer]");
        assert_eq!(modes("postgres://u@10.0.0.7/db"), "[Prefer]");
        // A name that merely starts like one.
        assert_eq!(modes("postgres://u@localhost.example.com/db"), "[Prefer]");
    }
}
