"""The profile language's tables other than records: how a file is recognised and read, the
bill's facts, rows that are not usage, PDF limits and copy tolerances (see ``profile_schema``)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from analyzer.importers.profile_specs import (
    MAX_COLUMNS,
    Column,
    Regex,
    Strict,
    _regex,
)
from analyzer.regex import compile_re2

MAX_PDF_PAGES = 100_000

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
# The fields a [statement] table may read: those a record may fill, and the stated row count.
STATEMENT_FIELD_NAMES = (*get_args(StatementFieldName), "row_count")


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
