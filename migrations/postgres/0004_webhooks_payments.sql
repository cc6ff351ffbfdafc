-- Payments, inbound webhooks (recorded once) and the outbound outbox (delivered at least once).
-- Twin of ../sqlite/0004_webhooks_payments.sql.

-- Senders of inbound webhooks, each with one or more signing secrets (several during a rotation).
CREATE TABLE webhook_sources (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE TABLE webhook_source_secrets (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id  BIGINT NOT NULL REFERENCES webhook_sources (id),
    secret     TEXT NOT NULL,  -- whsec_<base64>
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ     -- set when a newer secret replaces it; NULL while current
);

-- Payments against issued invoices. An invoice's paid_total only grows, never past its total (a CHECK
-- here, and the invoice row locked while a payment is judged); a payment that came as a webhook is
-- unique per sender and webhook-id, for good (even once its event record is purged).
ALTER TABLE invoices ADD COLUMN paid_total NUMERIC NOT NULL DEFAULT 0,
    ADD CONSTRAINT invoices_paid_within_total CHECK (paid_total >= 0 AND paid_total <= total);
CREATE TABLE payments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
    invoice_id  BIGINT NOT NULL REFERENCES invoices (id),
    amount      NUMERIC NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    paid_at     TIMESTAMPTZ NOT NULL,
    reference   TEXT NOT NULL,
    source_id   BIGINT REFERENCES webhook_sources (id),
    webhook_id  TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, source_id, webhook_id)
);
CREATE INDEX payments_by_invoice ON payments (invoice_id, id);
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_append_only();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();

-- Inbound events, deduplicated by (tenant, source, webhook-id) in the transaction of their effect.
CREATE TABLE webhook_inbound (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         BIGINT NOT NULL REFERENCES tenants (id),
    source_id         BIGINT NOT NULL REFERENCES webhook_sources (id),
    webhook_id        TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    sent_at           TIMESTAMPTZ NOT NULL,  -- webhook-timestamp
    received_at       TIMESTAMPTZ NOT NULL,
    headers           TEXT NOT NULL,         -- JSON object of the webhook headers
    body              TEXT NOT NULL,         -- the raw body, as verified
    status            TEXT NOT NULL CHECK (status IN ('applied', 'failed', 'ignored')),
    error_code        TEXT,
    error_message     TEXT,
    payment_id        BIGINT REFERENCES payments (id),
    applications      INTEGER NOT NULL DEFAULT 1,  -- 1 + re-applications
    duplicates        INTEGER NOT NULL DEFAULT 0,  -- later deliveries of the same webhook-id
    last_duplicate_at TIMESTAMPTZ,
    UNIQUE (tenant_id, source_id, webhook_id)
);
CREATE INDEX webhook_inbound_newest ON webhook_inbound (tenant_id, id DESC);

-- Requests refused before anything was applied: what came, and why (bodies only when small).
CREATE TABLE webhook_rejections (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   BIGINT REFERENCES tenants (id),
    tenant_code TEXT NOT NULL,  -- as the path gave it, shortened
    source_name TEXT NOT NULL,
    reason      TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    body_size   BIGINT NOT NULL,
    body        TEXT,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_rejections_newest ON webhook_rejections (tenant_id, id DESC);

-- Receivers of outbound webhooks: the event types they want ('*', 'invoice.issued', 'license.*').
CREATE TABLE webhook_endpoints (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,  -- as given, comma-separated; matched through webhook_endpoint_events
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    disabled_at     TIMESTAMPTZ,
    disabled_reason TEXT,
    UNIQUE (tenant_id, url)
);
CREATE TABLE webhook_endpoint_events (
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    pattern     TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, pattern)
);
CREATE TABLE webhook_endpoint_secrets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ  -- both secrets sign until the older one expires
);

-- The transactional outbox: an event row in the same transaction as the change it tells of, and one
-- message per (event, endpoint), whose webhook-id stays the same across every attempt.
CREATE TABLE outbox_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    uid        TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_events_by_time ON outbox_events (created_at);
CREATE TABLE webhook_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    event_id        BIGINT NOT NULL REFERENCES outbox_events (id),
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    webhook_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    schedule_step   INTEGER NOT NULL DEFAULT 0,  -- retries since the last (re)delivery began
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_token     TEXT,  -- the worker holding it; its result is written only WHERE lease_token matches
    leased_until    TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_newest ON webhook_messages (tenant_id, id DESC);
CREATE TABLE webhook_attempts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    BIGINT NOT NULL REFERENCES webhook_messages (id),
    attempt       INTEGER NOT NULL,
    lease_token   TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    latency_ms    BIGINT NOT NULL,
    http_status   INTEGER,
    error         TEXT,
    response_head TEXT,  -- the response's first bytes
    outcome       TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'disabled', 'lease_lost'))
);
CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, id);
