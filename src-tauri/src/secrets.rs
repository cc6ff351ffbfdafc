//! The Postgres password of the connection, kept in the OS keyring (the `keyring` crate: Keychain,
//! Credential Manager; on Linux the user's kernel keyring, kept until reboot), never in the settings file: the file keeps the URL without it, and opening puts
//! it back. A settings file of an earlier version that holds a password is migrated on load.

use ledgerdesk_types::api::Connection;
use url::Url;

use crate::error::CommandError;

/// The keyring entries of one app (tests use a service of their own).
#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
}

impl Keyring {
    /// The app's entries: service `ledgerdesk`, or `LEDGERDESK_KEYRING_SERVICE` (tests).
    pub fn for_app() -> Self {
        Keyring::named(std::env::var("LEDGERDESK_KEYRING_SERVICE").unwrap_or_else(|_| "ledgerdesk".into()))
    }

    /// Entries under `service`.
    pub fn named(service: impl Into<String>) -> Self {
        Keyring { service: service.into() }
    }

    /// `connection` without its password, the password kept in the keyring under the URL that remains.
    /// A connection without a password is returned as it is.
    pub fn keep_password(&self, connection: Connection) -> Result<Connection, CommandError> {
        let Connection::Postgres { url } = &connection else { return Ok(connection) };
        let Some((bare, password)) = split_password(url) else { return Ok(connection) };
        self.entry(&bare)?.set_password(&password).map_err(unavailable)?;
        Ok(Connection::Postgres { url: bare })
    }

    /// The password kept for `bare` (a URL without one), if any.
    pub fn password_for(&self, bare: &str) -> Option<String> {
        self.entry(bare).ok()?.get_password().ok()
    }

    /// Forgets the password kept for `bare`, if any.
    pub fn forget(&self, bare: &str) {
        if let Ok(entry) = self.entry(bare) {
            let _ = entry.delete_credential();
        }
    }

    /// The URL the core opens: a Postgres URL without a password gets the one kept for it.
    pub fn url_to_open(&self, connection: &Connection) -> String {
        let url = connection.url();
        let Connection::Postgres { url: bare } = connection else { return url };
        if split_password(bare).is_some() {
            return url;
        }
        let (Some(password), Ok(mut parsed)) = (self.password_for(bare), Url::parse(bare)) else { return url };
        match parsed.set_password(Some(&password)) {
            Ok(()) => parsed.to_string(),
            Err(()) => url,
        }
    }

    /// On Linux, an entry in the user's kernel keyring: the `keyring` crate's own default starts from
    /// the session keyring, which a process started outside a login session (a service, CI) lacks, and
    /// links into the persistent one, which expires after a few days unused.
    #[cfg(target_os = "linux")]
    fn entry(&self, bare: &str) -> Result<keyring::Entry, CommandError> {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        let user = KeyRing::from_special_id(KeyRingIdentifier::User, true)
            .map_err(|e| unavailable(keyring::Error::PlatformFailure(Box::new(e))))?;
        let description = format!("{}:{bare}", self.service);
        let credential = keyring::keyutils::KeyutilsCredential { session: user, persistent: None, description };
        Ok(keyring::Entry::new_with_credential(Box::new(credential)))
    }

    /// Elsewhere, the platform's own store (Keychain, Credential Manager).
    #[cfg(not(target_os = "linux"))]
    fn entry(&self, bare: &str) -> Result<keyring::Entry, CommandError> {
        keyring::Entry::new(&self.service, bare).map_err(unavailable)
    }
}

/// The URL without its password, and the password (decoded), if it has one.
fn split_password(url: &str) -> Option<(String, String)> {
    let mut parsed = Url::parse(url).ok()?;
    let password = parsed.password().filter(|p| !p.is_empty())?;
    let password = percent_encoding::percent_decode_str(password).decode_utf8().ok()?.into_owned();
    parsed.set_password(None).ok()?;
    Some((parsed.to_string(), password))
}

fn unavailable(e: keyring::Error) -> CommandError {
    CommandError::new(
        "keyring_unavailable",
        format!("the OS keyring cannot keep the password, so it was not saved: {e}"),
        format!("işletim sisteminin anahtarlığı parolayı tutamıyor, bu yüzden kaydedilmedi: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_split_off_decoded_and_put_back() {
        let (bare, password) =
            split_password("postgres://ana:p%40ss%20word@db.example:5432/books?sslmode=require").unwrap();
        assert_eq!(
            (bare.as_str(), password.as_str()),
            ("postgres://ana@db.example:5432/books?sslmode=require", "p@ss word")
        );
        assert_eq!(split_password("postgres://ana@db.example/books"), None);
        let keyring = Keyring::named(format!("ledgerdesk-unit-{}", std::process::id()));
        let kept = keyring.keep_password(Connection::Postgres { url: "postgres://ana:p%40ss@h/b".into() }).unwrap();
        assert_eq!(kept, Connection::Postgres { url: "postgres://ana@h/b".into() });
        assert_eq!(keyring.url_to_open(&kept), "postgres://ana:p%40ss@h/b");
        keyring.forget("postgres://ana@h/b");
        assert_eq!(keyring.password_for("postgres://ana@h/b"), None);
    }
}
