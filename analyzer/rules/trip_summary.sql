-- title: Trip abroad
-- severity: info
-- params: min_days = 1
-- One finding per trip abroad (the view trips): the days, the countries, the data, calls and
-- texts, the travel passes bought and what the trip cost (usage charged abroad and the passes).
-- A trip runs from the first record abroad to the last before the line is back home, across
-- borders; a moment on the home network near a border does not end it. A trip to one country
-- is its visit: the roaming_started finding of that visit holds the trip's summary.
SELECT line,
       CAST(first_at AS DATE) AS period_start,
       CAST(last_at AS DATE) AS period_end,
       days || ' days in ' || array_to_string(countries, ', ') AS observed,
       CAST(NULL AS VARCHAR) AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} was abroad from {} to {} ({} days, {}): {} of data, {} calls, {} texts, {} travel pass{}, {}.',
              line, strftime(first_at, '%Y-%m-%d'), strftime(last_at, '%Y-%m-%d'), days,
              array_to_string(countries, ', '), format_bytes(CAST(data_bytes AS BIGINT)), calls,
              texts, passes, CASE WHEN passes = 1 THEN '' ELSE 'es' END,
              CASE WHEN cost IS NULL THEN 'charged in several currencies'
                   WHEN currency IS NULL THEN 'nothing charged'
                   ELSE money_text(cost, currency) || ' charged' END) AS detail,
       list_distinct(list_concat(event_ids[1:1], event_ids[-1:], coalesce(pass_events, [])[1:3]))
           AS event_ids
FROM trips
WHERE days >= $min_days
