"""analyzer.toml: the user's lines, plans, rate cards and rule parameters.

Looked for beside the bills (``FOLDER/analyzer.toml``) or given with ``--config``. Amounts are
written with their currency ("3500 XPF"), volumes with their unit ("10 GB", base 1024).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from analyzer import values
from analyzer.duck import private_connection
from analyzer.errors import ConfigError

CONFIG_NAME = "analyzer.toml"
_VOLUME_UNIT = re.compile(r"[0-9.]\s*[KMGT]?B\s*$", re.IGNORECASE)
_MONEY = re.compile(r"^\s*(\S+)\s*([A-Z]{3})\s*$")
_INCREMENT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_CYCLES = ("monthly", "days", "validity")
_VALIDITY_STARTS = ("first_use", "purchase")
_TOP_KEYS = ("home_country", "lines", "rate_cards", "rules")
_LINE_KEYS = ("home_country", "label", "plan", "time_zone")
_PLAN_KEYS = (
    "name", "price", "data_allowance", "cycle", "cycle_day", "days", "start", "validity_days",
    "starts", "purchase_date",
)  # fmt: skip
# (setting, event kind, direction, unit priced): what each rate-card key prices.
_PRICES = (
    ("voice_per_minute", "voice", "out", "minute"),
    ("voice_in_per_minute", "voice", "in", "minute"),
    ("sms", "sms", "out", "message"),
    ("data_per_mb", "data", None, "MB"),
)
_CARD_KEYS = ("increment", *(key for key, *_ in _PRICES))


@dataclass(frozen=True)
class Config:
    """Everything analyzer.toml says, checked."""

    path: Path | None = None
    home_country: str | None = None
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_cards: list[dict[str, Any]] = field(default_factory=list)
    rule_params: dict[str, dict[str, Any]] = field(default_factory=dict)


def find_config(folder: Path | None, explicit: Path | None) -> Path | None:
    """``--config`` if given, else analyzer.toml in the bills folder, else none."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"no config file at {explicit}; check the --config path")
        return explicit
    if folder is not None:
        candidate = (folder if folder.is_dir() else folder.parent) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Parse and check analyzer.toml; every problem names the file and the key."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid TOML: {exc}") from exc
    where = path.name
    _known_keys(data, _TOP_KEYS, where)
    home = data.get("home_country")
    if home is not None and not re.fullmatch(r"[A-Za-z]{2}", str(home)):
        raise ConfigError(f"{where}: home_country {home!r} is not a two-letter country code")
    lines = {
        str(line): _line(
            _settings(settings, f"{where}: lines.{line}"), f"{where}: lines.{line}", home
        )
        for line, settings in _table(data, "lines", where).items()
    }
    cards = [
        card
        for carrier, settings in _table(data, "rate_cards", where).items()
        for card in _carrier_cards(
            str(carrier),
            _settings(settings, f"{where}: rate_cards.{carrier}"),
            f"{where}: rate_cards.{carrier}",
        )
    ]
    rules = {
        str(k): dict(_settings(v, f"{where}: rules.{k}"))
        for k, v in _table(data, "rules", where).items()
    }
    return Config(path, home.upper() if home else None, lines, cards, rules)


def _settings(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of settings, not {value!r}")
    return value


def _known_keys(settings: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """A misspelt key would silently change nothing: refuse it instead."""
    for key in settings:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown setting {key!r} (known: {', '.join(known)}); check its spelling"
            )


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table like [{key}.NAME]")
    return value


def parse_volume(text: str, where: str) -> Decimal:
    """'10 GB' -> bytes (base 1024, as carriers count allowances); the unit must be written."""
    value = str(text)
    try:
        if not _VOLUME_UNIT.search(value):
            raise ValueError("no unit")
        return Decimal(values.parse_volume(value, "B", 1024))
    except ValueError as exc:
        raise ConfigError(f'{where}: {text!r} is not a data volume; write it like "10 GB"') from exc


def parse_money(text: str, where: str, scale: int = 4) -> tuple[Decimal, str]:
    """'3500 XPF' -> (Decimal('3500'), 'XPF'): an amount never travels without its currency."""
    match = _MONEY.match(str(text))
    if not match:
        raise ConfigError(f'{where}: {text!r} is not an amount; write it like "25.00 USD"')
    try:
        return values.parse_amount(match.group(1), scale=scale), match.group(2)
    except ValueError as exc:
        raise ConfigError(f"{where}: {text!r} is not an amount") from exc


def _line(settings: dict[str, Any], where: str, default_home: str | None) -> dict[str, Any]:
    _known_keys(settings, _LINE_KEYS, where)
    plan = _settings(settings.get("plan", {}), f"{where}.plan")
    _known_keys(plan, _PLAN_KEYS, f"{where}.plan")
    cycle = plan.get("cycle")
    if cycle is not None and cycle not in _CYCLES:
        raise ConfigError(f"{where}.plan.cycle: {cycle!r} is not one of {', '.join(_CYCLES)}")
    starts = plan.get("starts")
    if starts is not None and starts not in _VALIDITY_STARTS:
        raise ConfigError(
            f"{where}.plan.starts: {starts!r} is not one of {', '.join(_VALIDITY_STARTS)}"
        )
    for key, needed in (("monthly", "cycle_day"), ("days", "days"), ("validity", "validity_days")):
        if cycle == key and not isinstance(plan.get(needed), int):
            raise ConfigError(f'{where}.plan: cycle = "{key}" needs {needed} = N (a whole number)')
    if cycle == "days" and "start" not in plan:
        raise ConfigError(f'{where}.plan: cycle = "days" needs start = "yyyy-mm-dd"')
    if cycle == "validity" and starts == "purchase" and "purchase_date" not in plan:
        raise ConfigError(f'{where}.plan: starts = "purchase" needs purchase_date = "yyyy-mm-dd"')
    price = parse_money(plan["price"], f"{where}.plan.price") if "price" in plan else (None, None)
    home = settings.get("home_country", default_home)
    if home is not None and not re.fullmatch(r"[A-Za-z]{2}", str(home)):
        raise ConfigError(f"{where}.home_country: {home!r} is not a two-letter country code")
    return {
        "label": settings.get("label"),
        "home_country": home.upper() if home else None,
        "time_zone": _time_zone(settings.get("time_zone"), f"{where}.time_zone"),
        "plan_name": plan.get("name"),
        "data_allowance": (
            parse_volume(plan["data_allowance"], f"{where}.plan.data_allowance")
            if "data_allowance" in plan
            else None
        ),
        "cycle": cycle,
        "cycle_day": plan.get("cycle_day"),
        "cycle_days": plan.get("days"),
        "cycle_start": _date(plan.get("start") or plan.get("purchase_date"), f"{where}.plan"),
        "validity_days": plan.get("validity_days"),
        "validity_starts": starts or ("first_use" if cycle == "validity" else None),
        "price": price[0],
        "price_currency": price[1],
    }


def _time_zone(value: Any, where: str) -> str | None:
    """A time zone name the database knows (IANA, "Europe/Paris"), for files printing no offset."""
    if value is None:
        return None
    with private_connection() as con:
        known = con.execute(
            "SELECT name FROM pg_timezone_names() WHERE lower(name) = lower(?)", [str(value)]
        ).fetchall()
    if not known:
        raise ConfigError(f'{where}: {value!r} is not a time zone; write it like "Europe/Paris"')
    return known[0][0]


def _date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f'{where}: {value!r} is not a date; write it like "2026-07-15"') from exc


def _increment(value: Any, where: str) -> tuple[int, int]:
    match = _INCREMENT.match(str(value))
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise ConfigError(f'{where}.increment: write billing increments like "60/60" or "30/6"')
    return int(match.group(1)), int(match.group(2))


def _carrier_cards(carrier: str, settings: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The national card, then one card per roaming country (inheriting the increment)."""
    _known_keys(settings, (*_CARD_KEYS, "roaming"), where)
    increment = _increment(settings["increment"], where) if "increment" in settings else None
    cards = _rate_card(carrier, None, settings, increment, where)
    roaming = _settings(settings.get("roaming", {}), f"{where}.roaming")
    for country, country_settings in roaming.items():
        here = f"{where}.roaming.{country}"
        if not re.fullmatch(r"[A-Za-z]{2}", str(country)):
            raise ConfigError(f"{here}: {country!r} is not a two-letter country code")
        country_settings = _settings(country_settings, here)
        _known_keys(country_settings, _CARD_KEYS, here)
        own = (
            _increment(country_settings["increment"], here)
            if "increment" in country_settings
            else increment
        )
        cards += _rate_card(carrier, str(country).upper(), country_settings, own, here)
    return cards


def _rate_card(
    carrier: str,
    country: str | None,
    settings: dict[str, Any],
    increment: tuple[int, int] | None,
    where: str,
) -> list[dict[str, Any]]:
    cards = []
    for key, kind, direction, per in _PRICES:
        if key in settings:
            price, currency = parse_money(settings[key], f"{where}.{key}", scale=6)
            first, step = increment if kind == "voice" and increment else (None, None)
            cards.append(
                {
                    "carrier": carrier,
                    "country": country,
                    "kind": kind,
                    "direction": direction,
                    "unit_price": price,
                    "per": per,
                    "currency": currency,
                    "increment_first": first if kind == "voice" else None,
                    "increment_next": step if kind == "voice" else None,
                }
            )
    return cards


def apply_config(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Refresh the lines and rate_cards tables so rules and views can join them."""
    con.execute("DELETE FROM lines")
    con.execute("DELETE FROM rate_cards")
    line_columns = (
        "label", "home_country", "plan_name", "data_allowance", "cycle", "cycle_day",
        "cycle_days", "cycle_start", "validity_days", "validity_starts", "price", "price_currency",
        "time_zone",
    )  # fmt: skip
    if config.lines:
        con.executemany(
            f"INSERT INTO lines (line, {', '.join(line_columns)}) "
            f"VALUES (?{', ?' * len(line_columns)})",
            [[line, *(s[c] for c in line_columns)] for line, s in config.lines.items()],
        )
    card_columns = (
        "carrier", "country", "kind", "direction", "unit_price", "per", "currency",
        "increment_first", "increment_next",
    )  # fmt: skip
    if config.rate_cards:
        con.executemany(
            f"INSERT INTO rate_cards ({', '.join(card_columns)}) "
            f"VALUES (?{', ?' * (len(card_columns) - 1)})",
            [[card[c] for c in card_columns] for card in config.rate_cards],
        )
    if config.home_country:
        # Lines seen in bills but not listed in the config still get the default home country.
        con.execute(
            "INSERT INTO lines (line, home_country) SELECT DISTINCT line, ? FROM events "
            "WHERE line IS NOT NULL AND line NOT IN (SELECT line FROM lines)",
            [config.home_country.upper()],
        )
