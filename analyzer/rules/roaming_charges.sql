-- title: Roaming day pass charged without use abroad
-- severity: error
-- params: fee_pattern = '(?i)day ?pass|daily pass|travel ?pass|pase diario|pass jour', window_hours = 24
-- Day-pass fees (kind fee, description matching `fee_pattern`) audited against the usual
-- rule: one fee per 24 h window, opened by the first chargeable use abroad (data, a call made
-- or received, a text sent; received texts do not open one). A fee with no window opening at
-- its time (or on its date, when the bill prints no time) is flagged, and so is a second fee
-- in one window. Windows are measured on instants (the UTC offset a file prints, else the
-- line's time_zone), so a pass bought the night the clocks change still lasts 24 hours; times
-- are shown as printed.
WITH RECURSIVE fees AS (
    SELECT u.event_id, u.line, u.started_at,
           instant(u.started_at, u.utc_offset_min, time_zone := l.time_zone) AS paid_at,
           u.amount, u.currency, u.description
    FROM usage u
    LEFT JOIN lines l USING (line)
    WHERE u.kind = 'fee' AND u.line IS NOT NULL AND u.started_at IS NOT NULL
      AND regexp_matches(coalesce(u.description, ''), $fee_pattern)
),
chargeable AS (
    SELECT u.line, instant(u.started_at, u.utc_offset_min, time_zone := l.time_zone) AS used_at,
           min(u.started_at) AS wall_at
    FROM usage u
    LEFT JOIN lines l USING (line)
    WHERE u.line IN (SELECT line FROM fees)
      AND u.started_at IS NOT NULL
      AND CASE WHEN u.country IS NOT NULL AND l.home_country IS NOT NULL
               THEN u.country <> l.home_country
               ELSE coalesce(u.roaming, false) END
      AND ((u.kind = 'data' AND u.quantity > 0)
           OR u.kind = 'voice'
           OR (u.kind IN ('sms', 'mms') AND u.direction IS DISTINCT FROM 'in'))
    GROUP BY 1, 2
),
next_opening AS MATERIALIZED (
    -- For each chargeable use: the first one at least a window later (it opens the next window),
    -- its instant and wall time taken together by one window function
    SELECT line, used_at, next.used_at AS next_at, next.wall_at AS next_wall_at
    FROM (SELECT line, used_at,
                 first_value({'used_at': used_at, 'wall_at': wall_at}) OVER later AS next
          FROM chargeable
          WINDOW later AS (PARTITION BY line ORDER BY used_at
                           RANGE BETWEEN to_hours($window_hours) FOLLOWING
                                 AND UNBOUNDED FOLLOWING))
),
windows AS (
    SELECT line, min(used_at) AS opened_at, arg_min(wall_at, used_at) AS opened_wall_at
    FROM chargeable GROUP BY line
    UNION ALL
    SELECT n.line, n.next_at, n.next_wall_at
    FROM windows w
    JOIN next_opening n ON n.line = w.line AND n.used_at = w.opened_at
    WHERE n.next_at IS NOT NULL
),
matched AS (
    SELECT f.*, w.opened_at, w.opened_wall_at,
           row_number() OVER (PARTITION BY f.line, w.opened_at ORDER BY f.paid_at, f.event_id)
               AS nth
    FROM fees f
    LEFT JOIN windows w
        ON w.line = f.line
       AND CASE WHEN CAST(f.started_at AS TIME) = TIME '00:00:00'
                THEN CAST(w.opened_wall_at AS DATE) = CAST(f.started_at AS DATE)
                ELSE f.paid_at >= w.opened_at
                     AND f.paid_at < w.opened_at + to_hours($window_hours) END
)
SELECT m.line,
       CAST(m.started_at AS DATE) AS period_start,
       CAST(m.started_at AS DATE) AS period_end,
       CASE WHEN m.opened_at IS NULL THEN 'no data, call or sent text abroad opening a window'
            ELSE 'a second fee in the window opened ' || strftime(m.opened_wall_at, '%Y-%m-%d %H:%M')
       END AS observed,
       'one fee per ' || $window_hours || ' h window opened by a chargeable use abroad' AS expected,
       m.amount AS amount_at_stake,
       m.currency,
       CASE WHEN m.opened_at IS NULL THEN
                format('Line {} was charged {} for "{}" on {}, but no data, call or sent text abroad opened a new {} h window then (received texts do not count).',
                       line_text(m.line), money_text(m.amount, m.currency), m.description,
                       strftime(m.started_at, '%Y-%m-%d %H:%M'), $window_hours)
            ELSE
                format('Line {} was charged {} for "{}" on {}, a second fee inside the {} h window opened on {} that was already paid for.',
                       line_text(m.line), money_text(m.amount, m.currency), m.description,
                       strftime(m.started_at, '%Y-%m-%d %H:%M'), $window_hours,
                       strftime(m.opened_wall_at, '%Y-%m-%d %H:%M'))
       END AS detail,
       [m.event_id] AS event_ids
FROM matched m
WHERE m.opened_at IS NULL OR m.nth > 1
