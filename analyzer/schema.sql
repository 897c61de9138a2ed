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

-- The text of each CSV file as it was split (UTF-8), or a workbook's sheet written as CSV lines
-- (line N its row N), kept once, compressed in blocks of whole lines: any event's or reject's
-- row (sources row + "row") can be shown again from it, without a copy of every row.
-- ``columns`` are the header's names (or #1..#N) the row's cells go under.
CREATE TABLE IF NOT EXISTS source_files (
    source_id   INTEGER PRIMARY KEY REFERENCES sources (source_id),
    delimiter   VARCHAR NOT NULL,
    columns     VARCHAR[] NOT NULL,
    codec       VARCHAR NOT NULL           -- the pyarrow codec of the blocks (zstd; lz4 in older files)
);
-- Blocks of files imported before version 6, one row each (no longer written).
CREATE TABLE IF NOT EXISTS source_text (
    source_id   INTEGER NOT NULL REFERENCES sources (source_id),
    first_line  BIGINT NOT NULL,           -- the 1-based line number of the block's first line
    size        INTEGER NOT NULL,          -- bytes before compression
    data        BLOB NOT NULL,
    PRIMARY KEY (source_id, first_line)
);
-- A block's compressed bytes in pieces of 512 bytes, one row each: DuckDB rewrites the last row
-- group of a table whole at the checkpoint after an append, and with a block of about a
-- megabyte per row that row group held every file's text (the 31st file of a fleet rewrote
-- 800 MB and took 2.4 GB closing the database). Pieces fill row groups and bound the rewrite.
CREATE TABLE IF NOT EXISTS source_text_pieces (
    source_id   INTEGER NOT NULL,          -- written with its sources row (store.save_extracted)
    first_line  BIGINT NOT NULL,           -- the 1-based line number of the block's first line
    size        INTEGER NOT NULL,          -- the block's bytes before compression
    piece       INTEGER NOT NULL,          -- 0, 1, ...: the order of the block's pieces
    data        BLOB NOT NULL
);

-- Statements and rejects reference their source, and events are checked when a database is
-- opened: no row can outlive or precede the file it came from (a file's rows and its sources
-- row are written in one transaction).

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

-- One row per usage or charge record. The one large table has no key constraints: checking ten
-- million keys row by row was a third of an import. event_id comes from its sequence, and a
-- file's events are written in one transaction with its sources row (store.save_extracted);
-- opening a database refuses events of no file (store.check_orphans).
CREATE TABLE IF NOT EXISTS events (
    event_id          BIGINT NOT NULL,
    source_id         INTEGER NOT NULL,
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
    raw               JSON,               -- the row's cells, where its file's text is not kept (source_text)
    superseded        BOOLEAN NOT NULL DEFAULT false, -- another file's copy wins (copies.py)
    utc_offset_min    SMALLINT            -- the UTC offset printed with started_at; NULL: none printed
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
    price_currency     VARCHAR,
    time_zone          VARCHAR            -- IANA zone of the line's wall times where files print no offset
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

-- The smallest amount a currency is printed in (its minor unit): rounding tolerances. The lists
-- are analyzer/money.py's (babel's CLDR currency data); a test keeps them equal.
CREATE OR REPLACE MACRO minor_unit(currency) AS
    CASE
        WHEN upper(currency) IN ('ADP', 'AFN', 'ALL', 'BIF', 'BYR', 'CLP', 'COP', 'DJF', 'ESP',
                                 'GNF', 'HUF', 'IDR', 'IQD', 'IRR', 'ISK', 'ITL', 'JPY', 'KMF',
                                 'KPW', 'KRW', 'LAK', 'LBP', 'LUF', 'MGA', 'MGF', 'MMK', 'MRO',
                                 'PYG', 'RWF', 'SLL', 'SOS', 'STD', 'SYP', 'TMM', 'TRL', 'UGX',
                                 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF', 'YER', 'ZMK', 'ZWD')
            THEN 1.0
        WHEN upper(currency) IN ('BHD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND')
            THEN 0.001
        WHEN upper(currency) IN ('CLF', 'UYW') THEN 0.0001
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
-- The instant of a wall time, for elapsed time across windows (a 24-hour day pass over a clock
-- change): UTC from the offset the file printed, else from the line's time zone (lines), else
-- the wall time as it stands. Displays keep the wall time.
CREATE OR REPLACE MACRO zone_offset_min(time_zone, wall) AS
    CAST((epoch(wall) - epoch(timezone(time_zone, wall))) // 60 AS INTEGER);

CREATE OR REPLACE MACRO instant(wall, utc_offset_min, time_zone := NULL) AS
    wall - to_minutes(CAST(coalesce(utc_offset_min,
                                    CASE WHEN time_zone IS NOT NULL
                                         THEN zone_offset_min(time_zone, wall) END,
                                    0) AS BIGINT));

CREATE OR REPLACE MACRO money_text(amount, currency) AS
    CASE minor_unit(currency)
        WHEN 1.0 THEN CAST(CAST(amount AS DECIMAL(18,0)) AS VARCHAR)
        WHEN 0.001 THEN CAST(CAST(amount AS DECIMAL(18,3)) AS VARCHAR)
        WHEN 0.0001 THEN CAST(CAST(amount AS DECIMAL(18,4)) AS VARCHAR)
        ELSE CAST(CAST(amount AS DECIMAL(18,2)) AS VARCHAR)
    END || ' ' || coalesce(currency, '');

-- A line as a finding names it: its number, or what stands for a number the bill did not print.
CREATE OR REPLACE MACRO line_text(line) AS coalesce(line, '(no number printed)');

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

-- The last analysis, one row per rule (and one for the folding of related findings into
-- incidents, rule '(incidents)'): whether it ran, how long it took, what it found. A rule that
-- failed has status 'failed', its error, and no findings: the others ran all the same.
CREATE TABLE IF NOT EXISTS rule_runs (
    rule     VARCHAR PRIMARY KEY,
    status   VARCHAR NOT NULL,             -- ok | failed
    error    VARCHAR,                      -- one line, when failed
    seconds  DOUBLE NOT NULL,
    findings BIGINT NOT NULL DEFAULT 0,    -- as the rule found them, before folding
    ran_at   TIMESTAMP NOT NULL
);

-- Findings folded into another one (an incident): a night burn explains that day's data burn,
-- a duplicate charge that month's charge increase. The folded finding is kept here, not in
-- findings, so a person reads one incident and money at stake is counted once.
CREATE TABLE IF NOT EXISTS folded_findings (
    finding_id      BIGINT PRIMARY KEY,
    into_finding_id BIGINT NOT NULL,       -- the incident's finding in findings
    rule            VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
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

-- The key that makes two events copies of one another (analyzer/copies.py), and what ranks the
-- copies. Usage: line, kind, time, quantity, counterparty. Charges: line, kind, time (or the
-- statement period when the bill prints no time), amount, currency, description.
CREATE OR REPLACE VIEW copy_keys AS
SELECT e.event_id, e.source_id, e.line, e.kind,
       coalesce(e.started_at, CAST(s.period_start AS TIMESTAMP)) AS keyed_at,
       CASE WHEN e.started_at IS NULL THEN s.period_end END AS until,
       e.quantity,
       coalesce(e.counterparty_e164, e.counterparty) AS party,
       CASE WHEN e.kind NOT IN ('data', 'voice', 'sms', 'mms')
            THEN CAST(e.amount AS VARCHAR) || ' ' || coalesce(e.currency, '') END AS charged,
       CASE WHEN e.kind NOT IN ('data', 'voice', 'sms', 'mms')
            THEN lower(trim(coalesce(e.description, ''))) END AS what,
       greatest(s.issued_on, CAST(s.as_of AS DATE), CAST(src.as_of AS DATE)) AS document_date,
       s.total_due IS NOT NULL AS billed,
       coalesce(e.superseded, false) AS superseded,
       -- how precisely the file's layout prints usage (its profile's [copies]): 0 = exactly
       CASE WHEN e.started_at IS NOT NULL THEN coalesce(s.copy_seconds, 0) ELSE 0 END
           AS time_tolerance,
       CASE e.kind WHEN 'voice' THEN coalesce(s.copy_voice_seconds, 0)
                   WHEN 'data' THEN coalesce(s.copy_data_bytes, 0) ELSE 0 END
           AS quantity_tolerance
FROM events e
LEFT JOIN sources src USING (source_id)  -- a file being saved may not have its row yet
LEFT JOIN (
    SELECT *,
           TRY_CAST(json_extract_string(extra, '$.copy_seconds') AS BIGINT) AS copy_seconds,
           TRY_CAST(json_extract_string(extra, '$.copy_voice_seconds') AS BIGINT)
               AS copy_voice_seconds,
           TRY_CAST(json_extract_string(extra, '$.copy_data_bytes') AS BIGINT) AS copy_data_bytes
    FROM statements
) s ON s.statement_id = e.statement_id
WHERE coalesce(e.started_at, CAST(s.period_start AS TIMESTAMP)) IS NOT NULL;

-- Events inside a stretch of time that two files of one line both cover, with no copy in the
-- other file: one export has a record the other lacks (a session still growing when one was
-- exported, a call printed differently, a row missing). A copy within the files' declared
-- tolerance (copy_keys) is a copy. Usage only; one row per event and file it is missing from.
CREATE OR REPLACE VIEW unmatched_overlap AS
WITH spans AS (
    SELECT source_id, line, min(keyed_at) AS first_at, max(keyed_at) AS last_at
    FROM copy_keys
    WHERE kind IN ('data', 'voice', 'sms', 'mms') AND line IS NOT NULL
    GROUP BY source_id, line
),
shared_spans AS (
    SELECT a.source_id, b.source_id AS other_source_id, a.line,
           greatest(a.first_at, b.first_at) AS starts_at, least(a.last_at, b.last_at) AS ends_at
    FROM spans a
    JOIN spans b ON a.line = b.line AND a.source_id <> b.source_id
    WHERE greatest(a.first_at, b.first_at) < least(a.last_at, b.last_at)
)
SELECT k.event_id, k.source_id, o.other_source_id, k.line, k.kind, k.keyed_at AS started_at,
       k.quantity, o.starts_at AS overlap_starts_at, o.ends_at AS overlap_ends_at
FROM shared_spans o
JOIN copy_keys k
  ON k.source_id = o.source_id AND k.line = o.line
 AND k.kind IN ('data', 'voice', 'sms', 'mms') AND k.keyed_at BETWEEN o.starts_at AND o.ends_at
WHERE NOT EXISTS (
    SELECT 1 FROM copy_keys c
    WHERE c.source_id = o.other_source_id AND c.line = k.line AND c.kind = k.kind
      AND c.party IS NOT DISTINCT FROM k.party
      AND ((c.keyed_at = k.keyed_at AND c.quantity IS NOT DISTINCT FROM k.quantity)
           OR (c.superseded <> k.superseded  -- a copy within the tolerances: one of them lost
               AND abs(epoch(c.keyed_at) - epoch(k.keyed_at))
                   <= greatest(c.time_tolerance, k.time_tolerance)
               AND abs(c.quantity - k.quantity)
                   <= greatest(c.quantity_tolerance, k.quantity_tolerance))));

-- One row per trip abroad: a run of records outside the line's home country (or marked roaming
-- when no home country is set), however many countries it crosses, ended by records back home;
-- a moment on the home network (under 6 hours between records abroad on either side) does not
-- end it. Data, calls, texts, what was charged on the trip (usage abroad and travel passes) and
-- the passes bought; cost is NULL when the trip was charged in several currencies.
CREATE OR REPLACE VIEW trips AS
WITH located AS (
    SELECT u.event_id, u.line, u.started_at, u.kind, u.direction, u.quantity, u.amount,
           u.currency, u.description, u.country,
           CASE WHEN l.home_country IS NOT NULL THEN u.country <> l.home_country
                ELSE coalesce(u.roaming, false) END AS abroad
    FROM usage u
    LEFT JOIN lines l USING (line)
    WHERE u.started_at IS NOT NULL AND u.line IS NOT NULL AND u.country IS NOT NULL
),
runs AS (
    SELECT *, sum(CASE WHEN abroad IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                  OVER (PARTITION BY line ORDER BY started_at, event_id) AS run
    FROM (SELECT *, lag(abroad) OVER (PARTITION BY line ORDER BY started_at, event_id) AS previous
          FROM located)
),
spans AS (
    SELECT line, run, bool_or(abroad) AS abroad, min(started_at) AS first_at,
           max(started_at) AS last_at
    FROM runs GROUP BY line, run
),
home_blips AS (
    SELECT line, run FROM (
        SELECT *, lag(last_at) OVER by_run AS before_last, lead(first_at) OVER by_run AS after_first,
               lag(abroad) OVER by_run AS before, lead(abroad) OVER by_run AS after
        FROM spans WINDOW by_run AS (PARTITION BY line ORDER BY run))
    WHERE NOT abroad AND before AND after AND after_first - before_last <= INTERVAL 6 HOUR
),
numbered AS (
    SELECT *, sum(CASE WHEN abroad IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                  OVER (PARTITION BY line ORDER BY started_at, event_id) AS trip_run
    FROM (SELECT r.* EXCLUDE (previous),
                 lag(r.abroad) OVER (PARTITION BY r.line ORDER BY r.started_at, r.event_id)
                     AS previous
          FROM runs r
          WHERE NOT EXISTS (SELECT 1 FROM home_blips b WHERE b.line = r.line AND b.run = r.run))
),
trip_events AS (
    SELECT * FROM numbered WHERE abroad
),
passes AS (
    -- travel passes bought on the line during the trip (they may be dated without a country)
    SELECT t.line, t.trip_run, count(*) AS passes, list(u.event_id) AS pass_events,
           sum(u.amount) AS pass_cost, max(u.currency) AS pass_currency,
           count(DISTINCT u.currency) AS pass_currencies
    FROM (SELECT line, trip_run, min(started_at) AS first_at, max(started_at) AS last_at
          FROM trip_events GROUP BY ALL) t
    JOIN usage u ON u.line = t.line AND u.kind = 'fee'
                AND CAST(u.started_at AS DATE) BETWEEN CAST(t.first_at AS DATE)
                                                   AND CAST(t.last_at AS DATE)
                AND regexp_matches(coalesce(u.description, ''),
                    '(?i)day ?pass|daily pass|travel ?pass|pase diario|pass jour')
    GROUP BY ALL
)
SELECT e.line,
       row_number() OVER (PARTITION BY e.line ORDER BY min(e.started_at)) AS trip,
       min(e.started_at) AS first_at,
       max(e.started_at) AS last_at,
       CAST(max(e.started_at) AS DATE) - CAST(min(e.started_at) AS DATE) + 1 AS days,
       list(DISTINCT e.country ORDER BY e.country) AS countries,
       coalesce(sum(e.quantity) FILTER (WHERE e.kind = 'data'), 0) AS data_bytes,
       count(*) FILTER (WHERE e.kind = 'voice') AS calls,
       count(*) FILTER (WHERE e.kind IN ('sms', 'mms')) AS texts,
       coalesce(any_value(p.passes), 0) AS passes,
       CASE WHEN count(DISTINCT e.currency) FILTER (WHERE e.amount <> 0 AND e.kind <> 'fee') <= 1
                 AND coalesce(any_value(p.pass_currencies), 0) <= 1
                 AND coalesce(max(e.currency) FILTER (WHERE e.amount <> 0 AND e.kind <> 'fee'),
                              any_value(p.pass_currency))
                     IS NOT DISTINCT FROM coalesce(any_value(p.pass_currency),
                         max(e.currency) FILTER (WHERE e.amount <> 0 AND e.kind <> 'fee'))
            THEN coalesce(sum(e.amount) FILTER (WHERE e.kind <> 'fee'), 0)
                 + coalesce(any_value(p.pass_cost), 0) END AS cost,
       coalesce(max(e.currency) FILTER (WHERE e.amount <> 0 AND e.kind <> 'fee'),
                any_value(p.pass_currency)) AS currency,
       list(e.event_id ORDER BY e.started_at, e.event_id) AS event_ids,
       any_value(p.pass_events) AS pass_events
FROM trip_events e
LEFT JOIN passes p ON p.line = e.line AND p.trip_run = e.trip_run
GROUP BY e.line, e.trip_run;
