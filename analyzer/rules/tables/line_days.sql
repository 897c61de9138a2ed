-- Per line and day: its data sessions (period totals left out), what they add up to, the
-- biggest of them and the first and last. Computed once per run from `usage` and read by the
-- rules that judge a line's days (data_burn, record_gap).
SELECT line,
       CAST(started_at AS DATE) AS day,
       count(*) AS sessions,
       count(*) FILTER (WHERE quantity > 0) AS used_sessions,
       coalesce(sum(quantity) FILTER (WHERE quantity > 0), 0) AS bytes,
       list(event_id ORDER BY quantity DESC, event_id) FILTER (WHERE quantity > 0)[1:5] AS biggest,
       arg_min(event_id, started_at) AS first_event,
       arg_max(event_id, started_at) AS last_event
FROM usage
WHERE kind = 'data' AND line IS NOT NULL AND started_at IS NOT NULL
  AND (ended_at IS NULL OR ended_at < started_at + INTERVAL 1 DAY)  -- not a period total
GROUP BY line, CAST(started_at AS DATE)
