-- title: Top-up taken back or balance reduced without usage
-- severity: warning
-- params: max_days = 90, reversal_kinds = 'adjustment'
-- A debit adjustment (kind in `reversal_kinds`, positive amount: money taken from the user)
-- equal to a top-up credited on the same line in the previous `max_days` days: the top-up was
-- reversed. A debit adjustment matching no top-up is reported too: the balance fell with no
-- usage or purchase to explain it.
WITH debits AS (
    SELECT event_id, line, started_at, amount, currency, description
    FROM usage
    WHERE regexp_full_match(kind, $reversal_kinds) AND amount > 0
      AND line IS NOT NULL AND started_at IS NOT NULL
),
matched AS (
    SELECT d.*,
           arg_max(t.event_id, t.started_at) AS topup_id,
           max(t.started_at) AS topup_at
    FROM debits d
    LEFT JOIN usage t
      ON t.kind = 'topup' AND t.line = d.line AND t.currency = d.currency
     AND t.amount = -d.amount
     AND t.started_at <= d.started_at
     AND t.started_at >= d.started_at - to_days($max_days)
    GROUP BY ALL
)
SELECT line,
       CAST(started_at AS DATE) AS period_start,
       CAST(started_at AS DATE) AS period_end,
       money_text(amount, currency) || ' taken back' AS observed,
       CASE WHEN topup_id IS NOT NULL THEN 'the top-up of ' || strftime(topup_at, '%Y-%m-%d') || ' kept'
            ELSE 'no unexplained debit' END AS expected,
       amount AS amount_at_stake,
       currency,
       CASE WHEN topup_id IS NOT NULL THEN
                format('The {} top-up of {} on line {} was taken back on {}{}.',
                       money_text(amount, currency), strftime(topup_at, '%Y-%m-%d %H:%M'), line,
                       strftime(started_at, '%Y-%m-%d %H:%M'), coalesce(' ("' || description || '")', ''))
            ELSE
                format('The balance of line {} was reduced by {} on {}{} with no usage or purchase to explain it.',
                       line, money_text(amount, currency), strftime(started_at, '%Y-%m-%d %H:%M'),
                       coalesce(' ("' || description || '")', ''))
       END AS detail,
       CASE WHEN topup_id IS NOT NULL THEN [topup_id, event_id] ELSE [event_id] END AS event_ids
FROM matched
