-- Batch issuing appends one audit entry per invoice. The head still moves one entry at a time (the
-- audit_heads_one_step trigger), but in a loop on the server: one call for a whole batch rather than a
-- round trip per entry. Each step is exactly the single append's: the new hash over
-- "{previous hash}\n{seq}\n{body}", the head updated (and so locked until commit), the entry inserted.
CREATE FUNCTION ledgerdesk_append_audit_run(
    tenant BIGINT, ats TIMESTAMPTZ[], actors TEXT[], actions TEXT[], subjects TEXT[], bodies TEXT[]
) RETURNS BIGINT LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    last_seq BIGINT;
BEGIN
    FOR i IN 1 .. coalesce(array_length(bodies, 1), 0) LOOP
        WITH head AS (
            UPDATE audit_heads SET prev_hash = hash, seq = seq + 1,
                   hash = encode(sha256(convert_to(hash || E'\n' || (seq + 1)::text || E'\n' || bodies[i], 'UTF8')), 'hex')
             WHERE tenant_id = tenant
            RETURNING tenant_id, seq, hash, prev_hash
        )
        INSERT INTO audit_trail (tenant_id, seq, at, actor, action, subject, body, prev_hash, hash)
        SELECT tenant_id, seq, ats[i], actors[i], actions[i], subjects[i], bodies[i], prev_hash, hash FROM head
        RETURNING seq INTO last_seq;
        IF last_seq IS NULL THEN
            RAISE EXCEPTION 'tenant % has no audit head', tenant USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    RETURN last_seq;
END;
$$;
