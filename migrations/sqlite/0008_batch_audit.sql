-- Batch issuing. Postgres gets a server-side function here that appends a batch's audit entries in
-- one call; SQLite appends them in-process, one statement each, with no round trips to save, so its
-- schema does not change. The migration exists on both databases so their version numbers stay one list.
SELECT 1;
