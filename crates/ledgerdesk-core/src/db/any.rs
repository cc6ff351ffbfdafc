//! [`AnyStore`]: the store picked at run time from a URL, and the macro that forwards each domain trait
//! to whichever store is inside.

use super::{Backend, PgStore, SqliteStore};

/// A store chosen at run time (it is opened by [`AnyStore::open`](crate::migrate)).
#[derive(Clone)]
pub enum AnyStore {
    /// Offline mode.
    Sqlite(SqliteStore),
    /// Connected mode.
    Postgres(PgStore),
}

impl Backend for AnyStore {
    fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(store) => store.backend(),
            AnyStore::Postgres(store) => store.backend(),
        }
    }

    fn identity(&self) -> &ledgerdesk_types::Identity {
        match self {
            AnyStore::Sqlite(store) => store.identity(),
            AnyStore::Postgres(store) => store.identity(),
        }
    }

    fn read_only(&self) -> bool {
        match self {
            AnyStore::Sqlite(store) => store.read_only(),
            AnyStore::Postgres(store) => store.read_only(),
        }
    }
}

/// Implements a domain trait for [`AnyStore`]: each listed method forwards to the store inside. A
/// domain's `mod.rs` invokes it once, beside the trait, listing the trait's required methods (its
/// provided ones come with the trait). It lives here, with `AnyStore`, rather than in `store.rs`, so
/// that domains import `db` and nothing above them.
///
/// A `macro_rules!` rather than `enum_dispatch`: the traits use async functions (`-> impl Future + Send`),
/// which `enum_dispatch` does not generate.
macro_rules! forward_to_any_store {
    (impl $trait:path { $(async fn $method:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $output:ty;)* }) => {
        impl $trait for $crate::db::AnyStore {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> $output {
                    match self {
                        $crate::db::AnyStore::Sqlite(store) => store.$method($($arg),*).await,
                        $crate::db::AnyStore::Postgres(store) => store.$method($($arg),*).await,
                    }
                }
            )*
        }
    };
}
pub(crate) use forward_to_any_store;
