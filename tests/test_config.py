"""analyzer.toml: everything the sample settings say is read; every mistake is one clear line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES

from analyzer.config import apply_config, find_config, load_config
from analyzer.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "analyzer.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_settings_are_read_in_full() -> None:
    config = load_config(SAMPLES / "analyzer.toml")
    assert config.home_country == "US"
    cuba = config.lines["+5351234567"]
    assert cuba["home_country"] == "CU"
    assert cuba["plan_name"] == "Plan Datos 8 GB - 30 días"
    assert cuba["data_allowance"] == 8 * 1024**3
    assert (cuba["cycle"], cuba["validity_days"], cuba["validity_starts"]) == (
        "validity",
        30,
        "first_use",
    )
    assert cuba["cycle_start"] == date(2026, 7, 15)
    assert (cuba["price"], cuba["price_currency"]) == (Decimal("25.00"), "USD")
    assert config.lines["+12015550123"]["cycle_day"] == 19
    assert config.lines["+8613123456789"]["data_allowance"] is None
    cards = {
        (c["country"], c["kind"], c["direction"]): (
            c["unit_price"],
            c["currency"],
            c["increment_first"],
            c["increment_next"],
        )
        for c in config.rate_cards
    }
    assert cards == {
        (None, "voice", "out"): (Decimal("40"), "XPF", 60, 60),
        (None, "sms", "out"): (Decimal("20"), "XPF", None, None),
        ("AU", "voice", "out"): (Decimal("95"), "XPF", 1, 1),
        ("AU", "voice", "in"): (Decimal("60"), "XPF", 1, 1),
        ("AU", "sms", "out"): (Decimal("45"), "XPF", None, None),
        ("VU", "voice", "out"): (Decimal("120"), "XPF", 1, 1),
        ("VU", "voice", "in"): (Decimal("70"), "XPF", 1, 1),
        ("VU", "sms", "out"): (Decimal("50"), "XPF", None, None),
    }


def test_settings_fill_the_lines_and_rate_cards_tables(db) -> None:
    apply_config(db, load_config(SAMPLES / "analyzer.toml"))
    assert db.sql("SELECT count(*) FROM lines").fetchall() == [(9,)]
    assert db.sql(
        "SELECT plan_name, cycle_start::VARCHAR FROM lines WHERE line = '89442000000123456780'"
    ).fetchall() == [("Wayfarer Oceania 50 GB", "2026-04-28")]
    assert db.sql(
        "SELECT count(*) FROM rate_cards WHERE carrier = 'Lagon Mobile' AND country = 'VU'"
    ).fetchall() == [(3,)]


def test_a_roaming_card_inherits_the_carriers_increment(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[rate_cards.X]\nincrement = "30/6"\nvoice_per_minute = "0.20 USD"\n'
            '[rate_cards.X.roaming.mx]\nvoice_per_minute = "1.00 USD"\n',
        )
    )
    assert [
        (c["country"], c["increment_first"], c["increment_next"]) for c in config.rate_cards
    ] == [
        (None, 30, 6),
        ("MX", 30, 6),
    ]


def test_rule_parameters_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[rules.data_burn]\nfactor = 4\n"))
    assert config.rule_params == {"data_burn": {"factor": 4}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'home_countyr = "US"\n',
            "analyzer.toml: unknown setting 'home_countyr' (known: home_country, lines, "
            "rate_cards, rules); check its spelling",
        ),
        (
            '[lines."+1"]\nlabel = "x"\nplan = { allowance = "5 GB" }\n',
            "analyzer.toml: lines.+1.plan: unknown setting 'allowance' (known: name, price, "
            "data_allowance, cycle, cycle_day, days, start, validity_days, starts, "
            "purchase_date); check its spelling",
        ),
        (
            '[lines."+1".plan]\ncycle = "monthly"\n',
            'analyzer.toml: lines.+1.plan: cycle = "monthly" needs cycle_day = N (a whole number)',
        ),
        (
            '[lines."+1".plan]\ncycle = "validity"\nvalidity_days = 30\nstarts = "install"\n',
            "analyzer.toml: lines.+1.plan.starts: 'install' is not one of first_use, purchase",
        ),
        (
            '[lines."+1".plan]\ncycle = "days"\ndays = 28\nstart = "28/02/2026"\n',
            "analyzer.toml: lines.+1.plan: '28/02/2026' is not a date; write it like "
            '"2026-07-15"',
        ),
        (
            '[lines."+1".plan]\ndata_allowance = "lots"\n',
            "analyzer.toml: lines.+1.plan.data_allowance: 'lots' is not a data volume; "
            'write it like "10 GB"',
        ),
        (
            '[rate_cards.X]\nincrement = "60"\n',
            'analyzer.toml: rate_cards.X.increment: write billing increments like "60/60" or '
            '"30/6"',
        ),
        (
            '[rate_cards.X.roaming.AU]\nvoice_per_minute = "95"\n',
            "analyzer.toml: rate_cards.X.roaming.AU.voice_per_minute: '95' is not an amount; "
            'write it like "25.00 USD"',
        ),
        (
            '[rate_cards.X.roaming.Australia]\nsms = "1 AUD"\n',
            "analyzer.toml: rate_cards.X.roaming.Australia: 'Australia' is not a two-letter "
            "country code",
        ),
        (
            '[lines."+1"]\ntime_zone = "Paris"\n',
            "analyzer.toml: lines.+1.time_zone: 'Paris' is not a time zone; write it like "
            '"Europe/Paris"',
        ),
        ("rules = 3\n", "analyzer.toml: 'rules' must be a table like [rules.NAME]"),
    ],
)
def test_mistakes_are_named_with_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert str(error.value) == message


def test_missing_explicit_config_says_what_to_check(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        find_config(None, tmp_path / "nope.toml")
    assert (
        str(error.value) == f"no config file at {tmp_path / 'nope.toml'}; check the --config path"
    )


def test_a_line_time_zone_is_kept_under_its_canonical_name(tmp_path: Path, db) -> None:
    config = load_config(write(tmp_path, '[lines."+1"]\ntime_zone = "europe/paris"\n'))
    apply_config(db, config)
    assert db.sql("SELECT line, time_zone FROM lines").fetchall() == [("+1", "Europe/Paris")]
