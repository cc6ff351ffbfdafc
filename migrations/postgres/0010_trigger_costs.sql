-- Two guards that ran on every invoice issued cost more than the rest of the issuing statement's
-- triggers together (pg_stat_statements and auto_explain on `ledgerdesk bench numbering`); both keep
-- their rule and lose their cost.
--
-- 1. The author check of 0009 (`ledgerdesk_actor_is_login`) ran its plpgsql function for every row
-- written: `to_jsonb(NEW)` per author column and, for a name other than the login's, a call of
-- `ledgerdesk_is_owner()`, which Postgres plans afresh on each call (its SET clause keeps it from being
-- inlined). The invoice's and its audit entry's author checks took about 0.5 ms of the issuing
-- statement's 1.9 ms (mean execution time; 1.1 ms without them).
--
-- Each trigger now carries a WHEN clause that lets through, to the function, only the rows it could
-- refuse: written by a login that is not a superuser, naming someone other than that login in an author
-- column. A clerk writing in their own name and a superuser (scripts, migrations, a book without
-- accounts) no longer call the function at all. The function itself is unchanged and still decides,
-- so the rule is the same: the clause only skips rows the function would have let through.
--
-- The triggers are found by the function they call and keep their author columns (their arguments),
-- so this follows 0009's list without repeating it.
DO $$
DECLARE
    authored RECORD;
    author_columns TEXT[];
BEGIN
    FOR authored IN
        SELECT t.tgname, t.tgrelid::regclass AS relation, t.tgargs
          FROM pg_trigger t
         WHERE t.tgfoid = 'ledgerdesk_actor_is_login'::regproc AND NOT t.tgisinternal
    LOOP
        -- tgargs holds the arguments, each ended by a zero byte (`\000` once encoded).
        author_columns := array_remove(string_to_array(encode(authored.tgargs, 'escape'), '\000'), '');
        EXECUTE format('DROP TRIGGER %I ON %s', authored.tgname, authored.relation);
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
            'WHEN (pg_catalog.current_setting(''is_superuser'') <> ''on'' AND (%s)) '
            'EXECUTE FUNCTION ledgerdesk_actor_is_login(%s)',
            authored.tgname, authored.relation,
            -- A NULL author is nobody's to check (the function skips it too): `<>` is NULL there.
            array_to_string(ARRAY(SELECT format('NEW.%I::text <> session_user::text', c)
                                    FROM unnest(author_columns) AS c), ' OR '),
            array_to_string(ARRAY(SELECT quote_literal(c) FROM unnest(author_columns) AS c), ', '));
    END LOOP;
END;
$$;

-- 2. The credit-note shape of 0006 asked its questions in one IF whose subqueries depend on whether the
--    row is a credit note. Planned for each row's values, that IF folds away the credit-note half for a
--    regular invoice, so Postgres judged the row-specific plan cheaper every time and planned it anew
--    for every invoice (0.16 ms a row). The series' kind is now read on its own, a plan cached once, and
--    the credit-note questions are asked of credit notes alone. Same rule, same refusal.
CREATE OR REPLACE FUNCTION ledgerdesk_credit_note_shape() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    series_kind TEXT;
    misshapen BOOLEAN;
BEGIN
    SELECT kind INTO series_kind FROM invoice_series WHERE id = NEW.series_id;
    -- A series that does not exist leaves this NULL; its foreign key refuses the row.
    misshapen := (NEW.credit_of IS NULL) <> (series_kind = 'regular');
    IF NOT coalesce(misshapen, false) AND NEW.credit_of IS NOT NULL THEN
        misshapen := NEW.credit_reason IS NULL
            OR NOT EXISTS (SELECT 1 FROM invoices o
                            WHERE o.id = NEW.credit_of AND o.tenant_id = NEW.tenant_id AND o.credit_of IS NULL
                              AND o.issue_date <= NEW.issue_date);
    END IF;
    IF misshapen THEN
        RAISE EXCEPTION 'credit_note_invalid: a credit note is issued in a corrective series, of a regular invoice of the tenant, dated on or after it'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
