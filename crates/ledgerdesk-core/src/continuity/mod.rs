//! The continuity audit: for each (series, period) of a tenant, every position below the counter must
//! be issued, voided or still reserved, and none issued twice.
//!
//! The twins only read raw facts (counters, issued positions, voided positions, open reservations);
//! the judgement is made once, here.

pub mod postgres;
pub mod sqlite;

use std::collections::BTreeMap;
use std::future::Future;

use ledgerdesk_types::NumberingAudit;

use crate::db::forward_to_any_store;
use crate::error::Result;

/// The continuity audit, on any database.
pub trait Continuity: Send + Sync {
    /// Continuity of every (series, period) of a tenant.
    fn audit_numbering(&self, tenant: &str) -> impl Future<Output = Result<Vec<NumberingAudit>>> + Send;
}

forward_to_any_store! {
    impl Continuity {
        async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>>;
    }
}

/// Raw facts about one tenant's numbering, as read from either database.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// (series, period, next_value)
    pub counters: Vec<(String, String, i64)>,
    /// (series, period, seq), one row per issued invoice
    pub issued: Vec<(String, String, i64)>,
    /// (series, period, seq)
    pub voided: Vec<(String, String, i64)>,
    /// (series, period, first_seq, last_seq) of reservations not released
    pub open_reservations: Vec<(String, String, i64, i64)>,
}

#[derive(Default)]
struct Period {
    next_value: i64,
    issued: Vec<i64>,
    voided: Vec<i64>,
    reserved: Vec<i64>,
}

/// Judges the facts: one report per (series, period), sorted.
pub(crate) fn judge(tenant: &str, facts: Facts) -> Vec<NumberingAudit> {
    let mut periods: BTreeMap<(String, String), Period> = BTreeMap::new();
    for (series, period, next_value) in facts.counters {
        periods.entry((series, period)).or_default().next_value = next_value;
    }
    for (series, period, seq) in facts.issued {
        periods.entry((series, period)).or_default().issued.push(seq);
    }
    for (series, period, seq) in facts.voided {
        periods.entry((series, period)).or_default().voided.push(seq);
    }
    for (series, period, first, last) in facts.open_reservations {
        periods.entry((series, period)).or_default().reserved.extend(first..=last);
    }
    periods
        .into_iter()
        .map(|((series, period), mut p)| {
            p.issued.sort_unstable();
            p.voided.sort_unstable();
            let duplicates: Vec<i64> = {
                let mut d: Vec<i64> = p.issued.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
                d.dedup();
                d
            };
            p.issued.dedup();
            p.reserved.retain(|s| p.issued.binary_search(s).is_err());
            p.reserved.sort_unstable();
            let accounted = |s: &i64| {
                p.issued.binary_search(s).is_ok()
                    || p.voided.binary_search(s).is_ok()
                    || p.reserved.binary_search(s).is_ok()
            };
            let top = p.issued.last().into_iter().chain(p.voided.last()).copied().max().unwrap_or(0);
            // Positions the counter handed out, or any below one that was used: all must be accounted for.
            let upper = top.max(p.next_value - 1);
            let gaps = (1..=upper).filter(|s| !accounted(s)).collect();
            let first = p.issued.first().into_iter().chain(p.voided.first()).copied().min();
            NumberingAudit {
                tenant: tenant.to_owned(),
                series,
                period,
                count: p.issued.len() as i64 + duplicates.len() as i64,
                first,
                last: (top > 0).then_some(top),
                gaps,
                duplicates,
                voided: p.voided,
                reserved: p.reserved,
                next_value: p.next_value,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(series: &str, period: &str, seq: i64) -> (String, String, i64) {
        (series.into(), period.into(), seq)
    }

    #[test]
    fn clean_period_with_voids_and_reservations() {
        let facts = Facts {
            counters: vec![s("INV", "202611", 7)],
            issued: vec![s("INV", "202611", 1), s("INV", "202611", 2), s("INV", "202611", 5)],
            voided: vec![s("INV", "202611", 3)],
            open_reservations: vec![("INV".into(), "202611".into(), 4, 6)],
        };
        let report = judge("ACME", facts);
        assert_eq!(report.len(), 1);
        let r = &report[0];
        assert!(r.is_clean(), "{r:?}");
        assert_eq!((r.count, r.first, r.last), (3, Some(1), Some(5)));
        assert_eq!(r.voided, vec![3]);
        assert_eq!(r.reserved, vec![4, 6]);
    }

    #[test]
    fn finds_gaps_and_duplicates() {
        let facts = Facts {
            counters: vec![s("INV", "2026", 6)],
            issued: vec![s("INV", "2026", 1), s("INV", "2026", 2), s("INV", "2026", 2), s("INV", "2026", 4)],
            ..Facts::default()
        };
        let r = &judge("ACME", facts)[0];
        assert_eq!(r.gaps, vec![3, 5]);
        assert_eq!(r.duplicates, vec![2]);
        assert_eq!(r.count, 4);
        assert!(!r.is_clean());
    }
}
