//! Who is acting, and whether they may.
//!
//! **Invariant.** Every write is made by someone who holds the role its action needs (the table in
//! [`required_role`]), and records as its author the person signed in, never a name the request
//! carries. Each database enforces it itself:
//! - **Postgres**: each person is their own login role; the three group roles (`ledgerdesk_clerk`,
//!   `ledgerdesk_approver`, `ledgerdesk_admin`) hold the grants, row-level security shows a login only
//!   the tenants granted to it, and triggers refuse an author column that is not `session_user`. A clerk
//!   in `psql` with their own password is held by the same rules as the app (migration 0009).
//! - **SQLite**: there is no server, so the core holds the rules: the book keeps its accounts (Argon2id
//!   hashes, failed sign-ins recorded and rate-limited in the book itself, so two processes count
//!   together), and every write method of the SQLite twins calls [`authorize`] first (the Postgres
//!   twins do too, for a refusal that names the role it takes; their server holds the rules anyway).
//!
//! The **owner** (a SQLite file opened without signing in, which its 0600 mode leaves to the OS account
//! that owns it; a Postgres superuser or database owner) can write the tables directly anyway: the rules
//! do not bind it and it names the author of each write itself, as scripts and migrations need.
//!
//! Every state-changing command is also checked in `idempotency::execute`, on both databases, before
//! its key is claimed: a refused request leaves no key behind and runs under the same key once allowed.

pub(crate) mod password;
pub mod postgres;
pub(crate) mod scram;
pub mod sqlite;

use std::future::Future;

use chrono::Duration;
use ledgerdesk_types::{Identity, NewUser, Role, UserChange, UserRecord};

use crate::db::{Backend, forward_to_any_store};
use crate::error::{Error, IdentityError, Result};

/// What a write does, as far as who may do it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Issue invoices (single or batch), reserve and release numbers.
    IssueInvoices,
    /// Issue credit notes against invoices.
    CreditInvoices,
    /// Print an invoice's document (its first print fixes it).
    PrintDocuments,
    /// Add customers and change their details.
    KeepCustomers,
    /// Assign, extend, suspend, revoke and expire licenses.
    KeepLicenses,
    /// Prepare, edit, submit and revise exports.
    PrepareExports,
    /// Approve, reject, post and roll back exports.
    ApproveExports,
    /// Tenants and their limits, series, the supplier's details.
    KeepTenants,
    /// Export destinations and settings.
    KeepExportSetup,
    /// Webhook sources and endpoints, their secrets, receiving, delivering and pruning.
    KeepWebhooks,
    /// Purging idempotency records.
    KeepHousekeeping,
    /// People: accounts or logins, their roles and tenants.
    KeepUsers,
}

impl Action {
    /// The action in words, for messages.
    pub fn words(self) -> &'static str {
        match self {
            Action::IssueInvoices => "issue invoices",
            Action::CreditInvoices => "issue credit notes",
            Action::PrintDocuments => "print invoice documents",
            Action::KeepCustomers => "keep customers",
            Action::KeepLicenses => "keep licenses",
            Action::PrepareExports => "prepare and edit exports",
            Action::ApproveExports => "approve, reject, post or roll back exports",
            Action::KeepTenants => "keep tenants and series",
            Action::KeepExportSetup => "keep export destinations and settings",
            Action::KeepWebhooks => "keep webhooks",
            Action::KeepHousekeeping => "purge idempotency records",
            Action::KeepUsers => "keep people and their roles",
        }
    }
}

/// The one role table: the role each action needs. An approver holds a clerk's rights too; an
/// administrator keeps the set-up and issues nothing (separation of duties).
pub fn required_role(action: Action) -> Role {
    match action {
        Action::IssueInvoices
        | Action::CreditInvoices
        | Action::PrintDocuments
        | Action::KeepCustomers
        | Action::KeepLicenses
        | Action::PrepareExports => Role::Clerk,
        Action::ApproveExports => Role::Approver,
        Action::KeepTenants
        | Action::KeepExportSetup
        | Action::KeepWebhooks
        | Action::KeepHousekeeping
        | Action::KeepUsers => Role::Admin,
    }
}

/// Refuses `action` unless `identity` holds its role, and refuses an `actor` (the author a request
/// names) other than the signed-in person. The owner passes both.
pub fn authorize(identity: &Identity, action: Action, actor: Option<&str>) -> Result<()> {
    let needs = required_role(action);
    if !identity.holds(needs) {
        let held: Vec<&str> = identity.roles.iter().map(|role| role.as_str()).collect();
        return Err(IdentityError::RoleRequired {
            who: identity.name.clone(),
            action: action.words(),
            needs: needs.as_str(),
            held: if held.is_empty() { "no role".to_owned() } else { held.join(", ") },
        }
        .into());
    }
    match actor {
        Some(claimed) if !identity.owner && claimed != identity.name => {
            Err(IdentityError::ActorNotSignedIn { claimed: claimed.to_owned(), signed_in: identity.name.clone() }
                .into())
        }
        _ => Ok(()),
    }
}

/// [`authorize`] for a store's own identity: the first line of every write method. SQLite's twins rely
/// on it (there is no server to hold the rules); Postgres's call it too, so a refusal names the role it
/// takes before the server's grants would refuse it in their own words.
pub(crate) trait Authorize: Backend {
    fn authorize(&self, action: Action, actor: Option<&str>) -> Result<()> {
        authorize(self.identity(), action, actor)
    }
}

impl<T: Backend + ?Sized> Authorize for T {}

/// The author a write records when its request names none (a new series' first template): the
/// signed-in person, or for the owner `fallback`, as before there were people.
pub(crate) fn author_or(identity: &Identity, fallback: &str) -> String {
    if identity.owner { fallback.to_owned() } else { identity.name.clone() }
}

/// The people of a book: accounts offline, logins on Postgres. Every method needs [`Action::KeepUsers`].
pub trait Users: Send + Sync {
    /// Adds a person with a password and roles.
    fn add_user(&self, user: NewUser) -> impl Future<Output = Result<UserRecord>> + Send;

    /// Grants roles (and, on Postgres, tenants) to a person.
    fn grant_user(&self, change: UserChange) -> impl Future<Output = Result<UserRecord>> + Send;

    /// Revokes roles (and, on Postgres, tenants) from a person; it takes effect at their next sign-in.
    fn revoke_user(&self, change: UserChange) -> impl Future<Output = Result<UserRecord>> + Send;

    /// Everyone, by name.
    fn list_users(&self) -> impl Future<Output = Result<Vec<UserRecord>>> + Send;
}

forward_to_any_store! {
    impl Users {
        async fn add_user(&self, user: NewUser) -> Result<UserRecord>;
        async fn grant_user(&self, change: UserChange) -> Result<UserRecord>;
        async fn revoke_user(&self, change: UserChange) -> Result<UserRecord>;
        async fn list_users(&self) -> Result<Vec<UserRecord>>;
    }
}

/// Failed sign-ins of one name allowed within [`SIGN_IN_WINDOW`]; one more waits out the window.
pub const MAX_FAILED_SIGN_INS: i64 = 5;

/// The window failed sign-ins are counted in, and how long a name then waits after its last failure.
pub fn sign_in_window() -> Duration {
    Duration::minutes(15)
}

/// Refuses a sign-in name that is not 1–48 characters of `a-z 0-9 _ .` starting with a letter, or that
/// takes a name the database keeps for itself (`ledgerdesk_…`, `pg_…`). On Postgres the name is a login
/// role, so it is checked here before it reaches any SQL.
pub fn validate_user_name(name: &str) -> Result<()> {
    let plain = name.len() <= 48
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if !plain {
        return Err(Error::invalid(
            "name",
            "must be 1 to 48 characters of a-z, 0-9, _ and ., starting with a letter",
            "a-z, 0-9, _ ve . karakterlerinden 1 ile 48 arasında olmalı ve bir harfle başlamalıdır",
        ));
    }
    if name.starts_with("ledgerdesk_") || name.starts_with("pg_") || name == "public" {
        return Err(Error::invalid(
            "name",
            "names starting with ledgerdesk_ or pg_ are kept for the database itself",
            "ledgerdesk_ veya pg_ ile başlayan adlar veritabanının kendisine ayrılmıştır",
        ));
    }
    Ok(())
}

/// The longest password, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1_024;

/// Refuses a password shorter than 12 characters (length is what resists guessing; no composition rules).
pub fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < 12 || password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::invalid(
            "password",
            "must be 12 to 1024 characters long",
            "12 ile 1024 karakter arasında olmalıdır",
        ));
    }
    Ok(())
}

/// Refuses a new person without a role.
pub(crate) fn validate_new_user(user: &NewUser) -> Result<()> {
    validate_user_name(&user.name)?;
    validate_password(&user.password)?;
    if user.roles.is_empty() {
        return Err(Error::invalid("role", "give at least one role", "en az bir rol verin"));
    }
    Ok(())
}

/// Roles in the order clerk, approver, admin, each once.
pub(crate) fn ordered(mut roles: Vec<Role>) -> Vec<Role> {
    roles.sort_by_key(|role| Role::ALL.iter().position(|r| r == role));
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::Localized;

    use super::*;

    fn person(roles: &[Role]) -> Identity {
        Identity { name: "ayse".into(), owner: false, roles: roles.to_vec() }
    }

    #[test]
    fn each_role_may_do_what_the_table_says() {
        let clerk = person(&[Role::Clerk]);
        assert!(authorize(&clerk, Action::IssueInvoices, Some("ayse")).is_ok());
        assert_eq!(authorize(&clerk, Action::ApproveExports, None).unwrap_err().code(), "permission_denied");
        assert_eq!(authorize(&clerk, Action::KeepTenants, None).unwrap_err().code(), "permission_denied");
        let approver = person(&[Role::Approver]);
        assert!(authorize(&approver, Action::ApproveExports, None).is_ok());
        assert!(authorize(&approver, Action::PrepareExports, None).is_ok());
        let admin = person(&[Role::Admin]);
        assert!(authorize(&admin, Action::KeepUsers, None).is_ok());
        assert_eq!(authorize(&admin, Action::IssueInvoices, None).unwrap_err().code(), "permission_denied");
        assert_eq!(authorize(&person(&[]), Action::IssueInvoices, None).unwrap_err().code(), "permission_denied");
    }

    #[test]
    fn a_person_writes_only_in_their_own_name_and_the_owner_in_any() {
        let clerk = person(&[Role::Clerk]);
        assert_eq!(authorize(&clerk, Action::IssueInvoices, Some("mehmet")).unwrap_err().code(), "actor_not_signed_in");
        assert!(authorize(&Identity::owner("root"), Action::IssueInvoices, Some("mehmet")).is_ok());
    }

    #[test]
    fn names_are_plain_and_not_the_databases_own() {
        for good in ["ayse", "m.yilmaz", "clerk_2"] {
            assert!(validate_user_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Ayse", "2x", "a b", "a;drop", "ledgerdesk_admin", "pg_signal", &"a".repeat(49), "ayşe"] {
            assert_eq!(validate_user_name(bad).unwrap_err().code(), "invalid_input", "{bad:?}");
        }
        assert!(validate_password("short").is_err());
        assert!(validate_password("twelve chars").is_ok());
    }
}
