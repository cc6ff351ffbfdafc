//! State a guard keeps per store (shared by every clone of it), without `db` knowing its type: a map
//! from type to one value of it, made on first use. Batch issuing keeps its group-commit queue here.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One value of each type asked for, for the life of the store.
#[derive(Default)]
pub(crate) struct Shared {
    values: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Shared {
    /// The store's `T`, made with `T::default()` the first time.
    pub(crate) fn get<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut values = self.values.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let value = values.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()));
        Arc::clone(value).downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}
