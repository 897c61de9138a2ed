"""A finding keeps its id across runs, and a run writes only the findings that changed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import session, wayfarer_csv
from test_rules import OTHER, STEADY, add_events, data_days
from test_rules_incidents import burnt_day, plan_fees

import analyzer.rules.saving as saving
from analyzer.importing import import_paths
from analyzer.rules import parse_rule, run_rules

# A finding as a person reads it, without its id.
CONTENT = "rule, line, period_start::VARCHAR, detail, amount_at_stake, event_ids"


def ids(con, table: str = "findings") -> dict[tuple, int]:
    """Each finding's content -> its id (the tests' findings all differ)."""
    rows = con.sql(f"SELECT {CONTENT}, finding_id FROM {table}").fetchall()
    by_content = {tuple(map(str, row[:-1])): row[-1] for row in rows}
    assert len(by_content) == len(rows)
    return by_content


def stored(con) -> list[tuple]:
    """Every saved row with its id and DuckDB's row identity: a row deleted and written again
    (even with the same values) gets a new ``rowid``."""
    return con.sql(
        "SELECT 'findings', finding_id, NULL AS into_id, rowid FROM findings "
        "UNION ALL SELECT 'folded', finding_id, into_finding_id, rowid FROM folded_findings "
        "ORDER BY ALL"
    ).fetchall()


def incidents(con) -> None:
    """A night burn that explains a data burn, a duplicate charge that explains an increase."""
    burnt_day(con)
    plan_fees(con, [["45.00"], ["45.00"], ["45.00", "45.00"]])


def test_a_second_run_over_an_unchanged_database_keeps_every_id_and_writes_nothing(db) -> None:
    incidents(db)
    run_rules(db)
    before = stored(db)
    assert [row[0] for row in before].count("folded") == 2
    run_rules(db)
    assert stored(db) == before


def test_a_new_file_adds_its_finding_and_the_others_keep_their_ids(db, tmp_path: Path) -> None:
    steady = [session(f"2026-05-{day:02d}", 300) for day in range(1, 15)]
    first = wayfarer_csv(tmp_path, [*steady, session("2026-05-05", 150, hour="02")])
    import_paths(db, [first])
    run_rules(db)
    before, rows = ids(db), stored(db)
    assert [key[0] for key in before] == ["night_burn"]
    (tmp_path / "later").mkdir()
    later = wayfarer_csv(tmp_path / "later", [session("2026-05-16", 200, hour="03")], "later.csv")
    import_paths(db, [later])
    run_rules(db)
    after = ids(db)
    assert {key: after[key] for key in before} == before
    added = set(after) - set(before)
    assert [(key[0], key[2]) for key in added] == [("night_burn", "2026-05-16")]
    assert after[added.pop()] > max(before.values())
    assert set(rows) < set(stored(db))  # the old finding's row is the same row


def night_burn_apart(con, rows: list[tuple]) -> tuple[int, list[tuple]]:
    """The night burn's id, and the saved rows that are neither it nor folded into it."""
    night = con.sql("SELECT finding_id FROM findings WHERE rule = 'night_burn'").fetchall()[0][0]
    return night, [row for row in rows if night not in row[1:3]]


def test_a_finding_that_disappears_is_deleted_and_the_others_keep_their_rows(db) -> None:
    incidents(db)
    run_rules(db)
    night, charges = night_burn_apart(db, stored(db))
    burn = db.sql("SELECT finding_id FROM folded_findings WHERE rule = 'data_burn'").fetchall()
    run_rules(db, {"night_burn": {"min_mb": 5000}})
    assert db.execute("SELECT count(*) FROM findings WHERE finding_id = ?", [night]).fetchall() == [
        (0,)
    ]
    # the data burn it explained is a finding of its own again, with the id it had folded
    assert db.execute("SELECT rule, finding_id FROM findings ORDER BY rule").fetchall() == [
        ("data_burn", burn[0][0]),
        ("duplicate_charge", charges[0][1]),
    ]
    assert [row[0] for row in charges] == ["findings", "folded"]
    assert set(stored(db)) - set(charges) == {
        db.sql(
            "SELECT 'findings', finding_id, NULL, rowid FROM findings WHERE rule = 'data_burn'"
        ).fetchall()[0]
    }


def test_folded_findings_point_at_the_kept_ids(db) -> None:
    incidents(db)
    run_rules(db)
    folded = db.sql(
        "SELECT f.rule, f.finding_id, i.rule, i.finding_id FROM folded_findings f "
        "JOIN findings i ON i.finding_id = f.into_finding_id ORDER BY ALL"
    ).fetchall()
    assert [(row[0], row[2]) for row in folded] == [
        ("charge_increase", "duplicate_charge"),
        ("data_burn", "night_burn"),
    ]
    add_events(db, data_days("2026-05-01", [*STEADY, 3000], line=OTHER))  # a new data burn
    run_rules(db)
    assert (
        db.sql(
            "SELECT f.rule, f.finding_id, i.rule, i.finding_id FROM folded_findings f "
            "JOIN findings i ON i.finding_id = f.into_finding_id ORDER BY ALL"
        ).fetchall()
        == folded
    )
    newest = max(row[3] for row in folded)
    assert db.execute(
        "SELECT rule, line FROM findings WHERE finding_id > ?", [newest]
    ).fetchall() == [("data_burn", OTHER)]


def test_a_finding_keeps_its_id_when_it_is_folded_and_when_it_is_unfolded(db) -> None:
    incidents(db)
    run_rules(db, {"night_burn": {"min_mb": 5000}})  # no night burn: the data burn stands alone
    alone = ids(db)
    burn = next(key for key in alone if key[0] == "data_burn")
    run_rules(db)  # the night burn explains it: folded into it, with its id
    folded = ids(db, "folded_findings")
    assert folded[burn] == alone[burn]
    night = db.sql("SELECT finding_id FROM findings WHERE rule = 'night_burn'").fetchall()[0][0]
    assert db.execute(
        "SELECT into_finding_id FROM folded_findings WHERE finding_id = ?", [alone[burn]]
    ).fetchall() == [(night,)]
    run_rules(db, {"night_burn": {"min_mb": 5000}})  # and back, with the same id again
    assert ids(db) == alone
    assert ids(db, "folded_findings") == {
        key: value for key, value in folded.items() if key[0] != "data_burn"
    }


# Findings that only the content's every column tells apart: NULLs, an exact amount, lists.
TWINS = parse_rule(
    "aaa_twins",
    "-- title: Twins\n-- severity: info\n-- params: copies = 2, amount = '1.5'\n"
    "SELECT NULL AS line, NULL::DATE AS period_start, NULL::DATE AS period_end, NULL AS observed,"
    " NULL AS expected, $amount::DECIMAL(18,4) AS amount_at_stake, NULL AS currency,"
    " 'The same twice' AS detail, e.event_ids FROM range($copies),"
    " (VALUES ([1, NULL]::BIGINT[]), ([]::BIGINT[]), (NULL::BIGINT[])) e(event_ids)",
)


def twins(con) -> list[tuple]:
    return con.sql(
        "SELECT finding_id, amount_at_stake::VARCHAR, event_ids::VARCHAR, rowid FROM findings "
        "ORDER BY finding_id"
    ).fetchall()


def test_identical_findings_are_matched_one_to_one(db) -> None:
    run_rules(db, rules=[TWINS])
    first = twins(db)
    assert len(first) == 6
    run_rules(db, rules=[TWINS])
    assert twins(db) == first
    run_rules(db, {"aaa_twins": {"copies": 3}}, rules=[TWINS])
    third = twins(db)
    assert third[:6] == first and len(third) == 9
    run_rules(db, {"aaa_twins": {"copies": 1}}, rules=[TWINS])
    assert {row[2] for row in twins(db)} == {"[1, NULL]", "[]", None}
    assert set(twins(db)) < set(first)
    run_rules(db, {"aaa_twins": {"copies": 1, "amount": "1.50"}}, rules=[TWINS])
    assert set(twins(db)) < set(first)  # the same amount, written otherwise
    run_rules(db, {"aaa_twins": {"copies": 1, "amount": "1.51"}}, rules=[TWINS])
    assert not set(twins(db)) & set(first)


def test_a_run_of_some_rules_keeps_the_other_rules_findings(db) -> None:
    incidents(db)
    run_rules(db)
    before = stored(db)
    burns = {"night_burn", "data_burn"}
    run_rules(db, only=burns)
    assert stored(db) == before
    _, charges = night_burn_apart(db, before)
    run_rules(db, {"night_burn": {"min_mb": 5000}}, only=burns)
    assert db.sql("SELECT rule FROM findings ORDER BY rule").fetchall() == [
        ("data_burn",),
        ("duplicate_charge",),
    ]
    assert set(charges) < set(stored(db))
    assert len(stored(db)) == len(charges) + 1


def test_a_run_of_one_rule_also_runs_the_rules_its_findings_fold_with(db) -> None:
    incidents(db)
    run_rules(db)
    before = stored(db)
    run_rules(db, only={"duplicate_charge"})
    assert stored(db) == before
    assert {row[0] for row in db.sql("SELECT rule FROM rule_runs").fetchall()} == {
        "duplicate_charge",
        "charge_increase",
        "roaming_charges",
        "(incidents)",
    }


def test_an_interrupted_run_leaves_the_saved_findings_as_they_were(db, monkeypatch) -> None:
    incidents(db)
    run_rules(db)
    before = stored(db)
    add_events(db, data_days("2026-05-01", [*STEADY, 3000], line=OTHER))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("analyzer.rules.fold_incidents", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_rules(db)
    assert stored(db) == before


def test_a_save_that_fails_after_its_writes_leaves_the_saved_findings(db, monkeypatch) -> None:
    incidents(db)
    run_rules(db)
    before = stored(db)
    add_events(db, data_days("2026-05-01", [*STEADY, 3000], line=OTHER))
    write = saving._write

    def failing(con, *args):
        outcome = write(con, *args)
        assert outcome.inserted
        con.execute("SELECT error('the disk is full')")
        return outcome

    monkeypatch.setattr(saving, "_write", failing)
    with pytest.raises(duckdb.Error, match="the disk is full"):
        run_rules(db)
    assert stored(db) == before
    monkeypatch.undo()
    run_rules(db)
    assert len(stored(db)) == len(before) + 1
