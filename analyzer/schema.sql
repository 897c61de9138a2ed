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
    rows_read   BIGINT NOT NULL DEFAULT 0, -- = events + rejects + skipped
    events      BIGINT NOT NULL DEFAULT 0,
    rejects     BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0, -- summary/total rows kept as statement facts
    as_of       TIMESTAMP                  -- records complete up to this moment, if stated
);

-- Bill-level facts, as printed.
CREATE TABLE IF NOT EXISTS statements (
    statement_id    INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL,
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
    source_id         INTEGER NOT NULL,
    statement_id      INTEGER,
    line              VARCHAR,
    started_at        TIMESTAMP,
    ended_at          TIMESTAMP,
    kind              VARCHAR NOT NULL,   -- data|voice|sms|mms|fee|plan|topup|credit|tax|adjustment|transfer
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
    raw               JSON
);

CREATE TABLE IF NOT EXISTS rejects (
    source_id INTEGER NOT NULL,
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
    data_allowance     DECIMAL(20,0),     -- bytes per cycle
    cycle              VARCHAR,           -- monthly | days | validity
    cycle_day          INTEGER,
    cycle_days         INTEGER,
    cycle_start        DATE,
    validity_days      INTEGER,
    validity_starts    VARCHAR,           -- first_use | purchase
    price              DECIMAL(18,4),
    price_currency     VARCHAR
);

CREATE TABLE IF NOT EXISTS rate_cards (
    carrier         VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,     -- voice | sms | data
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
-- differently) seen in several files is one event; the newest file's copy wins. Identical rows
-- inside one file are all kept: that is a duplicate charge, which a rule reports. A billed copy
-- (from a statement with a printed total) wins over an unbilled usage export; then the newest.
CREATE OR REPLACE VIEW usage AS
SELECT * EXCLUDE (copy_rank)
FROM (
    SELECT e.*,
           dense_rank() OVER (
               PARTITION BY e.line, e.started_at, e.kind, e.quantity,
                            coalesce(e.counterparty_e164, e.counterparty),
                            CASE WHEN e.started_at IS NULL THEN e.event_id END
               ORDER BY (s.total_due IS NOT NULL) DESC, e.source_id DESC
           ) AS copy_rank
    FROM events e
    LEFT JOIN statements s ON s.statement_id = e.statement_id
)
WHERE copy_rank = 1;

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

CREATE OR REPLACE VIEW roaming_days AS
SELECT u.line,
       CAST(u.started_at AS DATE)                        AS day,
       u.country,
       count(*)                                          AS events,
       sum(CASE WHEN u.kind = 'data' THEN u.quantity END) AS data_bytes,
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
