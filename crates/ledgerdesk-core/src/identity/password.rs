//! Offline passwords: Argon2id hashes in PHC form (the `argon2` crate, its default parameters: 19 MiB,
//! two passes), with a random salt each.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::error::{Error, Result};

/// The PHC string of `password`, salted afresh.
pub(crate) fn hash(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(cannot)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(cannot)?.to_string())
}

/// Whether `password` matches the stored `phc` string; a stored string that cannot be read matches
/// nothing.
pub(crate) fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash no password is checked for: an unknown name is verified against it, so that the time a
/// sign-in takes does not tell which names exist.
pub(crate) fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("a decoy no one signs in with").unwrap_or_default())
}

fn cannot(e: argon2::password_hash::Error) -> Error {
    Error::Storage { backend: "core", detail: format!("cannot hash the password: {e}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(hash("correct horse battery").unwrap(), stored, "each hash has its own salt");
    }
}
