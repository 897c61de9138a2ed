"""`findings` and `rules`: what the rules found, worst and costliest first, and the rules."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import click

from analyzer.cli.base import (
    chosen_format,
    db_option,
    db_path,
    format_options,
    nothing,
    period_option,
    wide_option,
)
from analyzer.cli.output import print_rows
from analyzer.errors import EXIT_FINDINGS, shown

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
TABLE_COLUMNS = ("severity", "rule", "line", "period", "at stake", "detail", "evidence")
WRAPPED = ("detail", "evidence")  # wrap in the table; under the row when it cannot fit


def money(amount: Decimal | None, currency: str | None) -> str:
    """An amount in its currency's own decimals: '1,500 XPF', '4.99 USD'."""
    from analyzer.money import format_money

    return "" if amount is None else format_money(amount, currency)


def plain_money(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """The amount in its currency's decimals (1500 XPF, 4.99 USD), still an exact number."""
    from analyzer.money import minor_digits

    if amount is None:
        return None
    return amount.quantize(Decimal(1).scaleb(-minor_digits(currency)), rounding=ROUND_HALF_UP)


def period_text(start: Any, end: Any) -> str:
    """One period syntax: a day, or START..END."""
    if start is None:
        return ""
    return str(start) if end is None or end == start else f"{start}..{end}"


def evidence_text(evidence: Sequence[dict[str, Any]] | None, *, full_path: bool) -> str:
    """'bill.pdf page 3 row 1; usage.csv row 19': each place once."""
    places = []
    for item in evidence or ():
        name = item["file"] if full_path else Path(item["file"]).name
        where = f" page {item['page']}" if item["page"] is not None else ""
        where += f" row {item['row']}" if item["row"] is not None else ""
        places.append(f"{name}{where}")
    return "; ".join(places)


def totals(records: Sequence[dict[str, Any]]) -> dict[str, Decimal]:
    """Money at stake per currency (never added across currencies)."""
    sums: dict[str, Decimal] = {}
    for record in records:
        if record["amount_at_stake"] is not None and record["currency"]:
            currency = record["currency"]
            sums[currency] = sums.get(currency, Decimal(0)) + record["amount_at_stake"]
    return dict(sorted(sums.items()))


def _table_rows(records: Sequence[dict[str, Any]], wide: bool) -> list[tuple[Any, ...]]:
    return [
        (
            r["severity"],
            r["rule"],
            r["line"],
            period_text(r["period_start"], r["period_end"]),
            money(r["amount_at_stake"], r["currency"]),
            r["detail"],
            evidence_text(r["evidence"], full_path=wide),
        )
        for r in records
    ]


def _export_records(records: Sequence[dict[str, Any]], flat: bool) -> list[dict[str, Any]]:
    rows = []
    for r in records:
        row = dict(r, amount_at_stake=plain_money(r["amount_at_stake"], r["currency"]))
        row["evidence"] = (
            evidence_text(r["evidence"], full_path=True) if flat else list(r["evidence"] or [])
        )
        rows.append(row)
    return rows


def print_findings(records: Sequence[dict[str, Any]], fmt: str, wide: bool) -> None:
    """The findings in ``fmt``; a table ends with the money at stake per currency."""
    if fmt != "table":
        exported = _export_records(records, flat=fmt == "csv")
        columns = list(exported[0]) if exported else []
        print_rows(columns, [list(r.values()) for r in exported], fmt)
        return
    print_rows(
        TABLE_COLUMNS,
        _table_rows(records, wide),
        "table",
        wide=wide,
        wrapped=WRAPPED,
        below=WRAPPED,
        spill=("line",),
    )
    for currency, total in totals(records).items():
        click.echo(f"Total at stake: {money(total, currency)}")


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (analyzer.toml).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="RULE.NAME=VALUE",
    help="Override a rule parameter (repeatable).",
)
@click.option("--rerun/--no-rerun", default=False, help="Run the rules again before listing.")
@click.option("--rule", "rules", multiple=True, help="Only these rules (repeatable).")
@click.option("--line", "lines", multiple=True, help="Only these lines (repeatable).")
@click.option(
    "--severity",
    type=click.Choice(["info", "warning", "error"]),
    help="Only findings at or above this severity.",
)
@period_option
@format_options("table", "json", "csv", "nl")
@wide_option
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an auditor's workbook (findings, evidence, statements) to this file.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    help="Exit with code 5 when a finding at or above this severity exists.",
)
@db_option
@click.pass_context
def findings(
    ctx: click.Context,
    config_path: Path | None,
    params: tuple[str, ...],
    rerun: bool,
    rules: tuple[str, ...],
    lines: tuple[str, ...],
    severity: str | None,
    period: str | None,
    xlsx: Path | None,
    fail_on: str | None,
    wide: bool,
    **formats: Any,
) -> None:
    """List findings with their evidence: errors first, then per currency the most money first.

    Exit 6 (and a line on stderr) when filters match no finding; 5 with --fail-on.
    """
    from analyzer.api import analyse, list_findings
    from analyzer.cli.checks import check_lines, check_period_has_data, check_rules

    fmt = chosen_format(**formats)
    db = db_path(ctx)
    check_rules(rules)
    if xlsx is not None:
        from analyzer.api import check_output

        check_output(xlsx, db)
    if rerun or params or config_path:
        analyse(db, folder=None, config_path=config_path, params=params, out=None)
    check_lines(db, lines)
    if period:
        check_period_has_data(db, period)
    columns, rows = list_findings(db, rules=rules, lines=lines, severity=severity, period=period)
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    if xlsx is not None:
        from analyzer.cli.workbook import write_workbook

        write_workbook(xlsx, records, db)
        click.echo(f"Workbook: {shown(xlsx)}", err=True)
    if records or fmt != "table":
        print_findings(records, fmt, wide)
    _say_when_empty(records, fmt, rules, lines, severity, period)
    if fail_on and any(SEVERITY_ORDER[r["severity"]] >= SEVERITY_ORDER[fail_on] for r in records):
        ctx.exit(EXIT_FINDINGS)


def _say_when_empty(
    records: Sequence[Any],
    fmt: str,
    rules: Sequence[str],
    lines: Sequence[str],
    severity: str | None,
    period: str | None,
) -> None:
    if records:
        return
    filters = [f"--rule {r}" for r in rules] + [f"--line {line}" for line in lines]
    filters += [f"--severity {severity}"] if severity else []
    filters += [f"--period {period}"] if period else []
    if not filters:
        if fmt == "table":  # a machine format's empty list says it already
            click.echo("No findings: the rules found nothing to report.", err=True)
        return
    nothing(f"No findings match {shown(' '.join(filters))}")


@click.command("rules")
@format_options("table", "json", "csv", "nl")
@wide_option
def rules_command(wide: bool, **formats: Any) -> None:
    """List the rules: id, severity, title, parameters (with defaults) and what each catches."""
    from analyzer.rules import load_rules

    fmt = chosen_format(**formats)
    ordered = sorted(load_rules(), key=lambda r: (-SEVERITY_ORDER.get(r.severity, 0), r.id))
    rows = [
        (
            r.id,
            r.severity,
            r.title,
            ", ".join(f"{k}={v}" for k, v in r.params.items()),
            r.description.split(". ")[0].rstrip(".") + ".",
        )
        for r in ordered
    ]
    columns = ("rule", "severity", "title", "params", "description")
    print_rows(columns, rows, fmt, wide=wide, wrapped=("title",), below=("description", "params"))
