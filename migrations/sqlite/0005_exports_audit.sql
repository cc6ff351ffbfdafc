-- The audit trail (append-only, hash-chained per tenant) and staged accounting exports (prepared →
-- reviewed → approved → posted, four eyes, field-level edits with reasons).
-- Twin of ../postgres/0005_exports_audit.sql. Timestamps are RFC 3339 UTC text, money exact decimal text.

-- One chain per tenant. Entry n's hash is SHA-256 over "{hash of n-1}\n{n}\n{body}", where body is the
-- entry's canonical JSON (tenant, at, actor, action, subject, reason, before, after); the columns beside
-- it are copies for searching, checked against the body by `audit verify`. Entry 1 follows 64 zeros.
CREATE TABLE audit_trail (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
CREATE INDEX audit_trail_by_subject ON audit_trail (tenant_id, subject, seq);
CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: the audit trail is append-only');
END;
CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: the audit trail is append-only');
END;

-- The head of each tenant's chain: its last seq and hash. Appending takes this row first (the writer
-- lock here, a row lock on Postgres), so two writers never fork the chain. It only moves one step on.
CREATE TABLE audit_heads (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    prev_hash TEXT NOT NULL
);
INSERT INTO audit_heads (tenant_id, seq, hash, prev_hash)
    SELECT id, 0, '0000000000000000000000000000000000000000000000000000000000000000',
           '0000000000000000000000000000000000000000000000000000000000000000' FROM tenants;
CREATE TRIGGER tenants_audit_head AFTER INSERT ON tenants
BEGIN
    INSERT INTO audit_heads (tenant_id, seq, hash, prev_hash)
    VALUES (NEW.id, 0, '0000000000000000000000000000000000000000000000000000000000000000',
            '0000000000000000000000000000000000000000000000000000000000000000');
END;
CREATE TRIGGER audit_heads_one_step BEFORE UPDATE ON audit_heads
WHEN NEW.seq <> OLD.seq + 1 OR NEW.prev_hash <> OLD.hash OR NEW.tenant_id <> OLD.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: the audit head only moves one entry on');
END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: the audit head cannot be deleted');
END;

-- Per-tenant export rules: the quality score needed to submit, how long an approval holds, the gross
-- total above which a second approver is needed, and the receivables account of every journal row.
CREATE TABLE export_settings (
    tenant_id             INTEGER PRIMARY KEY REFERENCES tenants (id),
    quality_threshold     INTEGER NOT NULL CHECK (quality_threshold BETWEEN 0 AND 100),
    approval_hours        INTEGER NOT NULL CHECK (approval_hours BETWEEN 1 AND 8760),
    second_approval_above TEXT,  -- NULL: one approver always
    receivables_account   TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

-- The revenue account and tax code per tax rate (normalized decimal text: '19', '7.5', '0').
CREATE TABLE export_accounts (
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    tax_rate        TEXT NOT NULL,
    revenue_account TEXT NOT NULL,
    tax_code        TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, tax_rate)
);

-- Where posted exports go: a folder, and the file's format.
CREATE TABLE export_destinations (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('csv', 'json', 'datev')),
    folder         TEXT NOT NULL,
    advisor_number INTEGER,  -- DATEV Beraternummer
    client_number  INTEGER,  -- DATEV Mandantennummer
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE exports (
    id                    INTEGER PRIMARY KEY,
    tenant_id             INTEGER NOT NULL REFERENCES tenants (id),
    destination_id        INTEGER NOT NULL REFERENCES export_destinations (id),
    period                TEXT NOT NULL,
    series_id             INTEGER REFERENCES invoice_series (id),
    state                 TEXT NOT NULL CHECK (state IN ('PREPARED', 'UNDER_REVIEW', 'APPROVED', 'REJECTED',
                                                         'POSTED', 'FAILED', 'ROLLBACK_REQUESTED', 'ROLLED_BACK')),
    version               INTEGER NOT NULL,
    review_round          INTEGER NOT NULL,  -- approvals count only in the round they were given in
    revision_of           INTEGER REFERENCES exports (id),
    prepared_by           TEXT NOT NULL,
    prepared_at           TEXT NOT NULL,
    posted_file           TEXT,
    posted_size           INTEGER,
    posted_sha256         TEXT,
    posted_at             TEXT,
    rollback_requested_by TEXT,
    rollback_reason       TEXT,
    reversal_file         TEXT,
    reversal_size         INTEGER,
    reversal_sha256       TEXT,
    rolled_back_at        TEXT,
    error                 TEXT,
    -- Summary of the reviewed copy, rewritten with it in every change (lists read these, not the rows).
    row_count             INTEGER NOT NULL,
    currency              TEXT,
    net_total             TEXT NOT NULL,
    tax_total             TEXT NOT NULL,
    gross_total           TEXT NOT NULL,
    snapshot_hash         TEXT NOT NULL,
    quality               TEXT NOT NULL,  -- the last quality check, JSON
    updated_by            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX exports_newest ON exports (tenant_id, id DESC);
CREATE UNIQUE INDEX exports_one_revision ON exports (revision_of) WHERE revision_of IS NOT NULL;

-- Only the workflow's own steps; anything else is refused by the database itself.
CREATE TRIGGER exports_legal_transitions BEFORE UPDATE OF state ON exports
WHEN NEW.state <> OLD.state AND (OLD.state || '>' || NEW.state) NOT IN (
    'PREPARED>UNDER_REVIEW', 'UNDER_REVIEW>APPROVED', 'UNDER_REVIEW>REJECTED', 'APPROVED>UNDER_REVIEW',
    'APPROVED>POSTED', 'APPROVED>FAILED', 'APPROVED>REJECTED', 'FAILED>POSTED', 'FAILED>UNDER_REVIEW',
        'FAILED>REJECTED', 'POSTED>ROLLBACK_REQUESTED',
    'ROLLBACK_REQUESTED>POSTED', 'ROLLBACK_REQUESTED>ROLLED_BACK')
BEGIN
    SELECT RAISE(ABORT, 'export_transition_invalid: this step is not part of the export workflow');
END;
CREATE TRIGGER exports_fixed_origin BEFORE UPDATE OF tenant_id, destination_id, period, series_id, prepared_by,
                                                     prepared_at, revision_of ON exports
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: who prepared an export, and of what, is kept as written');
END;
CREATE TRIGGER exports_no_delete BEFORE DELETE ON exports
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an export is kept');
END;

-- The journal rows of each snapshot: 'prepared' as prepared, 'approved' the reviewed copy (edited until
-- posting), 'posted' what was written. Rows are matched by row_id ("{invoice}/{tax rate}"), never by
-- position; data is the row's canonical JSON.
CREATE TABLE export_rows (
    export_id INTEGER NOT NULL REFERENCES exports (id),
    snapshot  TEXT NOT NULL CHECK (snapshot IN ('prepared', 'approved', 'posted')),
    row_id    TEXT NOT NULL,
    position  INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (export_id, snapshot, row_id)
) WITHOUT ROWID;
CREATE TRIGGER export_rows_frozen BEFORE UPDATE ON export_rows
WHEN OLD.snapshot <> 'approved' OR NEW.snapshot <> OLD.snapshot OR NEW.row_id <> OLD.row_id
  OR (SELECT state FROM exports WHERE id = OLD.export_id) NOT IN ('PREPARED', 'UNDER_REVIEW', 'APPROVED', 'FAILED')
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: only the reviewed copy of an export not yet posted can be edited');
END;
CREATE TRIGGER export_rows_no_delete BEFORE DELETE ON export_rows
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: journal rows are kept');
END;

-- Every field edit, with its reason: the diff's who, when and why, and who may no longer approve.
CREATE TABLE export_edits (
    id        INTEGER PRIMARY KEY,
    export_id INTEGER NOT NULL REFERENCES exports (id),
    row_id    TEXT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    reason    TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX export_edits_by_export ON export_edits (export_id, id);
CREATE TRIGGER export_edits_no_update BEFORE UPDATE ON export_edits
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an edit is kept as made');
END;
CREATE TRIGGER export_edits_no_delete BEFORE DELETE ON export_edits
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an edit is kept as made');
END;

-- Approvals, each bound to the hash of the exact snapshot approved, for one review round, lapsing at
-- lapses_at. Four eyes, held here whatever the caller: the approver of an export neither prepared nor
-- edited it, a rollback's approver did not request it, and no one approves twice in one round.
CREATE TABLE export_approvals (
    id            INTEGER PRIMARY KEY,
    export_id     INTEGER NOT NULL REFERENCES exports (id),
    kind          TEXT NOT NULL CHECK (kind IN ('export', 'rollback')),
    round         INTEGER NOT NULL,
    level         INTEGER NOT NULL CHECK (level IN (1, 2)),
    approver      TEXT NOT NULL,
    snapshot_hash TEXT NOT NULL,
    acknowledged  INTEGER NOT NULL,  -- the approver acknowledged the warnings that ask for it
    approved_at   TEXT NOT NULL,
    lapses_at     TEXT NOT NULL,
    UNIQUE (export_id, kind, round, level),
    UNIQUE (export_id, kind, round, approver)
);
CREATE TRIGGER export_approvals_four_eyes BEFORE INSERT ON export_approvals
WHEN (NEW.kind = 'export' AND (NEW.approver = (SELECT prepared_by FROM exports WHERE id = NEW.export_id)
                               OR EXISTS (SELECT 1 FROM export_edits
                                           WHERE export_id = NEW.export_id AND actor = NEW.approver)))
  OR (NEW.kind = 'rollback' AND NEW.approver = (SELECT rollback_requested_by FROM exports WHERE id = NEW.export_id))
BEGIN
    SELECT RAISE(ABORT, 'four_eyes_violation: the approver prepared, edited or asked for this');
END;
CREATE TRIGGER export_approvals_no_update BEFORE UPDATE ON export_approvals
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an approval is kept as given');
END;
CREATE TRIGGER export_approvals_no_delete BEFORE DELETE ON export_approvals
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an approval is kept as given');
END;
