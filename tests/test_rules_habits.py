"""A line's own habits are its baseline: nights, weekdays, trips, plans and what a file records."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from test_rules import (
    BUSY,
    LINE,
    add_events,
    add_source,
    add_statement,
    data_days,
    findings,
)

from analyzer.config import Config, apply_config
from analyzer.rules import run_rules


def test_a_line_busy_every_night_is_flagged_only_on_its_unusual_night(db) -> None:
    nights = [300] * 30
    nights[20] = 3000
    add_events(db, data_days("2026-03-01", nights, hour=2) + data_days("2026-03-01", [50] * 30))
    run_rules(db)
    assert findings(db, "night_burn") == [(LINE, "2026-03-21", "2026-03-21", "2.9 GiB")]
    assert db.sql("SELECT expected FROM findings WHERE rule = 'night_burn'").fetchall() == [
        ("under 900.0 MiB (its usual night: 300.0 MiB)",)
    ]


def test_a_line_quiet_at_night_is_still_flagged_on_a_busy_night(db) -> None:
    nights = [0] * 30
    nights[20] = 150
    add_events(db, data_days("2026-03-01", nights, hour=2) + data_days("2026-03-01", [50] * 30))
    run_rules(db)
    assert findings(db, "night_burn") == [(LINE, "2026-03-21", "2026-03-21", "150.0 MiB")]


def test_a_weekly_habit_is_not_a_burn_but_a_burn_on_another_weekday_is(db) -> None:
    volumes = [2000 if i % 7 == 5 else 300 for i in range(56)]  # 2026-03-07 is a Saturday
    volumes[31] = 3000  # a Thursday
    add_events(db, data_days("2026-03-02", volumes))
    run_rules(db)
    assert findings(db, "data_burn") == [(LINE, "2026-04-02", "2026-04-02", "2.9 GiB")]


def trip(con, countries: list[tuple[str, str]]) -> None:
    """One data session at each (time, country)."""
    add_events(
        con,
        [
            {"started_at": datetime.fromisoformat(at), "quantity": 10 * 1024**2, "country": c}
            for at, c in countries
        ],
    )
    apply_config(con, Config(home_country="US"))


def test_a_moment_on_the_home_network_near_the_border_does_not_split_a_visit(db) -> None:
    days = [f"2026-06-{d:02d} 12:00" for d in range(1, 9)]
    trip(
        db,
        [(days[0], "US"), (days[1], "MX"), (days[2], "MX"), ("2026-06-03 14:00", "US"),
         ("2026-06-03 15:00", "MX"), (days[4], "MX"), (days[6], "US"), (days[7], "US")],
    )  # fmt: skip
    run_rules(db)
    assert findings(db, "roaming_started") == [(LINE, "2026-06-02", "2026-06-05", "MX")]


def test_a_day_back_home_between_two_visits_keeps_them_apart(db) -> None:
    trip(
        db,
        [("2026-06-02 12:00", "MX"), ("2026-06-03 12:00", "US"), ("2026-06-04 12:00", "MX")],
    )
    run_rules(db)
    assert findings(db, "roaming_started") == [
        (LINE, "2026-06-02", "2026-06-02", "MX"),
        (LINE, "2026-06-04", "2026-06-04", "MX"),
    ]


def plans(con, rows: list[tuple[int, str, str, int]]) -> None:
    """(month, description, amount, copies) plan rows of one fleet bill."""
    source = add_source(con, "fleet.csv")
    statement = add_statement(con, source, (BUSY,), ("2026-08-01", "2026-10-31"))
    add_events(
        con,
        [
            {"line": BUSY, "started_at": datetime(2026, month, 1), "kind": "plan",
             "amount": Decimal(amount), "currency": "USD", "description": what}
            for month, what, amount, copies in rows
            for _ in range(copies)
        ],
        source,
        statement,
    )  # fmt: skip


def test_a_plan_renamed_at_a_higher_price_is_a_price_change(db) -> None:
    plans(db, [(8, "Business 10GB", "45.00", 1), (9, "Business 10GB", "45.00", 1),
               (10, "Business Plus", "52.50", 1)])  # fmt: skip
    run_rules(db)
    assert db.sql(
        "SELECT rule, period_start::VARCHAR, amount_at_stake, detail FROM findings"
    ).fetchall() == [
        (
            "charge_increase",
            "2026-10-01",
            Decimal("7.5000"),
            'The plan of line +12675550106 became "Business Plus" at 52.50 USD for 2026-10-01 to '
            '2026-10-31, replacing "Business 10GB" at 45.00 USD (period from 2026-09-01): '
            "7.50 USD more.",
        )
    ]


def test_a_plan_renamed_at_the_same_price_or_billed_twice_is_no_price_change(db) -> None:
    plans(db, [(8, "Business 10GB", "45.00", 1), (9, "Business 10GB", "45.00", 1),
               (10, "Business Plus", "45.00", 2)])  # fmt: skip
    run_rules(db)
    assert db.sql("SELECT rule, amount_at_stake FROM findings").fetchall() == [
        ("duplicate_charge", Decimal("45.0000"))
    ]


def test_quiet_days_in_a_call_log_are_not_missing_records(db) -> None:
    start = datetime(2026, 5, 1, 10)
    calls = [
        {"kind": "voice", "quantity": 60, "started_at": start + timedelta(days=d)}
        for d in range(20)
        if d not in (6, 7, 8)
    ]
    add_events(db, calls)
    run_rules(db)
    assert findings(db, "record_gap") == []


def test_a_trip_across_borders_is_summarised_once_with_its_passes_and_cost(db) -> None:
    trip(
        db,
        [("2026-06-01 12:00", "US"), ("2026-06-02 12:00", "MX"), ("2026-06-03 12:00", "GT"),
         ("2026-06-03 14:00", "US"), ("2026-06-03 15:00", "GT"), ("2026-06-04 12:00", "US")],
    )  # fmt: skip
    add_events(
        db,
        [
            {"kind": "voice", "quantity": 120, "direction": "out", "country": "MX",
             "amount": Decimal("1.50"), "currency": "USD", "started_at": datetime(2026, 6, 2, 13)},
            {"kind": "fee", "amount": Decimal("10.00"), "currency": "USD",
             "description": "International Day Pass", "started_at": datetime(2026, 6, 2, 12)},
        ],
    )  # fmt: skip
    run_rules(db)
    assert db.sql(
        "SELECT period_start::VARCHAR, period_end::VARCHAR, detail FROM findings "
        "WHERE rule = 'trip_summary'"
    ).fetchall() == [
        (
            "2026-06-02",
            "2026-06-03",
            "Line +12015550123 was abroad from 2026-06-02 to 2026-06-03 (2 days, GT, MX): "
            "30.0 MiB of data, 1 calls, 0 texts, 1 travel pass, 11.50 USD charged.",
        )
    ]
    assert db.sql("SELECT trip, days, passes, cost, currency FROM trips").fetchall() == [
        (1, 2, 1, Decimal("11.5000"), "USD")
    ]


def balances(con, printed: str) -> None:
    """Two monthly exports of a prepaid line printing its balance; a call and a top-up between."""
    for i, (end, balance) in enumerate((("2026-07-31", "20.00"), ("2026-08-31", printed))):
        source = add_source(con, f"export{i}.csv")
        statement = add_statement(con, source, period=(end[:8] + "01", end))
        con.execute(
            "UPDATE statements SET balance_after = ? WHERE statement_id = ?", [balance, statement]
        )
    add_events(
        con,
        [
            {"kind": "voice", "quantity": 60, "amount": Decimal("5.00"), "currency": "USD",
             "started_at": datetime(2026, 8, 3)},
            {"kind": "topup", "amount": Decimal("-10.00"), "currency": "USD",
             "started_at": datetime(2026, 8, 4)},
        ],
    )  # fmt: skip


def test_a_balance_that_does_not_follow_from_the_previous_one_is_flagged(db) -> None:
    balances(db, "12.00")
    run_rules(db)
    assert db.sql(
        "SELECT observed, expected, amount_at_stake, detail FROM findings "
        "WHERE rule = 'balance_continuity'"
    ).fetchall() == [
        (
            "balance 12.00 USD",
            "balance 25.00 USD",
            Decimal("13.0000"),
            "Line +12015550123 had 20.00 USD on 2026-08-01 00:00; with 5.00 USD charged and "
            "10.00 USD credited in 2 records since, it should have 25.00 USD on 2026-09-01 00:00, "
            "but the Test Mobile statement shows 12.00 USD: 13.00 USD missing.",
        )
    ]


def test_a_balance_that_follows_is_quiet(db) -> None:
    balances(db, "25.00")
    run_rules(db)
    assert findings(db, "balance_continuity") == []


def test_a_trip_to_one_country_is_one_finding_its_visit_holding_the_summary(db) -> None:
    trip(db, [("2026-06-01 12:00", "US"), ("2026-06-02 12:00", "MX"), ("2026-06-03 12:00", "US")])
    run_rules(db)
    rows = db.sql("SELECT rule, detail FROM findings").fetchall()
    assert [rule for rule, _ in rows] == ["roaming_started"]
    assert rows[0][1].endswith(
        'It explains "Trip abroad": Line +12015550123 was abroad from 2026-06-02 to 2026-06-02 '
        "(1 days, MX): 10.0 MiB of data, 0 calls, 0 texts, 0 travel passes, nothing charged."
    )
