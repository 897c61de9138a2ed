-- title: Days with no records amid daily use
-- severity: info
-- params: min_days = 2, min_active_share = 0.8
-- A run of at least `min_days` days without any data session on a line that otherwise has
-- sessions on at least `min_active_share` of its days: the export may be missing rows. A gap is
-- judged by what the file records: a phone with mobile data on opens sessions every day, so a
-- data-session log can show missing rows; quiet days in a call or text log are just quiet days.
-- (Periods after an export's as-of time are shown by the view incomplete_periods, not here.)
WITH active AS (  -- the line's days with data sessions (the shared table line_days)
    SELECT line, day, first_event, last_event FROM line_days
),
ordered AS (
    SELECT *,
           lag(day) OVER by_day AS previous_day,
           lag(last_event) OVER by_day AS previous_event,
           count(*) OVER (PARTITION BY line) AS active_days,
           max(day) OVER (PARTITION BY line) - min(day) OVER (PARTITION BY line) + 1 AS span_days
    FROM active
    WINDOW by_day AS (PARTITION BY line ORDER BY day)
)
SELECT line,
       previous_day + 1 AS period_start,
       day - 1 AS period_end,
       (day - previous_day - 1) || ' days without records' AS observed,
       'records every day (' || active_days || ' of ' || span_days || ' days have some)' AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} has no records from {} to {} ({} days), though it has records on {} of its {} days: rows may be missing from the export.',
              line_text(line), strftime(previous_day + 1, '%Y-%m-%d'), strftime(day - 1, '%Y-%m-%d'),
              day - previous_day - 1, active_days, span_days) AS detail,
       [previous_event, first_event] AS event_ids
FROM ordered
WHERE day - previous_day - 1 >= $min_days
  AND active_days >= $min_active_share * span_days
