//! Tenants, series and customers: the master data numbering hangs on.
//!
//! Creating one that exists with identical attributes returns it (`created: false`) so scripts can be
//! re-run; one that exists differently is refused with `already_exists_differently`, never overwritten.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::format::NumberFormat;
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant};
use crate::validate::validate_code;

/// Tenants, series and customers, on any database. Each call is one transaction.
pub trait Catalog: Send + Sync {
    /// Creates a tenant, or returns the identical one that exists.
    fn add_tenant(&self, tenant: NewTenant) -> impl Future<Output = Result<Created<Tenant>>> + Send;

    /// Creates a series, or returns the identical one that exists.
    fn add_series(&self, series: NewSeries) -> impl Future<Output = Result<Created<Series>>> + Send;

    /// Creates a customer, or returns the identical one that exists.
    fn add_customer(&self, customer: NewCustomer) -> impl Future<Output = Result<Created<Customer>>> + Send;

    /// The series of a tenant, by code.
    fn list_series(&self, tenant: &str) -> impl Future<Output = Result<Vec<Series>>> + Send;

    /// The customers of a tenant, by code.
    fn list_customers(&self, tenant: &str) -> impl Future<Output = Result<Vec<Customer>>> + Send;
}

forward_to_any_store! {
    impl Catalog {
        async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>>;
        async fn add_series(&self, series: NewSeries) -> Result<Created<Series>>;
        async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>>;
        async fn list_series(&self, tenant: &str) -> Result<Vec<Series>>;
        async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>>;
    }
}

fn validate_name(field: &'static str, name: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(Error::invalid(field, "must be 1 to 200 characters", "1 ile 200 karakter arasında olmalıdır"));
    }
    Ok(())
}

/// Validates a tenant before anything is written.
pub fn validate_tenant(tenant: &NewTenant) -> Result<()> {
    validate_code("tenant", &tenant.code)?;
    validate_name("name", &tenant.name)?;
    if tenant.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(Error::invalid(
            "time_zone",
            format!("{:?} is not an IANA time zone such as Europe/Madrid", tenant.time_zone),
            format!("{:?} Europe/Istanbul gibi bir IANA saat dilimi değil", tenant.time_zone),
        ));
    }
    Ok(())
}

/// Validates a series before anything is written, its template included.
pub fn validate_series(series: &NewSeries) -> Result<()> {
    validate_code("tenant", &series.tenant)?;
    validate_code("series", &series.code)?;
    NumberFormat::parse(&series.format, series.reset).map(|_| ())
}

/// Validates a customer before anything is written.
pub fn validate_customer(customer: &NewCustomer) -> Result<()> {
    validate_code("tenant", &customer.tenant)?;
    validate_code("customer", &customer.code)?;
    validate_name("name", &customer.name)?;
    if customer.tax_id.as_ref().is_some_and(|t| t.trim().is_empty() || t.len() > 64) {
        return Err(Error::invalid("tax_id", "must be 1 to 64 characters", "1 ile 64 karakter arasında olmalıdır"));
    }
    Ok(())
}

/// Parses a reset policy read back from the database.
pub(crate) fn reset_policy(stored: &str) -> Result<ledgerdesk_types::ResetPolicy> {
    stored
        .parse()
        .map_err(|_| Error::Storage { backend: "ledgerdesk", detail: format!("unknown reset policy {stored:?}") })
}

/// `Ok` when the stored record is `identical` to the one asked for, else `already_exists_differently`.
pub(crate) fn same_or_conflict(kind: &'static str, code: &str, identical: bool) -> Result<()> {
    if identical { Ok(()) } else { Err(Error::AlreadyExistsDifferently { kind, code: code.to_owned() }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerdesk_types::ResetPolicy;

    #[test]
    fn codes_names_and_zones_are_checked() {
        assert!(validate_code("tenant", "ACME_2-x").is_ok());
        assert!(validate_code("tenant", "").is_err());
        assert!(validate_code("tenant", "AC ME").is_err());
        assert!(validate_code("tenant", &"A".repeat(33)).is_err());
        let tenant = |tz: &str| NewTenant { code: "ACME".into(), name: "Acme".into(), time_zone: tz.into() };
        assert!(validate_tenant(&tenant("Europe/Istanbul")).is_ok());
        assert!(validate_tenant(&tenant("Mars/Olympus")).is_err());
        let series = NewSeries {
            tenant: "ACME".into(),
            code: "INV".into(),
            format: "{SEQ}".into(),
            reset: ResetPolicy::Monthly,
        };
        assert_eq!(ledgerdesk_types::Localized::code(&validate_series(&series).unwrap_err()), "series_format_invalid");
    }
}
