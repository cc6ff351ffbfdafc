//! Batches: one action applied to many licenses, each on its own.

use ledgerdesk_types::{BatchItem, BatchOutcome, BatchTarget, ChangeLicense, LicenseAction, Localized};

use super::Licenses;
use crate::error::{Error, Result};

/// Most targets one batch may name.
pub const MAX_BATCH: usize = 500;

/// Checks a batch before anything is written: 1 to 500 targets, each license once.
pub fn validate_batch(targets: &[BatchTarget]) -> Result<()> {
    if targets.is_empty() || targets.len() > MAX_BATCH {
        return Err(Error::invalid("licenses", "name 1 to 500 licenses", "1 ile 500 arasında lisans belirtin"));
    }
    let mut ids: Vec<i64> = targets.iter().map(|t| t.license).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Error::invalid(
            "licenses",
            format!("license {} is named twice", pair[0]),
            format!("{} numaralı lisans iki kez belirtilmiş", pair[0]),
        ));
    }
    Ok(())
}

/// Changes each target on its own, in license id order (so two batches lock licenses in one order), and
/// reports each item in the order given. With `key`, item N runs under `KEY/LICENSE_ID`.
pub(super) async fn run<S: Licenses + ?Sized>(
    store: &S,
    tenant: &str,
    targets: &[BatchTarget],
    action: LicenseAction,
    actor: &str,
    key: Option<&str>,
) -> Result<BatchOutcome> {
    validate_batch(targets)?;
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| targets[i].license);
    let mut items: Vec<Option<BatchItem>> = vec![None; targets.len()];
    for i in order {
        let target = targets[i];
        let request = ChangeLicense {
            tenant: tenant.to_owned(),
            license: target.license,
            expected_version: target.expected_version,
            action,
        };
        let item_key = key.map(|key| format!("{key}/{}", target.license));
        let result = store.change_license(request, actor, item_key.as_deref()).await;
        items[i] = Some(match result {
            Ok(reply) => BatchItem {
                license: target.license,
                license_after: Some(reply.value),
                error: None,
                replayed: reply.replayed,
            },
            Err(error) => BatchItem {
                license: target.license,
                license_after: None,
                replayed: matches!(error, Error::Replayed(_)),
                error: Some(error.to_body()),
            },
        });
    }
    Ok(BatchOutcome::new(items.into_iter().flatten().collect()))
}
