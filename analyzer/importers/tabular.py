"""CSV and XLSX layouts declared as data: header names to recognise, columns to map."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analyzer import regex
from analyzer.arrays import dates, integers
from analyzer.errors import InputError
from analyzer.importers.base import (
    ROW_FACTS,
    AmbiguousColumn,
    Extracted,
    ImportOptions,
    Staged,
    TableMapping,
)
from analyzer.importers.conditions import Any_
from analyzer.importers.countries import needs_country_names, prefetch_country_names
from analyzer.importers.date_formats import resolve_date_formats
from analyzer.importers.event_rows import EventRows
from analyzer.importers.mapping import Mapped, map_rows, new_connection
from analyzer.importers.reading import (
    cell_text,
    csv_head_rows,
    find_header,
    head_text,
    stage_csv,
    stage_xlsx,
    xlsx_head_rows,
    xlsx_rows,
)
from analyzer.importers.records import (
    StatementRecord,
    read_statement_records,
    with_profile_facts,
    with_record_rejects,
)
from analyzer.importers.specs import Const
from analyzer.importers.statement_checks import check_period, file_total
from analyzer.importers.statement_facts import (
    parse_as_of,
    parse_decimal,
    parse_volume,
    row_totals,
    with_records,
)
from analyzer.importers.years import needs_year, with_year, year_source
from analyzer.model import Statement
from analyzer.paths import path_text


@dataclass(frozen=True)
class Fact:
    """An event field taken from the statement's facts (the line printed above the header)."""

    name: str
    what = "a statement fact"

    def columns(self) -> tuple[str, ...]:
        return ()

    def sql(self, ref: object) -> str:
        raise TypeError(f"the fact {self.name!r} must be resolved before mapping")


# Statement fields a layout may read from its preamble or facts sheet, and how they parse.
_MONEY_FACTS = ("balance_after", "subtotal", "taxes", "total_due")


@dataclass(frozen=True)
class TabularLayout:
    """A carrier's CSV or XLSX export, declared: how to recognise it and how to map it."""

    name: str
    carrier: str
    header: tuple[str, ...]  # column names that must all appear in the header row
    mapping: TableMapping | tuple[TableMapping, ...]  # several: record types or cells per row
    suffixes: tuple[str, ...] = (".csv",)
    filename: str | None = None  # regex the file name must match as well
    keywords: tuple[str, ...] = ()  # words the head of the file must contain
    encoding: str | None = None  # None: BOM, then detection
    delimiter: str | None = None  # None: sniffed
    sheet: str | None = None  # XLSX sheet name (default: the first visible one)
    sheet_pattern: str | None = None  # or a pattern searched in the visible sheets' names
    facts_sheet: str | None = None  # XLSX sheet of statement facts, searched like the preamble
    headerless_columns: int | None = None  # for files with no header: columns by position
    signature: str | None = None  # regex the head of a headerless file must match
    currency: str | None = None  # the statement's currency when rows do not say
    # Regexes over the text above the header (and the facts sheet), first group = the value:
    # as_of, account, invoice_number, plan_name, balance_after, allowance_bytes, line, or any
    # other name (kept in the statement's extra).
    preamble_fields: Mapping[str, str] = field(default_factory=dict)
    as_of_formats: tuple[str, ...] = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")
    unmatched: str | None = "no record type of this layout matches the row"
    decimal: str = "."  # for money facts in the preamble
    source: Path | None = None  # the TOML file of a user profile
    statement_records: tuple[StatementRecord, ...] = ()  # header, trailer and summary records
    year: int | None = None  # the profile's year for dates printed without one
    profile_facts: tuple[tuple[str, str], ...] = ()  # kept in every statement's extra

    @property
    def mappings(self) -> tuple[TableMapping, ...]:
        return (self.mapping,) if isinstance(self.mapping, TableMapping) else tuple(self.mapping)

    @property
    def is_xlsx(self) -> bool:
        return any(s in (".xlsx", ".xlsm", ".xls") for s in self.suffixes)

    def identify(self, path: Path) -> bool:
        return self.why_not(path) is None

    def why_not(self, path: Path) -> str | None:
        """The first identification condition this file fails, in words; None if it is ours."""
        if path.suffix.lower() not in self.suffixes:
            return f"it reads {', '.join(self.suffixes)} files"
        if self.filename and not regex.search(self.filename, path_text(path.name)):
            return f"the file name does not match {self.filename!r}"
        if self.is_xlsx:
            rows: list[list[object]] = xlsx_head_rows(
                path, self.sheet, sheet_pattern=self.sheet_pattern
            )
        else:
            rows = csv_head_rows(path, self.encoding, self.delimiter)  # type: ignore[assignment]
        head = "\n".join(",".join(str(c) for c in r if c is not None) for r in rows)
        missing = [word for word in self.keywords if word.lower() not in head.lower()]
        if missing:
            return f"the start of the file does not contain {missing[0]!r}"
        if self.headerless_columns:
            raw = head if self.is_xlsx else head_text(path, self.encoding)
            if rows and self.signature and regex.search(self.signature, raw, ignore_case=False):
                return None
            return f"no row at the start matches the signature {self.signature!r}"
        if find_header(rows, self.header) is not None:
            return None
        return _closest_header(rows, self.header)

    def stage(self, path: Path, con: duckdb.DuckDBPyConnection) -> Staged:
        if self.is_xlsx:
            return stage_xlsx(
                path,
                header=self.header,
                sheet=self.sheet,
                sheet_pattern=self.sheet_pattern,
                con=con,
            )
        return stage_csv(
            con,
            path,
            header=None if self.headerless_columns else self.header,
            encoding=self.encoding,
            delimiter=self.delimiter,
            columns=self.headerless_columns,
        )

    def extract(self, path: Path, options: ImportOptions) -> Extracted:
        if any(needs_country_names(s) for m in self.mappings for s in m.fields.values()):
            prefetch_country_names()
        con = new_connection()
        try:
            return self._extract(con, path, options)
        except BaseException:
            con.close()  # on success the events keep it open until they are stored
            raise

    def _extract(
        self, con: duckdb.DuckDBPyConnection, path: Path, options: ImportOptions
    ) -> Extracted:
        staged = self.stage(path, con)
        text = staged.preamble
        if self.facts_sheet:
            text += "\n" + sheet_text(path, self.facts_sheet)
        facts = self.preamble_facts(text, path)
        _check_row_count(path, facts, staged)
        try:
            records = read_statement_records(con, path, staged, self.statement_records)
            mappings = self._with_record_rows_skipped()
            if needs_year(mappings):
                period = (records.values.get("period_start"), records.values.get("period_end"))
                year, within = year_source(
                    path, _dates(period), given=options.year, profile_year=self.year
                )
                mappings = [with_year(m, year, within) for m in mappings]
            mappings = [
                resolve_date_formats(con, staged, self.resolve_facts(m, facts, path), path)
                for m in mappings
            ]
            mapped = map_rows(con, staged, mappings, unmatched=self.unmatched)
            mapped = replace(mapped, summary_amount=file_total(path, mapped.summary_totals))
            if isinstance(staged.table, str):
                con.execute(f"DROP TABLE {staged.table}")  # mapped: only the events are needed
        except AmbiguousColumn as exc:
            raise exc.input_error(path) from exc
        except KeyError as exc:
            raise InputError(
                path,
                f"the column {exc.args[0]!r} is missing",
                hint=f"the {self.name} layout expects it; check the export's columns",
            ) from exc
        statements, events = self.statements(mapped, facts, path)
        if self.statement_records:
            statements = [with_records(statements[0], records), *statements[1:]]
        statements = with_profile_facts(statements, self.profile_facts)
        rejects, skipped = with_record_rejects(mapped.rejects, mapped.skipped, records)
        return Extracted(
            statements=statements,
            events=events,
            rejects=rejects,
            rows_read=staged.rows_read,
            skipped=skipped,
            as_of=statements[0].as_of,
            detail={"facts": facts},
            text=staged.text,
        )

    def _with_record_rows_skipped(self) -> list[TableMapping]:
        """The event mappings, with the rows of statement records counted as skipped."""
        mappings = list(self.mappings)
        if self.statement_records:
            first = mappings[0]
            conditions = tuple(r.where for r in self.statement_records)
            skip = Any_((first.skip, *conditions) if first.skip else conditions)
            mappings[0] = replace(first, skip=skip)
        return mappings

    def resolve_facts(
        self, mapping: TableMapping, facts: Mapping[str, str], path: Path
    ) -> TableMapping:
        """Replace Fact fields by the values found above the header."""
        fields = dict(mapping.fields)
        for name, spec in mapping.fields.items():
            if isinstance(spec, Fact):
                if spec.name not in facts:
                    raise InputError(
                        path,
                        f"the {spec.name} is not printed above the table",
                        hint=f"the {self.name} layout reads {name} from there",
                    )
                fields[name] = Const(facts[spec.name])
        return replace(mapping, fields=fields)

    def preamble_facts(self, preamble: str, path: Path) -> dict[str, str]:
        facts: dict[str, str] = {}
        for name, pattern in self.preamble_fields.items():
            match = regex.search(pattern, preamble)
            if match:
                groups = [g for g in match.groups() if g]
                facts[name] = (" ".join(groups) if match.groups() else match.group(0)).strip()
        return facts

    def statements(
        self, mapped: Mapped, facts: Mapping[str, str], path: Path
    ) -> tuple[list[Statement], EventRows]:
        """Bill-level facts: one statement, or one per billing period the rows name (a period
        that ends before it starts refuses the file, naming its first row)."""
        events = mapped.events
        names = events.column_names
        if "period_start" not in names:
            statement = self.statement(events, facts, mapped.summary_amount)
            return [statement], self._without_facts(events)
        table = events.table
        end = f"{table}.period_end" if "period_end" in names else "CAST(NULL AS DATE)"
        periods = sorted(
            events.con.sql(f"SELECT DISTINCT period_start, {end} FROM {table}").fetchall(),
            key=lambda p: (p[0] is None, p[0] or date.min, p[1] or date.min),
        )
        # Each event names its statement (in place: the events stay in file order).
        events.con.register(
            "statement_periods",
            pa.table(
                {
                    "period_start": dates([s for s, _ in periods]),
                    "period_end": dates([e for _, e in periods]),
                    "statement_index": integers(range(len(periods)), pa.int32()),
                }
            ),
        )
        events.con.execute(
            f"""
            UPDATE {table} SET statement_index = p.statement_index
            FROM statement_periods p
            WHERE {table}.period_start IS NOT DISTINCT FROM p.period_start
              AND {end} IS NOT DISTINCT FROM p.period_end
            """
        )
        events.con.unregister("statement_periods")
        statements = []
        for index, (start, end_date) in enumerate(periods):
            where = f"statement_index = {index}"
            if start and end_date and end_date < start:
                row = events.con.sql(f'SELECT min("row") FROM {table} WHERE {where}')
                check_period(path, start, end_date, row=row.fetchall()[0][0])
            statement = self.statement(events, facts, None, where)
            totals = row_totals(events, where)
            extra = dict(statement.extra)
            if totals["usage"]:
                extra["usage_totals"] = json.dumps(totals["usage"], sort_keys=True)
            if mapped.summary_amount is not None:
                extra["file_total"] = str(mapped.summary_amount)
            statements.append(
                replace(
                    statement,
                    period_start=start or statement.period_start,
                    period_end=end_date or statement.period_end,
                    total_due=totals["total"],
                    extra=extra,
                )
            )
        return statements, self._without_facts(events)

    @staticmethod
    def _without_facts(events: EventRows) -> EventRows:
        """The events without the statement facts their rows carried."""
        facts = [f'"{c}"' for c in ROW_FACTS if c in events.column_names]
        if not facts:
            return events
        view = f"{events.table}_events"
        events.con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT * EXCLUDE ({', '.join(facts)}) FROM {events.table}"
        )
        return EventRows(events.con, view)

    def statement(
        self,
        events: EventRows,
        facts: Mapping[str, str],
        summary_amount: object,
        where: str = "TRUE",
    ) -> Statement:
        """Bill-level facts of an export: its span, lines, currency, and printed totals."""
        line_list, currency_list, first, last = events.con.sql(
            f"""
            SELECT list(DISTINCT line) FILTER (WHERE line <> ''),
                   list(DISTINCT currency) FILTER (WHERE currency <> ''),
                   min(started_at), max(started_at)
            FROM {events.table} WHERE {where}
            """
        ).fetchall()[0]
        lines = tuple(sorted(line_list or ()))
        currencies = set(currency_list or ())
        known = {
            "account",
            "invoice_number",
            "plan_name",
            "as_of",
            "allowance_bytes",
            "line",
            *_MONEY_FACTS,
        }
        money = {name: parse_decimal(facts.get(name), self.decimal) for name in _MONEY_FACTS}
        if summary_amount is not None and money["total_due"] is None:
            money["total_due"] = Decimal(summary_amount)
        return Statement(
            carrier=self.carrier,
            account=facts.get("account"),
            invoice_number=facts.get("invoice_number"),
            lines=lines,
            period_start=first.date() if first else None,
            period_end=last.date() if last else None,
            currency=self.currency or (currencies.pop() if len(currencies) == 1 else None),
            plan_name=facts.get("plan_name"),
            allowance_bytes=parse_volume(facts.get("allowance_bytes")),
            as_of=parse_as_of(facts.get("as_of"), self.as_of_formats),
            extra={k: v for k, v in facts.items() if k not in known},
            **money,
        )


def _dates(period: tuple[Any, Any]) -> tuple[date | None, date | None]:
    return tuple(v.date() if isinstance(v, datetime) else v for v in period)  # type: ignore[return-value]


def _closest_header(rows: list[list[object]], header: tuple[str, ...]) -> str:
    """Which of the header names the best row of the file's start lacks."""
    wanted = [name.strip().lower() for name in header]
    best: list[str] = list(header)
    for row in rows[:60]:
        cells = {str(c).strip().lower() for c in row if c is not None}
        missing = [name for name, key in zip(header, wanted, strict=True) if key not in cells]
        if len(missing) < len(best):
            best = missing
    return "no row holds the columns " + ", ".join(repr(name) for name in best)


def _check_row_count(path: Path, facts: Mapping[str, str], staged: Staged) -> None:
    """A file that states how many rows it holds must hold that many (else it was cut short)."""
    stated = facts.get("row_count")
    if stated is None:
        return
    digits = re.sub(r"[\s,.'  ]", "", stated)
    if not digits.isdigit():
        raise InputError(
            path,
            f"its row count {stated!r} is not a number",
            hint="check the row_count pattern of the profile",
        )
    found = staged.rows_read - staged.blank_rows
    if int(digits) != found:
        raise InputError(
            path,
            f"it says it holds {int(digits)} rows but {found} were read below the header",
            hint="the export may be cut short or padded; download it again",
        )


def sheet_text(path: Path, sheet: str) -> str:
    """A whole sheet as lines of 'cell: cell: ...' text, for statement facts."""
    rows = xlsx_rows(path, sheet)
    return "\n".join(": ".join(cell_text(c) or "" for c in row).strip(": ") for row in rows)
