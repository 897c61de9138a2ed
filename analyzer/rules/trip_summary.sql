-- title: Trip abroad
-- severity: info
-- params: min_days = 1
-- One finding per trip abroad (the view trips): the days, the countries, the data, calls and
-- texts, the travel passes bought and what the trip cost (usage charged abroad and the passes).
-- A trip runs from the first record abroad to the last before the line is back home, across
-- borders; a moment on the home network near a border does not end it. A trip to one country
-- is its visit: the roaming_started finding of that visit holds the trip's summary.
WITH placed AS (
    -- the stretches are numbered into trips on their keys and times alone (what a window
    -- carries, it sorts), then read whole for the trips' stretches
    SELECT line, stretch, first_at, last_at,
           CASE WHEN home_country IS NOT NULL THEN country <> home_country ELSE roaming END
               AS abroad
    FROM line_stretches
),
runs AS (
    SELECT *, sum(CASE WHEN abroad IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                  OVER (PARTITION BY line ORDER BY stretch) AS run
    FROM (SELECT *, lag(abroad) OVER (PARTITION BY line ORDER BY stretch) AS previous
          FROM placed)
),
spans AS (
    SELECT line, run, bool_or(abroad) AS abroad, min(first_at) AS first_at,
           max(last_at) AS last_at
    FROM runs GROUP BY line, run
),
home_blips AS (
    SELECT line, run FROM (
        SELECT *, lag(last_at) OVER by_run AS before_last, lead(first_at) OVER by_run AS after_first,
               lag(abroad) OVER by_run AS before, lead(abroad) OVER by_run AS after
        FROM spans WINDOW by_run AS (PARTITION BY line ORDER BY run))
    WHERE NOT abroad AND before AND after AND after_first - before_last <= INTERVAL 6 HOUR
),
numbered AS (
    SELECT *, sum(CASE WHEN abroad IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                  OVER (PARTITION BY line ORDER BY stretch) AS trip_run
    FROM (SELECT r.* EXCLUDE (previous),
                 lag(r.abroad) OVER (PARTITION BY r.line ORDER BY r.stretch) AS previous
          FROM runs r
          WHERE NOT EXISTS (SELECT 1 FROM home_blips b WHERE b.line = r.line AND b.run = r.run))
),
trip_stretches AS (
    SELECT s.*, n.trip_run
    FROM numbered n
    JOIN line_stretches s ON s.line = n.line AND s.stretch = n.stretch
    WHERE n.abroad
),
passes AS (
    -- travel passes bought on the line during the trip (they may be dated without a country)
    SELECT t.line, t.trip_run, count(*) AS passes, list(u.event_id) AS pass_events,
           sum(u.amount) AS pass_cost, max(u.currency) AS pass_currency,
           count(DISTINCT u.currency) AS pass_currencies
    FROM (SELECT line, trip_run, min(first_at) AS first_at, max(last_at) AS last_at
          FROM trip_stretches GROUP BY ALL) t
    JOIN usage u ON u.line = t.line AND u.kind = 'fee'
                AND CAST(u.started_at AS DATE) BETWEEN CAST(t.first_at AS DATE)
                                                   AND CAST(t.last_at AS DATE)
                AND regexp_matches(coalesce(u.description, ''),
                    '(?i)day ?pass|daily pass|travel ?pass|pase diario|pass jour')
    GROUP BY ALL
),
trips AS (
    -- as the view trips: one row per trip abroad
    SELECT e.line,
           min(e.first_at) AS first_at,
           max(e.last_at) AS last_at,
           CAST(max(e.last_at) AS DATE) - CAST(min(e.first_at) AS DATE) + 1 AS days,
           list_sort(list_distinct(list(e.country))) AS countries,
           coalesce(sum(e.data_bytes), 0) AS data_bytes,
           sum(e.calls) AS calls,
           sum(e.texts) AS texts,
           coalesce(any_value(p.passes), 0) AS passes,
           CASE WHEN min(e.first_currency) IS NOT DISTINCT FROM max(e.last_currency)
                     AND coalesce(any_value(p.pass_currencies), 0) <= 1
                     AND coalesce(max(e.last_currency), any_value(p.pass_currency))
                         IS NOT DISTINCT FROM coalesce(any_value(p.pass_currency),
                                                       max(e.last_currency))
                THEN coalesce(sum(e.charged), 0) + coalesce(any_value(p.pass_cost), 0) END
               AS cost,
           coalesce(max(e.last_currency), any_value(p.pass_currency)) AS currency,
           [arg_min(e.first_event, (e.first_at, e.first_event)),
            arg_max(e.last_event, (e.last_at, e.last_event))] AS event_ids,
           any_value(p.pass_events) AS pass_events
    FROM trip_stretches e
    LEFT JOIN passes p ON p.line = e.line AND p.trip_run = e.trip_run
    GROUP BY e.line, e.trip_run
)
SELECT line,
       CAST(first_at AS DATE) AS period_start,
       CAST(last_at AS DATE) AS period_end,
       days || ' days in ' || array_to_string(countries, ', ') AS observed,
       CAST(NULL AS VARCHAR) AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} was abroad from {} to {} ({} days, {}): {} of data, {} calls, {} texts, {} travel pass{}, {}.',
              line_text(line), strftime(first_at, '%Y-%m-%d'), strftime(last_at, '%Y-%m-%d'), days,
              array_to_string(countries, ', '), format_bytes(CAST(data_bytes AS BIGINT)), calls,
              texts, passes, CASE WHEN passes = 1 THEN '' ELSE 'es' END,
              CASE WHEN cost IS NULL THEN 'charged in several currencies'
                   WHEN currency IS NULL THEN 'nothing charged'
                   ELSE money_text(cost, currency) || ' charged' END) AS detail,
       list_distinct(list_concat(event_ids[1:1], event_ids[-1:], coalesce(pass_events, [])[1:3]))
           AS event_ids
FROM trips
WHERE days >= $min_days
