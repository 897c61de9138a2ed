-- Per line and day: its data sessions (period totals left out), what they add up to, the
-- first and last, and when the first and last that used data started. Kept in the database and
-- refreshed only for the days whose records changed (analyzer/rules/shared.py); read by the
-- rules that judge a line's days (data_burn, record_gap, night_burn). A day's biggest sessions
-- are not kept here: a rule looks them up for the days it flags (a top-5 aggregate over every
-- day took most of this table's time).
SELECT line,
       day,
       count(*) AS sessions,
       count(*) FILTER (WHERE quantity > 0) AS used_sessions,
       coalesce(sum(quantity) FILTER (WHERE quantity > 0), 0) AS bytes,
       arg_min(event_id, started_at) AS first_event,
       arg_max(event_id, started_at) AS last_event,
       min(started_at) FILTER (WHERE quantity > 0) AS first_used_at,
       max(started_at) FILTER (WHERE quantity > 0) AS last_used_at
FROM day_usage
WHERE kind = 'data'
  AND (ended_at IS NULL OR ended_at < started_at + INTERVAL 1 DAY)  -- not a period total
GROUP BY line, day
