-- title: Billed time longer than the call
-- severity: error
-- params: tolerance_s = 0
-- A call whose billed seconds exceed its own duration (call-detail records give both), after
-- rounding the duration up by the billing increments of the carrier's rate card when
-- analyzer.toml has one (60/60 billing of a 5 s call is 60 s, not an error).
WITH increments AS (
    SELECT lower(carrier) AS carrier, country,
           max(increment_first) AS increment_first, max(increment_next) AS increment_next
    FROM rate_cards
    WHERE kind = 'voice'
    GROUP BY ALL
),
calls AS (
    SELECT u.event_id, u.line, u.started_at, u.quantity, u.duration_s, u.counterparty,
           coalesce(i.increment_first, 1) AS first_s, coalesce(i.increment_next, 1) AS next_s
    FROM usage u
    LEFT JOIN statements s USING (statement_id)
    LEFT JOIN lines l USING (line)
    LEFT JOIN increments i
      ON i.carrier = lower(s.carrier)
     AND i.country IS NOT DISTINCT FROM
         CASE WHEN u.country IS NOT NULL AND l.home_country IS NOT NULL
                   AND u.country <> l.home_country THEN u.country END
    WHERE u.kind = 'voice' AND u.duration_s IS NOT NULL AND u.quantity IS NOT NULL
),
rounded AS (
    SELECT *,
           CASE WHEN duration_s <= 0 THEN 0
                WHEN duration_s <= first_s THEN first_s
                ELSE first_s + ceil((duration_s - first_s) / next_s) * next_s END AS billable_s
    FROM calls
)
SELECT line,
       CAST(started_at AS DATE) AS period_start,
       CAST(started_at AS DATE) AS period_end,
       CAST(quantity AS DECIMAL(18,0)) || ' s billed' AS observed,
       'at most ' || CAST(billable_s AS DECIMAL(18,0)) || ' s' AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {} was billed {} s for a {} s call{} on {}.',
              line_text(line), CAST(quantity AS DECIMAL(18,0)),
              CAST(duration_s AS DECIMAL(18,0)), coalesce(' to ' || counterparty, ''),
              strftime(started_at, '%Y-%m-%d %H:%M')) AS detail,
       [event_id] AS event_ids
FROM rounded
WHERE quantity > billable_s + $tolerance_s
