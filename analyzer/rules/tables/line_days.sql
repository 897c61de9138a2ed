-- Per line and day: its data sessions (period totals left out), what they add up to, the
-- biggest of them, the first and last, and when the first and last that used data started.
-- Computed once per run from `usage` and read by the rules that judge a line's days
-- (data_burn, record_gap, night_burn). The five biggest are a top-5 aggregate on one number
-- (the volume in the high 64 bits, the event id reversed in the low ones: biggest first, then
-- the lowest id), not an ordered list of every session.
SELECT line,
       CAST(started_at AS DATE) AS day,
       count(*) AS sessions,
       count(*) FILTER (WHERE quantity > 0) AS used_sessions,
       coalesce(sum(quantity) FILTER (WHERE quantity > 0), 0) AS bytes,
       arg_max(event_id, CAST(quantity * 1000 AS HUGEINT) * 18446744073709551616
                             + (9223372036854775807 - event_id::HUGEINT), 5)
           FILTER (WHERE quantity > 0) AS biggest,
       arg_min(event_id, started_at) AS first_event,
       arg_max(event_id, started_at) AS last_event,
       min(started_at) FILTER (WHERE quantity > 0) AS first_used_at,
       max(started_at) FILTER (WHERE quantity > 0) AS last_used_at
FROM usage
WHERE kind = 'data' AND line IS NOT NULL AND started_at IS NOT NULL
  AND (ended_at IS NULL OR ended_at < started_at + INTERVAL 1 DAY)  -- not a period total
GROUP BY line, CAST(started_at AS DATE)
