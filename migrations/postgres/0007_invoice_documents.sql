-- The invoice document a customer receives. Twin of ../sqlite/0007_invoice_documents.sql.
--
-- What a document prints of its supplier besides the tenant's name (address, VAT id, IBAN, logo, the
-- language of its labels), and of a customer besides its name and tax id (its address). An issued
-- invoice's document is fixed at its first print: the parties as they stood then are copied into
-- invoice_documents, and the SHA-256 of the PDF recorded once; every reprint renders from the copy
-- and must hash the same, so a reprint can be proven identical even after an address changed.
CREATE TABLE supplier_details (
    tenant_id   BIGINT PRIMARY KEY REFERENCES tenants (id),
    address     TEXT NOT NULL DEFAULT '',  -- its lines, joined by a newline
    vat_id      TEXT,
    iban        TEXT,                      -- electronic format: no spaces
    language    TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'tr')),
    logo        BYTEA,                     -- a PNG, checked before it is stored
    logo_sha256 TEXT,
    CHECK ((logo IS NULL) = (logo_sha256 IS NULL))
);

ALTER TABLE customers ADD COLUMN address TEXT NOT NULL DEFAULT '';

CREATE TABLE invoice_documents (
    invoice_id BIGINT PRIMARY KEY REFERENCES invoices (id),
    parties    JSONB NOT NULL,             -- supplier, customer, IBAN and language at the first print
    logo       BYTEA,
    sha256     TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    fixed_by   TEXT NOT NULL,
    fixed_at   TIMESTAMPTZ NOT NULL
);
-- The copy never changes, and its hash is written once, by the first print to finish.
CREATE FUNCTION ledgerdesk_invoice_document_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.sha256 IS NOT NULL OR NEW.sha256 IS NULL
       OR (NEW.invoice_id, NEW.parties, NEW.logo, NEW.fixed_by, NEW.fixed_at)
          IS DISTINCT FROM (OLD.invoice_id, OLD.parties, OLD.logo, OLD.fixed_by, OLD.fixed_at) THEN
        RAISE EXCEPTION 'record_immutable: an invoice document is fixed at its first print'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER invoice_documents_fixed BEFORE UPDATE OR DELETE ON invoice_documents
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_invoice_document_fixed();
CREATE TRIGGER invoice_documents_no_truncate BEFORE TRUNCATE ON invoice_documents
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerdesk_append_only();
