-- title: Data allowance will run out before the cycle ends
-- severity: warning
-- params: recent_days = 7
-- For each line with a data allowance in analyzer.toml: the cycle holding the as-of time (the
-- export's "complete up to" time, else the last record), the data used in it so far, and the
-- day the allowance runs out at the last `recent_days` days' rate; the range uses the cycle's
-- average rate too. Cycles: monthly on a day, every N days, or a validity window from purchase
-- or from first use.
WITH stated AS (
    SELECT e.line, max(coalesce(src.as_of, s.as_of)) AS as_of
    FROM (SELECT DISTINCT line, source_id, statement_id FROM events WHERE line IS NOT NULL) e
    JOIN sources src USING (source_id)
    LEFT JOIN statements s ON s.statement_id = e.statement_id
    GROUP BY e.line
),
plans AS (
    SELECT l.line, l.data_allowance, l.cycle, l.cycle_day, l.cycle_days, l.cycle_start,
           l.validity_days, l.validity_starts, l.plan_name,
           greatest(coalesce(st.as_of, last_record.last_at), last_record.last_at) AS as_of
    FROM lines l
    JOIN (SELECT line, max(started_at) AS last_at FROM usage WHERE kind = 'data' GROUP BY line)
        AS last_record USING (line)
    LEFT JOIN stated st USING (line)
    WHERE l.data_allowance IS NOT NULL AND l.cycle IS NOT NULL
),
first_use AS (
    SELECT p.line, min(u.started_at) AS first_at
    FROM plans p
    JOIN usage u ON u.line = p.line AND u.kind = 'data' AND u.quantity > 0
                AND u.started_at >= coalesce(p.cycle_start, DATE '0001-01-01')
    GROUP BY p.line
),
monthly_start AS (
    -- The cycle day of as-of's month (clamped to short months), or else the previous month's.
    SELECT line,
           CASE WHEN this_month > CAST(as_of AS DATE)
                THEN make_date(year(previous), month(previous),
                               least(cycle_day, day(last_day(previous))))
                ELSE this_month END AS starts
    FROM (SELECT line, as_of, cycle_day, as_of - INTERVAL 1 MONTH AS previous,
                 make_date(year(as_of), month(as_of), least(cycle_day, day(last_day(as_of))))
                     AS this_month
          FROM plans WHERE cycle = 'monthly')
),
cycles AS (
    SELECT p.*, c.starts_at,
           CASE p.cycle
               WHEN 'monthly' THEN CAST(make_date(
                   year(c.starts_at + INTERVAL 1 MONTH), month(c.starts_at + INTERVAL 1 MONTH),
                   least(p.cycle_day, day(last_day(c.starts_at + INTERVAL 1 MONTH))))
                   AS TIMESTAMP)
               WHEN 'days' THEN c.starts_at + to_days(p.cycle_days)
               ELSE c.starts_at + to_hours(24 * p.validity_days)
           END AS ends_at
    FROM plans p
    JOIN (
        SELECT line, CAST(starts AS TIMESTAMP) AS starts_at FROM monthly_start
        UNION ALL
        SELECT line, CAST(cycle_start AS TIMESTAMP)
                     + to_days(CAST(floor(datediff('day', cycle_start, CAST(as_of AS DATE)) / cycle_days)
                                     * cycle_days AS INTEGER))
        FROM plans WHERE cycle = 'days'
        UNION ALL
        SELECT p.line, CASE WHEN p.validity_starts = 'purchase' THEN CAST(p.cycle_start AS TIMESTAMP)
                            ELSE f.first_at END
        FROM plans p LEFT JOIN first_use f USING (line)
        WHERE p.cycle = 'validity'
    ) AS c USING (line)
    WHERE c.starts_at IS NOT NULL AND p.as_of >= c.starts_at
),
burn AS (
    SELECT c.line,
           sum(u.quantity) AS used,
           sum(u.quantity) FILTER (WHERE u.started_at > c.as_of - to_days($recent_days))
               AS used_recently,
           list(u.event_id ORDER BY u.quantity DESC, u.event_id)[1:5] AS biggest
    FROM cycles c
    JOIN usage u ON u.line = c.line AND u.kind = 'data'
                AND (u.ended_at IS NULL OR u.ended_at < u.started_at + INTERVAL 1 DAY)
                AND u.started_at >= c.starts_at AND u.started_at < c.ends_at
                AND u.started_at <= c.as_of
    GROUP BY c.line
),
forecast AS (
    SELECT c.*, b.used, b.biggest,
           c.data_allowance - b.used AS remaining,
           coalesce(b.used_recently, 0) / (epoch(c.as_of - greatest(c.starts_at, c.as_of - to_days($recent_days))) / 86400.0) AS recent_rate,
           b.used / greatest(epoch(c.as_of - c.starts_at) / 86400.0, 1.0 / 24) AS cycle_rate
    FROM cycles c
    JOIN burn b USING (line)
    WHERE c.as_of < c.ends_at
),
dated AS (
    SELECT *,
           CASE WHEN remaining <= 0 THEN as_of WHEN recent_rate > 0
                THEN as_of + to_seconds(CAST(remaining / recent_rate * 86400 AS BIGINT)) END AS runs_out,
           CASE WHEN remaining <= 0 THEN as_of
                ELSE as_of + to_seconds(CAST(remaining / greatest(recent_rate, cycle_rate) * 86400 AS BIGINT)) END AS earliest,
           CASE WHEN remaining <= 0 THEN as_of WHEN least(recent_rate, cycle_rate) > 0
                THEN as_of + to_seconds(CAST(remaining / least(recent_rate, cycle_rate) * 86400 AS BIGINT)) END AS latest
    FROM forecast
)
SELECT line,
       CAST(starts_at AS DATE) AS period_start,
       CAST(ends_at - INTERVAL 1 SECOND AS DATE) AS period_end,
       'runs out about ' || strftime(runs_out, '%Y-%m-%d %H:00') || ' (' || strftime(earliest, '%Y-%m-%d %H:00')
           || ' to ' || coalesce(strftime(latest, '%Y-%m-%d %H:00'), 'never') || ')' AS observed,
       'lasts until ' || strftime(ends_at, '%Y-%m-%d %H:%M') AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} had used {} of its {} {} by {}; at the last {} days'' rate ({} a day) it runs out about {}, before the cycle ends on {}.',
              line, format_bytes(CAST(used AS BIGINT)), format_bytes(CAST(data_allowance AS BIGINT)),
              coalesce('"' || plan_name || '" allowance', 'allowance'),
              strftime(as_of, '%Y-%m-%d %H:%M'), $recent_days,
              format_bytes(CAST(recent_rate AS BIGINT)), strftime(runs_out, '%Y-%m-%d'),
              strftime(ends_at, '%Y-%m-%d %H:%M')) AS detail,
       biggest AS event_ids
FROM dated
WHERE runs_out < ends_at
