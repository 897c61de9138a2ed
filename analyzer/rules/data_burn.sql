-- title: Data burned much faster than usual
-- severity: warning
-- params: factor = 3, mad_factor = 5, min_mb = 200, min_baseline_days = 7, min_weekdays = 3
-- A day whose data use is far above the line's own baseline: more than `factor` times the
-- median of the previous 28 days (days without records count as zero) and more than
-- `mad_factor` robust deviations (MAD) above it, and at least `min_mb` MB. A line's weekly
-- habits count too: when it has at least `min_weekdays` other same weekdays on record (the four
-- before and the four after), the day must also be more than `factor` times their median, so a
-- line that always streams on Saturdays is not flagged every Saturday.
WITH daily AS (  -- the line's days with data (the shared table line_days)
    SELECT line, day, bytes FROM line_days WHERE used_sessions > 0
),
calendar AS (
    SELECT line, CAST(unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS day
    FROM (SELECT line, min(day)::TIMESTAMP AS first_day, max(day)::TIMESTAMP AS last_day
          FROM daily GROUP BY line)
),
baseline AS (
    -- the windows carry the day's bytes alone (what a window carries, it sorts); the same
    -- weekdays around a day are the lists of the four before and the four after: the same
    -- values as one frame with EXCLUDE CURRENT ROW, and cheaper to compute
    SELECT line, day, bytes, median_bytes, mad_bytes, baseline_days,
           list_aggregate(other_weekdays, 'median') AS weekday_median,
           len(other_weekdays) AS weekdays
    FROM (
        SELECT c.line, c.day, coalesce(d.bytes, 0) AS bytes,
               median(coalesce(d.bytes, 0)) OVER previous_weeks AS median_bytes,
               mad(coalesce(d.bytes, 0)) OVER previous_weeks AS mad_bytes,
               count(*) OVER previous_weeks AS baseline_days,
               list_concat(coalesce(list(coalesce(d.bytes, 0)) OVER weekdays_before, []),
                           coalesce(list(coalesce(d.bytes, 0)) OVER weekdays_after, []))
                   AS other_weekdays
        FROM calendar c
        LEFT JOIN (SELECT line, day, bytes FROM daily) d USING (line, day)
        WINDOW previous_weeks AS (
            PARTITION BY c.line ORDER BY c.day ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING
        ),
        weekdays_before AS (
            PARTITION BY c.line, dayofweek(c.day) ORDER BY c.day
            ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING
        ),
        weekdays_after AS (
            PARTITION BY c.line, dayofweek(c.day) ORDER BY c.day
            ROWS BETWEEN 1 FOLLOWING AND 4 FOLLOWING
        )
    )
),
flagged AS (
    SELECT *
    FROM baseline b
    WHERE b.baseline_days >= $min_baseline_days
      AND b.bytes >= $min_mb * 1048576
      AND b.bytes > $factor * b.median_bytes
      AND b.bytes > b.median_bytes + $mad_factor * 1.4826 * b.mad_bytes
      AND (b.weekdays < $min_weekdays OR b.bytes > $factor * b.weekday_median)
),
biggest AS (
    -- the five biggest sessions of each flagged day, biggest first (then the lowest id): a
    -- top-5 aggregate on one number (the volume in the high 64 bits, the event id reversed in
    -- the low ones), over the flagged days' sessions alone
    SELECT u.line, CAST(u.started_at AS DATE) AS day,
           arg_max(u.event_id, CAST(u.quantity * 1000 AS HUGEINT) * 18446744073709551616
                               + (9223372036854775807 - u.event_id::HUGEINT), 5) AS biggest
    FROM usage u
    SEMI JOIN flagged f ON f.line = u.line AND f.day = CAST(u.started_at AS DATE)
    WHERE u.kind = 'data' AND u.quantity > 0
      AND (u.ended_at IS NULL OR u.ended_at < u.started_at + INTERVAL 1 DAY)
    GROUP BY u.line, CAST(u.started_at AS DATE)
)
SELECT line,
       day AS period_start,
       day AS period_end,
       format_bytes(CAST(bytes AS BIGINT)) AS observed,
       'at most ' || format_bytes(CAST(greatest($factor * median_bytes,
                                                median_bytes + $mad_factor * 1.4826 * mad_bytes,
                                                $min_mb * 1048576) AS BIGINT))
           || ' (median ' || format_bytes(CAST(median_bytes AS BIGINT)) || ' a day)' AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} used {} of data on {}, {} times its usual {} a day (median of the previous {} days).',
              line_text(line), format_bytes(CAST(bytes AS BIGINT)), strftime(day, '%Y-%m-%d'),
              CASE WHEN median_bytes > 0 THEN CAST(round(bytes / median_bytes, 1) AS VARCHAR)
                   ELSE 'many' END,
              format_bytes(CAST(median_bytes AS BIGINT)), baseline_days) AS detail,
       biggest AS event_ids
FROM flagged
LEFT JOIN biggest USING (line, day)
