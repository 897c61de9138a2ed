-- title: Bill items do not add up to the printed total
-- severity: error
-- params: per_item = 0.5
-- The items of a statement in its currency (charges, taxes, credits) against the total it
-- prints. Each printed item may be off by half a minor unit of the currency through rounding,
-- so the tolerance is the minor unit (1 XPF, 0.01 USD) times `per_item` per non-zero item,
-- and at least one minor unit. One bill held in several files (a PDF and a billed CSV of it,
-- the same bill downloaded twice) is audited once: the copy issued or imported last. A bill
-- that itemises only some categories (the profile's statement.itemises) is checked against the
-- totals it states for those categories, not against its total (bill_partly_itemised notes
-- it), and not at all when it states none.
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
    WHERE s.total_due IS NOT NULL OR json_extract_string(s.extra, '$.itemised') IS NOT NULL
),
stated AS (
    SELECT b.statement_id, b.currency, b.itemised,
           unnest(from_json(coalesce(json_extract_string(b.extra, '$.stated_totals'), '[]'),
                            '[{"category": "VARCHAR", "kind": "VARCHAR", "amount": "DECIMAL(18,4)",
                               "currency": "VARCHAR"}]')) AS t
    FROM bills b
    WHERE b.copy = 1 AND b.itemised IS NOT NULL
),
checked AS (  -- what each bill's items should add up to
    SELECT statement_id, total_due AS expected_total, false AS partly FROM bills
    WHERE copy = 1 AND itemised IS NULL
    UNION ALL
    SELECT statement_id, sum(t.amount), true FROM stated
    WHERE coalesce(t.currency, currency) = currency
      AND (list_contains(list_transform(itemised, lambda x: lower(trim(x))), lower(trim(t.category)))
           OR list_contains(itemised, t.kind))
    GROUP BY statement_id
    HAVING sum(t.amount) IS NOT NULL
),
items AS (
    SELECT e.statement_id,
           sum(e.amount) AS items_total,
           count(*) FILTER (WHERE e.amount <> 0) AS rounded_items,
           list(e.event_id ORDER BY abs(e.amount) DESC, e.event_id)[1:5] AS biggest
    FROM events e
    JOIN bills s ON s.statement_id = e.statement_id AND e.currency = s.currency
    WHERE s.copy = 1 AND e.amount IS NOT NULL
    GROUP BY e.statement_id
)
SELECT CASE WHEN len(s.lines) = 1 THEN s.lines[1] END AS line,
       s.period_start,
       s.period_end,
       'items add up to ' || money_text(i.items_total, s.currency) AS observed,
       CASE WHEN c.partly THEN 'stated for the itemised categories '
            ELSE 'printed total ' END || money_text(c.expected_total, s.currency) AS expected,
       c.expected_total - i.items_total AS amount_at_stake,
       s.currency,
       format('The {} bill{} for {} {} but its {} items add up to {}: {} unexplained.',
              s.carrier, coalesce(' ' || s.invoice_number, ''),
              CASE WHEN s.period_start IS NOT NULL AND s.period_end IS NOT NULL
                   THEN strftime(s.period_start, '%Y-%m-%d') || ' to '
                        || strftime(s.period_end, '%Y-%m-%d')
                   ELSE 'an unstated period' END,
              CASE WHEN c.partly
                   THEN 'states ' || money_text(c.expected_total, s.currency) || ' for what it '
                        || 'itemises (' || array_to_string(s.itemised, ', ') || ')'
                   ELSE 'prints a total of ' || money_text(c.expected_total, s.currency) END,
              i.rounded_items,
              money_text(i.items_total, s.currency),
              money_text(c.expected_total - i.items_total, s.currency)) AS detail,
       i.biggest AS event_ids
FROM bills s
JOIN checked c USING (statement_id)
JOIN items i USING (statement_id)
WHERE abs(c.expected_total - i.items_total)
      > minor_unit(s.currency) * greatest(1, i.rounded_items * $per_item)
