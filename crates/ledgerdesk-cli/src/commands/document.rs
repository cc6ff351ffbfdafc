//! `tenant details`, `customer details` and `invoice pdf`: what an invoice document prints of its
//! parties, and the document itself.

use std::io::Read;
use std::path::Path;

use ledgerdesk_core::documents::{CustomerChange, LogoChange, SupplierChange};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, Result};
use ledgerdesk_types::document::MAX_LOGO_BYTES;
use ledgerdesk_types::{DocumentLanguage, Party, PrintedDocument, SupplierDetails};

use super::user;
use crate::args::{Cli, DetailsArgs, SupplierArgs, UserArg};
use crate::output::{self, Outcome};

/// The supplier's details as a few lines.
fn describe_supplier(details: &SupplierDetails) -> String {
    let mut lines = vec![format!("tenant {}: {}", details.tenant, details.legal_name)];
    lines.extend(details.address.iter().map(|line| format!("  {line}")));
    lines.push(format!("  VAT ID: {}", details.vat_id.as_deref().unwrap_or("-")));
    lines.push(format!("  IBAN: {}", details.iban.as_deref().unwrap_or("-")));
    lines.push(format!("  documents in: {}", details.language));
    lines.push(format!(
        "  logo: {}",
        details.logo_sha256.as_deref().map_or("none".to_owned(), |sha| format!("sha256 {sha}"))
    ));
    lines.join("\n")
}

fn describe_party(code: &str) -> impl Fn(&Party) -> String + '_ {
    move |party| {
        let mut lines = vec![format!("customer {code}: {}", party.name)];
        lines.extend(party.address.iter().map(|line| format!("  {line}")));
        lines.push(format!("  VAT ID: {}", party.vat_id.as_deref().unwrap_or("-")));
        lines.join("\n")
    }
}

/// The address given, the one removed, or the current one.
fn address(args: &DetailsArgs, current: &[String]) -> Vec<String> {
    if args.clear_address {
        Vec::new()
    } else if args.address.is_empty() {
        current.to_vec()
    } else {
        args.address.clone()
    }
}

/// Whether any detail is to change (otherwise the command shows them).
fn changes(args: &DetailsArgs) -> bool {
    args.clear_address || !args.address.is_empty() || args.vat_id.is_some()
}

/// Reads a logo from outside: at most one byte past the limit, so a huge file is refused unread.
fn read_logo(path: &Path) -> Result<Vec<u8>> {
    let refuse = |e: std::io::Error| {
        let path = path.display().to_string();
        let shown = ledgerdesk_types::text::shorten(&path, 120);
        Error::invalid("logo", format!("cannot read {shown}: {e}"), format!("{shown} okunamıyor: {e}"))
    };
    let mut png = Vec::new();
    std::fs::File::open(path).map_err(refuse)?.take(MAX_LOGO_BYTES as u64 + 1).read_to_end(&mut png).map_err(refuse)?;
    Ok(png)
}

fn parse_language(language: &str) -> Result<DocumentLanguage> {
    language
        .parse()
        .map_err(|why: String| Error::invalid("language", why.clone(), format!("{why} (en veya tr olmalıdır)")))
}

/// `tenant details`.
pub async fn supplier(cli: &Cli, store: &AnyStore, tenant: &str, args: &SupplierArgs) -> Outcome {
    let current = store.supplier_details(tenant).await?;
    let asked = changes(&args.details) || args.iban.is_some() || args.language.is_some();
    if !asked && args.logo.is_none() && !args.no_logo {
        return output::read(cli.json, &current, describe_supplier);
    }
    let change = SupplierChange {
        tenant: tenant.to_owned(),
        address: address(&args.details, &current.address),
        vat_id: args.details.vat_id.clone().or(current.vat_id),
        iban: args.iban.clone().or(current.iban),
        language: args.language.as_deref().map(parse_language).transpose()?.unwrap_or(current.language),
        logo: match &args.logo {
            Some(path) => LogoChange::Set(read_logo(path)?),
            None if args.no_logo => LogoChange::Remove,
            None => LogoChange::Keep,
        },
        user: user(&args.user),
    };
    let details = store.set_supplier_details(change).await?;
    output::wrote(cli.json, &details, describe_supplier, |d| format!("document details of tenant {}", d.tenant))
}

/// `customer details`.
pub async fn customer(
    cli: &Cli,
    store: &AnyStore,
    tenant: &str,
    code: &str,
    details: &DetailsArgs,
    who: &UserArg,
) -> Outcome {
    let current = store.customer_details(tenant, code).await?;
    if !changes(details) {
        return output::read(cli.json, &current, describe_party(code));
    }
    let change = CustomerChange {
        tenant: tenant.to_owned(),
        customer: code.to_owned(),
        address: address(details, &current.address),
        vat_id: details.vat_id.clone().or(current.vat_id),
        user: user(who),
    };
    let party = store.set_customer_details(change).await?;
    output::wrote(cli.json, &party, describe_party(code), |_| format!("document details of customer {code}"))
}

/// `invoice pdf`.
pub async fn pdf(cli: &Cli, store: &AnyStore, tenant: &str, number: &str, out: &Path, who: &UserArg) -> Outcome {
    let (bytes, printed) = ledgerdesk_pdf::print(store, tenant, number, &user(who)).await?;
    ledgerdesk_pdf::save(out, &bytes)?;
    let shown = out.display().to_string();
    output::wrote(
        cli.json,
        &printed,
        |p: &PrintedDocument| {
            let first = if p.reprint {
                format!("identical to its first print of {}", p.fixed_at.format("%Y-%m-%d %H:%M UTC"))
            } else {
                "first print: its document is now fixed".to_owned()
            };
            format!("invoice {}: saved {shown} ({} bytes), sha256 {}, {first}", p.number, p.bytes, p.sha256)
        },
        |p| format!("document of invoice {} saved to {shown}", p.number),
    )
}
