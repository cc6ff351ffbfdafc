-- The audit trail (append-only, hash-chained per tenant) and staged accounting exports (prepared →
-- reviewed → approved → posted, four eyes, field-level edits with reasons).
-- Twin of ../sqlite/0005_exports_audit.sql.

-- One chain per tenant. Entry n's hash is SHA-256 over "{hash of n-1}\n{n}\n{body}", where body is the
-- entry's canonical JSON (tenant, at, actor, action, subject, reason, before, after), kept as TEXT (jsonb
-- would rewrite it); the columns beside it are copies for searching, checked against the body by
-- `audit verify`. Entry 1 follows 64 zeros.
CREATE TABLE audit_trail (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    seq       BIGINT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_trail_by_subject ON audit_trail (tenant_id, subject, seq);
CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- The head of each tenant's chain: its last seq and hash, and the one before (so that one UPDATE …
-- RETURNING gives both). Appending updates this row first thing, which locks it: two writers never fork
-- the chain. It only moves one step on.
CREATE TABLE audit_heads (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    prev_hash TEXT NOT NULL
);
INSERT INTO audit_heads (tenant_id, seq, hash, prev_hash)
    SELECT id, 0, repeat('0', 64), repeat('0', 64) FROM tenants;
CREATE FUNCTION ledgerdesk_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_heads (tenant_id, seq, hash, prev_hash) VALUES (NEW.id, 0, repeat('0', 64), repeat('0', 64));
    RETURN NEW;
END;
$$;
CREATE TRIGGER tenants_audit_head AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION ledgerdesk_audit_head();
CREATE FUNCTION ledgerdesk_audit_head_one_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <> OLD.seq + 1 OR NEW.prev_hash <> OLD.hash OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'record_immutable: the audit head only moves one entry on'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_heads_one_step BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_audit_head_one_step();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- Per-tenant export rules: the quality score needed to submit, how long an approval holds, the gross
-- total above which a second approver is needed, and the receivables account of every journal row.
CREATE TABLE export_settings (
    tenant_id             BIGINT PRIMARY KEY REFERENCES tenants (id),
    quality_threshold     INTEGER NOT NULL CHECK (quality_threshold BETWEEN 0 AND 100),
    approval_hours        INTEGER NOT NULL CHECK (approval_hours BETWEEN 1 AND 8760),
    second_approval_above NUMERIC,  -- NULL: one approver always
    receivables_account   TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

-- The revenue account and tax code per tax rate (normalized decimal text: '19', '7.5', '0').
CREATE TABLE export_accounts (
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    tax_rate        TEXT NOT NULL,
    revenue_account TEXT NOT NULL,
    tax_code        TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, tax_rate)
);

-- Where posted exports go: a folder, and the file's format.
CREATE TABLE export_destinations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('csv', 'json', 'datev')),
    folder         TEXT NOT NULL,
    advisor_number BIGINT,  -- DATEV Beraternummer
    client_number  BIGINT,  -- DATEV Mandantennummer
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE exports (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id             BIGINT NOT NULL REFERENCES tenants (id),
    destination_id        BIGINT NOT NULL REFERENCES export_destinations (id),
    period                TEXT NOT NULL,
    series_id             BIGINT REFERENCES invoice_series (id),
    state                 TEXT NOT NULL CHECK (state IN ('PREPARED', 'UNDER_REVIEW', 'APPROVED', 'REJECTED',
                                                         'POSTED', 'FAILED', 'ROLLBACK_REQUESTED', 'ROLLED_BACK')),
    version               BIGINT NOT NULL,
    review_round          BIGINT NOT NULL,  -- approvals count only in the round they were given in
    revision_of           BIGINT REFERENCES exports (id),
    prepared_by           TEXT NOT NULL,
    prepared_at           TIMESTAMPTZ NOT NULL,
    posted_file           TEXT,
    posted_size           BIGINT,
    posted_sha256         TEXT,
    posted_at             TIMESTAMPTZ,
    rollback_requested_by TEXT,
    rollback_reason       TEXT,
    reversal_file         TEXT,
    reversal_size         BIGINT,
    reversal_sha256       TEXT,
    rolled_back_at        TIMESTAMPTZ,
    error                 TEXT,
    -- Summary of the reviewed copy, rewritten with it in every change (lists read these, not the rows).
    row_count             BIGINT NOT NULL,
    currency              TEXT,
    net_total             NUMERIC NOT NULL,
    tax_total             NUMERIC NOT NULL,
    gross_total           NUMERIC NOT NULL,
    snapshot_hash         TEXT NOT NULL,
    quality               TEXT NOT NULL,  -- the last quality check, JSON
    updated_by            TEXT NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX exports_newest ON exports (tenant_id, id DESC);
CREATE UNIQUE INDEX exports_one_revision ON exports (revision_of) WHERE revision_of IS NOT NULL;

-- Only the workflow's own steps; anything else is refused by the database itself.
CREATE FUNCTION ledgerdesk_export_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> OLD.state AND (OLD.state || '>' || NEW.state) NOT IN (
        'PREPARED>UNDER_REVIEW', 'UNDER_REVIEW>APPROVED', 'UNDER_REVIEW>REJECTED', 'APPROVED>UNDER_REVIEW',
        'APPROVED>POSTED', 'APPROVED>FAILED', 'APPROVED>REJECTED', 'FAILED>POSTED', 'FAILED>UNDER_REVIEW',
        'FAILED>REJECTED', 'POSTED>ROLLBACK_REQUESTED',
        'ROLLBACK_REQUESTED>POSTED', 'ROLLBACK_REQUESTED>ROLLED_BACK') THEN
        RAISE EXCEPTION 'export_transition_invalid: % to % is not part of the export workflow', OLD.state, NEW.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.tenant_id, NEW.destination_id, NEW.period, NEW.prepared_by, NEW.prepared_at)
           IS DISTINCT FROM (OLD.tenant_id, OLD.destination_id, OLD.period, OLD.prepared_by, OLD.prepared_at)
       OR NEW.series_id IS DISTINCT FROM OLD.series_id OR NEW.revision_of IS DISTINCT FROM OLD.revision_of THEN
        RAISE EXCEPTION 'record_immutable: who prepared an export, and of what, is kept as written'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER exports_legal_transitions BEFORE UPDATE ON exports
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_export_transition();
CREATE TRIGGER exports_no_delete BEFORE DELETE ON exports FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER exports_no_truncate BEFORE TRUNCATE ON exports
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- The journal rows of each snapshot: 'prepared' as prepared, 'approved' the reviewed copy (edited until
-- posting), 'posted' what was written. Rows are matched by row_id ("{invoice}/{tax rate}"), never by
-- position; data is the row's canonical JSON.
CREATE TABLE export_rows (
    export_id BIGINT NOT NULL REFERENCES exports (id),
    snapshot  TEXT NOT NULL CHECK (snapshot IN ('prepared', 'approved', 'posted')),
    row_id    TEXT NOT NULL,
    position  INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (export_id, snapshot, row_id)
);
CREATE FUNCTION ledgerdesk_export_rows_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.snapshot <> 'approved' OR NEW.snapshot <> OLD.snapshot OR NEW.row_id <> OLD.row_id
       OR (SELECT state FROM exports WHERE id = OLD.export_id) NOT IN ('PREPARED', 'UNDER_REVIEW', 'APPROVED', 'FAILED')
    THEN
        RAISE EXCEPTION 'record_immutable: only the reviewed copy of an export not yet posted can be edited'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER export_rows_frozen BEFORE UPDATE OR DELETE ON export_rows
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_export_rows_frozen();
CREATE TRIGGER export_rows_no_truncate BEFORE TRUNCATE ON export_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- Every field edit, with its reason: the diff's who, when and why, and who may no longer approve.
CREATE TABLE export_edits (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    export_id BIGINT NOT NULL REFERENCES exports (id),
    row_id    TEXT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    reason    TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    actor     TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX export_edits_by_export ON export_edits (export_id, id);
CREATE TRIGGER export_edits_append_only BEFORE UPDATE OR DELETE ON export_edits
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER export_edits_no_truncate BEFORE TRUNCATE ON export_edits
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- Approvals, each bound to the hash of the exact snapshot approved, for one review round, lapsing at
-- lapses_at. Four eyes, held here whatever the caller: the approver of an export neither prepared nor
-- edited it, a rollback's approver did not request it, and no one approves twice in one round.
CREATE TABLE export_approvals (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    export_id     BIGINT NOT NULL REFERENCES exports (id),
    kind          TEXT NOT NULL CHECK (kind IN ('export', 'rollback')),
    round         BIGINT NOT NULL,
    level         INTEGER NOT NULL CHECK (level IN (1, 2)),
    approver      TEXT NOT NULL,
    snapshot_hash TEXT NOT NULL,
    acknowledged  BOOLEAN NOT NULL,  -- the approver acknowledged the warnings that ask for it
    approved_at   TIMESTAMPTZ NOT NULL,
    lapses_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (export_id, kind, round, level),
    UNIQUE (export_id, kind, round, approver)
);
CREATE FUNCTION ledgerdesk_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.kind = 'export' AND (NEW.approver = (SELECT prepared_by FROM exports WHERE id = NEW.export_id)
                                 OR EXISTS (SELECT 1 FROM export_edits
                                             WHERE export_id = NEW.export_id AND actor = NEW.approver)))
       OR (NEW.kind = 'rollback'
           AND NEW.approver = (SELECT rollback_requested_by FROM exports WHERE id = NEW.export_id)) THEN
        RAISE EXCEPTION 'four_eyes_violation: the approver prepared, edited or asked for this'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER export_approvals_four_eyes BEFORE INSERT ON export_approvals
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_four_eyes();
CREATE TRIGGER export_approvals_append_only BEFORE UPDATE OR DELETE ON export_approvals
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER export_approvals_no_truncate BEFORE TRUNCATE ON export_approvals
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();
