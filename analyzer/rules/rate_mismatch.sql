-- title: Charge does not match the rate card
-- severity: error
-- params: tolerance_units = 1
-- Charged calls, texts and data priced against analyzer.toml's rate card of the bill's carrier
-- (the national card, or the card of the country the line was roaming in; received calls use
-- voice_in_per_minute). Calls are billed by increments first/next: 60/60 bills every started
-- minute, 30/6 the first 30 s then every 6 s. Rows charged 0 (included in the plan) are not
-- audited. Tolerance: `tolerance_units` minor units of the currency (rounding of one row).
WITH charged AS (
    SELECT e.event_id, e.line, e.started_at, e.kind, e.quantity, e.duration_s, e.amount,
           e.currency, e.counterparty, e.country, s.carrier,
           coalesce(e.direction, 'out') AS direction,
           CASE WHEN e.country IS NOT NULL AND l.home_country IS NOT NULL
                THEN e.country <> l.home_country
                ELSE coalesce(e.roaming, false) END AS abroad
    FROM usage e  -- the winning copy: a bill held in two files is audited once
    JOIN statements s USING (statement_id)
    LEFT JOIN lines l USING (line)
    WHERE e.kind IN ('voice', 'sms', 'mms', 'data') AND e.amount > 0 AND e.quantity IS NOT NULL
),
priced AS (
    SELECT c.*, r.unit_price, r.increment_first, r.increment_next,
           CASE WHEN c.kind = 'voice' THEN coalesce(c.duration_s, c.quantity) END AS seconds
    FROM charged c
    JOIN rate_cards r
      ON lower(r.carrier) = lower(c.carrier)
     AND r.kind = CASE WHEN c.kind = 'mms' THEN 'sms' ELSE c.kind END
     AND r.currency = c.currency
     AND r.country IS NOT DISTINCT FROM CASE WHEN c.abroad THEN c.country END
     AND (r.direction IS NULL OR r.direction = c.direction)
    WHERE NOT (c.abroad AND c.country IS NULL)
),
expected AS (
    SELECT *,
           CASE WHEN kind = 'voice' THEN
                    CASE WHEN seconds <= 0 THEN 0
                         WHEN seconds <= coalesce(increment_first, 1) THEN coalesce(increment_first, 1)
                         ELSE coalesce(increment_first, 1)
                              + ceil((seconds - coalesce(increment_first, 1)) / coalesce(increment_next, 1))
                                * coalesce(increment_next, 1) END
           END AS billed_seconds
    FROM priced
),
costed AS (
    SELECT *,
           round(CASE kind WHEN 'voice' THEN billed_seconds / 60 * unit_price
                           WHEN 'data' THEN quantity / 1048576 * unit_price
                           ELSE quantity * unit_price END
                 / minor_unit(currency)) * minor_unit(currency) AS expected_amount
    FROM expected
)
SELECT line,
       CAST(started_at AS DATE) AS period_start,
       CAST(started_at AS DATE) AS period_end,
       money_text(amount, currency) AS observed,
       money_text(expected_amount, currency) AS expected,
       CAST(amount - expected_amount AS DECIMAL(18,4)) AS amount_at_stake,
       currency,
       CASE WHEN kind = 'voice' THEN
                format('Line {} was charged {} for a {} s {} call{} on {}, but {} s at {} a minute ({}/{} increments) comes to {}.',
                       line_text(line), money_text(amount, currency), CAST(seconds AS INTEGER),
                       CASE WHEN direction = 'in' THEN 'received' ELSE 'outgoing' END,
                       coalesce(' to ' || counterparty, ''), strftime(started_at, '%Y-%m-%d %H:%M'),
                       CAST(billed_seconds AS INTEGER), money_text(unit_price, currency),
                       coalesce(increment_first, 1), coalesce(increment_next, 1),
                       money_text(expected_amount, currency))
            ELSE
                format('Line {} was charged {} for {} {} on {}, but the rate card of {} says {}.',
                       line_text(line), money_text(amount, currency), CAST(quantity AS DECIMAL(18,0)),
                       CASE WHEN kind = 'data' THEN 'bytes of data' ELSE 'message(s)' END,
                       strftime(started_at, '%Y-%m-%d %H:%M'), carrier,
                       money_text(expected_amount, currency))
       END AS detail,
       [event_id] AS event_ids
FROM costed
WHERE abs(amount - expected_amount) > $tolerance_units * minor_unit(currency)
