-- title: Premium-rate or international number dialled
-- severity: warning
-- params: premium_types = 'premium_rate|premium_short_code'
-- Calls made and texts sent to premium-rate numbers, premium short codes, or numbers of another
-- country than the line's home country. Number types and countries come from the phonenumbers
-- library at import (counterparty_type, counterparty_country); received calls and texts cost
-- the line nothing and are left out.
SELECT u.line,
       CAST(u.started_at AS DATE) AS period_start,
       CAST(u.started_at AS DATE) AS period_end,
       concat_ws(' ', replace(u.counterparty_type, '_', ' '), u.counterparty_country) AS observed,
       'a number of ' || coalesce(l.home_country, 'the home country') AS expected,
       u.amount AS amount_at_stake,
       CASE WHEN u.amount IS NOT NULL THEN u.currency END AS currency,
       format('Line {} {} {}, {}, on {}{}.',
              line_text(u.line),
              CASE WHEN u.kind = 'voice' THEN 'called' ELSE 'sent a message to' END,
              coalesce(u.counterparty_e164, u.counterparty),
              CASE WHEN regexp_full_match(lower(coalesce(u.counterparty_type, '')), $premium_types)
                   THEN 'a ' || replace(lower(u.counterparty_type), '_', ' ') || ' number'
                   ELSE 'a number in ' || u.counterparty_country END,
              strftime(u.started_at, '%Y-%m-%d %H:%M'),
              CASE WHEN u.amount IS NOT NULL THEN ' (' || money_text(u.amount, u.currency) || ')' ELSE '' END)
           AS detail,
       [u.event_id] AS event_ids
FROM usage u
LEFT JOIN lines l USING (line)
WHERE u.kind IN ('voice', 'sms', 'mms')
  AND u.direction IS DISTINCT FROM 'in'
  AND u.line IS NOT NULL AND u.started_at IS NOT NULL
  AND (regexp_full_match(lower(coalesce(u.counterparty_type, '')), $premium_types)
       OR (u.counterparty_country IS NOT NULL AND l.home_country IS NOT NULL
           AND u.counterparty_country <> l.home_country))
