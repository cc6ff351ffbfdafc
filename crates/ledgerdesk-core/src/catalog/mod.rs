//! Tenants, series and customers: the master data numbering hangs on.
//!
//! - Creating one that exists with identical attributes returns it (`created: false`) so scripts can be
//!   re-run; one that exists differently is refused with `already_exists_differently`, naming the
//!   attributes that differ, never overwritten.
//! - A tenant's books open on a date and accept issue dates up to a number of days past today; both are
//!   changed only through [`Catalog::set_tenant_limits`], which moves the opening earlier only and
//!   records every change in `tenant_changes`.
//! - No two templates of a tenant can ever print the same number (see [`templates`]): a new series, and
//!   a template change, is refused unless it provably cannot collide with any template the tenant uses
//!   or has used. A template change takes effect from the next period on; a retired series issues no
//!   more numbers.

pub mod postgres;
pub mod sqlite;
pub mod templates;

use std::future::Future;

use chrono::{Datelike, NaiveDate, Utc};
use ledgerdesk_types::ResetPolicy;
use ledgerdesk_types::text::unsafe_char;

use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant, TenantLimits};
use crate::validate::{validate_code, validate_date, validate_user};

/// Tenants, series and customers, on any database. Each call is one transaction.
pub trait Catalog: Send + Sync {
    /// Creates a tenant, or returns the identical one that exists.
    fn add_tenant(&self, tenant: NewTenant) -> impl Future<Output = Result<Created<Tenant>>> + Send;

    /// One tenant by code.
    fn get_tenant(&self, tenant: &str) -> impl Future<Output = Result<Tenant>> + Send;

    /// Opens a tenant's books earlier, or changes how many days ahead an issue may be dated; records the
    /// change with who made it.
    fn set_tenant_limits(&self, limits: TenantLimits) -> impl Future<Output = Result<Tenant>> + Send;

    /// Creates a series, or returns the identical one that exists; refused if its template could print
    /// a number another series of the tenant prints.
    fn add_series(&self, series: NewSeries) -> impl Future<Output = Result<Created<Series>>> + Send;

    /// Retires a series: it issues and reserves no more numbers. Retiring a retired series returns it.
    fn retire_series(&self, tenant: &str, series: &str, user: &str) -> impl Future<Output = Result<Series>> + Send;

    /// Changes a series' template from its next period on (see [`next_template_start`]), under the same
    /// collision check as a new series. The template it has already returns the series unchanged.
    fn change_series_format(
        &self,
        tenant: &str,
        series: &str,
        format: &str,
        user: &str,
    ) -> impl Future<Output = Result<Series>> + Send;

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
        async fn get_tenant(&self, tenant: &str) -> Result<Tenant>;
        async fn set_tenant_limits(&self, limits: TenantLimits) -> Result<Tenant>;
        async fn add_series(&self, series: NewSeries) -> Result<Created<Series>>;
        async fn retire_series(&self, tenant: &str, series: &str, user: &str) -> Result<Series>;
        async fn change_series_format(&self, tenant: &str, series: &str, format: &str, user: &str) -> Result<Series>;
        async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>>;
        async fn list_series(&self, tenant: &str) -> Result<Vec<Series>>;
        async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>>;
    }
}

/// Most days past today an issue may be dated.
pub const MAX_FUTURE_DAYS: u32 = 366;

/// Checks a name or other free text: 1 to `max` characters, no control or direction characters.
pub(crate) fn validate_text(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() || text.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {max} characters"),
            format!("1 ile {max} karakter arasında olmalıdır"),
        ));
    }
    if let Some(c) = unsafe_char(text) {
        return Err(Error::invalid(
            field,
            format!("contains a control or text-direction character (U+{:04X}); remove it", u32::from(c)),
            format!("bir denetim veya yazı yönü karakteri içeriyor (U+{:04X}); kaldırın", u32::from(c)),
        ));
    }
    Ok(())
}

fn validate_future_days(days: Option<u32>) -> Result<()> {
    if days.is_some_and(|days| days > MAX_FUTURE_DAYS) {
        return Err(Error::invalid(
            "future_days_allowed",
            format!("must be from 0 to {MAX_FUTURE_DAYS} days"),
            format!("0 ile {MAX_FUTURE_DAYS} gün arasında olmalıdır"),
        ));
    }
    Ok(())
}

/// Validates a tenant before anything is written.
pub fn validate_tenant(tenant: &NewTenant) -> Result<()> {
    validate_code("tenant", &tenant.code)?;
    validate_text("name", &tenant.name, 200)?;
    time_zone(&tenant.time_zone)?;
    if let Some(date) = tenant.books_open_from {
        validate_date("books_open_from", date)?;
    }
    validate_future_days(tenant.future_days_allowed)
}

/// Validates a change of a tenant's limits before anything is written.
pub fn validate_limits(limits: &TenantLimits) -> Result<()> {
    validate_code("tenant", &limits.tenant)?;
    validate_user(&limits.user)?;
    if let Some(date) = limits.books_open_from {
        validate_date("books_open_from", date)?;
    }
    validate_future_days(limits.future_days_allowed)
}

/// Validates a series before anything is written, its template (if given) included.
pub fn validate_series(series: &NewSeries) -> Result<()> {
    validate_code("tenant", &series.tenant)?;
    validate_code("series", &series.code)?;
    match &series.format {
        Some(format) => crate::format::NumberFormat::parse(format, series.reset).map(drop),
        None => Ok(()),
    }
}

/// Validates a customer before anything is written.
pub fn validate_customer(customer: &NewCustomer) -> Result<()> {
    validate_code("tenant", &customer.tenant)?;
    validate_code("customer", &customer.code)?;
    validate_text("name", &customer.name, 200)?;
    match &customer.tax_id {
        Some(tax_id) => validate_text("tax_id", tax_id, 64),
        None => Ok(()),
    }
}

/// Parses an IANA time zone name.
pub(crate) fn time_zone(name: &str) -> Result<chrono_tz::Tz> {
    name.parse().map_err(|_| {
        Error::invalid(
            "time_zone",
            format!("{:?} is not an IANA time zone such as Europe/Madrid", ledgerdesk_types::text::shorten(name, 40)),
            format!("{:?} Europe/Istanbul gibi bir IANA saat dilimi değil", ledgerdesk_types::text::shorten(name, 40)),
        )
    })
}

/// Today in the time zone `zone`.
pub(crate) fn today_in(zone: chrono_tz::Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

/// The books of a new tenant open on 1 January of the current year in its time zone, unless told.
pub(crate) fn books_open_from(tenant: &NewTenant) -> Result<NaiveDate> {
    match tenant.books_open_from {
        Some(date) => Ok(date),
        None => {
            let today = today_in(time_zone(&tenant.time_zone)?);
            Ok(NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today))
        }
    }
}

/// The first date a changed template prints: the start of the period after both today and the series'
/// last issue, so that no period is ever printed with two templates (a series that never resets
/// changes from the day after).
pub fn next_template_start(reset: ResetPolicy, today: NaiveDate, last_issue: Option<NaiveDate>) -> Result<NaiveDate> {
    let after = last_issue.map_or(today, |last| last.max(today));
    let start = match reset {
        ResetPolicy::Monthly => {
            let (year, month) =
                if after.month() == 12 { (after.year() + 1, 1) } else { (after.year(), after.month() + 1) };
            NaiveDate::from_ymd_opt(year, month, 1)
        }
        ResetPolicy::Yearly => NaiveDate::from_ymd_opt(after.year() + 1, 1, 1),
        ResetPolicy::Never => after.succ_opt(),
    };
    start.filter(|date| date.year() <= 9_999).ok_or_else(|| {
        Error::invalid("format", "cannot change after the year 9999", "9999 yılından sonra değiştirilemez")
    })
}

/// The `valid_from` of a series' first template: it prints every date.
pub(crate) const FIRST_TEMPLATE_FROM: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(date) => date,
    None => panic!("0001-01-01 is a date"),
};

/// Which attributes of a stored tenant equal those asked for; the books' opening date and the future
/// allowance only when they were asked for (their defaults depend on the day the tenant was created).
pub(crate) fn tenant_matches(stored: &Tenant, new: &NewTenant) -> [(&'static str, bool); 4] {
    [
        ("name", stored.name == new.name),
        ("time_zone", stored.time_zone == new.time_zone),
        ("books_open_from", new.books_open_from.is_none_or(|date| date == stored.books_open_from)),
        ("future_days_allowed", new.future_days_allowed.is_none_or(|days| days == stored.future_days_allowed)),
    ]
}

/// The stored kind of a new series.
pub(crate) fn kind_of(new: &NewSeries) -> &'static str {
    if new.corrective { "corrective" } else { "regular" }
}

/// Which attributes of a stored series equal those asked for (the template only when one was given).
pub(crate) fn series_matches(stored: &Series, new: &NewSeries) -> [(&'static str, bool); 3] {
    [
        ("format", new.format.as_ref().is_none_or(|format| *format == stored.format)),
        ("reset", stored.reset == new.reset),
        ("kind", stored.corrective == new.corrective),
    ]
}

/// What a change of limits writes, as `(field, old, new)` for each attribute that moves; the books may
/// open earlier, never later.
pub(crate) fn limit_changes(current: &Tenant, limits: &TenantLimits) -> Result<Vec<(&'static str, String, String)>> {
    let mut changes = Vec::new();
    if let Some(date) = limits.books_open_from {
        if date > current.books_open_from {
            return Err(Error::BooksOpenMovesEarlierOnly { current: current.books_open_from, requested: date });
        }
        if date < current.books_open_from {
            changes.push(("books_open_from", current.books_open_from.to_string(), date.to_string()));
        }
    }
    if let Some(days) = limits.future_days_allowed.filter(|days| *days != current.future_days_allowed) {
        changes.push(("future_days_allowed", current.future_days_allowed.to_string(), days.to_string()));
    }
    Ok(changes)
}

/// A series with its tenant, as a change to it needs them.
#[derive(Debug, Clone)]
pub(crate) struct SeriesState {
    pub series: Series,
    pub tenant: Tenant,
    /// `valid_from` of its newest template.
    pub newest_from: NaiveDate,
}

/// The first date `format` would print if it replaced the series' template, or `None` when the series
/// has that template already. Refused for a retired series, for a template its reset policy cannot
/// use, and while an earlier change has yet to take effect.
pub(crate) fn template_change_start(state: &SeriesState, format: &str) -> Result<Option<NaiveDate>> {
    let series = &state.series;
    if series.retired {
        return Err(Error::SeriesRetired(series.code.clone()));
    }
    crate::format::NumberFormat::parse(format, series.reset)?;
    if format == series.format {
        return Ok(None);
    }
    let today = today_in(time_zone(&state.tenant.time_zone)?);
    let start = next_template_start(series.reset, today, series.last_issue_date)?;
    if state.newest_from >= start || state.newest_from > today {
        return Err(Error::invalid(
            "format",
            format!("a template change is already waiting to take effect on {}", state.newest_from),
            format!("{} tarihinde yürürlüğe girecek bir şablon değişikliği zaten bekliyor", state.newest_from),
        ));
    }
    Ok(Some(start))
}

/// Parses a reset policy read back from the database.
pub(crate) fn reset_policy(stored: &str) -> Result<ResetPolicy> {
    stored
        .parse()
        .map_err(|_| Error::Storage { backend: "ledgerdesk", detail: format!("unknown reset policy {stored:?}") })
}

/// `Ok` when every named attribute of the stored record equals the one asked for, else
/// `already_exists_differently` naming those that differ.
pub(crate) fn same_or_conflict(kind: &'static str, code: &str, same: &[(&'static str, bool)]) -> Result<()> {
    let fields: Vec<&'static str> = same.iter().filter(|(_, same)| !same).map(|(field, _)| *field).collect();
    if fields.is_empty() {
        Ok(())
    } else {
        Err(Error::AlreadyExistsDifferently { kind, code: code.to_owned(), fields })
    }
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
        let tenant = |tz: &str| NewTenant {
            code: "ACME".into(),
            name: "Acme".into(),
            time_zone: tz.into(),
            books_open_from: None,
            future_days_allowed: None,
        };
        assert!(validate_tenant(&tenant("Europe/Istanbul")).is_ok());
        assert!(validate_tenant(&tenant("Mars/Olympus")).is_err());
        let series = NewSeries {
            tenant: "ACME".into(),
            code: "INV".into(),
            format: Some("{SEQ}".into()),
            reset: ResetPolicy::Monthly,
            corrective: false,
        };
        assert_eq!(ledgerdesk_types::Localized::code(&validate_series(&series).unwrap_err()), "series_format_invalid");
    }

    #[test]
    fn names_refuse_control_characters_and_count_characters() {
        assert!(validate_text("name", &"ş".repeat(200), 200).is_ok());
        assert!(validate_text("name", &"ş".repeat(201), 200).is_err());
        assert!(validate_text("name", "Acme\u{1b}[31m", 200).is_err());
        assert!(validate_text("name", "Acme \u{202E}LS", 200).is_err());
    }

    #[test]
    fn a_template_changes_from_the_next_period() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(next_template_start(ResetPolicy::Monthly, d(2026, 11, 23), None).unwrap(), d(2026, 12, 1));
        assert_eq!(next_template_start(ResetPolicy::Monthly, d(2026, 12, 5), None).unwrap(), d(2027, 1, 1));
        assert_eq!(
            next_template_start(ResetPolicy::Monthly, d(2026, 11, 23), Some(d(2027, 2, 3))).unwrap(),
            d(2027, 3, 1)
        );
        assert_eq!(next_template_start(ResetPolicy::Yearly, d(2026, 11, 23), None).unwrap(), d(2027, 1, 1));
        assert_eq!(next_template_start(ResetPolicy::Never, d(2026, 11, 23), None).unwrap(), d(2026, 11, 24));
        assert!(next_template_start(ResetPolicy::Yearly, d(9999, 3, 1), None).is_err());
    }
}
