-- Payments, inbound webhooks (recorded once) and the outbound outbox (delivered at least once).
-- Twin of ../postgres/0004_webhooks_payments.sql. Timestamps are RFC 3339 UTC text, money exact decimal
-- text, as in 0001.

-- Senders of inbound webhooks, each with one or more signing secrets (several during a rotation).
CREATE TABLE webhook_sources (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE TABLE webhook_source_secrets (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES webhook_sources (id),
    secret     TEXT NOT NULL,  -- whsec_<base64>
    created_at TEXT NOT NULL,
    expires_at TEXT            -- set when a newer secret replaces it; NULL while current
);

-- Payments against issued invoices. An invoice's paid_total only grows, never past its total, checked
-- under the writer lock; a payment that came as a webhook is unique per sender and webhook-id, for good
-- (even once its event record is purged).
ALTER TABLE invoices ADD COLUMN paid_total TEXT NOT NULL DEFAULT '0';
CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    amount      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    paid_at     TEXT NOT NULL,
    reference   TEXT NOT NULL,
    source_id   INTEGER REFERENCES webhook_sources (id),
    webhook_id  TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (tenant_id, source_id, webhook_id)
);
CREATE INDEX payments_by_invoice ON payments (invoice_id, id);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a recorded payment cannot be changed');
END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: a recorded payment cannot be deleted');
END;

-- Inbound events, deduplicated by (tenant, source, webhook-id) in the transaction of their effect.
CREATE TABLE webhook_inbound (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
    source_id         INTEGER NOT NULL REFERENCES webhook_sources (id),
    webhook_id        TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    sent_at           TEXT NOT NULL,  -- webhook-timestamp
    received_at       TEXT NOT NULL,
    headers           TEXT NOT NULL,  -- JSON object of the webhook headers
    body              TEXT NOT NULL,  -- the raw body, as verified
    status            TEXT NOT NULL CHECK (status IN ('applied', 'failed', 'ignored')),
    error_code        TEXT,
    error_message     TEXT,
    payment_id        INTEGER REFERENCES payments (id),
    applications      INTEGER NOT NULL DEFAULT 1,  -- 1 + re-applications
    duplicates        INTEGER NOT NULL DEFAULT 0,  -- later deliveries of the same webhook-id
    last_duplicate_at TEXT,
    UNIQUE (tenant_id, source_id, webhook_id)
);
CREATE INDEX webhook_inbound_newest ON webhook_inbound (tenant_id, id DESC);

-- Requests refused before anything was applied: what came, and why (bodies only when small).
CREATE TABLE webhook_rejections (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER REFERENCES tenants (id),
    tenant_code TEXT NOT NULL,  -- as the path gave it, shortened
    source_name TEXT NOT NULL,
    reason      TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    body_size   INTEGER NOT NULL,
    body        TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX webhook_rejections_newest ON webhook_rejections (tenant_id, id DESC);

-- Receivers of outbound webhooks: the event types they want ('*', 'invoice.issued', 'license.*').
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,  -- as given, comma-separated; matched through webhook_endpoint_events
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    disabled_at     TEXT,
    disabled_reason TEXT,
    UNIQUE (tenant_id, url)
);
CREATE TABLE webhook_endpoint_events (
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    pattern     TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, pattern)
) WITHOUT ROWID;
CREATE TABLE webhook_endpoint_secrets (
    id          INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT  -- both secrets sign until the older one expires
);

-- The transactional outbox: an event row in the same transaction as the change it tells of, and one
-- message per (event, endpoint), whose webhook-id stays the same across every attempt.
CREATE TABLE outbox_events (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    uid        TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_events_by_time ON outbox_events (created_at);
CREATE TABLE webhook_messages (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    event_id        INTEGER NOT NULL REFERENCES outbox_events (id),
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    webhook_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    schedule_step   INTEGER NOT NULL DEFAULT 0,  -- retries since the last (re)delivery began
    next_attempt_at TEXT NOT NULL,
    lease_token     TEXT,  -- the worker holding it; its result is written only WHERE lease_token matches
    leased_until    TEXT,
    delivered_at    TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_newest ON webhook_messages (tenant_id, id DESC);
CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES webhook_messages (id),
    attempt       INTEGER NOT NULL,
    lease_token   TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    latency_ms    INTEGER NOT NULL,
    http_status   INTEGER,
    error         TEXT,
    response_head TEXT,  -- the response's first bytes
    outcome       TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'disabled', 'lease_lost'))
);
CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, id);
