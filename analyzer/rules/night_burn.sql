-- title: Data used at night
-- severity: warning
-- params: start_hour = 0, end_hour = 6, min_mb = 100, factor = 3, mad_factor = 5, min_baseline_nights = 7
-- explains: data_burn when line, period
-- Data sessions starting between `start_hour` and `end_hour` (local time) add up to at least
-- `min_mb` MB in one night: often background apps, backups or updates. A line's own nights are
-- its baseline: when it has at least `min_baseline_nights` other nights on record (the 14 before
-- and the 14 after; nights without data count as zero), a night is flagged only when it is
-- also more than `factor` times their median and more than `mad_factor` robust deviations (MAD)
-- above it, so a line busy every night is not flagged every night, only on its unusual ones. A night that spans midnight (e.g. 22 to 6) belongs to
-- the date it starts.
WITH night_sessions AS (
    -- the sessions started at night, each with the night it belongs to
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
),
nights AS (
    SELECT line, night, sum(quantity) AS bytes, count(*) AS sessions,
           min(started_at) AS first_at, max(started_at) AS last_at
    FROM night_sessions
    GROUP BY line, night
),
line_nights AS (
    -- a line's nights run from the night of its first data session to that of its last, with
    -- or without data at night (from the shared table line_days: a night is a session's date,
    -- or the day before when it starts before `start_hour` of a night that spans midnight)
    SELECT line,
           CASE WHEN $start_hour < $end_hour OR hour(first_used_at) >= $start_hour
                THEN CAST(first_used_at AS DATE)
                ELSE CAST(first_used_at AS DATE) - 1 END::TIMESTAMP AS first_night,
           CASE WHEN $start_hour < $end_hour OR hour(last_used_at) >= $start_hour
                THEN CAST(last_used_at AS DATE)
                ELSE CAST(last_used_at AS DATE) - 1 END::TIMESTAMP AS last_night
    FROM (SELECT line, min(first_used_at) AS first_used_at, max(last_used_at) AS last_used_at
          FROM line_days WHERE used_sessions > 0 GROUP BY line)
),
calendar AS (
    SELECT line, CAST(unnest(generate_series(first_night, last_night, INTERVAL 1 DAY)) AS DATE)
               AS night
    FROM line_nights
),
baseline AS (
    -- each night against the 14 before and the 14 after, as lists of the two halves: the same
    -- values as one frame with EXCLUDE CURRENT ROW, and cheaper to compute; the
    -- window carries the bytes alone (what it carries, it sorts)
    SELECT line, night, bytes,
           list_aggregate(other_nights, 'median') AS median_bytes,
           list_aggregate(other_nights, 'mad') AS mad_bytes,
           len(other_nights) AS baseline_nights
    FROM (SELECT c.line, c.night, coalesce(n.bytes, 0) AS bytes,
                 list_concat(coalesce(list(coalesce(n.bytes, 0)) OVER nights_before, []),
                             coalesce(list(coalesce(n.bytes, 0)) OVER nights_after, []))
                     AS other_nights
          FROM calendar c
          LEFT JOIN (SELECT line, night, bytes FROM nights) n USING (line, night)
          WINDOW nights_before AS (PARTITION BY c.line ORDER BY c.night
                                   ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING),
                 nights_after AS (PARTITION BY c.line ORDER BY c.night
                                  ROWS BETWEEN 1 FOLLOWING AND 14 FOLLOWING))
),
flagged AS (
    SELECT b.*, coalesce(n.sessions, 0) AS sessions, n.first_at, n.last_at
    FROM baseline b
    LEFT JOIN nights n USING (line, night)
    WHERE b.bytes >= $min_mb * 1048576
      AND (b.baseline_nights < $min_baseline_nights
           OR (b.bytes > $factor * b.median_bytes
               AND b.bytes > b.median_bytes + $mad_factor * 1.4826 * b.mad_bytes))
),
biggest AS (
    -- the five biggest sessions of each flagged night, biggest first (then the lowest id): a
    -- top-5 aggregate on one number (the volume in the high 64 bits, the event id reversed in
    -- the low ones), over the flagged nights' sessions alone
    SELECT s.line, s.night,
           arg_max(s.event_id, CAST(s.quantity * 1000 AS HUGEINT) * 18446744073709551616
                               + (9223372036854775807 - s.event_id::HUGEINT), 5) AS biggest
    FROM night_sessions s
    SEMI JOIN flagged f ON f.line = s.line AND f.night = s.night
    GROUP BY s.line, s.night
)
SELECT line,
       night AS period_start,
       night AS period_end,
       format_bytes(CAST(bytes AS BIGINT)) AS observed,
       'under ' || format_bytes(CAST(CASE WHEN baseline_nights >= $min_baseline_nights
                                          THEN greatest($min_mb * 1048576, $factor * median_bytes,
                                                        median_bytes + $mad_factor * 1.4826 * mad_bytes)
                                          ELSE $min_mb * 1048576 END AS BIGINT))
           || CASE WHEN baseline_nights >= $min_baseline_nights AND median_bytes > 0
                   THEN ' (its usual night: ' || format_bytes(CAST(median_bytes AS BIGINT)) || ')'
                   ELSE '' END AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} used {} of data in the night of {} between {}:00 and {}:00 ({} sessions, from {} to {}){}.',
              line_text(line), format_bytes(CAST(bytes AS BIGINT)), strftime(night, '%Y-%m-%d'),
              lpad(CAST($start_hour AS VARCHAR), 2, '0'), lpad(CAST($end_hour AS VARCHAR), 2, '0'),
              sessions, strftime(first_at, '%H:%M'), strftime(last_at, '%H:%M'),
              CASE WHEN baseline_nights >= $min_baseline_nights AND median_bytes > 0
                   THEN ', against its usual ' || format_bytes(CAST(median_bytes AS BIGINT))
                        || ' a night'
                   ELSE '' END) AS detail,
       biggest[1:5] AS event_ids
FROM flagged
LEFT JOIN biggest USING (line, night)
