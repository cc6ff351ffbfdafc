-- The audit head's rule, kept the same as Postgres's (its 0011): besides one step (seq + 1, the new
-- prev_hash the old hash), the head may move several entries at once, but only onto entries already
-- written: the first of them follows the old head's hash, the last is the new head (its seq, hash and
-- prev_hash), and none is missing in between. Postgres's batch appends a run of entries with one such
-- move; this book still moves one step per entry (an in-process append has no round trip to save),
-- and anything else (back, to another tenant, forward onto nothing) is refused as before.
DROP TRIGGER audit_heads_one_step;
CREATE TRIGGER audit_heads_one_step BEFORE UPDATE ON audit_heads
WHEN NEW.tenant_id <> OLD.tenant_id OR NOT (
    (NEW.seq = OLD.seq + 1 AND NEW.prev_hash = OLD.hash)
    OR (NEW.seq > OLD.seq + 1
        AND EXISTS (SELECT 1 FROM audit_trail e
                     WHERE e.tenant_id = OLD.tenant_id AND e.seq = OLD.seq + 1 AND e.prev_hash = OLD.hash)
        AND EXISTS (SELECT 1 FROM audit_trail e
                     WHERE e.tenant_id = OLD.tenant_id AND e.seq = NEW.seq
                       AND e.hash = NEW.hash AND e.prev_hash = NEW.prev_hash)
        AND (SELECT count(*) FROM audit_trail e
              WHERE e.tenant_id = OLD.tenant_id AND e.seq > OLD.seq AND e.seq <= NEW.seq) = NEW.seq - OLD.seq)
)
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: the audit head only moves on, onto the entries that follow it');
END;
