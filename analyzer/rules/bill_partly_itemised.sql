-- title: Bill itemises only part of what it charges
-- severity: info
-- A bill whose layout says it itemises only some categories (the profile's statement.itemises)
-- cannot be reconciled with its printed total from its rows: the rest is stated without items.
-- This note says what the rows cover and how much of the total they leave unitemised; the
-- itemised categories are still checked against the totals the bill states for them
-- (stated_vs_itemised, bill_total_mismatch). One bill held in several files is noted once.
WITH bills AS (
    SELECT s.*,
           CAST(json_extract_string(s.extra, '$.itemised') AS VARCHAR[]) AS itemised,
           row_number() OVER (
               PARTITION BY lower(s.carrier), s.invoice_number, s.lines, s.period_start,
                            s.period_end, s.currency, s.total_due
               ORDER BY coalesce(s.issued_on, CAST(s.as_of AS DATE)) DESC NULLS LAST,
                        s.statement_id DESC
           ) AS copy
    FROM statements s
    WHERE json_extract_string(s.extra, '$.itemised') IS NOT NULL
),
items AS (
    SELECT b.statement_id, count(e.event_id) AS rows,
           coalesce(sum(e.amount) FILTER (WHERE e.currency = b.currency), 0) AS items_total,
           list(e.event_id ORDER BY abs(e.amount) DESC, e.event_id)
               FILTER (WHERE e.event_id IS NOT NULL)[1:5] AS biggest
    FROM bills b
    LEFT JOIN events e ON e.statement_id = b.statement_id
    WHERE b.copy = 1
    GROUP BY b.statement_id
)
SELECT CASE WHEN len(b.lines) = 1 THEN b.lines[1] END AS line,
       b.period_start,
       b.period_end,
       i.rows || ' rows itemise ' || coalesce(money_text(i.items_total, b.currency), '0')
           AS observed,
       coalesce('printed total ' || money_text(b.total_due, b.currency), 'no printed total')
           AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       b.currency,
       format('The {} bill{} for {} itemises only {}: its {} rows add up to {}{}, so its total is '
              || 'not checked against them.',
              b.carrier, coalesce(' ' || b.invoice_number, ''),
              CASE WHEN b.period_start IS NOT NULL AND b.period_end IS NOT NULL
                   THEN strftime(b.period_start, '%Y-%m-%d') || ' to '
                        || strftime(b.period_end, '%Y-%m-%d')
                   ELSE 'an unstated period' END,
              array_to_string(b.itemised, ', '), i.rows, money_text(i.items_total, b.currency),
              coalesce(' of the ' || money_text(b.total_due, b.currency) || ' it prints ('
                       || money_text(b.total_due - i.items_total, b.currency)
                       || ' stated without items)', '')) AS detail,
       i.biggest AS event_ids
FROM bills b
JOIN items i USING (statement_id)
ORDER BY b.period_start, b.statement_id
