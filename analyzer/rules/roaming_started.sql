-- title: Roaming started in another country
-- severity: info
-- params: min_events = 1
-- One finding per visit: consecutive usage in a country other than the line's home country
-- (or usage the carrier marks as roaming when no home country is configured). The trip
-- timeline: first and last use, and the networks used.
WITH located AS (
    SELECT u.event_id, u.line, u.started_at, u.country, u.network, u.roaming, l.home_country
    FROM usage u
    LEFT JOIN lines l USING (line)
    WHERE u.country IS NOT NULL AND u.started_at IS NOT NULL AND u.line IS NOT NULL
),
numbered AS (
    SELECT *,
           sum(CASE WHEN country IS DISTINCT FROM previous THEN 1 ELSE 0 END)
               OVER (PARTITION BY line ORDER BY started_at, event_id) AS visit
    FROM (
        SELECT *, lag(country) OVER (PARTITION BY line ORDER BY started_at, event_id) AS previous
        FROM located
    )
)
SELECT line,
       CAST(min(started_at) AS DATE) AS period_start,
       CAST(max(started_at) AS DATE) AS period_end,
       country AS observed,
       coalesce(any_value(home_country), 'home') AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Roaming in {} from {} to {} ({} records) on {}.',
              country, strftime(min(started_at), '%Y-%m-%d %H:%M'),
              strftime(max(started_at), '%Y-%m-%d %H:%M'), count(*),
              coalesce(string_agg(DISTINCT network, ', ' ORDER BY network), 'an unnamed network'))
           AS detail,
       list_distinct([arg_min(event_id, started_at), arg_max(event_id, started_at)]) AS event_ids
FROM numbered
WHERE (home_country IS NOT NULL AND country <> home_country)
   OR (home_country IS NULL AND roaming)
GROUP BY line, visit, country
HAVING count(*) >= $min_events
