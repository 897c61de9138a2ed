"""Rules: each has a positive and a negative test on a few inline rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ICCID, session, wayfarer_csv

from analyzer.config import Config, apply_config
from analyzer.errors import ConfigError
from analyzer.importing import import_paths
from analyzer.rules import load_rules, parse_param_overrides, run_rules


def findings(con, rule: str) -> list[tuple]:
    return con.sql(
        "SELECT line, period_start::VARCHAR, period_end::VARCHAR, observed FROM findings "
        "WHERE rule = ? ORDER BY period_start",
        params=[rule],
    ).fetchall()


def load(con, tmp_path: Path, rows: list[str], home: str | None = "US") -> None:
    import_paths(con, [wayfarer_csv(tmp_path, rows)])
    apply_config(con, Config(home_country=home))
    run_rules(con)


def test_every_rule_file_has_a_valid_header() -> None:
    rules = load_rules()
    assert rules, "no rules found"
    for rule in rules:
        assert rule.title and rule.severity in ("info", "warning", "error")


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


def test_param_overrides_are_checked() -> None:
    assert parse_param_overrides(["data_burn.factor=4"]) == {"data_burn": {"factor": 4}}
    with pytest.raises(ConfigError, match=r"write it as RULE\.NAME=VALUE"):
        parse_param_overrides(["data_burn"])


def test_unknown_rule_parameter_is_an_error(db) -> None:
    with pytest.raises(ConfigError, match="rule roaming_started has no parameter 'nope'"):
        run_rules(db, {"roaming_started": {"nope": 1}})
