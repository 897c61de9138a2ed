-- title: Data allowance will run out before the cycle ends
-- severity: warning
-- params: recent_days = 7
-- For each line with a data allowance in analyzer.toml: the cycle holding the as-of time (the
-- export's "complete up to" time, else the last record), the data used in it so far, and the
-- day the allowance runs out at the last `recent_days` days' rate; the range uses the cycle's
-- average rate too. Cycles: monthly on a day, every N days, or a validity window from purchase
-- or from first use. The cycle and the forecast come from the `allowance_forecast` macro
-- (schema.sql), which the report's line cards and allowance chart read too.
SELECT line,
       CAST(starts_at AS DATE) AS period_start,
       CAST(ends_at - INTERVAL 1 SECOND AS DATE) AS period_end,
       'runs out about ' || strftime(runs_out, '%Y-%m-%d %H:00') || ' (' || strftime(earliest, '%Y-%m-%d %H:00')
           || ' to ' || coalesce(strftime(latest, '%Y-%m-%d %H:00'), 'never') || ')' AS observed,
       'lasts until ' || strftime(ends_at, '%Y-%m-%d %H:%M') AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} had used {} of its {} {} by {}; at the last {} days'' rate ({} a day) it runs out about {}, before the cycle ends on {}.',
              line_text(line), format_bytes(CAST(used AS BIGINT)), format_bytes(CAST(data_allowance AS BIGINT)),
              coalesce('"' || plan_name || '" allowance', 'allowance'),
              strftime(as_of, '%Y-%m-%d %H:%M'), $recent_days,
              format_bytes(CAST(recent_rate AS BIGINT)), strftime(runs_out, '%Y-%m-%d'),
              strftime(ends_at, '%Y-%m-%d %H:%M')) AS detail,
       biggest AS event_ids
FROM allowance_forecast($recent_days)
WHERE data_allowance IS NOT NULL AND runs_out < ends_at
