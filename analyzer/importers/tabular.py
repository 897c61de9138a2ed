"""CSV and XLSX layouts declared as data: header names to recognise, columns to map."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.errors import InputError
from analyzer.importers.base import (
    Extracted,
    ImportOptions,
    Mapped,
    Staged,
    TableMapping,
    map_rows,
    new_connection,
)
from analyzer.importers.reading import (
    csv_head_rows,
    find_header,
    stage_csv,
    stage_csv_parts,
    stage_xlsx,
    xlsx_head_rows,
)
from analyzer.importers.specs import sql_str
from analyzer.model import Statement

# CSV files above this size are read and saved in parts (memory stays flat).
STREAM_ABOVE_BYTES = 64 << 20
ROWS_PER_PART = 100_000
EXTRACT_MEMORY_LIMIT = "256MB"


@dataclass(frozen=True)
class TabularLayout:
    """A carrier's CSV or XLSX export, declared: how to recognise it and how to map it."""

    name: str
    carrier: str
    header: tuple[str, ...]  # column names that must all appear in the header row
    mapping: TableMapping
    suffixes: tuple[str, ...] = (".csv",)
    filename: str | None = None  # regex the file name must match as well
    encoding: str | None = None  # None: BOM, then detection
    delimiter: str | None = None  # None: sniffed
    sheet: str | None = None  # XLSX sheet name (default: the first)
    headerless_columns: int | None = None  # for files with no header: columns by position
    signature: str | None = None  # regex the head of a headerless file must match
    currency: str | None = None  # the statement's currency when rows do not say
    # Regexes over the text above the header: as_of, account, invoice_number, plan_name.
    preamble_fields: Mapping[str, str] = field(default_factory=dict)
    as_of_formats: tuple[str, ...] = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")

    @property
    def is_xlsx(self) -> bool:
        return any(s in (".xlsx", ".xlsm") for s in self.suffixes)

    def identify(self, path: Path) -> bool:
        if path.suffix.lower() not in self.suffixes:
            return False
        if self.filename and not re.search(self.filename, path.name, re.IGNORECASE):
            return False
        if self.headerless_columns:
            rows = csv_head_rows(path, self.encoding, self.delimiter)
            head = "\n".join(",".join(r) for r in rows)
            return bool(rows) and bool(self.signature and re.search(self.signature, head))
        rows = (
            xlsx_head_rows(path, self.sheet)
            if self.is_xlsx
            else csv_head_rows(path, self.encoding, self.delimiter)
        )
        return find_header(rows, self.header) is not None

    def stage(self, path: Path, con: duckdb.DuckDBPyConnection) -> Staged:
        if self.is_xlsx:
            return stage_xlsx(path, header=self.header, sheet=self.sheet)
        return stage_csv(
            con,
            path,
            header=None if self.headerless_columns else self.header,
            encoding=self.encoding,
            delimiter=self.delimiter,
            columns=self.headerless_columns,
        )

    def extract(self, path: Path, options: ImportOptions) -> Extracted:
        if not self.is_xlsx and path.stat().st_size > STREAM_ABOVE_BYTES:
            return Extracted(
                statements=[],
                events=pa.table({}),
                rejects=pa.table({}),
                rows_read=0,
                skipped=0,
                parts=self.extract_parts(path),
            )
        con = new_connection()
        try:
            staged = self.stage(path, con)
            try:
                mapped = map_rows(con, staged, self.mapping)
            except KeyError as exc:
                raise InputError(
                    path,
                    f"the column {exc.args[0]!r} is missing",
                    hint=f"the {self.name} layout expects it; check the export's columns",
                ) from exc
        finally:
            con.close()
        facts = self.preamble_facts(staged.preamble, path)
        statement = self.statement(mapped, facts)
        return Extracted(
            statements=[statement],
            events=mapped.events,
            rejects=mapped.rejects,
            rows_read=staged.rows_read,
            skipped=mapped.skipped,
            as_of=statement.as_of,
        )

    def extract_parts(self, path: Path) -> Iterator[Extracted]:
        """A large CSV in parts of ROWS_PER_PART rows; the statement comes with the last part.

        The private database spills to a temporary folder past its memory limit, so memory
        stays flat whatever the file's size.
        """
        con = new_connection()
        spill = tempfile.TemporaryDirectory(prefix="analyzer-spill-")
        try:
            con.execute(f"SET temp_directory = {sql_str(spill.name)}")
            con.execute(f"SET memory_limit = '{EXTRACT_MEMORY_LIMIT}'")
            con.execute("SET preserve_insertion_order = false")
            lines: set[str] = set()
            currencies: set[str] = set()
            moments: list[datetime] = []
            totals: list[Decimal] = []
            preamble = ""
            empty_events = empty_rejects = None
            for staged in stage_csv_parts(
                con,
                path,
                header=None if self.headerless_columns else self.header,
                encoding=self.encoding,
                delimiter=self.delimiter,
                columns=self.headerless_columns,
                rows_per_part=ROWS_PER_PART,
            ):
                mapped = self._map(path, con, staged)
                events = mapped.events
                preamble = staged.preamble
                lines |= {v for v in pc.unique(events.column("line")).to_pylist() if v}
                currencies |= {v for v in pc.unique(events.column("currency")).to_pylist() if v}
                starts = events.column("started_at")
                moments += [m for m in (pc.min(starts).as_py(), pc.max(starts).as_py()) if m]
                if mapped.summary_amount is not None:
                    totals.append(Decimal(mapped.summary_amount))
                empty_events, empty_rejects = events.slice(0, 0), mapped.rejects.slice(0, 0)
                yield Extracted(
                    statements=[],
                    events=events,
                    rejects=mapped.rejects,
                    rows_read=staged.rows_read,
                    skipped=mapped.skipped,
                )
            width = max(len(lines), len(currencies), len(moments), 1)

            def padded(values: list, kind: pa.DataType) -> pa.Array:
                return pa.array(values + [None] * (width - len(values)), kind)

            facts = pa.table(
                {
                    "line": padded(sorted(lines), pa.string()),
                    "currency": padded(sorted(currencies), pa.string()),
                    "started_at": padded(sorted(moments), pa.timestamp("us")),
                }
            )
            summary = Mapped(facts, pa.table({}), 0, sum(totals) if totals else None)
            statement = self.statement(summary, self.preamble_facts(preamble, path))
            assert empty_events is not None and empty_rejects is not None
            yield Extracted(
                statements=[statement],
                events=empty_events,
                rejects=empty_rejects,
                rows_read=0,
                skipped=0,
                as_of=statement.as_of,
            )
        finally:
            con.close()
            spill.cleanup()

    def _map(self, path: Path, con: duckdb.DuckDBPyConnection, staged: Staged) -> Mapped:
        try:
            return map_rows(con, staged, self.mapping)
        except KeyError as exc:
            raise InputError(
                path,
                f"the column {exc.args[0]!r} is missing",
                hint=f"the {self.name} layout expects it; check the export's columns",
            ) from exc

    def preamble_facts(self, preamble: str, path: Path) -> dict[str, str]:
        facts: dict[str, str] = {}
        for name, pattern in self.preamble_fields.items():
            match = re.search(pattern, preamble, re.IGNORECASE | re.MULTILINE)
            if match:
                facts[name] = match.group(1).strip()
        return facts

    def statement(self, mapped: Mapped, facts: Mapping[str, str]) -> Statement:
        """Bill-level facts of an export: its span, lines, currency, and printed totals."""
        events = mapped.events
        lines = tuple(sorted({v for v in events.column("line").to_pylist() if v}))
        currencies = {v for v in events.column("currency").to_pylist() if v}
        starts = events.column("started_at")
        first = pc.min(starts).as_py() if events.num_rows else None
        last = pc.max(starts).as_py() if events.num_rows else None
        as_of = None
        if "as_of" in facts:
            for fmt in self.as_of_formats:
                try:
                    as_of = datetime.strptime(facts["as_of"], fmt)
                    break
                except ValueError:
                    continue
        total = mapped.summary_amount
        return Statement(
            carrier=self.carrier,
            account=facts.get("account"),
            invoice_number=facts.get("invoice_number"),
            lines=lines,
            period_start=first.date() if first else None,
            period_end=last.date() if last else None,
            currency=self.currency or (currencies.pop() if len(currencies) == 1 else None),
            total_due=Decimal(total) if total is not None else None,
            plan_name=facts.get("plan_name"),
            as_of=as_of,
        )
