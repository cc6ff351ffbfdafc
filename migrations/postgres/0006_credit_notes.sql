-- Credit notes: corrective invoices, numbered in series of their own (same counter table, same
-- guards), each citing the one invoice it corrects. Twin of ../sqlite/0006_credit_notes.sql.
--
-- A credit note is an invoice row with credit_of set and negative amounts; each of its lines names the
-- line of the original it credits (credits_line). The original keeps, per line, how much of its
-- quantity is credited, and in all how much of its total: both only grow, never past the original's
-- (CHECKs here, and the original's row locked while a credit is judged).
ALTER TABLE invoice_series ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular'
    CHECK (kind IN ('regular', 'corrective'));
ALTER TABLE invoices ADD COLUMN credit_of BIGINT REFERENCES invoices (id),
    ADD COLUMN credit_reason TEXT,
    ADD COLUMN credited_total NUMERIC NOT NULL DEFAULT 0,
    -- Kept with credited_total in the transaction that moves it, so the list filters on an index.
    ADD COLUMN credit_status TEXT NOT NULL DEFAULT 'issued'
        CHECK (credit_status IN ('issued', 'partially_credited', 'credited', 'credit_note')),
    ADD CONSTRAINT invoices_credited_within_total
        CHECK (credited_total = 0 OR (credited_total > 0 AND credited_total <= total)),
    ADD CONSTRAINT invoices_credit_status_follows
        CHECK (CASE WHEN credit_of IS NOT NULL THEN credit_status = 'credit_note' AND credited_total = 0
                    WHEN credited_total = 0 THEN credit_status = 'issued'
                    WHEN credited_total = total THEN credit_status = 'credited'
                    ELSE credit_status = 'partially_credited' END);
ALTER TABLE invoice_lines ADD COLUMN credits_line INTEGER,
    ADD COLUMN credited_quantity NUMERIC NOT NULL DEFAULT 0,
    ADD CONSTRAINT invoice_lines_credited_within_quantity
        CHECK (credited_quantity = 0 OR (credited_quantity > 0 AND credited_quantity <= quantity));
-- A credit note's total is negative and nothing is paid of it: the payments check allows that.
ALTER TABLE invoices DROP CONSTRAINT invoices_paid_within_total,
    ADD CONSTRAINT invoices_paid_within_total CHECK (paid_total = 0 OR (paid_total > 0 AND paid_total <= total));
CREATE INDEX invoices_credit_notes ON invoices (credit_of, id) WHERE credit_of IS NOT NULL;
CREATE INDEX invoices_by_credit_status ON invoices (tenant_id, credit_status, id DESC);

-- The shape of a credit note, held whatever writes it: only in a corrective series (and a corrective
-- series holds nothing else), of an invoice of the same tenant that is not itself a credit note, dated
-- on or after it, with a reason.
CREATE FUNCTION ledgerdesk_credit_note_shape() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.credit_of IS NULL) <> ((SELECT kind FROM invoice_series WHERE id = NEW.series_id) = 'regular')
       OR (NEW.credit_of IS NOT NULL AND (
              NEW.credit_reason IS NULL
           OR NOT EXISTS (SELECT 1 FROM invoices o
                           WHERE o.id = NEW.credit_of AND o.tenant_id = NEW.tenant_id AND o.credit_of IS NULL
                             AND o.issue_date <= NEW.issue_date))) THEN
        RAISE EXCEPTION 'credit_note_invalid: a credit note is issued in a corrective series, of a regular invoice of the tenant, dated on or after it'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER invoices_credit_note_shape BEFORE INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_credit_note_shape();

-- What was written stays written: the credit columns join the rewrite guard, and of a line only its
-- credited quantity may move.
DROP TRIGGER invoices_no_rewrite ON invoices;
CREATE TRIGGER invoices_no_rewrite
    BEFORE UPDATE OF tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                     net_total, tax_total, total, reservation_id, created_by, created_at, credit_of, credit_reason
    ON invoices
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
DROP TRIGGER invoice_lines_no_change ON invoice_lines;
CREATE TRIGGER invoice_lines_no_rewrite
    BEFORE UPDATE OF invoice_id, line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount,
                     credits_line
    ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION ledgerdesk_refuse_change();
