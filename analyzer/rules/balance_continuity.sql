-- title: Prepaid balance does not follow from the previous one
-- severity: warning
-- params: tolerance_units = 1
-- Consecutive statements or exports of one line that print a balance (statements.balance_after,
-- as of their as-of time or the end of their period): the balance should be the previous one
-- less what was charged and plus what was credited (top-ups, refunds) in between, as the
-- records of every file show it (each charge counted once however many files hold it). A break
-- means money left or arrived with no record of it. The amount at stake is what is missing.
WITH balances AS (
    SELECT DISTINCT ON (s.lines[1], s.currency, coalesce(s.as_of, CAST(s.period_end + 1 AS TIMESTAMP)))
           s.statement_id, s.lines[1] AS line, s.currency, s.carrier, s.balance_after,
           coalesce(s.as_of, CAST(s.period_end + 1 AS TIMESTAMP)) AS as_of
    FROM statements s
    WHERE s.balance_after IS NOT NULL AND len(s.lines) = 1 AND s.currency IS NOT NULL
      AND coalesce(s.as_of, CAST(s.period_end + 1 AS TIMESTAMP)) IS NOT NULL
    ORDER BY s.lines[1], s.currency, coalesce(s.as_of, CAST(s.period_end + 1 AS TIMESTAMP)),
             s.statement_id DESC
),
ordered AS (
    SELECT *,
           lag(balance_after) OVER by_time AS previous_balance,
           lag(as_of) OVER by_time AS previous_at
    FROM balances
    WINDOW by_time AS (PARTITION BY line, currency ORDER BY as_of)
),
moved AS (
    SELECT o.statement_id,
           coalesce(sum(u.amount), 0) AS net_charged,
           coalesce(sum(u.amount) FILTER (WHERE u.amount > 0), 0) AS charged,
           coalesce(-sum(u.amount) FILTER (WHERE u.amount < 0), 0) AS credited,
           count(u.event_id) AS movements,
           list(u.event_id ORDER BY abs(u.amount) DESC, u.event_id)
               FILTER (WHERE u.event_id IS NOT NULL)[1:5] AS biggest
    FROM ordered o
    LEFT JOIN usage u
      ON u.line = o.line AND u.currency = o.currency AND u.amount <> 0
     AND u.started_at > o.previous_at AND u.started_at <= o.as_of
    WHERE o.previous_at IS NOT NULL
    GROUP BY o.statement_id
)
SELECT o.line,
       CAST(o.previous_at AS DATE) AS period_start,
       CAST(o.as_of AS DATE) AS period_end,
       'balance ' || money_text(o.balance_after, o.currency) AS observed,
       'balance ' || money_text(o.previous_balance - m.net_charged, o.currency) AS expected,
       o.previous_balance - m.net_charged - o.balance_after AS amount_at_stake,
       o.currency,
       format('Line {} had {} on {}; with {} charged and {} credited in {} records since, it should have {} on {}, but the {} statement shows {}: {} {}.',
              line_text(o.line), money_text(o.previous_balance, o.currency),
              strftime(o.previous_at, '%Y-%m-%d %H:%M'), money_text(m.charged, o.currency),
              money_text(m.credited, o.currency), m.movements, money_text(o.previous_balance - m.net_charged, o.currency),
              strftime(o.as_of, '%Y-%m-%d %H:%M'), o.carrier,
              money_text(o.balance_after, o.currency),
              money_text(abs(o.previous_balance - m.net_charged - o.balance_after), o.currency),
              CASE WHEN o.balance_after < o.previous_balance - m.net_charged THEN 'missing'
                   ELSE 'more than the records explain' END) AS detail,
       coalesce(m.biggest, []) AS event_ids
FROM ordered o
JOIN moved m USING (statement_id)
WHERE abs(o.previous_balance - m.net_charged - o.balance_after)
      > $tolerance_units * minor_unit(o.currency)
