-- Per line: each stretch of consecutive records (by time, then event id) in one country and
-- roaming state, with the line's home country and what the stretch used and was charged.
-- Computed once per run from the kept day parts (line_day_parts) and read by the rules that
-- follow a line across borders (roaming_started, trip_summary).
WITH numbered AS (
    -- consecutive parts in one country and roaming state are one stretch (the window carries
    -- the parts whole: cheaper than numbering their keys alone and joining them back)
    SELECT * EXCLUDE (previous_country, previous_roaming),
           sum(CASE WHEN previous_country IS NULL OR previous_country <> country
                         OR previous_roaming <> roaming THEN 1 ELSE 0 END)
               OVER (PARTITION BY line ORDER BY first_key) AS stretch
    FROM (SELECT *, lag(country) OVER by_time AS previous_country,
                 lag(roaming) OVER by_time AS previous_roaming
          FROM line_day_parts
          WINDOW by_time AS (PARTITION BY line ORDER BY first_key))
),
stretches AS (
    SELECT j.line, any_value(l.home_country) AS home_country, j.stretch, j.country, j.roaming,
           min(j.first_at) AS first_at, max(j.last_at) AS last_at, sum(j.events) AS events,
           min(j.first_key) AS first_key, max(j.last_key) AS last_key,
           list_sort(list_distinct(flatten(list(coalesce(j.networks, []))))) AS networks,
           sum(j.data_bytes) AS data_bytes, sum(j.calls) AS calls, sum(j.texts) AS texts,
           sum(j.charged) AS charged, min(j.first_currency) AS first_currency,
           max(j.last_currency) AS last_currency
    FROM numbered j
    LEFT JOIN lines l ON l.line = j.line
    GROUP BY j.line, j.stretch, j.country, j.roaming
)
SELECT line, home_country, stretch, country, roaming, first_at, last_at, events,
       CAST(first_key - (first_key >> 64) * 18446744073709551616 - 9223372036854775808 AS BIGINT)
           AS first_event,
       CAST(last_key - (last_key >> 64) * 18446744073709551616 - 9223372036854775808 AS BIGINT)
           AS last_event,
       networks, data_bytes, calls, texts, charged, first_currency, last_currency
FROM stretches
