"""The profile language: one schema for CSV, spreadsheet and PDF layouts, validated by pydantic.

Every table forbids unknown keys, so a misspelt key (``delimeter``) is an error that names the
file and the key and suggests the nearest known one; every regex is compiled at load with RE2,
the engine that runs it (DuckDB's and the ``re2`` bindings), so an unsupported construct (a
lookahead) fails at load, naming its key, and no pattern can backtrack catastrophically.
The reference page ``docs/profiles.md`` is generated from these models (see ``profile_doc``).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from analyzer.importers.profile_specs import (
    MAX_COLUMNS,
    ChoiceSpec,
    Column,
    Regex,
    Spec,
    Strict,
    ValueSpec,
    _regex,
    normalise_spec,
)
from analyzer.model import KINDS
from analyzer.regex import compile_re2

MAX_PDF_PAGES = 100_000


# The type a field's column is read as when the profile does not say.
class Condition(Strict):
    """Which rows: a column matching a pattern, or ``all`` / ``any`` / ``not`` of conditions."""

    column: Column | None = Field(None, description="The column tested.")
    pattern: Regex | None = Field(None, description="The pattern it must match (case-insensitive).")
    all: list[Condition] | None = Field(None, description="Every one of these holds.")
    any: list[Condition] | None = Field(None, description="At least one of these holds.")
    not_: Condition | None = Field(None, alias="not", description="This does not hold.")

    _check = field_validator("pattern")(_regex)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [
            self.column is not None or self.pattern is not None,
            self.all is not None,
            self.any is not None,
            self.not_ is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of: column + pattern, all, any, not")
        if forms[0] and (self.column is None or self.pattern is None):
            raise ValueError("a condition on a column needs both column and pattern")
        return self


FieldName = Literal[
    "line",
    "started_at",
    "ended_at",
    "kind",
    "direction",
    "quantity",
    "unit",
    "duration_s",
    "counterparty",
    "country",
    "network",
    "roaming",
    "amount",
    "currency",
    "description",
    "period_start",
    "period_end",
    "statement_total",
    "total_data_bytes",
    "total_voice_seconds",
    "total_messages",
]
Fields = dict[FieldName, Spec]


StatementFieldName = Literal[
    "invoice_number",
    "account",
    "line",
    "currency",
    "plan_name",
    "period_start",
    "period_end",
    "issued_on",
    "as_of",
    "subtotal",
    "taxes",
    "total_due",
    "balance_after",
    "allowance_bytes",
]
StatedName = Literal["category", "kind", "count", "quantity", "amount", "currency"]
# The fields a [statement] table may read: those a record may fill, and the stated row count.
STATEMENT_FIELD_NAMES = (*get_args(StatementFieldName), "row_count")
# How a statement or stated record's columns read when the profile does not say.
RECORD_TYPES = {
    "period_start": "timestamp",
    "period_end": "timestamp",
    "issued_on": "timestamp",
    "as_of": "timestamp",
    "subtotal": "money",
    "taxes": "money",
    "total_due": "money",
    "balance_after": "money",
    "amount": "money",
    "allowance_bytes": "data",
    "count": "number",
    "quantity": "number",
}


def _normalise_fields(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    data = dict(data)
    if isinstance(data.get("fields"), dict):
        data["fields"] = {k: normalise_spec(k, v) for k, v in data["fields"].items()}
    for key in ("statement", "stated"):
        if isinstance(data.get(key), dict) and ("where" in data or "pattern" in data):
            data[key] = {
                k: normalise_spec(k, v, RECORD_TYPES.get(k, "text")) for k, v in data[key].items()
            }
    return data


class Record(Strict):
    """A record type: which rows (tabular ``where``, PDF ``pattern``) and how they map."""

    _continued = field_validator("continued")(_regex)

    name: str | None = Field(None, description="A name shown by `explain`.")
    where: Condition | None = Field(None, description="Tabular: the rows of this record type.")
    pattern: Regex | None = Field(
        None,
        description="PDF: a line of this record type (searched; anchor with ^ and $); "
        "its named groups (?P<name>...) become columns.",
    )
    when: dict[str, Regex] = Field(
        default_factory=dict, description="PDF: context name -> pattern its value must match."
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="PDF: text of groups that took no part in the match."
    )
    continued: Regex | None = Field(
        None,
        description="PDF: lines right after this record's line that match this pattern "
        "continue it (an item printed over several lines); they are appended to `continue_into`.",
    )
    continue_into: str = Field(
        "description", description="PDF: the group that continuation lines are appended to."
    )
    max_continued: int = Field(2, description="PDF: at most this many continuation lines.")
    also: bool = Field(
        False,
        description="Also try the record types after this one (one row, several events); "
        "by default the first matching record type takes the row.",
    )
    fields: Fields | None = Field(None, description="Event field -> how to read it.")
    statement: dict[StatementFieldName, Spec] | None = Field(
        None,
        description="A header or trailer record: statement field -> how to read it "
        "(its rows are not usage).",
    )
    stated: dict[StatedName, Spec] | None = Field(
        None,
        description="A summary record: a total the bill states for one category "
        "(category, kind, count, quantity, amount, currency), kept to check the itemised rows.",
    )

    _check = field_validator("pattern")(_regex)

    @field_validator("when")
    @classmethod
    def _when(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            compile_re2(pattern)
        return value

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _normalise_fields(data)

    @model_validator(mode="after")
    def _kind(self) -> Record:
        given = [k for k in ("fields", "statement", "stated") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a record has one of fields (events), statement or stated")
        if self.fields is not None:
            check_kind(self.fields)
        elif self.where is None and self.pattern is None:
            raise ValueError(f"a {given[0]} record needs where (the rows it reads)")
        return self


def check_kind(fields: dict[str, Any]) -> None:
    """Every row must say what it is, and only with a kind the analyzer knows."""
    if "kind" not in fields:
        raise ValueError("say what each row is: fields.kind (a value or a column's values)")
    kind = fields["kind"]
    meanings: list[Any] = []
    if isinstance(kind, ValueSpec):
        meanings = [kind.value]
    elif isinstance(kind, ChoiceSpec):
        meanings = [*kind.values.values(), kind.default]
    for meaning in meanings:
        if meaning is not None and meaning != "" and meaning not in KINDS:
            raise ValueError(
                f"fields.kind: unknown kind {meaning!r}{suggest(meaning, KINDS)} "
                f"(kinds: {', '.join(KINDS)})"
            )


class Skip(Strict):
    """Rows (or PDF lines) that are not usage: counted as skipped, never lost."""

    column: Column | None = Field(None, description="Tabular: the column tested.")
    pattern: Regex = Field(description="The pattern the column (PDF: the line) matches.")
    when: dict[str, Regex] = Field(default_factory=dict, description="PDF: context conditions.")
    reason: str = Field("not usage", description="Why such rows are not usage.")

    _check = field_validator("pattern")(_regex)


class Summary(Strict):
    """Total rows: the statement's printed total, not events."""

    column: Column = Field(description="The column tested.")
    pattern: Regex = Field(description="The pattern of a total row ('^total').")
    total: Column | None = Field(
        None, description="The column holding the total (default: amount)."
    )

    _check = field_validator("pattern")(_regex)


class Derived(Strict):
    """A column cut out of another by a regex's first group."""

    column: Column = Field(description="The column cut.")
    pattern: Regex = Field(description="Its first group is the new column's value.")

    _check = field_validator("pattern")(_regex)


class Context(Strict):
    """A heading that sets a named value (a section, a line's number) for the rows after it.

    In a PDF the heading is a text line; in a table it is a row whose ``column`` matches, and
    that row is skipped (counted) while the rows below read the value as a column.
    """

    name: str = Field(description="The value's name, usable as a column (and in `when`).")
    column: Column | None = Field(None, description="Tables: the column that holds the heading.")
    pattern: Regex = Field(description="The heading (searched); its groups, joined, are the value.")

    _check = field_validator("pattern")(_regex)


class Identify(Strict):
    """How a file is recognised; every condition given must hold."""

    header: list[str] = Field(default_factory=list, description="Names that one row must hold.")
    keywords: list[str] = Field(
        default_factory=list, description="Words the file's start (PDF: first page) contains."
    )
    filename: Regex | None = Field(None, description="A pattern the file name matches.")
    columns: int | None = Field(
        None, description="Headerless files: the number of columns (read by position)."
    )
    signature: Regex | None = Field(
        None, description="Headerless files: a pattern the head matches."
    )

    _check = field_validator("filename", "signature")(_regex)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_COLUMNS:
            raise ValueError(f"must be between 1 and {MAX_COLUMNS}")
        return value


class Limits(Strict):
    """PDF: what reading one file may cost."""

    seconds: float | int = Field(60, description="Wall-clock seconds.")
    memory_mb: int = Field(2048, description="Address space of the reader, in MiB.")
    pages: int = Field(2000, description="Pages.")

    @model_validator(mode="after")
    def _bounds(self) -> Limits:
        if not 0 < self.seconds <= 3600 or not 64 <= self.memory_mb <= 16384:
            raise ValueError("seconds must be 0..3600 and memory_mb 64..16384")
        if not 1 <= self.pages <= MAX_PDF_PAGES:
            raise ValueError(f"pages must be 1..{MAX_PDF_PAGES}")
        return self


class Read(Strict):
    """How the file is decoded and how its values are written."""

    encoding: str | None = Field(None, description="Text encoding (default: BOM, then detected).")
    delimiter: str | None = Field(None, description="CSV delimiter, one character or 'tab'.")
    sheet: str | None = Field(
        None,
        description="Spreadsheet: the sheet's exact name (default: the first visible sheet; a "
        "hidden sheet is read only when named).",
    )
    sheet_pattern: Regex | None = Field(
        None, description="Spreadsheet: a pattern searched in the visible sheets' names."
    )
    facts_sheet: str | None = Field(None, description="Spreadsheet: a sheet of statement facts.")
    decimal: str = Field(".", description="Decimal mark of numbers.")
    thousands: str | None = Field(None, description="Thousands mark ('' for none).")
    date_format: str | None = Field(None, description="One strftime format for dates.")
    date_formats: list[str] | None = Field(
        None, description="Candidate formats; the one that reads every date of a file is used."
    )
    locales: list[str] = Field(
        default_factory=lambda: ["en"],
        description="Languages month names are printed in (CLDR codes: de, fr, zh, pt_BR).",
    )
    year: int | None = Field(
        None,
        description="The year of dates printed without one, when neither the file's statement "
        "period, --year nor the file name says.",
    )
    currency: str | None = Field(None, description="ISO 4217 code when rows do not say.")
    region: str | None = Field(None, description="Home country (ISO) of numbers without +CC.")
    fill_down: list[Column] = Field(
        default_factory=list,
        description="Columns whose blank cells take the value above (a date printed once a day).",
    )
    numbers: Literal["national", "international"] = Field(
        "national",
        description="How numbers without + or 00 are read: national to `region`, or "
        "international (a bill printing 971... or 1512...).",
    )
    pages: list[int] = Field(
        default_factory=list, description="PDF: only these pages' rows are read (1 is the first)."
    )
    page_pattern: Regex | None = Field(
        None, description="PDF: only pages whose text matches this (a heading) are read."
    )
    tables: bool = Field(
        False,
        description="PDF: read ruled tables (pdfplumber) instead of text lines; records then "
        "use `where` and column names, as in a CSV.",
    )
    table_settings: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description='PDF tables: pdfplumber table settings (vertical_strategy = "text", ...).',
    )
    unmatched: str | None = Field(
        "no record type of this layout matches the row",
        description="Reject reason for rows no record type takes ('' to skip them).",
    )

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value in ("tab", "\\t"):
            return "\t"
        if value is not None and len(value) != 1:
            raise ValueError(f"must be one character (or 'tab'), not {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        import codecs

        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {value!r} (try utf-8, gb18030, cp1252)"
                ) from None
        return value

    _pattern = field_validator("page_pattern", "sheet_pattern")(_regex)

    @field_validator("date_format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(f"{value!r} is not a strftime format (like %d/%m/%Y)")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 3 and value.isalpha() and value.isupper()):
            raise ValueError(f"{value!r} is not an ISO 4217 code like EUR")
        return value

    @model_validator(mode="after")
    def _marks(self) -> Read:
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(f"decimal and thousands are both {self.decimal!r}; they must differ")
        if self.date_format and self.date_formats:
            raise ValueError("give date_format or date_formats, not both")
        return self

    def formats(self) -> list[str] | None:
        """The date formats the profile names, if any."""
        return [self.date_format] if self.date_format else self.date_formats

    def thousands_mark(self) -> str | None:
        """The thousands mark: as given, else ',' beside a '.' decimal, else a space."""
        if self.thousands is not None:
            return self.thousands or None
        return "," if self.decimal == "." else " "


class Statement(Strict):
    """Statement fields: regexes whose first group (or all groups joined) is the value.

    Searched in the text above a table (and the facts sheet), or in a PDF's text.
    """

    invoice_number: Regex | None = Field(None, description="The invoice's number.")
    account: Regex | None = Field(None, description="The account number.")
    line: Regex | None = Field(None, description="The line (phone number) a one-line bill is for.")
    currency: Regex | None = Field(None, description="The ISO 4217 code the bill prints.")
    plan_name: Regex | None = Field(None, description="The plan's name.")
    period_start: Regex | None = Field(None, description="First day of the billing period.")
    period_end: Regex | None = Field(None, description="Last day of the billing period.")
    issued_on: Regex | None = Field(None, description="The date the bill was issued.")
    as_of: Regex | None = Field(None, description="When the export was made.")
    subtotal: Regex | None = Field(None, description="Total before taxes.")
    taxes: Regex | None = Field(None, description="Taxes.")
    total_due: Regex | None = Field(None, description="The total to pay, as printed.")
    balance_after: Regex | None = Field(None, description="Prepaid balance after the period.")
    allowance_bytes: Regex | None = Field(None, description="The plan's data allowance.")
    row_count: Regex | None = Field(
        None,
        description="The number of rows the file says it holds (总条数：23); a file that holds "
        "another number of rows below its header is refused as cut short.",
    )
    date_formats: list[str] | None = Field(
        None, description="Formats of the statement's dates (month names in any case)."
    )
    extra: dict[str, Regex] = Field(default_factory=dict, description="Other facts kept as text.")
    itemises: list[str] | None = Field(
        None,
        description="A bill that itemises only some of what it charges: the categories it "
        "itemises, as its stated totals name them or as kinds (`voice`, `sms`). The total is "
        "then checked only against the stated totals of these (a note says so, not an error), "
        "and stated categories not listed are not compared with items. Default: it itemises "
        "everything.",
    )

    _check = field_validator(*[n for n in STATEMENT_FIELD_NAMES])(_regex)

    @field_validator("itemises")
    @classmethod
    def _itemises(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not [v for v in value if v.strip()]:
            raise ValueError("list at least one category or kind the bill itemises")
        return value

    @field_validator("extra")
    @classmethod
    def _extra(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            compile_re2(pattern)
        return value

    def patterns(self) -> dict[str, str]:
        """Every field's regex, known fields and extras alike."""
        known = {n: getattr(self, n) for n in STATEMENT_FIELD_NAMES if getattr(self, n)}
        return {**known, **self.extra}


class Copies(Strict):
    """How precisely the layout prints usage, so that the same event in another file (printed to
    the second there, or read while a session was still growing) is taken for the same event.

    Two records of one line, kind and counterparty in different files are one event when their
    times differ by at most ``seconds`` and their quantities (bytes, seconds, after reading) by at
    most the tolerance of their kind; the coarser of the two files' tolerances applies. Each
    record is the copy of at most one other (the nearest). Default: exact times and quantities.
    """

    seconds: int = Field(0, ge=0, le=86_400, description="Times may differ by this many seconds.")
    voice_seconds: int = Field(
        0, ge=0, le=3_600, description="Call lengths may differ by this many seconds."
    )
    data_bytes: int = Field(
        0, ge=0, le=1 << 30, description="Data volumes may differ by this many bytes."
    )


class Profile(Strict):
    """A carrier's layout: one TOML file, no code."""

    name: str = Field(pattern=r"^[\w.-]+$", description="Unique name: letters, digits, _ - .")
    carrier: str | None = Field(None, description="The carrier's name as people know it.")
    format: Literal["csv", "xlsx", "xls", "pdf"] = Field(description="The file format.")
    identify: Identify = Field(default_factory=Identify, description="How files are recognised.")
    read: Read = Field(default_factory=Read, description="How the file is decoded and written.")
    statement: Statement = Field(
        default_factory=Statement, description="Facts of the bill: invoice, account, totals."
    )
    copies: Copies = Field(
        default_factory=Copies, description="How precisely usage is printed (copy matching)."
    )
    derived: dict[str, Derived] = Field(default_factory=dict, description="Cut-out columns.")
    fields: Fields | None = Field(None, description="One record type that takes every row.")
    records: list[Record] = Field(default_factory=list, description="Record types, in order.")
    skip: list[Skip] = Field(default_factory=list, description="Rows that are not usage.")
    summary: Summary | None = Field(None, description="Total rows: the printed total.")
    context: list[Context] = Field(default_factory=list, description="PDF: carried values.")
    item: Regex | None = Field(
        None, description="PDF: a line that looks like an item; a reject when no record takes it."
    )
    limits: Limits = Field(default_factory=Limits, description="PDF: what reading may cost.")
    unsure: list[str] = Field(
        default_factory=list,
        description="Keys a draft guessed (`fields.quantity.unit`): `explain` and `import` warn "
        "until a person has checked them and removed the entries.",
    )

    _check = field_validator("item")(_regex)

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        data = _normalise_fields(data)
        if isinstance(data, dict) and isinstance(data.get("skip"), dict):
            data = {**data, "skip": [data["skip"]]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.fields is not None:
            check_kind(self.fields)
        if not self.records and self.fields is None:
            raise ValueError("say how rows become events: [fields] or [[records]]")
        if self.format == "pdf":
            if not self.identify.keywords:
                raise ValueError("identify.keywords: list words the bill's first page prints")
            if self.read.tables:
                self._check_rows_of_a_table()
            else:
                self._check_lines_of_a_pdf()
        else:
            if self.read.tables or self.read.pages or self.read.page_pattern:
                raise ValueError("read: pages, page_pattern and tables are for PDF bills")
            self._check_rows_of_a_table()
            if self.identify.columns is None and not self.identify.header:
                raise ValueError("identify.header: list the column names that identify the file")
            if self.identify.columns is not None and not self.identify.signature:
                raise ValueError(
                    "identify.signature: a headerless file needs a pattern its first rows match"
                )
        return self

    def _check_rows_of_a_table(self) -> None:
        """Rows of a CSV, a sheet or a PDF's ruled tables: records take where, not patterns."""
        for index, record in enumerate(self.records):
            if record.pattern is not None or record.when:
                raise ValueError(f"records[{index}]: pattern and when are for PDF lines; use where")
        for index, skip in enumerate(self.skip):
            if skip.column is None:
                raise ValueError(f"skip[{index}] needs the column it tests")
        for index, context in enumerate(self.context):
            if context.column is None:
                raise ValueError(f"context[{index}] needs the column that holds the heading")

    def _check_lines_of_a_pdf(self) -> None:
        """Text lines of a PDF: records take patterns; facts come from [statement]."""
        if any(c.column is not None for c in self.context):
            raise ValueError("context: a PDF heading is a text line; leave out column")
        if self.fields is not None:
            raise ValueError("a PDF profile reads lines with [[records]] patterns, not [fields]")
        for index, record in enumerate(self.records):
            if record.pattern is None:
                raise ValueError(f"records[{index}] needs a pattern (the line it reads)")
            if record.where is not None:
                raise ValueError(f"records[{index}]: where is for tabular files; use when")
            if record.fields is None:
                raise ValueError(
                    f"records[{index}]: a PDF's facts come from [statement] patterns; "
                    "statement and stated records are for tables"
                )


def suggest(key: str, known: Any) -> str:
    """'; did you mean X?' for the nearest known key, or ''."""
    import difflib

    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
