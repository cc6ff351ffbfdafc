//! `user add|grant|revoke|list|whoami`: the people of a book and their roles.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, Result};
use ledgerdesk_types::{Identity, NewUser, Role, UserChange, UserRecord};

use super::sign_in::password;
use crate::args::{Cli, UserChangeArgs, UserCommand};
use crate::output::{self, Outcome};

fn describe(user: &UserRecord) -> String {
    let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
    let roles = if roles.is_empty() { "no role".to_owned() } else { roles.join(", ") };
    let tenants =
        if user.tenants.is_empty() { String::new() } else { format!("; tenants {}", user.tenants.join(", ")) };
    format!("{}: {roles}{tenants}", user.name)
}

fn roles(names: &[String]) -> Result<Vec<Role>> {
    names
        .iter()
        .map(|name| {
            name.parse().map_err(|reason: String| {
                Error::invalid(
                    "role",
                    reason.clone(),
                    format!("{reason} (memur: clerk, onaylayıcı: approver, yönetici: admin)"),
                )
            })
        })
        .collect()
}

fn change(args: &UserChangeArgs) -> Result<UserChange> {
    Ok(UserChange { name: args.name.clone(), roles: roles(&args.roles)?, tenants: args.tenants.clone() })
}

/// A new person's password: `LEDGERDESK_NEW_PASSWORD`, or typed twice.
fn new_password(name: &str) -> Result<String> {
    let first = password("LEDGERDESK_NEW_PASSWORD", &format!("New password for {name}: "))?;
    let again = password("LEDGERDESK_NEW_PASSWORD", "The same password again: ")?;
    if first != again {
        return Err(Error::invalid("password", "the two passwords differ", "iki parola birbirinden farklı"));
    }
    Ok(first)
}

/// Adds `name` with `roles`, its password asked for once the name and roles have passed their checks
/// (a mistyped role costs no typing).
async fn add(cli: &Cli, store: &AnyStore, name: &str, roles: Vec<Role>) -> Outcome {
    ledgerdesk_core::identity::validate_user_name(name)?;
    let user = NewUser { name: name.to_owned(), password: new_password(name)?, roles };
    let added = store.add_user(user).await?;
    output::wrote(cli.json, &added, |u| format!("added {}", describe(u)), |u| format!("user {}", u.name))
}

/// `init --admin NAME`: the new book's first administrator, added by its owner.
pub async fn add_first_admin(cli: &Cli, store: &AnyStore, name: &str) -> Outcome {
    add(cli, store, name, vec![Role::Admin]).await
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &UserCommand) -> Outcome {
    match command {
        UserCommand::Add { name, roles: names, .. } => add(cli, store, name, roles(names)?).await,
        UserCommand::Grant(args) => {
            let changed = store.grant_user(change(args)?).await?;
            output::wrote(cli.json, &changed, |u| format!("granted: {}", describe(u)), |u| format!("user {}", u.name))
        }
        UserCommand::Revoke(args) => {
            let changed = store.revoke_user(change(args)?).await?;
            output::wrote(cli.json, &changed, |u| format!("revoked: {}", describe(u)), |u| format!("user {}", u.name))
        }
        UserCommand::List { .. } => {
            let users = store.list_users().await?;
            output::read(cli.json, &users, |users| {
                if users.is_empty() {
                    return "no people: the book is its owner's alone".to_owned();
                }
                users.iter().map(describe).collect::<Vec<_>>().join("\n")
            })
        }
        UserCommand::Whoami { .. } => output::read(cli.json, store.identity(), whoami),
    }
}

fn whoami(identity: &Identity) -> String {
    if identity.owner {
        return format!("{}: the book's owner (the role rules do not bind it)", identity.name);
    }
    let roles: Vec<&str> = identity.roles.iter().map(|role| role.as_str()).collect();
    format!("{}: {}", identity.name, if roles.is_empty() { "no role".to_owned() } else { roles.join(", ") })
}
