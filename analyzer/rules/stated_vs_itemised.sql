-- title: Stated totals do not match the itemised rows
-- severity: warning
-- params: per_item = 0.5, quantity_share = 0.001
-- explains: bill_total_mismatch when line, same_period, currency
-- A bill's summary states, per category (calls to mobiles, texts, data), how many items, how
-- much use and how much money; the itemised rows of that category should add up to the same.
-- A row belongs to a category by its description (the category's name), else by its kind. A
-- bill that itemises only some categories (the profile's statement.itemises) is compared on
-- those only. Counts must match; amounts may differ by half a minor unit per row (rounding),
-- quantities by quantity_share of the stated figure. One bill held in several files is
-- audited once: the copy issued or imported last.
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
    WHERE json_extract_string(s.extra, '$.stated_totals') IS NOT NULL
),
stated AS (
    SELECT b.statement_id, b.carrier, b.invoice_number, b.lines, b.period_start, b.period_end,
           b.itemised, b.currency AS bill_currency,
           unnest(from_json(json_extract_string(b.extra, '$.stated_totals'),
                            '[{"category": "VARCHAR", "kind": "VARCHAR", "count": "DECIMAL(18,3)",
                               "quantity": "DECIMAL(18,3)", "amount": "DECIMAL(18,4)",
                               "currency": "VARCHAR"}]')) AS t
    FROM bills b
    WHERE b.copy = 1
),
categories AS (
    SELECT s.*, coalesce(t.category, t.kind) AS category,
           coalesce(t.currency, s.bill_currency) AS currency,
           EXISTS (SELECT 1 FROM events e
                   WHERE e.statement_id = s.statement_id
                     AND lower(trim(e.description)) = lower(trim(t.category))) AS by_description
    FROM stated s
    WHERE s.itemised IS NULL
       OR list_contains(list_transform(s.itemised, lambda x: lower(trim(x))), lower(trim(t.category)))
       OR list_contains(s.itemised, t.kind)
),
compared AS (
    SELECT c.statement_id, c.carrier, c.invoice_number, c.lines, c.period_start, c.period_end,
           c.category, c.currency, c.t.kind AS kind, c.t.count AS stated_count,
           c.t.quantity AS stated_quantity, c.t.amount AS stated_amount,
           count(e.event_id) AS rows,
           coalesce(sum(e.quantity), 0) AS quantity,
           coalesce(sum(e.amount) FILTER (WHERE e.currency = c.currency), 0) AS amount,
           count(*) FILTER (WHERE e.amount <> 0) AS rounded_items,
           list(e.event_id ORDER BY e.started_at, e.event_id)
               FILTER (WHERE e.event_id IS NOT NULL)[1:10] AS event_ids
    FROM categories c
    LEFT JOIN events e
           ON e.statement_id = c.statement_id
          AND CASE WHEN c.by_description
                   THEN lower(trim(e.description)) = lower(trim(c.t.category))
                   ELSE e.kind = c.t.kind END
    GROUP BY ALL
),
differs AS (
    SELECT *,
           stated_count IS NOT NULL AND stated_count <> rows AS count_differs,
           stated_quantity IS NOT NULL
               AND abs(stated_quantity - quantity) > greatest(1, stated_quantity * $quantity_share)
               AS quantity_differs,
           stated_amount IS NOT NULL
               AND abs(stated_amount - amount)
                   > minor_unit(currency) * greatest(1, rounded_items * $per_item) AS amount_differs,
           CASE kind WHEN 'voice' THEN ' min' WHEN 'data' THEN ' MB' ELSE '' END AS unit_text,
           CASE kind WHEN 'voice' THEN 60 WHEN 'data' THEN 1048576 ELSE 1 END AS per_unit
    FROM compared
),
texts AS (
    SELECT *,
           concat_ws(', ',
               CAST(stated_count AS BIGINT) || ' items',
               CAST(round(stated_quantity / per_unit, 1) AS VARCHAR) || unit_text,
               money_text(stated_amount, currency)) AS stated_text,
           concat_ws(', ',
               rows || CASE WHEN rows = 1 THEN ' row' ELSE ' rows' END,
               CASE WHEN stated_quantity IS NOT NULL
                    THEN CAST(round(quantity / per_unit, 1) AS VARCHAR) || unit_text END,
               CASE WHEN stated_amount IS NOT NULL THEN money_text(amount, currency) END)
               AS itemised_text
    FROM differs
    WHERE count_differs OR quantity_differs OR amount_differs
)
SELECT CASE WHEN len(lines) = 1 THEN lines[1] END AS line,
       period_start,
       period_end,
       'itemised: ' || itemised_text AS observed,
       'stated: ' || stated_text AS expected,
       CASE WHEN amount_differs THEN stated_amount - amount END AS amount_at_stake,
       currency,
       format('The {} bill{} for {} states {} for "{}" but itemises {}.',
              carrier, coalesce(' ' || invoice_number, ''),
              CASE WHEN period_start IS NOT NULL AND period_end IS NOT NULL
                   THEN strftime(period_start, '%Y-%m-%d') || ' to '
                        || strftime(period_end, '%Y-%m-%d')
                   ELSE 'an unstated period' END,
              stated_text, category, itemised_text) AS detail,
       event_ids
FROM texts
ORDER BY period_start, line, category
