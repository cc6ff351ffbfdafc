-- Dates within reason and series that cannot collide. Twin of ../postgres/0003_books_and_series.sql.
--
-- A tenant's books open on a date: no invoice or reservation may be dated earlier, and none later than
-- today (in the tenant's time zone) plus an allowance of days. Changes to either are recorded.
ALTER TABLE tenants ADD COLUMN books_open_from TEXT NOT NULL DEFAULT '0001-01-01';
ALTER TABLE tenants ADD COLUMN future_days_allowed INTEGER NOT NULL DEFAULT 0
    CHECK (future_days_allowed BETWEEN 0 AND 366);

-- Tenants that exist already open on 1 January of the year of their earliest record, so nothing they
-- hold falls before their books.
UPDATE tenants SET books_open_from = (
    SELECT min(year) || '-01-01' FROM (
        SELECT substr(tenants.created_at, 1, 4) AS year
        UNION ALL SELECT substr(min(issue_date), 1, 4) FROM invoices WHERE tenant_id = tenants.id
        UNION ALL SELECT substr(min(reserved_on), 1, 4) FROM number_reservations WHERE tenant_id = tenants.id
    ) WHERE year IS NOT NULL
);

CREATE TABLE tenant_changes (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    field      TEXT NOT NULL,  -- books_open_from, future_days_allowed
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE TRIGGER tenant_changes_no_update BEFORE UPDATE ON tenant_changes
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a recorded change cannot be changed');
END;
CREATE TRIGGER tenant_changes_no_delete BEFORE DELETE ON tenant_changes
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a recorded change cannot be deleted');
END;

-- A retired series issues and reserves no more numbers; its numbers still count in collision checks.
ALTER TABLE invoice_series ADD COLUMN retired_at TEXT;
ALTER TABLE invoice_series ADD COLUMN retired_by TEXT;

-- Every template a series has used, from the first issue date it applies to. invoice_series.format is
-- the newest of them; a number is printed with the one valid on its issue date. A change takes effect
-- from the next period on, so no period is printed with two templates.
CREATE TABLE series_formats (
    series_id  INTEGER NOT NULL REFERENCES invoice_series (id),
    valid_from TEXT NOT NULL,  -- '0001-01-01' for the series' first template
    format     TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    set_at     TEXT NOT NULL,
    PRIMARY KEY (series_id, valid_from)
) WITHOUT ROWID;
INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at)
    SELECT id, '0001-01-01', format, 'migration 3', created_at FROM invoice_series;
CREATE TRIGGER series_formats_no_update BEFORE UPDATE ON series_formats
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a series template in use cannot be changed');
END;
CREATE TRIGGER series_formats_no_delete BEFORE DELETE ON series_formats
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a series template in use cannot be deleted');
END;
