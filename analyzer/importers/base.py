"""The importer contract and the engine that maps a table of text into events.

An importer answers two questions: "is this file mine?" (``identify``) and "what does it say?"
(``extract``). Tabular layouts (CSV, XLSX, and PDF rows cut by regexes) only declare their
columns; :func:`map_rows` turns the staged text table into typed events and rejects in one SQL
query on a private in-memory DuckDB, so extraction never touches the user's database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from analyzer.importers.conditions import Condition
from analyzer.importers.conditions import RowMatch as RowMatch  # layouts import it from here
from analyzer.importers.options import ImportOptions as ImportOptions  # importers take it from here
from analyzer.importers.specs import Const, Spec, blank, sql_str
from analyzer.model import KINDS, UNITS, Statement
from analyzer.regex import compile_re2

# The typed columns of an event as importers hand them over (see schema.sql for meanings).
EVENT_FIELDS: dict[str, str] = {
    "line": "VARCHAR",
    "started_at": "TIMESTAMP",
    "ended_at": "TIMESTAMP",
    "kind": "VARCHAR",
    "direction": "VARCHAR",
    "quantity": "DECIMAL(18,3)",
    "unit": "VARCHAR",
    "duration_s": "DECIMAL(12,3)",
    "counterparty": "VARCHAR",
    "country": "VARCHAR",
    "network": "VARCHAR",
    "roaming": "BOOLEAN",
    "amount": "DECIMAL(18,4)",
    "currency": "VARCHAR",
    "description": "VARCHAR",
}
PROVENANCE_FIELDS: dict[str, str] = {
    "counterparty_e164": "VARCHAR",
    "counterparty_country": "VARCHAR",
    "counterparty_type": "VARCHAR",
    "page": "INTEGER",
    "row": "BIGINT",
    "raw": "VARCHAR",
    "statement_index": "INTEGER",
}
# Statement facts a row may carry besides its events (a fleet bill's period, printed total and
# monthly usage totals); they ride along as extra columns and the layout turns them into
# statements.
ROW_FACTS: dict[str, str] = {
    "period_start": "DATE",
    "period_end": "DATE",
    "statement_total": "DECIMAL(18,4)",
    "total_data_bytes": "DECIMAL(20,0)",
    "total_voice_seconds": "DECIMAL(18,3)",
    "total_messages": "DECIMAL(18,3)",
}
REJECT_FIELDS: dict[str, str] = {
    "page": "INTEGER",
    "row": "BIGINT",
    "raw": "VARCHAR",
    "reason": "VARCHAR",
}


@dataclass
class Extracted:
    """Everything read from one file: the only thing an importer returns."""

    statements: list[Statement]
    events: pa.Table
    rejects: pa.Table
    rows_read: int
    skipped: int
    as_of: datetime | None = None
    detail: dict[str, object] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Counts that must reconcile: rows read = rows that became events + rejects + skipped.

        One row may yield several events (a fleet bill's plan, feature and tax cells), so
        ``event_rows`` counts the rows and ``events`` the events.
        """
        counts = {
            "rows_read": self.rows_read,
            "events": self.events.num_rows,
            "event_rows": event_rows(self.events),
            "rejects": self.rejects.num_rows,
            "skipped": self.skipped,
        }
        if counts["rows_read"] != counts["event_rows"] + counts["rejects"] + counts["skipped"]:
            raise AssertionError(f"row counts do not reconcile: {counts}")
        return counts


def event_rows(events: pa.Table) -> int:
    """How many source rows the events came from (events without a row count one each)."""
    if events.num_rows == 0:
        return 0
    pages = events.column("page").to_pylist()
    rows = events.column("row").to_pylist()
    keyed = {(p, r) for p, r in zip(pages, rows, strict=True) if r is not None}
    return len(keyed) + sum(1 for r in rows if r is None)


class Importer(Protocol):
    """A built-in layout or a user profile."""

    name: str

    def identify(self, path: Path) -> bool:
        """True when this importer recognises the file (cheap: reads only its head)."""
        ...

    def extract(self, path: Path, options: ImportOptions) -> Extracted:
        """Read the whole file; raise InputError for a file that cannot be read at all."""
        ...


@dataclass(frozen=True)
class Staged:
    """A file's rows as text: columns ``c0..cN`` plus ``_page`` and ``_row`` for provenance."""

    table: pa.Table
    names: tuple[str, ...]  # the header names of c0..cN, as printed (or "#1".."#N")
    preamble: str = ""  # text above the header (statement facts, export time)
    rows_read: int = 0  # data rows below the header, including those DuckDB could not split
    read_rejects: pa.Table | None = None  # rows the reader itself could not split
    blank_rows: int = 0  # blank lines the reader passed over: counted as skipped


@dataclass(frozen=True)
class TableMapping:
    """How a staged table becomes events: the declarative heart of every tabular layout."""

    fields: Mapping[str, Spec]
    region: str | None = None  # default country for phone numbers without +CC
    summary: Condition | None = None  # total/subtotal rows: statement facts, not events
    skip: Condition | None = None  # rows that are not usage (unanswered calls, headers again)
    skip_reason: str = "not usage"
    where: Condition | None = None  # only these rows (a record type); others are not this mapping's
    # Columns cut out of another column by a regex's first group: {"Number": ("Detail", "...")}.
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    summary_total: Spec | None = None  # the total printed on summary rows (default: amount)
    # False: a row this mapping takes is not offered to the mappings after it (first match wins).
    also: bool = True
    name: str | None = None  # a record type's name, for explain
    # Values carried down from heading rows: (name, column, pattern); the heading rows are
    # skipped and the rows below them read ``name`` as a column (a fleet bill's line blocks).
    carry: tuple[tuple[str, str, str], ...] = ()
    fill_down: tuple[str, ...] = ()  # blank cells of these columns take the value above
    international: bool = False  # numbers without + or 00 are international, not national

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(EVENT_FIELDS) - set(ROW_FACTS)
        if unknown:
            raise ValueError(f"unknown event fields: {sorted(unknown)}")
        if "kind" not in self.fields:
            raise ValueError("a mapping must say how to find each row's kind")


@cache
def _country_names() -> pa.Table:
    """Every country name phonenumbers knows, in every language it has, folded, to alpha-2."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    from analyzer.text import fold

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        if len(code) != 2:
            continue
        names.setdefault(code.lower(), code)
        for name in by_language.values():
            if not name.startswith("*"):
                names.setdefault(fold(name), code)
    return pa.table({"name": list(names), "code": list(names.values())})


def new_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory database for one extraction (lookup tables are added as needed)."""
    from analyzer.duck import private_connection

    return private_connection()


def _needs_country_names(spec: object) -> bool:
    """Whether a spec (or a branch of a When) looks countries up by name."""
    from analyzer.importers.specs import Country, When

    if isinstance(spec, When):
        return _needs_country_names(spec.then) or _needs_country_names(spec.otherwise)
    return isinstance(spec, Country)


def ensure_country_names(con: duckdb.DuckDBPyConnection) -> None:
    """Create the country-name lookup table once per connection, only where a layout needs it.

    Building it from phonenumbers' locale data costs about a second, which a file without a
    country column should not pay.
    """
    if con.sql(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'country_names'"
    ).fetchall()[0][0]:
        return
    con.register("country_names_arrow", _country_names())
    con.execute("CREATE TEMP TABLE country_names AS SELECT * FROM country_names_arrow")
    con.unregister("country_names_arrow")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Mapped:
    """The result of mapping one staged table."""

    events: pa.Table
    rejects: pa.Table
    skipped: int
    summary_amount: object = None  # the sum of the amounts on total rows, as printed


def map_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mapping: TableMapping | Sequence[TableMapping],
    *,
    statement_index: int | None = 0,
    unmatched: str | None = "no record type of this layout matches the row",
) -> Mapped:
    """Map staged text rows to events, rejects and skipped rows with vectorised queries.

    With several mappings, each maps the rows its ``where`` selects, so one row can yield
    several events (or each record type has its own columns); a mapping with ``also=False``
    keeps the rows it takes from the mappings after it. A row is all or nothing: if one
    mapping rejects it, none of its events are kept. Rows no mapping selects are rejects with
    the reason ``unmatched`` (or skipped when it is None).
    """
    mappings = [mapping] if isinstance(mapping, TableMapping) else list(mapping)
    if any(_needs_country_names(spec) for m in mappings for spec in m.fields.values()):
        ensure_country_names(con)
    lookup = _column_lookup(staged.names)
    ref = column_ref(lookup)
    headings = _stage_rows(con, staged, mappings, lookup, ref)
    _row_status(con, staged, mappings, ref, headings)
    _map_each(con, mappings, ref)
    _decide(con, mappings, unmatched)
    events = _collect_events(con, mappings, statement_index)
    rejects = con.sql(
        """
        SELECT CAST(_page AS INTEGER) AS page, CAST(_row AS BIGINT) AS "row", _raw AS raw,
               _why AS reason
        FROM decided WHERE _status = 'reject' ORDER BY _page, _row, _rid
        """
    ).to_arrow_table()
    summary_index = next((i for i, m in enumerate(mappings) if m.summary), 0)
    skipped, summary_amount = con.sql(
        f"""
        SELECT count(*) FILTER (WHERE _status = 'skipped'),
               sum(m._total) FILTER (WHERE _summary AND NOT _blank)
        FROM decided JOIN mapped_{summary_index} m USING (_rid)
        """
    ).fetchall()[0]
    if not any(m.summary for m in mappings):
        summary_amount = None
    for i in range(len(mappings)):
        con.execute(f"DROP TABLE IF EXISTS mapped_{i}")
    skipped += staged.blank_rows
    if staged.read_rejects is not None and staged.read_rejects.num_rows:
        rejects = pa.concat_tables([rejects, staged.read_rejects.cast(rejects.schema)])
    events = normalise_numbers(events, mappings[0].region, mappings[0].international)
    return Mapped(events, rejects, int(skipped), summary_amount)


def _stage_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    lookup: dict[str, str],
    ref: Callable[[str], str],
) -> list[str]:
    """``staged_rows``: the text rows numbered, with derived, carried and filled columns."""
    derived: list[str] = []
    for m in mappings:
        for name, (column, pattern) in m.derived.items():
            alias = f"d{len(derived)}"
            derived.append(
                f"nullif(trim(regexp_extract({ref(column)}, {sql_str(pattern)}, 1)), '') AS {alias}"
            )
            lookup.setdefault(name.strip().lower(), alias)
    con.register("staged_input", staged.table)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged_rows AS SELECT row_number() OVER () AS _rid, * "
        + "".join(f", {d}" for d in derived)
        + " FROM staged_input"
    )
    con.unregister("staged_input")
    return _carry_down(con, mappings, lookup, ref)


def _row_status(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    mappings: Sequence[TableMapping],
    ref: Callable[[str], str],
    headings: list[str],
) -> None:
    """``row_status``: each row's provenance and whether it is blank, a total or skipped."""
    raw_json = "to_json(struct_pack({}))".format(
        ", ".join(f"{_quote_ident(name)} := c{i}" for i, name in enumerate(_unique(staged.names)))
    )
    data_columns = [f"c{i}" for i in range(len(staged.names))]
    all_blank = " AND ".join(blank(c) for c in data_columns) or "TRUE"
    summaries = [m.summary.sql(ref) for m in mappings if m.summary] or ["FALSE"]
    skips = [m.skip.sql(ref) for m in mappings if m.skip] + headings or ["FALSE"]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE row_status AS
        SELECT _rid, _page, _row, {raw_json} AS _raw, {all_blank} AS _blank,
               ({" OR ".join(summaries)}) AS _summary, ({" OR ".join(skips)}) AS _skip
        FROM staged_rows
        """
    )


def _map_each(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], ref: Callable[[str], str]
) -> None:
    """``mapped_i``: every field of mapping i for the rows it selects, and its reject reason."""
    for index, m in enumerate(mappings):
        values = ",\n".join(
            f"{spec.sql(ref)} AS {_quote_ident(name)}" for name, spec in m.fields.items()
        )
        where = m.where.sql(ref) if m.where else "TRUE"
        total = m.summary_total or m.fields.get("amount")
        total_sql = f"TRY_CAST({total.sql(ref)} AS DECIMAL(18,4))" if total else "NULL"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE mapped_{index} AS
            SELECT *, {_reject_reasons(m, ref)} AS _reason
            FROM (SELECT *, {where} AS _selected, {total_sql} AS _total, {values}
                  FROM staged_rows)
            """
        )
    # A row goes to the first mapping that takes it, and on only past mappings with also=True.
    for i in range(1, len(mappings)):
        exclusive = [j for j in range(i) if not mappings[j].also]
        if exclusive:
            taken = " UNION ALL ".join(
                f"SELECT _rid FROM mapped_{j} WHERE _selected" for j in exclusive
            )
            con.execute(f"UPDATE mapped_{i} SET _selected = FALSE WHERE _rid IN ({taken})")


def _decide(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], unmatched: str | None
) -> None:
    """``decided``: each row is an event, a reject (with its reason) or skipped."""
    selected = " OR ".join(f"m{i}._selected" for i in range(len(mappings)))
    reason = ", ".join(
        f"CASE WHEN m{i}._selected THEN m{i}._reason END" for i in range(len(mappings))
    )
    joins = " ".join(f"JOIN mapped_{i} m{i} USING (_rid)" for i in range(len(mappings)))
    unmatched_sql = "NULL" if unmatched is None else sql_str(unmatched)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE decided AS
        SELECT r.*, CASE
                   WHEN _blank OR _summary OR _skip THEN 'skipped'
                   WHEN coalesce({reason}) IS NOT NULL THEN 'reject'
                   WHEN {selected} THEN 'event'
                   WHEN {unmatched_sql} IS NULL THEN 'skipped'
                   ELSE 'reject' END AS _status,
               coalesce({reason}, {unmatched_sql}) AS _why
        FROM row_status r {joins}
        """
    )


def _collect_events(
    con: duckdb.DuckDBPyConnection, mappings: Sequence[TableMapping], statement_index: int | None
) -> pa.Table:
    """The events of every mapping, typed, in file order."""
    facts = [f for f in ROW_FACTS if any(f in m.fields for m in mappings)]
    index = "NULL" if statement_index is None else str(statement_index)
    units = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in UNITS.items())
    parts = []
    for i, m in enumerate(mappings):
        select = []
        for name, sql_type in {**EVENT_FIELDS, **{f: ROW_FACTS[f] for f in facts}}.items():
            if name == "unit" and name not in m.fields:
                select.append(f"CASE m.kind {units} ELSE 'items' END AS unit")
            elif name in m.fields:
                select.append(f"CAST(m.{_quote_ident(name)} AS {sql_type}) AS {_quote_ident(name)}")
            else:
                select.append(f"CAST(NULL AS {sql_type}) AS {_quote_ident(name)}")
        parts.append(
            f"""
            SELECT {", ".join(select)}, CAST(NULL AS VARCHAR) AS counterparty_e164,
                   CAST(NULL AS VARCHAR) AS counterparty_country,
                   CAST(NULL AS VARCHAR) AS counterparty_type,
                   CAST(d._page AS INTEGER) AS page, CAST(d._row AS BIGINT) AS "row",
                   d._raw AS raw, CAST({index} AS INTEGER) AS statement_index,
                   d._rid AS _rid, {i} AS _mapping
            FROM decided d JOIN mapped_{i} m USING (_rid)
            WHERE d._status = 'event' AND m._selected
            """
        )
    return con.sql(
        "SELECT * EXCLUDE (_rid, _mapping) FROM ("
        + " UNION ALL ".join(parts)
        + ') ORDER BY page, "row", _rid, _mapping'
    ).to_arrow_table()


def _carry_down(
    con: duckdb.DuckDBPyConnection,
    mappings: Sequence[TableMapping],
    lookup: dict[str, str],
    ref: Callable[[str], str],
) -> list[str]:
    """Add carried and filled-down columns to ``staged_rows``; the heading rows' conditions.

    One window function each, in file order, so a heading's value reaches every row below it
    until the next heading, and a date printed once per day reaches that day's other rows.
    """
    window = "OVER (ORDER BY _rid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    columns: list[str] = []
    headings: list[str] = []
    names: dict[str, str] = {}
    for m in mappings:
        for name, column, pattern in m.carry:
            if name.strip().lower() in names:
                continue
            source = f"trim({ref(column)})"
            heading = f"coalesce(regexp_matches({source}, {sql_str(pattern)}, 'i'), FALSE)"
            groups = compile_re2(pattern).groups or 0
            parts = [
                f"nullif(regexp_extract({source}, {sql_str('(?i)' + pattern)}, {g}), '')"
                for g in (range(1, groups + 1) if groups else (0,))
            ]
            value = f"nullif(trim(concat_ws(' ', {', '.join(parts)})), '')"
            alias = f"k{len(columns)}"
            columns.append(
                f"last_value(CASE WHEN {heading} THEN {value} END IGNORE NULLS) {window} AS {alias}"
            )
            headings.append(heading)
            names[name.strip().lower()] = alias
        for column in m.fill_down:
            key = column.strip().lower()
            if key in names:
                continue
            cell = f"nullif(trim({ref(column)}), '')"
            alias = f"k{len(columns)}"
            columns.append(f"coalesce({cell}, last_value({cell} IGNORE NULLS) {window}) AS {alias}")
            names[key] = alias
    if columns:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_rows AS SELECT *, "
            + ", ".join(columns)
            + " FROM staged_rows"
        )
        lookup.update(names)
    return headings


def _reject_reasons(mapping: TableMapping, ref: Callable[[str], str]) -> str:
    """One CASE that names the first column whose text did not parse, quoting the text."""
    from analyzer.importers.specs import reject_reason

    reasons = [
        reject_reason(spec, _quote_ident(name), ref) for name, spec in mapping.fields.items()
    ]
    kinds = ", ".join(sql_str(k) for k in KINDS)
    checks = [
        "WHEN kind IS NULL THEN 'no kind: the row does not say what it is'",
        f"WHEN kind NOT IN ({kinds}) THEN 'unknown kind ' || kind",
    ]
    if "started_at" in mapping.fields and not isinstance(mapping.fields["started_at"], Const):
        checks.append("WHEN started_at IS NULL THEN 'no date'")
    return f"coalesce({', '.join(reasons)}, CASE {' '.join(checks)} END)"


def column_ref(lookup: dict[str, str]) -> Callable[[str], str]:
    """A column's name (any case) or position (``#3``) to its SQL reference; KeyError if none."""

    def ref(column: str) -> str:
        key = column.strip().lower()
        if key not in lookup:
            raise KeyError(column)
        return lookup[key]

    return ref


def _column_lookup(names: tuple[str, ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for i, name in enumerate(names):
        lookup.setdefault(name.strip().lower(), f"c{i}")
        lookup.setdefault(f"#{i + 1}", f"c{i}")
    return lookup


def _unique(names: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        label = name or "column"
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


_ICCID = re.compile(r"^89\d{16,20}$")


def international(text: str | None) -> str | None:
    """'971 50 123 4567' printed without + or 00, as a number to dial from anywhere."""
    if text is None:
        return None
    stripped = text.strip()
    if re.fullmatch(r"[\d\s\-.()]{7,}", stripped) and not stripped.startswith("00"):
        return "+" + stripped
    return text


def normalise_line(text: str | None, region: str | None) -> str | None:
    """A line's identity: an ICCID's digits, or the phone number in E.164, else as printed."""
    if text is None:
        return None
    digits = re.sub(r"[\s\-.()]", "", text)
    if _ICCID.match(digits):
        return digits
    return to_e164(text, region) or text.strip()


def to_e164(text: str | None, region: str | None) -> str | None:
    """E.164 for a phone number, None for short codes, USSD strings and anything else."""
    number = _parse_number(text, region)
    if number is None:
        return None
    import phonenumbers

    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_number(text: str | None, region: str | None):
    # Digits may be printed in pairs ('70 86 95' in New Caledonia): count them, not runs.
    if not text or re.search(r"[*#]", text) or len(re.findall(r"\d", text)) < 3:
        return None
    import phonenumbers

    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def classify_number(text: str | None, region: str | None) -> tuple[str | None, str | None]:
    """(country, type) of a dialled number, from phonenumbers' metadata, never a prefix table.

    Types: mobile, fixed_line, fixed_line_or_mobile, premium_rate, toll_free, shared_cost,
    voip, personal_number, pager, uan, voicemail, short_code, premium_short_code, ussd, unknown.
    """
    if not text:
        return None, None
    if re.fullmatch(r"\s*[*#][\d*#]*#?\s*", text) and re.search(r"\d", text):
        return None, "ussd"  # '*100#'; a number masked as '***' is not one
    import phonenumbers
    from phonenumbers import shortnumberinfo

    digits = re.sub(r"[^\d+]", "", text)
    if region and digits.isdigit() and 3 <= len(digits) <= 6:
        short = phonenumbers.parse(digits, region)
        if shortnumberinfo.is_valid_short_number_for_region(short, region):
            cost = shortnumberinfo.expected_cost_for_region(short, region)
            premium = cost == shortnumberinfo.ShortNumberCost.PREMIUM_RATE
            return region, "premium_short_code" if premium else "short_code"
        return region, "short_code"
    number = _parse_number(text, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None, "unknown"
    country = phonenumbers.region_code_for_number(number)
    kind = phonenumbers.number_type(number)
    names = {
        value: name.lower()
        for name, value in vars(phonenumbers.PhoneNumberType).items()
        if name.isupper() and isinstance(value, int)
    }
    return country, names.get(kind, "unknown")


def _map_distinct(
    column: pa.ChunkedArray, function: Callable[[str | None], str | None]
) -> pa.Array:
    """Apply a Python function once per distinct value, not once per row."""
    encoded = column.combine_chunks().dictionary_encode()
    mapped = pa.array([function(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def normalise_numbers(
    events: pa.Table, region: str | None, international_numbers: bool = False
) -> pa.Table:
    """Put lines in E.164 (ICCIDs as digits) and fill counterparty_e164.

    With ``international_numbers``, numbers printed without + or 00 are read as international
    (a bill printing 971... or 1512...), not as national numbers of ``region``.
    """
    if events.num_rows == 0:
        return events
    dial = international if international_numbers else (lambda v: v)
    line = _map_distinct(events.column("line"), lambda v: normalise_line(dial(v), region))
    events = events.set_column(events.schema.get_field_index("line"), "line", line)
    parties = events.column("counterparty")  # kept as printed; its E.164 form is read as dialled
    e164 = _map_distinct(parties, lambda v: to_e164(dial(v), region))
    events = events.set_column(
        events.schema.get_field_index("counterparty_e164"), "counterparty_e164", e164
    )
    classified = {v: classify_number(dial(v), region) for v in set(parties.to_pylist()) if v}
    for position, name in ((0, "counterparty_country"), (1, "counterparty_type")):
        column = _map_distinct(parties, lambda v, p=position: classified[v][p] if v else None)
        events = events.set_column(events.schema.get_field_index(name), name, column)
    return events


def empty_rejects() -> pa.Table:
    """A rejects table with no rows (for importers that reject nothing)."""
    return pa.table(
        {
            "page": pa.array([], pa.int32()),
            "row": pa.array([], pa.int64()),
            "raw": pa.array([], pa.string()),
            "reason": pa.array([], pa.string()),
        }
    )
