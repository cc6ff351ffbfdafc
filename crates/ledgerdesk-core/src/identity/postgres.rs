//! People on Postgres: each is a login role of the server, holding some of the three group roles; the
//! migration's `SECURITY DEFINER` functions keep them (`ledgerdesk_add_login`, `ledgerdesk_set_role`,
//! `ledgerdesk_set_tenant_access`, `ledgerdesk_users`), each checking its caller again. Twin of
//! `sqlite.rs`, where the book keeps its own accounts.

use ledgerdesk_types::{Identity, NewUser, Role, UserChange, UserRecord};
use sqlx::PgPool;

use super::{Action, Users, authorize, ordered, scram, validate_new_user, validate_user_name};
use crate::db::postgres::PgResultExt;
use crate::db::{Backend, PgStore};
use crate::error::{Error, IdentityError, Result};

impl PgStore {
    /// This store acting as its login, as the server sees it: the owner (a superuser, or a member of the
    /// database's owner), or a person with the Ledgerdesk roles it holds, directly or through another.
    pub(crate) async fn with_server_identity(self) -> Result<Self> {
        let (name, owner, roles): (String, bool, Vec<String>) = sqlx::query_as(
            "SELECT session_user::text,
                    current_setting('is_superuser') = 'on'
                        OR pg_has_role(session_user,
                                       (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER'),
                    ARRAY(SELECT substr(r.rolname, 12) FROM pg_roles r
                           WHERE r.rolname IN ('ledgerdesk_clerk', 'ledgerdesk_approver', 'ledgerdesk_admin')
                             AND pg_has_role(session_user, r.oid, 'MEMBER'))",
        )
        .fetch_one(self.pool())
        .await
        .db()?;
        let roles = roles.iter().filter_map(|role| role.parse::<Role>().ok()).collect();
        Ok(self.acting_as(Identity { name, owner, roles: ordered(roles) }))
    }
}

/// Refuses a change by someone who is not an administrator, and names an unknown person.
async fn known_login(pool: &PgPool, name: &str) -> Result<()> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin AND NOT rolsuper)",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .db()?;
    if exists { Ok(()) } else { Err(IdentityError::UserNotFound(name.to_owned()).into()) }
}

async fn set_access(store: &PgStore, change: UserChange, grant: bool) -> Result<UserRecord> {
    authorize(store.identity(), Action::KeepUsers, None)?;
    validate_user_name(&change.name)?;
    known_login(store.pool(), &change.name).await?;
    let mut tx = store.pool().begin().await.db()?;
    for role in &change.roles {
        sqlx::query("SELECT ledgerdesk_set_role($1, $2, $3)")
            .bind(&change.name)
            .bind(role.as_str())
            .bind(grant)
            .execute(&mut *tx)
            .await
            .db()?;
    }
    for tenant in &change.tenants {
        sqlx::query("SELECT ledgerdesk_set_tenant_access($1, $2, $3)")
            .bind(&change.name)
            .bind(tenant)
            .bind(grant)
            .execute(&mut *tx)
            .await
            .map_err(|e| tenant_or(e, tenant))?;
    }
    tx.commit().await.db()?;
    one(store, &change.name).await
}

/// The function's `tenant_not_found` as the core's own error.
fn tenant_or(e: sqlx::Error, tenant: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.message().starts_with("tenant_not_found") => {
            Error::TenantNotFound(tenant.to_owned())
        }
        _ => crate::db::postgres::map_err(e),
    }
}

/// The person `name` as the list shows them; a login left with no role and no tenant here is no
/// longer listed, and reads as holding nothing.
async fn one(store: &PgStore, name: &str) -> Result<UserRecord> {
    let listed = store.list_users().await?.into_iter().find(|user| user.name == name);
    Ok(listed.unwrap_or_else(|| UserRecord {
        name: name.to_owned(),
        roles: Vec::new(),
        tenants: Vec::new(),
        created_at: None,
    }))
}

impl Users for PgStore {
    async fn add_user(&self, user: NewUser) -> Result<UserRecord> {
        authorize(self.identity(), Action::KeepUsers, None)?;
        validate_new_user(&user)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(&user.name)
            .fetch_one(self.pool())
            .await
            .db()?;
        if exists {
            return Err(IdentityError::UserExists(user.name).into());
        }
        let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
        sqlx::query("SELECT ledgerdesk_add_login($1, $2, $3)")
            .bind(&user.name)
            .bind(scram::verifier(&user.password))
            .bind(&roles)
            .execute(self.pool())
            .await
            .map_err(|e| match &e {
                // Another administrator added the same name a moment earlier.
                sqlx::Error::Database(db) if db.message().starts_with("user_exists") => {
                    IdentityError::UserExists(user.name.clone()).into()
                }
                _ => crate::db::postgres::map_err(e),
            })?;
        one(self, &user.name).await
    }

    async fn grant_user(&self, change: UserChange) -> Result<UserRecord> {
        set_access(self, change, true).await
    }

    async fn revoke_user(&self, change: UserChange) -> Result<UserRecord> {
        set_access(self, change, false).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        authorize(self.identity(), Action::KeepUsers, None)?;
        let rows: Vec<(String, Vec<String>, Vec<String>)> =
            sqlx::query_as("SELECT login, roles, tenants FROM ledgerdesk_users()").fetch_all(self.pool()).await.db()?;
        Ok(rows
            .into_iter()
            .map(|(name, roles, tenants)| UserRecord {
                name,
                roles: ordered(roles.iter().filter_map(|role| role.parse().ok()).collect()),
                tenants,
                created_at: None,
            })
            .collect())
    }
}
