"""One rule never stops the analysis, and related findings fold into one incident."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from test_rules import (
    BUSY,
    LINE,
    STEADY,
    add_events,
    add_source,
    add_statement,
    data_days,
    findings,
)

from analyzer.rules import RuleFailure, load_rules, parse_rule, run_rules

BROKEN = parse_rule(
    "aaa_broken",
    "-- title: Broken on purpose\n-- severity: error\n"
    "SELECT 'x' AS line, NULL::DATE AS period_start, NULL::DATE AS period_end, NULL AS observed,"
    " NULL AS expected, NULL::DECIMAL(18,4) AS amount_at_stake, NULL AS currency,"
    " NULL::VARCHAR AS detail, []::BIGINT[] AS event_ids",
)


def burnt_day(con) -> None:
    """Steady daytime use, then a night of 2.9 GiB: a night burn and a data burn the same day."""
    add_events(con, data_days("2026-05-01", STEADY))
    add_events(con, data_days("2026-05-15", [3000], hour=2))


def test_a_failing_rule_is_recorded_and_the_others_still_run(db) -> None:
    burnt_day(db)
    outcome = run_rules(db, rules=[BROKEN, *load_rules()])
    assert outcome.failures == (
        RuleFailure(
            "aaa_broken",
            "Constraint Error: NOT NULL constraint failed: findings.detail",
        ),
    )
    assert outcome.failures[0].message == (
        "rule aaa_broken failed: Constraint Error: NOT NULL constraint failed: findings.detail"
    )
    assert findings(db, "night_burn") == [(LINE, "2026-05-15", "2026-05-15", "2.9 GiB")]
    assert db.sql(
        "SELECT rule, status, findings FROM rule_runs WHERE rule IN ('aaa_broken', 'night_burn') "
        "ORDER BY rule"
    ).fetchall() == [("aaa_broken", "failed", 0), ("night_burn", "ok", 1)]
    assert outcome.findings == db.sql("SELECT count(*) FROM findings").fetchall()[0][0]


def test_a_rule_that_fails_on_a_rerun_keeps_no_stale_findings(db) -> None:
    burnt_day(db)
    run_rules(db)
    assert findings(db, "night_burn") != []
    outcome = run_rules(db, {"night_burn": {"min_mb": "lots"}})
    assert [f.rule for f in outcome.failures] == ["night_burn"]
    assert findings(db, "night_burn") == []
    # the data burn the night burn had explained stands on its own again
    assert findings(db, "data_burn") == [(LINE, "2026-05-15", "2026-05-15", "2.9 GiB")]


def test_a_bill_without_a_period_still_gets_its_mismatch_reported(db) -> None:
    source = add_source(db, "bill.pdf")
    statement = add_statement(db, source, period=(None, None), total_due="50.00")
    add_events(
        db,
        [{"kind": "plan", "amount": Decimal("40.00"), "currency": "USD", "description": "Plan"}],
        source,
        statement,
    )
    outcome = run_rules(db)
    assert outcome.failures == ()
    assert db.sql("SELECT detail FROM findings WHERE rule = 'bill_total_mismatch'").fetchall() == [
        (
            "The Test Mobile bill for an unstated period prints a total of 50.00 USD but its "
            "1 items add up to 40.00 USD: 10.00 USD unexplained.",
        )
    ]


# ---------------------------------------------------------------------------- folds
def test_a_night_burn_explains_that_days_data_burn(db) -> None:
    burnt_day(db)
    run_rules(db)
    rows = db.sql(
        "SELECT rule, amount_at_stake, detail FROM findings WHERE line = ? ORDER BY rule",
        params=[LINE],
    ).fetchall()
    assert [(rule, money) for rule, money, _ in rows] == [("night_burn", None)]
    assert rows[0][2] == (
        "Line +12015550123 used 2.9 GiB of data in the night of 2026-05-15 between 00:00 and "
        '06:00 (1 sessions, from 02:00 to 02:00). It explains "Data burned much faster than '
        'usual": Line +12015550123 used 2.9 GiB of data on 2026-05-15, 10.0 times its usual '
        "300.0 MiB a day (median of the previous 14 days)."
    )
    assert db.sql("SELECT rule, period_start::VARCHAR FROM folded_findings").fetchall() == [
        ("data_burn", "2026-05-15")
    ]


def test_a_night_burn_does_not_explain_a_burn_on_another_day(db) -> None:
    add_events(db, data_days("2026-05-01", [*STEADY, 3000]))
    add_events(db, data_days("2026-05-03", [150], hour=2))
    run_rules(db)
    assert db.sql("SELECT rule FROM findings ORDER BY rule").fetchall() == [
        ("data_burn",),
        ("night_burn",),
    ]


def plan_fees(con, months: list[list[str]], source: int | None = None, total: str | None = None):
    """Monthly plan fees of one bill: each inner list holds that month's rows."""
    source = source or add_source(con, "fleet.csv")
    statement = add_statement(con, source, (BUSY,), ("2026-08-01", "2026-10-31"), total_due=total)
    rows = [
        {"line": BUSY, "started_at": datetime(2026, 8 + i, 1), "kind": "plan",
         "amount": Decimal(a), "currency": "USD", "description": "Plan Charge"}
        for i, month in enumerate(months)
        for a in month
    ]  # fmt: skip
    return add_events(con, rows, source, statement)


def test_a_duplicate_charge_explains_that_months_increase_and_counts_once(db) -> None:
    plan_fees(db, [["45.00"], ["45.00"], ["45.00", "45.00"]])
    run_rules(db)
    assert db.sql(
        "SELECT rule, period_start::VARCHAR, amount_at_stake, currency FROM findings"
    ).fetchall() == [("duplicate_charge", "2026-10-01", Decimal("45.0000"), "USD")]
    assert db.sql("SELECT sum(amount_at_stake) FROM findings").fetchall() == [(Decimal("45.0000"),)]
    assert db.sql("SELECT rule, amount_at_stake FROM folded_findings").fetchall() == [
        ("charge_increase", Decimal("45.0000"))
    ]


def test_a_price_rise_next_to_another_fees_duplicate_stays_a_price_rise(db) -> None:
    plan_fees(db, [["45.00"], ["45.00"], ["55.00"]])
    source = add_source(db, "extras.csv")
    statement = add_statement(db, source, (BUSY,), ("2026-10-01", "2026-10-31"))
    fee = {"line": BUSY, "started_at": datetime(2026, 10, 3), "kind": "fee",
           "amount": Decimal("4.99"), "currency": "USD", "description": "Voicemail"}  # fmt: skip
    add_events(db, [fee, fee], source, statement)
    run_rules(db)
    assert db.sql("SELECT rule, amount_at_stake FROM findings ORDER BY rule").fetchall() == [
        ("charge_increase", Decimal("10.0000")),
        ("duplicate_charge", Decimal("4.9900")),
    ]


# ---------------------------------------------------------------------------- copies of one bill
def billed_copy(con, name: str, timed: bool) -> list[int]:
    """One bill (a total, a plan fee printed twice) as held in one file."""
    source = add_source(con, name)
    statement = add_statement(con, source, total_due="90.00", period=("2026-10-01", "2026-10-31"))
    fee = {"kind": "plan", "amount": Decimal("45.00"), "currency": "USD",
           "description": "Unlimited Plan",
           "started_at": datetime(2026, 10, 1) if timed else None}  # fmt: skip
    return add_events(con, [fee, fee], source, statement)


def test_one_duplicate_in_two_billed_copies_is_one_finding_counted_once(db) -> None:
    for timed in (True, False):
        db.execute("DELETE FROM events; DELETE FROM statements; DELETE FROM sources")
        billed_copy(db, "bill.pdf", timed)
        newer = billed_copy(db, "bill-downloaded-again.pdf", timed)
        run_rules(db)
        assert db.sql(
            "SELECT rule, amount_at_stake, currency, event_ids FROM findings"
        ).fetchall() == [("duplicate_charge", Decimal("45.0000"), "USD", newer)], timed
        assert db.sql("SELECT count(*) FROM usage").fetchall() == [(2,)]


def test_a_charge_only_one_copy_holds_is_never_lost(db) -> None:
    for name, amount in (("bill.pdf", "45.00"), ("export.csv", "55.00")):
        source = add_source(db, name)
        statement = add_statement(db, source, period=("2026-10-01", "2026-10-31"))
        add_events(
            db,
            [{"kind": "plan", "amount": Decimal(amount), "currency": "USD",
              "description": "Unlimited Plan", "started_at": datetime(2026, 10, 1)}],
            source,
            statement,
        )  # fmt: skip
    assert db.sql("SELECT amount FROM usage ORDER BY amount").fetchall() == [
        (Decimal("45.0000"),),
        (Decimal("55.0000"),),
    ]


def test_the_copy_from_the_document_exported_last_wins(db) -> None:
    session = {"kind": "data", "quantity": 5 * 1024**2, "started_at": datetime(2026, 10, 2, 9)}
    for name, as_of in (("later.csv", "2026-10-20 08:00"), ("earlier.csv", "2026-10-10 08:00")):
        add_events(db, [session], add_source(db, name, as_of=as_of))
    assert db.sql("SELECT path FROM usage JOIN sources USING (source_id)").fetchall() == [
        ("later.csv",)
    ]


def test_usage_in_an_overlap_that_matches_no_copy_is_listed(db) -> None:
    def sessions(hours: list[int]) -> list[dict]:
        return [
            {"kind": "data", "quantity": 5 * 1024**2, "started_at": datetime(2026, 10, 2, h)}
            for h in hours
        ]

    first = add_events(db, sessions([8, 9, 10, 11]), add_source(db, "one.csv"))
    second = add_events(db, sessions([10, 11, 12]), add_source(db, "two.csv"))
    # one.csv's 09:00 session is before two.csv starts: outside the overlap, not listed
    assert db.sql("SELECT event_id FROM unmatched_overlap").fetchall() == []
    add_events(db, sessions([10, 13]), add_source(db, "three.csv"))  # lacks 11:00 and 12:00
    assert db.sql(
        "SELECT e.event_id, regexp_extract(s.path, '[^/]+$') FROM unmatched_overlap e "
        "JOIN sources s ON s.source_id = e.other_source_id ORDER BY ALL"
    ).fetchall() == [(first[3], "three.csv"), (second[1], "three.csv"), (second[2], "three.csv")]
