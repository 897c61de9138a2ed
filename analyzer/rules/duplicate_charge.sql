-- title: The same charge billed twice
-- severity: error
-- params: min_copies = 2
-- explains: charge_increase when line, period, events
-- explains: roaming_charges when line, events
-- Identical charged rows (same line, time, kind, quantity, counterparty, description and
-- amount) inside one statement of one file. Rows repeated across overlapping files are one
-- record, not a duplicate, and the same fee on different days is not a duplicate either. It
-- reads the winning copies (the view usage): a bill held in two files is counted once.
SELECT e.line,
       CAST(coalesce(e.started_at, s.period_start) AS DATE) AS period_start,
       CAST(coalesce(e.started_at, s.period_start) AS DATE) AS period_end,
       count(*) || ' identical rows' AS observed,
       '1 row' AS expected,
       e.amount * (count(*) - 1) AS amount_at_stake,
       e.currency,
       format('Line {} was charged {} for "{}" {} times on {} in the same bill.',
              line_text(e.line), money_text(e.amount, e.currency), coalesce(e.description, e.kind), count(*),
              strftime(coalesce(e.started_at, s.period_start), '%Y-%m-%d')) AS detail,
       list(e.event_id ORDER BY e.event_id)[1:5] AS event_ids
FROM usage e
LEFT JOIN statements s USING (statement_id)
WHERE e.amount IS NOT NULL AND e.amount <> 0 AND e.line IS NOT NULL
GROUP BY e.source_id, e.statement_id, s.period_start, e.line, e.started_at, e.kind, e.direction,
         e.quantity, coalesce(e.counterparty_e164, e.counterparty), e.country, e.description,
         e.amount, e.currency
HAVING count(*) >= $min_copies
