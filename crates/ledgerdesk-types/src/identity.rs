//! Who is acting: the three roles, the identity a store acts as, and the people an administrator keeps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::named::named_enum;

named_enum! {
    /// What a person may do. An approver may also do everything a clerk may; an administrator keeps the
    /// book's set-up and its people, and issues nothing (separation of duties).
    pub enum Role {
        /// Issues invoices and credit notes, keeps customers and licenses, prepares and edits exports.
        Clerk = "clerk",
        /// A clerk who may also approve, reject, post and roll back exports.
        Approver = "approver",
        /// Tenants, series, export destinations, webhooks, housekeeping and people.
        Admin = "admin",
    }
}

/// Whom a store acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The signed-in person (a book account, or a Postgres login); for the owner, its login or OS account.
    pub name: String,
    /// The book's owner: a SQLite file opened without signing in (the OS account that owns the file), or a
    /// Postgres superuser or database owner. The owner can write the tables directly anyway, so the role
    /// rules do not bind it and it names the actor of each write itself (scripts, migrations, tests).
    pub owner: bool,
    /// The roles held, as granted (an approver is a clerk too: see [`Identity::holds`]).
    pub roles: Vec<Role>,
}

impl Identity {
    /// The owner of a book, named `name`.
    pub fn owner(name: impl Into<String>) -> Self {
        Identity { name: name.into(), owner: true, roles: Vec::new() }
    }

    /// Whether this identity may act with `role`'s rights.
    pub fn holds(&self, role: Role) -> bool {
        self.owner || self.roles.contains(&role) || (role == Role::Clerk && self.roles.contains(&Role::Approver))
    }
}

/// A person an administrator keeps (a book account offline; a Postgres login in connected mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Sign-in name.
    pub name: String,
    /// Roles granted, in the order clerk, approver, admin.
    pub roles: Vec<Role>,
    /// Tenants the person may see (Postgres); empty offline, where every account sees every tenant.
    pub tenants: Vec<String>,
    /// When the account was made (offline); `None` for a Postgres login.
    pub created_at: Option<DateTime<Utc>>,
}

/// A new person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// Sign-in name: 1–48 characters of `a-z 0-9 _ .`, starting with a letter.
    pub name: String,
    /// At least 12 characters.
    pub password: String,
    /// At least one role.
    pub roles: Vec<Role>,
}

/// Roles and tenants granted to, or revoked from, a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    /// The person.
    pub name: String,
    /// Roles to grant or revoke.
    pub roles: Vec<Role>,
    /// Tenant codes to grant or revoke (Postgres only).
    pub tenants: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approver_is_a_clerk_and_the_owner_is_everyone() {
        let approver = Identity { name: "a".into(), owner: false, roles: vec![Role::Approver] };
        assert!(approver.holds(Role::Clerk) && approver.holds(Role::Approver) && !approver.holds(Role::Admin));
        let admin = Identity { name: "b".into(), owner: false, roles: vec![Role::Admin] };
        assert!(!admin.holds(Role::Clerk) && admin.holds(Role::Admin));
        assert!(Role::ALL.iter().all(|role| Identity::owner("o").holds(*role)));
    }
}
