"""Rules: each has a positive and a negative test on a few inline rows."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ICCID, REALBILLS, session, wayfarer_csv

from analyzer.cli import cli
from analyzer.config import Config, apply_config, load_config
from analyzer.copies import resolve_copies
from analyzer.errors import ConfigError
from analyzer.importing import import_paths
from analyzer.rules import RulesRun, load_rules, parse_param_overrides, run_rules
from analyzer.store import open_db

MB = 1024**2
LINE = "+12015550123"
OTHER = "+12015550148"
_rows = itertools.count(1)


def findings(con, rule: str) -> list[tuple]:
    return con.sql(
        "SELECT line, period_start::VARCHAR, period_end::VARCHAR, observed FROM findings "
        "WHERE rule = ? ORDER BY period_start, line, observed",
        params=[rule],
    ).fetchall()


def money_findings(con, rule: str) -> list[tuple]:
    return con.sql(
        "SELECT line, period_start::VARCHAR, period_end::VARCHAR, amount_at_stake, currency "
        "FROM findings WHERE rule = ? ORDER BY period_start, line",
        params=[rule],
    ).fetchall()


def load(con, tmp_path: Path, rows: list[str], home: str | None = "US") -> None:
    import_paths(con, [wayfarer_csv(tmp_path, rows)])
    apply_config(con, Config(home_country=home))
    run_rules(con)


def configure(con, tmp_path: Path, toml: str) -> None:
    """Settings as the user writes them in analyzer.toml."""
    path = tmp_path / "analyzer.toml"
    path.write_text(toml, encoding="utf-8")
    apply_config(con, load_config(path))


def add_source(con, path: str = "bill.csv", as_of: str | None = None) -> int:
    source_id = con.sql("SELECT nextval('source_ids')").fetchall()[0][0]
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status, as_of) "
        "VALUES (?, ?, ?, 0, 'csv', now(), 'ok', ?)",
        [source_id, f"sha-{source_id}", path, as_of],
    )
    return source_id


def add_statement(
    con,
    source_id: int,
    lines: tuple[str, ...] = (LINE,),
    period: tuple[str, str] = ("2026-10-01", "2026-10-31"),
    carrier: str = "Test Mobile",
    currency: str = "USD",
    total_due: str | None = None,
    as_of: str | None = None,
    extra: dict[str, str] | None = None,
) -> int:
    statement_id = con.sql("SELECT nextval('statement_ids')").fetchall()[0][0]
    con.execute(
        "INSERT INTO statements (statement_id, source_id, carrier, lines, period_start, "
        "period_end, currency, total_due, as_of, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            statement_id,
            source_id,
            carrier,
            list(lines),
            *period,
            currency,
            total_due,
            as_of,
            json.dumps(extra or {}),
        ],
    )
    return statement_id


_UNITS = {"data": "bytes", "voice": "seconds", "sms": "messages", "mms": "messages"}


def add_events(
    con, rows: list[dict[str, Any]], source_id: int | None = None, statement_id: int | None = None
) -> list[int]:
    """Insert events shaped like the importers' output; returns their ids in order."""
    if source_id is None:
        source_id = add_source(con)
    ids = []
    for row in rows:
        event = {
            "line": LINE,
            "kind": "data",
            "direction": None,
            "quantity": None,
            "duration_s": None,
            "counterparty": None,
            "counterparty_e164": None,
            "counterparty_country": None,
            "counterparty_type": None,
            "country": None,
            "roaming": None,
            "amount": None,
            "currency": None,
            "description": None,
            "started_at": None,
            "ended_at": None,
            **row,
        }
        event_id = con.sql("SELECT nextval('event_ids')").fetchall()[0][0]
        columns = ", ".join(f'"{c}"' for c in event)
        con.execute(
            f'INSERT INTO events (event_id, source_id, statement_id, unit, "row", {columns}) '
            f"VALUES (?, ?, ?, ?, ?{', ?' * len(event)})",
            [
                event_id,
                source_id,
                statement_id,
                _UNITS.get(event["kind"], "items"),
                next(_rows),
                *event.values(),
            ],
        )
        ids.append(event_id)
    resolve_copies(con, source_id)  # as saving a file does
    return ids


def data_days(first: str, volumes_mb: list[int], line: str = LINE, hour: int = 10) -> list[dict]:
    """One data session a day from `first`, of the given sizes (0 = no record that day)."""
    start = datetime.fromisoformat(first).replace(hour=hour)
    return [
        {"line": line, "started_at": start + timedelta(days=i), "quantity": mb * MB}
        for i, mb in enumerate(volumes_mb)
        if mb
    ]


def event_ids(con, rule: str) -> list[list[int]]:
    return [
        list(r[0])
        for r in con.sql(
            "SELECT event_ids FROM findings WHERE rule = ? ORDER BY period_start", params=[rule]
        ).fetchall()
    ]


def test_every_rule_file_has_a_valid_header() -> None:
    rules = load_rules()
    assert rules, "no rules found"
    for rule in rules:
        assert rule.title and rule.severity in ("info", "warning", "error")
        assert rule.description, f"{rule.id} has no description in its header"


def test_rule_ids_and_severities_are_the_specified_ones() -> None:
    assert {rule.id: rule.severity for rule in load_rules()} == {
        "allowance_exhaustion": "warning",
        "balance_continuity": "warning",
        "bill_partly_itemised": "info",
        "bill_total_mismatch": "error",
        "billed_longer_than_call": "error",
        "charge_increase": "warning",
        "data_burn": "warning",
        "duplicate_charge": "error",
        "night_burn": "warning",
        "premium_or_international": "warning",
        "rate_mismatch": "error",
        "stated_vs_itemised": "warning",
        "record_gap": "info",
        "roaming_charges": "error",
        "roaming_started": "info",
        "topup_reversed": "warning",
        "trip_summary": "info",
        "unmatched_overlap": "info",
        "zero_usage_line": "warning",
    }


def test_rules_run_on_an_empty_database(db) -> None:
    assert run_rules(db) == RulesRun(findings=0, failures=())


# ---------------------------------------------------------------------------- data_burn
STEADY = [300, 310, 290, 305, 295, 320, 280, 300, 315, 285, 300, 310, 290, 305]


def test_data_burn_flags_a_day_far_above_the_baseline(db) -> None:
    add_events(db, data_days("2026-05-01", [*STEADY, 3000, 300]))
    run_rules(db)
    assert findings(db, "data_burn") == [(LINE, "2026-05-15", "2026-05-15", "2.9 GiB")]


def test_data_burn_ignores_normal_swings_and_tiny_lines(db) -> None:
    add_events(db, data_days("2026-05-01", [*STEADY, 700, 300]))
    add_events(db, data_days("2026-05-01", [5] * 14 + [150], line=OTHER))
    monthly_total = {"started_at": datetime(2026, 5, 16), "ended_at": datetime(2026, 5, 31)}
    add_events(db, [{**monthly_total, "quantity": 9000 * MB}])
    run_rules(db)
    assert findings(db, "data_burn") == []


# ---------------------------------------------------------------------------- night_burn
def test_night_burn_flags_a_busy_night(db) -> None:
    add_events(db, data_days("2026-03-31", [80], hour=2) + data_days("2026-03-31", [70], hour=4))
    run_rules(db)
    assert findings(db, "night_burn") == [(LINE, "2026-03-31", "2026-03-31", "150.0 MiB")]


def test_night_burn_night_spanning_midnight_belongs_to_its_first_date(db) -> None:
    add_events(db, data_days("2026-03-31", [60], hour=23) + data_days("2026-04-01", [60], hour=3))
    run_rules(db, {"night_burn": {"start_hour": 22, "end_hour": 6}})
    assert findings(db, "night_burn") == [(LINE, "2026-03-31", "2026-03-31", "120.0 MiB")]


def test_night_burn_ignores_small_nights_and_daytime_use(db) -> None:
    add_events(db, data_days("2026-03-31", [40], hour=2) + data_days("2026-04-01", [900], hour=10))
    run_rules(db)
    assert findings(db, "night_burn") == []


# ---------------------------------------------------------------------------- allowance_exhaustion
CU = "+5351234567"
VALIDITY_PLAN = f"""
[lines."{CU}"]
home_country = "CU"
[lines."{CU}".plan]
name = "Plan Datos 8 GB - 30 días"
data_allowance = "8 GB"
cycle = "validity"
starts = "first_use"
validity_days = 30
purchase_date = "2026-07-15"
"""


def plan_usage(con, mb_a_day: int) -> None:
    source = add_source(con, "consumo.xlsx", as_of="2026-08-09 22:15:00")
    early = data_days("2026-07-10", [500] * 5, line=CU, hour=9)  # pay per use, before the plan
    daily = data_days("2026-07-15", [mb_a_day] * 26, line=CU, hour=13)
    add_events(con, early + daily, source_id=source)


def test_allowance_exhaustion_forecasts_running_out_before_validity_ends(db, tmp_path) -> None:
    plan_usage(db, 300)
    configure(db, tmp_path, VALIDITY_PLAN)
    run_rules(db)
    assert findings(db, "allowance_exhaustion") == [
        (
            CU,
            "2026-07-15",
            "2026-08-14",
            "runs out about 2026-08-11 05:00 (2026-08-11 04:00 to 2026-08-11 05:00)",
        )
    ]


def test_allowance_exhaustion_quiet_when_the_plan_lasts(db, tmp_path) -> None:
    plan_usage(db, 100)
    configure(db, tmp_path, VALIDITY_PLAN)
    run_rules(db)
    assert findings(db, "allowance_exhaustion") == []


def test_allowance_exhaustion_monthly_cycle_uses_the_last_record_as_of(db, tmp_path) -> None:
    add_events(db, data_days("2026-09-19", [500] * 17))
    configure(
        db,
        tmp_path,
        f"""
        [lines."{LINE}".plan]
        data_allowance = "10 GB"
        cycle = "monthly"
        cycle_day = 19
        """,
    )
    run_rules(db)
    assert findings(db, "allowance_exhaustion") == [
        (
            LINE,
            "2026-09-19",
            "2026-10-18",
            "runs out about 2026-10-08 21:00 (2026-10-08 18:00 to 2026-10-08 21:00)",
        )
    ]


# ---------------------------------------------------------------------------- roaming_started
def test_roaming_started_one_finding_per_visit(db, tmp_path: Path) -> None:
    rows = [
        session("2026-10-01", 5, "US"),
        session("2026-10-02", 5, "MX"),
        session("2026-10-03", 5, "MX"),
        session("2026-10-04", 5, "GT"),
        session("2026-10-05", 5, "US"),
        session("2026-10-06", 5, "MX"),
    ]
    load(db, tmp_path, rows)
    assert findings(db, "roaming_started") == [
        (ICCID, "2026-10-02", "2026-10-03", "MX"),
        (ICCID, "2026-10-04", "2026-10-04", "GT"),
        (ICCID, "2026-10-06", "2026-10-06", "MX"),
    ]


def test_roaming_started_not_at_home(db, tmp_path: Path) -> None:
    load(db, tmp_path, [session("2026-10-01", 5, "US"), session("2026-10-02", 5, "US")])
    assert findings(db, "roaming_started") == []


# ---------------------------------------------------------------------------- roaming_charges
PASS = "International Day Pass - Mexico"


def trip(
    con, tmp_path: Path, rows: list[tuple[str, str, str | None, str]], settings: str = ""
) -> None:
    """(time, kind, direction, country) rows; kind 'pass' is a 10.00 USD day-pass fee. A time
    with a UTC offset ('2026-10-25 01:30+02:00') is stored as the file printed it."""
    events = []
    for at, kind, direction, country in rows:
        printed = datetime.fromisoformat(at)
        offset = printed.utcoffset()
        when = {
            "started_at": printed.replace(tzinfo=None),
            "utc_offset_min": None if offset is None else int(offset.total_seconds()) // 60,
        }
        if kind == "pass":
            events.append(
                {**when, "kind": "fee", "amount": Decimal("10.00"), "currency": "USD",
                 "description": PASS, "country": country}
            )  # fmt: skip
        else:
            quantity = {"data": 200 * MB, "voice": 120}.get(kind, 1)
            events.append(
                {**when, "kind": kind, "direction": direction, "country": country,
                 "quantity": quantity, "amount": Decimal(0), "currency": "USD"}
            )  # fmt: skip
    add_events(con, events)
    configure(con, tmp_path, 'home_country = "US"\n' + settings)
    run_rules(con)


def test_roaming_charges_flags_a_pass_opened_by_a_received_text(db, tmp_path) -> None:
    trip(
        db,
        tmp_path,
        [
            ("2026-10-05 08:10", "data", None, "US"),
            ("2026-10-05 13:20", "data", None, "MX"),
            ("2026-10-05 13:20", "pass", None, "MX"),
            ("2026-10-06 09:10", "data", None, "MX"),  # inside the first window
            ("2026-10-06 15:05", "sms", "out", "MX"),
            ("2026-10-06 15:05", "pass", None, "MX"),
            ("2026-10-07 19:30", "sms", "in", "MX"),  # a received text opens nothing
            ("2026-10-07 19:30", "pass", None, "MX"),
        ],
    )
    assert money_findings(db, "roaming_charges") == [
        (LINE, "2026-10-07", "2026-10-07", Decimal("10.0000"), "USD")
    ]
    [detail] = db.sql("SELECT detail FROM findings WHERE rule = 'roaming_charges'").fetchall()
    assert detail[0] == (
        f'Line {LINE} was charged 10.00 USD for "{PASS}" on 2026-10-07 19:30, but no data, '
        "call or sent text abroad opened a new 24 h window then (received texts do not count)."
    )


def test_roaming_charges_flags_two_passes_in_one_window(db, tmp_path) -> None:
    trip(
        db,
        tmp_path,
        [
            ("2026-10-05 13:20", "voice", "in", "MX"),
            ("2026-10-05 13:20", "pass", None, "MX"),
            ("2026-10-06 09:00", "pass", None, "MX"),
        ],
    )
    assert findings(db, "roaming_charges") == [
        (LINE, "2026-10-06", "2026-10-06", "a second fee in the window opened 2026-10-05 13:20")
    ]


def test_roaming_charges_accepts_one_pass_per_window_even_dated_without_time(db, tmp_path) -> None:
    trip(
        db,
        tmp_path,
        [
            ("2026-10-05 13:20", "data", None, "MX"),
            ("2026-10-05 00:00", "pass", None, "MX"),
            ("2026-10-06 12:00", "data", None, "MX"),  # still the first window
            ("2026-10-06 15:05", "voice", "out", "MX"),
            ("2026-10-06 00:00", "pass", None, "MX"),
            ("2026-10-07 16:00", "data", None, "MX"),
            ("2026-10-07 16:00", "pass", None, "MX"),
        ],
    )
    assert findings(db, "roaming_charges") == []


def test_a_day_pass_bought_the_night_the_clocks_go_back_lasts_24_hours(db, tmp_path) -> None:
    # Paris leaves summer time at 03:00 on 2026-10-25: 01:30+02:00 to 01:00+01:00 the next
    # night is 24.5 hours, though the wall clocks say 23.5.
    trip(
        db,
        tmp_path,
        [
            ("2026-10-25 01:30+02:00", "data", None, "FR"),
            ("2026-10-25 01:30+02:00", "pass", None, "FR"),
            ("2026-10-26 01:00+01:00", "data", None, "FR"),  # outside the first pass's 24 hours
            ("2026-10-26 01:00+01:00", "pass", None, "FR"),
        ],
    )
    hours = db.sql(
        "SELECT epoch(max(instant(started_at, utc_offset_min)) - "
        "min(instant(started_at, utc_offset_min))) / 3600, "
        "epoch(max(started_at) - min(started_at)) / 3600 FROM usage"
    ).fetchall()
    assert hours == [(24.5, 23.5)]
    assert findings(db, "roaming_charges") == []


def test_a_day_pass_bought_the_night_the_clocks_go_forward_lasts_24_hours(db, tmp_path) -> None:
    # Paris enters summer time at 02:00 on 2026-03-29: 01:30+01:00 to 02:00+02:00 the next
    # night is 23.5 hours, though the wall clocks say 24.5; the second pass is inside the first.
    trip(
        db,
        tmp_path,
        [
            ("2026-03-29 01:30+01:00", "data", None, "FR"),
            ("2026-03-29 01:30+01:00", "pass", None, "FR"),
            ("2026-03-30 02:00+02:00", "data", None, "FR"),
            ("2026-03-30 02:00+02:00", "pass", None, "FR"),
        ],
    )
    assert findings(db, "roaming_charges") == [
        (LINE, "2026-03-30", "2026-03-30", "a second fee in the window opened 2026-03-29 01:30")
    ]


def test_a_line_time_zone_measures_a_day_pass_where_no_offset_is_printed(db, tmp_path) -> None:
    rows = [
        ("2026-10-25 01:30", "data", None, "FR"),
        ("2026-10-25 01:30", "pass", None, "FR"),
        ("2026-10-26 01:00", "data", None, "FR"),
        ("2026-10-26 01:00", "pass", None, "FR"),
    ]
    trip(db, tmp_path, rows, f'[lines."{LINE}"]\ntime_zone = "Europe/Paris"\n')
    assert findings(db, "roaming_charges") == []
    # Without the setting the wall clocks are all there is: 23.5 hours, one window.
    configure(db, tmp_path, 'home_country = "US"\n')
    run_rules(db)
    assert findings(db, "roaming_charges") == [
        (LINE, "2026-10-26", "2026-10-26", "a second fee in the window opened 2026-10-25 01:30")
    ]


# ---------------------------------------------------------------------------- bill_total_mismatch
NC = "+687751234"


def bill(con, total: str, amounts: list[int]) -> None:
    source = add_source(con, "facture.pdf")
    statement = add_statement(
        con, source, (NC,), ("2026-10-01", "2026-10-31"), "Lagon Mobile", "XPF", total
    )
    rows = [
        {"line": NC, "kind": "fee", "amount": Decimal(a), "currency": "XPF",
         "started_at": datetime(2026, 10, 1 + i)}
        for i, a in enumerate(amounts)
    ]  # fmt: skip
    add_events(con, rows, source, statement)


def test_bill_total_mismatch_flags_a_total_beyond_rounding(db) -> None:
    bill(db, "11506", [5900, 3340, 200, 566])
    run_rules(db)
    assert money_findings(db, "bill_total_mismatch") == [
        (NC, "2026-10-01", "2026-10-31", Decimal("1500.0000"), "XPF")
    ]


def test_bill_total_mismatch_tolerates_row_rounding(db) -> None:
    bill(db, "25263", [5900, 8000, 9442, 490, 1430])  # 1 XPF off over 5 rounded rows
    run_rules(db)
    assert findings(db, "bill_total_mismatch") == []


# ---------------------------------------------------------------------------- duplicate_charge
def voicemail(con, days: list[int], source: int | None = None) -> None:
    source = source or add_source(con)
    statement = add_statement(con, source, period=("2026-09-19", "2026-10-18"))
    rows = [
        {"kind": "fee", "amount": Decimal("4.99"), "currency": "USD",
         "description": "Visual Voicemail", "started_at": datetime(2026, 9, day)}
        for day in days
    ]  # fmt: skip
    add_events(con, rows, source, statement)


def test_duplicate_charge_flags_the_same_row_twice_in_one_bill(db) -> None:
    voicemail(db, [19, 19])
    run_rules(db)
    assert money_findings(db, "duplicate_charge") == [
        (LINE, "2026-09-19", "2026-09-19", Decimal("4.9900"), "USD")
    ]


def test_duplicate_charge_ignores_daily_fees_and_overlapping_files(db) -> None:
    voicemail(db, [19, 20, 21])
    voicemail(db, [19], add_source(db, "bill.pdf"))
    voicemail(db, [19], add_source(db, "export.csv"))
    run_rules(db)
    assert findings(db, "duplicate_charge") == []


# ---------------------------------------------------------------------------- rate_mismatch
LAGON_CARDS = f"""
[lines."{NC}"]
home_country = "NC"
[rate_cards."Lagon Mobile"]
voice_per_minute = "40 XPF"
increment = "60/60"
sms = "20 XPF"
[rate_cards."Lagon Mobile".roaming.AU]
voice_per_minute = "95 XPF"
voice_in_per_minute = "60 XPF"
increment = "1/1"
sms = "45 XPF"
"""


def calls(con, tmp_path: Path, rows: list[tuple[str, str, int, str, str]]) -> None:
    """(day, direction, seconds, country, amount) voice rows on a Lagon bill; kind sms if 0 s."""
    source = add_source(con, "facture.pdf")
    statement = add_statement(con, source, (NC,), carrier="Lagon Mobile", currency="XPF")
    events = [
        {"line": NC, "started_at": datetime.fromisoformat(f"{day} 10:00"),
         "kind": "voice" if seconds else "sms", "direction": direction,
         "quantity": seconds or 1, "duration_s": seconds or None, "country": country,
         "amount": Decimal(amount), "currency": "XPF", "counterparty": "+687 79 12 34"}
        for day, direction, seconds, country, amount in rows
    ]  # fmt: skip
    add_events(con, events, source, statement)
    configure(con, tmp_path, LAGON_CARDS)
    run_rules(con)


def test_rate_mismatch_flags_a_call_billed_above_the_card(db, tmp_path) -> None:
    calls(db, tmp_path, [("2026-10-14", "out", 130, "NC", "220")])
    assert money_findings(db, "rate_mismatch") == [
        (NC, "2026-10-14", "2026-10-14", Decimal("100.0000"), "XPF")
    ]
    [detail] = db.sql("SELECT detail FROM findings WHERE rule = 'rate_mismatch'").fetchall()
    assert detail[0] == (
        f"Line {NC} was charged 220 XPF for a 130 s outgoing call to +687 79 12 34 on "
        "2026-10-14 10:00, but 180 s at 40 XPF a minute (60/60 increments) comes to "
        "120 XPF."
    )


def test_rate_mismatch_accepts_national_roaming_received_and_included_rows(db, tmp_path) -> None:
    calls(
        db,
        tmp_path,
        [
            ("2026-10-01", "out", 130, "NC", "120"),
            ("2026-10-02", "out", 75, "AU", "119"),  # 75 s at 95/min = 118.75
            ("2026-10-03", "in", 100, "AU", "100"),
            ("2026-10-04", "out", 0, "AU", "45"),  # a text sent from Australia
            ("2026-10-05", "out", 600, "NC", "0"),  # included in the plan
        ],
    )
    assert findings(db, "rate_mismatch") == []


# ---------------------------------------------------------------------------- premium_or_international
def dialled(con, tmp_path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    """(kind, direction, e164, number country, number type) rows charged 1.99 USD."""
    add_events(
        con,
        [
            {"started_at": datetime(2026, 9, 27, 20, 41), "kind": kind, "direction": direction,
             "quantity": 1, "counterparty_e164": number, "counterparty_country": country,
             "counterparty_type": kind_of_number, "amount": Decimal("1.99"), "currency": "USD"}
            for kind, direction, number, country, kind_of_number in rows
        ],
    )  # fmt: skip
    configure(con, tmp_path, 'home_country = "US"\n')
    run_rules(con)


def test_premium_or_international_flags_premium_and_foreign_numbers(db, tmp_path) -> None:
    dialled(
        db,
        tmp_path,
        [
            ("sms", "out", "+19002345678", "US", "premium_rate"),
            ("voice", "out", "+447400123456", "GB", "mobile"),
        ],
    )
    assert findings(db, "premium_or_international") == [
        (LINE, "2026-09-27", "2026-09-27", "mobile GB"),
        (LINE, "2026-09-27", "2026-09-27", "premium rate US"),
    ]
    details = sorted(r[0] for r in db.sql("SELECT detail FROM findings").fetchall())
    assert details == [
        f"Line {LINE} called +447400123456, a number in GB, on 2026-09-27 20:41 (1.99 USD).",
        f"Line {LINE} sent a message to +19002345678, a premium rate number, on 2026-09-27 20:41 "
        "(1.99 USD).",
    ]


def test_premium_or_international_ignores_home_received_and_plain_short_codes(db, tmp_path) -> None:
    dialled(
        db,
        tmp_path,
        [
            ("voice", "out", "+12015550187", "US", "fixed_line_or_mobile"),
            ("voice", "in", "+447400123456", "GB", "mobile"),
            ("sms", "out", "22000", None, "short_code"),
        ],
    )
    assert findings(db, "premium_or_international") == []


# ---------------------------------------------------------------------------- record_gap
def test_record_gap_flags_days_missing_amid_daily_use(db) -> None:
    volumes = [100] * 5 + [0, 0, 0] + [100] * 12
    ids = add_events(db, data_days("2026-05-01", volumes, line=ICCID))
    run_rules(db)
    assert findings(db, "record_gap") == [
        (ICCID, "2026-05-06", "2026-05-08", "3 days without records")
    ]
    assert event_ids(db, "record_gap") == [[ids[4], ids[5]]]


def test_record_gap_ignores_single_days_and_sparse_lines(db) -> None:
    add_events(db, data_days("2026-05-01", [100] * 5 + [0] + [100] * 5))
    add_events(db, data_days("2026-05-01", [100, 0, 0, 0] * 5, line=OTHER))
    run_rules(db)
    assert findings(db, "record_gap") == []


# ---------------------------------------------------------------------------- zero_usage_line
IDLE, BUSY = "+12675550117", "+12675550106"


def fleet(con, months: list[str], idle_usage: bool = False, usage: bool = True) -> None:
    """A fleet export: one statement over several months, charges dated each month's start."""
    source = add_source(con, "fleet.csv")
    statement = add_statement(con, source, (IDLE, BUSY), ("2026-08-01", "2026-10-31"))
    rows: list[dict[str, Any]] = []
    for month in months:
        start = datetime.fromisoformat(f"{month}-01")
        for line in (IDLE, BUSY):
            rows += [
                {"line": line, "started_at": start, "kind": kind, "amount": Decimal(amount),
                 "currency": "USD", "description": what}
                for kind, amount, what in (
                    ("plan", "35.00", "Plan Charge"), ("fee", "5.00", "Feature Charges"),
                    ("tax", "6.62", "Taxes & Fees"),
                )
            ]  # fmt: skip
            if usage and (line == BUSY or idle_usage):
                rows.append(
                    {"line": line, "started_at": start, "kind": "data", "quantity": 3 * 1024 * MB}
                )
    add_events(con, rows, source, statement)


def test_zero_usage_line_flags_each_idle_month_with_its_fees(db) -> None:
    fleet(db, ["2026-08", "2026-09"])
    run_rules(db)
    assert money_findings(db, "zero_usage_line") == [
        (IDLE, "2026-08-01", "2026-08-31", Decimal("40.0000"), "USD"),
        (IDLE, "2026-09-01", "2026-09-30", Decimal("40.0000"), "USD"),
    ]


def test_zero_usage_line_reads_usage_totals_a_fleet_statement_states(db) -> None:
    source = add_source(db, "fleet.csv")
    totals = {IDLE: {"data_bytes": "0", "voice_seconds": "0.000", "messages": "0.000"},
              BUSY: {"data_bytes": "8160437862", "voice_seconds": "0", "messages": "0"}}  # fmt: skip
    statement = add_statement(
        db, source, (IDLE, BUSY), ("2026-08-01", "2026-08-31"),
        extra={"usage_totals": json.dumps(totals)},
    )  # fmt: skip
    charges = [
        {"line": line, "started_at": datetime(2026, 8, 1), "kind": "plan",
         "amount": Decimal("35.00"), "currency": "USD", "description": "Plan Charge"}
        for line in (IDLE, BUSY)
    ]  # fmt: skip
    add_events(db, charges, source, statement)
    run_rules(db)
    assert money_findings(db, "zero_usage_line") == [
        (IDLE, "2026-08-01", "2026-08-31", Decimal("35.0000"), "USD")
    ]


def test_zero_usage_line_quiet_with_usage_or_when_the_file_lists_none(db) -> None:
    fleet(db, ["2026-08"], idle_usage=True)
    fleet(db, ["2026-09"], usage=False)
    run_rules(db)
    assert findings(db, "zero_usage_line") == []


# ---------------------------------------------------------------------------- charge_increase
def plan_charges(con, amounts: list[str], what: str = "Plan Charge", kind: str = "plan") -> None:
    source = add_source(con, "fleet.csv")
    statement = add_statement(con, source, (BUSY,), ("2026-08-01", "2026-10-31"))
    rows = [
        {"line": BUSY, "started_at": datetime(2026, 8 + i, 1), "kind": kind,
         "amount": Decimal(a), "currency": "USD", "description": what}
        for i, a in enumerate(amounts)
    ]  # fmt: skip
    add_events(con, rows, source, statement)


def test_charge_increase_flags_a_plan_that_rose(db) -> None:
    plan_charges(db, ["45.00", "45.00", "55.00"])
    run_rules(db)
    assert money_findings(db, "charge_increase") == [
        (BUSY, "2026-10-01", "2026-10-31", Decimal("10.0000"), "USD")
    ]


def test_charge_increase_ignores_steady_plans_and_usage_charges(db) -> None:
    plan_charges(db, ["45.00", "45.00", "40.00"])
    plan_charges(db, ["2.73", "14.84", "15.00"], what="Usage Charges", kind="fee")
    run_rules(db)
    assert findings(db, "charge_increase") == []


# ---------------------------------------------------------------------------- topup_reversed
def ledger(con, rows: list[tuple[str, str, str]]) -> None:
    add_events(
        con,
        [
            {"line": CU, "started_at": datetime.fromisoformat(at), "kind": kind,
             "amount": Decimal(amount), "currency": "USD", "description": kind}
            for at, kind, amount in rows
        ],
    )  # fmt: skip
    run_rules(con)


def test_topup_reversed_flags_a_top_up_taken_back(db) -> None:
    ledger(
        db,
        [
            ("2026-07-14 18:30", "topup", "-30.00"),
            ("2026-07-22 11:40", "topup", "-20.00"),
            ("2026-07-24 08:15", "adjustment", "20.00"),
        ],
    )
    assert money_findings(db, "topup_reversed") == [
        (CU, "2026-07-24", "2026-07-24", Decimal("20.0000"), "USD")
    ]
    assert findings(db, "topup_reversed")[0][3] == "20.00 USD taken back"


def test_topup_reversed_reports_an_unexplained_debit(db) -> None:
    ledger(db, [("2026-07-24 08:15", "adjustment", "5.00")])
    [detail] = db.sql("SELECT detail FROM findings WHERE rule = 'topup_reversed'").fetchall()
    assert detail[0] == (
        f'The balance of line {CU} was reduced by 5.00 USD on 2026-07-24 08:15 ("adjustment") '
        "with no usage or purchase to explain it."
    )


def test_topup_reversed_ignores_kept_top_ups_and_credits(db) -> None:
    ledger(
        db,
        [("2026-07-22 11:40", "topup", "-20.00"), ("2026-07-24 08:15", "adjustment", "-20.00")],
    )
    assert findings(db, "topup_reversed") == []


# ---------------------------------------------------------------------------- billed_longer_than_call
def cdr(con, billed: int, duration: int, carrier: str = "Asterisk") -> None:
    source = add_source(con, "Master.csv")
    statement = add_statement(con, source, carrier=carrier)
    add_events(
        con,
        [{"started_at": datetime(2009, 1, 14, 23, 51, 15), "kind": "voice", "direction": "out",
          "quantity": billed, "duration_s": duration, "counterparty": "100"}],
        source,
        statement,
    )  # fmt: skip


def test_billed_longer_than_call_flags_billsec_above_duration(db) -> None:
    cdr(db, billed=7, duration=5)
    cdr(db, billed=5, duration=5)
    run_rules(db)
    assert findings(db, "billed_longer_than_call") == [
        (LINE, "2009-01-14", "2009-01-14", "7 s billed")
    ]


def test_billed_longer_than_call_allows_the_cards_billing_increment(db, tmp_path) -> None:
    cdr(db, billed=60, duration=5, carrier="Test Mobile")
    configure(
        db,
        tmp_path,
        '[rate_cards."Test Mobile"]\nvoice_per_minute = "0.10 USD"\nincrement = "60/60"\n',
    )
    run_rules(db)
    assert findings(db, "billed_longer_than_call") == []


# ---------------------------------------------------------------------------- incomplete periods
def test_periods_after_the_as_of_time_are_marked_incomplete(db) -> None:
    source = add_source(db, "consumo.xlsx", as_of="2026-08-09 22:15:00")
    statement = add_statement(db, source, (CU,), ("2026-08-01", "2026-08-31"))
    add_events(db, data_days("2026-08-08", [100, 100], line=CU), source, statement)
    assert db.sql(
        "SELECT line, starts_at::VARCHAR, ends_at::VARCHAR FROM incomplete_periods"
    ).fetchall() == [(CU, "2026-08-09 22:15:00", "2026-09-01 00:00:00")]


# ---------------------------------------------------------------------------- parameters
def test_param_overrides_are_checked() -> None:
    assert parse_param_overrides(["data_burn.factor=4"]) == {"data_burn": {"factor": 4}}
    with pytest.raises(ConfigError, match=r"write it as RULE\.NAME=VALUE"):
        parse_param_overrides(["data_burn"])


def test_unknown_rule_parameter_is_an_error(db) -> None:
    with pytest.raises(ConfigError) as error:
        run_rules(db, {"roaming_started": {"nope": 1}})
    assert (
        str(error.value)
        == "rule roaming_started has no parameter 'nope' (it has: min_events, blip_hours)"
    )


def test_unknown_rule_is_an_error(db) -> None:
    with pytest.raises(ConfigError) as error:
        run_rules(db, {"data_brun": {"factor": 4}})
    assert str(error.value) == "no rule named data_brun; 'analyzer rules' lists them"


def test_a_parameter_changes_what_a_rule_finds(db) -> None:
    add_events(db, data_days("2026-03-31", [40], hour=2))
    run_rules(db, {"night_burn": {"min_mb": 30}})
    assert findings(db, "night_burn") == [(LINE, "2026-03-31", "2026-03-31", "40.0 MiB")]


def test_a_parameter_of_the_wrong_type_fails_that_rule_alone_in_one_line(db) -> None:
    add_events(db, data_days("2026-03-31", [40], hour=2))
    outcome = run_rules(db, {"night_burn": {"min_mb": "lots"}})
    assert [f.rule for f in outcome.failures] == ["night_burn"]
    assert outcome.failures[0].message.startswith("rule night_burn failed: ")
    assert "\n" not in outcome.failures[0].message
    assert db.sql("SELECT count(*) FROM rule_runs WHERE status = 'ok'").fetchall() == [
        (len(load_rules()),)  # every other rule, and the folding of incidents
    ]


# ---------------------------------------------------------------------------- command line
def test_rules_command_lists_title_severity_params_and_description() -> None:
    result = CliRunner().invoke(cli, ["rules", "--json"])
    assert result.exit_code == 0
    rules = {r["rule"]: r for r in json.loads(result.output)}
    assert len(rules) == len(load_rules())
    assert rules["night_burn"] == {
        "rule": "night_burn",
        "severity": "warning",
        "title": "Data used at night",
        "params": "start_hour=0, end_hour=6, min_mb=100, factor=3, mad_factor=5, "
        "min_baseline_nights=7",
        "description": "Data sessions starting between `start_hour` and `end_hour` (local time) "
        "add up to at least `min_mb` MB in one night: often background apps, backups or updates.",
    }


def burnt_night_db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    con = open_db(path)
    add_events(con, data_days("2026-03-31", [150], hour=2))
    add_events(con, data_days("2026-04-02", [150], hour=2, line=OTHER))
    con.close()
    return path


def test_findings_param_and_config_override_defaults(tmp_path: Path) -> None:
    path = burnt_night_db(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "findings", "--rerun", "--json"])
    assert [f["rule"] for f in json.loads(result.output)] == ["night_burn", "night_burn"]
    result = runner.invoke(
        cli, ["--db", str(path), "findings", "--param", "night_burn.min_mb=200", "--json"]
    )
    assert json.loads(result.output) == []
    config = write_config(tmp_path, "[rules.night_burn]\nmin_mb = 500\n")
    result = runner.invoke(cli, ["--db", str(path), "findings", "--config", str(config), "--json"])
    assert json.loads(result.output) == []


def test_findings_unknown_rule_in_config_is_one_line(tmp_path: Path) -> None:
    path = burnt_night_db(tmp_path)
    config = write_config(tmp_path, "[rules.night_brun]\nmin_mb = 500\n")
    result = CliRunner().invoke(cli, ["--db", str(path), "findings", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == "Error: no rule named night_brun; 'analyzer rules' lists them\n"


def test_findings_filters_by_line_rule_severity_and_period(tmp_path: Path) -> None:
    path = burnt_night_db(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(path), "findings", "--rerun"])

    def lines(*options: str) -> list[str]:
        result = runner.invoke(cli, ["--db", str(path), "findings", "--json", *options])
        found = [f["line"] for f in json.loads(result.stdout)]
        assert result.exit_code == (0 if found else 6), result.output  # 6: nothing matched
        return found

    assert lines() == [LINE, OTHER]
    assert lines("--line", OTHER) == [OTHER]
    assert lines("--rule", "night_burn", "--severity", "warning") == [LINE, OTHER]
    assert lines("--severity", "error") == []
    assert lines("--period", "2026-04") == [OTHER]
    assert lines("--rule", "data_burn") == []


def test_findings_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    path = tmp_path / "cli.duckdb"
    con = open_db(path)
    con.execute(
        "INSERT INTO findings VALUES (1, 'duplicate_charge', 'error', 'The same charge billed "
        "twice', '+12015550123', DATE '2026-09-19', DATE '2026-09-19', '=HYPERLINK(\"x\")', "
        "'-1', 4.99, 'USD', '@SUM(A1) twice', [])"
    )
    con.close()
    result = CliRunner().invoke(cli, ["--db", str(path), "findings", "--csv"])
    assert result.exit_code == 0
    row = next(csv.DictReader(io.StringIO(result.output)))
    assert row["line"] == "'+12015550123"
    assert row["observed"] == '\'=HYPERLINK("x")'
    assert row["expected"] == "'-1"
    assert row["detail"] == "'@SUM(A1) twice"
    assert row["amount_at_stake"] == "4.99"  # in the currency's own decimals


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "flagged"), [("asterisk_cdrlib_good.csv", ["7 s billed"]), ("asterisk_Master.csv", [])]
)
def test_billed_longer_than_call_on_real_asterisk_records(db, name: str, flagged: list) -> None:
    path = REALBILLS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (real files live in ../shared/realbills)")
    records = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    add_events(
        db,
        [
            {"started_at": datetime.fromisoformat(r[9]), "kind": "voice", "direction": "out",
             "counterparty": r[2], "duration_s": int(r[12]), "quantity": int(r[13])}
            for r in records
            if r[14] == "ANSWERED"
        ],
    )  # fmt: skip
    run_rules(db)
    assert [f[3] for f in findings(db, "billed_longer_than_call")] == flagged
