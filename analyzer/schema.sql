-- The one definition of the analyzer's tables and views.
-- Money: DECIMAL(18,4) + ISO 4217 currency. Data: bytes. Voice: seconds. Times: local wall time.
-- Bump SCHEMA_VERSION in store.py whenever this file changes shape.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS source_ids START 1;
CREATE SEQUENCE IF NOT EXISTS statement_ids START 1;
CREATE SEQUENCE IF NOT EXISTS event_ids START 1;
CREATE SEQUENCE IF NOT EXISTS finding_ids START 1;

-- One row per file the analyzer has seen. A file's identity is its sha256.
CREATE TABLE IF NOT EXISTS sources (
    source_id   INTEGER PRIMARY KEY,
    sha256      VARCHAR NOT NULL UNIQUE,
    path        VARCHAR NOT NULL,
    size        BIGINT NOT NULL,
    format      VARCHAR NOT NULL,          -- csv | xlsx | pdf | ...
    importer    VARCHAR,                   -- built-in layout or profile name
    imported_at TIMESTAMP NOT NULL,
    status      VARCHAR NOT NULL,          -- ok | partial (some rejects) | failed
    error       VARCHAR,
    rows_read   BIGINT NOT NULL DEFAULT 0, -- = event_rows + rejects + skipped
    events      BIGINT NOT NULL DEFAULT 0,
    event_rows  BIGINT NOT NULL DEFAULT 0, -- rows that became events (a row may yield several)
    rejects     BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0, -- summary/total rows kept as statement facts
    as_of       TIMESTAMP                  -- records complete up to this moment, if stated
);

-- Statements, events and rejects reference their source: no row can outlive or precede the
-- file it came from (a file's rows and its sources row are written in one transaction).

-- Bill-level facts, as printed.
CREATE TABLE IF NOT EXISTS statements (
    statement_id    INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources (source_id),
    carrier         VARCHAR NOT NULL,
    account         VARCHAR,
    invoice_number  VARCHAR,
    lines           VARCHAR[],
    period_start    DATE,
    period_end      DATE,
    issued_on       DATE,
    currency        VARCHAR,
    subtotal        DECIMAL(18,4),
    taxes           DECIMAL(18,4),
    total_due       DECIMAL(18,4),
    plan_name       VARCHAR,
    allowance_bytes DECIMAL(20,0),
    balance_after   DECIMAL(18,4),
    as_of           TIMESTAMP,
    page            INTEGER,
    extra           JSON
);

-- One row per usage or charge record.
CREATE TABLE IF NOT EXISTS events (
    event_id          BIGINT PRIMARY KEY,
    source_id         INTEGER NOT NULL REFERENCES sources (source_id),
    statement_id      INTEGER,
    line              VARCHAR,
    started_at        TIMESTAMP,
    ended_at          TIMESTAMP,
    kind              VARCHAR NOT NULL,   -- one of analyzer.model.KINDS (KIND_MEANINGS says what each is)
    direction         VARCHAR,            -- in | out | NULL
    quantity          DECIMAL(18,3),      -- as billed/reported, in unit
    unit              VARCHAR,            -- bytes | seconds | messages | items
    duration_s        DECIMAL(12,3),      -- the call's own duration, when the file gives it apart
    counterparty      VARCHAR,            -- as printed
    counterparty_e164 VARCHAR,
    counterparty_country VARCHAR,         -- ISO alpha-2 of the number (phonenumbers)
    counterparty_type VARCHAR,            -- mobile | fixed_line | premium_rate | toll_free | short_code | ...
    country           VARCHAR,            -- ISO 3166 alpha-2 where the usage happened
    network           VARCHAR,
    roaming           BOOLEAN,            -- as the carrier says
    amount            DECIMAL(18,4),
    currency          VARCHAR,
    description       VARCHAR,
    page              INTEGER,
    "row"             BIGINT,
    raw               JSON,
    superseded        BOOLEAN NOT NULL DEFAULT false  -- another file's copy wins (copies.py)
);

CREATE TABLE IF NOT EXISTS rejects (
    source_id INTEGER NOT NULL REFERENCES sources (source_id),
    page      INTEGER,
    "row"     BIGINT,
    raw       VARCHAR,
    reason    VARCHAR NOT NULL
);

-- Per-line settings from analyzer.toml, refreshed on every run so rules can join them.
CREATE TABLE IF NOT EXISTS lines (
    line               VARCHAR PRIMARY KEY,
    label              VARCHAR,
    home_country       VARCHAR,
    plan_name          VARCHAR,
    data_allowance     DECIMAL(20,0),     -- bytes per cycle
    cycle              VARCHAR,           -- monthly | days | validity
    cycle_day          INTEGER,
    cycle_days         INTEGER,
    cycle_start        DATE,
    validity_days      INTEGER,
    validity_starts    VARCHAR,           -- first_use | purchase (cycle_start = purchase date)
    price              DECIMAL(18,4),
    price_currency     VARCHAR
);

CREATE TABLE IF NOT EXISTS rate_cards (
    carrier         VARCHAR NOT NULL,
    country         VARCHAR,              -- NULL: national usage; else usage roaming in it
    kind            VARCHAR NOT NULL,     -- voice | sms | data
    direction       VARCHAR,              -- out | in (received calls abroad) | NULL (data)
    unit_price      DECIMAL(18,6) NOT NULL,
    per             VARCHAR NOT NULL,     -- minute | message | MB
    currency        VARCHAR NOT NULL,
    increment_first INTEGER,              -- seconds, voice only (60/60, 30/6, 1/1)
    increment_next  INTEGER
);

CREATE TABLE IF NOT EXISTS findings (
    finding_id      BIGINT PRIMARY KEY,
    rule            VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,     -- info | warning | error
    title           VARCHAR NOT NULL,
    line            VARCHAR,
    period_start    DATE,
    period_end      DATE,
    observed        VARCHAR,
    expected        VARCHAR,
    amount_at_stake DECIMAL(18,4),
    currency        VARCHAR,
    detail          VARCHAR NOT NULL,
    event_ids       BIGINT[]
);

-- Events with overlapping exports collapsed: the same line, time, kind, quantity and
-- counterparty (compared in E.164 where it is a phone number, since exports print numbers
-- differently) seen in several files is one event. Identical rows inside one file are all kept:
-- that is a duplicate charge, which a rule reports. A billed copy (from a statement with a
-- printed total) wins over an unbilled usage export; then the newest file. The losers are
-- flagged `superseded` when a file is saved (analyzer/copies.py), so this is a plain filter.
CREATE OR REPLACE VIEW usage AS
SELECT * EXCLUDE (superseded)
FROM events
WHERE superseded IS NOT TRUE;

CREATE OR REPLACE VIEW daily_usage AS
SELECT line,
       CAST(started_at AS DATE)                          AS day,
       kind,
       unit,
       count(*)                                          AS events,
       sum(quantity)                                     AS quantity,
       currency,
       sum(amount)                                       AS amount
FROM usage
WHERE started_at IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE VIEW monthly_charges AS
SELECT line,
       strftime(coalesce(started_at, s.period_start), '%Y-%m') AS month,
       kind,
       u.currency,
       count(*)                                          AS items,
       sum(amount)                                       AS amount
FROM usage u
LEFT JOIN statements s USING (statement_id)
WHERE amount IS NOT NULL
GROUP BY ALL;

-- One row per line, day and visited country. `outgoing` counts calls made and texts sent: with data
-- use, what starts a day pass (received texts do not).
CREATE OR REPLACE VIEW roaming_days AS
SELECT u.line,
       CAST(u.started_at AS DATE)                        AS day,
       u.country,
       count(*)                                          AS events,
       sum(CASE WHEN u.kind = 'data' THEN u.quantity END) AS data_bytes,
       sum(CASE WHEN u.kind = 'voice' THEN u.quantity END) AS voice_seconds,
       sum(CASE WHEN u.kind IN ('sms', 'mms') THEN u.quantity END) AS messages,
       count(*) FILTER (WHERE u.direction = 'out')       AS outgoing,
       list(DISTINCT u.network ORDER BY u.network)
           FILTER (WHERE u.network IS NOT NULL)          AS networks
FROM usage u
LEFT JOIN lines l USING (line)
WHERE u.started_at IS NOT NULL
  AND u.country IS NOT NULL
  AND (u.roaming OR u.country <> l.home_country)
GROUP BY ALL;

-- Where each finding's evidence lives.
CREATE OR REPLACE VIEW finding_evidence AS
SELECT f.finding_id, e.event_id, s.path, e.page, e."row"
FROM findings f, unnest(f.event_ids) AS t(event_id)
JOIN events e USING (event_id)
JOIN sources s USING (source_id);

-- The smallest amount a currency is printed in (ISO 4217 minor unit): rounding tolerances.
CREATE OR REPLACE MACRO minor_unit(currency) AS
    CASE
        WHEN upper(currency) IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG',
                                 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF')
            THEN 1.0
        WHEN upper(currency) IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 0.001
        ELSE 0.01
    END;

-- Recurring charges (plans and subscription fees, not usage-priced or one-off fees) per line
-- and billing period: the period is the charge's own start..end when the file gives one,
-- else its statement's period, else the calendar month it is dated in (a multi-month export).
CREATE OR REPLACE VIEW recurring_charges AS
SELECT e.event_id, e.statement_id, e.source_id, e.line, e.kind, e.description, e.amount,
       e.currency,
       CASE WHEN e.ended_at > e.started_at THEN CAST(e.started_at AS DATE)
            WHEN s.period_end - s.period_start <= 31 THEN s.period_start
            ELSE CAST(date_trunc('month', e.started_at) AS DATE) END AS period_start,
       CASE WHEN e.ended_at > e.started_at THEN CAST(e.ended_at AS DATE)
            WHEN s.period_end - s.period_start <= 31 THEN s.period_end
            ELSE CAST(last_day(e.started_at) AS DATE) END AS period_end
FROM events e
LEFT JOIN statements s USING (statement_id)
WHERE e.kind IN ('plan', 'fee')
  AND e.amount > 0
  AND e.line IS NOT NULL
  AND coalesce(e.started_at, s.period_start) IS NOT NULL
  AND (e.kind = 'plan' OR NOT regexp_matches(coalesce(e.description, ''),
      '(?i)usage|overage|roaming|international|day ?pass|travel ?pass|one.?time|activation|late|install'));

-- Stretches where records are probably incomplete: after a source's as-of time (records are
-- complete up to that moment) until the end of the period its statement covers, or that day.
CREATE OR REPLACE VIEW incomplete_periods AS
SELECT DISTINCT e.line, src.source_id, src.path,
       coalesce(src.as_of, s.as_of) AS starts_at,
       greatest(CAST(s.period_end + 1 AS TIMESTAMP),
                CAST(CAST(coalesce(src.as_of, s.as_of) AS DATE) + 1 AS TIMESTAMP)) AS ends_at,
       'records after the export time ' || strftime(coalesce(src.as_of, s.as_of), '%Y-%m-%d %H:%M')
           || ' may still arrive' AS reason
FROM sources src
JOIN events e USING (source_id)
LEFT JOIN statements s ON s.statement_id = e.statement_id
WHERE coalesce(src.as_of, s.as_of) IS NOT NULL AND e.line IS NOT NULL;

-- An amount as a person reads it: the currency's decimals and its code ("10.00 USD", "1500 XPF").
CREATE OR REPLACE MACRO money_text(amount, currency) AS
    CASE minor_unit(currency)
        WHEN 1.0 THEN CAST(CAST(amount AS DECIMAL(18,0)) AS VARCHAR)
        WHEN 0.001 THEN CAST(CAST(amount AS DECIMAL(18,3)) AS VARCHAR)
        ELSE CAST(CAST(amount AS DECIMAL(18,2)) AS VARCHAR)
    END || ' ' || coalesce(currency, '');

-- Usage a statement states per line as totals for its whole period (a fleet report's monthly
-- columns), one row per statement and line. These are not timed events: the daily charts and
-- the timed rules do not see them, but per-line totals and idle-line audits do.
CREATE OR REPLACE VIEW stated_usage AS
WITH stated AS (
    SELECT statement_id, source_id, period_start, period_end,
           CASE WHEN json_type(json_extract(extra, '$.usage_totals')) = 'VARCHAR'
                THEN json(json_extract_string(extra, '$.usage_totals'))
                ELSE json_extract(extra, '$.usage_totals') END AS totals
    FROM statements
    WHERE json_extract(extra, '$.usage_totals') IS NOT NULL
)
SELECT statement_id, source_id, line, period_start, period_end,
       TRY_CAST(json_extract_string(totals, '$."' || line || '".data_bytes') AS DECIMAL(20,0))
           AS data_bytes,
       TRY_CAST(json_extract_string(totals, '$."' || line || '".voice_seconds') AS DECIMAL(18,3))
           AS voice_seconds,
       TRY_CAST(json_extract_string(totals, '$."' || line || '".messages') AS DECIMAL(18,3))
           AS messages
FROM (SELECT *, unnest(json_keys(totals)) AS line FROM stated);

-- Each planned line's current allowance cycle and its forecast, one row per line: the cycle
-- holding the as-of time (the export's "complete up to" time, else the last record), the data
-- used in it so far, and when the allowance runs out at the last `recent_days` days' rate
-- (`runs_out`), between the faster and the slower of that rate and the cycle's average
-- (`earliest` .. `latest`, NULL = never). Cycles: monthly on a day, every N days, or a validity
-- window from purchase or from first use. Lines without an allowance get their cycle and use,
-- with no forecast. The allowance rule and the report's line cards and chart read this one macro.
CREATE OR REPLACE MACRO allowance_forecast(recent_days) AS TABLE
WITH stated AS (
    SELECT e.line, max(coalesce(src.as_of, s.as_of)) AS as_of
    FROM (SELECT DISTINCT line, source_id, statement_id FROM events WHERE line IS NOT NULL) e
    JOIN sources src USING (source_id)
    LEFT JOIN statements s ON s.statement_id = e.statement_id
    GROUP BY e.line
),
plans AS (
    SELECT l.line, l.data_allowance, l.cycle, l.cycle_day, l.cycle_days, l.cycle_start,
           l.validity_days, l.validity_starts, l.plan_name,
           greatest(coalesce(st.as_of, last_record.last_at), last_record.last_at) AS as_of
    FROM lines l
    JOIN (SELECT line, max(started_at) AS last_at FROM usage WHERE kind = 'data' GROUP BY line)
        AS last_record USING (line)
    LEFT JOIN stated st USING (line)
    WHERE l.cycle IS NOT NULL
),
first_use AS (
    SELECT p.line, min(u.started_at) AS first_at
    FROM plans p
    JOIN usage u ON u.line = p.line AND u.kind = 'data' AND u.quantity > 0
                AND u.started_at >= coalesce(p.cycle_start, DATE '0001-01-01')
    GROUP BY p.line
),
monthly_start AS (
    -- The cycle day of as-of's month (clamped to short months), or else the previous month's.
    SELECT line,
           CASE WHEN this_month > CAST(as_of AS DATE)
                THEN make_date(year(previous), month(previous),
                               least(cycle_day, day(last_day(previous))))
                ELSE this_month END AS starts
    FROM (SELECT line, as_of, coalesce(cycle_day, 1) AS cycle_day,
                 as_of - INTERVAL 1 MONTH AS previous,
                 make_date(year(as_of), month(as_of),
                           least(coalesce(cycle_day, 1), day(last_day(as_of)))) AS this_month
          FROM plans WHERE cycle = 'monthly')
),
cycles AS (
    SELECT p.*, c.starts_at,
           CASE p.cycle
               WHEN 'monthly' THEN CAST(make_date(
                   year(c.starts_at + INTERVAL 1 MONTH), month(c.starts_at + INTERVAL 1 MONTH),
                   least(coalesce(p.cycle_day, 1),
                         day(last_day(c.starts_at + INTERVAL 1 MONTH)))) AS TIMESTAMP)
               WHEN 'days' THEN c.starts_at + to_days(p.cycle_days)
               ELSE c.starts_at + to_hours(24 * p.validity_days)
           END AS ends_at
    FROM plans p
    JOIN (
        SELECT line, CAST(starts AS TIMESTAMP) AS starts_at FROM monthly_start
        UNION ALL
        SELECT line, CAST(cycle_start AS TIMESTAMP)
                     + to_days(CAST(floor(datediff('day', cycle_start, CAST(as_of AS DATE))
                                          / cycle_days) * cycle_days AS INTEGER))
        FROM plans WHERE cycle = 'days'
        UNION ALL
        SELECT p.line, CASE WHEN p.validity_starts = 'purchase'
                            THEN CAST(p.cycle_start AS TIMESTAMP) ELSE f.first_at END
        FROM plans p LEFT JOIN first_use f USING (line)
        WHERE p.cycle = 'validity'
    ) AS c USING (line)
    WHERE c.starts_at IS NOT NULL AND p.as_of >= c.starts_at
),
burn AS (
    SELECT c.line,
           sum(u.quantity) AS used,
           sum(u.quantity) FILTER (WHERE u.started_at > c.as_of - to_days(recent_days))
               AS used_recently,
           list(u.event_id ORDER BY u.quantity DESC, u.event_id)[1:5] AS biggest
    FROM cycles c
    JOIN usage u ON u.line = c.line AND u.kind = 'data'
                AND (u.ended_at IS NULL OR u.ended_at < u.started_at + INTERVAL 1 DAY)
                AND u.started_at >= c.starts_at AND u.started_at < c.ends_at
                AND u.started_at <= c.as_of
    GROUP BY c.line
),
forecast AS (
    SELECT c.*, b.used, b.biggest,
           c.data_allowance - b.used AS remaining,
           coalesce(b.used_recently, 0)
               / (epoch(c.as_of - greatest(c.starts_at, c.as_of - to_days(recent_days)))
                  / 86400.0) AS recent_rate,
           b.used / greatest(epoch(c.as_of - c.starts_at) / 86400.0, 1.0 / 24) AS cycle_rate
    FROM cycles c
    JOIN burn b USING (line)
    WHERE c.as_of < c.ends_at
)
SELECT *,
       CASE WHEN remaining <= 0 THEN as_of WHEN recent_rate > 0
            THEN as_of + to_seconds(CAST(remaining / recent_rate * 86400 AS BIGINT))
       END AS runs_out,
       CASE WHEN remaining <= 0 THEN as_of
            WHEN greatest(recent_rate, cycle_rate) > 0
            THEN as_of + to_seconds(CAST(remaining / greatest(recent_rate, cycle_rate) * 86400
                                         AS BIGINT))
       END AS earliest,
       CASE WHEN remaining <= 0 THEN as_of WHEN least(recent_rate, cycle_rate) > 0
            THEN as_of + to_seconds(CAST(remaining / least(recent_rate, cycle_rate) * 86400
                                         AS BIGINT))
       END AS latest
FROM forecast;
