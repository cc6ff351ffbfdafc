//! Reading issued invoices back: one by number, or a page of the list, newest first, with keyset paging
//! (`before_id`) so that a late page costs what the first one costs.

pub mod postgres;
pub mod sqlite;
