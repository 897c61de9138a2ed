"""PDF bills declared as data: keywords to recognise them, regexes for fields and item lines.

A :class:`PdfLayout` reads like a form: keywords that must all appear on the first page, regexes
for the statement fields, context patterns (a "Line (201) 555-0123" heading, a "Talk" section)
whose values carry forward across rows and pages, skip patterns for repeated headers and totals,
and row patterns whose named groups become text columns. Each row pattern's rows are staged as a
``base.Staged`` table and mapped by the same ``TableMapping`` engine and column specs as CSV and
XLSX, so amounts, dates, volumes and durations are never parsed by hand here.

Text comes from pypdfium2, page by page, in a child process with a time, a memory and a page
limit (``pdf_reading.py`` runs it, ``pdf_text.py`` is it); statement facts are read in
``pdf_fields.py``. pypdfium2 was chosen by measurement over pdfplumber (see CHANGELOG and bench/).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analyzer.arrays import integers, strings
from analyzer.errors import InputError
from analyzer.importers.base import (
    AmbiguousColumn,
    Extracted,
    ImportOptions,
    Staged,
    TableMapping,
    map_rows,
    new_connection,
)
from analyzer.importers.countries import needs_country_names, prefetch_country_names
from analyzer.importers.event_rows import EventRows
from analyzer.importers.pdf_fields import (
    STATEMENT_FIELDS,
    field_patterns,
    field_texts,
    read_statement,
)
from analyzer.importers.pdf_reading import (
    PdfLimits,
    first_page_text,
    pdf_password,
    read_pdf,
)
from analyzer.importers.records import with_profile_facts
from analyzer.model import Statement
from analyzer.paths import path_text
from analyzer.regex import compile_re2, search, translate

__all__ = ["Context", "PdfLayout", "PdfLimits", "RowPattern", "Skip", "pdf_password", "read_pdf"]


@dataclass(frozen=True)
class Context:
    """A line that sets a named value (its regex groups, joined) for the rows that follow."""

    name: str
    pattern: str


@dataclass(frozen=True)
class Skip:
    """Lines that are not events (repeated headers, subtotals): counted as skipped rows."""

    pattern: str
    when: Mapping[str, str] = field(default_factory=dict)  # context name -> regex its value fits


@dataclass(frozen=True)
class RowPattern:
    """Item lines of one shape: the regex's named groups become columns for ``mapping``.

    ``when`` restricts it to lines under matching context values; ``defaults`` gives the text of
    groups that took no part in the match (an optional country, say).
    """

    name: str
    pattern: str
    mapping: TableMapping
    when: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    continued: str | None = None  # lines after it matching this continue it
    continue_into: str = "description"  # the group continuation lines are appended to
    max_continued: int = 2


@dataclass(frozen=True)
class PdfLayout:
    """A carrier's PDF bill, declared: how to recognise it, its fields, and its item lines."""

    name: str
    carrier: str
    keywords: tuple[str, ...]  # all must appear in the first page's text
    rows: tuple[RowPattern, ...]
    fields: Mapping[str, str] = field(default_factory=dict)  # statement field -> regex
    filename: str | None = None  # regex the file name must match as well
    date_formats: tuple[str, ...] = ("%d/%m/%Y",)  # statement dates (month names in any language)
    decimal: str = "."
    thousands: str | None = ","
    currency: str | None = None  # when the bill prints no currency code
    region: str | None = None  # home country of the phone numbers printed
    context: tuple[Context, ...] = ()
    skip: tuple[Skip, ...] = ()
    item: str | None = None  # a line that looks like an item: a reject when no row matches
    limits: PdfLimits = field(default_factory=PdfLimits)
    # True: context, skip, row and ``when`` patterns must match the whole line (or value);
    # profiles search instead, and anchor with ^ and $ where they mean the whole line.
    anchored: bool = True
    source: Path | None = None  # the TOML file of a profile
    pages: tuple[int, ...] = ()  # only these pages' rows are read (all pages give fields)
    page_pattern: str | None = None  # only pages whose text matches this heading
    # Ruled tables instead of text lines: pdfplumber's table settings ({} for its defaults);
    # the rows are then mapped by ``table_mappings`` below the ``header`` row, as in a CSV.
    tables: Mapping[str, Any] | None = None
    header: tuple[str, ...] = ()
    table_mappings: tuple[TableMapping, ...] = ()
    fill_down: tuple[str, ...] = ()  # groups that take the last row's value when empty
    year: int | None = None  # the profile's year for dates printed without one
    profile_facts: tuple[tuple[str, str], ...] = ()  # kept in every statement's extra
    unmatched: str | None = "no record type of this layout matches the row"

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(STATEMENT_FIELDS)
        if unknown:
            raise ValueError(f"unknown statement fields: {sorted(unknown)}")
        known = {"text", *(c.name for c in self.context), *STATEMENT_FIELDS}
        currency_known = self.currency is not None or "currency" in self.fields
        for row in self.rows:
            fields = row.mapping.fields
            if "amount" in fields and "currency" not in fields and not currency_known:
                raise ValueError(
                    f"row pattern {row.name!r} has amounts but nothing gives their currency"
                    " (set currency, a currency field or a currency column)"
                )
            groups = set(compile_re2(row.pattern).groupindex)
            if "text" in groups:
                raise ValueError(f"row pattern {row.name!r}: the group name 'text' is reserved")
            used = {c for spec in row.mapping.fields.values() for c in spec.columns()}
            missing = used - groups - known
            if missing:
                raise ValueError(
                    f"row pattern {row.name!r} has no group, context or field named "
                    + ", ".join(repr(m) for m in sorted(missing))
                )

    def identify(self, path: Path) -> bool:
        return self.why_not(path) is None

    def why_not(self, path: Path) -> str | None:
        """The first identification condition this file fails, in words; None if it is ours."""
        if path.suffix.lower() != ".pdf":
            return "it reads .pdf files"
        if self.filename and not search(self.filename, path_text(path.name)):
            return f"the file name does not match {self.filename!r}"
        text = first_page_text(path, self.limits).lower()
        missing = [word for word in self.keywords if word.lower() not in text]
        return f"the first page does not print {missing[0]!r}" if missing else None

    def request(self) -> dict[str, Any]:
        """The plain-data part of the layout that the child process needs (RE2 patterns)."""

        def line(pattern: str) -> str:
            return translate(f"^(?:{pattern})$" if self.anchored else pattern)

        def when(conditions: Mapping[str, str]) -> dict[str, str]:
            return {name: line(pattern) for name, pattern in conditions.items()}

        return {
            "contexts": [(c.name, line(c.pattern)) for c in self.context],
            "skips": [(line(s.pattern), when(s.when)) for s in self.skip],
            "rows": [(r.name, line(r.pattern), when(r.when), dict(r.defaults)) for r in self.rows],
            "item": translate(self.item) if self.item else None,
            "fields": {name: translate(p) for name, p in field_patterns(self.fields).items()},
            "pages": list(self.pages),
            "page_pattern": translate(self.page_pattern) if self.page_pattern else None,
            "tables": None if self.tables is None else dict(self.tables),
            "fill_down": list(self.fill_down),
            "continuations": {
                r.name: [translate(r.continued), r.continue_into, r.max_continued]
                for r in self.rows
                if r.continued
            },
        }

    def extract(self, path: Path, options: ImportOptions) -> Extracted:
        import pyarrow.compute as pc  # here, not at the top: every import compiles PDF layouts

        request = {**self.request(), "trace": options.trace, "columnar": True}
        mappings = [row.mapping for row in self.rows] + list(self.table_mappings)
        if any(needs_country_names(s) for m in mappings for s in m.fields.values()):
            prefetch_country_names()  # in a thread, while the reader process reads the text
        result = read_pdf(path, self.limits, options.password, request)
        if result["chars"] == 0:
            raise InputError(
                path,
                "it has no text layer (a scan?)",
                hint="export the bill as text or use the carrier's CSV",
            )
        if self.tables is not None:
            extracted = self._extract_tables(path, result, options)
            extracted.statements = with_profile_facts(extracted.statements, self.profile_facts)
            return extracted
        if result["rows_read"] == 0:
            raise InputError(
                path,
                f"no line of it is an item, header or total of the {self.name} layout",
                hint="the carrier may have changed its layout; check the layout or profile",
            )
        texts = field_texts(result["fields"])
        con = new_connection()
        try:
            statement = self.statement(con, path, texts, result["fields"])
            place = self._year_placer(path, statement, options)
            events, rejects, skipped = [], [], result["skipped"]
            for group in self._groups(result["rows"]):
                staged = [
                    self._stage(pattern, result["rows"].get(pattern.name, {}), texts)
                    for pattern in group
                ]
                mapped = map_rows(con, staged, [place(pattern.mapping) for pattern in group])
                events.append(mapped.events.to_arrow())
                rejects.append(mapped.rejects)
                skipped += mapped.skipped
        finally:
            con.close()
        rejects.append(self._unmatched(result["rejects"]))
        # One group's events come in file order already; several are merged into it.
        merged = events[0] if len(events) == 1 else _sorted(pa.concat_tables(events))
        events_table = _with_currency(merged, statement.currency)
        no_currency = pc.and_(
            pc.is_valid(events_table.column("amount")), pc.is_null(events_table.column("currency"))
        )
        if pc.any(no_currency).as_py():
            raise InputError(
                path,
                "it prints amounts but no currency the layout can find",
                hint=f"check the currency field of the {self.name} layout",
            )
        lines = {v for v in events_table.column("line").to_pylist() if v} | set(statement.lines)
        statement = replace(statement, lines=tuple(sorted(lines)))
        return Extracted(
            statements=with_profile_facts([statement], self.profile_facts),
            events=EventRows.of(events_table),
            rejects=_sorted(pa.concat_tables(rejects)),
            rows_read=result["rows_read"],
            skipped=skipped,
            detail={
                "pages": result["pages"],
                "unmatched_lines": result["unmatched"],
                "unreadable_lines": result["unreadable"],
                **({"trace": result["trace"]} if "trace" in result else {}),
            },
        )

    def _groups(self, rows: Mapping[str, Any]) -> list[list[RowPattern]]:
        """The row patterns that read rows (the first always: it gives the empty schema), in
        groups mapped together: those whose numbers read alike (the same region, national or
        international), each group in one pass."""
        groups: dict[tuple[str | None, bool], list[RowPattern]] = {}
        for index, pattern in enumerate(self.rows):
            if index == 0 or rows.get(pattern.name):
                key = (pattern.mapping.region, pattern.mapping.international)
                groups.setdefault(key, []).append(pattern)
        return list(groups.values())

    def _year_placer(
        self, path: Path, statement: Statement, options: ImportOptions
    ) -> Callable[[TableMapping], TableMapping]:
        """Places dates printed without a year in the bill's period (or a named year)."""
        from analyzer.importers.years import needs_year, with_year, year_source

        def place(mapping: TableMapping) -> TableMapping:
            if not needs_year([mapping]):
                return mapping
            year, period = year_source(
                path,
                (statement.period_start, statement.period_end),
                given=options.year,
                profile_year=self.year,
            )
            return with_year(mapping, year, period)

        return place

    def _extract_tables(
        self, path: Path, result: Mapping[str, Any], options: ImportOptions
    ) -> Extracted:
        """A ruled-table bill: its rows mapped like a CSV's, its facts from the text."""
        from analyzer.importers.pdf_tables import stage_table_rows

        rows = result.get("table_rows") or []
        if not rows:
            raise InputError(
                path,
                "no ruled table on the chosen pages",
                hint="run 'analyzer explain' on it; the bill may need text-line records",
            )
        texts = field_texts(result["fields"])
        con = new_connection()
        try:
            statement = self.statement(con, path, texts, result["fields"])
            staged = stage_table_rows(path, rows, self.header)
            place = self._year_placer(path, statement, options)
            mappings = [place(m) for m in self.table_mappings]
            mapped = map_rows(con, staged, mappings, unmatched=self.unmatched)
            table = mapped.events.to_arrow()
        except AmbiguousColumn as exc:
            raise exc.input_error(path) from exc
        except KeyError as exc:
            raise InputError(
                path,
                f"the table has no column {exc.args[0]!r}",
                hint=f"check the {self.name} profile's header and fields",
            ) from exc
        finally:
            con.close()
        events = _with_currency(_sorted(table), statement.currency)
        lines = {v for v in events.column("line").to_pylist() if v} | set(statement.lines)
        return Extracted(
            statements=[replace(statement, lines=tuple(sorted(lines)))],
            events=EventRows.of(events),
            rejects=_sorted(mapped.rejects),
            rows_read=staged.rows_read,
            skipped=mapped.skipped,
            detail={"pages": result["pages"], "table_rows": len(rows)},
        )

    def _stage(
        self, pattern: RowPattern, rows: Mapping[str, list[Any]], texts: Mapping[str, str]
    ) -> Staged:
        """One row pattern's rows (a list per column) as a text table: the line, its groups,
        contexts, fields."""
        groups = list(compile_re2(pattern.pattern).groupindex)
        contexts = [c.name for c in self.context if c.name not in groups]
        used = {c for spec in pattern.mapping.fields.values() for c in spec.columns()}
        fields = [f for f in STATEMENT_FIELDS if f in used and f not in groups + contexts]
        names = ("text", *groups, *contexts, *fields)
        count = len(rows.get("_row", ()))
        columns: dict[str, pa.Array] = {
            "_page": integers(rows.get("_page", []), pa.int32()),
            "_row": integers(rows.get("_row", []), pa.int64()),
        }
        for index, name in enumerate(names):
            if name in fields:
                values = [texts.get(name)] * count
            else:
                values = rows.get(name) or [None] * count
            columns[f"c{index}"] = strings(values)
        return Staged(table=pa.table(columns), names=names, rows_read=count)

    def _unmatched(self, lines: list[list]) -> pa.Table:
        reason = f"the line looks like an item but no row pattern of {self.name} matches it"
        return pa.table(
            {
                "page": integers([page for page, _, _ in lines], pa.int32()),
                "row": integers([row for _, row, _ in lines], pa.int64()),
                "raw": strings([json.dumps({"text": text}) for _, _, text in lines]),
                "reason": strings([reason] * len(lines)),
            }
        )

    def statement(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        texts: Mapping[str, str],
        found: Mapping[str, list],
    ) -> Statement:
        """Bill-level facts from the field regexes, read with the same column specs as rows."""
        return read_statement(self, con, path, texts, found)


def _sorted(table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        return table
    return table.sort_by([("page", "ascending"), ("row", "ascending")])


def _with_currency(events: pa.Table, currency: str | None) -> pa.Table:
    """Rows that print an amount but no currency take the statement's currency."""
    if currency is None or events.num_rows == 0:
        return events
    import pyarrow.compute as pc

    column = events.column("currency")
    has_amount = pc.is_valid(events.column("amount"))
    given = strings([currency])[0]  # a scalar without pa.scalar(), which imports pandas
    filled = pc.if_else(pc.and_(pc.is_null(column), has_amount), given, column)
    return events.set_column(events.schema.get_field_index("currency"), "currency", filled)
