//! Who the command line acts as.
//!
//! - **Offline**, in a book with accounts, `--user NAME` signs in as that account (its password from
//!   `LEDGERDESK_PASSWORD`, or asked for without echo); without `--user` the command runs as the book's
//!   owner, whom the file's mode 0600 leaves to the OS account that created it (scripts). A book without
//!   accounts records the `--user` given, as before.
//! - **On Postgres** the login of the URL is who acts; a `--user` naming anyone else is refused, unless
//!   the login is the owner (a superuser or the database's owner), which may write the tables directly
//!   anyway and names the author itself.

use std::sync::OnceLock;

use ledgerdesk_core::error::IdentityError;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, Result};

/// The signed-in person, when one is: every write's default author.
static SIGNED_IN_AS: OnceLock<String> = OnceLock::new();

/// Who a write names when `--user` is not given: the signed-in person (on Postgres, the login), else
/// `$USER`, else `cli`.
pub(crate) fn default_author() -> String {
    SIGNED_IN_AS.get().cloned().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".to_owned())
}

/// Takes the login of a Postgres `url` as the default author before the book is opened (some commands
/// build their request first): on Postgres no one else may be named anyway.
pub(crate) fn assume_login(url: &str) {
    if let Some(login) = ledgerdesk_core::DatabaseUrl::parse(url).ok().and_then(|url| url.login()) {
        let _ = SIGNED_IN_AS.set(login);
    }
}

/// `store`, acting as `user` as the rules above say.
pub(crate) async fn as_user(store: AnyStore, user: Option<&str>) -> Result<AnyStore> {
    let store = match (store, user) {
        (AnyStore::Sqlite(book), Some(name)) if book.has_accounts().await? => {
            let password = password("LEDGERDESK_PASSWORD", &format!("Password for {name}: "))?;
            AnyStore::Sqlite(book.sign_in(name, &password).await?)
        }
        (store, _) => store,
    };
    let identity = store.identity();
    if !identity.owner {
        if let Some(claimed) = user.filter(|claimed| *claimed != identity.name) {
            return Err(IdentityError::ActorNotSignedIn {
                claimed: claimed.to_owned(),
                signed_in: identity.name.clone(),
            }
            .into());
        }
        let _ = SIGNED_IN_AS.set(identity.name.clone());
    }
    Ok(store)
}

/// A password: `variable` if set, else typed at the terminal without echo.
pub(crate) fn password(variable: &str, prompt: &str) -> Result<String> {
    if let Ok(password) = std::env::var(variable) {
        return Ok(password);
    }
    rpassword::prompt_password(prompt).map_err(|e| {
        Error::invalid(
            "password",
            format!("cannot ask for it here ({e}); set {variable}"),
            format!("burada sorulamıyor ({e}); {variable} değişkenini ayarlayın"),
        )
    })
}
