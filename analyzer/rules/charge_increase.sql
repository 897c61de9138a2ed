-- title: Recurring charge went up
-- severity: warning
-- params: min_increase = 0.01
-- A recurring charge (see the view recurring_charges) that costs more than in the line's
-- previous billing period: a fee or subscription compared with the same description, a line's
-- plan with its plan whatever it is called, so a plan whose price rises under a new name is
-- reported too. The amount at stake is the increase. A fee billed twice is a duplicate
-- (duplicate_charge explains the increase it causes), not a price change.
WITH periods AS (
    SELECT line, kind,
           CASE WHEN kind = 'plan' THEN 'plan' ELSE coalesce(description, kind) END AS compared_as,
           string_agg(DISTINCT coalesce(description, kind), ' + '
                      ORDER BY coalesce(description, kind)) AS what,
           currency, period_start, period_end,
           sum(amount) AS amount,
           list(event_id ORDER BY event_id)[1:3] AS charge_events
    FROM recurring_charges
    GROUP BY line, kind, compared_as, currency, period_start, period_end
),
compared AS (
    SELECT *,
           lag(amount) OVER by_period AS previous_amount,
           lag(period_start) OVER by_period AS previous_start,
           lag(what) OVER by_period AS previous_what,
           lag(charge_events) OVER by_period AS previous_events
    FROM periods
    WINDOW by_period AS (PARTITION BY line, kind, compared_as, currency ORDER BY period_start)
)
SELECT line,
       period_start,
       period_end,
       money_text(amount, currency) AS observed,
       money_text(previous_amount, currency) AS expected,
       amount - previous_amount AS amount_at_stake,
       currency,
       CASE WHEN what = previous_what THEN
                format('"{}" on line {} rose from {} (period from {}) to {} for {} to {}: {} more.',
                       what, line, money_text(previous_amount, currency),
                       strftime(previous_start, '%Y-%m-%d'), money_text(amount, currency),
                       strftime(period_start, '%Y-%m-%d'), strftime(period_end, '%Y-%m-%d'),
                       money_text(amount - previous_amount, currency))
            ELSE
                format('The plan of line {} became "{}" at {} for {} to {}, replacing "{}" at {} (period from {}): {} more.',
                       line, what, money_text(amount, currency), strftime(period_start, '%Y-%m-%d'),
                       strftime(period_end, '%Y-%m-%d'), previous_what,
                       money_text(previous_amount, currency), strftime(previous_start, '%Y-%m-%d'),
                       money_text(amount - previous_amount, currency))
       END AS detail,
       list_concat(previous_events[1:1], charge_events) AS event_ids
FROM compared
WHERE amount - previous_amount >= $min_increase
