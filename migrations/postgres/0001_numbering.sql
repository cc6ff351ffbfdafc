-- Tenants, customers, invoice series, the simulated invoice_sequences counter, invoices and their lines,
-- number reservations and the voided-numbers register. Twin of ../sqlite/0001_numbering.sql.

CREATE TABLE tenants (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,  -- the {SUFFIX} of invoice numbers, e.g. ACME
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,         -- IANA name; "today" for an issue date is taken here
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    tax_id     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (id, tenant_id)
);

CREATE TABLE invoice_series (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    code            TEXT NOT NULL,
    format          TEXT NOT NULL,  -- e.g. {YYYY}{MM}-{SEQ:5}-{SUFFIX}
    reset_policy    TEXT NOT NULL CHECK (reset_policy IN ('monthly', 'yearly', 'never')),
    last_issue_date DATE,           -- numbers follow dates: no issue may be dated before this
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (id, tenant_id)
);

-- One counter row per (tenant, series, period). No SEQUENCE: sequences are not transactional and leave
-- holes on rollback.
CREATE TABLE invoice_sequences (
    tenant_id  BIGINT NOT NULL,
    series_id  BIGINT NOT NULL,
    period     TEXT NOT NULL,
    next_value BIGINT NOT NULL CHECK (next_value >= 1),
    PRIMARY KEY (tenant_id, series_id, period),
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

CREATE TABLE number_reservations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    series_id   BIGINT NOT NULL,
    period      TEXT NOT NULL,
    reserved_on DATE NOT NULL,  -- the date its numbers are rendered with
    first_seq   BIGINT NOT NULL CHECK (first_seq >= 1),
    last_seq    BIGINT NOT NULL CHECK (last_seq >= first_seq),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ,
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

CREATE TABLE invoices (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    series_id      BIGINT NOT NULL,
    period         TEXT NOT NULL,
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    number         TEXT NOT NULL,
    customer_id    BIGINT,
    issue_date     DATE NOT NULL,
    currency       TEXT NOT NULL,
    net_total      NUMERIC NOT NULL,
    tax_total      NUMERIC NOT NULL,
    total          NUMERIC NOT NULL,
    status         TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued')),
    reservation_id BIGINT REFERENCES number_reservations (id),
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
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
    invoice_id  BIGINT NOT NULL REFERENCES invoices (id),
    line_no     INTEGER NOT NULL CHECK (line_no >= 1),
    description TEXT NOT NULL,
    quantity    NUMERIC NOT NULL,
    unit_price  NUMERIC NOT NULL,
    tax_rate    NUMERIC NOT NULL,
    net_amount  NUMERIC NOT NULL,
    tax_amount  NUMERIC NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);

-- Numbers taken from the counter that will never carry an invoice (an unused reservation), kept so that
-- the series stays continuous for an auditor: every position is either issued or voided.
CREATE TABLE voided_numbers (
    tenant_id      BIGINT NOT NULL,
    series_id      BIGINT NOT NULL,
    period         TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    number         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    reservation_id BIGINT REFERENCES number_reservations (id),
    voided_by      TEXT NOT NULL,
    voided_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, series_id, period, seq),
    FOREIGN KEY (series_id, tenant_id) REFERENCES invoice_series (id, tenant_id)
);

-- Issued invoices, their lines and voided numbers are permanent records.
CREATE FUNCTION ledgerdesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice_immutable: % on % is refused; issued records are permanent', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
CREATE TRIGGER invoices_no_rewrite
    BEFORE UPDATE OF tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                     net_total, tax_total, total, reservation_id, created_by, created_at ON invoices
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
CREATE TRIGGER invoice_lines_no_change BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
CREATE TRIGGER voided_numbers_no_delete BEFORE DELETE ON voided_numbers
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
-- TRUNCATE skips row triggers; refuse it too.
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_refuse_change();
CREATE TRIGGER invoice_lines_no_truncate BEFORE TRUNCATE ON invoice_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_refuse_change();
