-- Per line: each stretch of consecutive records (by time, then event id) in one country and
-- roaming state, with the line's home country and what the stretch used and was charged.
-- Computed once per run from `usage` and read by the rules that follow a line across borders
-- (roaming_started, trip_summary). A day's records in one country form one part without
-- sorting them; only days whose countries interleave are ordered record by record (and only
-- their ids, times and places are sorted).
WITH day_parts AS (
    SELECT line, CAST(started_at AS DATE) AS day, country, coalesce(roaming, false) AS roaming,
           min(started_at) AS first_at, max(started_at) AS last_at
    FROM usage
    WHERE country IS NOT NULL AND started_at IS NOT NULL AND line IS NOT NULL
    GROUP BY ALL
),
interleaved AS (
    -- days where one country's records do not all come before the next one's
    SELECT DISTINCT line, day
    FROM (SELECT line, day, last_at,
                 lead(first_at) OVER (PARTITION BY line, day ORDER BY first_at, last_at) AS next_at
          FROM day_parts)
    WHERE next_at <= last_at
),
reordered AS (
    -- the records of those days in order: a part starts where the country or roaming changes
    SELECT event_id,
           sum(CASE WHEN previous_country IS NULL OR previous_country <> country
                         OR previous_roaming <> roaming THEN 1 ELSE 0 END)
               OVER (PARTITION BY line, day ORDER BY started_at, event_id) AS seq
    FROM (SELECT u.event_id, u.line, i.day, u.started_at, u.country,
                 coalesce(u.roaming, false) AS roaming,
                 lag(u.country) OVER by_time AS previous_country,
                 lag(coalesce(u.roaming, false)) OVER by_time AS previous_roaming
          FROM usage u
          JOIN interleaved i ON i.line = u.line AND i.day = CAST(u.started_at AS DATE)
          WHERE u.country IS NOT NULL
          WINDOW by_time AS (PARTITION BY u.line, i.day ORDER BY u.started_at, u.event_id))
),
parts AS (
    SELECT u.line, CAST(u.started_at AS DATE) AS day, coalesce(r.seq, 0) AS seq, u.country,
           coalesce(u.roaming, false) AS roaming,
           min(u.started_at) AS first_at, max(u.started_at) AS last_at, count(*) AS events,
           arg_min(u.event_id, (u.started_at, u.event_id)) AS first_event,
           arg_max(u.event_id, (u.started_at, u.event_id)) AS last_event,
           list(DISTINCT u.network) FILTER (WHERE u.network IS NOT NULL) AS networks,
           sum(u.quantity) FILTER (WHERE u.kind = 'data') AS data_bytes,
           count(*) FILTER (WHERE u.kind = 'voice') AS calls,
           count(*) FILTER (WHERE u.kind IN ('sms', 'mms')) AS texts,
           sum(u.amount) FILTER (WHERE u.kind <> 'fee') AS charged,
           min(u.currency) FILTER (WHERE u.amount <> 0 AND u.kind <> 'fee') AS first_currency,
           max(u.currency) FILTER (WHERE u.amount <> 0 AND u.kind <> 'fee') AS last_currency
    FROM usage u
    LEFT JOIN reordered r USING (event_id)
    WHERE u.country IS NOT NULL AND u.started_at IS NOT NULL AND u.line IS NOT NULL
    GROUP BY u.line, CAST(u.started_at AS DATE), coalesce(r.seq, 0), u.country,
             coalesce(u.roaming, false)
),
joined AS (
    SELECT *,
           sum(CASE WHEN previous_country IS NULL OR previous_country <> country
                         OR previous_roaming <> roaming THEN 1 ELSE 0 END)
               OVER (PARTITION BY line ORDER BY day, seq, first_at) AS stretch
    FROM (SELECT *,
                 lag(country) OVER (PARTITION BY line ORDER BY day, seq, first_at)
                     AS previous_country,
                 lag(roaming) OVER (PARTITION BY line ORDER BY day, seq, first_at)
                     AS previous_roaming
          FROM parts)
)
SELECT j.line, any_value(l.home_country) AS home_country, j.stretch, j.country, j.roaming,
       min(j.first_at) AS first_at, max(j.last_at) AS last_at, sum(j.events) AS events,
       arg_min(j.first_event, (j.first_at, j.first_event)) AS first_event,
       arg_max(j.last_event, (j.last_at, j.last_event)) AS last_event,
       list_sort(list_distinct(flatten(list(coalesce(j.networks, []))))) AS networks,
       sum(j.data_bytes) AS data_bytes, sum(j.calls) AS calls, sum(j.texts) AS texts,
       sum(j.charged) AS charged, min(j.first_currency) AS first_currency,
       max(j.last_currency) AS last_currency
FROM joined j
LEFT JOIN lines l ON l.line = j.line
GROUP BY j.line, j.stretch, j.country, j.roaming
