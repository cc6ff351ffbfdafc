//! Why an action is refused for who is acting, or a sign-in fails: each with a stable code and an
//! English and a Turkish message.

use chrono::{DateTime, Utc};

/// A refusal about who is acting.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The signed-in person lacks the role the action needs (the core's check).
    #[error("{who} may not {action}: that takes the {needs} role, and {who} holds {held}")]
    RoleRequired {
        /// The signed-in person.
        who: String,
        /// What was asked, in words ("approve exports").
        action: &'static str,
        /// The role it takes.
        needs: &'static str,
        /// The roles held, in words ("no role", "clerk").
        held: String,
    },
    /// The database refused the signed-in login (a missing grant, or a row-level policy).
    #[error("the database does not let this login do that: {0}")]
    PermissionDenied(String),
    /// The request names someone other than the signed-in person as its author.
    #[error("{signed_in} is signed in, so a write cannot be recorded as {claimed:?}'s")]
    ActorNotSignedIn {
        /// Who the request named.
        claimed: String,
        /// Who is signed in.
        signed_in: String,
    },
    /// Wrong name or password (which of the two is not said).
    #[error("sign-in failed: the name or the password is wrong")]
    SignInFailed,
    /// Too many failed sign-ins for this name in a short time.
    #[error("too many failed sign-ins as {name:?}; try again after {until}")]
    SignInLocked {
        /// The name signed in as.
        name: String,
        /// When sign-in is possible again.
        until: DateTime<Utc>,
    },
    /// The book keeps accounts, and no one is signed in (the desktop).
    #[error("this book keeps accounts: sign in first")]
    SignInRequired,
    /// A person of that name exists already.
    #[error("a person named {0:?} exists already")]
    UserExists(String),
    /// No person of that name.
    #[error("there is no person named {0:?}")]
    UserNotFound(String),
    /// This database keeps no such setting (tenant access offline).
    #[error("{0}")]
    Unsupported(&'static str),
}

impl IdentityError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::RoleRequired { .. } | IdentityError::PermissionDenied(_) => "permission_denied",
            IdentityError::ActorNotSignedIn { .. } => "actor_not_signed_in",
            IdentityError::SignInFailed => "sign_in_failed",
            IdentityError::SignInLocked { .. } => "sign_in_locked",
            IdentityError::SignInRequired => "sign_in_required",
            IdentityError::UserExists(_) => "user_exists",
            IdentityError::UserNotFound(_) => "user_not_found",
            IdentityError::Unsupported(_) => "not_supported_here",
        }
    }

    /// The Turkish message.
    pub fn message_tr(&self) -> String {
        match self {
            IdentityError::RoleRequired { who, action, needs, held } => format!(
                "{who} bunu yapamaz ({action}): bunun için {} rolü gerekir; {who} kullanıcısının rolleri: {}",
                role_tr(needs),
                held.split(", ").map(role_tr).collect::<Vec<_>>().join(", ")
            ),
            IdentityError::PermissionDenied(detail) => {
                format!("Veritabanı bu oturum açma adına buna izin vermiyor: {detail}")
            }
            IdentityError::ActorNotSignedIn { claimed, signed_in } => {
                format!("Oturumu {signed_in} açmış; bir yazma işlemi {claimed:?} adına kaydedilemez")
            }
            IdentityError::SignInFailed => "Oturum açılamadı: ad veya parola yanlış".to_owned(),
            IdentityError::SignInLocked { name, until } => format!(
                "{name:?} adıyla çok fazla başarısız oturum açma denemesi yapıldı; {until} sonrasında yeniden deneyin"
            ),
            IdentityError::SignInRequired => "Bu defter hesap tutar: önce oturum açın".to_owned(),
            IdentityError::UserExists(name) => format!("{name:?} adında bir kişi zaten var"),
            IdentityError::UserNotFound(name) => format!("{name:?} adında bir kişi yok"),
            IdentityError::Unsupported(_) => {
                "Bu ayar bu veritabanında tutulmaz (çevrimdışı defterde her hesap her kiracıyı görür)".to_owned()
            }
        }
    }
}

/// A role's name in Turkish.
fn role_tr(role: &str) -> &str {
    match role {
        "clerk" => "memur",
        "approver" => "onaylayıcı",
        "admin" => "yönetici",
        "no role" => "hiçbiri",
        other => other,
    }
}
