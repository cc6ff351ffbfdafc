//! Licenses: at most one ACTIVE license per (tenant, holder), enforced by the partial unique index
//! `licenses_one_active` on both databases, and optimistic concurrency: every change names the version
//! it was based on and is refused with `version_conflict` if the license moved on, so two desktops never
//! overwrite each other's change.
//!
//! Expiry is applied on read (an ACTIVE or SUSPENDED license past `expires_at` reads EXPIRED), on
//! assign (a lapsed ACTIVE license is written EXPIRED before the new one takes its slot), and by the
//! sweep. Each change locks one license row; a batch changes its licenses one at a time, in id order.

mod batch;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use ledgerdesk_types::{
    AssignLicense, BatchOutcome, BatchTarget, ChangeLicense, Extension, License, LicenseAction, LicenseQuery,
    LicenseStatus, Reply,
};

use crate::db::{Param, forward_to_any_store};
use crate::error::{Error, Result};
use crate::idempotency::Command;
use crate::trail::Entry;
use crate::validate::{validate_code, validate_user};
pub use batch::{MAX_BATCH, validate_batch};

/// Licenses, on any database.
pub trait Licenses: Send + Sync {
    /// Assigns a license to a holder, who must have no other ACTIVE one. With `key`, at most once per key.
    fn assign_license(
        &self,
        request: AssignLicense,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<License>>> + Send;

    /// Extends, suspends, resumes or revokes a license, if it is still at the version the caller saw.
    /// With `key`, at most once per key.
    fn change_license(
        &self,
        request: ChangeLicense,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<License>>> + Send;

    /// Applies one action to many licenses, each on its own (one may fail, the others still apply), in
    /// license id order; returns an outcome per target, in the order given, and the totals. With `key`,
    /// each item runs under the key `KEY/LICENSE_ID`, so a retried batch replays the items already done.
    fn change_licenses(
        &self,
        tenant: &str,
        targets: &[BatchTarget],
        action: LicenseAction,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<BatchOutcome>> + Send {
        batch::run(self, tenant, targets, action, actor, key)
    }

    /// One license, expiry applied.
    fn get_license(&self, tenant: &str, id: i64) -> impl Future<Output = Result<License>> + Send;

    /// Licenses of a tenant, newest first (at most 500), expiry applied.
    fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> impl Future<Output = Result<Vec<License>>> + Send;

    /// Writes EXPIRED on every ACTIVE or SUSPENDED license past its expiry; returns how many changed.
    fn expire_licenses(&self, tenant: &str, actor: &str) -> impl Future<Output = Result<u64>> + Send;
}

forward_to_any_store! {
    impl Licenses {
        async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>>;
        async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>>;
        async fn get_license(&self, tenant: &str, id: i64) -> Result<License>;
        async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>>;
        async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64>;
    }
}

/// Longest extension by days: ten years.
const MAX_EXTENSION_DAYS: u32 = 3_660;

fn validate_label(field: &'static str, text: &str) -> Result<()> {
    if text.trim().is_empty() || text.len() > 64 || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must be 1 to 64 printable characters",
            "1 ile 64 arasında yazdırılabilir karakter olmalıdır",
        ));
    }
    Ok(())
}

/// Dates stay within years 1–9999, so that every extension (at most ten years) stays computable.
fn validate_instant(field: &'static str, instant: DateTime<Utc>) -> Result<()> {
    if (1..=9_999).contains(&instant.year()) {
        return Ok(());
    }
    Err(Error::invalid(field, "must fall in the years 1 to 9999", "1 ile 9999 yılları arasında olmalıdır"))
}

/// Checks an assignment before anything is written.
pub fn validate_assign(request: &AssignLicense, actor: &str, now: DateTime<Utc>) -> Result<()> {
    validate_code("tenant", &request.tenant)?;
    validate_user(actor)?;
    validate_label("holder", &request.holder)?;
    validate_label("product", &request.product)?;
    validate_label("plan", &request.plan)?;
    if !(1..=100_000).contains(&request.seats) {
        return Err(Error::invalid("seats", "must be 1 to 100,000", "1 ile 100.000 arasında olmalıdır"));
    }
    let starts_at = request.starts_at.unwrap_or(now);
    validate_instant("starts_at", starts_at)?;
    validate_instant("expires_at", request.expires_at)?;
    if request.expires_at <= starts_at || request.expires_at <= now {
        return Err(Error::invalid(
            "expires_at",
            "must be later than the start and than now",
            "başlangıçtan ve şimdiden sonra olmalıdır",
        ));
    }
    Ok(())
}

/// Checks a change before anything is written.
pub fn validate_change(request: &ChangeLicense, actor: &str) -> Result<()> {
    validate_code("tenant", &request.tenant)?;
    validate_user(actor)?;
    if request.license < 1 || request.expected_version < 1 {
        return Err(Error::invalid(
            "license",
            "id and version must be 1 or more",
            "kimlik ve sürüm 1 veya daha büyük olmalıdır",
        ));
    }
    match request.action {
        LicenseAction::Extend(Extension::ByDays(days)) if !(1..=MAX_EXTENSION_DAYS).contains(&days) => {
            Err(Error::invalid("days", "must be 1 to 3,660", "1 ile 3.660 arasında olmalıdır"))
        }
        LicenseAction::Extend(Extension::Until(until)) => validate_instant("until", until),
        _ => Ok(()),
    }
}

/// The status a reader sees: ACTIVE and SUSPENDED licenses expire at `expires_at`.
pub(crate) fn effective_status(stored: LicenseStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> LicenseStatus {
    match stored {
        LicenseStatus::Active | LicenseStatus::Suspended if expires_at <= now => LicenseStatus::Expired,
        status => status,
    }
}

/// The SQL twin of [`effective_status`]; `{now}` is the placeholder of the current time.
const EFFECTIVE_STATUS_SQL: &str =
    "CASE WHEN status IN ('ACTIVE', 'SUSPENDED') AND expires_at <= {now} THEN 'EXPIRED' ELSE status END";

/// What a change writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Patch {
    pub status: LicenseStatus,
    pub expires_at: DateTime<Utc>,
}

/// Judges a change against the license as it is now (expiry applied): the version first, then whether
/// the action applies to its status.
pub(crate) fn judge(current: &License, request: &ChangeLicense) -> Result<Patch> {
    if current.version != request.expected_version {
        return Err(Error::VersionConflict {
            license: current.id,
            expected: request.expected_version,
            current: Box::new(current.clone()),
        });
    }
    use LicenseStatus::{Active, Suspended};
    let refuse = |action| Error::LicenseStateInvalid { license: current.id, status: current.status, action };
    let status = current.status;
    match request.action {
        LicenseAction::Extend(extension) => {
            if !matches!(status, Active | Suspended) {
                return Err(refuse("extend"));
            }
            let requested = match extension {
                // Stored expiries end before year 10000 and `days` is at most 3,660: no overflow.
                Extension::ByDays(days) => current.expires_at + chrono::Duration::days(i64::from(days)),
                Extension::Until(until) => until,
            };
            if requested <= current.expires_at {
                return Err(Error::ExtensionShortens { license: current.id, current: current.expires_at, requested });
            }
            validate_instant("expires_at", requested)?;
            Ok(Patch { status, expires_at: requested })
        }
        LicenseAction::Suspend if status == Active => Ok(Patch { status: Suspended, expires_at: current.expires_at }),
        LicenseAction::Resume if status == Suspended => Ok(Patch { status: Active, expires_at: current.expires_at }),
        LicenseAction::Revoke if matches!(status, Active | Suspended) => {
            Ok(Patch { status: LicenseStatus::Revoked, expires_at: current.expires_at })
        }
        LicenseAction::Suspend => Err(refuse("suspend")),
        LicenseAction::Resume => Err(refuse("resume")),
        LicenseAction::Revoke => Err(refuse("revoke")),
    }
}

/// The audit trail's entry for an assignment (`action` none) or a change of a license.
pub(crate) fn audit_entry(
    actor: &str,
    action: Option<LicenseAction>,
    before: Option<&License>,
    after: &License,
) -> Entry {
    let name = action.map_or("license.assign", |a| a.command());
    let entry = Entry::new(actor, name, format!("license:{}", after.id)).after(after);
    match before {
        Some(before) => entry.before(before),
        None => entry,
    }
}

/// The audit trail's entry for a sweep that wrote EXPIRED on `ids`.
pub(crate) fn sweep_entry(actor: &str, tenant: &str, ids: &[i64]) -> Entry {
    Entry::new(actor, "license.expire", format!("licenses:{tenant}")).after(&serde_json::json!({"expired": ids}))
}

/// Parses a stored status.
pub(crate) fn status(text: &str) -> Result<LicenseStatus> {
    text.parse().map_err(|e: String| Error::Storage { backend: "core", detail: e })
}

/// The columns of a license, in the order both twins read them (the tenant code comes from the caller).
pub(crate) const LICENSE_COLUMNS: &str =
    "id, holder, product, plan, seats, starts_at, expires_at, status, version, updated_by, updated_at";

/// The list query with only the filters asked for, newest first, at most 500 rows.
pub(crate) fn list_sql(
    tenant_id: i64,
    query: &LicenseQuery,
    now: DateTime<Utc>,
    placeholder: fn(usize) -> String,
) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE tenant_id = {}", placeholder(1));
    let mut params = vec![Param::Int(tenant_id)];
    if let Some(holder) = &query.holder {
        params.push(Param::Text(holder.clone()));
        sql.push_str(&format!(" AND holder = {}", placeholder(params.len())));
    }
    if let Some(status) = query.status {
        params.push(Param::Time(now));
        let effective = EFFECTIVE_STATUS_SQL.replace("{now}", &placeholder(params.len()));
        params.push(Param::Text(status.as_str().to_owned()));
        sql.push_str(&format!(" AND {effective} = {}", placeholder(params.len())));
    }
    sql.push_str(" ORDER BY id DESC LIMIT 500");
    (sql, params)
}

/// Assign one license.
pub(crate) struct Assign {
    pub request: AssignLicense,
    pub actor: String,
}

/// Change one license.
pub(crate) struct Change {
    pub request: ChangeLicense,
    pub actor: String,
}

impl Assign {
    /// Validates the request, its instants cut to microseconds as both databases store them (so a
    /// license reads back the same everywhere, and its fingerprint does not depend on nanoseconds).
    pub(crate) fn new(mut request: AssignLicense, actor: &str) -> Result<Self> {
        request.starts_at = request.starts_at.map(|t| t.trunc_subsecs(6));
        request.expires_at = request.expires_at.trunc_subsecs(6);
        validate_assign(&request, actor, crate::db::now())?;
        Ok(Assign { request, actor: actor.to_owned() })
    }
}

impl Change {
    /// Validates the request, its instant (if any) cut to microseconds.
    pub(crate) fn new(mut request: ChangeLicense, actor: &str) -> Result<Self> {
        if let LicenseAction::Extend(Extension::Until(until)) = request.action {
            request.action = LicenseAction::Extend(Extension::Until(until.trunc_subsecs(6)));
        }
        validate_change(&request, actor)?;
        Ok(Change { request, actor: actor.to_owned() })
    }
}

impl Command for Assign {
    type Output = License;

    fn name(&self) -> &'static str {
        "license.assign"
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.actor
    }
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::KeepLicenses
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<License> {
        sqlite::assign(tx, self, crate::db::now())
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<License>> + Send {
        postgres::assign(conn, self, crate::db::now())
    }
}

impl Command for Change {
    type Output = License;

    fn name(&self) -> &'static str {
        self.request.action.command()
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.actor
    }
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::KeepLicenses
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<License> {
        sqlite::change(tx, self, crate::db::now())
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<License>> + Send {
        postgres::change(conn, self, crate::db::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn license(status: LicenseStatus, version: i64) -> License {
        let now = Utc::now();
        License {
            id: 7,
            tenant: "ACME".into(),
            holder: "ana".into(),
            product: "books".into(),
            plan: "pro".into(),
            seats: 1,
            starts_at: now,
            expires_at: now + chrono::Duration::days(30),
            status,
            version,
            updated_by: "x".into(),
            updated_at: now,
        }
    }

    fn change(action: LicenseAction, expected_version: i64) -> ChangeLicense {
        ChangeLicense { tenant: "ACME".into(), license: 7, expected_version, action }
    }

    #[test]
    fn a_stale_version_is_a_conflict_carrying_the_current_license() {
        let err = judge(&license(LicenseStatus::Active, 3), &change(LicenseAction::Suspend, 2)).unwrap_err();
        assert!(matches!(err, Error::VersionConflict { expected: 2, ref current, .. } if current.version == 3));
    }

    #[test]
    fn transitions_follow_the_status() {
        use LicenseAction::*;
        use LicenseStatus::*;
        let ok = |status, action| judge(&license(status, 1), &change(action, 1)).map(|p| p.status);
        assert_eq!(ok(Active, Suspend).unwrap(), Suspended);
        assert_eq!(ok(Suspended, Resume).unwrap(), Active);
        assert_eq!(ok(Suspended, Revoke).unwrap(), Revoked);
        assert_eq!(ok(Active, Extend(Extension::ByDays(5))).unwrap(), Active);
        for (status, action) in
            [(Active, Resume), (Suspended, Suspend), (Revoked, Revoke), (Expired, Extend(Extension::ByDays(1)))]
        {
            assert!(matches!(ok(status, action), Err(Error::LicenseStateInvalid { .. })), "{status:?} {action:?}");
        }
    }

    #[test]
    fn an_extension_never_shortens() {
        let current = license(LicenseStatus::Active, 1);
        let earlier = Extension::Until(current.expires_at - chrono::Duration::days(1));
        let same = Extension::Until(current.expires_at);
        for extension in [earlier, same] {
            let err = judge(&current, &change(LicenseAction::Extend(extension), 1)).unwrap_err();
            assert!(matches!(err, Error::ExtensionShortens { .. }), "{extension:?}");
        }
        let patch = judge(&current, &change(LicenseAction::Extend(Extension::ByDays(10)), 1)).unwrap();
        assert_eq!(patch.expires_at, current.expires_at + chrono::Duration::days(10));
    }

    #[test]
    fn expiry_is_applied_on_read() {
        let now = Utc::now();
        assert_eq!(effective_status(LicenseStatus::Active, now, now), LicenseStatus::Expired);
        assert_eq!(effective_status(LicenseStatus::Suspended, now, now), LicenseStatus::Expired);
        assert_eq!(effective_status(LicenseStatus::Revoked, now, now), LicenseStatus::Revoked);
        assert_eq!(
            effective_status(LicenseStatus::Active, now + chrono::Duration::seconds(1), now),
            LicenseStatus::Active
        );
    }
}
