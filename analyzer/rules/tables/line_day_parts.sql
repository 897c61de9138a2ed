-- Per line and day: the day's parts, each a run of consecutive records (by time, then event id)
-- in one country and roaming state, with what it used and was charged. Kept in the database and
-- refreshed only for the days whose records changed (analyzer/rules/shared.py); line_stretches
-- joins a line's parts across days at each run. A day's records in one country form one part
-- without sorting them; only days whose countries interleave are ordered record by record (each
-- such day's keys sorted as one list). A record's key orders it by time, then event id, in one
-- number (microseconds since 1970 in the high 64 bits, the event id in the low ones), so a
-- part's first and last record are a min and a max, not an ordered aggregate.
WITH records AS NOT MATERIALIZED (  -- read again by each step: cheaper than keeping a copy
    SELECT line, day, country, coalesce(roaming, false) AS roaming,
           epoch_us(started_at)::HUGEINT * 18446744073709551616
               + (event_id::HUGEINT + 9223372036854775808) AS at_key,
           network, kind, quantity, amount, currency
    FROM day_usage
    WHERE country IS NOT NULL
),
day_networks AS (
    -- per line, day, country, roaming state and network: a part, or its pieces once ordered
    SELECT line, day, country, roaming, network,
           min(at_key) AS first_key, max(at_key) AS last_key, count(*) AS events,
           sum(quantity) FILTER (WHERE kind = 'data') AS data_bytes,
           count(*) FILTER (WHERE kind = 'voice') AS calls,
           count(*) FILTER (WHERE kind IN ('sms', 'mms')) AS texts,
           sum(amount) FILTER (WHERE kind <> 'fee') AS charged,
           min(currency) FILTER (WHERE amount <> 0 AND kind <> 'fee') AS first_currency,
           max(currency) FILTER (WHERE amount <> 0 AND kind <> 'fee') AS last_currency
    FROM records
    GROUP BY line, day, country, roaming, network
),
interleaved AS (
    -- days where one country's records do not all come before the next one's
    SELECT DISTINCT line, day
    FROM (SELECT line, day, last_us,
                 lead(first_us) OVER (PARTITION BY line, day ORDER BY first_us, last_us) AS next_us
          FROM (SELECT line, day, min(first_key) >> 64 AS first_us, max(last_key) >> 64 AS last_us
                FROM day_networks GROUP BY line, day, country, roaming))
    WHERE next_us <= last_us
),
run_starts AS (
    -- in those days, each record where the country or roaming changes starts a part: found in
    -- each day's records sorted as a list (a small sort per day, not a window over them all)
    SELECT line, day, unnest(starts) AS start_key,
           unnest(list_concat(starts[2:], [NULL])) AS next_key
    FROM (SELECT line, day,
                 list_transform(
                     list_filter(range(1, len(day_records) + 1),
                                 lambda i: i = 1
                                     OR day_records[i].country <> day_records[i - 1].country
                                     OR day_records[i].roaming <> day_records[i - 1].roaming),
                     lambda i: day_records[i].at_key) AS starts
          FROM (SELECT r.line, r.day,
                       list_sort(list({'at_key': r.at_key, 'country': r.country,
                                       'roaming': r.roaming})) AS day_records
                FROM records r
                SEMI JOIN interleaved i ON i.line = r.line AND i.day = r.day
                GROUP BY r.line, r.day))
),
network_parts AS (
    -- a part's pieces by network: the days that do not interleave as they are, the others
    -- again from their records, cut where a part starts (`seq`: its first record's key)
    SELECT line, day, 0::HUGEINT AS seq, country, roaming, network, first_key, last_key, events,
           data_bytes, calls, texts, charged, first_currency, last_currency
    FROM day_networks d
    ANTI JOIN interleaved i ON i.line = d.line AND i.day = d.day
    UNION ALL
    SELECT r.line, r.day, s.start_key, r.country, r.roaming, r.network,
           min(r.at_key), max(r.at_key), count(*),
           sum(r.quantity) FILTER (WHERE r.kind = 'data'),
           count(*) FILTER (WHERE r.kind = 'voice'),
           count(*) FILTER (WHERE r.kind IN ('sms', 'mms')),
           sum(r.amount) FILTER (WHERE r.kind <> 'fee'),
           min(r.currency) FILTER (WHERE r.amount <> 0 AND r.kind <> 'fee'),
           max(r.currency) FILTER (WHERE r.amount <> 0 AND r.kind <> 'fee')
    FROM records r
    JOIN run_starts s ON s.line = r.line AND s.day = r.day AND r.at_key >= s.start_key
                     AND (s.next_key IS NULL OR r.at_key < s.next_key)
    GROUP BY r.line, r.day, s.start_key, r.country, r.roaming, r.network
),
parts AS (
    SELECT line, day, seq, country, roaming,
           make_timestamp(CAST(min(first_key) >> 64 AS BIGINT)) AS first_at,
           make_timestamp(CAST(max(last_key) >> 64 AS BIGINT)) AS last_at,
           min(first_key) AS first_key, max(last_key) AS last_key, sum(events) AS events,
           list_sort(list(network) FILTER (WHERE network IS NOT NULL)) AS networks,
           sum(data_bytes) AS data_bytes, sum(calls) AS calls, sum(texts) AS texts,
           sum(charged) AS charged, min(first_currency) AS first_currency,
           max(last_currency) AS last_currency
    FROM network_parts
    GROUP BY line, day, seq, country, roaming
)
SELECT * FROM parts
