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
(:mod:`analyzer.copies`), so the view is a plain filter. What several rules group the same way
(a line's days, its stretches in one country) is a shared table (:mod:`analyzer.rules.shared`):
those grouped by line and day are kept in the database and recomputed for the days whose records
changed, the others computed once per run, so a run over millions of events stays within seconds.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb

from analyzer.errors import ConfigError, is_interrupt
from analyzer.model import SEVERITIES
from analyzer.rules.incidents import Fold, fold_incidents, fold_partners, parse_explains
from analyzer.rules.saving import save_findings
from analyzer.rules.shared import SharedTables, tables_read

INCIDENTS = "(incidents)"  # the rule_runs row of the folding pass
# A run's findings are gathered and folded in temporary tables of the same names and shape,
# then saved in one transaction: a finding folded into another is written once.
RUN_FINDINGS = "temp.main.findings"
RUN_FOLDED = "temp.main.folded_findings"
RULE_FOUND = "temp.main.rule_found"  # one rule's findings before they are numbered
PARAMS_KEY = "rule_params"  # meta: the parameters the last analysis ran each rule with
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
    explains: tuple[Fold, ...] = ()
    reads: tuple[str, ...] = ()  # the shared tables it reads (analyzer/rules/tables)


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
    explains = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match and match.group(1) in ("title", "severity", "params"):
            fields[match.group(1)] = match.group(2).strip()
        elif match and match.group(1) == "explains":
            explains.append(parse_explains(rule_id, match.group(2)))
        else:
            description.append(line.removeprefix("--").strip())
    if "title" not in fields or fields.get("severity") not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: header needs '-- title:' and '-- severity:'")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in fields.get("params", "").split(","))):
        key, _, value = item.partition("=")
        params[key.strip()] = _value(value)
    return Rule(
        rule_id,
        fields["title"],
        fields["severity"],
        params,
        text,
        " ".join(description),
        tuple(explains),
        tables_read(text),
    )


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


@dataclass(frozen=True)
class RuleFailure:
    """A rule that could not run: the analysis went on without it."""

    rule: str
    error: str

    @property
    def message(self) -> str:
        return f"rule {self.rule} failed: {self.error}"


@dataclass(frozen=True)
class RulesRun:
    """What a run of the rules left in ``findings``, and the rules that failed."""

    findings: int
    failures: tuple[RuleFailure, ...] = ()


def run_rules(
    con: duckdb.DuckDBPyConnection,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    only: set[str] | None = None,
    rules: list[Rule] | None = None,
) -> RulesRun:
    """Replace the findings with what every rule finds now, then fold related ones.

    Each rule runs in its own transaction: a rule that fails (a bad parameter, a file whose
    data the rule did not foresee) loses its findings, is recorded in ``rule_runs`` and
    returned in ``failures``, and the other rules still run. The findings are gathered and
    folded in temporary tables and saved at the end in one transaction, where a finding found
    again keeps its id (:mod:`analyzer.rules.saving`). ``only`` runs those rules and the rules
    their findings fold with; the other rules' saved findings are left as they are.
    """
    overrides = overrides or {}
    rules = load_rules() if rules is None else rules
    unknown = set(overrides) - {rule.id for rule in rules}
    if unknown:
        raise ConfigError(
            f"no rule named {', '.join(sorted(unknown))}; 'analyzer rules' lists them"
        )
    if only:
        only = fold_partners(only, [fold for rule in rules for fold in rule.explains])
    selected = [rule for rule in rules if not only or rule.id in only]
    params = {rule.id: resolve_params(rule, overrides) for rule in selected}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM rule_runs")
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [PARAMS_KEY, json.dumps(params, sort_keys=True, default=str)],
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    shared = SharedTables(con)
    saved = _quoted(con.sql("SELECT current_database()").fetchall()[0][0]) + ".main."
    _empty_copy(con, "findings")
    _empty_copy(con, "folded_findings")
    try:
        with _plain_subplans(con):
            try:
                failures = [
                    failure
                    for rule in selected
                    if (failure := _run_one(con, rule, params[rule.id], shared)) is not None
                ]
            finally:
                shared.drop()
            failure = _fold(con, [fold for rule in selected for fold in rule.explains])
        if failure is not None:
            failures.append(failure)
        ran = [rule.id for rule in selected] if only else None
        save_findings(con, saved, RUN_FINDINGS, RUN_FOLDED, ran)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {RUN_FINDINGS}")
        con.execute(f"DROP TABLE IF EXISTS {RUN_FOLDED}")
        con.execute(f"DROP TABLE IF EXISTS {RULE_FOUND}")
    count = con.sql("SELECT count(*) FROM findings").fetchall()[0][0]
    return RulesRun(int(count), tuple(failures))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _empty_copy(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A temporary ``table`` with the saved one's columns and NOT NULL constraints (a finding
    without a detail fails its rule, with the same message, not the saving)."""
    rows = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchall()
    definition, count = re.subn(
        rf"^CREATE TABLE {table}\b", f"CREATE TEMP TABLE {table}", rows[0][0], flags=re.IGNORECASE
    )
    # the ids come from a sequence; the saved table's key checks them once, when they are saved
    definition = definition.replace(" PRIMARY KEY", "", 1)
    if count != 1:  # the schema's own definition: a bug here, not in the user's data
        raise RuntimeError(f"cannot copy the definition of {table}: {rows[0][0][:60]}")
    con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
    con.execute(definition)


@contextmanager
def _plain_subplans(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the rules without DuckDB's common-subplan optimizer, then put the setting back.

    It keeps a copy of a subplan that a query reads twice: the view unmatched_overlap reads
    copy_keys twice, and that copy of ten million events took a gigabyte and most of its time.
    """
    before = con.sql("SELECT current_setting('disabled_optimizers')").fetchall()[0][0] or ""
    disabled = [name for name in before.split(",") if name.strip()]
    if "common_subplan" not in disabled:
        con.execute("SET disabled_optimizers = ?", [",".join([*disabled, "common_subplan"])])
    try:
        yield
    finally:
        con.execute("SET disabled_optimizers = ?", [before])


def _run_one(
    con: duckdb.DuckDBPyConnection, rule: Rule, params: dict[str, Any], shared: SharedTables
) -> RuleFailure | None:
    """Run one rule in its own transaction; on failure it has no findings in this run.

    The shared tables it reads are built first, outside its transaction (the first rule that
    reads one pays for it: its seconds include the building).
    """
    used = {k: v for k, v in params.items() if f"${k}" in rule.sql}
    body = rule.sql.strip().rstrip(";")
    started = time.perf_counter()
    missing = shared.ensure(rule.reads)
    if missing is not None:
        return _failed(con, rule, f"could not compute the shared table {missing}", started)
    try:
        con.execute("BEGIN TRANSACTION")
        # Found first, numbered after: nextval() in the rule's own query made DuckDB run all of
        # it slower (up to twice as long), though it numbers only the rows that come out.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {RULE_FOUND} AS
            SELECT line, period_start, period_end, CAST(observed AS VARCHAR) AS observed,
                   CAST(expected AS VARCHAR) AS expected, amount_at_stake, currency, detail,
                   event_ids
            FROM ({body}) AS found
            """,
            used or None,
        )
        found = con.execute(
            f"""
            INSERT INTO {RUN_FINDINGS}
            SELECT nextval('finding_ids'), {_sql_text(rule.id)}, {_sql_text(rule.severity)},
                   {_sql_text(rule.title)}, *
            FROM {RULE_FOUND}
            """
        ).fetchall()
        con.execute(f"DROP TABLE {RULE_FOUND}")
        record_run(con, rule.id, "ok", None, time.perf_counter() - started, found[0][0])
        con.execute("COMMIT")
        return None
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        if is_interrupt(exc):  # Ctrl-C stops the analysis; it is not this rule's failure
            raise
        return _failed(con, rule, _one_line(exc), started)
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _failed(con: duckdb.DuckDBPyConnection, rule: Rule, error: str, started: float) -> RuleFailure:
    """Record a rule that failed (it has no findings in the run: its old ones are not kept)."""
    con.execute("BEGIN TRANSACTION")
    record_run(con, rule.id, "failed", error, time.perf_counter() - started, 0)
    con.execute("COMMIT")
    return RuleFailure(rule.id, error)


def _fold(con: duckdb.DuckDBPyConnection, folds: list[Fold]) -> RuleFailure | None:
    """Fold related findings into incidents in one transaction; a failure keeps them unfolded."""
    started = time.perf_counter()
    try:
        con.execute("BEGIN TRANSACTION")
        folded = fold_incidents(con, folds, RUN_FINDINGS, RUN_FOLDED)
        record_run(con, INCIDENTS, "ok", None, time.perf_counter() - started, folded)
        con.execute("COMMIT")
        return None
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        if is_interrupt(exc):
            raise
        error = _one_line(exc)
        record_run(con, INCIDENTS, "failed", error, time.perf_counter() - started, 0)
        return RuleFailure(INCIDENTS, error)
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def record_run(
    con: duckdb.DuckDBPyConnection,
    rule: str,
    status: str,
    error: str | None,
    seconds: float,
    findings: int,
) -> None:
    """One row of ``rule_runs``: the run summary and the report read it."""
    con.execute(
        "INSERT OR REPLACE INTO rule_runs VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [rule, status, error, round(seconds, 3), findings],
    )


def used_params(con: duckdb.DuckDBPyConnection, rule: Rule) -> dict[str, Any]:
    """The parameters the last analysis ran ``rule`` with (analyzer.toml and --param included),
    so a figure drawn next to its findings is computed as they were; the header's defaults for
    a database analysed before they were recorded."""
    params = dict(rule.params)
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [PARAMS_KEY]).fetchall()
    except duckdb.CatalogException:
        return params
    if rows:
        recorded = json.loads(rows[0][0]).get(rule.id, {})
        params.update({k: v for k, v in recorded.items() if k in params})
    return params


def rule_failures(con: duckdb.DuckDBPyConnection) -> list[RuleFailure]:
    """The rules that failed in the last analysis, as ``rule_runs`` recorded them."""
    rows = con.sql(
        "SELECT rule, error FROM rule_runs WHERE status = 'failed' ORDER BY rule"
    ).fetchall()
    return [RuleFailure(rule, error or "") for rule, error in rows]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
