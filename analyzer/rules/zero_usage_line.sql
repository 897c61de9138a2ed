-- title: Line paying for nothing
-- severity: warning
-- params: min_fees = 0.01
-- A line charged recurring fees (plan, subscriptions; see the view recurring_charges) in a
-- billing period with no usage in that period, while the same file lists usage (records, or
-- per-line period totals a statement states: the view stated_usage) so silence means none. The
-- amount at stake is those fees.
WITH charged AS (
    SELECT line, period_start, period_end, currency, source_id,
           sum(amount) AS fees,
           list(event_id ORDER BY event_id)[1:5] AS charge_events
    FROM recurring_charges
    GROUP BY line, period_start, period_end, currency, source_id
),
used_days AS (
    -- the days with some use, once per line however many records (or a stated period total),
    -- each with the last day its use reaches
    SELECT line, CAST(started_at AS DATE) AS day,
           max(CAST(coalesce(ended_at, started_at) AS DATE)) AS last_day
    FROM events
    WHERE kind IN ('data', 'voice', 'sms', 'mms') AND started_at IS NOT NULL AND quantity > 0
    GROUP BY line, CAST(started_at AS DATE)
    UNION ALL
    SELECT line, period_start, period_end
    FROM stated_usage
    WHERE coalesce(data_bytes, 0) + coalesce(voice_seconds, 0) + coalesce(messages, 0) > 0
),
listing_sources AS (
    -- the files that list usage at all
    SELECT DISTINCT source_id
    FROM events
    WHERE kind IN ('data', 'voice', 'sms', 'mms') AND started_at IS NOT NULL
    UNION
    SELECT source_id FROM stated_usage
)
SELECT c.line,
       c.period_start,
       c.period_end,
       'no usage' AS observed,
       'some data, calls or texts' AS expected,
       c.fees AS amount_at_stake,
       c.currency,
       format('Line {} paid {} in recurring charges for {} to {} but has no data, call or text recorded in that period.',
              line_text(c.line), money_text(c.fees, c.currency), strftime(c.period_start, '%Y-%m-%d'),
              strftime(c.period_end, '%Y-%m-%d')) AS detail,
       c.charge_events AS event_ids
FROM charged c
WHERE c.fees >= $min_fees
  AND NOT EXISTS (
      SELECT 1 FROM used_days u
      WHERE u.line = c.line AND u.last_day >= c.period_start AND u.day <= c.period_end)
  AND EXISTS (SELECT 1 FROM listing_sources s WHERE s.source_id = c.source_id)
