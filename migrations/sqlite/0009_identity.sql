-- Offline accounts: who may sign in to this book, with which roles. The core holds the role rules for
-- SQLite (there is no server to hold them); the book holds the accounts, their Argon2id hashes and
-- every sign-in attempt, so that two processes on one file count failed attempts together.
CREATE TABLE accounts (
    name          TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 48),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE account_roles (
    name TEXT NOT NULL REFERENCES accounts (name),
    role TEXT NOT NULL CHECK (role IN ('clerk', 'approver', 'admin')),
    PRIMARY KEY (name, role)
);

-- Every sign-in attempt, kept as written: the rate limit counts the failures, an auditor reads them all.
CREATE TABLE sign_in_attempts (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    at      TEXT NOT NULL,  -- RFC 3339, UTC, microseconds: compares as text
    outcome TEXT NOT NULL CHECK (outcome IN ('signed_in', 'wrong_password', 'paused'))
);
CREATE INDEX sign_in_attempts_by_name ON sign_in_attempts (name, at);
CREATE TRIGGER sign_in_attempts_no_update BEFORE UPDATE ON sign_in_attempts BEGIN
    SELECT RAISE(ABORT, 'record_immutable: sign-in attempts are kept as written');
END;
CREATE TRIGGER sign_in_attempts_no_delete BEFORE DELETE ON sign_in_attempts BEGIN
    SELECT RAISE(ABORT, 'record_immutable: sign-in attempts are kept as written');
END;
