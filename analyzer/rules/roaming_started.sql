-- title: Roaming started in another country
-- severity: info
-- params: min_events = 1, blip_hours = 6
-- explains: trip_summary when line, same_period
-- One finding per visit: consecutive usage in a country other than the line's home country
-- (or usage the carrier marks as roaming when no home country is configured). The trip
-- timeline: first and last use, and the networks used. A moment on a home network near the
-- border does not split a visit: home-country records between two stretches in the same
-- country, with at most `blip_hours` hours between those stretches, belong to the visit.
WITH runs AS (
    -- consecutive stretches (the shared table line_stretches) in one country are one run; the
    -- stretches are numbered into visits on their keys, countries and times alone (what a
    -- window carries, it sorts), then read whole for the visits abroad
    SELECT *,
           sum(CASE WHEN country IS DISTINCT FROM previous THEN 1 ELSE 0 END)
               OVER (PARTITION BY line ORDER BY stretch) AS run
    FROM (SELECT line, stretch, country, home_country, first_at, last_at,
                 lag(country) OVER (PARTITION BY line ORDER BY stretch) AS previous
          FROM line_stretches)
),
spans AS (
    SELECT line, run, country, any_value(home_country) AS home_country,
           min(first_at) AS first_at, max(last_at) AS last_at
    FROM runs
    GROUP BY line, run, country
),
blips AS (
    SELECT line, run
    FROM (
        SELECT *, lag(country) OVER by_run AS before, lead(country) OVER by_run AS after,
               lag(last_at) OVER by_run AS before_last, lead(first_at) OVER by_run AS after_first
        FROM spans
        WINDOW by_run AS (PARTITION BY line ORDER BY run)
    )
    WHERE home_country IS NOT NULL AND country = home_country
      AND before = after AND before <> home_country
      AND after_first - before_last <= to_hours($blip_hours)
),
numbered AS (
    SELECT *,
           sum(CASE WHEN country IS DISTINCT FROM previous THEN 1 ELSE 0 END)
               OVER (PARTITION BY line ORDER BY stretch) AS visit
    FROM (
        SELECT r.* EXCLUDE (previous, run),
               lag(r.country) OVER (PARTITION BY r.line ORDER BY r.stretch) AS previous
        FROM runs r
        WHERE NOT EXISTS (SELECT 1 FROM blips b WHERE b.line = r.line AND b.run = r.run)
    )
),
visits AS (
    SELECT s.*, n.visit
    FROM numbered n
    JOIN line_stretches s ON s.line = n.line AND s.stretch = n.stretch
)
SELECT line,
       CAST(min(first_at) AS DATE) AS period_start,
       CAST(max(last_at) AS DATE) AS period_end,
       country AS observed,
       coalesce(any_value(home_country), 'home') AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Roaming in {} from {} to {} ({} records) on {}.',
              country, strftime(min(first_at), '%Y-%m-%d %H:%M'),
              strftime(max(last_at), '%Y-%m-%d %H:%M'), sum(events),
              CASE WHEN len(list_distinct(flatten(list(networks)))) > 0
                   THEN array_to_string(list_sort(list_distinct(flatten(list(networks)))), ', ')
                   ELSE 'an unnamed network' END) AS detail,
       list_distinct([arg_min(first_event, (first_at, first_event)),
                      arg_max(last_event, (last_at, last_event))]) AS event_ids
FROM visits
WHERE (home_country IS NOT NULL AND country <> home_country)
   OR (home_country IS NULL AND roaming)
GROUP BY line, visit, country
HAVING sum(events) >= $min_events
