"""The profile language: one schema for CSV, spreadsheet and PDF layouts, validated by pydantic.

Every table forbids unknown keys, so a misspelt key (``delimeter``) is an error that names the
file and the key and suggests the nearest known one; every regex is compiled at load with RE2,
the engine that runs it (DuckDB's and the ``re2`` bindings), so an unsupported construct (a
lookahead) fails at load, naming its key, and no pattern can backtrack catastrophically.
The reference page ``docs/profiles.md`` is generated from these models (see ``profile_doc``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from analyzer.model import KINDS
from analyzer.regex import compile_re2

STATEMENT_FIELD_NAMES = (
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
)
# The type a field's column is read as when the profile does not say.
DEFAULT_TYPES = {
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "period_start": "timestamp",
    "period_end": "timestamp",
    "amount": "money",
    "statement_total": "money",
    "quantity": "number",
    "duration_s": "duration",
    "roaming": "flag",
    "country": "country",
    "total_data_bytes": "data",
    "total_voice_seconds": "duration",
    "total_messages": "number",
}
MAX_COLUMNS = 4096
MAX_PDF_PAGES = 100_000


class Strict(BaseModel):
    """A table of the profile: unknown keys are errors, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _regex(value: str | None) -> str | None:
    if value is not None:
        compile_re2(value)
    return value


Regex = Annotated[str, Field(description="A regular expression (RE2 syntax: no lookaround).")]
Column = Annotated[
    str | int,
    Field(description="A column: its header name as printed, or its position (1, 2, ...)."),
]


class SpecBase(Strict):
    column: Column = Field(description="The column (or PDF group, context or field) to read.")

    @field_validator("column")
    @classmethod
    def _position(cls, value: str | int) -> str | int:
        if isinstance(value, int) and not 1 <= value <= MAX_COLUMNS:
            raise ValueError(f"positions run from 1 to {MAX_COLUMNS}")
        return value


class NumberOptions(SpecBase):
    decimal: str | None = Field(None, description="Decimal mark of this column ([read] default).")
    thousands: str | None = Field(None, description="Thousands mark; '' for none.")


class TextSpec(SpecBase):
    """Free text, trimmed; blank becomes empty."""

    type: Literal["text"] = "text"


class ValueSpec(Strict):
    """The same value on every row: ``{ value = "voice" }``."""

    type: Literal["value"] = "value"
    value: str | int | bool = Field(description="The constant.")


class FactSpec(Strict):
    """A statement field found above the table (a line printed in the preamble)."""

    type: Literal["fact"] = "fact"
    fact: str = Field(description="The name of a [statement] field.")


class MoneySpec(NumberOptions):
    """An amount: currency signs ignored, ``(1.00)`` and ``1.00-`` negative."""

    type: Literal["money"] = "money"
    negate: bool = Field(False, description="Flip the sign (balance movements: -1.00 charged).")
    zero: list[str] = Field(default_factory=list, description="Words printed for 0 ('Inclus').")


class NumberSpec(NumberOptions):
    """A plain count or quantity in the event's unit."""

    type: Literal["number"] = "number"


class DataSpec(NumberOptions):
    """A data volume to bytes: ``1,25 Go``, ``350 MB``, or a bare number in ``unit``."""

    type: Literal["data"] = "data"
    unit: Literal["B", "KB", "MB", "GB", "TB", "ko", "Mo", "Go", "To"] = Field(
        "B", description="Unit of bare numbers (a unit printed in the cell wins)."
    )
    base: Literal[1000, 1024] = Field(1024, description="1024 or 1000, as the carrier counts.")


class DurationSpec(SpecBase):
    """A duration to seconds: ``02min15s``, ``1:02:03``, ``2分32秒``, or a bare number."""

    type: Literal["duration"] = "duration"
    unit: Literal["seconds", "minutes"] = Field("seconds", description="Unit of bare numbers.")


class TimestampSpec(SpecBase):
    """A local date and time, from one column or a date and a time column."""

    type: Literal["timestamp"] = "timestamp"
    time_column: Column | None = Field(None, description="A separate time-of-day column.")
    formats: list[str] | None = Field(
        None, description="strftime formats tried in order ([read] date_formats by default)."
    )


class ChoiceSpec(SpecBase):
    """Printed values mapped to a meaning, case-insensitively: ``{ Data = "data" }``."""

    type: Literal["choice"] = "choice"
    values: dict[str, str] = Field(description="Printed value -> meaning ('' for blank cells).")
    default: str | None = Field(None, description="Meaning of any other value (else a reject).")


class FlagSpec(SpecBase):
    """Yes or no (roaming)."""

    type: Literal["flag"] = "flag"
    true: list[str] | None = Field(None, description="Values that mean yes.")
    false: list[str] | None = Field(None, description="Values that mean no.")


class CountrySpec(SpecBase):
    """A country by name in any language, or by ISO code."""

    type: Literal["country"] = "country"
    aliases: dict[str, str] = Field(default_factory=dict, description="Extra name -> ISO code.")
    trailing: bool = Field(False, description="The country ends a place ('CANCUN MEXICO').")


class ScaledSpec(NumberOptions):
    """A number whose unit is printed in another column (``Units`` x ``Unit Type``)."""

    type: Literal["scaled"] = "scaled"
    unit_column: Column = Field(description="The column that names the unit.")
    factors: dict[str, int | float | str] = Field(
        description="Unit name -> what one unit is in the event's unit (KB = 1024)."
    )


class WhenSpec(Strict):
    """One spec or another, chosen per row by whether a column matches a pattern."""

    type: Literal["when"] = "when"
    column: Column = Field(description="The column tested.")
    pattern: Regex = Field(description="Rows whose column matches take `then`, others `else`.")
    then: Spec = Field(description="The spec for matching rows.")
    else_: Spec = Field(alias="else", description="The spec for the other rows.")

    _check = field_validator("pattern")(_regex)


Spec = Annotated[
    TextSpec
    | ValueSpec
    | FactSpec
    | MoneySpec
    | NumberSpec
    | DataSpec
    | DurationSpec
    | TimestampSpec
    | ChoiceSpec
    | FlagSpec
    | CountrySpec
    | ScaledSpec
    | WhenSpec,
    Field(discriminator="type"),
]
SPEC_MODELS: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        TextSpec,
        ValueSpec,
        FactSpec,
        MoneySpec,
        NumberSpec,
        DataSpec,
        DurationSpec,
        TimestampSpec,
        ChoiceSpec,
        FlagSpec,
        CountrySpec,
        ScaledSpec,
        WhenSpec,
    )
}
SPEC_TYPES = tuple(SPEC_MODELS)
WhenSpec.model_rebuild()


def normalise_spec(field: str, value: Any) -> Any:
    """Shorthands to the full form: ``"Col"``/``3`` -> a column of the field's default type."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {"column": value}
    if not isinstance(value, dict) or "type" in value:
        out = value
    elif "value" in value:
        out = {"type": "value", **value}
    elif "fact" in value:
        out = {"type": "fact", **value}
    elif "values" in value:
        out = {"type": "choice", **value}
    elif "unit_column" in value:
        out = {"type": "scaled", **value}
    else:
        out = {"type": DEFAULT_TYPES.get(field, "text"), **value}
    if isinstance(out, dict) and out.get("type") == "when":
        out = dict(out)
        for branch in ("then", "else"):
            if branch in out:
                out[branch] = normalise_spec(field, out[branch])
    return out


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


def _normalise_fields(data: Any) -> Any:
    if isinstance(data, dict) and isinstance(data.get("fields"), dict):
        data = dict(data)
        data["fields"] = {k: normalise_spec(k, v) for k, v in data["fields"].items()}
    return data


class Record(Strict):
    """A record type: which rows (tabular ``where``, PDF ``pattern``) and how they map."""

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
    also: bool = Field(
        False,
        description="Also try the record types after this one (one row, several events); "
        "by default the first matching record type takes the row.",
    )
    fields: Fields = Field(description="Event field -> how to read it.")

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
        check_kind(self.fields)
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
    sheet: str | None = Field(None, description="Spreadsheet: the sheet's name (default: first).")
    facts_sheet: str | None = Field(None, description="Spreadsheet: a sheet of statement facts.")
    decimal: str = Field(".", description="Decimal mark of numbers.")
    thousands: str | None = Field(None, description="Thousands mark ('' for none).")
    date_format: str | None = Field(None, description="One strftime format for dates.")
    date_formats: list[str] | None = Field(
        None, description="Candidate formats; the one that reads every date of a file is used."
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
    date_formats: list[str] | None = Field(
        None, description="Formats of the statement's dates (month names in any case)."
    )
    extra: dict[str, Regex] = Field(default_factory=dict, description="Other facts kept as text.")

    _check = field_validator(*[n for n in STATEMENT_FIELD_NAMES])(_regex)

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
        pdf = self.format == "pdf"
        if self.fields is not None:
            check_kind(self.fields)
        if not self.records and self.fields is None:
            raise ValueError("say how rows become events: [fields] or [[records]]")
        if pdf:
            if any(c.column is not None for c in self.context):
                raise ValueError("context: a PDF heading is a text line; leave out column")
            if self.fields is not None:
                raise ValueError(
                    "a PDF profile reads lines with [[records]] patterns, not [fields]"
                )
            for index, record in enumerate(self.records):
                if record.pattern is None:
                    raise ValueError(f"records[{index}] needs a pattern (the line it reads)")
                if record.where is not None:
                    raise ValueError(f"records[{index}]: where is for tabular files; use when")
            if not self.identify.keywords:
                raise ValueError("identify.keywords: list words the bill's first page prints")
        else:
            for index, record in enumerate(self.records):
                if record.pattern is not None or record.when:
                    raise ValueError(
                        f"records[{index}]: pattern and when are for PDF lines; use where"
                    )
            for index, skip in enumerate(self.skip):
                if skip.column is None:
                    raise ValueError(f"skip[{index}] needs the column it tests")
            for index, context in enumerate(self.context):
                if context.column is None:
                    raise ValueError(f"context[{index}] needs the column that holds the heading")
            if self.identify.columns is None and not self.identify.header:
                raise ValueError("identify.header: list the column names that identify the file")
            if self.identify.columns is not None and not self.identify.signature:
                raise ValueError(
                    "identify.signature: a headerless file needs a pattern its first rows match"
                )
        return self


def suggest(key: str, known: Any) -> str:
    """'; did you mean X?' for the nearest known key, or ''."""
    import difflib

    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
