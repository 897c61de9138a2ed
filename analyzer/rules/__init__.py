"""Rules: one SQL file each; the file name is the rule id.

A rule file starts with header comments and holds one SELECT returning the fixed columns
``line, period_start, period_end, observed, expected, amount_at_stake, currency, detail,
event_ids`` (one row per finding)::

    -- title: Data burned much faster than usual
    -- severity: warning
    -- params: factor = 3, min_mb = 200
    SELECT ...

Parameters are referenced as ``$name``; defaults come from the header, overrides from
analyzer.toml ``[rules.<id>]`` or ``--param <id>.<name>=<value>``.

Rules read the ``usage`` view: overlapping copies are flagged when each file is saved
(:mod:`analyzer.copies`), so the view is a plain filter and a run over millions of events
stays within seconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb

from analyzer.errors import AnalyzerError, ConfigError
from analyzer.model import SEVERITIES

OUTPUT_COLUMNS = (
    "line",
    "period_start",
    "period_end",
    "observed",
    "expected",
    "amount_at_stake",
    "currency",
    "detail",
    "event_ids",
)
_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Rule:
    """A parsed rule file."""

    id: str
    title: str
    severity: str
    params: dict[str, Any]
    sql: str
    description: str = ""


def _value(text: str) -> Any:
    text = text.strip()
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text.strip("\"'")


def parse_rule(rule_id: str, text: str) -> Rule:
    """Read a rule's header comments; a malformed header is a bug in the rule file."""
    fields: dict[str, str] = {}
    description = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match and match.group(1) in ("title", "severity", "params"):
            fields[match.group(1)] = match.group(2).strip()
        else:
            description.append(line.removeprefix("--").strip())
    if "title" not in fields or fields.get("severity") not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: header needs '-- title:' and '-- severity:'")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in fields.get("params", "").split(","))):
        key, _, value = item.partition("=")
        params[key.strip()] = _value(value)
    return Rule(rule_id, fields["title"], fields["severity"], params, text, " ".join(description))


def load_rules() -> list[Rule]:
    """Every built-in rule, in id order."""
    folder = resources.files("analyzer.rules")
    return sorted(
        (
            parse_rule(entry.name.removesuffix(".sql"), entry.read_text("utf-8"))
            for entry in folder.iterdir()
            if entry.name.endswith(".sql")
        ),
        key=lambda rule: rule.id,
    )


def parse_param_overrides(items: tuple[str, ...] | list[str]) -> dict[str, dict[str, Any]]:
    """``["data_burn.factor=4"]`` -> ``{"data_burn": {"factor": 4}}``."""
    overrides: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        rule_id, dot, name = key.partition(".")
        if not sep or not dot or not name:
            raise ConfigError(
                f"--param {item!r}: write it as RULE.NAME=VALUE, e.g. data_burn.factor=4"
            )
        overrides.setdefault(rule_id.strip(), {})[name.strip()] = _value(value)
    return overrides


def resolve_params(rule: Rule, overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The rule's defaults with the user's overrides; an unknown name is an error."""
    params = dict(rule.params)
    for name, value in overrides.get(rule.id, {}).items():
        if name not in params:
            known = ", ".join(params) or "none"
            raise ConfigError(f"rule {rule.id} has no parameter {name!r} (it has: {known})")
        params[name] = value
    return params


def run_rules(
    con: duckdb.DuckDBPyConnection,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    only: set[str] | None = None,
) -> int:
    """Replace the findings table with what every rule finds now; return the count."""
    overrides = overrides or {}
    rules = load_rules()
    unknown = set(overrides) - {rule.id for rule in rules}
    if unknown:
        raise ConfigError(
            f"no rule named {', '.join(sorted(unknown))}; 'analyzer rules' lists them"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM findings")
        for rule in rules:
            if only and rule.id not in only:
                continue
            params = resolve_params(rule, overrides)
            used = {k: v for k, v in params.items() if f"${k}" in rule.sql}
            body = rule.sql.strip().rstrip(";")
            try:
                con.execute(
                    f"""
                    INSERT INTO findings
                    SELECT nextval('finding_ids'), {_sql_text(rule.id)}, {_sql_text(rule.severity)},
                           {_sql_text(rule.title)}, line, period_start, period_end,
                           CAST(observed AS VARCHAR), CAST(expected AS VARCHAR),
                           amount_at_stake, currency, detail, event_ids
                    FROM ({body}) AS found
                    """,
                    used or None,
                )
            except duckdb.Error as exc:
                raise AnalyzerError(f"rule {rule.id} failed: {str(exc).splitlines()[0]}") from exc
        count = con.sql("SELECT count(*) FROM findings").fetchall()[0][0]
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return int(count)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
