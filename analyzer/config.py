"""analyzer.toml: the user's lines, plans, rate cards and rule parameters.

Looked for beside the bills (``FOLDER/analyzer.toml``) or given with ``--config``. Amounts are
written with their currency ("3500 XPF"), volumes with their unit ("10 GB", base 1024).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from analyzer.errors import ConfigError

CONFIG_NAME = "analyzer.toml"
_VOLUME = re.compile(r"^\s*([\d.]+)\s*([KMGT]?B)\s*$", re.IGNORECASE)
_MONEY = re.compile(r"^\s*(-?[\d.]+)\s*([A-Z]{3})\s*$")
_INCREMENT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_POWERS = {"B": 0, "KB": 1, "MB": 2, "GB": 3, "TB": 4}
_CYCLES = ("monthly", "days", "validity")


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
    home = data.get("home_country")
    lines = {
        str(line): _line(settings, f"{where}: lines.{line}", home)
        for line, settings in _table(data, "lines", where).items()
    }
    cards = [
        card
        for carrier, settings in _table(data, "rate_cards", where).items()
        for card in _rate_card(carrier, settings, f"{where}: rate_cards.{carrier}")
    ]
    rules = {str(k): dict(v) for k, v in _table(data, "rules", where).items()}
    return Config(path, home, lines, cards, rules)


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table like [{key}.NAME]")
    return value


def parse_volume(text: str, where: str) -> Decimal:
    """'10 GB' -> bytes (base 1024, as carriers count allowances)."""
    match = _VOLUME.match(str(text))
    if not match:
        raise ConfigError(f'{where}: {text!r} is not a data volume; write it like "10 GB"')
    return Decimal(match.group(1)) * 1024 ** _POWERS[match.group(2).upper()]


def parse_money(text: str, where: str) -> tuple[Decimal, str]:
    """'3500 XPF' -> (Decimal('3500'), 'XPF'): an amount never travels without its currency."""
    match = _MONEY.match(str(text))
    if not match:
        raise ConfigError(f'{where}: {text!r} is not an amount; write it like "25.00 USD"')
    try:
        return Decimal(match.group(1)), match.group(2)
    except InvalidOperation as exc:
        raise ConfigError(f"{where}: {text!r} is not an amount") from exc


def _line(settings: dict[str, Any], where: str, default_home: str | None) -> dict[str, Any]:
    plan = settings.get("plan", {})
    cycle = plan.get("cycle")
    if cycle is not None and cycle not in _CYCLES:
        raise ConfigError(f"{where}.plan.cycle: {cycle!r} is not one of {', '.join(_CYCLES)}")
    price = parse_money(plan["price"], f"{where}.plan.price") if "price" in plan else (None, None)
    home = settings.get("home_country", default_home)
    if home is not None and not re.fullmatch(r"[A-Za-z]{2}", str(home)):
        raise ConfigError(f"{where}.home_country: {home!r} is not a two-letter country code")
    return {
        "label": settings.get("label"),
        "home_country": home.upper() if home else None,
        "data_allowance": (
            parse_volume(plan["data_allowance"], f"{where}.plan.data_allowance")
            if "data_allowance" in plan
            else None
        ),
        "cycle": cycle,
        "cycle_day": plan.get("cycle_day"),
        "cycle_days": plan.get("days"),
        "cycle_start": plan.get("start") or plan.get("purchase_date"),
        "validity_days": plan.get("validity_days"),
        "validity_starts": plan.get("starts"),
        "price": price[0],
        "price_currency": price[1],
    }


def _rate_card(carrier: str, settings: dict[str, Any], where: str) -> list[dict[str, Any]]:
    cards = []
    first = step = None
    if "increment" in settings:
        match = _INCREMENT.match(str(settings["increment"]))
        if not match:
            raise ConfigError(f'{where}.increment: write billing increments like "60/60"')
        first, step = int(match.group(1)), int(match.group(2))
    for key, kind, per in (
        ("voice_per_minute", "voice", "minute"),
        ("sms", "sms", "message"),
        ("data_per_mb", "data", "MB"),
    ):
        if key in settings:
            price, currency = parse_money(settings[key], f"{where}.{key}")
            cards.append(
                {
                    "carrier": carrier,
                    "kind": kind,
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
    for line, s in config.lines.items():
        con.execute(
            "INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                line,
                s["label"],
                s["home_country"],
                s["data_allowance"],
                s["cycle"],
                s["cycle_day"],
                s["cycle_days"],
                s["cycle_start"],
                s["validity_days"],
                s["validity_starts"],
                s["price"],
                s["price_currency"],
            ],
        )
    for card in config.rate_cards:
        con.execute(
            "INSERT INTO rate_cards VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                card["carrier"],
                card["kind"],
                card["unit_price"],
                card["per"],
                card["currency"],
                card["increment_first"],
                card["increment_next"],
            ],
        )
    if config.home_country:
        # Lines seen in bills but not listed in the config still get the default home country.
        con.execute(
            "INSERT INTO lines (line, home_country) SELECT DISTINCT line, ? FROM events "
            "WHERE line IS NOT NULL AND line NOT IN (SELECT line FROM lines)",
            [config.home_country.upper()],
        )
