"""The kept per line and day tables: recomputed for the days that changed, equal to a rebuild."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from test_rules import LINE, add_events, add_source

from analyzer.copies import resolve_copies
from analyzer.rules import run_rules
from analyzer.rules import shared as shared_module
from analyzer.rules.shared import DAY_USAGE, DIGEST_KEY, SharedTables, kept_tables, shared_tables
from analyzer.store import open_db

OTHER = "+12015550199"


def from_scratch(con, name: str) -> list[tuple]:
    """What the table holds when computed over every record now."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW day_usage AS {DAY_USAGE}")
    if name in kept_tables():
        body = shared_tables()[name].strip().rstrip(";")
        rows = con.execute(f"SELECT * FROM ({body}) ORDER BY ALL").fetchall()
    else:  # a per-run table, from kept tables computed from scratch
        for kept in kept_tables():
            body = shared_tables()[kept].strip().rstrip(";")
            con.execute(f"CREATE OR REPLACE TEMP TABLE scratch_{kept} AS {body}")
        body = shared_tables()[name].strip().rstrip(";")
        for kept in kept_tables():
            body = body.replace(kept, f"scratch_{kept}")
        rows = con.execute(f"SELECT * FROM ({body}) ORDER BY ALL").fetchall()
    con.execute("DROP VIEW temp.day_usage")
    return rows


def kept(con, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM main.{name} ORDER BY ALL").fetchall()


def stretches(con) -> list[tuple]:
    tables = SharedTables(con)
    assert tables.ensure(("line_stretches",)) is None
    rows = con.execute("SELECT * FROM line_stretches ORDER BY ALL").fetchall()
    tables.drop()
    return rows


def assert_as_rebuilt(con) -> None:
    for name in kept_tables():
        assert kept(con, name) == from_scratch(con, name), name
    assert stretches(con) == from_scratch(con, "line_stretches")


def random_sessions(rng: random.Random, count: int, first_day: int, days: int) -> list[dict]:
    start = datetime(2026, 5, 1)
    return [
        {
            "line": rng.choice([LINE, OTHER]),
            "started_at": start
            + timedelta(days=first_day + rng.randrange(days), minutes=rng.randrange(24 * 60)),
            "kind": rng.choice(["data", "data", "voice", "sms"]),
            "quantity": rng.choice([0, 1024**2, 5 * 1024**2, 60]),
            "country": rng.choice(["US", "US", "MX", "CA"]),
            "roaming": rng.choice([None, True, False]),
            "network": rng.choice(["Telcel", "AT&T", None]),
            "amount": rng.choice([None, Decimal("0.25"), Decimal("1.50")]),
            "currency": "USD",
        }
        for _ in range(count)
    ]


def test_the_kept_tables_follow_every_change_as_a_rebuild_would(db) -> None:
    rng = random.Random(20261202)
    add_events(db, random_sessions(rng, 300, 0, 20))
    run_rules(db)
    assert_as_rebuilt(db)
    for step in range(6):
        match step % 3:
            case 0:  # a new file, partly on days already kept
                add_events(db, random_sessions(rng, 60, 15, 15))
            case 1:  # a re-export of some rows: the older copies are superseded
                rows = db.execute(
                    "SELECT line, started_at, kind, quantity, country, roaming, network, amount, "
                    "currency FROM usage USING SAMPLE 20 ROWS"
                ).fetchall()
                names = ("line", "started_at", "kind", "quantity", "country", "roaming")
                names += ("network", "amount", "currency")
                add_events(db, [dict(zip(names, row, strict=True)) for row in rows])
            case 2:  # a file removed, and one record corrected in place
                source = db.execute("SELECT max(source_id) FROM events").fetchall()[0][0]
                db.execute("DELETE FROM events WHERE source_id = ?", [source])
                db.execute("DELETE FROM sources WHERE source_id = ?", [source])
                resolve_copies(db)
                db.execute(
                    "UPDATE events SET country = 'CA' WHERE event_id = "
                    "(SELECT min(event_id) FROM usage WHERE country = 'US')"
                )
        run_rules(db)
        assert_as_rebuilt(db)


def test_a_run_over_unchanged_records_recomputes_no_day(db) -> None:
    add_events(db, random_sessions(random.Random(1), 100, 0, 10))
    run_rules(db)
    db.execute("UPDATE main.line_days SET bytes = -1")  # a mark a recomputation would erase
    run_rules(db)
    assert {row[0] for row in db.execute("SELECT bytes FROM main.line_days").fetchall()} == {-1}
    day = db.execute("SELECT min(day) FROM main.line_days WHERE line = ?", [LINE]).fetchall()[0][0]
    add_events(db, [{"started_at": datetime(day.year, day.month, day.day, 23), "quantity": 7}])
    run_rules(db)
    recomputed = db.execute("SELECT line, day FROM main.line_days WHERE bytes <> -1").fetchall()
    assert recomputed == [(LINE, day)]


@pytest.mark.parametrize("change", ["definition", "dropped table"])
def test_a_changed_definition_or_a_missing_table_rebuilds_them_whole(db, change: str) -> None:
    add_events(db, random_sessions(random.Random(2), 100, 0, 10))
    run_rules(db)
    db.execute("UPDATE main.line_days SET bytes = -1")
    if change == "definition":
        db.execute("UPDATE meta SET value = 'an older release' WHERE key = ?", [DIGEST_KEY])
    else:
        db.execute("DROP TABLE main.line_day_parts")
    run_rules(db)
    assert_as_rebuilt(db)


def test_a_refresh_that_fails_keeps_the_tables_and_fails_only_their_rules(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_events(db, random_sessions(random.Random(3), 100, 0, 10))
    run_rules(db)
    before = {name: kept(db, name) for name in (*kept_tables(), "line_day_digests")}
    add_events(db, random_sessions(random.Random(4), 30, 5, 10))
    real_body = shared_module._body
    monkeypatch.setattr(
        shared_module,
        "_body",
        lambda name: "SELECT * FROM no_such_table" if name == "line_day_parts" else real_body(name),
    )
    failures = {failure.rule: failure.error for failure in run_rules(db).failures}
    assert set(failures) == {
        "data_burn", "night_burn", "record_gap", "roaming_started", "trip_summary",
    }  # fmt: skip
    assert failures["roaming_started"].startswith(
        "could not compute the shared table line_stretches: Catalog Error: Table with name "
        "no_such_table does not exist"
    )
    assert db.execute("SELECT count(*) FROM findings WHERE rule = 'data_burn'").fetchall() == [(0,)]
    assert {name: kept(db, name) for name in before} == before
    monkeypatch.undo()
    run_rules(db)
    assert_as_rebuilt(db)


def test_a_read_only_connection_computes_them_for_its_run(tmp_path) -> None:
    path = tmp_path / "test.duckdb"
    con = open_db(path)
    add_events(con, random_sessions(random.Random(5), 100, 0, 10))
    run_rules(con)
    add_source(con, "later.csv")
    add_events(con, random_sessions(random.Random(6), 50, 0, 10))  # the kept tables are behind
    expected = {name: from_scratch(con, name) for name in shared_tables()}
    con.close()
    reader = open_db(path, read_only=True)
    tables = SharedTables(reader)
    assert tables.ensure(tuple(shared_tables())) is None
    for name in shared_tables():
        assert reader.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() == expected[name]
    tables.drop()
    reader.close()


class InterruptedAt:
    """A connection that is interrupted (Ctrl-C) when it is asked to run a given statement."""

    def __init__(self, con, start: str) -> None:
        self.con = con
        self.start = start

    def execute(self, sql: str, *args):
        if sql.startswith(self.start):
            raise KeyboardInterrupt
        return self.con.execute(sql, *args)


def test_ctrl_c_in_the_middle_of_a_refresh_leaves_the_kept_tables_as_they_were(db) -> None:
    add_events(db, random_sessions(random.Random(7), 100, 0, 10))
    run_rules(db)
    before = {name: kept(db, name) for name in (*kept_tables(), "line_day_digests")}
    add_events(db, random_sessions(random.Random(8), 30, 5, 10))
    # the days' old rows are already deleted when the new ones are about to be inserted
    tables = SharedTables(InterruptedAt(db, "INSERT INTO main.line_days"))
    with pytest.raises(KeyboardInterrupt):
        tables.ensure(("line_days",))
    assert {name: kept(db, name) for name in before} == before
    run_rules(db)
    assert_as_rebuilt(db)
