-- Dates within reason and series that cannot collide. Twin of ../sqlite/0003_books_and_series.sql.
--
-- A tenant's books open on a date: no invoice or reservation may be dated earlier, and none later than
-- today (in the tenant's time zone) plus an allowance of days. Changes to either are recorded.
ALTER TABLE tenants ADD COLUMN books_open_from DATE NOT NULL DEFAULT DATE '0001-01-01';
ALTER TABLE tenants ADD COLUMN future_days_allowed INTEGER NOT NULL DEFAULT 0
    CHECK (future_days_allowed BETWEEN 0 AND 366);

-- Tenants that exist already open on 1 January of the year of their earliest record, so nothing they
-- hold falls before their books.
UPDATE tenants t SET books_open_from = make_date(LEAST(
    extract(year FROM t.created_at)::int,
    (SELECT extract(year FROM min(issue_date))::int FROM invoices WHERE tenant_id = t.id),
    (SELECT extract(year FROM min(reserved_on))::int FROM number_reservations WHERE tenant_id = t.id)
), 1, 1);

CREATE TABLE tenant_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    field      TEXT NOT NULL,  -- books_open_from, future_days_allowed
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

-- Records that are written once and kept as they are.
CREATE FUNCTION ledgerdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'record_immutable: % on % is refused; this record is kept as written', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER tenant_changes_append_only BEFORE UPDATE OR DELETE ON tenant_changes
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER tenant_changes_no_truncate BEFORE TRUNCATE ON tenant_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- A retired series issues and reserves no more numbers; its numbers still count in collision checks.
ALTER TABLE invoice_series ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE invoice_series ADD COLUMN retired_by TEXT;

-- Every template a series has used, from the first issue date it applies to. invoice_series.format is
-- the newest of them; a number is printed with the one valid on its issue date. A change takes effect
-- from the next period on, so no period is printed with two templates.
CREATE TABLE series_formats (
    series_id  BIGINT NOT NULL REFERENCES invoice_series (id),
    valid_from DATE NOT NULL,  -- 0001-01-01 for the series' first template
    format     TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    set_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (series_id, valid_from)
);
INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at)
    SELECT id, DATE '0001-01-01', format, 'migration 3', created_at FROM invoice_series;
CREATE TRIGGER series_formats_append_only BEFORE UPDATE OR DELETE ON series_formats
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER series_formats_no_truncate BEFORE TRUNCATE ON series_formats
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();
