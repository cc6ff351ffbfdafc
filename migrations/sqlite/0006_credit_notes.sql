-- Credit notes: corrective invoices, numbered in series of their own (same counter table, same
-- guards), each citing the one invoice it corrects. Twin of ../postgres/0006_credit_notes.sql.
--
-- A credit note is an invoice row with credit_of set and negative amounts; each of its lines names the
-- line of the original it credits (credits_line). The original keeps, per line, how much of its
-- quantity is credited, and in all how much of its total: both only grow, never past the original's,
-- judged under the writer lock (SQLite cannot compare decimal text in a CHECK; the Postgres twin does).
ALTER TABLE invoice_series ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular'
    CHECK (kind IN ('regular', 'corrective'));
ALTER TABLE invoices ADD COLUMN credit_of INTEGER REFERENCES invoices (id);
ALTER TABLE invoices ADD COLUMN credit_reason TEXT;
ALTER TABLE invoices ADD COLUMN credited_total TEXT NOT NULL DEFAULT '0';
-- Kept with credited_total in the transaction that moves it, so the list filters on an index.
ALTER TABLE invoices ADD COLUMN credit_status TEXT NOT NULL DEFAULT 'issued'
    CHECK (credit_status IN ('issued', 'partially_credited', 'credited', 'credit_note'));
ALTER TABLE invoice_lines ADD COLUMN credits_line INTEGER;
ALTER TABLE invoice_lines ADD COLUMN credited_quantity TEXT NOT NULL DEFAULT '0';
CREATE INDEX invoices_credit_notes ON invoices (credit_of, id) WHERE credit_of IS NOT NULL;
CREATE INDEX invoices_by_credit_status ON invoices (tenant_id, credit_status, id DESC);

-- The shape of a credit note, held whatever writes it: only in a corrective series (and a corrective
-- series holds nothing else), of an invoice of the same tenant that is not itself a credit note, dated
-- on or after it, with a reason.
CREATE TRIGGER invoices_credit_note_shape BEFORE INSERT ON invoices
WHEN (NEW.credit_of IS NULL) <> ((SELECT kind FROM invoice_series WHERE id = NEW.series_id) = 'regular')
  OR (NEW.credit_of IS NULL) <> (NEW.credit_status = 'issued')
  OR (NEW.credit_of IS NOT NULL AND (
         NEW.credit_status <> 'credit_note'
      OR NEW.credit_reason IS NULL
      OR NOT EXISTS (SELECT 1 FROM invoices o
                      WHERE o.id = NEW.credit_of AND o.tenant_id = NEW.tenant_id AND o.credit_of IS NULL
                        AND o.issue_date <= NEW.issue_date)))
BEGIN
    SELECT RAISE(ABORT, 'credit_note_invalid: a credit note is issued in a corrective series, of a regular invoice of the tenant, dated on or after it');
END;

-- What was written stays written: the credit columns join the rewrite guard, and of a line only its
-- credited quantity may move.
DROP TRIGGER invoices_no_rewrite;
CREATE TRIGGER invoices_no_rewrite
BEFORE UPDATE OF tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                 net_total, tax_total, total, reservation_id, created_by, created_at, credit_of, credit_reason
ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: an issued invoice cannot be changed');
END;
DROP TRIGGER invoice_lines_no_update;
CREATE TRIGGER invoice_lines_no_update
BEFORE UPDATE OF invoice_id, line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount,
                 credits_line
ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'invoice_immutable: the lines of an issued invoice cannot be changed');
END;
