-- Licenses (at most one ACTIVE per tenant and holder) and idempotency keys.
-- Twin of ../sqlite/0002_licenses_idempotency.sql.

CREATE TABLE licenses (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    holder     TEXT NOT NULL,
    product    TEXT NOT NULL,
    plan       TEXT NOT NULL,
    seats      INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 100000),
    starts_at  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'REVOKED', 'EXPIRED')),
    version    BIGINT NOT NULL CHECK (version >= 1),  -- every change names the version it saw
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > starts_at)
);

-- The guard: a second ACTIVE license of a holder is refused by the database, whoever writes it.
CREATE UNIQUE INDEX licenses_one_active ON licenses (tenant_id, holder) WHERE status = 'ACTIVE';
CREATE INDEX licenses_by_holder ON licenses (tenant_id, holder, id);

-- One row per key, scoped to (tenant, user, command). The primary key is the claim: a second claim of
-- the same key finds this row instead of inserting its own.
CREATE TABLE idempotency_keys (
    tenant           TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    command          TEXT NOT NULL,
    key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint      TEXT NOT NULL CHECK (length(fingerprint) = 64),  -- SHA-256 hex of the canonical arguments
    status           TEXT NOT NULL CHECK (status IN ('in_flight', 'completed', 'failed')),
    fence            BIGINT NOT NULL CHECK (fence >= 1),  -- bumped by each takeover of an abandoned key
    response         TEXT,                                -- the stored answer, once finished
    replays          BIGINT NOT NULL DEFAULT 0 CHECK (replays >= 0),
    created_at       TIMESTAMPTZ NOT NULL,
    locked_until     TIMESTAMPTZ,                         -- the holder's lease, while in flight
    completed_at     TIMESTAMPTZ,
    last_replayed_at TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, user_id, command, key),
    CHECK ((status = 'in_flight') = (response IS NULL)),
    CHECK ((status = 'in_flight') = (locked_until IS NOT NULL))
);

CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (tenant, created_at);
