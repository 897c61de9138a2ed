"""The profile language: one schema for CSV, spreadsheet and PDF layouts, validated by pydantic.

Every table forbids unknown keys, so a misspelt key (``delimeter``) is an error that names the
file and the key and suggests the nearest known one; every regex is compiled at load with RE2,
the engine that runs it (DuckDB's and the ``re2`` bindings), so an unsupported construct (a
lookahead) fails at load, naming its key, and no pattern can backtrack catastrophically.
The reference page ``docs/profiles.md`` is generated from these models (see ``profile_doc``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from analyzer.importers.profile_specs import (
    ChoiceSpec,
    Column,
    Regex,
    Spec,
    Strict,
    ValueSpec,
    _regex,
    normalise_spec,
)
from analyzer.importers.profile_tables import (  # noqa: F401 (the language's tables)
    MAX_PDF_PAGES,
    STATEMENT_FIELD_NAMES,
    Context,
    Copies,
    Derived,
    Identify,
    Limits,
    Read,
    Skip,
    Statement,
    StatementFieldName,
    Summary,
)
from analyzer.model import KINDS
from analyzer.regex import compile_re2


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


StatedName = Literal["category", "kind", "count", "quantity", "amount", "currency"]
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
