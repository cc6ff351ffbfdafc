-- The invoice document a customer receives. Twin of ../postgres/0007_invoice_documents.sql.
--
-- What a document prints of its supplier besides the tenant's name (address, VAT id, IBAN, logo, the
-- language of its labels), and of a customer besides its name and tax id (its address). An issued
-- invoice's document is fixed at its first print: the parties as they stood then are copied into
-- invoice_documents, and the SHA-256 of the PDF recorded once; every reprint renders from the copy
-- and must hash the same, so a reprint can be proven identical even after an address changed.
CREATE TABLE supplier_details (
    tenant_id   INTEGER PRIMARY KEY REFERENCES tenants (id),
    address     TEXT NOT NULL DEFAULT '',  -- its lines, joined by a newline
    vat_id      TEXT,
    iban        TEXT,                      -- electronic format: no spaces
    language    TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'tr')),
    logo        BLOB,                      -- a PNG, checked before it is stored
    logo_sha256 TEXT,
    CHECK ((logo IS NULL) = (logo_sha256 IS NULL))
);

ALTER TABLE customers ADD COLUMN address TEXT NOT NULL DEFAULT '';

CREATE TABLE invoice_documents (
    invoice_id INTEGER PRIMARY KEY REFERENCES invoices (id),
    parties    TEXT NOT NULL,              -- JSON: supplier, customer, IBAN and language at the first print
    logo       BLOB,
    sha256     TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    fixed_by   TEXT NOT NULL,
    fixed_at   TEXT NOT NULL
);
-- The copy never changes, and its hash is written once, by the first print to finish.
CREATE TRIGGER invoice_documents_fixed BEFORE UPDATE ON invoice_documents
WHEN OLD.sha256 IS NOT NULL OR NEW.sha256 IS NULL
    OR NEW.invoice_id IS NOT OLD.invoice_id OR NEW.parties IS NOT OLD.parties OR NEW.logo IS NOT OLD.logo
    OR NEW.fixed_by IS NOT OLD.fixed_by OR NEW.fixed_at IS NOT OLD.fixed_at
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an invoice document is fixed at its first print');
END;
CREATE TRIGGER invoice_documents_no_delete BEFORE DELETE ON invoice_documents
BEGIN
    SELECT RAISE(ABORT, 'record_immutable: an invoice document is fixed at its first print');
END;
