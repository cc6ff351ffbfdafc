-- Who is acting. Each person signs in with their own login role; three group roles hold the grants;
-- row-level security shows a login only the tenants granted to it; triggers refuse an author column that
-- names anyone but session_user. A clerk in psql with their own password is held by the same rules.
--
-- The owner (a superuser, or the database's owner, which ran this migration) owns every table, so
-- neither the grants nor the policies bind it (no FORCE ROW LEVEL SECURITY): scripts and migrations run
-- as before. The role that migrates needs CREATEROLE, or the three group roles created beforehand.

-- 1. The group roles, cluster-wide: created by whichever book migrates first. Several books migrating at
--    once race on pg_authid; the loser finds the role there.
DO $$
DECLARE
    role_name TEXT;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['ledgerdesk_clerk', 'ledgerdesk_approver', 'ledgerdesk_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
    -- An approver may do everything a clerk may.
    IF NOT pg_has_role('ledgerdesk_approver', 'ledgerdesk_clerk', 'MEMBER') THEN
        BEGIN
            GRANT ledgerdesk_clerk TO ledgerdesk_approver;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END;
$$;

-- 2. Which tenants a login sees. Administrators see every tenant: they grant access, and could grant it
--    to themselves.
CREATE TABLE tenant_access (
    login      TEXT NOT NULL,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (login, tenant_id)
);

-- Definer functions read tenant_access and parents whatever the caller's own policies; a fixed
-- search_path keeps a caller's objects out of them.
-- is_superuser is the server's own setting for the session (a client cannot set it), and the cheap test
-- that the owner's every write pays in the author trigger below.
CREATE FUNCTION ledgerdesk_is_owner() RETURNS BOOLEAN LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT current_setting('is_superuser') = 'on'
        OR pg_has_role(session_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
$$;

CREATE FUNCTION ledgerdesk_sees(tenant BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(session_user, 'ledgerdesk_admin', 'USAGE')
        OR EXISTS (SELECT 1 FROM public.tenant_access a WHERE a.login = session_user AND a.tenant_id = tenant)
$$;

-- Idempotency keys name their tenant by code; a code no tenant has yet is nobody's (the command then
-- fails with tenant_not_found and frees the key).
CREATE FUNCTION ledgerdesk_sees_code(tenant TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE((SELECT public.ledgerdesk_sees(t.id) FROM public.tenants t WHERE t.code = tenant), true)
$$;

-- A child row (a line, a secret, an attempt) is written only under a parent of a tenant the login sees.
-- VOLATILE, and a parent not found counts as seen: a parent written by the same statement (a CTE) is not
-- visible yet, and it passed its own tenant's policy; the foreign key still requires it to exist.
CREATE FUNCTION ledgerdesk_sees_parent(parent REGCLASS, parent_id BIGINT) RETURNS BOOLEAN LANGUAGE plpgsql
VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tenant BIGINT;
    found_it BOOLEAN;
BEGIN
    EXECUTE format('SELECT true, tenant_id FROM %s WHERE id = $1', parent) INTO found_it, tenant USING parent_id;
    RETURN found_it IS NULL OR public.ledgerdesk_sees(tenant);
END;
$$;

-- 3. Row-level security on every tenant table, and on every child table through its parent.
DO $$
DECLARE
    tenant_table TEXT;
    child RECORD;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'audit_heads', 'audit_trail', 'customers', 'export_accounts', 'export_destinations', 'export_settings',
        'exports', 'invoice_sequences', 'invoice_series', 'invoices', 'licenses', 'number_reservations',
        'outbox_events', 'payments', 'supplier_details', 'tenant_changes', 'voided_numbers', 'webhook_endpoints',
        'webhook_inbound', 'webhook_messages', 'webhook_rejections', 'webhook_sources'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('CREATE POLICY tenant_rows ON %I USING (ledgerdesk_sees(tenant_id)) '
                       'WITH CHECK (ledgerdesk_sees(tenant_id))', tenant_table);
    END LOOP;
    FOR child IN SELECT * FROM (VALUES
        ('invoice_lines', 'invoice_id', 'invoices'), ('invoice_documents', 'invoice_id', 'invoices'),
        ('series_formats', 'series_id', 'invoice_series'), ('export_rows', 'export_id', 'exports'),
        ('export_edits', 'export_id', 'exports'), ('export_approvals', 'export_id', 'exports'),
        ('webhook_source_secrets', 'source_id', 'webhook_sources'),
        ('webhook_endpoint_events', 'endpoint_id', 'webhook_endpoints'),
        ('webhook_endpoint_secrets', 'endpoint_id', 'webhook_endpoints'),
        ('webhook_attempts', 'message_id', 'webhook_messages')) AS c (name, fk, parent) LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', child.name);
        EXECUTE format('CREATE POLICY tenant_rows ON %I USING (EXISTS (SELECT 1 FROM %I p WHERE p.id = %I)) '
                       'WITH CHECK (ledgerdesk_sees_parent(%L, %I))',
                       child.name, child.parent, child.fk, child.parent, child.fk);
    END LOOP;
END;
$$;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenants USING (ledgerdesk_sees(id)) WITH CHECK (ledgerdesk_sees(id));
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON idempotency_keys USING (ledgerdesk_sees_code(tenant))
    WITH CHECK (ledgerdesk_sees_code(tenant));
-- A clerk deletes only its own keys (freeing one in flight, renewing one past its TTL); purging every
-- expired key is an administrator's.
CREATE POLICY own_deletes ON idempotency_keys AS RESTRICTIVE FOR DELETE
    USING (user_id = session_user OR pg_has_role(session_user, 'ledgerdesk_admin', 'USAGE'));
ALTER TABLE tenant_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON tenant_access
    USING (login = session_user OR pg_has_role(session_user, 'ledgerdesk_admin', 'USAGE'));

-- 4. The author of a write is the login (a trigger may run inside the definer functions below, whose
--    search_path leaves out public: hence public.ledgerdesk_is_owner). Each table lists its author columns; a value the row keeps
--    from before (an export's preparer, when an approver changes it) is not the writer's and is not
--    checked. An administrator's webhook receiver records inbound events as `webhook:<source>`.
CREATE FUNCTION ledgerdesk_actor_is_login() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    author_column TEXT;
    author TEXT;
BEGIN
    FOREACH author_column IN ARRAY TG_ARGV LOOP
        author := to_jsonb(NEW) ->> author_column;
        IF author IS NOT NULL AND author <> session_user
           AND (TG_OP = 'INSERT' OR author IS DISTINCT FROM to_jsonb(OLD) ->> author_column)
           AND NOT public.ledgerdesk_is_owner()
           AND NOT (author LIKE 'webhook:%' AND pg_has_role(session_user, 'ledgerdesk_admin', 'USAGE')) THEN
            RAISE EXCEPTION 'actor_not_signed_in: % is signed in, so %.% cannot name %',
                session_user, TG_TABLE_NAME, author_column, author
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END;
$$;
DO $$
DECLARE
    authored RECORD;
BEGIN
    FOR authored IN SELECT * FROM (VALUES
        ('number_reservations', ARRAY['created_by']), ('invoices', ARRAY['created_by']),
        ('voided_numbers', ARRAY['voided_by']), ('licenses', ARRAY['created_by', 'updated_by']),
        ('idempotency_keys', ARRAY['user_id']), ('tenant_changes', ARRAY['changed_by']),
        ('invoice_series', ARRAY['retired_by']), ('series_formats', ARRAY['set_by']),
        ('webhook_sources', ARRAY['created_by']), ('payments', ARRAY['recorded_by']),
        ('webhook_endpoints', ARRAY['created_by']), ('audit_trail', ARRAY['actor']),
        ('export_settings', ARRAY['updated_by']), ('export_accounts', ARRAY['updated_by']),
        ('export_destinations', ARRAY['created_by']),
        ('exports', ARRAY['prepared_by', 'rollback_requested_by', 'updated_by']),
        ('export_edits', ARRAY['actor']), ('export_approvals', ARRAY['approver']),
        ('invoice_documents', ARRAY['fixed_by']), ('tenant_access', ARRAY['granted_by'])) AS a (name, columns) LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION ledgerdesk_actor_is_login(%s)',
                       authored.name || '_actor_is_login', authored.name,
                       array_to_string(ARRAY(SELECT quote_literal(c) FROM unnest(authored.columns) AS c), ', '));
    END LOOP;
END;
$$;

-- 5. A clerk moves an export only into review (submitting it, or an edit sending it back); every other
--    step is an approver's (export_approvals is theirs alone too).
CREATE FUNCTION ledgerdesk_export_step_role() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> 'UNDER_REVIEW' AND NOT pg_has_role(session_user, 'ledgerdesk_approver', 'USAGE')
       AND NOT public.ledgerdesk_is_owner() THEN
        RAISE EXCEPTION 'permission_denied: only an approver moves an export from % to %', OLD.state, NEW.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER exports_step_role BEFORE UPDATE ON exports FOR EACH ROW
    WHEN (NEW.state IS DISTINCT FROM OLD.state) EXECUTE FUNCTION ledgerdesk_export_step_role();

-- 6. Grants (a later migration grants on the tables it adds). Nothing is granted DELETE but an in-flight idempotency key (above) and an administrator's
--    purges; the append-only triggers stop even the owner.
GRANT SELECT ON schema_migrations TO PUBLIC;  -- any login may tell whether the book is up to date
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ledgerdesk_clerk, ledgerdesk_admin;
REVOKE SELECT ON webhook_source_secrets, webhook_endpoint_secrets FROM ledgerdesk_clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ledgerdesk_clerk, ledgerdesk_admin;

-- Clerks: invoices, credit notes, numbers, customers, licenses, documents, exports up to review.
-- (An issue's outbox event is fanned out to the endpoints' messages in the same transaction.)
GRANT INSERT ON invoices, invoice_lines, invoice_sequences, number_reservations, voided_numbers, outbox_events,
    webhook_messages, audit_trail, customers, licenses, idempotency_keys, exports, export_rows, export_edits, invoice_documents
    TO ledgerdesk_clerk;
GRANT UPDATE ON invoice_sequences, number_reservations, licenses, idempotency_keys, audit_heads, exports,
    export_rows, invoice_documents TO ledgerdesk_clerk;
GRANT UPDATE (last_issue_date) ON invoice_series TO ledgerdesk_clerk;
GRANT UPDATE (credited_total, credit_status) ON invoices TO ledgerdesk_clerk;
GRANT UPDATE (credited_quantity) ON invoice_lines TO ledgerdesk_clerk;
GRANT UPDATE (name, address, tax_id) ON customers TO ledgerdesk_clerk;
GRANT DELETE ON idempotency_keys TO ledgerdesk_clerk;

-- Approvers: the approvals themselves.
GRANT INSERT ON export_approvals TO ledgerdesk_approver;

-- Administrators: the book's set-up, webhooks (receiving records payments), housekeeping.
GRANT INSERT, UPDATE ON tenants, tenant_changes, invoice_series, series_formats, supplier_details,
    export_settings, export_accounts, export_destinations, webhook_sources, webhook_source_secrets,
    webhook_endpoints, webhook_endpoint_events, webhook_endpoint_secrets, webhook_inbound, webhook_rejections,
    webhook_messages, webhook_attempts, outbox_events, payments, audit_trail, audit_heads, idempotency_keys
    TO ledgerdesk_admin;
GRANT UPDATE (paid_total) ON invoices TO ledgerdesk_admin;
GRANT DELETE ON webhook_inbound, webhook_messages, webhook_attempts, webhook_endpoint_events, idempotency_keys
    TO ledgerdesk_admin;

-- 7. People, kept by administrators through these functions only (they run as the owner, which may
--    create roles; each checks its caller again). A new login's password arrives as a SCRAM verifier.
CREATE FUNCTION ledgerdesk_require_admin() RETURNS VOID LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'ledgerdesk_admin', 'USAGE') AND NOT public.ledgerdesk_is_owner() THEN
        RAISE EXCEPTION 'permission_denied: only an administrator keeps people'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END;
$$;

CREATE FUNCTION ledgerdesk_role_of(role_name TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF role_name NOT IN ('clerk', 'approver', 'admin') THEN
        RAISE EXCEPTION 'invalid_role: %', role_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN 'ledgerdesk_' || role_name;
END;
$$;

CREATE FUNCTION ledgerdesk_add_login(login TEXT, verifier TEXT, roles TEXT[]) RETURNS VOID LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    role_name TEXT;
BEGIN
    PERFORM public.ledgerdesk_require_admin();
    IF login !~ '^[a-z][a-z0-9_.]{0,47}$' OR login LIKE 'ledgerdesk\_%' OR login LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'invalid login name %', login USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'a new login takes a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        RAISE EXCEPTION 'user_exists: %', login USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier);
    FOREACH role_name IN ARRAY roles LOOP
        EXECUTE format('GRANT %I TO %I', public.ledgerdesk_role_of(role_name), login);
    END LOOP;
END;
$$;

CREATE FUNCTION ledgerdesk_set_role(login TEXT, role_name TEXT, granted BOOLEAN) RETURNS VOID LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.ledgerdesk_require_admin();
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND rolcanlogin AND NOT rolsuper) THEN
        RAISE EXCEPTION 'user_not_found: %', login USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF granted THEN
        EXECUTE format('GRANT %I TO %I', public.ledgerdesk_role_of(role_name), login);
    ELSE
        EXECUTE format('REVOKE %I FROM %I', public.ledgerdesk_role_of(role_name), login);
    END IF;
END;
$$;

CREATE FUNCTION ledgerdesk_set_tenant_access(login TEXT, tenant TEXT, granted BOOLEAN) RETURNS VOID
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tenant_key BIGINT;
BEGIN
    PERFORM public.ledgerdesk_require_admin();
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND rolcanlogin AND NOT rolsuper) THEN
        RAISE EXCEPTION 'user_not_found: %', login USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT id INTO tenant_key FROM public.tenants WHERE code = tenant;
    IF tenant_key IS NULL THEN
        RAISE EXCEPTION 'tenant_not_found: %', tenant USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF granted THEN
        INSERT INTO public.tenant_access (login, tenant_id, granted_by) VALUES (login, tenant_key, session_user)
            ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM public.tenant_access a WHERE a.login = ledgerdesk_set_tenant_access.login AND a.tenant_id = tenant_key;
    END IF;
END;
$$;

-- Everyone holding a Ledgerdesk role or a tenant of this book, with the roles granted directly and the
-- tenants granted here.
CREATE FUNCTION ledgerdesk_users() RETURNS TABLE (login TEXT, roles TEXT[], tenants TEXT[]) LANGUAGE plpgsql
STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.ledgerdesk_require_admin();
    RETURN QUERY
        SELECT u.rolname::TEXT,
               ARRAY(SELECT substr(g.rolname, 12) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                      WHERE m.member = u.oid AND g.rolname LIKE 'ledgerdesk\_%' ORDER BY g.rolname),
               ARRAY(SELECT t.code FROM public.tenant_access a JOIN public.tenants t ON t.id = a.tenant_id
                      WHERE a.login = u.rolname ORDER BY t.code)
          FROM pg_roles u
         WHERE u.rolcanlogin AND (EXISTS (
                 SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                  WHERE m.member = u.oid AND g.rolname IN ('ledgerdesk_clerk', 'ledgerdesk_approver', 'ledgerdesk_admin'))
               OR EXISTS (SELECT 1 FROM public.tenant_access a WHERE a.login = u.rolname))
         ORDER BY u.rolname;
END;
$$;

REVOKE EXECUTE ON FUNCTION ledgerdesk_add_login(TEXT, TEXT, TEXT[]), ledgerdesk_set_role(TEXT, TEXT, BOOLEAN),
    ledgerdesk_set_tenant_access(TEXT, TEXT, BOOLEAN), ledgerdesk_users() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledgerdesk_add_login(TEXT, TEXT, TEXT[]), ledgerdesk_set_role(TEXT, TEXT, BOOLEAN),
    ledgerdesk_set_tenant_access(TEXT, TEXT, BOOLEAN), ledgerdesk_users() TO ledgerdesk_admin;
