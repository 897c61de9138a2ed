-- title: Data used at night
-- severity: warning
-- params: start_hour = 0, end_hour = 6, min_mb = 100
-- explains: data_burn when line, period
-- Data sessions starting between `start_hour` and `end_hour` (local time) add up to at least
-- `min_mb` MB in one night: often background apps, backups or updates. A night that spans
-- midnight (e.g. 22 to 6) belongs to the date it starts.
WITH night_sessions AS (
    SELECT line, event_id, quantity, started_at,
           CASE WHEN $start_hour < $end_hour OR hour(started_at) >= $start_hour
                THEN CAST(started_at AS DATE)
                ELSE CAST(started_at AS DATE) - 1 END AS night
    FROM usage
    WHERE kind = 'data' AND line IS NOT NULL AND started_at IS NOT NULL AND quantity > 0
      AND (ended_at IS NULL OR ended_at < started_at + INTERVAL 1 DAY)  -- not a period total
      AND CASE WHEN $start_hour < $end_hour
               THEN hour(started_at) >= $start_hour AND hour(started_at) < $end_hour
               ELSE hour(started_at) >= $start_hour OR hour(started_at) < $end_hour END
)
SELECT line,
       night AS period_start,
       night AS period_end,
       format_bytes(CAST(sum(quantity) AS BIGINT)) AS observed,
       'under ' || format_bytes(CAST($min_mb * 1048576 AS BIGINT)) AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} used {} of data in the night of {} between {}:00 and {}:00 ({} sessions, from {} to {}).',
              line, format_bytes(CAST(sum(quantity) AS BIGINT)), strftime(night, '%Y-%m-%d'),
              lpad(CAST($start_hour AS VARCHAR), 2, '0'), lpad(CAST($end_hour AS VARCHAR), 2, '0'),
              count(*), strftime(min(started_at), '%H:%M'), strftime(max(started_at), '%H:%M'))
           AS detail,
       list(event_id ORDER BY quantity DESC, event_id)[1:5] AS event_ids
FROM night_sessions
GROUP BY line, night
HAVING sum(quantity) >= $min_mb * 1048576
