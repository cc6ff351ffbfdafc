-- Tenants, customers, invoice series, the simulated invoice_sequences counter, invoices and their lines,
-- number reservations and the voided-numbers register. Twin of ../postgres/0001_numbering.sql.
-- Timestamps are RFC 3339 UTC text; dates are YYYY-MM-DD text; money and quantities are exact decimal text.

CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,  -- the {SUFFIX} of invoice numbers, e.g. ACME
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,         -- IANA name; "today" for an issue date is taken here
    created_at TEXT NOT NULL
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    tax_id     TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (id, tenant_id)
);

CREATE TABLE invoice_series (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    code            TEXT NOT NULL,
    format          TEXT NOT NULL,  -- e.g. {YYYY}{MM}-{SEQ:5}-{SUFFIX}
    reset_policy    TEXT NOT NULL CHECK (reset_policy IN ('monthly', 'yearly', 'never')),
    last_issue_date TEXT,           -- numbers follow dates: no issue may be dated before this
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (id, tenant_id)
);

-- One counter row per (tenant, series, period). No SEQUENCE on either database: sequences are not
-- transactional and leave holes on rollback.
CREATE TABLE invoice_sequences (
    tenant_id  INTEGER NOT NULL,
    series_id  INTEGER NOT NULL,
    period     TEXT NOT NULL,
    next_value INTEGER NOT NULL CHECK (next_value >= 1),
    PRIMARY KEY (tenant_id, series_id, period),
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

CREATE TABLE number_reservations (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    series_id   INTEGER NOT NULL,
    period      TEXT NOT NULL,
    reserved_on TEXT NOT NULL,  -- the date its numbers are rendered with
    first_seq   INTEGER NOT NULL CHECK (first_seq >= 1),
    last_seq    INTEGER NOT NULL CHECK (last_seq >= first_seq),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    released_at TEXT,
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

CREATE TABLE invoices (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL,
    series_id      INTEGER NOT NULL,
    period         TEXT NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    number         TEXT NOT NULL,
    customer_id    INTEGER,
    issue_date     TEXT NOT NULL,
    currency       TEXT NOT NULL,
    net_total      TEXT NOT NULL,
    tax_total      TEXT NOT NULL,
    total          TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued')),
    reservation_id INTEGER REFERENCES number_reservations (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id),
    FOREIGN KEY (customer_id, tenant_id) REFERENCES customers (id, tenant_id),
    -- The last line of defence: whatever the code does, a number exists once.
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, series_id, period, seq)
);
CREATE INDEX invoices_newest ON invoices (tenant_id, id DESC);
CREATE INDEX invoices_by_series_period ON invoices (tenant_id, series_id, period, id DESC);
CREATE INDEX invoices_by_customer ON invoices (tenant_id, customer_id, id DESC);

CREATE TABLE invoice_lines (
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    line_no     INTEGER NOT NULL CHECK (line_no >= 1),
    description TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    unit_price  TEXT NOT NULL,
    tax_rate    TEXT NOT NULL,
    net_amount  TEXT NOT NULL,
    tax_amount  TEXT NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
) WITHOUT ROWID;

-- Numbers taken from the counter that will never carry an invoice (an unused reservation), kept so that
-- the series stays continuous for an auditor: every position is either issued or voided.
CREATE TABLE voided_numbers (
    tenant_id      INTEGER NOT NULL,
    series_id      INTEGER NOT NULL,
    period         TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    number         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    reservation_id INTEGER REFERENCES number_reservations (id),
    voided_by      TEXT NOT NULL,
    voided_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, series_id, period, seq),
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

-- Issued invoices, their lines and voided numbers are permanent records.
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: an issued invoice cannot be deleted');
END;
CREATE TRIGGER invoices_no_rewrite
BEFORE UPDATE OF tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                 net_total, tax_total, total, reservation_id, created_by, created_at ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: an issued invoice cannot be changed');
END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: the lines of an issued invoice cannot be deleted');
END;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: the lines of an issued invoice cannot be changed');
END;
CREATE TRIGGER voided_numbers_no_delete BEFORE DELETE ON voided_numbers
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: a voided number cannot be deleted');
END;
